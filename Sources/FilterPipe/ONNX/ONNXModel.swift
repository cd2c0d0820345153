// An ONNX model file → a NetworkDescription → a validated PipelinePlan. Weights come from the
// graph's initializers and from Constant nodes (PaddleOCR's models have only Constants), stored as
// raw_data or in the typed fields, in the file or in external data files beside it. Every error is one
// line: `MODEL: node 'NAME' (OP) → TENSOR: reason`.

import SwiftProtobuf

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Loads ONNX models.
public enum ONNXModel {
    /// The graph of the model at `path`, as far as the node writing `until` (nil: the whole graph);
    /// nodes nothing needed reads are left out. Throws naming the file, the node and the reason; a
    /// node outside the supported operators stops the import with a message saying how far it got.
    public static func load(path: String, until: String? = nil) throws(PipelineError) -> NetworkDescription {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PipelineError("cannot read the model: \(describeFileError(error))", file: path)
        }
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw PipelineError("not an ONNX model (the protobuf does not parse: \(error))", file: path)
        }
        let opset = Int(model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 1)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try GraphImport(path: path, folder: folder, opset: opset, until: until).run(model.graph)
    }

    /// The validated plan of the model at `path` (`load`, then `PipelinePlan(network:input:)`).
    public static func plan(path: String, until: String? = nil, input: InputMode = .rgb) throws(PipelineError)
        -> PipelinePlan
    {
        try PipelinePlan(network: load(path: path, until: until), input: input)
    }

    /// The graph tensor a serialized TensorProto holds (an ONNX test case's `input_0.pb`); external
    /// data is read relative to `folder`.
    public static func tensor(serialized data: Data, file: String, folder: URL? = nil) throws(PipelineError) -> GraphTensor {
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: data)
        } catch {
            throw PipelineError("not a serialized ONNX tensor (\(error))", file: file)
        }
        do throws(ShapeProblem) {
            return try TensorDecoding.decode(proto, folder: folder ?? URL(fileURLWithPath: file).deletingLastPathComponent())
        } catch {
            throw PipelineError("tensor '\(proto.name)': \(error.reason)", file: file)
        }
    }
}

/// One import of a graph: node by node into a description.
private struct GraphImport {
    let path: String
    let folder: URL
    let opset: Int
    let until: String?

    func run(_ graph: Onnx_GraphProto) throws(PipelineError) -> NetworkDescription {
        var constants: [(name: String, value: GraphTensor)] = []
        for initializer in graph.initializer {
            do throws(ShapeProblem) {
                constants.append((initializer.name, try TensorDecoding.decode(initializer, folder: folder)))
            } catch {
                throw PipelineError("initializer '\(initializer.name)': \(error.reason)", file: path)
            }
        }
        let initializerNames = Set(constants.map(\.name))
        let inputs = graph.input.filter { !initializerNames.contains($0.name) }.map { value in
            NetworkDescription.Input(
                name: value.name,
                dims: value.type.tensorType.shape.dim.map { dim -> Int? in
                    if case .dimValue(let v)? = dim.value, v > 0 { return Int(v) }
                    return nil
                })
        }
        var nodes: [NetworkDescription.Node] = []
        var reached = false
        for (index, proto) in graph.node.enumerated() {
            let node = NodeImport(proto: proto, opset: opset, folder: folder)
            let describe = "node \(proto.name.isEmpty ? "" : "'\(proto.name)' ")(\(proto.opType))"
            do throws(ShapeProblem) {
                switch try node.translate() {
                case .constant(let value):
                    constants.append((proto.output[0], value))
                case .nodes(let translated):
                    nodes.append(contentsOf: translated)
                }
            } catch {
                if error.reason.hasSuffix(NodeImport.unsupported) {
                    let last = nodes.last.map { ", the last tensor made '\($0.output)'" } ?? ""
                    throw PipelineError(
                        "\(describe): \(error.reason); the import stopped at node \(index + 1) of \(graph.node.count)"
                            + "\(last) (until=TENSOR runs the graph up to a tensor before it)",
                        file: path)
                }
                throw PipelineError("\(describe): \(error.reason)", file: path)
            }
            if let until, proto.output.contains(until) {
                reached = true
                break
            }
        }
        if let until, !reached {
            throw PipelineError(
                "until=\(until): no node writes a tensor of that name (its first outputs: \(nodes.prefix(3).map(\.output).joined(separator: ", ")), …)",
                file: path)
        }
        let outputs = until.map { [$0] } ?? graph.output.map(\.name)
        return NetworkDescription(
            file: path, inputs: inputs, constants: constants, nodes: Self.needed(nodes, for: outputs), outputs: outputs)
    }

    /// The nodes the outputs depend on, in order.
    static func needed(_ nodes: [NetworkDescription.Node], for outputs: [String]) -> [NetworkDescription.Node] {
        var wanted = Set(outputs)
        var keep = [Bool](repeating: false, count: nodes.count)
        for index in nodes.indices.reversed() where wanted.contains(nodes[index].output) {
            keep[index] = true
            wanted.formUnion(nodes[index].inputs)
        }
        return nodes.indices.filter { keep[$0] }.map { nodes[$0] }
    }
}

/// One ONNX node → plan nodes (one per output used) or a constant.
struct NodeImport {
    static let unsupported = "is not supported"

    enum Result {
        case constant(GraphTensor)
        case nodes([NetworkDescription.Node])
    }

    let proto: Onnx_NodeProto
    let opset: Int
    let folder: URL

    private var attributes: [String: Onnx_AttributeProto] {
        Dictionary(proto.attribute.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func int(_ name: String, _ fallback: Int) -> Int { attributes[name].map { Int($0.i) } ?? fallback }
    private func float(_ name: String, _ fallback: Float) -> Float { attributes[name]?.f ?? fallback }
    private func string(_ name: String, _ fallback: String) -> String {
        attributes[name].map { String(decoding: $0.s, as: UTF8.self) } ?? fallback
    }
    private func ints(_ name: String) -> [Int]? { attributes[name].map { $0.ints.map { Int($0) } } }

    /// Present inputs: ONNX marks an absent optional input with an empty name.
    private func input(_ index: Int) -> String? {
        index < proto.input.count && !proto.input[index].isEmpty ? proto.input[index] : nil
    }

    private func one(_ operation: NetworkOperation, inputs: [String]? = nil) -> Result {
        .nodes([
            NetworkDescription.Node(
                name: proto.name, operation: operation, inputs: inputs ?? proto.input.filter { !$0.isEmpty },
                output: proto.output[0])
        ])
    }

    private func window(kernel: [Int]) throws(ShapeProblem) -> WindowAttributes {
        let autoPad = string("auto_pad", "NOTSET")
        guard let mode = AutoPad(rawValue: autoPad) else { throw ShapeProblem("auto_pad '\(autoPad)' is not an ONNX value") }
        return WindowAttributes(
            kernel: kernel, strides: ints("strides") ?? [], dilations: ints("dilations") ?? [], pads: ints("pads") ?? [],
            autoPad: mode)
    }

    func translate() throws(ShapeProblem) -> Result {
        guard proto.domain.isEmpty || proto.domain == "ai.onnx" else {
            throw ShapeProblem("the operator domain '\(proto.domain)' \(Self.unsupported)")
        }
        guard !proto.output.isEmpty, !proto.output[0].isEmpty else { throw ShapeProblem("the node has no output") }
        if proto.output.count > 1, proto.output.dropFirst().contains(where: { !$0.isEmpty }),
            !["BatchNormalization", "Dropout"].contains(proto.opType)
        {
            throw ShapeProblem("a second output (\(proto.output[1])) \(Self.unsupported)")
        }
        switch proto.opType {
        case "Constant":
            return .constant(try constantValue())
        case "Conv":
            return one(
                .conv(
                    NetworkConv(
                        window: try window(kernel: ints("kernel_shape") ?? []), group: int("group", 1), hasBias: input(2) != nil))
            )
        case "ConvTranspose":
            guard attributes["output_shape"] == nil else { throw ShapeProblem("the output_shape attribute \(Self.unsupported)") }
            return one(
                .convTranspose(
                    NetworkConvTranspose(
                        window: try window(kernel: ints("kernel_shape") ?? []), group: int("group", 1), hasBias: input(2) != nil,
                        outputPadding: ints("output_padding") ?? [])))
        case "BatchNormalization":
            let training = int("training_mode", 0) != 0
            let epsilon = float("epsilon", 1e-5), momentum = float("momentum", 0.9)
            let outputs = training ? proto.output.prefix(3) : proto.output.prefix(1)
            return .nodes(
                outputs.enumerated().filter { !$0.element.isEmpty }.map { index, name in
                    NetworkDescription.Node(
                        name: proto.name,
                        operation: .batchNormalization(epsilon: epsilon, momentum: momentum, training: training, output: index),
                        inputs: Array(proto.input.prefix(5)), output: name)
                })
        case "MaxPool", "AveragePool":
            guard int("storage_order", 0) == 0 else { throw ShapeProblem("storage_order=1 \(Self.unsupported)") }
            guard let kernel = ints("kernel_shape") else { throw ShapeProblem("kernel_shape is required") }
            return one(
                .pool(
                    NetworkPool(
                        kind: proto.opType == "MaxPool" ? .max : .average, window: try window(kernel: kernel),
                        ceilMode: int("ceil_mode", 0) != 0, countIncludePad: int("count_include_pad", 0) != 0)))
        case "GlobalAveragePool": return one(.globalPool(.average))
        case "GlobalMaxPool": return one(.globalPool(.max))
        case "Identity", "Dropout": return one(.unary(.identity), inputs: [proto.input[0]])
        case "Relu": return one(.unary(.relu))
        case "Sigmoid": return one(.unary(.sigmoid))
        case "Tanh": return one(.unary(.tanh))
        case "Exp": return one(.unary(.exp))
        case "Abs": return one(.unary(.abs))
        case "Neg": return one(.unary(.neg))
        case "Sqrt": return one(.unary(.sqrt))
        case "Reciprocal": return one(.unary(.reciprocal))
        case "LeakyRelu": return one(.unary(.leakyRelu(alpha: float("alpha", 0.01))))
        case "Elu": return one(.unary(.elu(alpha: float("alpha", 1))))
        case "HardSigmoid": return one(.unary(.hardSigmoid(alpha: float("alpha", 0.2), beta: float("beta", 0.5))))
        case "HardSwish": return one(.unary(.hardSwish))
        case "Clip":
            if opset < 11 {
                return one(.unary(.clip(min: attributes["min"]?.f, max: attributes["max"]?.f)))
            }
            return one(.clip(hasMin: input(1) != nil, hasMax: input(2) != nil))
        case "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Less", "Greater", "Equal", "Max", "Min":
            return one(.binary(BinaryFunction(rawValue: proto.opType)!))
        case "Sum": return one(.binary(.add))
        case "Where": return one(.select)
        case "Cast":
            let to = int("to", 1)
            let type: GraphElementType
            switch to {
            case 1, 10, 11, 16: type = .float
            case 2, 3, 4, 5, 6, 7, 12, 13: type = .int64
            case 9: type = .bool
            default: throw ShapeProblem("Cast to data type \(to) \(Self.unsupported)")
            }
            return one(.cast(to: type))
        case "CastLike": return one(.castLike)
        case "Reshape": return one(.reshape(allowZero: int("allowzero", 0) != 0))
        case "Flatten": return one(.flatten(axis: int("axis", 1)))
        case "Unsqueeze": return one(.unsqueeze(axes: opset < 13 ? ints("axes") ?? [] : nil))
        case "Squeeze": return one(.squeeze(axes: opset < 13 ? ints("axes") : nil))
        case "Concat": return one(.concat(axis: int("axis", 0)))
        case "Shape": return one(.shape)
        case "Resize", "Upsample":
            let mode = string("mode", "nearest")
            guard let resizeMode = NetworkResize.Mode(rawValue: mode) else {
                throw ShapeProblem("mode '\(mode)' \(Self.unsupported)")
            }
            let transformation = string("coordinate_transformation_mode", opset < 11 ? "asymmetric" : "half_pixel")
            guard ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"].contains(transformation) else {
                throw ShapeProblem("coordinate_transformation_mode '\(transformation)' \(Self.unsupported)")
            }
            let attributes = NetworkResize(
                mode: resizeMode, coordinateTransformation: transformation,
                nearestMode: string("nearest_mode", opset < 11 ? "floor" : "round_prefer_floor"))
            // opset 10 and Upsample: X, scales. 11+: X, roi, scales, sizes.
            let scales = opset < 11 || proto.opType == "Upsample" ? input(1) : input(2)
            let sizes = opset < 11 ? nil : input(3)
            return one(
                .resize(attributes, hasScales: scales != nil && sizes == nil, hasSizes: sizes != nil),
                inputs: [proto.input[0]] + (sizes == nil ? [scales].compactMap { $0 } : [sizes!]))
        default:
            throw ShapeProblem("the operator \(proto.opType) \(Self.unsupported)")
        }
    }

    /// A Constant node's value, from whichever of its value attributes it has.
    private func constantValue() throws(ShapeProblem) -> GraphTensor {
        guard let attribute = proto.attribute.first else { throw ShapeProblem("the Constant has no value") }
        switch attribute.name {
        case "value": return try TensorDecoding.decode(attribute.t, folder: folder)
        case "value_float": return GraphTensor(scalar: attribute.f)
        case "value_floats": return GraphTensor(dims: [attribute.floats.count], values: attribute.floats)
        case "value_int": return GraphTensor(scalar: Float(attribute.i), elementType: .int64)
        case "value_ints":
            return GraphTensor(dims: [attribute.ints.count], values: attribute.ints.map(Float.init), elementType: .int64)
        default: throw ShapeProblem("a Constant's \(attribute.name) \(NodeImport.unsupported)")
        }
    }
}

/// TensorProto → GraphTensor: raw little-endian bytes or the typed fields, in the file or external.
enum TensorDecoding {
    static func decode(_ proto: Onnx_TensorProto, folder: URL) throws(ShapeProblem) -> GraphTensor {
        let dims = proto.dims.map { Int($0) }
        guard dims.allSatisfy({ $0 >= 0 }), let count = CheckedSize.product(dims) else {
            throw ShapeProblem("bad dims \(proto.dims)")
        }
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)) else {
            throw ShapeProblem("unknown data type \(proto.dataType)")
        }
        let elementType: GraphElementType
        switch type {
        case .float, .double, .float16, .bfloat16: elementType = .float
        case .bool: elementType = .bool
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: elementType = .int64
        default: throw ShapeProblem("data type \(type) \(NodeImport.unsupported)")
        }
        var raw: Data?
        if proto.dataLocation == .external {
            raw = try external(proto, folder: folder)
        } else if proto.hasRawData {
            raw = proto.rawData
        }
        let values: [Float]
        if let raw {
            values = try fromBytes(raw, type: type, count: count)
        } else {
            switch type {
            case .float: values = proto.floatData
            case .double: values = proto.doubleData.map { Float($0) }
            case .int64: values = proto.int64Data.map { Float($0) }
            case .uint32, .uint64: values = proto.uint64Data.map { Float($0) }
            case .float16: values = proto.int32Data.map { Half.float(UInt16(truncatingIfNeeded: $0)) }
            case .bfloat16: values = proto.int32Data.map { Float(bitPattern: UInt32(UInt16(truncatingIfNeeded: $0)) << 16) }
            default: values = proto.int32Data.map { Float($0) }
            }
        }
        guard values.count == count else {
            throw ShapeProblem("\(GraphTensor.describe(dims)) needs \(count) values, the tensor holds \(values.count)")
        }
        return GraphTensor(
            dims: dims, values: elementType == .bool ? values.map { $0 != 0 ? 1 : 0 } : values, elementType: elementType)
    }

    /// The bytes of an external tensor: `location` relative to the model's folder (never outside it),
    /// `offset` and `length` checked against the file's size.
    static func external(_ proto: Onnx_TensorProto, folder: URL) throws(ShapeProblem) -> Data {
        let entries = Dictionary(proto.externalData.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard let location = entries["location"], !location.isEmpty else {
            throw ShapeProblem("external data without a location")
        }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw ShapeProblem("external data '\(location)' must be a path inside the model's folder")
        }
        let offset = Int(entries["offset"] ?? "0"), length = entries["length"].map { Int($0) }
        guard let offset, offset >= 0, length.map({ $0 != nil && $0! >= 0 }) ?? true else {
            throw ShapeProblem("external data '\(location)': bad offset or length")
        }
        let file = folder.appendingPathComponent(location)
        let data: Data
        do {
            data = try Data(contentsOf: file, options: .alwaysMapped)
        } catch {
            throw ShapeProblem("external data '\(location)': \(describeFileError(error))")
        }
        let end = length.map { offset + $0! } ?? data.count
        guard offset <= data.count, end <= data.count, end >= offset else {
            throw ShapeProblem(
                "external data '\(location)': bytes \(offset)..<\(end) are outside its \(data.count) bytes")
        }
        return data.subdata(in: offset..<end)
    }

    /// Little-endian values of `type` from `data`.
    static func fromBytes(_ data: Data, type: Onnx_TensorProto.DataType, count: Int) throws(ShapeProblem) -> [Float] {
        let size: Int
        switch type {
        case .float, .int32, .uint32: size = 4
        case .double, .int64, .uint64: size = 8
        case .float16, .bfloat16, .int16, .uint16: size = 2
        default: size = 1
        }
        guard data.count == count * size else {
            throw ShapeProblem("raw_data has \(data.count) bytes, \(count) values of \(type) need \(count * size)")
        }
        return data.withUnsafeBytes { bytes in
            (0..<count).map { i -> Float in
                let at = i * size
                switch type {
                case .float:
                    return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                case .double:
                    return Float(
                        Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))))
                case .int64: return Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                case .uint64: return Float(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                case .int32: return Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                case .uint32: return Float(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                case .int16: return Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int16.self)))
                case .uint16: return Float(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                case .float16: return Half.float(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                case .bfloat16:
                    return Float(
                        bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self))) << 16)
                case .int8: return Float(Int8(bitPattern: bytes[at]))
                default: return Float(bytes[at])
                }
            }
        }
    }
}

/// IEEE 754 half precision → Float (bit by bit: Float16 is not available on every platform).
enum Half {
    static func float(_ bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1f), mantissa = UInt32(bits & 0x3ff)
        switch exponent {
        case 0:
            // Subnormal: mantissa · 2⁻²⁴.
            let value = Float(mantissa) * (1.0 / 16_777_216.0)
            return sign == 0 ? value : -value
        case 31:
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
