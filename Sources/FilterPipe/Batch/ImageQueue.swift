import Dispatch
import Synchronization

/// Hands a batch's images to the workers in order (largest first), keeping the estimated memory of
/// the images in flight within a budget: a worker takes the first image that fits beside those
/// already running, or waits for one to finish. An image over the whole budget runs alone
/// (`BatchRunner` refuses such an image before decoding it, so it passes through with footprint 0).
final class ImageQueue: Sendable {
    private struct State {
        /// Positions still to start, with their footprints, in order.
        var pending: [(position: Int, bytes: Int)]
        var bytesInFlight = 0
        var running = 0
        var waiting = 0
    }

    private let state: Mutex<State>
    private let finished = DispatchSemaphore(value: 0)
    private let budget: Int?

    /// `footprints[i]`: the estimated bytes of image i (in the order it should start). No budget:
    /// images start in order as workers free up.
    init(footprints: [Int], budget: Int?) {
        state = Mutex(State(pending: footprints.enumerated().map { ($0.offset, $0.element) }))
        self.budget = budget
    }

    /// The next image to start (its position and footprint) and how many remain after it; nil
    /// when none are left. Blocks while images are running and none of the pending ones fits.
    func next() -> (position: Int, bytes: Int, remaining: Int)? {
        while true {
            let taken = state.withLock { state -> (position: Int, bytes: Int, remaining: Int)?? in
                guard !state.pending.isEmpty else { return .some(nil) }
                let fits = state.pending.firstIndex { item in
                    guard let budget else { return true }
                    return state.running == 0 || state.bytesInFlight + item.bytes <= budget
                }
                guard let fits else {
                    state.waiting += 1
                    return nil
                }
                let item = state.pending.remove(at: fits)
                state.bytesInFlight += item.bytes
                state.running += 1
                return .some((item.position, item.bytes, state.pending.count))
            }
            if let taken { return taken }
            finished.wait()
        }
    }

    /// Marks an image of `bytes` as done, waking the workers waiting for room.
    func finish(bytes: Int) {
        let waiting = state.withLock { state in
            state.bytesInFlight -= bytes
            state.running -= 1
            defer { state.waiting = 0 }
            return state.waiting
        }
        for _ in 0..<waiting { finished.signal() }
    }

    /// Positions never started (after the workers stopped taking images).
    var notStarted: Int { state.withLock { $0.pending.count } }
}
