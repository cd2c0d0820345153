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
/// one exits at once with status 130.
final class SignalWatcher {
    private let sources: [DispatchSourceSignal]
    private let count = SignalCount()

    init(token: CancellationToken) {
        var made: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            made.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        sources = made
        for source in sources {
            source.setEventHandler { [count] in
                if count.value.add(1, ordering: .relaxed).oldValue > 0 { _exit(130) }
                token.cancel()
                writeStandardError("\nfilterpipe: interrupted; finishing the images in flight (again to quit now)\n")
            }
            source.resume()
        }
    }

    var received: Bool { count.value.load(ordering: .relaxed) > 0 }

    func stop() {
        for source in sources { source.cancel() }
    }
}

private final class SignalCount: Sendable {
    let value = Atomic<Int>(0)
}
