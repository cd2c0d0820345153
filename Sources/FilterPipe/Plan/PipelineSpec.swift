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
    /// 3 channels in the order blue, green, red (networks trained on OpenCV's decoding).
    case bgr

    public var channels: Int {
        switch self {
        case .rgb, .bgr: 3
        case .gray: 1
        case .rgba: 4
        }
    }
}

/// What the `input` line's `scale`, `mean` and `std` do to each decoded value, channel c:
/// `value = (pixel · scale − mean[c]) / std[c]`, pixel being the decoder's 0...1
/// (sample / (2^bits − 1)). Without them every value is the pixel itself.
public struct InputScaling: Sendable, Equatable {
    public var scale: Float
    /// One per input channel, or empty for 0.
    public var mean: [Float]
    /// One per input channel, or empty for 1.
    public var std: [Float]

    public init(scale: Float = 1, mean: [Float] = [], std: [Float] = []) {
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// True when values are the pixels unchanged.
    public var isIdentity: Bool {
        scale == 1 && mean.allSatisfy { $0 == 0 } && std.allSatisfy { $0 == 1 }
    }

    /// The non-default options as written on an `input` line: `scale=0.5 mean=0.485,0.456,0.406`.
    public var compactParameters: String {
        var parts: [String] = []
        if scale != 1 { parts.append("scale=\(scale)") }
        if !mean.allSatisfy({ $0 == 0 }) { parts.append("mean=" + mean.map { "\($0)" }.joined(separator: ",")) }
        if !std.allSatisfy({ $0 == 1 }) { parts.append("std=" + std.map { "\($0)" }.joined(separator: ",")) }
        return parts.joined(separator: " ")
    }

    /// `value = pixel · factor[c] + offset[c]`: the same formula as one multiply-add per value.
    func affine(channel: Int) -> (factor: Float, offset: Float) {
        let m = channel < mean.count ? mean[channel] : 0
        let s = channel < std.count ? std[channel] : 1
        return (scale / s, -m / s)
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
        /// The default for maps and montages: percentile clipping. An unsigned map (one the
        /// pipeline cannot make negative) is stretched from its (100 − P)th to its Pth percentile,
        /// a signed one over −m..m with m the Pth percentile of |v| (zero in the middle);
        /// P = `percentile`, 99.5 unless given.
        case percentile
        /// Each map stretched to its own min..max.
        case minmax
        /// One min..max across all maps of the image.
        case global
        /// −m..m with m = max |v|: zero in the middle.
        case symmetric
        /// Values clamped to 0..1.
        case clamp
        /// A fixed range for every map: `range` (LO..HI).
        case range
    }

    public enum Colormap: String, Sendable, CaseIterable {
        case gray, viridis, magma, diverging
    }

    /// The default of `percentile`.
    public static let defaultPercentile: Float = 99.5

    public var kind: Kind = .maps
    /// `nil`: the kind's default (`percentile` for maps and montages, `clamp` for images).
    public var normalization: Normalization? = nil
    /// `nil`: `diverging` for maps drawn symmetric about zero, else `gray` (`MapScaling.colormap(symmetric:)`).
    public var colormap: Colormap? = nil
    /// P of `normalize=percentile` (50 < P ≤ 100); nil: 99.5.
    public var percentile: Float? = nil
    /// LO..HI of `normalize=range`.
    public var range: ClosedRange<Float>? = nil

    public init(
        kind: Kind = .maps, normalization: Normalization? = nil, colormap: Colormap? = nil,
        percentile: Float? = nil, range: ClosedRange<Float>? = nil
    ) {
        self.kind = kind
        self.normalization = normalization
        self.colormap = colormap
        self.percentile = percentile
        self.range = range
    }

    public var effectiveNormalization: Normalization {
        normalization ?? (range != nil ? .range : kind == .image ? .clamp : .percentile)
    }

    /// The colour map of maps drawn without a symmetric range (the one check prints):
    /// the given one, else `diverging` under `symmetric`, else `gray`.
    public var effectiveColormap: Colormap {
        colormap ?? (effectiveNormalization == .symmetric ? .diverging : .gray)
    }

    /// How maps are scaled, as `normalize=… [percentile=P] [range=LO..HI]` would be written.
    public var scalingDescription: String {
        switch effectiveNormalization {
        case .percentile: "normalize=percentile percentile=\(percentile ?? Self.defaultPercentile)"
        case .range:
            "normalize=range range=\(range.map { "\($0.lowerBound)..\($0.upperBound)" } ?? "?")"
        default: "normalize=\(effectiveNormalization.rawValue)"
        }
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

/// Where the parts of one line were written, so that a rule the plan checks can point at the token
/// that breaks it (the `pad` value, the second filter, the weight file) rather than at the keyword.
public struct SourceDetails: Sendable, Equatable {
    /// By option name: the value token of `NAME=VALUE` (`pad`, `stride`, `weights`, `mean`), the
    /// key token of a flag (`depthwise`).
    public var options: [String: SourceLocation]
    /// A conv bank's `filter` lines, parallel to its filters (empty for a bank from a weight file).
    public var filters: [SourceLocation]
    /// The filters (by index) written as `channel` sections: one matrix per input channel even when
    /// there is one section, which a single broadcast matrix would otherwise look like.
    public var sectionedFilters: Set<Int>
    /// The weight file a conv bank was loaded from.
    public var weights: WeightFileSource?

    public init(
        options: [String: SourceLocation] = [:], filters: [SourceLocation] = [], sectionedFilters: Set<Int> = [],
        weights: WeightFileSource? = nil
    ) {
        self.options = options
        self.filters = filters
        self.sectionedFilters = sectionedFilters
        self.weights = weights
    }
}

/// A conv bank's weight file as written in the filter file, and the array it held.
public struct WeightFileSource: Sendable, Equatable {
    /// The file as written after `weights=` (`W1.npy`, `model.safetensors:conv1.weight`).
    public var reference: String
    /// The array's shape, (F, C, KH, KW).
    public var shape: [Int]

    public init(reference: String, shape: [Int]) {
        self.reference = reference
        self.shape = shape
    }
}

/// A filter file's `onnx FILE [until=TENSOR]` stage: an ONNX model run on the input.
public struct NetworkReference: Sendable, Equatable {
    /// The model as written after `onnx`.
    public var reference: String
    /// Where it is read from: `reference` relative to the filter file's folder.
    public var path: String
    public var until: String?
    /// Where the stage, the file and `until`'s value were written.
    public var location: SourceLocation
    public var fileLocation: SourceLocation
    public var untilLocation: SourceLocation?
    /// Whether the filter file has an `input` line (else the model's declared channels choose the mode).
    public var inputGiven: Bool

    public init(
        reference: String, path: String, until: String? = nil, location: SourceLocation, fileLocation: SourceLocation,
        untilLocation: SourceLocation? = nil, inputGiven: Bool = false
    ) {
        self.reference = reference
        self.path = path
        self.until = until
        self.location = location
        self.fileLocation = fileLocation
        self.untilLocation = untilLocation
        self.inputGiven = inputGiven
    }
}

/// A whole filter file: input mode, stages in order, output settings.
public struct PipelineSpec: Sendable, Equatable {
    /// The `onnx` stage, when the file runs a model (it is then the only stage).
    public var network: NetworkReference? = nil
    public var input: InputMode
    public var stages: [StageSpec]
    public var output: OutputSpec
    /// Where each stage was declared, parallel to `stages` (empty for specs built in code).
    public var stageLocations: [SourceLocation]
    /// Where each stage's options and filters were written, parallel to `stages` (empty for specs
    /// built in code).
    public var stageDetails: [SourceDetails]
    /// Where the `output` line named its kind, if it did.
    public var outputKindLocation: SourceLocation?
    /// The `input` line's `scale`, `mean` and `std`.
    public var inputScaling: InputScaling
    /// Where the `input` line's options were written.
    public var inputDetails: SourceDetails

    public init(
        input: InputMode = .rgb, stages: [StageSpec] = [], output: OutputSpec = OutputSpec(),
        stageLocations: [SourceLocation] = [], stageDetails: [SourceDetails] = [],
        outputKindLocation: SourceLocation? = nil, inputScaling: InputScaling = InputScaling(),
        inputDetails: SourceDetails = SourceDetails()
    ) {
        self.inputScaling = inputScaling
        self.inputDetails = inputDetails
        self.input = input
        self.stages = stages
        self.output = output
        self.stageLocations = stageLocations
        self.stageDetails = stageDetails
        self.outputKindLocation = outputKindLocation
    }
}
