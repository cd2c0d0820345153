import Dispatch
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How work is split across cores: the only place in FilterPipe that starts parallel work.
///
/// Stages describe what each output value is; the executor decides which worker computes which
/// part. Results never depend on `workers`: every output value is computed by the same code in the
/// same order whichever worker and whichever tile it falls in, so tile boundaries may depend on
/// `workers` (the streaming route splits a band's rows over them) without changing any value
/// (ExecutorTests: tile boundaries and worker counts give bit-identical results).
public struct Executor: Sendable {
    /// How many parts run at once (at least 1).
    public let workers: Int

    /// Where the worker-seconds of parallel parts are counted (`--profile`), when anyone asks.
    let meter: WorkMeter?

    /// An executor using `workers` cores (default: every active core).
    public init(workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.init(workers: workers, meter: nil)
    }

    init(workers: Int, meter: WorkMeter?) {
        self.workers = max(1, workers)
        self.meter = meter
    }

    /// Calls `body(i)` for every `i` in `0..<count`, at most `workers` at a time.
    ///
    /// `concurrentPerform` would use every core, so it runs `workers` iterations, worker `w` taking
    /// `i = w, w + workers, ...` (interleaved, so equal-cost tiles spread evenly).
    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count <= 0 { return }
        let lanes = min(workers, count)
        if lanes == 1 {
            for i in 0..<count { body(i) }
            return
        }
        let meter = meter
        let start = meter == nil ? 0 : monotonicSeconds()
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            let laneStart = meter == nil ? 0 : monotonicSeconds()
            var i = lane
            while i < count {
                body(i)
                i += lanes
            }
            meter?.addLane(monotonicSeconds() - laneStart)
        }
        meter?.addParallelWall(monotonicSeconds() - start)
    }

    /// A tensor of `shape` whose tiles (a block of `channelBlock` channels × a band of `rowBand`
    /// rows) are written by `body(channels, rows, output)`, tiles spread over the workers.
    ///
    /// `output` is the whole tensor's storage; `body` must write exactly its tile.
    func fillTiles(
        shape: Shape, channelBlock: Int, rowBand: Int,
        _ body: @Sendable (Range<Int>, Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) -> Tensor {
        if shape.isEmpty { return Tensor(shape: shape) }
        let block = max(1, min(channelBlock, shape.channels))
        let band = max(1, min(rowBand, shape.height))
        let channelTiles = (shape.channels + block - 1) / block
        let rowTiles = (shape.height + band - 1) / band
        return Tensor(shape: shape) { buffer in
            HugePages.advise(UnsafeMutableRawPointer(buffer.baseAddress!), byteCount: buffer.count * MemoryLayout<Float>.size)
            let output = SendablePointer(base: buffer.baseAddress!)
            forEach(channelTiles * rowTiles) { tile in
                let c0 = (tile / rowTiles) * block, y0 = (tile % rowTiles) * band
                body(c0..<min(c0 + block, shape.channels), y0..<min(y0 + band, shape.height), output.base)
            }
        }
    }
}

extension Executor {
    /// Fills `channels` × `rows` of a band of a feature map (storage `output`), reading a band of
    /// the previous one (storage `input`), in tiles of `channelBlock` channels × `rowBand` rows
    /// spread over the workers; `body(channels, rows, output, input)` computes one tile.
    func fillBand(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, channels: Int, rows: Range<Int>,
        channelBlock: Int, rowBand: Int,
        _ body: @Sendable (Range<Int>, Range<Int>, UnsafeMutablePointer<Float>, UnsafePointer<Float>) -> Void
    ) {
        if channels == 0 || rows.isEmpty { return }
        let block = max(1, min(channelBlock, channels))
        let band = max(1, min(rowBand, rows.count))
        let channelTiles = (channels + block - 1) / block
        let rowTiles = (rows.count + band - 1) / band
        let target = SendablePointer(base: output)
        let source = SendablePointer(base: UnsafeMutablePointer(mutating: input))
        forEach(channelTiles * rowTiles) { tile in
            let c0 = (tile / rowTiles) * block, y0 = rows.lowerBound + (tile % rowTiles) * band
            body(c0..<min(c0 + block, channels), y0..<min(y0 + band, rows.upperBound), target.base, UnsafePointer(source.base))
        }
    }
}

/// Counts the worker-seconds an executor's parallel parts take: each lane's busy time, and the
/// wall time the caller spent waiting for them, so a phase's worker-seconds are its serial wall
/// time plus its lanes' busy time (a lane waiting for a core under load counts as busy; a lane
/// that finished early does not).
final class WorkMeter: Sendable {
    private let totals = Mutex((lanes: 0.0, parallelWall: 0.0))

    init() {}

    fileprivate func addLane(_ seconds: Double) { totals.withLock { $0.lanes += seconds } }
    fileprivate func addParallelWall(_ seconds: Double) { totals.withLock { $0.parallelWall += seconds } }

    /// The worker-seconds of a phase that took `wall` seconds on the calling thread, counting the
    /// parallel parts since the last call; resets the counts.
    func workerSeconds(wall: Double) -> Double {
        totals.withLock { totals in
            defer { totals = (0, 0) }
            return max(0, wall - totals.parallelWall) + totals.lanes
        }
    }
}

/// A pointer that may cross into `concurrentPerform`'s `@Sendable` closure.
///
/// Safety: the executor hands each iteration a disjoint part of the output (its own channels and
/// rows), the buffer outlives the `concurrentPerform` call that uses it, and nothing reads a part
/// before every iteration has returned. An input buffer crossing with it is only read while the
/// iterations run.
struct SendablePointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
}
