// ONNX MaxPool / AveragePool, Resize and ConvTranspose on one CHW image.
//   pool         window taps p = o·S − P_begin + i·D, 0 ≤ i < K per axis; output length
//                ⌊(L + P_b + P_e − D·(K − 1) − 1) / S⌋ + 1 (⌈⌉ with ceil_mode, less one when the last
//                window would start at or past L + P_b). Max over the taps inside the image; average
//                divides by the taps inside the image, or with count_include_pad by the taps inside
//                [−P_b, L + P_e) (onnxruntime's rule: a ceil_mode window's part past the end padding
//                is never counted).
//   resize       out[c, y, x] = in[c, ŷ, x̂] (nearest) or the bilinear mix of the 4 neighbours of the
//                source coordinate, clamped to the image; source = transform(output, scale)
//   convTranspose out[f, y, x] = B[f] + Σ_{c in f's group} Σ_{i,j} in[c, iy, ix] · W[c, f mod (F/g), i, j]
//                over y = iy·S_h − P_top + i·D_h, x = ix·S_w − P_left + j·D_w; output length
//                S·(L − 1) + output_padding + D·(K − 1) + 1 − P_begin − P_end

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An ONNX MaxPool or AveragePool.
public struct PoolOperator: Sendable, Equatable {
    public var kind: PoolKind
    public var kernelHeight: Int
    public var kernelWidth: Int
    /// (rows, columns).
    public var strides: (Int, Int)
    public var dilations: (Int, Int)
    public var pads: ConvPads
    public var ceilMode: Bool
    public var countIncludePad: Bool

    public init(
        kind: PoolKind, kernelHeight: Int, kernelWidth: Int, strides: (Int, Int) = (1, 1),
        dilations: (Int, Int) = (1, 1), pads: ConvPads = .zero, ceilMode: Bool = false, countIncludePad: Bool = false
    ) {
        self.kind = kind
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    public static func == (a: PoolOperator, b: PoolOperator) -> Bool {
        a.kind == b.kind && a.kernelHeight == b.kernelHeight && a.kernelWidth == b.kernelWidth
            && a.strides == b.strides && a.dilations == b.dilations && a.pads == b.pads && a.ceilMode == b.ceilMode
            && a.countIncludePad == b.countIncludePad
    }

    /// Output length along one axis (file comment), 0 when the window does not fit.
    static func outputLength(
        _ length: Int, kernel: Int, stride: Int, dilation: Int, before: Int, after: Int, ceilMode: Bool
    ) -> Int {
        let span = length + before + after - dilation * (kernel - 1) - 1
        if span < 0 { return 0 }
        var output = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        if ceilMode && (output - 1) * stride >= length + before { output -= 1 }
        return output
    }

    public func outputShape(for input: Shape) -> Shape? {
        let h = Self.outputLength(
            input.height, kernel: kernelHeight, stride: strides.0, dilation: dilations.0, before: pads.top,
            after: pads.bottom, ceilMode: ceilMode)
        let w = Self.outputLength(
            input.width, kernel: kernelWidth, stride: strides.1, dilation: dilations.1, before: pads.left,
            after: pads.right, ceilMode: ceilMode)
        guard h > 0, w > 0, input.channels > 0 else { return nil }
        return Shape(channels: input.channels, height: h, width: w)
    }

    /// Per output position along an axis: the input taps inside the image and how many taps the
    /// average divides by.
    private static func taps(
        outputs: Int, length: Int, kernel: Int, stride: Int, dilation: Int, before: Int, after: Int,
        includePad: Bool
    ) -> [(inside: [Int], count: Int)] {
        (0..<outputs).map { o in
            let start = o * stride - before
            var inside: [Int] = [], counted = 0
            for i in 0..<kernel {
                let p = start + i * dilation
                if p >= 0 && p < length { inside.append(p) }
                if includePad ? (p >= -before && p < length + after) : (p >= 0 && p < length) { counted += 1 }
            }
            return (inside, counted)
        }
    }

    public func run(_ input: Tensor, executor: Executor = Executor()) throws(OperatorError) -> Tensor {
        guard kernelHeight >= 1, kernelWidth >= 1, min(strides.0, strides.1, dilations.0, dilations.1) >= 1,
            min(pads.top, pads.left, pads.bottom, pads.right) >= 0
        else {
            throw OperatorError(
                "\(kind == .max ? "MaxPool" : "AveragePool") needs kernel, strides and dilations ≥ 1 and pads ≥ 0")
        }
        guard let shape = outputShape(for: input.shape) else {
            throw OperatorError("a \(kernelHeight)×\(kernelWidth) pool window does not fit \(input.shape)")
        }
        let rowTaps = Self.taps(
            outputs: shape.height, length: input.height, kernel: kernelHeight, stride: strides.0,
            dilation: dilations.0, before: pads.top, after: pads.bottom, includePad: countIncludePad)
        let columnTaps = Self.taps(
            outputs: shape.width, length: input.width, kernel: kernelWidth, stride: strides.1,
            dilation: dilations.1, before: pads.left, after: pads.right, includePad: countIncludePad)
        let kind = kind
        return TensorOperators.perChannel(shape, executor: executor) { c, target in
            input.values.withUnsafeBufferPointer { source in
                let plane = source.baseAddress! + c * input.shape.planeCount
                for y in 0..<shape.height {
                    let rows = rowTaps[y]
                    for x in 0..<shape.width {
                        let columns = columnTaps[x]
                        var value: Float
                        switch kind {
                        case .max:
                            value = -Float.infinity
                            for r in rows.inside {
                                for q in columns.inside where plane[r * input.width + q] > value {
                                    value = plane[r * input.width + q]
                                }
                            }
                        case .average:
                            var sum: Float = 0
                            for r in rows.inside { for q in columns.inside { sum += plane[r * input.width + q] } }
                            value = sum / Float(rows.count * columns.count)
                        }
                        target[y * shape.width + x] = value
                    }
                }
            }
        }
    }
}

/// An ONNX Resize over H and W (N and C scales 1).
public struct ResizeOperator: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case nearest, linear }
    public enum CoordinateTransformation: String, Sendable, CaseIterable {
        case halfPixel = "half_pixel"
        case asymmetric
        case alignCorners = "align_corners"
        case pytorchHalfPixel = "pytorch_half_pixel"
    }
    public enum NearestMode: String, Sendable, CaseIterable {
        case roundPreferFloor = "round_prefer_floor"
        case roundPreferCeil = "round_prefer_ceil"
        case floor, ceil
    }

    public var mode: Mode
    public var coordinateTransformation: CoordinateTransformation
    public var nearestMode: NearestMode

    public init(
        mode: Mode, coordinateTransformation: CoordinateTransformation = .halfPixel,
        nearestMode: NearestMode = .roundPreferFloor
    ) {
        self.mode = mode
        self.coordinateTransformation = coordinateTransformation
        self.nearestMode = nearestMode
    }

    /// Resizes by `scales` (rows, columns): output ⌊L · scale⌋, the scale itself in the coordinate
    /// transform (ONNX's rule when scales are given).
    public func run(_ input: Tensor, scales: (Float, Float), executor: Executor = Executor()) throws(OperatorError)
        -> Tensor
    {
        guard scales.0 > 0, scales.1 > 0 else { throw OperatorError("Resize scales must be positive, got \(scales)") }
        let h = Int((Float(input.height) * scales.0).rounded(.down))
        let w = Int((Float(input.width) * scales.1).rounded(.down))
        return try resize(input, height: h, width: w, scales: scales, executor: executor)
    }

    /// Resizes to `height` × `width` (ONNX `sizes`): the scale is output / input.
    public func run(_ input: Tensor, height: Int, width: Int, executor: Executor = Executor()) throws(OperatorError)
        -> Tensor
    {
        try resize(
            input, height: height, width: width,
            scales: (Float(height) / Float(input.height), Float(width) / Float(input.width)), executor: executor)
    }

    /// The source coordinate of output `o` along an axis (float32, as onnxruntime computes it).
    func source(_ o: Int, scale: Float, input: Int, output: Int) -> Float {
        switch coordinateTransformation {
        case .halfPixel: return (Float(o) + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return output > 1 ? (Float(o) + 0.5) / scale - 0.5 : 0
        case .asymmetric: return Float(o) / scale
        case .alignCorners: return output == 1 ? 0 : Float(o) * Float(input - 1) / Float(output - 1)
        }
    }

    func nearest(_ s: Float, input: Int) -> Int {
        let index: Float
        switch nearestMode {
        case .floor: index = s.rounded(.down)
        case .ceil: index = s.rounded(.up)
        case .roundPreferFloor: index = s - s.rounded(.down) == 0.5 ? s.rounded(.down) : s.rounded()
        case .roundPreferCeil: index = s - s.rounded(.down) == 0.5 ? s.rounded(.up) : s.rounded()
        }
        return Swift.min(Swift.max(Int(index), 0), input - 1)
    }

    private func resize(_ input: Tensor, height: Int, width: Int, scales: (Float, Float), executor: Executor)
        throws(OperatorError) -> Tensor
    {
        guard height > 0, width > 0, !input.shape.isEmpty else {
            throw OperatorError("Resize of \(input.shape) to \(height)×\(width) is empty")
        }
        let shape = Shape(channels: input.channels, height: height, width: width)
        let inH = input.height, inW = input.width
        // Per output row / column: (first source, second source, weight of the second).
        func axis(_ n: Int, _ length: Int, _ scale: Float) -> [(Int, Int, Float)] {
            (0..<n).map { o in
                let s = source(o, scale: scale, input: length, output: n)
                if mode == .nearest { return (nearest(s, input: length), 0, 0) }
                let clamped = Swift.min(Swift.max(s, 0), Float(length - 1))
                let low = Int(clamped.rounded(.down))
                return (low, Swift.min(low + 1, length - 1), clamped - Float(low))
            }
        }
        let rows = axis(height, inH, scales.0), columns = axis(width, inW, scales.1)
        let linear = mode == .linear
        return TensorOperators.perChannel(shape, executor: executor) { c, target in
            input.values.withUnsafeBufferPointer { source in
                let plane = source.baseAddress! + c * input.shape.planeCount
                for y in 0..<height {
                    let out = target + y * width
                    let (r0, r1, wy) = rows[y]
                    if !linear {
                        let row = plane + r0 * inW
                        for x in 0..<width { out[x] = row[columns[x].0] }
                        continue
                    }
                    let top = plane + r0 * inW, bottom = plane + r1 * inW
                    for x in 0..<width {
                        let (q0, q1, wx) = columns[x]
                        let upper = top[q0] * (1 - wx) + top[q1] * wx
                        let lower = bottom[q0] * (1 - wx) + bottom[q1] * wx
                        out[x] = upper * (1 - wy) + lower * wy
                    }
                }
            }
        }
    }
}

/// An ONNX ConvTranspose (weights (C, F/group, KH, KW)), with explicit pads and output_padding.
public struct ConvTransposeOperator: Sendable {
    public let weights: [Float]
    public let bias: [Float]
    public let inputChannels: Int
    public let filterCount: Int
    public let group: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let strides: (Int, Int)
    public let dilations: (Int, Int)
    public let pads: ConvPads
    /// Extra rows and columns at the bottom and right (ONNX `output_padding`).
    public let outputPadding: (Int, Int)
    /// One 1×1 conv per kernel tap, row-major (see `run`).
    private let tapConvs: [ConvolutionOperator]

    public init(
        weights: [Float], weightShape: [Int], bias: [Float]? = nil, group: Int = 1, strides: (Int, Int) = (1, 1),
        dilations: (Int, Int) = (1, 1), pads: ConvPads = .zero, outputPadding: (Int, Int) = (0, 0)
    ) throws(OperatorError) {
        guard weightShape.count == 4, weightShape.allSatisfy({ $0 > 0 }),
            weights.count == weightShape.reduce(1, *)
        else {
            throw OperatorError(
                "ConvTranspose weights must be 4-D (C, F/group, KH, KW) and hold their \(weightShape.reduce(1, *)) values, got \(weightShape) with \(weights.count)"
            )
        }
        guard group >= 1, weightShape[0] % group == 0 else {
            throw OperatorError("ConvTranspose group=\(group) does not divide the \(weightShape[0]) input channels")
        }
        let f = weightShape[1] * group
        if let bias, bias.count != f { throw OperatorError("ConvTranspose bias has \(bias.count) values for \(f) maps") }
        guard min(strides.0, strides.1, dilations.0, dilations.1) >= 1,
            min(pads.top, pads.left, pads.bottom, pads.right, outputPadding.0, outputPadding.1) >= 0
        else {
            throw OperatorError("ConvTranspose needs strides and dilations ≥ 1 and pads, output_padding ≥ 0")
        }
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: f)
        inputChannels = weightShape[0]
        filterCount = f
        self.group = group
        kernelHeight = weightShape[2]
        kernelWidth = weightShape[3]
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.outputPadding = outputPadding
        let c = weightShape[0], filtersPerGroup = weightShape[1], perGroup = c / group
        let kh = weightShape[2], kw = weightShape[3]
        var convs: [ConvolutionOperator] = []
        for tap in 0..<kh * kw {
            // Conv weights (F, C/group, 1, 1): filter g·F/g + m reads channel g·C/g + c with W[g·C/g + c, m, tap].
            var tapWeights = [Float](repeating: 0, count: f * perGroup)
            for filter in 0..<f {
                let g = filter / filtersPerGroup, m = filter % filtersPerGroup
                for k in 0..<perGroup {
                    tapWeights[filter * perGroup + k] = weights[((g * perGroup + k) * filtersPerGroup + m) * kh * kw + tap]
                }
            }
            convs.append(
                try ConvolutionOperator(
                    weights: tapWeights, weightShape: [f, perGroup, 1, 1], inputChannels: c, group: group))
        }
        tapConvs = convs
    }

    public func outputShape(for input: Shape) -> Shape? {
        guard input.channels == inputChannels else { return nil }
        let h =
            strides.0 * (input.height - 1) + outputPadding.0 + dilations.0 * (kernelHeight - 1) + 1 - pads.top
            - pads.bottom
        let w =
            strides.1 * (input.width - 1) + outputPadding.1 + dilations.1 * (kernelWidth - 1) + 1 - pads.left
            - pads.right
        guard h > 0, w > 0 else { return nil }
        return Shape(channels: filterCount, height: h, width: w)
    }

    /// Tap (i, j) of every filter at once is a 1×1 conv of the input (weights W[:, :, i, j] per
    /// group, on the tiled engine); its maps scatter-add onto the output at (iy·S + i·D − P_top,
    /// ix·S + j·D − P_left), taps in row-major order after the bias.
    public func run(_ input: Tensor, executor: Executor = Executor()) throws(OperatorError) -> Tensor {
        guard let shape = outputShape(for: input.shape) else {
            throw OperatorError("ConvTranspose over \(inputChannels) channels cannot run on \(input.shape)")
        }
        var tapOutputs: [Tensor] = []
        for tap in tapConvs { tapOutputs.append(try tap.run(input, executor: executor)) }
        let taps = tapOutputs
        let kw = kernelWidth, strides = strides, dilations = dilations, pads = pads, bias = bias
        let inH = input.height, inW = input.width
        if kernelHeight == strides.0 && kernelWidth == strides.1 && dilations == (1, 1) && pads == .zero
            && outputPadding == (0, 0)
        {
            // Kernel = stride (the detector's 2×2 s2 upsampling): every output value has exactly one
            // tap, (y mod S_h, x mod S_w) at (y / S_h, x / S_w); written once, bias + tap as below.
            return TensorOperators.perChannel(shape, executor: executor) { f, plane in
                for y in 0..<shape.height {
                    let i = y % strides.0, iy = y / strides.0, out = plane + y * shape.width, b = bias[f]
                    for j in 0..<kw {
                        taps[i * kw + j].values.withUnsafeBufferPointer { source in
                            let row = source.baseAddress! + (f * inH + iy) * inW
                            for ix in 0..<inW { out[ix * kw + j] = b + row[ix] }
                        }
                    }
                }
            }
        }
        return TensorOperators.perChannel(shape, executor: executor) { f, plane in
            plane.initialize(repeating: bias[f], count: shape.planeCount)
            for (t, tap) in taps.enumerated() {
                let i = t / kw, j = t % kw
                let offset = j * dilations.1 - pads.left
                // Input columns whose output column lands inside: 0 ≤ ix·S + offset < W'.
                let firstX = offset >= 0 ? 0 : (-offset + strides.1 - 1) / strides.1
                let endX = min(inW, shape.width - offset <= 0 ? 0 : (shape.width - offset - 1) / strides.1 + 1)
                guard firstX < endX else { continue }
                tap.values.withUnsafeBufferPointer { source in
                    let map = source.baseAddress! + f * inH * inW
                    for iy in 0..<inH {
                        let y = iy * strides.0 + i * dilations.0 - pads.top
                        guard y >= 0 && y < shape.height else { continue }
                        let row = map + iy * inW, target = plane + y * shape.width + offset
                        if strides.1 == 2 {
                            for ix in firstX..<endX { target[2 * ix] += row[ix] }
                        } else {
                            for ix in firstX..<endX { target[ix * strides.1] += row[ix] }
                        }
                    }
                }
            }
        }
    }
}
