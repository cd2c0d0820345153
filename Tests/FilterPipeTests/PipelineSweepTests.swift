import Testing
@testable import FilterPipe

/// Seeded random pipelines (every stage option, 5–90 px images) against the float64 oracle.
@Suite struct PipelineSweepTests {
    static let caseCount = 400

    @Test func randomPipelinesMatchTheFloat64Reference() throws {
        var rng = SeededGenerator(seed: 0x5EED_F11E)
        var compared = 0, empty = 0, largest = 0.0
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
            let got = try pipeline.run(testCase.input, executor: Executor(workers: 1))
            let comparison = ReferenceComparison(got, expected)
            #expect(comparison.passed, "case \(index): \(comparison.firstFailure ?? "shape \(got.shape)") — \(testCase)")
            largest = max(largest, comparison.largestRelativeError)
            compared += 1
        }
        print("sweep: \(compared) pipelines compared, \(empty) empty, largest relative error \(largest)")
        #expect(compared > Self.caseCount / 2)
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
