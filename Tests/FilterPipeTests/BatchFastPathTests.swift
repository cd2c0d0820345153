import Foundation
import Testing

@testable import FilterPipe

// The batch runner's shortcuts (no float tensor for a stage-less clamped image; one stage worker
// per image while other images are in flight) against what the files must contain.

private func photo(width: Int, height: Int, channels: Int, seed: Int) -> PixelBuffer {
    let samples = (0..<width * height * channels).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ seed &* 17 &+ ($0 >> 5)) }
    return PixelBuffer(width: width, height: height, channels: channels, samples: .uint8(samples))
}

private func runBatch(_ spec: PipelineSpec, inputs folder: TemporaryFolder, names: [String], jobs: Int) throws -> TemporaryFolder
{
    let output = TemporaryFolder()
    var options = BatchOptions()
    options.jobs = jobs
    options.output = spec.output
    let runner = BatchRunner(pipeline: try Pipeline(spec: spec), output: OutputTree(root: output.path), options: options)
    let inputs = names.map { BatchInput(path: folder.path + "/" + $0, relativePath: $0, outputStem: String($0.dropLast(4))) }
    let summary = runner.run(inputs)
    #expect(summary.failed == 0)
    return output
}

@Test func stagelessClampedImageBatchWritesTheDecodedSamplesAsRGB() throws {
    let folder = TemporaryFolder()
    let photos = (1...4).map { photo(width: 37, height: 11 + $0, channels: $0, seed: $0) }
    for (index, photo) in photos.enumerated() {
        try ImageCodec.writePNG(photo, to: folder.path + "/p\(index).png")
    }
    // 16-bit takes the float route: round(s / 65535 · 255).
    let deep = PixelBuffer(width: 5, height: 1, channels: 3, samples: .uint16((0..<15).map { UInt16($0 * 4369) }))
    try ImageCodec.writePNG(deep, to: folder.path + "/deep.png")
    let spec = PipelineSpec(input: .rgb, output: OutputSpec(kind: .image, normalization: .clamp))
    let names = (0..<4).map { "p\($0).png" } + ["deep.png"]
    for jobs in [1, 2] {
        let output = try runBatch(spec, inputs: folder, names: names, jobs: jobs)
        for (index, photo) in photos.enumerated() {
            let written = try ImageCodec.decode(fileAt: output.path + "/p\(index).png")
            guard case .uint8(let source) = photo.samples else { continue }
            let c = photo.channels
            let expected = (0..<photo.width * photo.height).flatMap { i -> [UInt8] in
                c >= 3 ? [source[i * c], source[i * c + 1], source[i * c + 2]] : [source[i * c], source[i * c], source[i * c]]
            }
            #expect(written.channels == 3 && written.width == photo.width && written.height == photo.height)
            #expect(written.samples == .uint8(expected))
        }
        let written = try ImageCodec.decode(fileAt: output.path + "/deep.png")
        #expect(written.samples == .uint8((0..<15).map { UInt8((Double($0 * 4369) / 65535 * 255).rounded()) }))
    }
}

@Test func batchOutputsAreByteIdenticalWhateverTheStageWorkers() throws {
    let folder = TemporaryFolder()
    let names = (0..<5).map { "i\($0).png" }
    for (index, name) in names.enumerated() {
        try ImageCodec.writePNG(
            photo(width: 90 + 13 * index, height: 70 + 7 * index, channels: 3, seed: index),
            to: folder.path + "/" + name)
    }
    let sobel = Matrix(rows: 3, columns: 3, values: [-1, 0, 1, -2, 0, 2, -1, 0, 1])
    let conv = ConvSpec(
        filters: [
            FilterSpec(name: "sx", channels: [sobel]),
            FilterSpec(name: "sy", channels: [Matrix(rows: 3, columns: 3, values: [-1, -2, -1, 0, 0, 0, 1, 2, 1])]),
        ],
        padding: .explicit(1))
    let spec = PipelineSpec(input: .rgb, stages: [.conv(conv), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))])
    let one = try runBatch(spec, inputs: folder, names: names, jobs: 1)
    let two = try runBatch(spec, inputs: folder, names: names, jobs: 2)
    let files = one.files().filter { $0.hasSuffix(".png") }
    #expect(files.count == 10)
    #expect(files == two.files().filter { $0.hasSuffix(".png") })
    for file in files {
        #expect(
            FileManager.default.contents(atPath: one.path + "/" + file)
                == FileManager.default.contents(atPath: two.path + "/" + file))
    }
    // One image with its stages on one worker and on three: same bytes.
    var options = BatchOptions()
    options.output = spec.output
    let input = BatchInput(path: folder.path + "/i4.png", relativePath: "i4.png", outputStem: "i4")
    var bytes: [[Data?]] = []
    for workers in [1, 3] {
        let output = TemporaryFolder()
        let runner = BatchRunner(pipeline: try Pipeline(spec: spec), output: OutputTree(root: output.path), options: options)
        let result = runner.process(input, stageWorkers: workers)
        #expect(result.status == .written)
        bytes.append(result.outputs.sorted().map { FileManager.default.contents(atPath: $0) })
    }
    #expect(bytes[0] == bytes[1] && bytes[0].count == 2)
}

@Test(arguments: [(2, "makes 2"), (3, nil), (5, "makes 5")] as [(Int, String?)])
func aStreamedImageNeedsOneThreeOrFourMapsAndSaysSoNamingTheFile(filters: Int, failure: String?) throws {
    let folder = TemporaryFolder()
    try ImageCodec.writePNG(photo(width: 40, height: 30, channels: 3, seed: 1), to: folder.path + "/p.png")
    let box = Matrix(rows: 3, columns: 3, values: Array(repeating: 1 / 9, count: 9))
    let conv = ConvSpec(filters: (0..<filters).map { FilterSpec(name: "f\($0)", channels: [box]) }, padding: .explicit(1))
    // The plan refuses a spec whose own output is such an image; `apply --output image` overrides a
    // file's maps at run time, which the writer must still catch.
    let spec = PipelineSpec(input: .rgb, stages: [.conv(conv)])
    var options = BatchOptions()
    options.output = OutputSpec(kind: .image, normalization: .clamp)
    let output = TemporaryFolder()
    let runner = BatchRunner(pipeline: try Pipeline(spec: spec), output: OutputTree(root: output.path), options: options)
    #expect(runner.streamsImages)
    let result = runner.process(BatchInput(path: folder.path + "/p.png", relativePath: "p.png", outputStem: "p"))
    if let failure {
        #expect(result.status == .failed)
        #expect(result.error?.hasPrefix(folder.path + "/p.png: an output image needs 1, 3 or 4 final maps") == true)
        #expect(result.error?.contains(failure) == true, "\(result.error ?? "")")
        #expect(output.files().filter { $0.hasSuffix(".png") }.isEmpty)
    } else {
        #expect(result.status == .written)
    }
}

@Test(arguments: [2, 3])
func oneImageMapsEncodedOnSeveralWorkersAreTheSerialBytesAndTheChannels(jobs: Int) throws {
    // One image, so its maps are rendered and encoded on all `jobs` workers. Each 1×1 filter picks
    // one channel (times a weight min-max cancels); every channel spans 0...255, so each map must
    // decode to exactly that channel's samples.
    let width = 61, height = 47
    let samples = (0..<width * height * 3).map { i -> UInt8 in
        let pixel = i / 3, c = i % 3
        if pixel == 0 { return 0 }
        if pixel == 1 { return 255 }
        return UInt8(truncatingIfNeeded: pixel &* (7 + 2 * c) &+ c &* 91)
    }
    let folder = TemporaryFolder()
    try ImageCodec.writePNG(
        PixelBuffer(width: width, height: height, channels: 3, samples: .uint8(samples)), to: folder.path + "/one.png")
    let filters = (0..<7).map { f in
        FilterSpec(
            name: "f\(f)",
            channels: (0..<3).map { c in Matrix(rows: 1, columns: 1, values: [c == f % 3 ? Float(f + 1) : 0]) })
    }
    // Min-max, so each map's 8 bits are its channel's samples (the default clips at percentiles).
    let spec = PipelineSpec(
        input: .rgb, stages: [.conv(ConvSpec(filters: filters, padding: .explicit(0)))],
        output: OutputSpec(kind: .maps, normalization: .minmax))
    let serial = try runBatch(spec, inputs: folder, names: ["one.png"], jobs: 1)
    let parallel = try runBatch(spec, inputs: folder, names: ["one.png"], jobs: jobs)
    let files = serial.files().filter { $0.hasSuffix(".png") }
    #expect(files.count == 7)
    #expect(files == parallel.files().filter { $0.hasSuffix(".png") })
    for file in files {
        let bytes = FileManager.default.contents(atPath: parallel.path + "/" + file)
        #expect(bytes != nil && bytes == FileManager.default.contents(atPath: serial.path + "/" + file))
        let f = Int(file.split(separator: "/").last!.split(separator: "-").first!)!
        let channel = (0..<width * height).map { samples[$0 * 3 + f % 3] }
        #expect(try ImageCodec.decode(fileAt: parallel.path + "/" + file).samples == .uint8(channel))
    }
}
