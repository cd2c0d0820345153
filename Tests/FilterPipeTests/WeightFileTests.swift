import Foundation
import Testing

@testable import FilterPipe

// The .npy and .safetensors readers against files numpy wrote (Fixtures/weights/make_weights.py),
// compared with the formula the script used, not with the readers' own output; and every problem
// a weights= line can have, as its one located line.

/// The fixtures' array: w[f, c, i, j] = (24 f + 6 c + 3 i + j) / 4 − 3, shape (2, 3, 2, 3), C order.
private let fixtureShape = [2, 3, 2, 3]
private let fixtureValues: [Double] = {
    var values: [Double] = []
    for f in 0..<2 {
        for c in 0..<3 {
            for i in 0..<2 {
                for j in 0..<3 {
                    let n: Int = 24 * f + 6 * c + 3 * i + j
                    values.append(Double(n) / 4 - 3)
                }
            }
        }
    }
    return values
}()
private let fixtures = CodecTestSupport.fixtures.appendingPathComponent("weights").path

@Suite struct WeightFileTests {
    @Test(
        "numpy's .npy files read as the array numpy wrote",
        arguments: [
            "w_f8.npy", "w_f4_fortran.npy", "w_f2.npy", "w_be_f8.npy", "w_be_f4_fortran.npy", "w_v2.npy", "w_v3.npy",
        ])
    func npyFilesReadAsWritten(_ name: String) throws {
        let array = try NPYReader.read(contentsOf: fixtures + "/" + name)
        #expect(array.shape == fixtureShape)
        #expect(array.values == fixtureValues)
    }

    @Test func aBiasVectorReadsWithItsOneAxisShape() throws {
        let bias = try NPYReader.read(contentsOf: fixtures + "/b.npy")
        #expect(bias.shape == [2] && bias.values == [0.5, -1.25])
        #expect(bias.shapeText == "(2,)")
    }

    @Test(
        "safetensors tensors of every float dtype read as written",
        arguments: ["conv.weight", "half.weight", "brain.weight", "double.weight"])
    func safetensorsTensorsReadAsWritten(_ name: String) throws {
        let array = try SafetensorsReader.read(contentsOf: fixtures + "/model.safetensors", tensor: name)
        #expect(array.shape == fixtureShape)
        #expect(array.values == fixtureValues)
    }

    @Test(
        "half floats decode exactly, subnormals and infinities included",
        arguments: [
            (0x3C00, 1.0), (0xC000, -2.0), (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x7BFF, 65504.0),
            (0x7C00, Double.infinity), (0x3555, 0.333251953125),
        ] as [(UInt16, Double)])
    func halfFloatsDecodeExactly(bits: UInt16, value: Double) {
        #expect(Double(WeightDType.halfToFloat(bits)) == value)
    }

    @Test func aWeightsBankTakesFiltersChannelsAndBiasesFromTheArray() throws {
        let spec = try FilterFileParser.parse(
            "input rgb\nconv weights=w_f4_fortran.npy bias=b.npy pad=1\n", fileName: "t.filter", directory: fixtures)
        guard case .conv(let conv) = spec.stages[0] else { Issue.record("not a conv"); return }
        #expect(conv.filters.map(\.name) == ["f0", "f1"])
        #expect(conv.filters.map(\.bias) == [0.5, -1.25])
        #expect(conv.padding == .explicit(1))
        for f in 0..<2 {
            #expect(conv.filters[f].channels.count == 3)
            for c in 0..<3 {
                let start = (f * 3 + c) * 6
                #expect(
                    conv.filters[f].channels[c]
                        == Matrix(rows: 2, columns: 3, values: fixtureValues[start..<start + 6].map { Float($0) }))
            }
        }
        #expect(spec.stageDetails[0].weights == WeightFileSource(reference: fixtures + "/w_f4_fortran.npy", shape: fixtureShape))
        // What check prints for the bank: the loaded array's file and shape.
        let summary = try PipelineSummary(spec: spec, width: 8, height: 8)
        #expect(summary.rows[0].parameters == "2 filters 2×3 pad=1 from w_f4_fortran.npy (2, 3, 2, 3)")
    }

    @Test func filtersSelectsARangeOfTheBankKeepingItsNamesAndWithoutBiasTheBiasesAreZero() throws {
        let spec = try FilterFileParser.parse(
            "input rgb\nconv weights=model.safetensors:conv.weight filters=1\n", fileName: "t.filter", directory: fixtures)
        guard case .conv(let conv) = spec.stages[0] else { Issue.record("not a conv"); return }
        #expect(conv.filters.map(\.name) == ["f1"] && conv.filters[0].bias == 0)
        #expect(conv.filters[0].channels[0].values == fixtureValues[18..<24].map { Float($0) })
    }

    @Test func thirtyFiltersAreNamedWithTwoDigits() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let spec = try FilterFileParser.parse(
            "input gray\nconv weights=samples/weights/simple_convnet/W1.npy\n", fileName: "t.filter", directory: root)
        guard case .conv(let conv) = spec.stages[0] else { Issue.record("not a conv"); return }
        #expect(conv.filters.map(\.name) == (0..<30).map { $0 < 10 ? "f0\($0)" : "f\($0)" })
    }
}

/// A `weights=` line and the one error line it must give, in a folder holding the fixtures and a
/// few broken files written here.
struct BrokenWeightLine: CustomTestStringConvertible, Sendable {
    let text: String
    /// With `D` for the folder.
    let error: String
    var testDescription: String { error }
}

private let brokenWeightLines: [BrokenWeightLine] = [
    .init(
        text: "input rgb\nconv weights=nope.npy\n",
        error: "t.filter:2:14: weights file D/nope.npy: cannot read: No such file or directory"),
    .init(
        text: "input rgb\nconv weights=magic.npy\n",
        error: "t.filter:2:14: weights file D/magic.npy: not a .npy file (it does not start with the .npy magic bytes)"),
    .init(
        text: "input rgb\nconv weights=version9.npy\n",
        error: "t.filter:2:14: weights file D/version9.npy: unsupported .npy format version 9.0 (expected 1.0, 2.0 or 3.0)"),
    .init(
        text: "input rgb\nconv weights=hugeheader.npy\n",
        error: "t.filter:2:14: weights file D/hugeheader.npy: its .npy header claims 4294967295 bytes (at most 1048576)"),
    .init(
        text: "input rgb\nconv weights=w_truncated.npy\n",
        error:
            "t.filter:2:14: weights file D/w_truncated.npy: truncated data: shape (2, 3, 2, 3) of <f8 needs 288 bytes, the file has 40"
    ),
    .init(
        text: "input rgb\nconv weights=w_i4.npy\n",
        error:
            "t.filter:2:14: weights file D/w_i4.npy: dtype '<i4' is not supported (expected <f8, <f4, <f2, >f8, >f4 or >f2: float64, float32, float16)"
    ),
    .init(
        text: "input rgb\nconv weights=w_3d.npy\n",
        error:
            "t.filter:2:14: weights file D/w_3d.npy has shape (3, 2, 3), expected (filters, channels, height, width) with every size ≥ 1"
    ),
    .init(
        text: "input gray\nconv pad=1 weights=w_f8.npy\n",
        error:
            "t.filter:2:20: layer 1 (conv): D/w_f8.npy has shape (2, 3, 2, 3), 3 input channels, but the input has 1 channel (input gray)"
    ),
    .init(
        text: "input rgb\nconv weights=w_f8.npy bias=b3.npy\n",
        error: "t.filter:2:28: bias file D/b3.npy has shape (3,), but D/w_f8.npy has 2 filters (expected (2,))"),
    .init(
        text: "input rgb\nconv weights=w_f8.npy bias=w_f8.npy\n",
        error: "t.filter:2:28: bias file D/w_f8.npy has shape (2, 3, 2, 3), but D/w_f8.npy has 2 filters (expected (2,))"),
    .init(
        text: "input rgb\nconv weights=model.safetensors:conv.wieght\n",
        error:
            "t.filter:2:14: weights file D/model.safetensors:conv.wieght: has no tensor 'conv.wieght' (it has brain.weight, conv.bias, conv.weight, double.weight, half.weight, int.weight)"
    ),
    .init(
        text: "input rgb\nconv weights=model.safetensors:int.weight\n",
        error:
            "t.filter:2:14: weights file D/model.safetensors:int.weight: tensor 'int.weight' has dtype I32 (expected F64, F32, F16 or BF16)"
    ),
    .init(
        text: "input rgb\nconv weights=bad_offsets.safetensors:conv.weight\n",
        error:
            "t.filter:2:14: weights file D/bad_offsets.safetensors:conv.weight: tensor 'conv.weight' has data_offsets [0, 736] outside its 728-byte data area"
    ),
    .init(
        text: "input rgb\nconv weights=huge_header.safetensors:x\n",
        error:
            "t.filter:2:14: weights file D/huge_header.safetensors:x: not a .safetensors file (its header length 1099511627776 is over the format's 100000000-byte limit)"
    ),
    .init(
        text: "input rgb\nconv weights=short.safetensors:x\n",
        error:
            "t.filter:2:14: weights file D/short.safetensors:x: truncated .safetensors header (claims 100 bytes, the file has 2 after the length)"
    ),
    .init(
        text: "input rgb\nconv weights=notjson.safetensors:x\n",
        error:
            "t.filter:2:14: weights file D/notjson.safetensors:x: not a .safetensors file (its header is not the format's JSON)"),
    .init(
        text: "input rgb\nconv weights=shortheader.npy\n",
        error:
            "t.filter:2:14: weights file D/shortheader.npy: truncated .npy header (claims 118 bytes, the file has 4 after the prefix)"
    ),
    .init(
        text: "input rgb\nconv weights=W1.txt\n",
        error: "t.filter:2:14: invalid weights file 'W1.txt' (expected FILE.npy or FILE.safetensors:TENSOR)"),
    .init(
        text: "input rgb\nconv weights=model.safetensors\n",
        error: "t.filter:2:14: invalid weights file 'model.safetensors' (expected FILE.npy or FILE.safetensors:TENSOR)"),
    .init(
        text: "input rgb\nconv weights=w_f8.npy filters=0..2\n",
        error:
            "t.filter:2:31: invalid value '0..2' for filters (expected A..B or N with 0 ≤ A ≤ B < 2, the bank's 2 filters)"),
    .init(
        text: "input rgb\nconv bias=b.npy\n filter a = box\n",
        error: "t.filter:2:11: 'bias=' needs weights= on the same conv line (a bank from a weight file)"),
    .init(
        text: "input rgb\nconv weights=w_f8.npy\n filter a = box\n",
        error: "t.filter:3:2: 'filter' in a bank from a weight file (the conv at line 2 takes its filters from weights=)"),
]

@Test("a broken weights= line gives one FILE:LINE:COLUMN error naming the weight file", arguments: brokenWeightLines)
func brokenWeightLinesNameTheFileAndTheReason(_ line: BrokenWeightLine) throws {
    let folder = TemporaryFolder()
    for name in try FileManager.default.contentsOfDirectory(atPath: fixtures) {
        try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: folder.path + "/" + name)
    }
    folder.write("magic.npy", Array("hello, not numpy".utf8))
    folder.write("version9.npy", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0])
    folder.write("hugeheader.npy", [0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF])
    folder.write("shortheader.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0] + Array("{'de".utf8))
    folder.write("short.safetensors", [100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8))
    folder.write("notjson.safetensors", [4, 0, 0, 0, 0, 0, 0, 0] + Array("[1,]".utf8))
    let expected = line.error.replacingOccurrences(of: "D/", with: folder.path + "/")
    #expect(throws: FilterPipeError.self) {
        try Pipeline(text: line.text, fileName: folder.path + "/t.filter")
    }
    do {
        _ = try Pipeline(text: line.text, fileName: folder.path + "/t.filter")
    } catch {
        #expect(error.description == folder.path + "/" + expected)
    }
}
