import Testing

@testable import FilterPipe

/// A broken filter file and the one error line it must produce (`FILE:LINE:COLUMN: message`).
struct BrokenFilterFile: CustomTestStringConvertible, Sendable {
    let text: String
    let error: String
    var testDescription: String { error }
}

private let stages = "onnx, conv, relu, abs, leaky_relu, sigmoid, tanh, maxpool, avgpool, output"
private let kernels =
    "identity, box, gaussian, sobel_x, sobel_y, scharr_x, scharr_y, prewitt_x, prewitt_y, laplacian, log, sharpen, emboss, gabor, kirsch"

private let brokenFiles: [BrokenFilterFile] = [
    // Stages and keywords
    // A misspelt word now also gets the closest known one ("did you mean").
    .init(text: "relu6\n", error: "t.filter:1:1: unknown stage 'relu6' (expected \(stages)); did you mean 'relu'?"),
    .init(
        text: "input rgb\nconv pad=1\n  filter a\n    1\n  relu6\n",
        error:
            "t.filter:5:3: unknown stage 'relu6' (expected \(stages); in a conv bank also filter, channel or a matrix row); did you mean 'relu'?"
    ),
    .init(text: "relu slope=0.1\n", error: "t.filter:1:6: unknown option 'slope' for relu (relu takes no options)"),
    .init(
        text: "relu\noutput maps\nrelu\n", error: "t.filter:3:1: 'relu' after the output line (output, at line 2, must be last)"),
    .init(
        text: "output maps\noutput image\n",
        error: "t.filter:2:1: 'output' after the output line (output, at line 1, must be last)"),
    .init(text: "output picture\n", error: "t.filter:1:8: unknown output kind 'picture' (expected maps, image, montage)"),
    .init(
        text: "output maps normalize=stretch\n",
        error:
            "t.filter:1:23: invalid value 'stretch' for normalize (expected percentile, minmax, global, symmetric, clamp, range)"),
    .init(
        text: "= relu\n",
        error: "t.filter:1:1: unexpected '=' at the start of a line (expected a stage, filter, channel or matrix row)"),
    // Input
    .init(text: "input hsv\n", error: "t.filter:1:7: unknown input mode 'hsv' (expected rgb, gray, rgba, bgr)"),
    .init(text: "input\n", error: "t.filter:1:1: missing input mode after 'input' (expected rgb, gray, rgba, bgr)"),
    .init(text: "input rgb\ninput gray\n", error: "t.filter:2:1: duplicate input line (first at line 1)"),
    .init(text: "input rgb std=1,0,1\n", error: "t.filter:1:17: std value 2 is 0 (values are divided by std)"),
    .init(
        text: "input rgb mean=0.5,\n", error: "t.filter:1:19: unexpected ',' at the end of mean= (expected a value after it)"),
    .init(
        text: "input gray scale=x\n",
        error: "t.filter:1:18: invalid number 'x' as the value of scale (expected a decimal like -2, 0.5 or 1e-3)"),
    .init(
        text: "input gray gain=2\n", error: "t.filter:1:12: unknown option 'gain' for input (expected scale, mean, std)"),
    .init(text: "relu\ninput gray\n", error: "t.filter:2:1: input after a stage (the input line must come before every stage)"),
    // Conv options
    .init(text: "conv stride=1.5\n", error: "t.filter:1:13: invalid value '1.5' for stride (expected an integer ≥ 1)"),
    .init(text: "conv stride=1000001\n", error: "t.filter:1:13: value 1000001 for stride is too large (at most 1000000)"),
    .init(text: "conv\n filter a = gaussian size=2001\n", error: "t.filter:2:27: size=2001 is too large (at most 1025)"),
    .init(text: "conv dilation=0\n", error: "t.filter:1:15: invalid value '0' for dilation (expected an integer ≥ 1)"),
    .init(text: "conv pad=-1\n", error: "t.filter:1:10: invalid value '-1' for pad (expected an integer ≥ 0 or same)"),
    .init(
        text: "conv pad=1 pad_mode=mirror\n",
        error: "t.filter:1:21: invalid value 'mirror' for pad_mode (expected zero, replicate, reflect, circular)"),
    .init(text: "conv stride=\n", error: "t.filter:1:12: missing value after 'stride=' (expected stride=<integer ≥ 1>)"),
    .init(text: "conv dilation 2\n", error: "t.filter:1:6: option 'dilation' needs a value (expected dilation=<integer ≥ 1>)"),
    .init(text: "conv depthwise=true\n", error: "t.filter:1:15: 'depthwise' is a flag and takes no value"),
    .init(
        text: "conv strid=2\n",
        error:
            "t.filter:1:6: unknown option 'strid' for conv (expected stride, pad, pad_mode, dilation, depthwise, weights, bias, filters); did you mean 'stride'?"
    ),
    .init(text: "conv pad=1 pad=2\n", error: "t.filter:1:12: duplicate option 'pad' (already given at column 6)"),
    .init(text: "conv pad=1\nrelu\n", error: "t.filter:1:1: conv has no filters (expected 'filter' lines after it)"),
    .init(text: "input rgb\nconv\n", error: "t.filter:2:1: conv has no filters (expected 'filter' lines after it)"),
    // Filters
    .init(text: "relu\n  filter a\n", error: "t.filter:2:3: filter outside a conv bank (expected a 'conv' line before it)"),
    .init(text: "conv\n filter\n", error: "t.filter:2:2: missing filter name (expected 'filter NAME' or 'filter NAME = KERNEL')"),
    .init(
        text: "conv\n filter 3x3\n",
        error:
            "t.filter:2:9: invalid filter name '3x3' (expected letters, digits, '_', '-' or '.', starting with a letter or '_')"),
    .init(
        text: "conv\n filter a = box\n filter a = box\n",
        error: "t.filter:3:9: duplicate filter name 'a' in this bank (first at line 2)"),
    .init(
        text: "conv\n filter sobel_x\nrelu\n",
        error:
            "t.filter:2:2: filter 'sobel_x' has no weights (expected matrix rows or channel sections after it, or 'filter NAME = KERNEL'; for the built-in kernel write 'filter sobel_x = sobel_x')"
    ),
    .init(
        text: "conv\n filter a bias=x\n",
        error: "t.filter:2:16: invalid number 'x' as the value of bias (expected a decimal like -2, 0.5 or 1e-3)"),
    .init(
        text: "conv\n filter a gain=2\n",
        error: "t.filter:2:11: unknown option 'gain' for filter (expected bias)"),
    // Named kernels
    .init(
        text: "conv\n filter a = gauss\n",
        error: "t.filter:2:13: unknown kernel 'gauss' (expected \(kernels)); did you mean 'gaussian'?"),
    .init(text: "conv\n filter a =\n", error: "t.filter:2:11: missing kernel name after '=' (expected \(kernels))"),
    .init(
        text: "conv\n filter a = gaussian sigm=2\n",
        error: "t.filter:2:22: unknown parameter 'sigm' for kernel gaussian (expected size, sigma, bias); did you mean 'sigma'?"),
    .init(
        text: "conv\n filter a = sobel_x size=5\n",
        error: "t.filter:2:21: unknown parameter 'size' for kernel sobel_x (expected bias)"),
    .init(
        text: "conv\n filter a = gaussian size=4\n", error: "t.filter:2:27: size=4 must be odd for gaussian (a centred kernel)"),
    .init(
        text: "conv\n filter a = gaussian sigma=-1\n",
        error: "t.filter:2:28: invalid value '-1' for sigma (expected a number > 0)"),
    .init(text: "conv\n filter a = box size=0\n", error: "t.filter:2:22: invalid value '0' for size (expected an integer ≥ 1)"),
    .init(
        text: "conv\n filter k = kirsch direction=up\n",
        error: "t.filter:2:30: invalid value 'up' for direction (expected n, ne, e, se, s, sw, w or nw)"),
    .init(
        text: "conv\n filter a = laplacian\n  1\n",
        error:
            "t.filter:3:3: matrix row in filter 'a', which is the named kernel laplacian (a filter is either a kernel or matrices)"
    ),
    // Matrix rows
    .init(
        text: "1 2 3\n", error: "t.filter:1:1: matrix row outside a filter (expected 'conv' and 'filter NAME' lines before it)"),
    .init(
        text: "conv\n 1 2 3\n",
        error: "t.filter:2:2: matrix row before any filter of this bank (expected a 'filter NAME' line before it)"),
    .init(
        text: "conv\n filter a\n  1 2 3\n  1 2\n",
        error: "t.filter:4:3: ragged matrix: row has 2 values but the matrix's first row (line 3) has 3"),
    .init(
        text: "conv\n filter a\n  1 2\n  1 2 3\n",
        error: "t.filter:4:7: ragged matrix: row has 3 values but the matrix's first row (line 3) has 2"),
    .init(
        text: "conv\n filter a\n  1 inf 2\n", error: "t.filter:3:5: non-finite number 'inf' (weights and values must be finite)"),
    .init(text: "conv\n filter a\n  nan\n", error: "t.filter:3:3: non-finite number 'nan' (weights and values must be finite)"),
    .init(
        text: "conv\n filter a\n  -Infinity 1\n",
        error: "t.filter:3:3: non-finite number '-Infinity' (weights and values must be finite)"),
    .init(
        text: "conv\n filter a\n  1e39\n", error: "t.filter:3:3: non-finite number '1e39' (beyond the 32-bit float range ±3.4e38)"
    ),
    .init(
        text: "conv\n filter a\n  1 2x 3\n",
        error: "t.filter:3:5: invalid number '2x' as a matrix value (expected a decimal like -2, 0.5 or 1e-3)"),
    .init(
        text: "conv\n filter a\n  0x10\n",
        error: "t.filter:3:3: invalid number '0x10' as a matrix value (expected a decimal like -2, 0.5 or 1e-3)"),
    .init(
        text: "conv\n filter a\n  1, 2,\n",
        error: "t.filter:3:7: unexpected ',' at the end of a matrix row (expected a number after it)"),
    .init(text: "conv\n filter a\n  1,,2\n", error: "t.filter:3:5: unexpected ',' in matrix row (expected a number before it)"),
    .init(
        text: "conv\n filter a\n  1 = 2\n",
        error: "t.filter:3:5: unexpected '=' in matrix row (expected numbers separated by spaces or commas)"),
    // Channel sections
    .init(
        text: "conv depthwise\n filter a\n  channel\n",
        error:
            "t.filter:3:3: channel section in a depthwise conv (each depthwise filter is one matrix, applied to every channel separately)"
    ),
    .init(
        text: "conv\n filter a\n  1\n  channel\n",
        error:
            "t.filter:4:3: channel section after the matrix rows of filter 'a' (give one matrix for all channels, or one channel section per channel, not both)"
    ),
    .init(
        text: "input gray\nconv\n filter a\n  channel\nrelu\n",
        error: "t.filter:4:3: channel 1 of filter 'a' has no matrix rows (expected rows of numbers after 'channel')"),
    .init(
        text: "conv\n filter a\n  channel\n   1 2\n  channel\n   1\n  channel\n   1\n",
        error: "t.filter:5:3: channel 2 of filter 'a' is 1×1 but channel 1 is 1×2 (every channel of a filter has the same size)"),
    .init(text: "channel\n", error: "t.filter:1:1: channel outside a conv bank (expected 'conv', then 'filter NAME', before it)"),
    .init(
        text: "conv\nchannel\n",
        error: "t.filter:2:1: channel before any filter of this bank (expected a 'filter NAME' line before it)"),
    .init(
        text: "conv\n filter a\n  channel 1\n",
        error: "t.filter:3:11: unexpected '1' after 'channel' (its matrix rows go on the following lines)"),
    // Pooling and activations
    .init(text: "maxpool size=2 size=3\n", error: "t.filter:1:16: duplicate option 'size' (already given at column 9)"),
    .init(text: "maxpool size=3 pad=2\n", error: "t.filter:1:20: pad=2 is more than half the window (expected pad ≤ size/2 = 1)"),
    .init(text: "avgpool ceil_mode=yes\n", error: "t.filter:1:19: invalid value 'yes' for ceil_mode (expected true or false)"),
    .init(text: "avgpool stride=0\n", error: "t.filter:1:16: invalid value '0' for stride (expected an integer ≥ 1)"),
    .init(
        text: "leaky_relu slope=abc\n",
        error: "t.filter:1:18: invalid number 'abc' as the value of slope (expected a decimal like -2, 0.5 or 1e-3)"),
    .init(
        text: "leaky_relu slope=1e50\n", error: "t.filter:1:18: non-finite number '1e50' (beyond the 32-bit float range ±3.4e38)"),
    // Columns count characters, after a tab and after multi-byte text in a comment-free line.
    .init(
        text: "conv\n\tfilter a\n\t\t1 ,x\n",
        error: "t.filter:3:6: invalid number 'x' as a matrix value (expected a decimal like -2, 0.5 or 1e-3)"),
    .init(text: "# ünïcödé comment\r\nrelu\r\nsoftmax\r\n", error: "t.filter:3:1: unknown stage 'softmax' (expected \(stages))"),
]

@Test("a broken filter file gives exactly one FILE:LINE:COLUMN error naming the problem", arguments: brokenFiles)
func brokenFilterFileReportsLineColumnAndExpectation(_ file: BrokenFilterFile) {
    #expect(throws: FilterFileError.self) { try FilterFileParser.parse(file.text, fileName: "t.filter") }
    do {
        _ = try FilterFileParser.parse(file.text, fileName: "t.filter")
    } catch {
        #expect(error.description == file.error)
    }
}

/// Files that parse but break a rule of the plan (`PipelinePlan`, the one validator): the error names
/// the layer and points at the token at fault (the `pad` value, the filter line).
private let filesBreakingAPlanRule: [BrokenFilterFile] = [
    .init(
        text: "conv stride=2 pad=same\n  filter a\n    1\n",
        error:
            "t.filter:1:19: layer 1 (conv): pad=same needs stride 1, not stride=2 (with a larger stride the output cannot keep the input size)"
    ),
    .init(
        text: "conv pad=same stride=3\n  filter a = box\n",
        error:
            "t.filter:1:10: layer 1 (conv): pad=same needs stride 1, not stride=3 (with a larger stride the output cannot keep the input size)"
    ),
    .init(
        text: "conv\n filter a = sobel_x\n filter b = gaussian\n",
        error:
            "t.filter:3:2: layer 1 (conv): filter 'b' is 5×5 but filter 'a' of this bank is 3×3 (all filters of a bank have the same size unless it has pad=same)"
    ),
    .init(
        text: "input rgb\nconv\n  filter rg\n    channel\n      1\n    channel\n      -1\n",
        error: "t.filter:3:3: layer 1 (conv): filter 'rg' has 2 channel matrices but the input has 3 channels (input rgb)"),
    .init(
        text: "input gray\nconv\n  filter a\n    channel\n      1\n    channel\n      2\n",
        error: "t.filter:3:3: layer 1 (conv): filter 'a' has 2 channel matrices but the input has 1 channel (input gray)"),
    .init(
        text: "conv\n filter a = sobel_x\n filter b = sobel_y\nrelu\nconv\n filter c\n  channel\n   1\n",
        error:
            "t.filter:6:2: layer 3 (conv): filter 'c' has 1 channel matrix but the input has 2 channels (layer 1 (conv) gives 2 maps)"
    ),
    .init(
        text: "input rgb\nconv depthwise\n filter a = box\n filter b = identity\nconv\n filter c\n  channel\n   1\n",
        error:
            "t.filter:6:2: layer 2 (conv): filter 'c' has 1 channel matrix but the input has 6 channels (layer 1 (conv) gives 3 channels × 2 depthwise filters = 6 maps)"
    ),
    .init(
        text: "input rgb mean=0.5,0.5 std=1,1,1\n",
        error: "t.filter:1:16: layer 0 (input): mean has 2 values but input rgb has 3 channels"),
    .init(
        text: "input gray std=0.5,0.5\n",
        error: "t.filter:1:16: layer 0 (input): std has 2 values but input gray has 1 channel"),
    .init(
        text: "input gray\nconv\n filter a = box\n filter b = box\noutput image\n",
        error:
            "t.filter:5:8: output image needs 1, 3 or 4 final maps (gray, RGB, RGBA), but layer 1 (conv) gives 2 maps (use output maps, or a last conv of 1, 3 or 4 filters)"
    ),
]

@Test(
    "a file that parses but breaks a plan rule gives one FILE:LINE:COLUMN error at the token", arguments: filesBreakingAPlanRule)
func planRuleErrorsPointAtTheTokenAtFault(_ file: BrokenFilterFile) throws {
    _ = try FilterFileParser.parse(file.text, fileName: "t.filter")
    #expect(throws: FilterPipeError.self) { try Pipeline(text: file.text, fileName: "t.filter") }
    do {
        _ = try Pipeline(text: file.text, fileName: "t.filter")
    } catch {
        #expect(error.description == file.error)
    }
}

@Test func firstErrorStopsTheParse() throws {
    // Line 2 and line 4 are both wrong; only line 2 is reported.
    let text = "conv\n filter a = nope\n  1\nrelu6\n"
    do {
        _ = try FilterFileParser.parse(text, fileName: "x.filter")
        Issue.record("parse succeeded")
    } catch {
        #expect(error.location == SourceLocation(line: 2, column: 13))
        #expect(error.file == "x.filter")
    }
}
