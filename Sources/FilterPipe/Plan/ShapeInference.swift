// Output sizes of each stage kind, shared by the engine, `check` and the writers.

extension ConvSpec {
    /// Input channels each filter's matrices must match (nil: any, every filter broadcasts one matrix).
    public var kernelHeight: Int { filters.first?.kernelHeight ?? 0 }
    public var kernelWidth: Int { filters.first?.kernelWidth ?? 0 }

    /// Padding (top, bottom, left, right) for this bank's kernel.
    /// `same`: total D·(K−1) per axis, the odd pixel on the bottom/right.
    public func paddings(kernelHeight kh: Int, kernelWidth kw: Int) -> (top: Int, bottom: Int, left: Int, right: Int) {
        if let pads { return (pads.top, pads.bottom, pads.left, pads.right) }
        switch padding {
        case .explicit(let p):
            return (p, p, p, p)
        case .same:
            let th = dilation * (kh - 1), tw = dilation * (kw - 1)
            return (th / 2, th - th / 2, tw / 2, tw - tw / 2)
        }
    }

    /// The output shape for an input of `input`, or nil if it would be empty (`ConvGeometry`).
    public func outputShape(for input: Shape) -> Shape? {
        guard !filters.isEmpty else { return nil }
        let h = rowGeometry.outputLength(input: input.height), w = columnGeometry.outputLength(input: input.width)
        let c = depthwise ? input.channels * filters.count : filters.count
        guard h > 0, w > 0, c > 0 else { return nil }
        return Shape(channels: c, height: h, width: w)
    }
}

extension PoolSpec {
    /// Output size along one axis (PyTorch): floor or ceil of `(n + 2P − K) / S` plus 1; in ceil mode
    /// the last window must start inside the image or left padding.
    public func outputLength(input n: Int) -> Int {
        let span = n + 2 * pad - size
        if span < 0 { return 0 }
        var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        if ceilMode && (out - 1) * stride >= n + pad { out -= 1 }
        return out
    }

    /// The output shape for an input of `input`, or nil if it would be empty.
    public func outputShape(for input: Shape) -> Shape? {
        let h = outputLength(input: input.height), w = outputLength(input: input.width)
        guard h > 0, w > 0, input.channels > 0 else { return nil }
        return Shape(channels: input.channels, height: h, width: w)
    }
}

extension StageSpec {
    /// The output shape for an input of `input`, or nil if it would be empty.
    public func outputShape(for input: Shape) -> Shape? {
        switch self {
        case .conv(let conv): conv.outputShape(for: input)
        case .activation: input.isEmpty ? nil : input
        case .pool(let pool): pool.outputShape(for: input)
        }
    }
}
