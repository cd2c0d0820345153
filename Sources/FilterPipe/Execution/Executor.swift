import Dispatch
import Foundation

/// How work is split across cores: the only place in FilterPipe that starts parallel work.
///
/// Stages describe what each output value is; the executor decides which worker computes which
/// part. Results never depend on `workers`: every part is computed by the same code in the same
/// order whichever worker runs it.
public struct Executor: Sendable {
    /// How many parts run at once (at least 1).
    public let workers: Int

    /// An executor using `workers` cores (default: every active core).
    public init(workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.workers = max(1, workers)
    }

    /// Calls `body(i)` for every `i` in `0..<count`, up to `workers` at a time.
    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count <= 0 { return }
        if workers == 1 || count == 1 {
            for i in 0..<count { body(i) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}

/// A pointer that may cross into `concurrentPerform`'s `@Sendable` closure.
///
/// Safety: the executor hands each iteration a disjoint part of the output (its own channels and
/// rows), the buffer outlives the `concurrentPerform` call that uses it, and nothing reads a part
/// before every iteration has returned.
struct SendablePointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
}
