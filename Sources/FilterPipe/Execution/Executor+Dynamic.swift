import Synchronization

extension Executor {
    /// Calls `body(i)` for every `i` in `0..<count`, each worker taking the next index as it frees
    /// up: for items of uneven cost (images of a batch), where a fixed split would leave a core idle.
    public func forEachDynamic(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count <= 0 { return }
        let next = Atomic<Int>(0)
        forEach(min(workers, count)) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index >= count { return }
                body(index)
            }
        }
    }
}
