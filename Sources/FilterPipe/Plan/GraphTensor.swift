// The values a network graph passes between its nodes: N-dimensional (an image is N×C×H×W with
// N = 1, a conformance case may be 3×4×5 or a scalar), row-major like ONNX. Every element is held
// as a Float: integer and boolean tensors of the graphs filterpipe runs are shapes, indices, masks and
// small constants, exact in a Float up to 2²⁴; `elementType` keeps what the model declared.

/// What a graph tensor's values stand for.
public enum GraphElementType: String, Sendable, Equatable {
    case float, int64, bool

    /// The value as this type stores it: integers truncated toward zero, booleans 0 or 1.
    func convert(_ value: Float) -> Float {
        switch self {
        case .float: value
        case .int64: value.rounded(.towardZero)
        case .bool: value != 0 ? 1 : 0
        }
    }
}

/// A dense N-dimensional tensor, row-major (the last axis contiguous), as a network graph's values.
public struct GraphTensor: Sendable, Equatable {
    /// One length per axis (empty: a scalar).
    public let dims: [Int]
    public var values: [Float]
    public var elementType: GraphElementType

    /// A tensor of `dims` over `values` (row-major); `values.count` must be the product of `dims`.
    public init(dims: [Int], values: [Float], elementType: GraphElementType = .float) {
        precondition(
            values.count == dims.reduce(1, *), "tensor of \(dims) needs \(dims.reduce(1, *)) values, got \(values.count)")
        self.dims = dims
        self.values = values
        self.elementType = elementType
    }

    /// A scalar.
    public init(scalar: Float, elementType: GraphElementType = .float) {
        self.init(dims: [], values: [scalar], elementType: elementType)
    }

    /// The image tensor `tensor` as 1×C×H×W.
    public init(_ tensor: Tensor) {
        self.init(dims: [1, tensor.channels, tensor.height, tensor.width], values: tensor.values)
    }

    public var count: Int { values.count }

    /// `3×4×5`, `scalar`.
    public var shapeText: String { GraphTensor.describe(dims) }

    static func describe(_ dims: [Int]) -> String {
        dims.isEmpty ? "scalar" : dims.map(String.init).joined(separator: "×")
    }
}

extension Shape {
    /// The CHW shape a graph value is drawn and budgeted as: N×C×H×W with N = 1 as C×H×W; any other
    /// rank as (product of the leading axes)×(second-last)×(last), a vector as 1×1×n.
    public init(graphDims dims: [Int]) {
        switch dims.count {
        case 0: self.init(channels: 1, height: 1, width: 1)
        case 1: self.init(channels: 1, height: 1, width: dims[0])
        case 2: self.init(channels: 1, height: dims[0], width: dims[1])
        default:
            self.init(
                channels: dims.dropLast(2).reduce(1, *), height: dims[dims.count - 2], width: dims[dims.count - 1])
        }
    }
}

extension Tensor {
    /// The graph value `value` as a CHW tensor (`Shape(graphDims:)`), for writing maps.
    public init(_ value: GraphTensor) {
        self.init(shape: Shape(graphDims: value.dims), values: value.values)
    }
}
