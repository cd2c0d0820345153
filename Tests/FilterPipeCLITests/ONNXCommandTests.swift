import Foundation
import SwiftProtobuf
import Testing

@testable import FilterPipe

/// `apply`, `check` and `show` on ONNX models built here, and a filter file's `onnx` stage: values
/// against a plain float64 forward pass of the model's weights, shapes and multiply-adds against the
/// conv formula, and the one-line errors.
@Suite struct ONNXCommandTests {
    // MARK: models

    static func value(_ name: String, _ dims: [Int?]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var type = Onnx_TypeProto.Tensor()
        type.elemType = 1
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { length in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let length { dim.dimValue = Int64(length) } else { dim.dimParam = "n" }
            return dim
        }
        type.shape = shape
        info.type.tensorType = type
        return info
    }

    static func node(_ op: String, _ inputs: [String], _ output: String, ints: [String: [Int]] = [:]) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.output = [output]
        node.name = output + "_node"
        node.attribute = ints.sorted { $0.key < $1.key }.map { name, values in
            var attribute = Onnx_AttributeProto()
            attribute.name = name
            attribute.type = .ints
            attribute.ints = values.map(Int64.init)
            return attribute
        }
        return node
    }

    static func weights(_ name: String, _ dims: [Int], _ values: [Float]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.dims = dims.map(Int64.init)
        tensor.floatData = values
        return tensor
    }

    static func makeFolder(for path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    }

    static func write(_ graph: Onnx_GraphProto, to path: String) throws {
        try makeFolder(for: path)
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        model.graph = graph
        let bytes: [UInt8] = try model.serializedBytes()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Conv 3→2 (3×3, pads 1, bias) → Relu, input 1×3×?×?: weights w[f][c][i][j] below.
    static let convWeights: [Float] = (0..<54).map { Float(($0 * 37) % 19) / 19 - 0.45 }
    static let convBias: [Float] = [0.1, -0.05]

    static func convReluModel(at path: String) throws {
        var graph = Onnx_GraphProto()
        graph.input = [value("x", [1, 3, nil, nil])]
        graph.output = [value("r", [1, 2, nil, nil])]
        graph.initializer = [weights("w", [2, 3, 3, 3], convWeights), weights("b", [2], convBias)]
        graph.node = [
            node("Conv", ["x", "w", "b"], "y", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]]),
            node("Relu", ["y"], "r"),
        ]
        try write(graph, to: path)
    }

    /// Conv 3→4 (3×3, stride 2, pads 1) → Relu → MaxPool 2×2 → Conv 4→2 (1×1).
    static func stridedModel(at path: String) throws {
        var graph = Onnx_GraphProto()
        graph.input = [value("x", [1, 3, nil, nil])]
        graph.output = [value("z", [1, 2, nil, nil])]
        graph.initializer = [
            weights("w1", [4, 3, 3, 3], (0..<108).map { Float($0 % 7) / 7 - 0.4 }),
            weights("w2", [2, 4, 1, 1], [1, -1, 0.5, 0.25, -0.5, 1, 1, -1]),
        ]
        graph.node = [
            node("Conv", ["x", "w1"], "c1", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]]),
            node("Relu", ["c1"], "r1"),
            node("MaxPool", ["r1"], "p1", ints: ["kernel_shape": [2, 2], "strides": [2, 2]]),
            node("Conv", ["p1", "w2"], "z", ints: ["kernel_shape": [1, 1]]),
        ]
        try write(graph, to: path)
    }

    /// A 6×5 RGB photo with varied values.
    static func photo(at path: String) throws -> PixelBuffer {
        let samples: [UInt8] = (0..<90).map { (i: Int) -> UInt8 in UInt8((i * 53 + 11) % 256) }
        let pixels = PixelBuffer(width: 6, height: 5, channels: 3, samples: .uint8(samples))
        try makeFolder(for: path)
        try ImageCodec.writePNG(pixels, to: path)
        return pixels
    }

    /// The conv-relu model's output by plain loops in float64, on x = (pixel·scale − mean) / std.
    static func reference(_ pixels: PixelBuffer, scale: Double = 1, mean: [Double] = [0, 0, 0], std: [Double] = [1, 1, 1])
        -> [[Double]]
    {
        guard case .uint8(let s) = pixels.samples else { return [] }
        let w = pixels.width, h = pixels.height
        func x(_ c: Int, _ y: Int, _ xx: Int) -> Double {
            guard y >= 0, y < h, xx >= 0, xx < w else { return 0 }
            return (Double(s[(y * w + xx) * 3 + c]) / 255 * scale - mean[c]) / std[c]
        }
        return (0..<2).map { f in
            var plane: [Double] = []
            for y in 0..<h {
                for xx in 0..<w {
                    var sum = Double(convBias[f])
                    for c in 0..<3 {
                        for i in 0..<3 {
                            for j in 0..<3 {
                                sum += Double(convWeights[((f * 3 + c) * 3 + i) * 3 + j]) * x(c, y + i - 1, xx + j - 1)
                            }
                        }
                    }
                    plane.append(max(sum, 0))
                }
            }
            return plane
        }
    }

    /// The float values a written map stands for, from its PNG's range metadata.
    static func recovered(_ path: String) throws -> (values: [Float], step: Float) {
        let bytes = try ImageCodec.readFile(path)
        let metadata = try #require(PNGHeader(bytes: bytes)?.mapMetadata)
        let image = try ImageCodec.decode(fileAt: path)
        guard case .uint8(let samples) = image.samples, image.channels == 1 else {
            Issue.record("\(path): not an 8-bit gray map")
            return ([], 0)
        }
        let step = (metadata.range.upperBound - metadata.range.lowerBound) / 255
        return (samples.map { metadata.value(ofSample: Int($0)) }, step)
    }

    // MARK: apply

    @Test func applyWritesEachOutputChannelAsAMapWhoseValuesMatchAFloat64ForwardPass() throws {
        let scratch = Scratch()
        try Self.convReluModel(at: scratch.file("m.onnx"))
        let pixels = try Self.photo(at: scratch.file("in/p.png"))
        let result = try CLI.run([
            "apply", scratch.file("m.onnx"), scratch.file("in"), scratch.file("out"), "--scale", "2", "--mean",
            "0.5,0.25,0", "--std", "1,2,0.5", "--normalize", "minmax",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scratch.files(under: "out") == ["p/00-c0.png", "p/01-c1.png"])
        let expected = Self.reference(pixels, scale: 2, mean: [0.5, 0.25, 0], std: [1, 2, 0.5])
        for f in 0..<2 {
            let (values, step) = try Self.recovered(scratch.file("out/p/0\(f)-c\(f).png"))
            #expect(values.count == 30)
            let worst = zip(values, expected[f]).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(worst <= Double(step) * 0.51 + 1e-5, "map \(f): worst \(worst), step \(step)")
        }
    }

    @Test func resizeBringsEveryPhotoToTheGivenSizeBeforeTheModel() throws {
        let scratch = Scratch()
        try Self.convReluModel(at: scratch.file("m.onnx"))
        _ = try Self.photo(at: scratch.file("in/p.png"))
        let result = try CLI.run(["apply", scratch.file("m.onnx"), scratch.file("in"), scratch.file("out"), "--resize", "8x4"])
        #expect(result.status == 0, "\(result.stderr)")
        let image = try ImageCodec.decode(fileAt: scratch.file("out/p/00-c0.png"))
        #expect(image.width == 8 && image.height == 4)
        let limited = try CLI.run([
            "apply", scratch.file("m.onnx"), scratch.file("in"), scratch.file("out2"), "--max-side", "3", "--multiple", "2",
        ])
        #expect(limited.status == 0, "\(limited.stderr)")
        // 6×5 → ratio 0.5 → ⌊3⌋×⌊2.5⌋ = 3×2 → round(1.5)·2 = 4 (half to even: 2·2), round(1)·2 = 2.
        let small = try ImageCodec.decode(fileAt: scratch.file("out2/p/00-c0.png"))
        #expect(small.width == 4 && small.height == 2)
    }

    @Test func stagesWriteEachNodesFirstChannelsInFoldersNamedByOpAndTensor() throws {
        let scratch = Scratch()
        try Self.stridedModel(at: scratch.file("m.onnx"))
        _ = try Self.photo(at: scratch.file("in/p.png"))
        let result = try CLI.run([
            "apply", scratch.file("m.onnx"), scratch.file("in"), scratch.file("out"), "--stages", "--stage-channels", "3",
            "--montage",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = scratch.files(under: "out/p")
        // 3 of each node's 4 channels; the final node's maps are the image's own. Which nodes are drawn
        // is planned before any image is read (at 640×640, where p1 is 4×160×160), so p1 is written
        // though it is one pixel here.
        #expect(
            files == [
                "00-c0.png", "01-c1.png", "montage.png", "node-001-Conv-c1/00-c0.png", "node-001-Conv-c1/01-c1.png",
                "node-001-Conv-c1/02-c2.png", "node-001-Conv-c1/montage.png", "node-002-Relu-r1/00-c0.png",
                "node-002-Relu-r1/01-c1.png", "node-002-Relu-r1/02-c2.png", "node-002-Relu-r1/montage.png",
                "node-003-MaxPool-p1/00-c0.png", "node-003-MaxPool-p1/01-c1.png", "node-003-MaxPool-p1/02-c2.png",
                "node-003-MaxPool-p1/montage.png",
            ], "\(files)")
        let only = try CLI.run([
            "apply", scratch.file("m.onnx"), scratch.file("in"), scratch.file("out2"), "--stages", "--stage-nodes", "relu",
        ])
        #expect(only.status == 0, "\(only.stderr)")
        #expect(
            scratch.files(under: "out2/p").filter { $0.hasPrefix("node-") }.map { $0.split(separator: "/")[0] }.allSatisfy {
                $0 == "node-002-Relu-r1"
            })
    }

    // MARK: check

    @Test func checkListsEveryNodeWithItsShapeAndTheConvFormulasMultiplyAdds() throws {
        let scratch = Scratch()
        try Self.stridedModel(at: scratch.file("m.onnx"))
        let result = try CLI.run(["check", scratch.file("m.onnx"), "--size", "10x8"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        func row(_ tensor: String) -> [Substring]? { lines.first { $0.count > 3 && $0[2] == tensor } }
        // conv: ⌊(8 + 2 − 3) / 2⌋ + 1 = 4 rows, ⌊(10 + 2 − 3) / 2⌋ + 1 = 5 columns; 4·4·5 outputs × 3·3·3 taps.
        let c1 = try #require(row("c1"))
        #expect(c1[1] == "Conv" && c1[3] == "1×4×4×5" && c1.last == "2,160" && c1[c1.count - 2] == "108")
        #expect(row("r1")?[3] == "1×4×4×5")
        #expect(row("p1")?[3] == "1×4×2×2")
        let z = try #require(row("z"))
        #expect(z[3] == "1×2×2×2" && z.last == "32")  // 2·2·2 outputs × 4 taps
        #expect(result.stdout.contains("total: 4 nodes, 116 weights, 2,192 multiply-adds"))
        #expect(result.stdout.contains("memory: about"))
    }

    @Test func checkOfASizeTheModelCannotTakeNamesTheNodeAndASizeThatFits() throws {
        let scratch = Scratch()
        // Add of x and its 2×-downsampled-then-upsampled copy: sides must be even.
        var graph = Onnx_GraphProto()
        graph.input = [Self.value("x", [1, 3, nil, nil])]
        graph.output = [Self.value("s", [1, 3, nil, nil])]
        var scales = Self.weights("scales", [4], [1, 1, 2, 2])
        scales.name = "scales"
        graph.initializer = [scales]
        graph.node = [
            Self.node("MaxPool", ["x"], "p", ints: ["kernel_shape": [2, 2], "strides": [2, 2]]),
            Self.node("Resize", ["p", "", "scales"], "u"),
            Self.node("Add", ["x", "u"], "s"),
        ]
        try Self.write(graph, to: scratch.file("m.onnx"))
        let result = try CLI.run(["check", scratch.file("m.onnx"), "--size", "7x5"])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix(scratch.file("m.onnx") + ": node 's_node' (Add) → s"), "\(result.stderr)")
        #expect(result.stderr.contains("8×6 fits (sides multiples of 2)"), "\(result.stderr)")
    }

    // MARK: errors

    @Test(arguments: [
        (["--mean", "0.5,0.5"], "mean has 2 values but input rgb has 3 channels"),
        (["--until", "nope"], "until=nope: no node writes a tensor of that name"),
    ])
    func badModelOptionsFailWithOneLineNamingTheModel(arguments: [String], reason: String) throws {
        let scratch = Scratch()
        try Self.convReluModel(at: scratch.file("m.onnx"))
        _ = try Self.photo(at: scratch.file("in/p.png"))
        let result = try CLI.run(["apply", scratch.file("m.onnx"), scratch.file("in"), scratch.file("out")] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix(scratch.file("m.onnx") + ": ") && result.stderr.contains(reason), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
    }

    @Test func aBrokenModelFileFailsWithOneLineNamingIt() throws {
        let scratch = Scratch()
        _ = scratch.write("m.onnx", "\u{8}\u{1}not a protobuf at all \u{ff}")
        for command in [["check", scratch.file("m.onnx")], ["show", scratch.file("m.onnx"), scratch.file("f.png")]] {
            let result = try CLI.run(command)
            #expect(result.status == 2)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix(scratch.file("m.onnx") + ": "), "\(result.stderr)")
        }
    }

    @Test func modelOptionsOnAFilterFileAreAUsageError() throws {
        let result = try CLI.run(["check", CLI.samples + "/filters/edge.filter", "--mean", "0.5"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--mean applies to ONNX models"), "\(result.stderr)")
    }

    // MARK: show

    @Test func showDrawsTheFirstConvsFiltersOneTilePerInputChannel() throws {
        let scratch = Scratch()
        try Self.convReluModel(at: scratch.file("m.onnx"))
        let result = try CLI.run(["show", scratch.file("m.onnx"), scratch.file("f.png"), "--cell", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        // The picture is FilterDrawing's of the same bank: 2 filters of 3 channels' 3×3 matrices.
        let bank = ConvSpec(
            filters: (0..<2).map { f in
                FilterSpec(
                    name: "f\(f)",
                    channels: (0..<3).map { c in
                        Matrix(rows: 3, columns: 3, values: Array(Self.convWeights[(f * 3 + c) * 9..<(f * 3 + c + 1) * 9]))
                    })
            })
        let expected = FilterDrawing.draw(spec: PipelineSpec(stages: [.conv(bank)]), cellSize: 4)
        let drawn = try ImageCodec.decode(fileAt: scratch.file("f.png"))
        #expect(drawn.width == expected.width && drawn.height == expected.height && drawn.samples == expected.samples)
    }

    // MARK: the filter file's onnx stage

    @Test func anOnnxStageWithUntilRunsTheModelAsTheLibraryDoes() throws {
        let scratch = Scratch()
        try Self.stridedModel(at: scratch.file("models/m.onnx"))
        let pixels = try Self.photo(at: scratch.file("in/p.png"))
        let filter = scratch.write(
            "f/net.filter", "input bgr scale=2 mean=0.5,0.25,0 std=1,2,0.5\nonnx ../models/m.onnx until=r1\noutput maps\n")
        let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--format", "npy"])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try NPYReader.read(contentsOf: scratch.file("out/p.npy"))
        let library = try Pipeline(
            onnx: URL(fileURLWithPath: scratch.file("models/m.onnx")), until: "r1", mode: .bgr,
            scaling: InputScaling(scale: 2, mean: [0.5, 0.25, 0], std: [1, 2, 0.5]))
        let expected = try library.run(library.inputTensor(pixels))
        #expect(written.shape == [4, 3, 3])
        #expect(written.values == expected.values.map(Double.init))
    }

    @Test(arguments: [
        ("onnx missing.onnx\n", "net.filter:1:6: missing.onnx: cannot read"),
        ("onnx m.onnx until=nope\n", "net.filter:1:19: m.onnx: until=nope"),
        ("input rgb mean=0.5,0.5\nonnx m.onnx\n", "net.filter:1:16: m.onnx: mean has 2 values"),
        ("onnx m.onnx\nrelu\n", "net.filter:2:1: 'relu' after the onnx stage"),
    ])
    func anOnnxStagesErrorsAreLocatedInTheFilterFile(text: String, message: String) throws {
        let scratch = Scratch()
        try Self.convReluModel(at: scratch.file("m.onnx"))
        let filter = scratch.write("net.filter", text)
        let result = try CLI.run(["check", filter])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix(scratch.path + "/" + message), "\(result.stderr)")
    }
}

/// PaddleOCR's PP-OCRv4 text detector from `../shared/models` (skipped without it).
@Suite struct PaddleOCRDetectorCLITests {
    static let model = CLI.root + "/../shared/models/ppocr/ch_PP-OCRv4_det_infer.onnx"
    static let isAvailable = FileManager.default.fileExists(atPath: model)
    static let normalisation = ["--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225"]

    @Test(.enabled(if: isAvailable))
    func applyWritesOneProbabilityMapPerPhotoWhoseValuesAreTheLibrarysTensor() throws {
        let scratch = Scratch()
        scratch.copy(CLI.root + "/docs/images/coffee-text.png", to: "in/coffee-text.png")
        scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
        let result = try CLI.run(
            [
                "apply", Self.model, scratch.file("in"), scratch.file("out"), "--until", "sigmoid_0.tmp_0", "--max-side", "320",
                "--multiple", "32",
            ] + Self.normalisation)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scratch.files(under: "out") == ["chelsea/00-sigmoid_0.tmp_0.png", "coffee-text/00-sigmoid_0.tmp_0.png"])
        let pipeline = try Pipeline(
            onnx: URL(fileURLWithPath: Self.model), until: "sigmoid_0.tmp_0",
            scaling: InputScaling(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]))
        let resize = InputResize.limit(maxSide: 320, multiple: 32)
        for stem in ["chelsea", "coffee-text"] {
            let pixels = try ImageCodec.decode(fileAt: scratch.file("in/\(stem).png"))
            let expected = try pipeline.run(resize.apply(to: pipeline.inputTensor(pixels)))
            let (values, step) = try ONNXCommandTests.recovered(scratch.file("out/\(stem)/00-sigmoid_0.tmp_0.png"))
            let size = resize.size(width: pixels.width, height: pixels.height)
            #expect(expected.shape == Shape(channels: 1, height: size.height, width: size.width))
            #expect(values.count == expected.values.count)
            // Percentile clipping: values beyond the clip range are drawn at its ends.
            let range = try #require(
                PNGHeader(bytes: ImageCodec.readFile(scratch.file("out/\(stem)/00-sigmoid_0.tmp_0.png")))?.mapMetadata?.range)
            let worst =
                zip(values, expected.values).map { abs($0 - min(max($1, range.lowerBound), range.upperBound)) }.max() ?? .infinity
            #expect(worst <= step * 0.51 + 1e-5, "\(stem): worst \(worst), step \(step)")
        }
    }

    @Test(.enabled(if: isAvailable))
    func aPhotoWhoseSidesAreNotMultiplesOf32FailsNamingTheNodeAndASizeThatFits() throws {
        let scratch = Scratch()
        scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
        let result = try CLI.run(["apply", Self.model, scratch.file("in"), scratch.file("out")])
        #expect(result.status == 1)
        // chelsea is 451×300: the first Add of an upsampled map and a finer one cannot broadcast.
        #expect(
            result.stderr.contains("(Add)")
                && result.stderr.contains("for a 451×300 input; 480×320 fits (sides multiples of 32)"), "\(result.stderr)")
    }

    @Test(.enabled(if: isAvailable))
    func checkListsEveryNodeOfTheDetectorWithItsTotal() throws {
        let result = try CLI.run(["check", Self.model, "--size", "320x224"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(Self.model + ": input 320x224"))
        // 330 network nodes up to the Sigmoid (the graph's output), each on a line of its own.
        let rows = result.stdout.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).first?.isNumber == true }
        #expect(rows.count == 331)  // the input row and 330 nodes
        #expect(
            rows.last?.contains("Sigmoid") == true && rows.last?.contains("sigmoid_0.tmp_0") == true
                && rows.last?.contains("1×1×224×320") == true)
        // onnx's shape inference and the conv formulas (scripts/onnx-macs.py MODEL 320x224): 330 nodes,
        // 402,930,944 multiply-adds.
        #expect(result.stdout.contains("total: 330 nodes, 1,171,841 weights, 402,930,944 multiply-adds"))
    }
}
