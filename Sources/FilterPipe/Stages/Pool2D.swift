// out[c, y, x] = max or mean of in[c, y·S − P + i, x·S − P + j] over 0 ≤ i, j < K, only positions
// inside the image (PyTorch: max ignores padding, average divides by the pixels inside the image,
// count_include_pad=False). Average sums row by row, left to right.

/// Max or average pooling as a stage.
struct Pool2D: Stage {
    let spec: PoolSpec

    var channelBlock: Int { 8 }
    func workPerOutputValue(input: Shape) -> Int { spec.size * spec.size }
    func outputShape(for input: Shape) -> Shape? { spec.outputShape(for: input) }

    func inputRows(for rows: Range<Int>, input: Shape) -> Range<Int> {
        let first = max(0, rows.lowerBound * spec.stride - spec.pad)
        let end = min(input.height, (rows.upperBound - 1) * spec.stride - spec.pad + spec.size)
        return first..<max(first, end)
    }

    func compute(
        input: FeatureBand, inputShape: Shape, output: MutableFeatureBand, outputShape: Shape,
        channels: Range<Int>, rows: Range<Int>
    ) {
        let fastMax = spec.kind == .max && spec.size == 2 && spec.stride == 2 && spec.pad == 0
        for c in channels {
            for y in rows {
                let target = output.row(c, y)
                let rowStart = y * spec.stride - spec.pad
                let windowRows = max(0, rowStart)..<min(inputShape.height, rowStart + spec.size)
                var x = 0
                if fastMax && windowRows.count == 2 {
                    x = PoolKernels.max2x2(
                        top: input.row(c, windowRows.lowerBound),
                        bottom: input.row(c, windowRows.lowerBound + 1),
                        inputWidth: inputShape.width, output: target, outputWidth: outputShape.width)
                }
                while x < outputShape.width {
                    let columnStart = x * spec.stride - spec.pad
                    let windowColumns = max(0, columnStart)..<min(inputShape.width, columnStart + spec.size)
                    target[x] = pool(input: input, channel: c, rows: windowRows, columns: windowColumns)
                    x += 1
                }
            }
        }
    }

    private func pool(input: FeatureBand, channel: Int, rows: Range<Int>, columns: Range<Int>) -> Float {
        switch spec.kind {
        case .max:
            var best = -Float.infinity
            for y in rows {
                let row = input.row(channel, y)
                for x in columns { best = row[x] >= best ? row[x] : best }
            }
            return best
        case .average:
            var sum: Float = 0
            for y in rows {
                let row = input.row(channel, y)
                for x in columns { sum += row[x] }
            }
            return sum / Float(rows.count * columns.count)
        }
    }
}
