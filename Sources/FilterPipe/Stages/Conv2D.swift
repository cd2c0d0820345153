// out[f, y, x] = bias[f] + Σ_c Σ_i Σ_j w[f, c, i, j] · in[c, y·S + i·D − P_top, x·S + j·D − P_left]
// (cross-correlation; a broadcast filter uses its one matrix for every c; depthwise: map c·F + f
// is filter f on channel c alone). Reads outside the image follow the pad mode (PadIndex.swift).

/// A convolution bank as a stage: maps grouped for register blocking, the input padded once per
/// tile into a scratch band so the inner loops never test borders.
struct Conv2D: Stage {
    let spec: ConvSpec
    let inputChannels: Int
    let kernelHeight: Int
    let kernelWidth: Int
    /// The window down the rows and along the columns (`ConvGeometry`).
    let rows: ConvGeometry
    let columns: ConvGeometry
    var padTop: Int { rows.padBefore }
    var padLeft: Int { columns.padBefore }
    let groups: [ConvGroup]
    let usesChannelSum: Bool
    /// The instruction-set build of the inner loops this bank runs.
    let kernels: KernelSet

    /// Broadcast filters convolve Σ_c in_c once instead of each channel: the sum's rounding adds at most
    /// (C − 1)·2⁻²⁴·Σ|in_c| per value, under the 1e-5 relative tolerance for up to 64 channels.
    static let channelSumLimit = 64

    /// Plans the bank for `inputChannels` input channels (the spec was validated by `Pipeline`),
    /// run with `kernels` (one `KernelSet.supported` lists).
    init(spec: ConvSpec, inputChannels: Int, kernels: KernelSet = .active) {
        precondition(KernelSet.supported.contains(kernels), "kernel set \(kernels.rawValue) is not supported here")
        self.spec = spec
        self.kernels = kernels
        self.inputChannels = inputChannels
        kernelHeight = spec.kernelHeight
        kernelWidth = spec.kernelWidth
        rows = spec.rowGeometry
        columns = spec.columnGeometry
        precondition(rows.kernel == kernelHeight && columns.kernel == kernelWidth, "a bank runs one kernel size")

        // Each map as (terms, one matrix per term, bias); consecutive maps with equal terms share a group.
        var maps: [(terms: [Int], matrices: [Matrix], bias: Float)] = []
        if spec.group > 1 {
            // Grouped (group = C: depthwise with its own weights per channel): filter f reads the
            // channels of its part only.
            let perGroup = inputChannels / spec.group, filtersPerGroup = spec.filters.count / spec.group
            for (f, filter) in spec.filters.enumerated() {
                let g = f / filtersPerGroup
                maps.append((Array(g * perGroup..<(g + 1) * perGroup), filter.channels, filter.bias))
            }
        } else if spec.depthwise {
            for c in 0..<inputChannels {
                for filter in spec.filters { maps.append(([c], [filter.channels[0]], filter.bias)) }
            }
        } else {
            for filter in spec.filters {
                if filter.isBroadcast && inputChannels <= Self.channelSumLimit {
                    let term = inputChannels == 1 ? 0 : ConvGroup.channelSum
                    maps.append(([term], [filter.channels[0]], filter.bias))
                } else if filter.isBroadcast {
                    maps.append(
                        (
                            Array(0..<inputChannels), Array(repeating: filter.channels[0], count: inputChannels),
                            filter.bias
                        ))
                } else {
                    maps.append((Array(0..<inputChannels), filter.channels, filter.bias))
                }
            }
        }
        let taps = kernelHeight * kernelWidth
        var groups: [ConvGroup] = []
        var index = 0
        while index < maps.count {
            let separable =
                spec.stride == 1 && maps[index].terms.count == 1
                ? SeparableKernel(maps[index].matrices[0]) : nil
            var count = 1
            if separable == nil {
                while count < ConvGroup.blockSize, index + count < maps.count,
                    maps[index + count].terms == maps[index].terms,
                    !(spec.stride == 1 && maps[index + count].terms.count == 1
                        && SeparableKernel(maps[index + count].matrices[0]) != nil)
                {
                    count += 1
                }
            }
            let terms = maps[index].terms
            var weights = [Float](repeating: 0, count: terms.count * taps * ConvGroup.blockSize)
            var biases = [Float](repeating: 0, count: ConvGroup.blockSize)
            for k in 0..<count {
                let map = maps[index + k]
                biases[k] = map.bias
                for t in 0..<terms.count {
                    for tap in 0..<taps {
                        weights[(t * taps + tap) * ConvGroup.blockSize + k] = map.matrices[t].values[tap]
                    }
                }
            }
            groups.append(
                ConvGroup(
                    firstMap: index, mapCount: count, terms: terms, weights: weights,
                    biases: biases, separable: separable))
            index += count
        }
        self.groups = groups
        usesChannelSum = groups.contains { $0.terms.contains(ConvGroup.channelSum) }
    }

    /// Every map of a tile shares one padded input band, so tiles take many maps (dense: up to 64;
    /// depthwise: whole channels' worth of filters).
    var channelBlock: Int { spec.channelBlock }

    func workPerOutputValue(input: Shape) -> Int { spec.workPerOutputValue(inputChannels: input.channels) }

    func outputShape(for input: Shape) -> Shape? { spec.outputShape(for: input) }

    func inputRows(for rows: Range<Int>, input: Shape) -> Range<Int> {
        let window = self.rows.inputWindow(for: rows)
        guard !window.isEmpty else {
            // No rows asked (a band of the next layer that reads only its padding): none needed, at
            // the place the rows would start, so the banded route's window never moves back up.
            let edge = min(max(rows.lowerBound * self.rows.stride - self.rows.padBefore, 0), input.height)
            return edge..<edge
        }
        let first = window.lowerBound, end = window.upperBound
        if first >= 0 && end <= input.height { return first..<end }
        // Rows the kernel window covers outside the image read whatever the pad mode says (the
        // nearest row, a reflected one, a wrapped one from the far side, or none).
        var low = Int.max, high = Int.min
        for coordinate in first..<end {
            guard let source = spec.padMode.sourceIndex(coordinate, length: input.height) else { continue }
            low = min(low, source)
            high = max(high, source)
        }
        if low > high {
            let edge = min(max(first, 0), input.height)
            return edge..<edge
        }
        return low..<high + 1
    }

    func compute(
        input: FeatureBand, inputShape: Shape, output: MutableFeatureBand, outputShape: Shape,
        channels: Range<Int>, rows: Range<Int>
    ) {
        let padded = PaddedInput(
            conv: self, input: input, inputShape: inputShape, outputShape: outputShape,
            channels: channels, rows: rows)
        defer { padded.deallocate() }
        compute(from: padded, output: output, outputShape: outputShape, channels: channels, rows: rows)
    }

    /// Computes output `channels` × `rows` from a padded band prepared for (at least) them.
    func compute(
        from padded: PaddedInput, output: MutableFeatureBand, outputShape: Shape,
        channels: Range<Int>, rows: Range<Int>
    ) {
        let rowOffset = (rows.lowerBound - padded.firstOutputRow) * spec.stride * padded.layout.rowStride
        for group in groups where group.maps.overlaps(channels) {
            let slotOfTerm = group.terms.map { $0 == ConvGroup.channelSum ? padded.sumSlot : $0 - padded.firstChannel }
            let outputs: [UnsafeMutablePointer<Float>?] = (0..<ConvGroup.blockSize).map { k in
                let map = group.firstMap + k
                return k < group.mapCount && channels.contains(map) ? output.row(map, rows.lowerBound) : nil
            }
            let job = ConvKernels.Job(
                scratch: UnsafePointer(padded.scratch + rowOffset), layout: padded.layout, slots: slotOfTerm,
                kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: spec.stride, dilation: spec.dilation,
                outputWidth: outputShape.width, outputRowStride: output.width, rowCount: rows.count)
            ConvKernels.run(job, group: group, outputs: outputs, kernels: kernels)
        }
    }
}
