import Foundation
import Testing

@testable import FilterPipe

// A large final tensor is computed and written a range of filters at a time (Pipeline+FilterGroups):
// each range's maps against the float64 oracle, and a batch's files against the same batch written
// whole.

private func bank(_ count: Int, channels: Int, seed: Int) -> ConvSpec {
    var generator = SeededGenerator(seed: UInt64(seed))
    let filters = (0..<count).map { f in
        FilterSpec(
            name: "f\(f)", bias: Float.random(in: -0.5...0.5, using: &generator),
            channels: (0..<channels).map { _ in
                Matrix(rows: 3, columns: 3, values: (0..<9).map { _ in Float.random(in: -1...1, using: &generator) })
            })
    }
    return ConvSpec(filters: filters, padding: .explicit(1))
}

private func channels(_ t: ReferenceTensor, _ range: Range<Int>) -> ReferenceTensor {
    var part = ReferenceTensor(channels: range.count, height: t.height, width: t.width)
    let plane = t.height * t.width
    part.values = Array(t.values[range.lowerBound * plane..<range.upperBound * plane])
    part.magnitudes = Array(t.magnitudes[range.lowerBound * plane..<range.upperBound * plane])
    return part
}

private let endings: [(name: String, stages: [StageSpec])] = [
    ("conv", [.conv(bank(10, channels: 3, seed: 1))]),
    ("conv relu", [.conv(bank(10, channels: 3, seed: 2)), .activation(.relu)]),
    ("conv relu maxpool", [.conv(bank(10, channels: 3, seed: 3)), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))]),
    (
        "avgpool, conv tanh avgpool",
        [
            .pool(PoolSpec(kind: .average, size: 2)), .conv(bank(10, channels: 3, seed: 4)), .activation(.tanh),
            .pool(PoolSpec(kind: .average, size: 2)),
        ]
    ),
    ("conv, conv", [.conv(bank(5, channels: 3, seed: 5)), .conv(bank(9, channels: 5, seed: 6))]),
]

@Test("Each filter range's final maps agree with the float64 reference", arguments: endings.indices)
func finalMapsOfEachFilterRangeAgreeWithTheReference(_ index: Int) throws {
    let stages = endings[index].stages
    var generator = SeededGenerator(seed: 99)
    let shape = Shape(channels: 3, height: 29, width: 41)
    let input = Tensor(shape: shape, values: (0..<shape.count).map { _ in Float.random(in: 0...1, using: &generator) })
    let pipeline = try Pipeline(spec: PipelineSpec(input: .rgb, stages: stages))
    let output = try pipeline.outputShape(for: shape)
    let mapBytes = output.planeCount * 4
    // A limit under the whole tensor: ranges of one register block (4 filters).
    let groups = try #require(try pipeline.finalFilterGroups(for: shape, limit: 4 * mapBytes))
    #expect(groups.first?.lowerBound == 0 && groups.last?.upperBound == output.channels)
    #expect(zip(groups, groups.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    #expect(groups.dropLast().allSatisfy { $0.count == ConvGroup.blockSize })
    #expect(try pipeline.finalFilterGroups(for: shape, limit: output.channels * mapBytes) == nil)

    let expected = try #require(ReferencePipeline.run(stages, on: input))
    let before = try pipeline.runToFinalStep(input, executor: Executor(workers: 2))
    for filters in groups {
        let maps = pipeline.finalMaps(before, filters: filters, executor: Executor(workers: 2))
        let comparison = ReferenceComparison(maps, channels(expected, filters))
        #expect(comparison.passed, "\(endings[index].name) \(filters): \(comparison.firstFailure ?? "shape")")
    }
}

@Test func aDepthwiseOrGroupedLastConvIsComputedWhole() throws {
    var depthwise = bank(2, channels: 1, seed: 7)
    depthwise.depthwise = true
    let pipeline = try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.conv(depthwise)]))
    #expect(try pipeline.finalFilterGroups(for: Shape(channels: 3, height: 20, width: 20), limit: 1) == nil)
    let pooled = try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.pool(PoolSpec(kind: .max, size: 2))]))
    #expect(try pooled.finalFilterGroups(for: Shape(channels: 3, height: 20, width: 20), limit: 1) == nil)
}

@Test(
    "A batch whose final tensors are written a range of filters at a time writes the bytes of one written whole",
    arguments: [OutputSpec.Normalization.percentile, .minmax, .symmetric])
func batchWrittenInFilterRangesIsByteIdentical(_ normalization: OutputSpec.Normalization) throws {
    let folder = TemporaryFolder()
    var generator = SeededGenerator(seed: 5)
    for (index, size) in [(83, 61), (40, 97)].enumerated() {
        let samples = (0..<size.0 * size.1 * 3).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try ImageCodec.writePNG(
            PixelBuffer(width: size.0, height: size.1, channels: 3, samples: .uint8(samples)),
            to: folder.path + "/p\(index).png")
    }
    let spec = PipelineSpec(
        input: .rgb,
        stages: [.conv(bank(10, channels: 3, seed: 8)), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))],
        output: OutputSpec(normalization: normalization))
    let inputs = (0..<2).map { BatchInput(path: folder.path + "/p\($0).png", relativePath: "p\($0).png", outputStem: "p\($0)") }
    var written: [[String: Data]] = []
    for limit in [Int.max, 1] {
        var options = BatchOptions()
        options.output = spec.output
        options.jobs = 2
        options.finalTensorLimit = limit
        #expect(options.writesFinalMapsSeparately)
        let output = TemporaryFolder()
        let runner = BatchRunner(pipeline: try Pipeline(spec: spec), output: OutputTree(root: output.path), options: options)
        let summary = runner.run(inputs)
        #expect(summary.written == 2 && summary.mapsWritten == 20)
        let files = output.files().filter { $0.hasSuffix(".png") }
        written.append(
            Dictionary(uniqueKeysWithValues: files.map { ($0, FileManager.default.contents(atPath: output.path + "/" + $0)!) }))
    }
    #expect(written[0].count == 20 && written[1].count == 20)
    for (file, bytes) in written[0].sorted(by: { $0.key < $1.key }) {
        #expect(written[1][file] == bytes, "\(file) differs when written in filter ranges")
    }
}

@Test func globalNormalisationMontagesAndStagesNeedTheWholeFinalTensor() {
    var options = BatchOptions()
    #expect(options.writesFinalMapsSeparately)
    options.output = OutputSpec(normalization: .global)
    #expect(!options.writesFinalMapsSeparately)
    options = BatchOptions()
    options.montage = true
    #expect(!options.writesFinalMapsSeparately)
    options = BatchOptions()
    options.stages = true
    #expect(!options.writesFinalMapsSeparately)
    options = BatchOptions()
    options.format = .npy
    #expect(!options.writesFinalMapsSeparately)
}

@Test func anImageWrittenInFilterRangesIsBudgetedForOneRange() throws {
    let spec = PipelineSpec(
        input: .rgb, stages: [.conv(bank(32, channels: 3, seed: 9)), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))])
    let pipeline = try Pipeline(spec: spec)
    let probe = ImageCodec.Probe(
        format: .png, width: 4000, height: 3000, channels: 3, bitDepth: 8, progressive: false,
        coefficientsPerPixel: 0, fileSize: 1 << 20)
    var options = BatchOptions()
    options.jobs = 2
    let route = Route.decide(plan: pipeline.plan, options: options)
    options.finalTensorLimit = Int.max
    let whole = try ImageFootprint.estimate(of: probe, pipeline: pipeline, options: options, route: route).bytes
    options.finalTensorLimit = 64 << 20
    let ranges = try ImageFootprint.estimate(of: probe, pipeline: pipeline, options: options, route: route).bytes
    // The final tensor is 32 maps of 2000×1500 floats (384 MB); one range of 4 holds 48 MB of them.
    let finalBytes = 32 * 2000 * 1500 * 4
    #expect(whole - ranges >= finalBytes * 7 / 8 - (1 << 20))
    #expect(ranges < whole / 2)
}
