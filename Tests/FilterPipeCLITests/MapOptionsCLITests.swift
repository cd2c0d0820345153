import FilterPipe
import Foundation
import Testing

private let chelsea = CLI.samples + "/images/chelsea.png"
private let edge = CLI.samples + "/filters/edge.filter"
private let features = CLI.samples + "/filters/features.filter"

/// Options that cannot apply, and bad scaling values: one line on stderr, exit status 2, nothing written.
@Test(arguments: [
    (
        ["--kind", "image", "--montage"], "samples/filters/blur.filter",
        "filterpipe: --montage cannot apply to output image (its maps are composed into one picture); use --kind maps --montage or --kind montage (see --help)"
    ),
    (
        ["--kind", "montage", "--depth", "16"], "samples/filters/edge.filter",
        "filterpipe: --depth 16 cannot apply to output montage (a montage is 8-bit RGB); use --kind maps (see --help)"
    ),
    (
        ["--percentile", "40"], "samples/filters/edge.filter",
        "filterpipe: --percentile must be above 50 and at most 100, not 40.0 (see --help)"
    ),
    (
        ["--range=2..1"], "samples/filters/edge.filter",
        "filterpipe: --range: range '2..1' is empty: LO must be below HI (see --help)"
    ),
    (
        ["--range=a..b"], "samples/filters/edge.filter",
        "filterpipe: --range: invalid range 'a..b' (expected LO..HI, e.g. range=-1..1 or range=0..0.5) (see --help)"
    ),
    (
        ["--range=-1..1", "--normalize", "minmax"], "samples/filters/edge.filter",
        "filterpipe: --range applies to --normalize range, not --normalize minmax (see --help)"
    ),
    (
        ["--percentile", "99", "--normalize", "global"], "samples/filters/edge.filter",
        "filterpipe: --percentile applies to --normalize percentile, not --normalize global (see --help)"
    ),
    (
        ["--normalize", "range"], "samples/filters/edge.filter",
        "filterpipe: --normalize range needs --range LO..HI (see --help)"
    ),
])
func optionsThatCannotApplyAreOneLineAndExitStatus2(flags: [String], filter: String, message: String) throws {
    let scratch = Scratch()
    let result = try CLI.run(["apply", CLI.root + "/" + filter, chelsea, scratch.file("out")] + flags)
    #expect(result.status == 2)
    #expect(result.stderr == message + "\n")
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out/chelsea")))
}

@Test func depth16OverTheFilesColourMapWarnsOnceAndWritesGrayMaps() throws {
    let scratch = Scratch()
    let result = try CLI.run(["apply", edge, chelsea, scratch.file("out"), "--depth", "16", "-q"])
    #expect(result.status == 0)
    #expect(
        result.stderr
            == "filterpipe: warning: --depth 16 writes gray maps; colormap=magma of \(edge) is not applied\n")
    let map = try ImageCodec.decode(fileAt: scratch.file("out/chelsea/00-sobel_x.png"))
    #expect(map.channels == 1 && map.bitDepth == 16)
}

/// Filter files with scaling and convenience mistakes: FILE:LINE:COLUMN and the exact message.
@Test(arguments: [
    (
        "input gray\noutput maps normalize=minmax percentile=99\n",
        "2:41: percentile= applies to normalize=percentile, not normalize=minmax"
    ),
    ("input gray\noutput maps range=2..1\n", "2:19: range '2..1' is empty: LO must be below HI"),
    ("input gray\noutput maps normalize=range\n", "2:23: normalize=range needs range=LO..HI"),
    (
        "input gray\noutput maps percentile=50\n",
        "2:24: percentile must be above 50 and at most 100, not 50.0 (the range runs from the (100 − P)th to the Pth percentile)"
    ),
    (
        "input gray\noutput maps normalize=percentil\n",
        "2:23: invalid value 'percentil' for normalize (expected percentile, minmax, global, symmetric, clamp, range); did you mean 'percentile'?"
    ),
    (
        "input gray\nrelu6\n",
        "2:1: unknown stage 'relu6' (expected onnx, conv, relu, abs, leaky_relu, sigmoid, tanh, maxpool, avgpool, output); did you mean 'relu'?"
    ),
    (
        "input gray\nconv\n  filter a sobel_x\n",
        "3:12: unexpected 'sobel_x' after 'filter a'; for the built-in kernel write 'filter a = sobel_x'"
    ),
    (
        "input gray\nconv\n  filter a = gauss\n",
        "3:14: unknown kernel 'gauss' (expected identity, box, gaussian, sobel_x, sobel_y, scharr_x, scharr_y, prewitt_x, prewitt_y, laplacian, log, sharpen, emboss, gabor, kirsch); did you mean 'gaussian'?"
    ),
    (
        "input gray\nconv pad=same\n  filter a = gaussian sigm=2\n",
        "3:23: unknown parameter 'sigm' for kernel gaussian (expected size, sigma, bias); did you mean 'sigma'?"
    ),
    (
        "input gray\nconv strid=2\n  filter a = box\n",
        "2:6: unknown option 'strid' for conv (expected stride, pad, pad_mode, dilation, depthwise, weights, bias, filters); did you mean 'stride'?"
    ),
    (
        "input rgb\nconv\n  filter mix\n    channels 1 0\n",
        "3:3: layer 1 (conv): filter 'mix' has 2 channel matrices but the input has 3 channels (input rgb)"
    ),
    (
        "input gray\nconv\n  filter a\n    channels 1 2\n",
        "3:3: layer 1 (conv): filter 'a' has 2 channel matrices but the input has 1 channel (input gray)"
    ),
    (
        "input gray\nconv\n  filter a\n    1\n    channels 1\n",
        "5:5: channels line in filter 'a', which already has weights (give 'channels W1 … WC' alone)"
    ),
    (
        "input gray\nconv\n  filter a\n    channels 1\n    2\n",
        "5:5: matrix row after the channels line of filter 'a' (a channels line gives the whole filter)"
    ),
    (
        "input gray\nconv\n  filter a\n    channels 1\n    channel\n      2\n",
        "5:5: channel section after the channels line of filter 'a' (a channels line gives the whole filter)"
    ),
])
func filterFileMistakesGetALocatedMessageAndExitStatus2(text: String, message: String) throws {
    let scratch = Scratch()
    let path = scratch.write("t.filter", text)
    let result = try CLI.run(["check", path])
    #expect(result.status == 2)
    #expect(result.stderr == "\(path):\(message)\n")
}

@Test func aChannelsLineIsTheSameFilterAsOneByOneChannelSections() throws {
    let short = try FilterFileParser.parse("input rgb\nconv\n  filter mix\n    channels 0.5, -1 2\n", fileName: "a")
    let long = try FilterFileParser.parse(
        "input rgb\nconv\n  filter mix\n    channel\n      0.5\n    channel\n      -1\n    channel\n      2\n", fileName: "b")
    #expect(short.stages == long.stages)
}

@Test func kernelsNamePrintsThatKernelsMatrix() throws {
    let result = try CLI.run(["kernels", "gaussian", "size=3", "sigma=0.8"])
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.first == "gaussian size=3 sigma=0.8  (3×3)")
    // exp(−(x²+y²)/2σ²) normalised to sum 1, computed here in Double.
    let g = (-1...1).map { exp(-Double($0 * $0) / (2 * 0.64)) }
    let total = g.reduce(0, +) * g.reduce(0, +)
    let rows = lines.dropFirst().map { $0.split(separator: " ").map { Double(String($0))! } }
    #expect(rows.count == 3)
    for i in 0..<3 {
        for j in 0..<3 { #expect(abs(rows[i][j] - g[i] * g[j] / total) < 1e-6) }
    }
    let sobel = try CLI.run(["kernels", "sobel_x"])
    #expect(
        sobel.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ") } == [
            ["-1", "0", "1"], ["-2", "0", "2"], ["-1", "0", "1"],
        ])
}

@Test(arguments: [
    (
        ["kernels", "gauss"],
        "filterpipe: unknown kernel 'gauss' (expected identity, box, gaussian, sobel_x, sobel_y, scharr_x, scharr_y, prewitt_x, prewitt_y, laplacian, log, sharpen, emboss, gabor, kirsch); did you mean 'gaussian'? (see --help)"
    ),
    (
        ["kernels", "gaussian", "sigm=1"],
        "filterpipe: unknown parameter 'sigm' for kernel gaussian (expected size, sigma); did you mean 'sigma'? (see --help)"
    ),
    (["kernels", "gaussian", "size=4"], "filterpipe: size=4 must be odd for gaussian (a centred kernel) (see --help)"),
    (["kernels", "gaussian", "size"], "filterpipe: kernel parameters are PARAM=VALUE, not 'size' (see --help)"),
    (
        ["kernels", "sobel_x", "size=3"],
        "filterpipe: unknown parameter 'size' for kernel sobel_x (kernel sobel_x takes no parameters) (see --help)"
    ),
])
func kernelsNameRefusesBadArgumentsWithOneLine(arguments: [String], message: String) throws {
    let result = try CLI.run(arguments)
    #expect(result.status == 2)
    #expect(result.stderr == message + "\n")
}

/// `output montage` with `--stages`: the summary, --json, the manifest and the files on disk agree
/// (the issue: such runs reported "0 maps" while 32 PNGs were written per image).
@Test func mapAndMontageCountsAgreeAcrossSummaryJSONManifestAndDisk() throws {
    let scratch = Scratch()
    let text = try CLI.run(["apply", features, chelsea, scratch.file("a"), "--stages", "--manifest", scratch.file("m.jsonl")])
    #expect(text.status == 0)
    // 3 stages before the last, of 8 maps each; the final montage and one per stage.
    #expect(text.stderr.contains("written 1, failed 0, skipped 0 images; 24 maps, 4 montages; "))
    let files = scratch.files(under: "a").filter { $0.hasSuffix(".png") }
    #expect(files.filter { $0.hasSuffix("montage.png") || $0 == "chelsea.png" }.count == 4)
    #expect(files.count == 28)
    let manifest = try #require(scratch.bytes("m.jsonl"))
    let record = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
    #expect(record["maps"] as? Int == 24)
    #expect((record["montages"] as? [String])?.count == 4)
    #expect((record["outputs"] as? [String])?.count == 28)
    let json = try CLI.run(["apply", features, chelsea, scratch.file("b"), "--stages", "--json", "-q"])
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(summary["maps_written"] as? Int == 24 && summary["montages_written"] as? Int == 4)
}
