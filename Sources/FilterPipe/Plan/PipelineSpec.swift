// The pipeline description: what a `.filter` file says, as plain values.
// The parser (FilterFileParser.swift) builds it; Pipeline.swift turns it into stages.

/// How decoded pixels become the input tensor.
public enum InputMode: String, Sendable, CaseIterable {
    /// 3 channels; alpha dropped, gray replicated.
    case rgb
    /// 1 channel: 0.299 R + 0.587 G + 0.114 B.
    case gray
    /// 4 channels; opaque images get alpha 1.
    case rgba

    public var channels: Int {
        switch self {
        case .rgb: 3
        case .gray: 1
        case .rgba: 4
        }
    }
}

/// A 2-D matrix of weights, row-major.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix \(rows)×\(columns) needs \(rows * columns) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Float { values[row * columns + column] }
}

/// One filter of a bank: a name, a bias and its weights.
public struct FilterSpec: Sendable, Equatable {
    public var name: String
    public var bias: Float
    /// One matrix applied to every input channel (summed), or one matrix per input channel.
    public var channels: [Matrix]
    /// True when a single matrix is broadcast to every input channel.
    public var isBroadcast: Bool { channels.count == 1 }

    public init(name: String, bias: Float = 0, channels: [Matrix]) {
        self.name = name
        self.bias = bias
        self.channels = channels
    }

    public var kernelHeight: Int { channels[0].rows }
    public var kernelWidth: Int { channels[0].columns }
}

/// How a convolution reads outside the image.
public enum PadMode: String, Sendable, CaseIterable {
    case zero, replicate, reflect, circular
}

/// Padding of a convolution: a fixed number of pixels on every side, or `same` (output keeps the input size).
public enum Padding: Sendable, Equatable {
    case explicit(Int)
    /// Stride 1 only: total padding D·(K−1) per axis, the odd extra pixel at the bottom/right.
    case same
}

/// A bank of filters and how they slide over the input.
public struct ConvSpec: Sendable, Equatable {
    public var filters: [FilterSpec]
    public var stride: Int = 1
    public var padding: Padding = .explicit(0)
    public var padMode: PadMode = .zero
    public var dilation: Int = 1
    /// Each filter runs on each input channel separately; output map index c·F + f.
    public var depthwise: Bool = false
    /// ONNX `group`: the input channels and the filters split into `group` equal parts, filter f
    /// reading only part ⌊f / (F / group)⌋ (each filter then has C / group matrices). 1: every
    /// filter reads every channel.
    public var group: Int = 1
    /// Asymmetric explicit padding (ONNX `pads`); when set it replaces `padding`.
    public var pads: ConvPads? = nil

    public init(
        filters: [FilterSpec], stride: Int = 1, padding: Padding = .explicit(0),
        padMode: PadMode = .zero, dilation: Int = 1, depthwise: Bool = false, group: Int = 1,
        pads: ConvPads? = nil
    ) {
        self.filters = filters
        self.stride = stride
        self.padding = padding
        self.padMode = padMode
        self.dilation = dilation
        self.depthwise = depthwise
        self.group = group
        self.pads = pads
    }
}

/// Zero padding per side of a 2-D window (ONNX `pads` = [top, left, bottom, right]).
public struct ConvPads: Sendable, Equatable {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// `[top, left, bottom, right]`, ONNX's order for two spatial axes.
    public init(onnx pads: [Int]) {
        precondition(pads.count == 4, "2-D pads are [top, left, bottom, right]")
        self.init(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3])
    }

    public static let zero = ConvPads(top: 0, left: 0, bottom: 0, right: 0)
}

public enum PoolKind: String, Sendable {
    case max = "maxpool"
    case average = "avgpool"
}

/// Max or average pooling (PyTorch semantics: padding ≤ size/2, max ignores padding,
/// average counts only pixels inside the image, floor unless `ceilMode`).
public struct PoolSpec: Sendable, Equatable {
    public var kind: PoolKind
    public var size: Int
    public var stride: Int
    public var pad: Int = 0
    public var ceilMode: Bool = false

    public init(kind: PoolKind, size: Int, stride: Int? = nil, pad: Int = 0, ceilMode: Bool = false) {
        self.kind = kind
        self.size = size
        self.stride = stride ?? size
        self.pad = pad
        self.ceilMode = ceilMode
    }
}

/// An element-wise activation.
public enum Activation: Sendable, Equatable {
    case relu
    case abs
    case leakyReLU(slope: Float)
    case sigmoid
    case tanh
    /// min(max(v, low), high) (ONNX Clip; an absent bound is ∓infinity).
    case clip(min: Float, max: Float)
    /// max(0, min(1, alpha·v + beta)) (ONNX HardSigmoid: alpha 0.2, beta 0.5 by default).
    case hardSigmoid(alpha: Float, beta: Float)
    /// v · max(0, min(1, v/6 + 1/2)).
    case hardSwish
    /// v < 0 ? alpha·(e^v − 1) : v.
    case elu(alpha: Float)

    public var name: String {
        switch self {
        case .relu: "relu"
        case .abs: "abs"
        case .leakyReLU: "leaky_relu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .clip: "clip"
        case .hardSigmoid: "hard_sigmoid"
        case .hardSwish: "hard_swish"
        case .elu: "elu"
        }
    }
}

/// One stage of the pipeline, in file order.
public enum StageSpec: Sendable, Equatable {
    case conv(ConvSpec)
    case activation(Activation)
    case pool(PoolSpec)
}

/// What the written outputs look like (the `output` line; flags on `apply` override it).
public struct OutputSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// One PNG per final map.
        case maps
        /// The final maps composed into one image (1: gray, 3: RGB, 4: RGBA).
        case image
        /// One PNG per input: the photo and all its maps in a labelled grid.
        case montage
    }

    public enum Normalization: String, Sendable, CaseIterable {
        /// Each map stretched to its own min..max.
        case minmax
        /// One min..max across all maps of the image.
        case global
        /// −m..m with m = max |v|: zero in the middle.
        case symmetric
        /// Values clamped to 0..1.
        case clamp
    }

    public enum Colormap: String, Sendable, CaseIterable {
        case gray, viridis, magma, diverging
    }

    public var kind: Kind = .maps
    /// `nil`: the kind's default (`minmax` for maps and montages, `clamp` for images).
    public var normalization: Normalization? = nil
    /// `nil`: `diverging` for `symmetric`, else `gray`.
    public var colormap: Colormap? = nil

    public init(kind: Kind = .maps, normalization: Normalization? = nil, colormap: Colormap? = nil) {
        self.kind = kind
        self.normalization = normalization
        self.colormap = colormap
    }

    public var effectiveNormalization: Normalization {
        normalization ?? (kind == .image ? .clamp : .minmax)
    }

    public var effectiveColormap: Colormap {
        colormap ?? (effectiveNormalization == .symmetric ? .diverging : .gray)
    }
}

/// Where in a filter file something was written (1-based), for error messages.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A whole filter file: input mode, stages in order, output settings.
public struct PipelineSpec: Sendable, Equatable {
    public var input: InputMode
    public var stages: [StageSpec]
    public var output: OutputSpec
    /// Where each stage was declared, parallel to `stages` (empty for specs built in code).
    public var stageLocations: [SourceLocation]

    public init(
        input: InputMode = .rgb, stages: [StageSpec] = [], output: OutputSpec = OutputSpec(),
        stageLocations: [SourceLocation] = []
    ) {
        self.input = input
        self.stages = stages
        self.output = output
        self.stageLocations = stageLocations
    }
}
