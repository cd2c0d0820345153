import Testing

@testable import FilterPipe

private func broadcastBank(_ count: Int, size: Int = 3) -> [FilterSpec] {
    (0..<count).map {
        FilterSpec(
            name: "f\($0)", channels: [Matrix(rows: size, columns: size, values: [Float](repeating: 1, count: size * size))])
    }
}

/// One conv stage, its input, and the bytes worked out by hand (in the comments, independently of
/// the estimate's code): output 4·C'·H'·W'; scratch 4 · slots · rowCount · rowStride with
/// rows per tile min(H', 16 Mi / (min(F, 64)·W'·work), 512 Ki / (4·C·W·max(1, H/H'))).
struct ConvMemoryCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: InputMode
    var width: Int
    var height: Int
    var conv: ConvSpec
    var outputShape: Shape
    var outputBytes: Int
    var scratchBytes: Int
    var testDescription: String { name }
}

private let convCases: [ConvMemoryCase] = [
    // 8 broadcast 3×3, pad 1, on rgb 640×480: 8×480×640 → 9,830,400 bytes. Tile rows: 16777216 / (8·640·9)
    // = 364, 524288 / (3·640·4) = 68 → 68; rowCount 67 + 2 + 1 = 70; rowStride ⌈640/64⌉·64 + 2 = 642;
    // slots 3 + 1: 4·4·70·642 = 719,040.
    ConvMemoryCase(
        name: "8 filters, pad 1, 640×480", input: .rgb, width: 640, height: 480,
        conv: ConvSpec(filters: broadcastBank(8), padding: .explicit(1)),
        outputShape: Shape(channels: 8, height: 480, width: 640), outputBytes: 9_830_400, scratchBytes: 719_040),
    // pad=100000 on gray 1×1: 1×199999×199999 → 159,998,400,004 bytes. Tile rows: 16777216 / (199999·9) = 9;
    // rowCount 8 + 2 + 1 = 11; rowStride 3125·64 + 2 = 200,002; slots 2: 4·2·11·200002 = 17,600,176.
    ConvMemoryCase(
        name: "pad=100000 on 1×1", input: .gray, width: 1, height: 1,
        conv: ConvSpec(filters: broadcastBank(1), padding: .explicit(100_000)),
        outputShape: Shape(channels: 1, height: 199_999, width: 199_999), outputBytes: 159_998_400_004,
        scratchBytes: 17_600_176),
    // dilation=1000000 pad=same on gray 8×8: 1×8×8 → 256 bytes. Tile rows 8; rowCount 7 + 2,000,000 + 1;
    // rowStride 64 + 2,000,000; slots 2: 4·2·2000008·2000064 = 32,001,152,004,096 (29 TiB a tile).
    ConvMemoryCase(
        name: "dilation=1000000 pad=same on 8×8", input: .gray, width: 8, height: 8,
        conv: ConvSpec(filters: broadcastBank(1), padding: .same, dilation: 1_000_000),
        outputShape: Shape(channels: 1, height: 8, width: 8), outputBytes: 256, scratchBytes: 32_001_152_004_096),
    // 4000 broadcast 3×3 on rgb 6000×4000: 4000×3998×5998 → 383,680,064,000 bytes (357 GiB). Tile rows:
    // 16777216 / (64·5998·9) = 4, 524288 / 72000 = 7 → 4; rowCount 3 + 2 + 1 = 6; rowStride 94·64 + 2 = 6018;
    // slots 4: 4·4·6·6018 = 577,728.
    ConvMemoryCase(
        name: "4000 filters on 6000×4000", input: .rgb, width: 6000, height: 4000,
        conv: ConvSpec(filters: broadcastBank(4000)),
        outputShape: Shape(channels: 4000, height: 3998, width: 5998), outputBytes: 383_680_064_000,
        scratchBytes: 577_728),
    // Stride 2, 5×5, depthwise 2 filters on rgb 100×60: H (60−4−1)/2+1 = 28, W (100−5)/2+1 = 48, 6 maps →
    // 4·6·28·48 = 32,256. Tile rows: work 25, 16777216 / (6·48·25) = 2330, 524288 / (3·100·2·4) = 218 → 28;
    // rowCount 27·2 + 4 + 1 = 59; rowStride 47·2 + 4 + 1 = 99; slots min(3, 64/2) = 3: 4·3·59·99 = 70,092.
    ConvMemoryCase(
        name: "depthwise stride 2 5×5", input: .rgb, width: 100, height: 60,
        conv: ConvSpec(filters: broadcastBank(2, size: 5), stride: 2, depthwise: true),
        outputShape: Shape(channels: 6, height: 28, width: 48), outputBytes: 32_256, scratchBytes: 70_092),
]

@Test(arguments: convCases)
func theEstimateGivesEachConvsOutputAndScratchBytesAsComputedByHand(_ example: ConvMemoryCase) throws {
    let spec = PipelineSpec(input: example.input, stages: [.conv(example.conv)])
    let input = Shape(channels: example.input.channels, height: example.height, width: example.width)
    let estimate = try MemoryEstimate(spec: spec, input: input)
    #expect(estimate.inputBytes == 4 * example.input.channels * example.width * example.height)
    let layer = try #require(estimate.layers.first)
    #expect(layer.name == "layer 1 (conv)")
    #expect(layer.outputShape == example.outputShape)
    #expect(layer.outputBytes == example.outputBytes)
    #expect(layer.scratchBytes == example.scratchBytes)
}

@Test func theWholeTensorPeakIsTheInputTheStepsTensorsAndEveryWorkersTile() throws {
    // The first case above on 2 workers: 3,686,400 input + 9,830,400 output + 2 · 719,040 = 14,954,880.
    let spec = PipelineSpec(input: .rgb, stages: [.conv(ConvSpec(filters: broadcastBank(8), padding: .explicit(1)))])
    let pipeline = try Pipeline(spec: spec)
    let peak = try pipeline.peakMemory(width: 640, height: 480, route: .wholeTensors(keepingEveryStage: false), workers: 2)
    #expect(peak.bytes == 14_954_880)
    #expect(peak.layer?.name == "layer 1 (conv)")
}

@Test func keepingEveryStageAddsUpEveryOutputBeforeTheStage() throws {
    // gray 10×10 → relu → abs: each output 400 bytes, no scratch. At abs: input 400 + 400 + 400.
    let spec = PipelineSpec(input: .gray, stages: [.activation(.relu), .activation(.abs)])
    let pipeline = try Pipeline(spec: spec)
    let kept = try pipeline.peakMemory(width: 10, height: 10, route: .wholeTensors(keepingEveryStage: true), workers: 4)
    #expect(kept.bytes == 1_200 && kept.layer?.name == "layer 2 (abs)")
    // Unkept: input 400 + the step's input 400 + output 400 at abs too; relu's step has no earlier output.
    let single = try pipeline.peakMemory(width: 10, height: 10, route: .wholeTensors(keepingEveryStage: false), workers: 4)
    #expect(single.bytes == 1_200 && single.layer?.name == "layer 2 (abs)")
}

@Test func theBandRouteHoldsBandsNotTensors() throws {
    // gray 1000×800 → relu: 128 rows per band (1 MiB / 4000 bytes = 262 → capped at 128), so the band
    // 4·128·1000 = 512,000 and the input window of the same rows 512,000: 1,024,000 bytes, far below
    // the 3,200,000 of one whole tensor.
    let pipeline = try Pipeline(spec: PipelineSpec(input: .gray, stages: [.activation(.relu)]))
    let bands = try pipeline.peakMemory(width: 1000, height: 800, route: .bands, workers: 2)
    #expect(bands.bytes == 1_024_000)
}

@Test(arguments: [
    (9_999_999_999, 9_999_999_999), (Int.max, 1), (1, Int.max), (1 << 40 + 1, 1), (3_037_000_500, 3_037_000_500),
])
func anInputTooLargeForAByteCountIsAnErrorNotATrap(width: Int, height: Int) throws {
    let spec = PipelineSpec(input: .rgb, stages: [.conv(ConvSpec(filters: broadcastBank(2)))])
    let pipeline = try Pipeline(spec: spec)
    #expect(throws: PipelineError.self) { try pipeline.memoryEstimate(width: width, height: height) }
    #expect(throws: PipelineError.self) { try PipelineSummary(spec: spec, width: width, height: height) }
}

@Test func aStageWhoseOutputOverflowsNamesItsLayer() throws {
    // 2^25 × 2^25 pixels fit (2^52 bytes of one map); 2^13 maps of them are 2^63 values, past Int.max.
    let spec = PipelineSpec(
        input: .gray, stages: [.activation(.relu), .conv(ConvSpec(filters: broadcastBank(1 << 13, size: 1)))])
    let error = #expect(throws: PipelineError.self) {
        try MemoryEstimate(spec: spec, input: Shape(channels: 1, height: 1 << 25, width: 1 << 25))
    }
    #expect(error?.message.hasPrefix("layer 2 (conv) needs more than 8 EiB") == true, "\(error?.message ?? "")")
    // check's table says so too, naming the stage and its line.
    #expect(throws: PipelineError.self) { try PipelineSummary(spec: spec, width: 1 << 25, height: 1 << 25) }
}

@Test(
    arguments: [
        ([Int.max, 2], nil), ([1 << 31, 1 << 31, 2], nil), ([3, 5, 7], 105), ([0, Int.max, Int.max], 0),
    ] as [([Int], Int?)])
func checkedProductsReportOverflowInsteadOfTrapping(factors: [Int], expected: Int?) {
    #expect(CheckedSize.product(factors) == expected)
}

@Test func checkedSumsReportOverflowInsteadOfTrapping() {
    #expect(CheckedSize.sum(Int.max, 1) == nil)
    #expect(CheckedSize.sum(Int.max - 1, 1) == Int.max)
    #expect(CheckedSize.sum([]) == 0)
}

@Test(arguments: [
    (0, "0 bytes"), (1023, "1023 bytes"), (1024, "1.00 KiB"), (1536, "1.50 KiB"), (10 << 20, "10.0 MiB"),
    (383_680_064_000, "357 GiB"), (Int.max, "8.00 EiB"),
])
func byteCountsReadInBinaryUnitsWithThreeDigits(bytes: Int, text: String) {
    #expect(ByteText.describe(bytes) == text)
}

@Test func runningALayerLargerThanThePhysicalMemoryThrowsInsteadOfAborting() throws {
    // pad=100000 on a 1×1 tensor: 149 GiB of output, more than any test machine has.
    let conv = ConvSpec(filters: broadcastBank(1), padding: .explicit(100_000))
    let pipeline = try Pipeline(spec: PipelineSpec(input: .gray, stages: [.activation(.relu), .conv(conv)]))
    let input = Tensor(shape: Shape(channels: 1, height: 1, width: 1), values: [0.5])
    guard let physical = SystemMemory.physical(), physical < 150 << 30 else { return }
    for run in [{ try pipeline.run(input) }, { try pipeline.runAllStages(input).last! }] as [() throws -> Tensor] {
        let error = #expect(throws: PipelineError.self) { try run() }
        #expect(
            error?.message.hasPrefix("layer 2 (conv) needs 149 GiB, more than the physical memory") == true,
            "\(error?.message ?? "")")
    }
}

@Test func physicalMemoryIsReadAndHalvedForTheDefaultBudget() throws {
    let physical = try #require(SystemMemory.physical())
    // Some MiB at least, and no more than MemTotal says (a cgroup limit can only lower it).
    #expect(physical > 64 << 20)
    #expect(SystemMemory.defaultBudget() == physical / 2)
}
