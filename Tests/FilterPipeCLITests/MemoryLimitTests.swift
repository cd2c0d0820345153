import FilterPipe
import Foundation
import Testing

// Issue 10's memory and overflow cases through the built binary: an image whose layers cannot fit
// fails alone with one line (exit 1, the summary printed, nothing of it written, nothing else
// touched); sizes past 64 bits are errors, not traps; a file that cannot compose its image fails
// before any image is read (exit 2).

private func gray(_ width: Int, _ height: Int) -> PixelBuffer {
    PixelBuffer(
        width: width, height: height, channels: 1,
        samples: .uint8((0..<width * height).map { UInt8(truncatingIfNeeded: $0 * 7) }))
}

/// Every file below `relative` with its bytes.
private func snapshot(_ scratch: Scratch, _ relative: String) -> [String: Data?] {
    Dictionary(uniqueKeysWithValues: scratch.files(under: relative).map { ($0, scratch.bytes(relative + "/" + $0)) })
}

/// stderr's lines that are not the summary.
private func errorLines(_ stderr: String) -> [String] {
    stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("written ") }
}

private let earlierFilter = """
    input gray
    conv pad=1
      filter s = sobel_x
    """

/// A batch folder `in` (tiny.png 1×1, other.png 40×30) and an output folder already holding an earlier
/// run's maps of other.png under `out/earlier`.
private func prepare(_ scratch: Scratch) throws {
    try FileManager.default.createDirectory(atPath: scratch.file("in"), withIntermediateDirectories: true)
    try ImageCodec.writePNG(gray(1, 1), to: scratch.file("in/tiny.png"))
    try ImageCodec.writePNG(gray(40, 30), to: scratch.file("in/other.png"))
    let earlier = scratch.write("earlier.filter", earlierFilter)
    let first = try CLI.run(["apply", earlier, scratch.file("in/other.png"), scratch.file("out/earlier"), "-q"])
    #expect(first.status == 0, "\(first.stderr)")
}

struct HugeLayerCase: Sendable, CustomTestStringConvertible {
    var name: String
    var filter: String
    /// The message after "PATH: ".
    var message: String
    var testDescription: String { name }
}

private let hugeLayerCases: [HugeLayerCase] = [
    // 1×1 → relu → pad 100000, 3×3: 1×199999×199999 floats = 159,998,400,004 bytes = 149 GiB.
    HugeLayerCase(
        name: "conv pad=100000 on 1×1",
        filter: "input gray\nrelu\nconv pad=100000\n  filter s = sobel_x\n",
        // Rendering the map adds 199999² bytes (37 GiB).
        message: "layer 2 (conv) needs 149 GiB (186 GiB in all), more than the memory budget of 1.00 GiB (--max-memory)"),
    // dilation 10^6 under pad=same: each tile's padded band is 2,000,008 rows of 2,000,064 floats (29.1 TiB).
    HugeLayerCase(
        name: "dilation=1000000 pad=same",
        filter: "input gray\nrelu\nconv dilation=1000000 pad=same\n  filter s = sobel_x\n",
        message: "layer 2 (conv) needs"),
]

@Test(arguments: hugeLayerCases)
func aLayerTooLargeForMemoryFailsItsImageAloneWithOneLineAndTheBatchGoesOn(_ example: HugeLayerCase) throws {
    let scratch = Scratch()
    try prepare(scratch)
    let filter = scratch.write("huge.filter", example.filter)
    let inputs = snapshot(scratch, "in"), earlier = snapshot(scratch, "out/earlier")
    let result = try CLI.run(["apply", filter, scratch.file("in/tiny.png"), scratch.file("out"), "--max-memory", "1G"])
    #expect(result.status == 1, "\(result.stderr)")
    let lines = errorLines(result.stderr)
    #expect(lines.count == 1, "\(result.stderr)")
    #expect(lines.first?.hasPrefix(scratch.file("in/tiny.png") + ": " + example.message) == true, "\(result.stderr)")
    #expect(result.stderr.contains("written 0, failed 1, skipped 0 images"), "\(result.stderr)")
    #expect(!scratch.files(under: "out").contains { $0.hasPrefix("tiny") }, "no partial maps of the failed image")
    #expect(snapshot(scratch, "in") == inputs)
    #expect(snapshot(scratch, "out/earlier") == earlier)
}

@Test func withoutMaxMemoryTheBudgetIsHalfThePhysicalMemory() throws {
    let scratch = Scratch()
    try prepare(scratch)
    let filter = scratch.write("huge.filter", hugeLayerCases[0].filter)
    let result = try CLI.run(["apply", filter, scratch.file("in/tiny.png"), scratch.file("out"), "-q"])
    #expect(result.status == 1)
    let line = try #require(errorLines(result.stderr).first)
    #expect(line.contains("layer 2 (conv) needs 149 GiB (186 GiB in all), more than the memory budget of "), "\(line)")
    #expect(line.hasSuffix("(half the physical memory; see --max-memory)"), "\(line)")
}

@Test func anImageOverMaxMemoryFailsAloneWhileTheSmallerOnesAreWritten() throws {
    // pad 300, 3×3, gray: tiny.png 1×1 → 599×599 floats (1.4 MiB) in one tile padded to 601×642 (2.9 MiB),
    // other.png 40×30 → 638×628 (1.5 MiB, one 3.1 MiB tile), big.png 1200×800 → 1798×1398 floats
    // (9.6 MiB): only big.png is over 8 MiB.
    let scratch = Scratch()
    try prepare(scratch)
    try ImageCodec.writePNG(gray(1200, 800), to: scratch.file("in/big.png"))
    let filter = scratch.write("pad.filter", "input gray\nconv pad=300\n  filter s = sobel_x\n")
    let inputs = snapshot(scratch, "in"), earlier = snapshot(scratch, "out/earlier")
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--max-memory", "8M"])
    #expect(result.status == 1, "\(result.stderr)")
    let lines = errorLines(result.stderr)
    #expect(lines.count == 1 && lines[0].hasPrefix(scratch.file("in/big.png") + ": layer 1 (conv) needs "), "\(result.stderr)")
    #expect(lines.first?.hasSuffix("more than the memory budget of 8.00 MiB (--max-memory)") == true, "\(result.stderr)")
    #expect(result.stderr.contains("written 2, failed 1, skipped 0 images"), "\(result.stderr)")
    let written = scratch.files(under: "out").filter { !$0.hasPrefix("earlier/") }
    #expect(written == ["other/00-s.png", "tiny/00-s.png"])
    let map = try ImageCodec.decode(fileAt: scratch.file("out/tiny/00-s.png"))
    #expect(map.width == 599 && map.height == 599)
    #expect(snapshot(scratch, "in") == inputs)
    #expect(snapshot(scratch, "out/earlier") == earlier)
}

@Test func fourThousandFiltersOnA6000By4000PhotoFailBeforeItIsDecoded() throws {
    let scratch = Scratch()
    try FileManager.default.createDirectory(atPath: scratch.file("in"), withIntermediateDirectories: true)
    try ImageCodec.writePNG(gray(6000, 4000), to: scratch.file("in/photo.png"))
    let bank = (0..<4000).map { "  filter f\($0) = sobel_x" }.joined(separator: "\n")
    let filter = scratch.write("bank.filter", "input gray\nconv\n\(bank)\n")
    // A montage draws every map at once, so the whole final tensor is budgeted (map by map, the bank
    // would run a range of filters at a time and fit: Pipeline.finalFilterGroups).
    let result = try CLI.run(
        ["apply", filter, scratch.file("in"), scratch.file("out"), "--max-memory", "2G", "--montage", "-q"])
    #expect(result.status == 1, "\(result.stderr)")
    // 4000 × 3998 × 5998 floats = 383,680,064,000 bytes = 357 GiB, with the input and tiles a little more;
    // rendering the maps adds a byte a value.
    let lines = errorLines(result.stderr)
    #expect(lines.count == 1, "\(result.stderr)")
    #expect(lines.first?.hasPrefix(scratch.file("in/photo.png") + ": layer 1 (conv) needs 357 GiB (") == true, "\(result.stderr)")
    #expect(scratch.files(under: "out").isEmpty)
}

@Test func checkWithASizePast64BitsIsOneLineAndExitTwo() throws {
    let scratch = Scratch()
    let filter = scratch.write("edge.filter", earlierFilter)
    let result = try CLI.run(["check", filter, "--size", "9999999999x9999999999"])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(
        result.stderr
            == "\(filter): for a 9999999999x9999999999 input, input size 9999999999x9999999999 is too large (its 1×9999999999×9999999999 values overflow a 64-bit count)\n"
    )
}

@Test func checkPrintsTheMemoryItsLargestStepNeeds() throws {
    let scratch = Scratch()
    let filter = scratch.write("pad.filter", "input gray\nrelu\nconv pad=100000\n  filter s = sobel_x\n")
    let result = try CLI.run(["check", filter, "--size", "1x1"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("memory: about 149 GiB of tensors at layer 2 (conv)"), "\(result.stdout)")
}

private let twoMapImage = """
    input rgb
    conv
      filter a = sobel_x
      filter b = sobel_y
    output image
    """

@Test(arguments: ["check", "apply", "show"])
func anOutputImageOfTwoMapsIsAFilterFileErrorBeforeAnyImageIsRead(command: String) throws {
    let scratch = Scratch()
    try prepare(scratch)
    let filter = scratch.write("two.filter", twoMapImage)
    let before = snapshot(scratch, "out")
    let arguments =
        switch command {
        case "apply": ["apply", filter, scratch.file("in"), scratch.file("out")]
        case "show": ["show", filter, scratch.file("out/filters.png")]
        default: ["check", filter]
        }
    let result = try CLI.run(arguments)
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(
        result.stderr
            == "\(filter):5:8: output image needs 1, 3 or 4 final maps (gray, RGB, RGBA), but layer 1 (conv) gives 2 maps (use output maps, or a last conv of 1, 3 or 4 filters)\n"
    )
    #expect(snapshot(scratch, "out") == before)
}

@Test(arguments: [
    (twoMapImage.replacingOccurrences(of: "output image", with: "output maps"), ["--kind", "image"], "the pipeline makes 2"),
    ("input rgba\nrelu\noutput image\n", ["--depth", "16"], "16-bit output images are gray or RGB, not RGBA"),
])
func anApplyFlagAskingForAnImageTheMapsCannotMakeIsRefusedBeforeAnyImageIsRead(
    filterText: String, flags: [String], reason: String
) throws {
    let scratch = Scratch()
    try prepare(scratch)
    let filter = scratch.write("f.filter", filterText)
    let before = snapshot(scratch, "out")
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out")] + flags)
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("filterpipe: \(filter): ") && result.stderr.contains(reason), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(snapshot(scratch, "out") == before)
}

@Test func checkRefusesWhatApplyRefusesWithTheSameLine() throws {
    // A pad=same bank of mixed sizes runs at the largest (MixedKernelSizeTests), unless an offset is
    // not a whole dilated step: then check and apply both refuse it, with the same line.
    let scratch = Scratch()
    try prepare(scratch)
    let filter = scratch.write(
        "mixed.filter", "input gray\nconv pad=same dilation=2\n  filter a = sobel_x\n  filter b\n    1 1\n    1 1\n")
    let check = try CLI.run(["check", filter])
    let apply = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out2")])
    #expect(check.status == 2 && apply.status == 2)
    #expect(check.stderr == apply.stderr && check.stderr.split(separator: "\n").count == 1, "\(check.stderr)")
    // The plan's error names the stage's line and column, not just the file.
    #expect(
        check.stderr.hasPrefix(filter + ":4:3: layer 1 (conv): filter 'b' (2×2) cannot share pad=same"), "\(check.stderr)")
}

@Test func aMixedSizeSameBankThatCheckAcceptsApplyRuns() throws {
    let scratch = Scratch()
    try prepare(scratch)
    let filter = scratch.write(
        "mixed.filter", "input gray\nconv pad=same\n  filter a = sobel_x\n  filter b = gaussian size=5 sigma=1\n")
    #expect(try CLI.run(["check", filter]).status == 0)
    let apply = try CLI.run(["apply", filter, scratch.file("in/other.png"), scratch.file("out2"), "-q"])
    #expect(apply.status == 0, "\(apply.stderr)")
    #expect(scratch.files(under: "out2") == ["other/00-a.png", "other/01-b.png"])
}

@Test func aStreamedImageTooLargeToWriteSaysSoInOneLine() throws {
    // One clamped image out streams: the bands are small, the 199999×199999 output rows are not
    // (199999 · 200000 bytes, 37 GiB, and half again while compressing).
    let scratch = Scratch()
    try prepare(scratch)
    let filter = scratch.write("huge.filter", "input gray\nconv pad=100000\n  filter s = sobel_x\noutput image\n")
    let result = try CLI.run(["apply", filter, scratch.file("in/tiny.png"), scratch.file("out"), "--max-memory", "1G"])
    #expect(result.status == 1)
    let lines = errorLines(result.stderr)
    #expect(lines.count == 1, "\(result.stderr)")
    #expect(
        lines.first?.hasPrefix(scratch.file("in/tiny.png") + ": writing its output image needs 55.") == true,
        "\(result.stderr)")
    #expect(!scratch.files(under: "out").contains { $0.hasPrefix("tiny") })
}
