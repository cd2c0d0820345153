// ONNX Conv on one CHW image (the caller loops over the batch):
//   out[f, y, x] = B[f] + Σ_{c < C/g} Σ_i Σ_j W[f, c, i, j] · in[g·C/g + c, y·S_h + i·D_h − P_top, x·S_w + j·D_w − P_left]
// with g = ⌊f / (F/group)⌋ and zeros outside the image. Equal strides and dilations on both axes
// (every conv the PaddleOCR models hold) run on the tiled engine (Conv2D, fused activations as
// FusedConvStage); unequal ones run a direct loop with the same formula.

/// Why an operator cannot run on the tensors and attributes it was given.
public struct OperatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How a conv or pool chooses its padding (ONNX `auto_pad`).
public enum WindowPadding: Sendable, Equatable {
    /// ONNX `NOTSET`: these pads.
    case explicit(ConvPads)
    /// Output ⌈L / S⌉, total padding max(0, (out − 1)·S + D·(K − 1) + 1 − L); the odd pixel at the end.
    case sameUpper
    /// As `sameUpper`, the odd pixel at the beginning.
    case sameLower
    /// No padding.
    case valid

    /// The pads for a window of `kernel` (height, width) with `strides` and `dilations` over an
    /// input of `height` × `width` (the helper that turns auto_pad into pads).
    public func resolve(
        height: Int, width: Int, kernel: (height: Int, width: Int), strides: (Int, Int) = (1, 1),
        dilations: (Int, Int) = (1, 1)
    ) -> ConvPads {
        switch self {
        case .explicit(let pads): return pads
        case .valid: return .zero
        case .sameUpper, .sameLower:
            func axis(_ length: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
                let output = (length + s - 1) / s
                let total = max(0, (output - 1) * s + d * (k - 1) + 1 - length)
                let small = total / 2
                return self == .sameUpper ? (small, total - small) : (total - small, small)
            }
            let rows = axis(height, kernel.height, strides.0, dilations.0)
            let columns = axis(width, kernel.width, strides.1, dilations.1)
            return ConvPads(top: rows.0, left: columns.0, bottom: rows.1, right: columns.1)
        }
    }
}

/// An ONNX Conv (any `group`, per-axis strides and dilations, asymmetric pads, bias) with the
/// element-wise activations that follow it fused, planned once and run on many images.
public struct ConvolutionOperator: Sendable {
    /// (F, C/group, KH, KW), row-major, as ONNX stores W.
    public let weights: [Float]
    public let bias: [Float]
    public let filterCount: Int
    public let inputChannels: Int
    public let group: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    /// (rows, columns).
    public let strides: (Int, Int)
    public let dilations: (Int, Int)
    public let pads: ConvPads
    public let activations: [Activation]
    private let engine: FusedConvStage?

    /// Plans a conv of `weights` shaped `weightShape` = [F, C/group, KH, KW] over `inputChannels`
    /// channels. `pads` must already be resolved (`WindowPadding.resolve` for auto_pad).
    public init(
        weights: [Float], weightShape: [Int], bias: [Float]? = nil, inputChannels: Int, group: Int = 1,
        strides: (Int, Int) = (1, 1), dilations: (Int, Int) = (1, 1), pads: ConvPads = .zero,
        activations: [Activation] = [], kernels: KernelSet = .active
    ) throws(OperatorError) {
        guard weightShape.count == 4, weightShape.allSatisfy({ $0 > 0 }) else {
            throw OperatorError("Conv weights must be 4-D (F, C/group, KH, KW) with no empty axis, got \(weightShape)")
        }
        let f = weightShape[0], perGroup = weightShape[1], kh = weightShape[2], kw = weightShape[3]
        guard weights.count == f * perGroup * kh * kw else {
            throw OperatorError(
                "Conv weights of shape \(weightShape) need \(f * perGroup * kh * kw) values, got \(weights.count)")
        }
        guard group >= 1, inputChannels % group == 0, f % group == 0, inputChannels / group == perGroup else {
            throw OperatorError(
                "Conv group=\(group) does not fit \(inputChannels) input channels and weights \(weightShape) (C/group must be \(weightShape[1]) and F divisible by group)"
            )
        }
        if let bias, bias.count != f { throw OperatorError("Conv bias has \(bias.count) values for \(f) filters") }
        guard strides.0 >= 1, strides.1 >= 1, dilations.0 >= 1, dilations.1 >= 1 else {
            throw OperatorError("Conv strides and dilations must be at least 1, got \(strides) and \(dilations)")
        }
        guard min(pads.top, pads.left, pads.bottom, pads.right) >= 0 else {
            throw OperatorError("Conv pads must not be negative, got \(pads)")
        }
        self.weights = weights
        let biases = bias ?? [Float](repeating: 0, count: f)
        self.bias = biases
        filterCount = f
        self.inputChannels = inputChannels
        self.group = group
        kernelHeight = kh
        kernelWidth = kw
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.activations = activations
        if strides.0 == strides.1 && dilations.0 == dilations.1 {
            let taps = kh * kw
            let filters = (0..<f).map { filter in
                FilterSpec(
                    name: "f\(filter)", bias: biases[filter],
                    channels: (0..<perGroup).map { c in
                        let start = (filter * perGroup + c) * taps
                        return Matrix(rows: kh, columns: kw, values: Array(weights[start..<start + taps]))
                    })
            }
            let spec = ConvSpec(
                filters: filters, stride: strides.0, dilation: dilations.0, group: group, pads: pads)
            engine = FusedConvStage(
                conv: Conv2D(spec: spec, inputChannels: inputChannels, kernels: kernels),
                activations: activations.map(ActivationStage.init), pool: nil)
        } else {
            engine = nil
        }
    }

    /// The output shape for `input`, or nil when the window does not fit (or the channels differ).
    public func outputShape(for input: Shape) -> Shape? {
        guard input.channels == inputChannels else { return nil }
        let rows = ConvGeometry(
            kernel: kernelHeight, stride: strides.0, dilation: dilations.0, padBefore: pads.top, padAfter: pads.bottom)
        let columns = ConvGeometry(
            kernel: kernelWidth, stride: strides.1, dilation: dilations.1, padBefore: pads.left, padAfter: pads.right)
        let h = rows.outputLength(input: input.height), w = columns.outputLength(input: input.width)
        guard h > 0, w > 0 else { return nil }
        return Shape(channels: filterCount, height: h, width: w)
    }

    /// Runs the conv (and its activations) on one CHW image.
    public func run(_ input: Tensor, executor: Executor = Executor()) throws(OperatorError) -> Tensor {
        guard let shape = outputShape(for: input.shape) else {
            throw OperatorError(
                "Conv with \(kernelHeight)×\(kernelWidth) weights over \(inputChannels) channels cannot run on \(input.shape)")
        }
        if let engine { return engine.run(input, outputShape: shape, executor: executor) }
        return direct(input, shape: shape, executor: executor)
    }

    /// The formula in the file comment, one output map per task (unequal strides or dilations).
    private func direct(_ input: Tensor, shape: Shape, executor: Executor) -> Tensor {
        let perGroup = inputChannels / group, filtersPerGroup = filterCount / group
        let activationStages = activations.map(ActivationStage.init)
        return executor.fillTiles(shape: shape, channelBlock: 1, rowBand: shape.height) { channels, _, output in
            input.values.withUnsafeBufferPointer { source in
                for f in channels {
                    let plane = output + f * shape.planeCount
                    plane.initialize(repeating: 0, count: shape.planeCount)
                    let g = f / filtersPerGroup
                    for c in 0..<perGroup {
                        let channel = source.baseAddress! + (g * perGroup + c) * input.shape.planeCount
                        for i in 0..<kernelHeight {
                            for j in 0..<kernelWidth {
                                let w = weights[((f * perGroup + c) * kernelHeight + i) * kernelWidth + j]
                                for y in 0..<shape.height {
                                    let iy = y * strides.0 + i * dilations.0 - pads.top
                                    guard iy >= 0 && iy < input.height else { continue }
                                    let row = channel + iy * input.width, target = plane + y * shape.width
                                    for x in 0..<shape.width {
                                        let ix = x * strides.1 + j * dilations.1 - pads.left
                                        if ix >= 0 && ix < input.width { target[x] += w * row[ix] }
                                    }
                                }
                            }
                        }
                    }
                    for n in 0..<shape.planeCount { plane[n] += bias[f] }
                    for activation in activationStages { activation.apply(to: plane, count: shape.planeCount) }
                }
            }
        }
    }
}

/// BatchNormalization (inference): y = (x − mean) / √(var + ε) · scale + B per channel.
public enum BatchNormalization {
    /// The per-channel (multiplier, offset) it amounts to: a = scale / √(var + ε), b = B − mean·a
    /// (computed in Float64, rounded once).
    public static func affine(
        scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float = 1e-5
    ) throws(OperatorError) -> (multiplier: [Float], offset: [Float]) {
        let n = scale.count
        guard bias.count == n, mean.count == n, variance.count == n else {
            throw OperatorError(
                "BatchNormalization needs scale, B, mean and var of one length, got \(n), \(bias.count), \(mean.count), \(variance.count)"
            )
        }
        var multiplier = [Float](repeating: 0, count: n), offset = multiplier
        for c in 0..<n {
            let a = Double(scale[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            multiplier[c] = Float(a)
            offset[c] = Float(Double(bias[c]) - Double(mean[c]) * a)
        }
        return (multiplier, offset)
    }

    /// Folds the normalisation into the conv before it: W'[f] = W[f]·a[f], B'[f] = (B[f] − mean[f])·a[f] + β[f]
    /// (Float64, rounded once). `weights` is (F, C/group, KH, KW); `convBias` nil means zeros.
    public static func fold(
        weights: [Float], convBias: [Float]?, filterCount: Int, scale: [Float], bias: [Float], mean: [Float],
        variance: [Float], epsilon: Float = 1e-5
    ) throws(OperatorError) -> (weights: [Float], bias: [Float]) {
        guard scale.count == filterCount, filterCount > 0, weights.count % filterCount == 0 else {
            throw OperatorError(
                "BatchNormalization over \(scale.count) channels cannot fold into a conv of \(filterCount) filters")
        }
        _ = try affine(scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon)
        if let convBias, convBias.count != filterCount {
            throw OperatorError("conv bias has \(convBias.count) values for \(filterCount) filters")
        }
        let perFilter = weights.count / filterCount
        var folded = weights, foldedBias = [Float](repeating: 0, count: filterCount)
        for f in 0..<filterCount {
            let a = Double(scale[f]) / (Double(variance[f]) + Double(epsilon)).squareRoot()
            for n in f * perFilter..<(f + 1) * perFilter { folded[n] = Float(Double(weights[n]) * a) }
            foldedBias[f] = Float((Double(convBias?[f] ?? 0) - Double(mean[f])) * a + Double(bias[f]))
        }
        return (folded, foldedBias)
    }
}
