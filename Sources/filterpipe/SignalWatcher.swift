import Dispatch
import FilterPipe
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT/SIGTERM into a cancelled batch: the first signal stops new images from starting
/// (those in flight finish and are written whole, so no temporary file is left behind); a second
/// one exits at once. The exit status is the shell's for death by that signal, 128 + its number
/// (130 for SIGINT, 143 for SIGTERM, what Slurm and Kubernetes send), so schedulers and scripts
/// see an interrupted task, not a failed or finished one.
final class SignalWatcher {
    private let sources: [DispatchSourceSignal]
    /// The first signal's number; 0 until one arrives.
    private let first = SignalNumber()

    init(token: CancellationToken) {
        var made: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            made.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        sources = made
        for source in sources {
            let number = Int32(source.handle)
            source.setEventHandler { [first] in
                let (isFirst, _) = first.value.compareExchange(
                    expected: 0, desired: Int(number), ordering: .acquiringAndReleasing)
                if !isFirst { _exit(128 + number) }
                token.cancel()
                let name = number == SIGTERM ? "SIGTERM" : "SIGINT"
                writeStandardError(
                    "\nfilterpipe: interrupted (\(name)); finishing the images in flight (again to quit now)\n")
            }
            source.resume()
        }
    }

    var received: Bool { first.value.load(ordering: .acquiring) != 0 }

    /// The status to exit with after a signal: 128 + the first signal's number.
    var exitStatus: Int32 { 128 + Int32(first.value.load(ordering: .acquiring)) }

    func stop() {
        for source in sources { source.cancel() }
    }
}

private final class SignalNumber: Sendable {
    let value = Atomic<Int>(0)
}
