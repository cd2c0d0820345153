import Testing

@testable import FilterPipe

/// Seeded random pipelines (every stage option, 5–90 px images) against the float64 oracle.
@Suite struct PipelineSweepTests {
    static let caseCount = 400

    @Test func randomPipelinesMatchTheFloat64Reference() throws {
        var rng = SeededGenerator(seed: 0x5EED_F11E)
        var compared = 0, empty = 0, largest = 0.0
        var paths: [String: Int] = [:]
        for index in 0..<Self.caseCount {
            let testCase = RandomPipelines.randomCase(using: &rng)
            let pipeline = try Pipeline(spec: testCase.spec)
            guard let expected = ReferencePipeline.run(testCase.spec.stages, on: testCase.input) else {
                #expect(throws: PipelineError.self, "case \(index) should be empty: \(testCase)") {
                    try pipeline.outputShape(for: testCase.input.shape)
                }
                empty += 1
                continue
            }
            for path in Self.fastPaths(pipeline, input: testCase.input.shape) { paths[path, default: 0] += 1 }
            let got = try pipeline.run(testCase.input, executor: Executor(workers: 1))
            let comparison = ReferenceComparison(got, expected)
            #expect(comparison.passed, "case \(index): \(comparison.firstFailure ?? "shape \(got.shape)") — \(testCase)")
            largest = max(largest, comparison.largestRelativeError)
            compared += 1
        }
        print("sweep: \(compared) pipelines compared, \(empty) empty, largest relative error \(largest), paths \(paths)")
        #expect(compared > Self.caseCount / 2)
        for path in [
            "separable", "blocked", "single", "strided", "channel sum", "depthwise", "per-channel",
            "fused pool", "wide rows",
        ] {
            #expect(paths[path, default: 0] >= 5, "the sweep rarely reaches the \(path) path: \(paths)")
        }
    }

    /// Which loops a pipeline's convolutions run, to show the sweep reaches each.
    static func fastPaths(_ pipeline: Pipeline, input: Shape) -> Set<String> {
        var paths: Set<String> = []
        var shape = input
        for stage in pipeline.stages {
            if let conv = stage as? Conv2D {
                for group in conv.groups {
                    if group.separable != nil {
                        paths.insert("separable")
                    } else if conv.spec.stride != 1 {
                        paths.insert("strided")
                    } else if group.mapCount == 1 {
                        paths.insert("single")
                    } else {
                        paths.insert("blocked")
                    }
                    if group.terms == [ConvGroup.channelSum] { paths.insert("channel sum") }
                    if group.terms.count > 1 { paths.insert("per-channel") }
                }
                if conv.spec.depthwise { paths.insert("depthwise") }
                if let out = conv.outputShape(for: shape), out.width > 16, out.width % 16 != 0 { paths.insert("wide rows") }
            }
            guard let next = stage.outputShape(for: shape) else { break }
            shape = next
        }
        if pipeline.steps.contains(where: { ($0.stage as? FusedConvStage)?.pool != nil }) { paths.insert("fused pool") }
        return paths
    }

    @Test func fusedConvStepsEqualTheUnfusedStagesBitForBit() throws {
        var rng = SeededGenerator(seed: 0xF05E)
        var checked = 0
        for _ in 0..<150 {
            let testCase = RandomPipelines.randomCase(using: &rng)
            let pipeline = try Pipeline(spec: testCase.spec)
            guard (try? pipeline.outputShape(for: testCase.input.shape)) != nil else { continue }
            let fused = try pipeline.run(testCase.input, executor: Executor(workers: 1))
            let staged = try pipeline.runAllStages(testCase.input, executor: Executor(workers: 1))
            #expect(staged.count == testCase.spec.stages.count)
            #expect(fused.values.map(\.bitPattern) == staged.last?.values.map(\.bitPattern), "\(testCase)")
            checked += 1
        }
        #expect(checked > 50)
    }
}
