import Foundation
import Testing

@testable import FilterPipe

private func parse(_ text: String) throws -> PipelineSpec {
    try FilterFileParser.parse(text, fileName: "t.filter")
}

/// The only conv of `spec` (fails the test if there is none).
private func firstConv(_ spec: PipelineSpec) throws -> ConvSpec {
    for stage in spec.stages { if case .conv(let conv) = stage { return conv } }
    throw ParserTestFailure.noConv
}

private enum ParserTestFailure: Error { case noConv }

/// The example from the format issue, verbatim.
private let issueExample = """
    # '#' starts a comment; blank lines and indentation are free.
    input rgb                      # rgb (default) | gray | rgba; optional, first if present
    conv pad=same                  # a filter bank; its filters follow, up to the next stage line
      filter sobel_x bias=0        # one matrix: the same weights on every input channel, summed
        -1 0 1
        -2 0 2
        -1 0 1
      filter red_minus_green       # or one matrix per input channel, each after a `channel` line
        channel
          1
        channel
          -1
        channel
          0
      filter soft = gaussian size=5 sigma=1.2    # a named kernel from the built-in library
    relu
    maxpool size=2                 # stride defaults to size
    conv pad=same                  # a second layer sees the first layer's maps as its channels
      filter f = laplacian
    avgpool size=2 stride=2
    """

@Test func issueExampleParsesIntoFiveStagesWithTheirLocations() throws {
    let spec = try parse(issueExample)
    #expect(spec.input == .rgb)
    #expect(spec.output == OutputSpec())
    #expect(spec.stages.count == 5)
    #expect(spec.stageLocations.map(\.line) == [3, 16, 17, 18, 20])
    #expect(spec.stageLocations.allSatisfy { $0.column == 1 })

    guard case .conv(let first) = spec.stages[0] else { Issue.record("stage 1 is not conv"); return }
    #expect(first.padding == .same && first.stride == 1 && first.padMode == .zero && first.dilation == 1)
    #expect(!first.depthwise)
    #expect(first.filters.map(\.name) == ["sobel_x", "red_minus_green", "soft"])
    #expect(
        first.filters[0]
            == FilterSpec(
                name: "sobel_x", bias: 0,
                channels: [Matrix(rows: 3, columns: 3, values: [-1, 0, 1, -2, 0, 2, -1, 0, 1])]))
    #expect(
        first.filters[1]
            == FilterSpec(
                name: "red_minus_green",
                channels: [
                    Matrix(rows: 1, columns: 1, values: [1]), Matrix(rows: 1, columns: 1, values: [-1]),
                    Matrix(rows: 1, columns: 1, values: [0]),
                ]))
    // Mixed sizes are allowed here because of pad=same; the gaussian is checked in KernelLibraryTests.
    #expect(first.filters[2].name == "soft" && first.filters[2].isBroadcast)
    #expect(first.filters[2].kernelHeight == 5 && first.filters[2].kernelWidth == 5)
    #expect(spec.stages[1] == .activation(.relu))
    #expect(spec.stages[2] == .pool(PoolSpec(kind: .max, size: 2, stride: 2)))
    guard case .conv(let second) = spec.stages[3] else { Issue.record("stage 4 is not conv"); return }
    #expect(
        second.filters == [FilterSpec(name: "f", channels: [Matrix(rows: 3, columns: 3, values: [0, 1, 0, 1, -4, 1, 0, 1, 0])])])
    #expect(spec.stages[4] == .pool(PoolSpec(kind: .average, size: 2, stride: 2)))
}

struct ConvLineCase: Sendable, CustomTestStringConvertible {
    let line: String
    let expected: ConvSpec
    var testDescription: String { line }
}

private let one = [FilterSpec(name: "a", channels: [Matrix(rows: 1, columns: 1, values: [1])])]

@Test(
    "conv options and their defaults",
    arguments: [
        ConvLineCase(line: "conv", expected: ConvSpec(filters: one)),
        ConvLineCase(line: "conv stride=2 pad=3", expected: ConvSpec(filters: one, stride: 2, padding: .explicit(3))),
        ConvLineCase(line: "conv pad=same pad_mode=reflect", expected: ConvSpec(filters: one, padding: .same, padMode: .reflect)),
        ConvLineCase(
            line: "conv pad = 1 pad_mode = circular dilation = 2",
            expected: ConvSpec(filters: one, padding: .explicit(1), padMode: .circular, dilation: 2)),
        ConvLineCase(
            line: "conv depthwise pad_mode=replicate", expected: ConvSpec(filters: one, padMode: .replicate, depthwise: true)),
        ConvLineCase(line: "conv dilation=3 stride=+2 pad=0", expected: ConvSpec(filters: one, stride: 2, dilation: 3)),
    ])
func convLineSetsStridePaddingModeDilationDepthwise(_ testCase: ConvLineCase) throws {
    let spec = try parse("input gray\n\(testCase.line)\n filter a\n  1\n")
    #expect(spec.stages == [.conv(testCase.expected)])
}

@Test(
    "pooling options, stride defaulting to size and size to 2",
    arguments: [
        ("maxpool", PoolSpec(kind: .max, size: 2, stride: 2)),
        ("maxpool size=3", PoolSpec(kind: .max, size: 3, stride: 3)),
        ("avgpool size=3 stride=1 pad=1", PoolSpec(kind: .average, size: 3, stride: 1, pad: 1)),
        ("avgpool size=2 ceil_mode=true", PoolSpec(kind: .average, size: 2, stride: 2, ceilMode: true)),
        ("maxpool stride=1 ceil_mode=false", PoolSpec(kind: .max, size: 2, stride: 1)),
    ])
func poolLineSetsSizeStridePadCeilMode(_ line: String, _ expected: PoolSpec) throws {
    #expect(try parse(line).stages == [.pool(expected)])
}

@Test(
    "activations, leaky_relu slope defaulting to 0.01",
    arguments: [
        ("relu", Activation.relu), ("abs", .abs), ("sigmoid", .sigmoid), ("tanh", .tanh),
        ("leaky_relu", .leakyReLU(slope: 0.01)), ("leaky_relu slope=0.2", .leakyReLU(slope: 0.2)),
        ("leaky_relu slope=-1e-1", .leakyReLU(slope: -0.1)),
    ])
func activationLineSelectsActivation(_ line: String, _ expected: Activation) throws {
    #expect(try parse(line).stages == [.activation(expected)])
}

@Test(
    "output line fills OutputSpec; absent settings stay nil",
    arguments: [
        ("output maps", OutputSpec(kind: .maps)),
        ("output image normalize=clamp", OutputSpec(kind: .image, normalization: .clamp)),
        (
            "output montage normalize=symmetric colormap=diverging",
            OutputSpec(kind: .montage, normalization: .symmetric, colormap: .diverging)
        ),
        ("output colormap=viridis", OutputSpec(kind: .maps, colormap: .viridis)),
        ("output maps normalize=global colormap=magma", OutputSpec(kind: .maps, normalization: .global, colormap: .magma)),
    ])
func outputLineSetsKindNormalizationColormap(_ line: String, _ expected: OutputSpec) throws {
    #expect(try parse("relu\n\(line)\n").output == expected)
}

@Test("input modes", arguments: [("input rgb", InputMode.rgb), ("input gray", .gray), ("input rgba", .rgba), ("", .rgb)])
func inputLineSetsModeDefaultingToRGB(_ line: String, _ expected: InputMode) throws {
    #expect(try parse("# comment first\n\(line)\nrelu\n").input == expected)
}

@Test(
    "matrix rows: spaces or commas, signs, decimals, exponents",
    arguments: [
        ("1 2 3", [Float(1), 2, 3]),
        ("1,2,3", [1, 2, 3]),
        ("1 , 2 ,3", [1, 2, 3]),
        ("-1.5e2 +2 .5", [-150, 2, 0.5]),
        ("1E-3, -0.25, 7.", [0.001, -0.25, 7]),
        ("0.1", [0.1]),
    ])
func matrixRowAcceptsSeparatorsAndNumberForms(_ row: String, _ values: [Float]) throws {
    let conv = try firstConv(parse("conv\n filter a\n  \(row)\n"))
    #expect(conv.filters[0].channels == [Matrix(rows: 1, columns: values.count, values: values)])
}

@Test func rectangularMatricesOneByNAndNByOne() throws {
    let wide = try firstConv(parse("conv\n filter a\n  1 2 3 4 5\n"))
    #expect(wide.filters[0].kernelHeight == 1 && wide.filters[0].kernelWidth == 5)
    let tall = try firstConv(parse("conv\n filter a\n  1\n  2\n  3\n"))
    #expect(tall.filters[0].channels == [Matrix(rows: 3, columns: 1, values: [1, 2, 3])])
    let rect = try firstConv(parse("conv\n filter a\n  1 2 3\n  4 5 6\n"))
    #expect(rect.filters[0].channels == [Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])])
}

@Test func filterBiasIsReadForMatrixAndNamedFilters() throws {
    let conv = try firstConv(parse("conv\n filter a bias=-0.5\n  1\n filter b = identity size=1 bias=2\n"))
    #expect(conv.filters.map(\.bias) == [-0.5, 2])
    #expect(conv.filters[1].channels == [Matrix(rows: 1, columns: 1, values: [1])])
}

@Test func namedKernelWithoutSpacesAroundEquals() throws {
    let conv = try firstConv(parse("conv\n filter k=kirsch direction=e\n"))
    #expect(conv.filters[0].channels == [Matrix(rows: 3, columns: 3, values: [-3, -3, 5, -3, 0, 5, -3, -3, 5])])
}

@Test(
    "channel sections must match the channels reaching the bank",
    arguments: [
        // (input mode, stages before the checked bank, channels reaching it)
        ("gray", "", 1),
        ("rgba", "", 4),
        ("rgb", "conv\n filter p = box\n filter q = box\nrelu\nmaxpool\n", 2),
        ("rgb", "conv depthwise\n filter p = box\n filter q = box\n", 6),
        ("gray", "conv depthwise\n filter p = box\nconv depthwise\n filter q = box\n filter r = box\n", 2),
    ])
func channelCountIsTrackedThroughStages(_ mode: String, _ before: String, _ channels: Int) throws {
    let sections = String(repeating: "  channel\n   1\n", count: channels)
    let spec = try parse("input \(mode)\n\(before)conv\n filter last\n\(sections)")
    guard case .conv(let last) = spec.stages.last else { Issue.record("last stage is not conv"); return }
    #expect(last.filters[0].channels.count == channels)
    _ = try Pipeline(spec: spec)
    // One section fewer parses, and the plan refuses it at the filter's line.
    let short = String(repeating: "  channel\n   1\n", count: channels - 1)
    if channels > 1 {
        let text = "input \(mode)\n\(before)conv\n filter last\n\(short)"
        let line = text.split(separator: "\n").firstIndex { $0.hasPrefix(" filter last") }! + 1
        _ = try parse(text)
        #expect(throws: FilterPipeError.self) { try Pipeline(text: text, fileName: "t.filter") }
        do { _ = try Pipeline(text: text, fileName: "t.filter") } catch {
            #expect(
                error.description.hasPrefix(
                    "t.filter:\(line):2: layer \(spec.stages.count) (conv): filter 'last' has \(channels - 1) channel matri"))
            #expect(error.description.contains("but the input has \(channels) channels"))
        }
    }
}

@Test func commentsBlankLinesIndentationAndLineEndingsAreFree() throws {
    let unix = "input gray\nconv pad=1\n filter a\n  1 2\n  3 4\nrelu\n"
    let messy =
        "\u{FEFF}# header\r\n\r\n   input gray # mode\r\n\tconv pad=1#bank\r\nfilter a\r\n1 2 # row\r\n      3 4\r\n\r\nrelu"
    #expect(try parse(messy).stages == parse(unix).stages)
    #expect(try parse(messy).stageLocations == [SourceLocation(line: 4, column: 2), SourceLocation(line: 9, column: 1)])
}

@Test func emptyFileIsTheIdentityPipeline() throws {
    #expect(try parse("# nothing\n\n") == PipelineSpec())
}

@Test func benchFiltersFromTheSharedFolderParse() throws {
    // Same content as ../shared/bench/filters/edge.filter, inlined so the test needs no corpus.
    let edge = """
        input rgb
        conv pad=1
          filter sobel_x
            -1 0 1
            -2 0 2
            -1 0 1
          filter diag45
            0 1 2
            -1 0 1
            -2 -1 0
        relu
        maxpool size=2 stride=2
        output maps normalize=minmax
        """
    let spec = try parse(edge)
    #expect(spec.stages.count == 3)
    #expect(spec.output == OutputSpec(kind: .maps, normalization: .minmax))
}

@Test(
    "every sample filter parses", arguments: ["edge", "blur", "sharpen", "features", "simple_convnet", "simple_convnet_first16"])
func sampleFilterParses(_ name: String) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let path = root.appendingPathComponent("samples/filters/\(name).filter").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let spec = try FilterFileParser.parse(text, fileName: path)
    #expect(!spec.stages.isEmpty)
}
