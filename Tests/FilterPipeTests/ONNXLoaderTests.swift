import Foundation
import SwiftProtobuf
import Testing

@testable import FilterPipe

/// The ONNX loader on small models built here: weights in every storage form, external data, and the
/// one-line errors.
@Suite struct ONNXLoaderTests {
    static func value(_ name: String, _ dims: [Int]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var type = Onnx_TypeProto.Tensor()
        type.elemType = 1
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { length in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(length)
            return dim
        }
        type.shape = shape
        info.type.tensorType = type
        return info
    }

    static func node(_ op: String, _ inputs: [String], _ output: String, name: String = "") -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.output = [output]
        node.name = name
        return node
    }

    /// A model `y = x + w` with `w` stored as `weights`, written to a fresh folder.
    static func write(_ graph: Onnx_GraphProto, in folder: TemporaryFolder) throws -> String {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        model.graph = graph
        let path = folder.path + "/model.onnx"
        let bytes: [UInt8] = try model.serializedBytes()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func addGraph(_ weights: Onnx_TensorProto, asConstant: Bool = false) -> Onnx_GraphProto {
        var graph = Onnx_GraphProto()
        graph.input = [value("x", [4])]
        graph.output = [value("y", [4])]
        if asConstant {
            var constant = node("Constant", [], "w")
            var attribute = Onnx_AttributeProto()
            attribute.name = "value"
            attribute.type = .tensor
            attribute.t = weights
            constant.attribute = [attribute]
            graph.node = [constant, node("Add", ["x", "w"], "y")]
        } else {
            graph.initializer = [weights]
            graph.node = [node("Add", ["x", "w"], "y")]
        }
        return graph
    }

    static func tensor(_ type: Onnx_TensorProto.DataType, _ fill: (inout Onnx_TensorProto) -> Void) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = "w"
        tensor.dims = [4]
        tensor.dataType = Int32(type.rawValue)
        fill(&tensor)
        return tensor
    }

    static func run(_ path: String) throws -> [Float] {
        let pipeline = try Pipeline(onnx: URL(fileURLWithPath: path))
        return try pipeline.runGraph([GraphTensor(dims: [4], values: [10, 20, 30, 40])])[0].values
    }

    /// Weights 1, −2, 0.5, 3 in each storage form; y = x + w.
    static let forms: [(String, Onnx_TensorProto, Bool)] = [
        ("float_data", tensor(.float) { $0.floatData = [1, -2, 0.5, 3] }, false),
        ("double_data", tensor(.double) { $0.doubleData = [1, -2, 0.5, 3] }, false),
        ("int64_data", tensor(.int64) { $0.int64Data = [1, -2, 0, 3] }, false),
        ("int32_data", tensor(.int32) { $0.int32Data = [1, -2, 0, 3] }, true),
        // float16 bits of 1, −2, 0.5, 3: 0x3c00, 0xc000, 0x3800, 0x4200.
        ("float16 int32_data", tensor(.float16) { $0.int32Data = [0x3c00, 0xc000, 0x3800, 0x4200] }, true),
        (
            "float16 raw_data",
            tensor(.float16) { $0.rawData = Data([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x42]) }, false
        ),
        (
            "float raw_data",
            tensor(.float) { t in
                t.rawData = Data([Float(1), -2, 0.5, 3].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
            }, true
        ),
    ]

    @Test("Weights load from every storage form, as initializers and as Constant nodes", arguments: 0..<7)
    func weightsLoadFromEveryStorageForm(_ index: Int) throws {
        let (form, weights, asConstant) = Self.forms[index]
        let folder = TemporaryFolder()
        let path = try Self.write(Self.addGraph(weights, asConstant: asConstant), in: folder)
        let expected: [Float] = form.hasPrefix("int") ? [11, 18, 30, 43] : [11, 18, 30.5, 43]
        #expect(try Self.run(path) == expected, "\(form)")
    }

    static func externalWeights(offset: Int, length: Int?, location: String = "weights.bin") -> Onnx_TensorProto {
        tensor(.float) { t in
            t.dataLocation = .external
            var entries: [(String, String)] = [("location", location), ("offset", "\(offset)")]
            if let length { entries.append(("length", "\(length)")) }
            t.externalData = entries.map { key, value in
                var entry = Onnx_StringStringEntryProto()
                entry.key = key
                entry.value = value
                return entry
            }
        }
    }

    @Test("External data is read at its offset and length, relative to the model")
    func externalDataIsReadAtItsOffset() throws {
        let folder = TemporaryFolder()
        let bytes = [Float(99), 1, -2, 0.5, 3].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder.path + "/weights.bin"))
        let path = try Self.write(Self.addGraph(Self.externalWeights(offset: 4, length: 16)), in: folder)
        #expect(try Self.run(path) == [11, 18, 30.5, 43])
    }

    @Test(
        "External data outside its file or the model's folder is refused with one line naming the model",
        arguments: [(8, 16, "weights.bin", "outside its 20 bytes"), (0, 16, "../weights.bin", "inside the model's folder")])
    func externalDataOutOfBoundsIsRefused(_ offset: Int, _ length: Int, _ location: String, _ reason: String) throws {
        let folder = TemporaryFolder()
        try Data(count: 20).write(to: URL(fileURLWithPath: folder.path + "/weights.bin"))
        let path = try Self.write(
            Self.addGraph(Self.externalWeights(offset: offset, length: length, location: location)), in: folder)
        do {
            _ = try Pipeline(onnx: URL(fileURLWithPath: path))
            Issue.record("loaded")
        } catch {
            #expect(error.description.hasPrefix(path + ": initializer 'w': external data"))
            #expect(error.description.contains(reason))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("A node outside the supported set stops the import with the node and how far it got")
    func unsupportedNodeStopsTheImport() throws {
        var graph = Onnx_GraphProto()
        graph.input = [Self.value("x", [2, 2])]
        graph.output = [Self.value("z", [2, 2])]
        graph.node = [Self.node("Relu", ["x"], "r", name: "first"), Self.node("MatMul", ["r", "r"], "z", name: "mm")]
        let folder = TemporaryFolder()
        let path = try Self.write(graph, in: folder)
        #expect(throws: FilterPipeError.self) { try Pipeline(onnx: URL(fileURLWithPath: path)) }
        do {
            _ = try Pipeline(onnx: URL(fileURLWithPath: path))
        } catch {
            #expect(
                error.description
                    == "\(path): node 'mm' (MatMul): the operator MatMul is not supported; the import stopped at node 2 of 2, the last tensor made 'r' (until=TENSOR runs the graph up to a tensor before it)"
            )
        }
        // until= stops before it: Relu alone.
        let pipeline = try Pipeline(onnx: URL(fileURLWithPath: path), until: "r")
        let out = try pipeline.runGraph([GraphTensor(dims: [2, 2], values: [-1, 2, -3, 4])])
        #expect(out[0].values == [0, 2, 0, 4])
    }

    @Test("Broadcast binary ops follow numpy's rule on N-D shapes")
    func broadcastFollowsNumpy() {
        let a = GraphTensor(dims: [2, 1, 3], values: [1, 2, 3, 4, 5, 6])
        let b = GraphTensor(dims: [2, 1], values: [10, 20])
        let sum = Elementwise.binary(.add, a, b)
        #expect(sum.dims == [2, 2, 3])
        // numpy: (a + b)[i, j, k] = a[i, 0, k] + b[j, 0].
        #expect(sum.values == [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
    }

    /// Pixel 0 is (0, 51, 153) and pixel 1 (255, 102, 204): planes r, g, b of 0…1 values.
    static let planes: [[Double]] = [[0, 1], [51.0 / 255, 102.0 / 255], [153.0 / 255, 204.0 / 255]]

    static func expected(scale: Double, mean: [Double], std: [Double], bgr: Bool) -> [Float] {
        var values: [Float] = []
        for c in 0..<3 {
            let plane = planes[bgr ? 2 - c : c]
            for pixel in plane { values.append(Float((pixel * scale - mean[c]) / std[c])) }
        }
        return values
    }

    static let inputCases: [(InputMode?, InputScaling, [Float])] = [
        (nil, InputScaling(), expected(scale: 1, mean: [0, 0, 0], std: [1, 1, 1], bgr: false)),
        (
            .rgb, InputScaling(mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 0.5]),
            expected(scale: 1, mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 0.5], bgr: false)
        ),
        (nil, InputScaling(scale: 255), expected(scale: 255, mean: [0, 0, 0], std: [1, 1, 1], bgr: false)),
        (.bgr, InputScaling(), expected(scale: 1, mean: [0, 0, 0], std: [1, 1, 1], bgr: true)),
        (
            .bgr, InputScaling(scale: 2, mean: [0.1, 0.2, 0.3], std: [1, 2, 4]),
            expected(scale: 2, mean: [0.1, 0.2, 0.3], std: [1, 2, 4], bgr: true)
        ),
    ]

    /// The input formula is the filter format's: `(pixel·scale − mean[c]) / std[c]`, pixels 0…1 as
    /// decoded, planes reversed by `bgr`; checked on an Identity model and a 2×1 RGB image.
    @Test(
        "A network's input is (pixel·scale − mean) / std on 0…1 pixels, as a filter file's input line",
        arguments: inputCases)
    func networkInputFollowsTheFilterFormatsFormula(mode: InputMode?, scaling: InputScaling, expected: [Float]) throws {
        let folder = TemporaryFolder()
        var graph = Onnx_GraphProto()
        graph.input = [Self.value("x", [1, 3, 1, 2])]
        graph.output = [Self.value("y", [1, 3, 1, 2])]
        graph.node = [Self.node("Identity", ["x"], "y")]
        let model = try Self.write(graph, in: folder)
        let image = folder.path + "/image.png"
        try ImageCodec.writePNG(
            PixelBuffer(width: 2, height: 1, channels: 3, samples: .uint8([0, 51, 153, 255, 102, 204])), to: image)
        let pipeline = try Pipeline(onnx: URL(fileURLWithPath: model), mode: mode, scaling: scaling)
        let got = try pipeline.run(imageAt: image).values
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) { #expect(abs(g - e) <= 1e-6 * max(1, abs(e)), "\(got) vs \(expected)") }
    }
}
