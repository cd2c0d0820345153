// One axis of a convolution window: the only place its arithmetic lives. With kernel K, dilation D,
// stride S and paddings P_before, P_after along the axis:
//   output length   L' = ⌊(L + P_before + P_after − D·(K − 1) − 1) / S⌋ + 1        (≤ 0: empty)
//   input window    outputs [y0, y1) read inputs [y0·S − P_before, (y1 − 1)·S − P_before + D·(K − 1) + 1)
//   window length   n outputs read (n − 1)·S + D·(K − 1) + 1 inputs
// Shapes (ShapeInference), tiles (PaddedInput), bands (Conv2D.inputRows, BandedPipelineRun), the
// memory estimate and `check`'s explanations all read it.

/// The geometry of a convolution along one axis (rows or columns).
public struct ConvGeometry: Sendable, Equatable {
    public let kernel: Int
    public let stride: Int
    public let dilation: Int
    public let padBefore: Int
    public let padAfter: Int

    public init(kernel: Int, stride: Int, dilation: Int, padBefore: Int, padAfter: Int) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBefore = padBefore
        self.padAfter = padAfter
    }

    /// D·(K − 1): how far past its first input a window reaches.
    public var reach: Int { dilation * (kernel - 1) }

    /// `⌊(n + P_before + P_after − D·(K − 1) − 1) / S⌋ + 1`; 0 when the window does not fit.
    public func outputLength(input n: Int) -> Int {
        let span = n + padBefore + padAfter - reach - 1
        if span < 0 { return 0 }
        return span / stride + 1
    }

    /// `(n − 1)·S + D·(K − 1) + 1`: the inputs, padding included, that `n` consecutive outputs read.
    public func inputLength(outputs n: Int) -> Int { (n - 1) * stride + reach + 1 }

    /// `inputLength(outputs:)`, or nil when it overflows an `Int` (for the checked estimate).
    func checkedInputLength(outputs n: Int) -> Int? {
        guard let reach = CheckedSize.product(dilation, kernel - 1), let steps = CheckedSize.product(n - 1, stride)
        else { return nil }
        return CheckedSize.sum(steps, reach, 1)
    }

    /// The input coordinates outputs `outputs` read, before the pad mode resolves those outside the
    /// input: `[y0·S − P_before, (y1 − 1)·S − P_before + D·(K − 1) + 1)`; empty for no outputs.
    public func inputWindow(for outputs: Range<Int>) -> Range<Int> {
        guard let last = outputs.last else { return 0..<0 }
        let first = outputs.lowerBound * stride - padBefore
        return first..<(last * stride - padBefore + reach + 1)
    }

    /// The shortest input with at least one output: `max(1, D·(K − 1) + 1 − P_before − P_after)`.
    public var smallestInput: Int { max(1, reach + 1 - padBefore - padAfter) }
}

extension ConvSpec {
    /// The bank's geometry down the rows, at its largest kernel (a `pad=same` bank of mixed sizes
    /// runs every filter at the largest size, see `PipelinePlan.sharingOneKernelSize`).
    public var rowGeometry: ConvGeometry {
        let kernel = largestKernel, pads = paddings(kernelHeight: kernel.height, kernelWidth: kernel.width)
        return ConvGeometry(
            kernel: kernel.height, stride: stride, dilation: dilation, padBefore: pads.top, padAfter: pads.bottom)
    }

    /// The bank's geometry along the columns, at its largest kernel.
    public var columnGeometry: ConvGeometry {
        let kernel = largestKernel, pads = paddings(kernelHeight: kernel.height, kernelWidth: kernel.width)
        return ConvGeometry(
            kernel: kernel.width, stride: stride, dilation: dilation, padBefore: pads.left, padAfter: pads.right)
    }
}
