// out[f, y, x] = bias[f] + Σ_c Σ_i Σ_j w[f, c, i, j] · in[c, y·S + i·D − P_top, x·S + j·D − P_left]
// (cross-correlation; a broadcast filter uses its one matrix for every c; depthwise: map c·F + f
// is filter f on channel c alone). Reads outside the image follow the pad mode (PadIndex.swift).

/// A convolution bank as a stage: maps grouped for register blocking, the input padded once per
/// tile into a scratch band so the inner loops never test borders.
struct Conv2D: Stage {
    let label = "conv"
    let spec: ConvSpec
    let inputChannels: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let padTop: Int
    let padLeft: Int
    let groups: [ConvGroup]
    let usesChannelSum: Bool

    /// Plans the bank for `inputChannels` input channels (the spec was validated by `Pipeline`).
    init(spec: ConvSpec, inputChannels: Int) {
        self.spec = spec
        self.inputChannels = inputChannels
        kernelHeight = spec.kernelHeight
        kernelWidth = spec.kernelWidth
        let pads = spec.paddings(kernelHeight: kernelHeight, kernelWidth: kernelWidth)
        padTop = pads.top
        padLeft = pads.left

        // Each map as (terms, one matrix per term, bias); consecutive maps with equal terms share a group.
        var maps: [(terms: [Int], matrices: [Matrix], bias: Float)] = []
        if spec.depthwise {
            for c in 0..<inputChannels {
                for filter in spec.filters { maps.append(([c], [filter.channels[0]], filter.bias)) }
            }
        } else {
            for filter in spec.filters {
                if filter.isBroadcast {
                    let term = inputChannels == 1 ? 0 : ConvGroup.channelSum
                    maps.append(([term], [filter.channels[0]], filter.bias))
                } else {
                    maps.append((Array(0..<inputChannels), filter.channels, filter.bias))
                }
            }
        }
        let taps = kernelHeight * kernelWidth
        var groups: [ConvGroup] = []
        var index = 0
        while index < maps.count {
            let separable = spec.stride == 1 && maps[index].terms.count == 1
                ? SeparableKernel(maps[index].matrices[0]) : nil
            var count = 1
            if separable == nil {
                while count < ConvGroup.blockSize, index + count < maps.count,
                      maps[index + count].terms == maps[index].terms,
                      !(spec.stride == 1 && maps[index + count].terms.count == 1
                        && SeparableKernel(maps[index + count].matrices[0]) != nil) {
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
            groups.append(ConvGroup(firstMap: index, mapCount: count, terms: terms, weights: weights,
                                    biases: biases, separable: separable))
            index += count
        }
        self.groups = groups
        usesChannelSum = groups.contains { $0.terms.contains(ConvGroup.channelSum) }
    }

    var channelBlock: Int { spec.depthwise ? max(ConvGroup.blockSize, spec.filters.count) : 2 * ConvGroup.blockSize }

    func workPerOutputValue(input: Shape) -> Int {
        let terms = spec.depthwise || spec.filters.allSatisfy(\.isBroadcast) ? 1 : input.channels
        return max(1, terms * kernelHeight * kernelWidth)
    }

    func outputShape(for input: Shape) -> Shape? { spec.outputShape(for: input) }

    func inputRows(for rows: Range<Int>, input: Shape) -> Range<Int> {
        // Padding modes may read any row (circular wraps), so a tile may need the whole input.
        0 ..< input.height
    }

    func compute(input: FeatureBand, inputShape: Shape, output: MutableFeatureBand, outputShape: Shape,
                 channels: Range<Int>, rows: Range<Int>) {
        let stride = spec.stride, dilation = spec.dilation
        let filterCount = spec.filters.count
        let firstChannel = spec.depthwise ? channels.lowerBound / filterCount : 0
        let endChannel = spec.depthwise ? (channels.upperBound - 1) / filterCount + 1 : inputChannels
        let slots = endChannel - firstChannel + (usesChannelSum ? 1 : 0)
        let sumSlot = endChannel - firstChannel
        let outputWidth = outputShape.width
        let stripWidth = ConvKernels.stripWidth
        let scratchRows = (rows.count - 1) * stride + dilation * (kernelHeight - 1) + 1
        let scratchWidth = stride == 1
            ? (outputWidth + stripWidth - 1) / stripWidth * stripWidth + dilation * (kernelWidth - 1)
            : (outputWidth - 1) * stride + dilation * (kernelWidth - 1) + 1
        let layout = ScratchLayout(rowStride: scratchWidth, slotStride: scratchRows * scratchWidth)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: slots * layout.slotStride)
        defer { scratch.deallocate() }

        fillPaddedBand(scratch: scratch, layout: layout, input: input, inputShape: inputShape,
                       channels: firstChannel ..< endChannel, firstInputRow: rows.lowerBound * stride - padTop,
                       rowCount: scratchRows)
        if usesChannelSum {
            ConvKernels.sumSlots(scratch, slotCount: sumSlot, layout: layout, count: layout.slotStride,
                                 into: scratch + sumSlot * layout.slotStride)
        }

        let active = groups.filter { $0.maps.overlaps(channels) }
        for group in active {
            let slotOfTerm = group.terms.map { $0 == ConvGroup.channelSum ? sumSlot : $0 - firstChannel }
            let outputs: [UnsafeMutablePointer<Float>?] = (0..<ConvGroup.blockSize).map { k in
                let map = group.firstMap + k
                return k < group.mapCount && channels.contains(map) ? output.row(map, rows.lowerBound) : nil
            }
            let job = ConvKernels.Job(
                scratch: UnsafePointer(scratch), layout: layout, slots: slotOfTerm,
                kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, dilation: dilation,
                outputWidth: outputWidth, outputRowStride: output.width, rowCount: rows.count)
            if let separable = group.separable, let out = outputs[0] {
                ConvKernels.separable(job, kernel: separable, bias: group.biases[0], output: out)
            } else if stride != 1 {
                ConvKernels.scalar(job, group: group, outputs: outputs)
            } else if group.mapCount == 1, let out = outputs[0] {
                ConvKernels.single(job, weights: group.weights, bias: group.biases[0], output: out)
            } else {
                ConvKernels.blocked(job, weights: group.weights, biases: group.biases, outputs: outputs)
            }
        }
    }

    /// Copies input rows `firstInputRow ..< firstInputRow + rowCount` (padded per the pad mode) of
    /// `channels` into consecutive scratch slots, column `xp` holding input column `xp − padLeft`.
    private func fillPaddedBand(scratch: UnsafeMutablePointer<Float>, layout: ScratchLayout, input: FeatureBand,
                                inputShape: Shape, channels: Range<Int>, firstInputRow: Int, rowCount: Int) {
        let width = inputShape.width, mode = spec.padMode
        let columnSource = (0..<layout.rowStride).map { mode.sourceIndex($0 - padLeft, length: width) ?? -1 }
        let interiorStart = min(padLeft, layout.rowStride)
        let interiorEnd = min(padLeft + width, layout.rowStride)
        for (slot, c) in channels.enumerated() {
            for r in 0..<rowCount {
                let target = scratch + slot * layout.slotStride + r * layout.rowStride
                guard let sourceRow = mode.sourceIndex(firstInputRow + r, length: inputShape.height) else {
                    target.initialize(repeating: 0, count: layout.rowStride)
                    continue
                }
                let source = input.row(c, sourceRow)
                for xp in 0..<interiorStart {
                    let s = columnSource[xp]
                    target[xp] = s < 0 ? 0 : source[s]
                }
                if interiorEnd > interiorStart {
                    (target + interiorStart).update(from: source, count: interiorEnd - interiorStart)
                }
                for xp in max(interiorEnd, interiorStart) ..< layout.rowStride {
                    let s = columnSource[xp]
                    target[xp] = s < 0 ? 0 : source[s]
                }
            }
        }
    }
}

/// How a conv tile's padded scratch band is laid out: slots (input channels) of rows of `rowStride`.
struct ScratchLayout {
    let rowStride: Int
    let slotStride: Int
}
