import Synchronization

/// A flag a signal handler (or a failing image under `--fail-fast`) sets to stop a batch from
/// taking new images; images already started finish and are written whole.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
