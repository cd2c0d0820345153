import FilterPipe
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reports progress on standard error: a one-line bar redrawn in place on a terminal, a plain line
/// every few seconds otherwise. Failures are always printed, one `PATH: reason` line each.
final class ProgressReporter: Sendable {
    private struct State {
        var done = 0
        var lastDraw = 0.0
        var drawn = false
    }

    private let total: Int
    private let quiet: Bool
    private let isTerminal: Bool
    private let start: Double
    private let state = Mutex(State())

    init(total: Int, quiet: Bool) {
        self.total = total
        self.quiet = quiet
        self.isTerminal = isatty(STDERR_FILENO) == 1
        self.start = Self.now()
        state.withLock { $0.lastDraw = start }
    }

    func record(_ result: ImageResult) {
        state.withLock { state in
            state.done += 1
            if let error = result.error {
                if state.drawn { write("\r\u{1B}[K") }
                write(error + "\n")
                state.drawn = false
            }
            guard !quiet else { return }
            let now = Self.now()
            let interval = isTerminal ? 0.1 : 5.0
            if now - state.lastDraw >= interval || (isTerminal && state.done == total) {
                state.lastDraw = now
                write(isTerminal ? "\r\u{1B}[K" + line(state.done, now) : line(state.done, now) + "\n")
                state.drawn = isTerminal
            }
        }
    }

    func finish() {
        state.withLock { state in
            if state.drawn { write("\n") }
            state.drawn = false
        }
    }

    private func line(_ done: Int, _ now: Double) -> String {
        let elapsed = max(now - start, 1e-9)
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 24
        let filled = total > 0 ? width * done / total : width
        let bar =
            isTerminal
            ? "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " : "filterpipe: "
        return bar + "\(done)/\(total) images, \(formatted(rate, decimals: 1)) images/s, ETA \(formatted(eta, decimals: 0)) s"
    }

    private func write(_ text: String) {
        writeStandardError(text)
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
