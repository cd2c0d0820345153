import Testing

@testable import FilterPipe

// A pad=same bank may mix kernel sizes (the parser and `check` accept it); the engine runs them at
// the largest size. Each map must equal the oracle running that filter alone as its own pad=same bank.

struct MixedBankCase: Sendable, CustomTestStringConvertible {
    var sizes: [(Int, Int)]
    var padMode: PadMode
    var dilation: Int
    var testDescription: String { sizes.map { "\($0.0)×\($0.1)" }.joined(separator: ",") + " \(padMode) d\(dilation)" }
}

private let mixedCases: [MixedBankCase] =
    PadMode.allCases.flatMap { mode in
        [
            MixedBankCase(sizes: [(3, 3), (1, 1), (5, 5)], padMode: mode, dilation: 1),
            MixedBankCase(sizes: [(2, 2), (3, 3), (4, 1), (1, 4)], padMode: mode, dilation: 1),
            MixedBankCase(sizes: [(5, 3), (1, 1), (3, 5)], padMode: mode, dilation: 2),
        ]
    }

@Test(arguments: mixedCases)
func aSameBankOfMixedKernelSizesGivesEachFiltersOwnSameConvolution(_ example: MixedBankCase) throws {
    var rng = SeededGenerator(seed: 42)
    let input = RandomPipelines.tensor(Shape(channels: 3, height: 9, width: 11), using: &rng)
    let filters = example.sizes.enumerated().map { index, size in
        // Even filters per channel, odd ones broadcast: both paths of the bank.
        let count = index % 2 == 0 ? 3 : 1
        return FilterSpec(
            name: "f\(index)", bias: 0.25,
            channels: (0..<count).map { _ in
                RandomPipelines.matrix(rows: size.0, columns: size.1, rankOne: false, using: &rng)
            })
    }
    let conv = ConvSpec(filters: filters, padding: .same, padMode: example.padMode, dilation: example.dilation)
    let output = try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.conv(conv)])).run(input)
    #expect(output.shape == Shape(channels: filters.count, height: 9, width: 11))
    for (index, filter) in filters.enumerated() {
        var alone = conv
        alone.filters = [filter]
        let expected = try #require(ReferencePipeline.run([.conv(alone)], on: input))
        let map = Tensor(shape: Shape(channels: 1, height: 9, width: 11), values: Array(output.plane(index)))
        let comparison = ReferenceComparison(map, expected)
        #expect(comparison.passed, "\(filter.name): \(comparison.firstFailure ?? "shape")")
    }
}

@Test func aMixedBankWhoseOffsetIsNotAWholeDilatedStepIsRefusedNamingTheFilter() throws {
    // Dilation 2: 3×3 pads 2, 2×2 pads 1 on top; the 2×2 would sit half a step down.
    let box = { (n: Int) in Matrix(rows: n, columns: n, values: [Float](repeating: 1, count: n * n)) }
    let conv = ConvSpec(
        filters: [FilterSpec(name: "big", channels: [box(3)]), FilterSpec(name: "small", channels: [box(2)])],
        padding: .same, dilation: 2)
    #expect(
        throws: PipelineError(
            "layer 1 (conv): filter 'small' (2×2) cannot share pad=same with the bank's 3×3 kernels at dilation 2; give it a conv of its own"
        )
    ) {
        try Pipeline(spec: PipelineSpec(input: .gray, stages: [.conv(conv)]))
    }
}
