import Foundation
import Testing

@testable import FilterPipe

/// Convolution fast paths and padding modes against the float64 oracle and published values.
@Suite struct ConvTests {
    static func run(_ stages: [StageSpec], input: Tensor, mode: InputMode) throws -> (Tensor, ReferenceComparison) {
        let pipeline = try Pipeline(spec: PipelineSpec(input: mode, stages: stages))
        let got = try pipeline.run(input, executor: Executor(workers: 1))
        let expected = try #require(ReferencePipeline.run(stages, on: input))
        return (got, ReferenceComparison(got, expected))
    }

    static func gaussian(size: Int, sigma: Double) -> Matrix {
        let half = size / 2
        let line = (-half...half).map { Foundation.exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = line.reduce(0, +) * line.reduce(0, +)
        return Matrix(rows: size, columns: size, values: line.flatMap { a in line.map { Float(a * $0 / total) } })
    }

    static func randomMatrix(_ rows: Int, _ columns: Int, using rng: inout SeededGenerator) -> Matrix {
        Matrix(rows: rows, columns: columns, values: (0..<rows * columns).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    /// Widths around the 16- and 32-lane steps, so the stored tail lanes and whole strips both run.
    @Test(arguments: [1, 5, 15, 16, 17, 31, 32, 33, 63, 65, 100])
    func blockedFourMapKernelMatchesTheReferenceAtEveryWidth(width: Int) throws {
        var rng = SeededGenerator(seed: UInt64(width))
        let filters = (0..<6).map { f in
            FilterSpec(name: "f\(f)", bias: 0.25, channels: (0..<3).map { _ in Self.randomMatrix(3, 5, using: &rng) })
        }
        let conv = ConvSpec(filters: filters, padding: .same, padMode: .reflect)
        let plan = Conv2D(spec: conv, inputChannels: 3)
        #expect(plan.groups.map(\.mapCount) == [4, 2])
        let input = RandomPipelines.tensor(Shape(channels: 3, height: 9, width: width), using: &rng)
        let (got, comparison) = try Self.run([.conv(conv)], input: input, mode: .rgb)
        #expect(got.shape == Shape(channels: 6, height: 9, width: width))
        #expect(comparison.passed, "\(comparison.firstFailure ?? "")")
    }

    @Test(arguments: PadMode.allCases)
    func separableGaussianRunsAsTwoPassesAndMatchesTheReference(mode: PadMode) throws {
        let conv = ConvSpec(
            filters: [FilterSpec(name: "gauss", bias: 0.1, channels: [Self.gaussian(size: 5, sigma: 1)])],
            padding: .explicit(2), padMode: mode, depthwise: true)
        #expect(Conv2D(spec: conv, inputChannels: 3).groups.allSatisfy { $0.separable != nil })
        var rng = SeededGenerator(seed: 7)
        let input = RandomPipelines.tensor(Shape(channels: 3, height: 11, width: 70), using: &rng)
        let (_, comparison) = try Self.run([.conv(conv)], input: input, mode: .rgb)
        #expect(comparison.passed, "\(comparison.firstFailure ?? "")")
    }

    @Test func fullRankKernelsAreNotTreatedAsSeparable() {
        var rng = SeededGenerator(seed: 3)
        #expect(SeparableKernel(Self.randomMatrix(5, 5, using: &rng)) == nil)
        // 3×3 rank-1 kernels (Sobel) stay in the blocked kernel: two passes would not save work there.
        #expect(SeparableKernel(Matrix(rows: 3, columns: 3, values: [-1, 0, 1, -2, 0, 2, -1, 0, 1])) == nil)
        #expect(SeparableKernel(Self.gaussian(size: 7, sigma: 1.5)) != nil)
    }

    @Test func broadcastFiltersOnSeveralChannelsConvolveTheChannelSum() throws {
        let sobel = Matrix(rows: 3, columns: 3, values: [-1, 0, 1, -2, 0, 2, -1, 0, 1])
        let laplacian = Matrix(rows: 3, columns: 3, values: [0, 1, 0, 1, -4, 1, 0, 1, 0])
        let conv = ConvSpec(
            filters: [
                FilterSpec(name: "sobel", channels: [sobel]),
                FilterSpec(name: "laplacian", bias: -1, channels: [laplacian]),
            ],
            padding: .explicit(1))
        #expect(Conv2D(spec: conv, inputChannels: 4).groups.map(\.terms) == [[ConvGroup.channelSum]])
        var rng = SeededGenerator(seed: 11)
        let input = RandomPipelines.tensor(Shape(channels: 4, height: 13, width: 37), using: &rng)
        let (_, comparison) = try Self.run(
            [.conv(conv), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))],
            input: input, mode: .rgba)
        #expect(comparison.passed, "\(comparison.firstFailure ?? "")")
    }

    @Test func broadcastFiltersOnManyChannelsConvolveEachChannel() throws {
        var rng = SeededGenerator(seed: 13)
        let conv = ConvSpec(
            filters: [FilterSpec(name: "f", channels: [Self.randomMatrix(3, 3, using: &rng)])],
            padding: .explicit(1))
        let plan = Conv2D(spec: conv, inputChannels: 70)
        #expect(plan.groups.map(\.terms.count) == [70])
        let input = RandomPipelines.tensor(Shape(channels: 70, height: 6, width: 21), using: &rng)
        let shape = try #require(plan.outputShape(for: input.shape))
        let got = plan.run(input, outputShape: shape, executor: Executor(workers: 2))
        var reference = ReferenceTensor(channels: 70, height: 6, width: 21)
        reference.values = input.values.map(Double.init)
        reference.magnitudes = reference.values.map { Swift.abs($0) }
        let expected = try #require(ReferencePipeline.convolve(reference, conv))
        let comparison = ReferenceComparison(got, expected)
        #expect(comparison.passed, "\(comparison.firstFailure ?? "")")
    }

    @Test func stridedDilatedConvolutionMatchesTheReference() throws {
        var rng = SeededGenerator(seed: 5)
        let conv = ConvSpec(
            filters: (0..<5).map { FilterSpec(name: "f\($0)", channels: [Self.randomMatrix(3, 4, using: &rng)]) },
            stride: 2, padding: .explicit(3), padMode: .circular, dilation: 2)
        let input = RandomPipelines.tensor(Shape(channels: 1, height: 17, width: 23), using: &rng)
        let (_, comparison) = try Self.run([.conv(conv)], input: input, mode: .gray)
        #expect(comparison.passed, "\(comparison.firstFailure ?? "")")
    }

    /// A 1×1 identity kernel with padding 5 shows the padded row; expected rows are numpy.pad's.
    @Test(arguments: [
        (PadMode.reflect, [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2] as [Float]),  // np.pad([1,2,3], 5, 'reflect')
        (PadMode.circular, [2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2]),  // np.pad([1,2,3], 5, 'wrap')
        (PadMode.replicate, [1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3]),  // np.pad([1,2,3], 5, 'edge')
        (PadMode.zero, [0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0]),
    ])
    func padsWiderThanTheImageFollowNumpy(mode: PadMode, expected: [Float]) throws {
        let identity = ConvSpec(
            filters: [FilterSpec(name: "id", channels: [Matrix(rows: 1, columns: 1, values: [1])])],
            padding: .explicit(5), padMode: mode)
        let pipeline = try Pipeline(spec: PipelineSpec(input: .gray, stages: [.conv(identity)]))
        let got = try pipeline.run(Tensor(shape: Shape(channels: 1, height: 1, width: 3), values: [1, 2, 3]))
        #expect(got.shape == Shape(channels: 1, height: 11, width: 13))
        #expect(Array(got.values[5 * 13..<6 * 13]) == expected)
    }

    @Test func depthwiseMapsAreOrderedChannelMajorWithABiasPerFilter() throws {
        let one = Matrix(rows: 1, columns: 1, values: [1]), two = Matrix(rows: 1, columns: 1, values: [2])
        let conv = ConvSpec(
            filters: [
                FilterSpec(name: "a", bias: 10, channels: [one]),
                FilterSpec(name: "b", bias: 20, channels: [two]),
            ], depthwise: true)
        let pipeline = try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.conv(conv)]))
        let got = try pipeline.run(Tensor(shape: Shape(channels: 3, height: 1, width: 1), values: [1, 2, 3]))
        // map c·F + f = filter f on channel c
        #expect(got.values == [11, 22, 12, 24, 13, 26])
        #expect(pipeline.mapNames(inputChannels: 3) == ["c0-a", "c0-b", "c1-a", "c1-b", "c2-a", "c2-b"])
    }
}
