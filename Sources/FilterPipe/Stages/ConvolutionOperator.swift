// ONNX Conv on one CHW image (the caller loops over the batch):
//   out[f, y, x] = B[f] + Σ_{c < C/g} Σ_i Σ_j W[f, c, i, j] · in[g·C/g + c, y·S_h + i·D_h − P_top, x·S_w + j·D_w − P_left]
// with g = ⌊f / (F/group)⌋ and zeros outside the image. Equal strides and dilations on both axes
// (every conv the PaddleOCR models hold) run on the tiled engine (Conv2D, then the activations on
// each tile in place); unequal ones run a direct loop with the same formula.

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
    let epilogue: PointwiseProgram?
    private let engine: ConvActivationStage?
    /// Depthwise (group = C = F) convs with stride > 1: StridedDepthwise.
    private let depthwise: StridedDepthwise?

    /// Plans a conv of `weights` shaped `weightShape` = [F, C/group, KH, KW] over `inputChannels`
    /// channels. `pads` must already be resolved (`WindowPadding.resolve` for auto_pad).
    public init(
        weights: [Float], weightShape: [Int], bias: [Float]? = nil, inputChannels: Int, group: Int = 1,
        strides: (Int, Int) = (1, 1), dilations: (Int, Int) = (1, 1), pads: ConvPads = .zero,
        activations: [Activation] = [], kernels: KernelSet = .active
    ) throws(OperatorError) {
        try self.init(
            weights: weights, weightShape: weightShape, bias: bias, inputChannels: inputChannels, group: group,
            strides: strides, dilations: dilations, pads: pads, activations: activations, epilogue: nil, kernels: kernels)
    }

    /// As the public initialiser, with `epilogue` run on every output row after the activations (a
    /// network's element-wise chain, NetworkSchedule).
    init(
        weights: [Float], weightShape: [Int], bias: [Float]?, inputChannels: Int, group: Int,
        strides: (Int, Int), dilations: (Int, Int), pads: ConvPads, activations: [Activation],
        epilogue: PointwiseProgram?, kernels: KernelSet = .active
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
        self.epilogue = epilogue
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
            engine = ConvActivationStage(
                conv: Conv2D(spec: spec, inputChannels: inputChannels, kernels: kernels),
                activations: activations.map(ActivationStage.init), epilogue: epilogue)
        } else {
            engine = nil
        }
        depthwise =
            group == inputChannels && f == inputChannels && (strides.0 > 1 || strides.1 > 1)
            ? StridedDepthwise(
                weights: weights, bias: biases, kernelHeight: kh, kernelWidth: kw, strides: strides,
                dilations: dilations, pads: pads, activations: activations.map(ActivationStage.init), epilogue: epilogue)
            : nil
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
        if isPointwise {
            // A 1×1, stride-1, unpadded conv is per pixel: run it on the planes laid out as rows of a
            // width the engine's 64-column strips fill (a 20×20 map as one 400-wide row, not 20 rows
            // of 20 computed as 64), the same values in the same order.
            let width = Self.pointwiseRowWidth(input.shape.planeCount)
            let flat = Shape(channels: input.channels, height: input.shape.planeCount / width, width: width)
            let out = engine!.run(
                Tensor(shape: flat, values: input.values),
                outputShape: Shape(channels: filterCount, height: flat.height, width: width), executor: executor)
            return Tensor(shape: shape, values: out.values)
        }
        if let depthwise { return depthwise.run(input, outputShape: shape, executor: executor) }
        if let engine { return engine.run(input, outputShape: shape, executor: executor) }
        return direct(input, shape: shape, executor: executor)
    }

    private var isPointwise: Bool {
        engine != nil && kernelHeight == 1 && kernelWidth == 1 && strides == (1, 1) && pads == .zero
    }

    /// The row width a pointwise conv runs at: the whole plane up to 4096 values, else the widest
    /// divisor of the plane that is a multiple of 64 and at most 1024 (else the plane stays one row).
    static func pointwiseRowWidth(_ planeCount: Int) -> Int {
        if planeCount <= 4096 { return planeCount }
        for width in stride(from: 1024, through: 64, by: -64) where planeCount % width == 0 { return width }
        return planeCount
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
                    epilogue?.apply(to: plane, count: shape.planeCount, channel: f)
                }
            }
        }
    }
}

/// A depthwise conv with stride > 1, per channel: the zero-padded plane split into S_w column
/// phases (phase p holds padded columns p, p + S_w, …), so tap j reads phase (j·D_w) mod S_w at
/// offset ⌊j·D_w / S_w⌋ with unit stride and the row loop vectorises:
///   out[y, x] = (Σ_i Σ_j w[i, j] · phase_{jD mod S}[y·S_h + i·D_h, x + ⌊jD / S⌋]) + bias
/// (taps row-major from 0, the bias last, as the engine sums).
struct StridedDepthwise: Sendable {
    let weights: [Float]
    let bias: [Float]
    let kernelHeight: Int
    let kernelWidth: Int
    let strides: (Int, Int)
    let dilations: (Int, Int)
    let pads: ConvPads
    let activations: [ActivationStage]
    var epilogue: PointwiseProgram? = nil

    func run(_ input: Tensor, outputShape shape: Shape, executor: Executor) -> Tensor {
        let paddedHeight = input.height + pads.top + pads.bottom, paddedWidth = input.width + pads.left + pads.right
        let s = strides.1, phaseWidth = (paddedWidth + s - 1) / s
        let taps = kernelHeight * kernelWidth
        return TensorOperators.perChannel(shape, executor: executor) { c, plane in
            let phases = UnsafeMutablePointer<Float>.allocate(capacity: s * paddedHeight * phaseWidth)
            defer { phases.deallocate() }
            UnsafeMutableRawPointer(phases).initializeMemory(
                as: UInt8.self, repeating: 0, count: s * paddedHeight * phaseWidth * MemoryLayout<Float>.size)
            let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: shape.width)
            defer { accumulator.deallocate() }
            input.values.withUnsafeBufferPointer { source in
                let channel = source.baseAddress! + c * input.shape.planeCount
                for y in 0..<input.height {
                    let source = channel + y * input.width
                    for p in 0..<s {
                        // Phase column u holds padded column u·S + p, input column u·S + p − P_left.
                        let target = phases + (p * paddedHeight + y + pads.top) * phaseWidth
                        let first = max(0, (pads.left - p + s - 1) / s)
                        let end = (input.width + pads.left - p + s - 1) / s
                        let origin = source + (p - pads.left)
                        for u in first..<max(first, end) { target[u] = origin[u &* s] }
                    }
                }
            }
            weights.withUnsafeBufferPointer { allWeights in
                let w = allWeights.baseAddress! + c * taps
                for y in 0..<shape.height {
                    accumulator.initialize(repeating: 0, count: shape.width)
                    for i in 0..<kernelHeight {
                        let row = y * strides.0 + i * dilations.0
                        for j in 0..<kernelWidth {
                            let offset = j * dilations.1
                            let tap = w[i * kernelWidth + j]
                            let p = phases + ((offset % s) * paddedHeight + row) * phaseWidth + offset / s
                            for x in 0..<shape.width { accumulator[x] += tap * p[x] }
                        }
                    }
                    let out = plane + y * shape.width, b = bias[c]
                    for x in 0..<shape.width { out[x] = accumulator[x] + b }
                    for activation in activations { activation.apply(to: out, count: shape.width) }
                    epilogue?.apply(to: out, count: shape.width, channel: c)
                }
            }
        }
    }
}

/// A conv whose tiles are written straight into the output, then activated in place while they
/// are in cache (FusedConvStage goes through a scratch band, which only a pool needs).
struct ConvActivationStage: Stage {
    let conv: Conv2D
    let activations: [ActivationStage]
    /// Run after the activations on every row (a network's element-wise chain).
    var epilogue: PointwiseProgram? = nil

    var channelBlock: Int { conv.channelBlock }
    func workPerOutputValue(input: Shape) -> Int { conv.workPerOutputValue(input: input) }
    func outputShape(for input: Shape) -> Shape? { conv.outputShape(for: input) }
    func inputRows(for rows: Range<Int>, input: Shape) -> Range<Int> { conv.inputRows(for: rows, input: input) }

    func compute(
        input: FeatureBand, inputShape: Shape, output: MutableFeatureBand, outputShape: Shape,
        channels: Range<Int>, rows: Range<Int>
    ) {
        conv.compute(
            input: input, inputShape: inputShape, output: output, outputShape: outputShape, channels: channels,
            rows: rows)
        guard !activations.isEmpty || epilogue != nil else { return }
        for c in channels {
            for y in rows {
                for activation in activations { activation.apply(to: output.row(c, y), count: outputShape.width) }
                epilogue?.apply(to: output.row(c, y), count: outputShape.width, channel: c)
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
