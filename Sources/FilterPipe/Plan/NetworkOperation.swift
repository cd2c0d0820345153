// The operations of a network graph (the ONNX front end's nodes), with their attributes resolved
// to values, and the shape rule of each: output dims from input dims, or the reason they do not fit.
// Spatial axes follow ONNX (N×C×H×W…, pads as [begin…, end…]):
//   conv/pool output  ⌊(L + p_begin + p_end − (D·(K − 1) + 1)) / S⌋ + 1   (pool: ⌈⌉ with ceil_mode,
//                     less one when the last window would start in the end padding)
//   SAME_UPPER/LOWER  output ⌈L / S⌉, total padding max(0, (out − 1)·S + D·(K − 1) + 1 − L), the odd
//                     pixel at the end (UPPER) or the beginning (LOWER)
//   conv transpose    S·(L − 1) + output_padding + D·(K − 1) + 1 − p_begin − p_end
//   broadcasting      numpy's: axes aligned at the end, a length-1 axis stretched

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a conv or pool chooses its padding.
public enum AutoPad: String, Sendable, Equatable {
    case notSet = "NOTSET"
    case sameUpper = "SAME_UPPER"
    case sameLower = "SAME_LOWER"
    case valid = "VALID"
}

/// The sliding-window attributes a conv or pool shares, per spatial axis.
public struct WindowAttributes: Sendable, Equatable {
    /// Window length per axis (a conv's from its weights: empty here until known).
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    /// `[begin_0, begin_1, …, end_0, end_1, …]` (ignored unless `autoPad` is `.notSet`).
    public var pads: [Int]
    public var autoPad: AutoPad

    public init(kernel: [Int], strides: [Int], dilations: [Int], pads: [Int], autoPad: AutoPad) {
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.autoPad = autoPad
    }

    /// Defaults for `n` spatial axes where the model left an attribute out: strides and dilations 1,
    /// pads 0.
    public func filled(rank n: Int) -> WindowAttributes {
        var result = self
        if strides.isEmpty { result.strides = [Int](repeating: 1, count: n) }
        if dilations.isEmpty { result.dilations = [Int](repeating: 1, count: n) }
        if pads.isEmpty { result.pads = [Int](repeating: 0, count: 2 * n) }
        return result
    }

    /// Per axis: the padding before and after and the output length for input lengths `lengths`
    /// (`ceilMode`: pools only), or nil when some output would be empty.
    public func resolve(_ lengths: [Int], ceilMode: Bool = false) -> [(begin: Int, end: Int, output: Int)]? {
        var result: [(begin: Int, end: Int, output: Int)] = []
        for axis in lengths.indices {
            let length = lengths[axis], k = kernel[axis], s = strides[axis], d = dilations[axis]
            let window = d * (k - 1) + 1
            switch autoPad {
            case .sameUpper, .sameLower:
                let output = (length + s - 1) / s
                let total = max(0, (output - 1) * s + window - length)
                let begin = autoPad == .sameUpper ? total / 2 : total - total / 2
                result.append((begin, total - begin, output))
            case .valid, .notSet:
                let begin = autoPad == .valid ? 0 : pads[axis]
                let end = autoPad == .valid ? 0 : pads[axis + lengths.count]
                let span = length + begin + end - window
                guard span >= 0 else { return nil }
                var output = (ceilMode ? (span + s - 1) / s : span / s) + 1
                // A window that would start past the input and its begin padding is dropped.
                if ceilMode && (output - 1) * s >= length + begin { output -= 1 }
                result.append((begin, end, output))
            }
        }
        return result.allSatisfy({ $0.output >= 1 }) ? result : nil
    }
}

/// A convolution's attributes (weights arrive as its second input, the bias as its third).
public struct NetworkConv: Sendable, Equatable {
    public var window: WindowAttributes
    public var group: Int
    public var hasBias: Bool
    /// An activation applied to the output, when a loader fuses the one that follows.
    public var activation: UnaryFunction?

    public init(window: WindowAttributes, group: Int, hasBias: Bool, activation: UnaryFunction? = nil) {
        self.window = window
        self.group = group
        self.hasBias = hasBias
        self.activation = activation
    }
}

/// A transposed convolution's attributes.
public struct NetworkConvTranspose: Sendable, Equatable {
    public var window: WindowAttributes
    public var group: Int
    public var hasBias: Bool
    public var outputPadding: [Int]

    public init(window: WindowAttributes, group: Int, hasBias: Bool, outputPadding: [Int]) {
        self.window = window
        self.group = group
        self.hasBias = hasBias
        self.outputPadding = outputPadding
    }
}

/// MaxPool / AveragePool attributes (ONNX semantics).
public struct NetworkPool: Sendable, Equatable {
    public var kind: PoolKind
    public var window: WindowAttributes
    public var ceilMode: Bool
    /// Average pooling divides by the whole window, padding included.
    public var countIncludePad: Bool

    public init(kind: PoolKind, window: WindowAttributes, ceilMode: Bool, countIncludePad: Bool) {
        self.kind = kind
        self.window = window
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }
}

/// Resize attributes (the scales or sizes arrive as inputs).
public struct NetworkResize: Sendable, Equatable {
    public enum Mode: String, Sendable { case nearest, linear }
    public var mode: Mode
    /// `half_pixel`, `asymmetric`, `align_corners`, `pytorch_half_pixel`.
    public var coordinateTransformation: String
    /// `round_prefer_floor`, `round_prefer_ceil`, `floor`, `ceil`.
    public var nearestMode: String

    public init(mode: Mode, coordinateTransformation: String, nearestMode: String) {
        self.mode = mode
        self.coordinateTransformation = coordinateTransformation
        self.nearestMode = nearestMode
    }
}

/// A function of one value.
public enum UnaryFunction: Sendable, Equatable {
    case identity, relu, sigmoid, tanh, exp, abs, neg, sqrt, reciprocal
    case leakyRelu(alpha: Float)
    case elu(alpha: Float)
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    /// Clip with constant bounds (either may be absent).
    case clip(min: Float?, max: Float?)

    public var name: String {
        switch self {
        case .identity: "Identity"
        case .relu: "Relu"
        case .sigmoid: "Sigmoid"
        case .tanh: "Tanh"
        case .exp: "Exp"
        case .abs: "Abs"
        case .neg: "Neg"
        case .sqrt: "Sqrt"
        case .reciprocal: "Reciprocal"
        case .leakyRelu: "LeakyRelu"
        case .elu: "Elu"
        case .hardSigmoid: "HardSigmoid"
        case .hardSwish: "HardSwish"
        case .clip: "Clip"
        }
    }

    /// The function at `x` (float32 arithmetic, as onnxruntime's reference loops).
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .identity: return x
        case .relu: return Swift.max(x, 0)
        case .sigmoid: return 1 / (1 + expf(-x))
        case .tanh: return tanhf(x)
        case .exp: return expf(x)
        case .abs: return Swift.abs(x)
        case .neg: return -x
        case .sqrt: return sqrtf(x)
        case .reciprocal: return 1 / x
        case .leakyRelu(let alpha): return x < 0 ? alpha * x : x
        case .elu(let alpha): return x < 0 ? alpha * (expf(x) - 1) : x
        case .hardSigmoid(let alpha, let beta): return Swift.max(0, Swift.min(1, alpha * x + beta))
        case .hardSwish: return x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
        case .clip(let low, let high):
            var y = x
            if let low, y < low { y = low }
            if let high, y > high { y = high }
            return y
        }
    }
}

/// A function of two broadcast values.
public enum BinaryFunction: String, Sendable, Equatable {
    case add = "Add", sub = "Sub", mul = "Mul", div = "Div", pow = "Pow"
    case max = "Max", min = "Min"
    /// x < 0 ? slope · x : x.
    case prelu = "PRelu"
    case less = "Less", greater = "Greater", equal = "Equal"

    @inline(__always)
    public func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: a + b
        case .sub: a - b
        case .mul: a * b
        case .div: a / b
        case .pow: powf(a, b)
        case .max: Swift.max(a, b)
        case .min: Swift.min(a, b)
        case .prelu: a < 0 ? b * a : a
        case .less: a < b ? 1 : 0
        case .greater: a > b ? 1 : 0
        case .equal: a == b ? 1 : 0
        }
    }

    /// Comparisons give booleans; the rest keep their inputs' type.
    var isComparison: Bool { self == .less || self == .greater || self == .equal }
}

/// What a node of a network graph computes. Inputs are the node's, in ONNX order, absent optional
/// inputs left out (the operation says which it has).
public enum NetworkOperation: Sendable, Equatable {
    /// X, W[, B].
    case conv(NetworkConv)
    /// X, W[, B].
    case convTranspose(NetworkConvTranspose)
    /// X, scale, B, mean, var. In training mode output 0 normalises by the batch's own statistics and
    /// outputs 1 and 2 are the running mean and variance updated with `momentum`; `output` says which.
    case batchNormalization(epsilon: Float, momentum: Float, training: Bool, output: Int)
    case pool(NetworkPool)
    case globalPool(PoolKind)
    case unary(UnaryFunction)
    /// X[, min][, max]: Clip's bounds given as inputs (opset ≥ 11).
    case clip(hasMin: Bool, hasMax: Bool)
    /// Two or more inputs folded left to right (Max and Min are variadic).
    case binary(BinaryFunction)
    /// condition, X, Y.
    case select
    case cast(to: GraphElementType)
    /// X, like: X converted to the type of `like`.
    case castLike
    /// X, shape.
    case reshape(allowZero: Bool)
    case flatten(axis: Int)
    /// X[, axes]: `axes` from the attribute (opset < 13) or else the second input.
    case unsqueeze(axes: [Int]?)
    case squeeze(axes: [Int]?)
    case concat(axis: Int)
    /// X[, scales][, sizes] (roi left out: only `tf_crop_and_resize` reads it, which is not supported).
    case resize(NetworkResize, hasScales: Bool, hasSizes: Bool)
    /// The input's dims as an int64 vector.
    case shape

    /// The ONNX operator name.
    public var opType: String {
        switch self {
        case .conv: "Conv"
        case .convTranspose: "ConvTranspose"
        case .batchNormalization: "BatchNormalization"
        case .pool(let pool): pool.kind == .max ? "MaxPool" : "AveragePool"
        case .globalPool(let kind): kind == .max ? "GlobalMaxPool" : "GlobalAveragePool"
        case .unary(let function): function.name
        case .clip: "Clip"
        case .binary(let function): function.rawValue
        case .select: "Where"
        case .cast: "Cast"
        case .castLike: "CastLike"
        case .reshape: "Reshape"
        case .flatten: "Flatten"
        case .unsqueeze: "Unsqueeze"
        case .squeeze: "Squeeze"
        case .concat: "Concat"
        case .resize: "Resize"
        case .shape: "Shape"
        }
    }
}

/// Broadcasting of N-D shapes.
enum Broadcast {
    /// numpy's broadcast of `a` and `b`, or nil when an axis differs and neither is 1.
    static func dims(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            result[i] = x == 1 ? y : x
        }
        return result
    }
}
