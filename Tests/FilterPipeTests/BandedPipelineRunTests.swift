import Foundation
import Testing

@testable import FilterPipe

// The streaming route (BandedPipelineRun) against the whole-tensor route, bit for bit, and against
// the float64 oracle; its composing of output rows; and decoding into / writing from row layout.

/// An 8-bit row-layout image of seeded random samples.
private func randomRowImage(width: Int, height: Int, channels: Int, using rng: inout SeededGenerator) -> RowImage {
    let image = RowImage(width: width, height: height, channels: channels)
    for y in 0..<height {
        for i in 0..<width * channels { image.row(y)[i] = UInt8.random(in: 0...255, using: &rng) }
    }
    return image
}

/// The banded run's output bands gathered into one tensor.
private func bandedTensor(_ run: BandedPipelineRun, source: RowImage, workers: Int) -> Tensor {
    let shape = run.outputShape
    var values = [Float](repeating: .nan, count: shape.count)
    var covered = 0
    run.run(source: source, executor: Executor(workers: workers)) { band, channelStride, rows in
        for c in 0..<shape.channels {
            for y in rows {
                for x in 0..<shape.width {
                    values[(c * shape.height + y) * shape.width + x] =
                        band[c * channelStride + (y - rows.lowerBound) * shape.width + x]
                }
            }
        }
        covered += rows.count
    }
    #expect(covered == shape.height, "the bands cover every output row once")
    return Tensor(shape: shape, values: values)
}

@Suite struct BandedPipelineRunTests {
    @Test func randomPipelinesRunBandByBandEqualTheWholeTensorRouteAndTheFloat64Reference() throws {
        var rng = SeededGenerator(seed: 0xBA4D)
        var compared = 0, declined = 0
        var padModes: Set<String> = []
        for index in 0..<250 {
            let testCase = RandomPipelines.randomCase(using: &rng)
            let sourceChannels = Int.random(in: 1...4, using: &rng)
            let source = randomRowImage(
                width: testCase.input.width, height: testCase.input.height, channels: sourceChannels, using: &rng)
            let pipeline = try Pipeline(spec: testCase.spec)
            let input = Tensor(pixels: source.pixelBuffer, mode: testCase.spec.input)
            guard let expected = ReferencePipeline.run(testCase.spec.stages, on: input) else { continue }
            let rowsPerBand = Int.random(in: 1...6, using: &rng)
            guard
                let run = try BandedPipelineRun(
                    pipeline: pipeline, mode: testCase.spec.input, width: source.width, height: source.height,
                    outputRowsPerBand: rowsPerBand)
            else {
                // Only pad modes that read rows away from the band (wrapping around, or reflecting
                // further than a band is tall) make a band need rows above the previous band's.
                #expect(
                    testCase.spec.stages.contains {
                        if case .conv(let c) = $0 { c.padMode == .circular || c.padMode == .reflect } else { false }
                    }, "case \(index) declined: \(testCase)")
                declined += 1
                continue
            }
            let whole = try pipeline.run(input, executor: Executor(workers: 1))
            let banded = bandedTensor(run, source: source, workers: 1 + index % 2)
            let mismatch = zip(banded.values, whole.values).enumerated().first {
                $0.element.0.bitPattern != $0.element.1.bitPattern
            }?.offset
            #expect(banded.shape == whole.shape && mismatch == nil, "case \(index), value \(mismatch ?? -1): \(testCase)")
            let comparison = ReferenceComparison(banded, expected)
            #expect(comparison.passed, "case \(index): \(comparison.firstFailure ?? "shape") — \(testCase)")
            for case .conv(let conv) in testCase.spec.stages { padModes.insert("\(conv.padMode)") }
            compared += 1
        }
        #expect(compared > 100)
        #expect(declined > 0, "the sweep never reached a pipeline the banded route declines")
        #expect(padModes.isSuperset(of: ["zero", "replicate", "reflect"]), "\(padModes)")
    }

    /// W2's pipeline: a depthwise 5×5 Gaussian with replicate padding, same size in and out.
    static func blurPipeline() throws -> Pipeline {
        let gaussian: [Float] = [1, 4, 6, 4, 1]
        let weights = gaussian.flatMap { a in gaussian.map { a * $0 / 256 } }
        let conv = ConvSpec(
            filters: [FilterSpec(name: "gauss", bias: 0, channels: [Matrix(rows: 5, columns: 5, values: weights)])],
            stride: 1, padding: .explicit(2), padMode: .replicate, dilation: 1, depthwise: true)
        return try Pipeline(
            spec: PipelineSpec(input: .rgb, stages: [.conv(conv)], output: OutputSpec(kind: .image, normalization: .clamp)))
    }

    /// A zero-padded layer whose last band reads only padding asks the layer before it for no rows;
    /// that empty request must stay at the bottom of the image, not jump back to row 0 (which
    /// made the route decline a pipeline it can stream).
    @Test(arguments: 5...12)
    func aBandThatReadsOnlyPaddingStillStreams(height: Int) throws {
        var rng = SeededGenerator(seed: UInt64(height))
        let values = (0..<36).map { _ in Float.random(in: -1...1, using: &rng) }
        let square = ConvSpec(
            filters: [FilterSpec(name: "a", bias: 0.5, channels: [Matrix(rows: 6, columns: 6, values: values)])],
            padding: .explicit(2))
        let tall = ConvSpec(
            filters: [FilterSpec(name: "b", bias: 0, channels: [Matrix(rows: 1, columns: 6, values: Array(values[..<6]))])],
            padding: .explicit(3), dilation: 3, depthwise: true)
        let spec = PipelineSpec(input: .gray, stages: [.conv(square), .conv(tall)], output: OutputSpec(kind: .maps))
        let pipeline = try Pipeline(spec: spec)
        let source = randomRowImage(width: 20, height: height, channels: 1, using: &rng)
        let input = Tensor(pixels: source.pixelBuffer, mode: .gray)
        let expected = try #require(ReferencePipeline.run(spec.stages, on: input))
        for rowsPerBand in 1...4 {
            let run = try #require(
                try BandedPipelineRun(
                    pipeline: pipeline, mode: .gray, width: 20, height: height, outputRowsPerBand: rowsPerBand),
                "declined with \(rowsPerBand) rows per band")
            let banded = bandedTensor(run, source: source, workers: 2)
            #expect(banded == (try pipeline.run(input)))
            let comparison = ReferenceComparison(banded, expected)
            #expect(comparison.passed, "\(comparison.firstFailure ?? "shape \(banded.shape)")")
        }
    }

    @Test(arguments: [1, 7, 64])
    func composingIntoTheDecodedImageItselfEqualsComposingTheWholeTensor(rowsPerBand: Int) throws {
        var rng = SeededGenerator(seed: UInt64(rowsPerBand))
        let source = randomRowImage(width: 61, height: 47, channels: 3, using: &rng)
        let pipeline = try Self.blurPipeline()
        let expected = try ImageComposer.compose(
            try pipeline.run(Tensor(pixels: source.pixelBuffer, mode: .rgb)), normalization: .clamp, depth: 8)
        let run = try #require(
            try BandedPipelineRun(pipeline: pipeline, mode: .rgb, width: 61, height: 47, outputRowsPerBand: rowsPerBand))
        #expect(run.canWriteInPlace)
        run.run(source: source, executor: Executor(workers: 2)) { band, channelStride, rows in
            ImageComposer.composeClampedRows(
                band: band, channelStride: channelStride, firstRow: rows.lowerBound, rows: rows, into: source)
        }
        #expect(source.pixelBuffer == expected, "the composed rows differ from composing the whole tensor")
    }

    @Test func aShrinkingPipelineCannotWriteInPlace() throws {
        let conv = ConvSpec(
            filters: [
                FilterSpec(
                    name: "box", bias: 0, channels: [Matrix(rows: 3, columns: 3, values: Array(repeating: 1 / 9, count: 9))])
            ],
            stride: 2, padding: .explicit(1), padMode: .zero, dilation: 1, depthwise: true)
        let pipeline = try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.conv(conv)]))
        let run = try #require(try BandedPipelineRun(pipeline: pipeline, mode: .rgb, width: 40, height: 30))
        #expect(!run.canWriteInPlace)
        #expect(run.outputShape == Shape(channels: 3, height: 15, width: 20))
    }

    @Test(arguments: [1, 2, 3, 4])
    func aStagelessRunComposesEverySampleAsRGBWithGrayReplicatedAndAlphaDropped(channels: Int) throws {
        // Every sample value 0...255 in each channel position.
        let source = RowImage(width: 256, height: 2, channels: channels)
        for y in 0..<2 {
            for i in 0..<256 * channels {
                source.row(y)[i] = UInt8(truncatingIfNeeded: i / channels &+ 37 &* (i % channels) &+ y)
            }
        }
        let pipeline = try Pipeline(spec: PipelineSpec(input: .rgb))
        let run = try #require(try BandedPipelineRun(pipeline: pipeline, mode: .rgb, width: 256, height: 2))
        let target = RowImage(width: 256, height: 2, channels: 3)
        run.run(source: source, executor: Executor(workers: 1)) { band, channelStride, rows in
            ImageComposer.composeClampedRows(
                band: band, channelStride: channelStride, firstRow: rows.lowerBound, rows: rows, into: target)
        }
        for y in 0..<2 {
            for x in 0..<256 {
                let pixel = source.row(y) + x * channels
                let expected = channels >= 3 ? [pixel[0], pixel[1], pixel[2]] : [pixel[0], pixel[0], pixel[0]]
                #expect([target.row(y)[3 * x], target.row(y)[3 * x + 1], target.row(y)[3 * x + 2]] == expected)
            }
        }
    }
}

@Suite struct RowLayoutCodecTests {
    @Test(arguments: [(1, 0), (2, 1), (3, 1), (4, 1), (3, 6), (1, 9)])
    func writingRowsInPlaceGivesTheSameFileAsEncodingThePixels(channels: Int, level: Int) throws {
        var rng = SeededGenerator(seed: UInt64(channels * 10 + level))
        let image = randomRowImage(width: 33, height: 21, channels: channels, using: &rng)
        // Smooth rows too, so Up filtering and deflate have something to find.
        for x in 0..<33 * channels { image.row(5)[x] = UInt8(x % 7) }
        let options = PNGWriteOptions(compressionLevel: level, text: [.init(keyword: "Software", text: "filterpipe")])
        let expected = try ImageCodec.encodePNG(image.pixelBuffer, options: options)
        let folder = TemporaryFolder()
        let path = folder.path + "/rows.png"
        try ImageCodec.writePNG(consuming: image, to: path, options: options)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    }

    /// The bundled sample photos (samples/images, in every clone).
    static let samples: [String] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/images").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.sorted().map { folder + "/" + $0 }
    }()

    @Test func theSamplesAreThere() { #expect(Self.samples.count >= 3) }

    @Test(arguments: samples)
    func decodingIntoRowsGivesTheSamePixelsAsDecoding(path: String) throws {
        let name = path
        let packed = try ImageCodec.decode(fileAt: path)
        guard case .rows(let rows) = try ImageCodec.decodeRows(fileAt: path) else {
            Issue.record("\(name): an 8-bit image came packed")
            return
        }
        #expect(rows.pixelBuffer == packed)
    }

    @Test(.enabled(if: SharedTestData.isAvailable))
    func decodingSharedTestFilesIntoRowsGivesTheSamePixelsOrTheSameError() throws {
        var checked = 0
        for entry in SharedTestData.manifest where entry.format == "png" || entry.format == "jpeg" {
            let path = SharedTestData.path(entry.path)
            let packed = Result { () throws(ImageIOError) in try ImageCodec.decode(fileAt: path) }
            let rows = Result { () throws(ImageIOError) in try ImageCodec.decodeRows(fileAt: path) }
            switch (packed, rows) {
            case (.success(let expected), .success(.rows(let image))):
                #expect(expected.bitDepth == 8 && image.pixelBuffer == expected, "\(entry.path)")
            case (.success(let expected), .success(.pixels(let pixels))):
                #expect(expected.bitDepth == 16 && pixels == expected, "\(entry.path)")
            case (.failure(let expected), .failure(let error)):
                #expect(error == expected, "\(entry.path)")
            default:
                Issue.record("\(entry.path): decode and decodeRows disagree")
            }
            checked += 1
        }
        #expect(checked > 700)
    }
}
