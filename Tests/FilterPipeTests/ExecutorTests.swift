import Foundation
import Synchronization
import Testing

@testable import FilterPipe

/// The executor: at most `workers` at once, and results independent of workers and tiles.
@Suite struct ExecutorTests {
    /// A pipeline and image big enough to split into many tiles (row bands and channel blocks).
    static let largeCase: (Pipeline, Tensor) = {
        var rng = SeededGenerator(seed: 99)
        let filters = (0..<10).map { f in
            FilterSpec(
                name: "f\(f)", bias: 0.1,
                channels: (0..<3).map { _ in
                    Matrix(rows: 5, columns: 5, values: (0..<25).map { _ in Float.random(in: -0.3...0.3, using: &rng) })
                })
        }
        let spec = PipelineSpec(
            input: .rgb,
            stages: [
                .conv(ConvSpec(filters: filters, padding: .explicit(2), padMode: .reflect)), .activation(.relu),
                .pool(PoolSpec(kind: .max, size: 2)),
                .conv(
                    ConvSpec(
                        filters: [
                            FilterSpec(
                                name: "g",
                                channels: [
                                    Matrix(
                                        rows: 5, columns: 5,
                                        values: (0..<25).map { _ in 0.04 })
                                ])
                        ], padding: .same, depthwise: true)),
                .activation(.sigmoid), .pool(PoolSpec(kind: .average, size: 3, stride: 2, pad: 1, ceilMode: true)),
            ])
        let input = RandomPipelines.tensor(Shape(channels: 3, height: 181, width: 150), using: &rng)
        return (try! Pipeline(spec: spec), input)
    }()

    @Test(arguments: [1, 2, 3, 8])
    func resultsAreBitIdenticalToOneWorker(workers: Int) throws {
        let (pipeline, input) = Self.largeCase
        let reference = try pipeline.run(input, executor: Executor(workers: 1))
        let got = try pipeline.run(input, executor: Executor(workers: workers))
        #expect(got.values.map(\.bitPattern) == reference.values.map(\.bitPattern))
        let stages = try pipeline.runAllStages(input, executor: Executor(workers: workers))
        #expect(stages.last?.values.map(\.bitPattern) == reference.values.map(\.bitPattern))
    }

    /// Tile sizes (channels × rows) other than the planned ones must not change a single bit.
    @Test(arguments: [(1, 1), (3, 2), (4, 7), (100, 1000)])
    func tileBoundariesDoNotChangeAnyValue(channelBlock: Int, rowBand: Int) throws {
        let (pipeline, input) = Self.largeCase
        var current = input
        for step in pipeline.steps {
            let shape = try #require(step.stage.outputShape(for: current.shape))
            let planned = step.stage.run(current, outputShape: shape, executor: Executor(workers: 2))
            let source = current, stage = step.stage
            let tiled = Executor(workers: 2).fillTiles(shape: shape, channelBlock: channelBlock, rowBand: rowBand) {
                channels, rows, output in
                source.values.withUnsafeBufferPointer { values in
                    stage.compute(
                        input: FeatureBand(
                            base: values.baseAddress!, firstChannel: 0, firstRow: 0,
                            width: source.width, channelStride: source.shape.planeCount),
                        inputShape: source.shape, output: MutableFeatureBand(wholeTensor: output, shape: shape),
                        outputShape: shape, channels: channels, rows: rows)
                }
            }
            #expect(tiled.values.map(\.bitPattern) == planned.values.map(\.bitPattern), "\(type(of: stage))")
            current = planned
        }
    }

    @Test(arguments: [1, 2, 3])
    func forEachVisitsEveryIndexOnceWithAtMostWorkersRunning(workers: Int) {
        struct Record {
            var running = 0, mostRunning = 0
            var visits = [Int](repeating: 0, count: 40)
        }
        let record = Mutex(Record())
        Executor(workers: workers).forEach(40) { i in
            record.withLock { record in
                record.running += 1
                record.mostRunning = max(record.mostRunning, record.running)
                record.visits[i] += 1
            }
            Thread.sleep(forTimeInterval: 0.002)
            record.withLock { $0.running -= 1 }
        }
        let final = record.withLock { $0 }
        #expect(final.visits == [Int](repeating: 1, count: 40))
        #expect(final.mostRunning <= workers)
    }
}
