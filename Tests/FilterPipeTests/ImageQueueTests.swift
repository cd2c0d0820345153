import Dispatch
import Synchronization
import Testing

@testable import FilterPipe

#if canImport(Glibc)
    import Glibc
#endif

// The batch's image queue: every image starts once, in order when no budget binds, and the
// footprints in flight stay within the budget unless an image runs alone.

@Suite struct ImageQueueTests {
    /// Runs `footprints` through a queue with `workers` workers, each image "working" briefly;
    /// returns the order images started and the largest total footprint in flight over the run
    /// with the number running when it was reached.
    private func drain(_ footprints: [Int], budget: Int?, workers: Int, microseconds: Int = 200) -> (
        started: [Int], peak: Int, peakRunning: Int, overBudgetAlone: Bool
    ) {
        let queue = ImageQueue(footprints: footprints, budget: budget)
        let record = Mutex((started: [Int](), inFlight: 0, running: 0, peak: 0, peakRunning: 0, overBudgetAlone: true))
        Executor(workers: workers).forEach(workers) { _ in
            while let item = queue.next() {
                record.withLock { r in
                    r.started.append(item.position)
                    r.inFlight += item.bytes
                    r.running += 1
                    if r.inFlight > r.peak { (r.peak, r.peakRunning) = (r.inFlight, r.running) }
                    if let budget, r.inFlight > budget, r.running > 1 { r.overBudgetAlone = false }
                }
                usleep(UInt32(microseconds + (item.position * 37) % 300))
                record.withLock { r in
                    r.inFlight -= item.bytes
                    r.running -= 1
                }
                queue.finish(bytes: item.bytes)
            }
        }
        let r = record.withLock { $0 }
        return (r.started, r.peak, r.peakRunning, r.overBudgetAlone)
    }

    @Test(arguments: [1, 2, 4])
    func withoutABudgetImagesStartInOrderAsWorkersFreeUp(workers: Int) {
        let result = drain(Array(repeating: 0, count: 40), budget: nil, workers: workers)
        #expect(result.started == Array(0..<40))
    }

    @Test(arguments: [2, 3, 8])
    func theFootprintsInFlightStayWithinTheBudgetUnlessAnImageRunsAlone(workers: Int) {
        var rng = SeededGenerator(seed: UInt64(workers))
        let footprints = (0..<60).map { _ in Int.random(in: 1...50, using: &rng) }.sorted(by: >)
        let result = drain(footprints, budget: 60, workers: workers)
        #expect(result.started.sorted() == Array(0..<60), "every image starts exactly once")
        #expect(result.overBudgetAlone)
        #expect(result.peak <= 60 || result.peakRunning == 1)
    }

    @Test func anImageOverTheWholeBudgetStillRuns() {
        let result = drain([500, 10, 10, 10], budget: 100, workers: 2)
        #expect(result.started.sorted() == [0, 1, 2, 3])
        #expect(result.overBudgetAlone)
    }

    @Test func aWorkerTakesTheFirstPendingImageThatFits() throws {
        let queue = ImageQueue(footprints: [70, 50, 20, 10], budget: 100)
        let first = try #require(queue.next())
        #expect(first.position == 0 && first.bytes == 70 && first.remaining == 3)
        // 50 would not fit beside 70: the next image that does is 20, then 10.
        #expect(queue.next()?.position == 2)
        #expect(queue.next()?.position == 3)
        queue.finish(bytes: 70)
        #expect(queue.next()?.position == 1)
        #expect(queue.notStarted == 0)
    }
}
