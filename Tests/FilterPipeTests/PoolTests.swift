import Testing

@testable import FilterPipe

/// Pooling with PyTorch's semantics (values worked by hand from the definitions).
@Suite struct PoolTests {
    static let ramp = Tensor(shape: Shape(channels: 1, height: 4, width: 4), values: (1...16).map(Float.init))

    static func pool(_ spec: PoolSpec, _ input: Tensor) throws -> Tensor {
        try Pipeline(spec: PipelineSpec(input: .gray, stages: [.pool(spec)])).run(input, executor: Executor(workers: 1))
    }

    @Test func maxPool2x2TakesTheLargestOfEachBlock() throws {
        let got = try Self.pool(PoolSpec(kind: .max, size: 2), Self.ramp)
        #expect(got.values == [6, 8, 14, 16])
    }

    @Test func averagePoolWithPaddingDividesByThePixelsInsideTheImage() throws {
        // 3×3 windows, stride 2, pad 1 (count_include_pad=False): (1+2+5+6)/4, (2+3+4+6+7+8)/6,
        // (5+6+9+10+13+14)/6, (6+7+8+10+11+12+14+15+16)/9.
        let got = try Self.pool(PoolSpec(kind: .average, size: 3, stride: 2, pad: 1), Self.ramp)
        #expect(got.shape == Shape(channels: 1, height: 2, width: 2))
        #expect(got.values == [3.5, 5, 9.5, 11])
    }

    @Test func maxPoolIgnoresPaddingEvenForNegativeValues() throws {
        let negative = Tensor(shape: Self.ramp.shape, values: Self.ramp.values.map { -$0 })
        let got = try Self.pool(PoolSpec(kind: .max, size: 2, stride: 2, pad: 1), negative)
        #expect(got.values == [-1, -2, -4, -5, -6, -8, -13, -14, -16])
    }

    /// Output lengths PyTorch gives (floor, ceil; in ceil mode the last window starts inside the image or left pad).
    @Test(arguments: [
        (5, 2, 2, 0, 2, 3), (4, 2, 2, 1, 3, 3), (6, 3, 2, 0, 2, 3), (5, 3, 2, 1, 3, 3), (5, 2, 3, 1, 2, 2), (1, 1, 1, 0, 1, 1),
    ])
    func outputLengthsFollowPyTorchFloorAndCeilModes(input: Int, size: Int, stride: Int, pad: Int, floor: Int, ceil: Int) {
        #expect(PoolSpec(kind: .max, size: size, stride: stride, pad: pad).outputLength(input: input) == floor)
        #expect(PoolSpec(kind: .max, size: size, stride: stride, pad: pad, ceilMode: true).outputLength(input: input) == ceil)
    }

    @Test(arguments: [1, 2, 3])
    func ceilModeAveragePoolCountsOnlyPixelsInsideTheImage(stride: Int) throws {
        var rng = SeededGenerator(seed: UInt64(stride))
        let input = RandomPipelines.tensor(Shape(channels: 1, height: 7, width: 9), using: &rng)
        for kind in [PoolKind.average, .max] {
            let spec = PoolSpec(kind: kind, size: 3, stride: stride, pad: 1, ceilMode: true)
            let got = try Self.pool(spec, input)
            let expected = try #require(ReferencePipeline.run([.pool(spec)], on: input))
            let comparison = ReferenceComparison(got, expected)
            #expect(comparison.passed, "\(comparison.firstFailure ?? "")")
        }
    }

    @Test(arguments: [16, 17, 33, 64, 65])
    func vectorMaxPoolMatchesThePlainLoopAtEveryWidth(width: Int) throws {
        var rng = SeededGenerator(seed: UInt64(width))
        let input = RandomPipelines.tensor(Shape(channels: 2, height: 5, width: width), using: &rng)
        let got = try Pipeline(spec: PipelineSpec(input: .gray, stages: [.pool(PoolSpec(kind: .max, size: 2))]))
            .run(Tensor(shape: Shape(channels: 1, height: 5, width: width), values: Array(input.values.prefix(5 * width))))
        let expected = try #require(
            ReferencePipeline.run(
                [.pool(PoolSpec(kind: .max, size: 2))],
                on: Tensor(
                    shape: Shape(channels: 1, height: 5, width: width),
                    values: Array(input.values.prefix(5 * width)))))
        #expect(got.values.map(Double.init) == expected.values)
    }
}
