// padded[slot, r, xp] = in[c, firstInputRow + r, xp − P_left] with out-of-image coordinates resolved
// by the pad mode (PadIndex.swift), one slot per input channel a tile reads, plus (broadcast filters)
// a slot holding Σ_c padded[c] summed in channel order. Built once per conv tile so the inner loops
// read whole vectors without border tests.

/// A conv tile's input, padded into scratch memory (owned: call `deallocate()`).
struct PaddedInput {
    /// How the scratch band is laid out: slots (input channels) of rows of `rowStride` floats.
    struct Layout {
        let rowStride: Int
        let slotStride: Int
    }

    let scratch: UnsafeMutablePointer<Float>
    let layout: Layout
    /// Input channel in slot 0.
    let firstChannel: Int
    /// Slot of the channel sum (valid when the conv uses it).
    let sumSlot: Int
    /// Output row whose kernel window starts at scratch row 0.
    let firstOutputRow: Int

    /// Pads the input rows and channels that output `channels` × `rows` of `conv` read.
    init(conv: Conv2D, input: FeatureBand, inputShape: Shape, outputShape: Shape, channels: Range<Int>, rows: Range<Int>) {
        let spec = conv.spec, stride = spec.stride, dilation = spec.dilation
        let filterCount = spec.filters.count
        let endChannel: Int
        if spec.group > 1 {
            // Only the parts the tile's maps read.
            let perGroup = conv.inputChannels / spec.group, filtersPerGroup = filterCount / spec.group
            firstChannel = channels.lowerBound / filtersPerGroup * perGroup
            endChannel = ((channels.upperBound - 1) / filtersPerGroup + 1) * perGroup
        } else {
            firstChannel = spec.depthwise ? channels.lowerBound / filterCount : 0
            endChannel = spec.depthwise ? (channels.upperBound - 1) / filterCount + 1 : conv.inputChannels
        }
        sumSlot = endChannel - firstChannel
        firstOutputRow = rows.lowerBound
        let slots = sumSlot + (conv.usesChannelSum ? 1 : 0)
        let strip = ConvKernels.stripWidth, outputWidth = outputShape.width
        let rowCount = conv.rows.inputLength(outputs: rows.count)
        // Stride 1 reads whole strips past the output width; wider strides read exactly what they use.
        let rowStride = conv.columns.inputLength(
            outputs: stride == 1 ? (outputWidth + strip - 1) / strip * strip : outputWidth)
        layout = Layout(rowStride: rowStride, slotStride: rowCount * rowStride)
        scratch = UnsafeMutablePointer<Float>.allocate(capacity: slots * layout.slotStride)
        fill(
            input: input, inputShape: inputShape, channels: firstChannel..<endChannel,
            firstInputRow: rows.lowerBound * stride - conv.padTop, rowCount: rowCount, padLeft: conv.padLeft,
            mode: spec.padMode)
        if conv.usesChannelSum {
            ConvKernels.sumSlots(
                scratch, slotCount: sumSlot, layout: layout, count: layout.slotStride,
                into: scratch + sumSlot * layout.slotStride)
        }
    }

    func deallocate() { scratch.deallocate() }

    private func fill(
        input: FeatureBand, inputShape: Shape, channels: Range<Int>, firstInputRow: Int, rowCount: Int,
        padLeft: Int, mode: PadMode
    ) {
        let width = inputShape.width, rowStride = layout.rowStride
        let columnSource = (0..<rowStride).map { mode.sourceIndex($0 - padLeft, length: width) ?? -1 }
        let interiorStart = min(padLeft, rowStride)
        let interiorEnd = min(padLeft + width, rowStride)
        for (slot, c) in channels.enumerated() {
            for r in 0..<rowCount {
                let target = scratch + slot * layout.slotStride + r * rowStride
                guard let sourceRow = mode.sourceIndex(firstInputRow + r, length: inputShape.height) else {
                    target.initialize(repeating: 0, count: rowStride)
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
                for xp in max(interiorEnd, interiorStart)..<rowStride {
                    let s = columnSource[xp]
                    target[xp] = s < 0 ? 0 : source[s]
                }
            }
        }
    }
}
