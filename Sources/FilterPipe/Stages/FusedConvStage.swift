// out = pool(activation(conv(in))) computed band by band: the conv's rows for a few pooled rows go
// to a small scratch band (cache-resident), the activation runs in place, the pool reads the band.
// Each value is computed by the same Conv2D / ActivationStage / Pool2D code as the unfused stages,
// so the results are identical. Before a max pool, relu and leaky_relu (slope ≥ 0) run on the pooled
// values instead: they are monotone, so max(f(a), f(b)) = f(max(a, b)) exactly, on a quarter of the values.

/// A conv followed by activations and/or a pool, without the full conv output in memory.
struct FusedConvStage: Stage {
    let conv: Conv2D
    let activations: [ActivationStage]
    let pool: Pool2D?

    var channelBlock: Int { conv.channelBlock }
    /// True when the activations can run after the max pool (see the file comment).
    var activatesAfterPool: Bool {
        guard pool?.spec.kind == .max else { return false }
        return activations.allSatisfy {
            switch $0.activation {
            case .relu: true
            case .leakyReLU(let slope): slope >= 0
            default: false
            }
        }
    }

    func workPerOutputValue(input: Shape) -> Int {
        conv.workPerOutputValue(input: input) * (pool.map { $0.spec.size * $0.spec.size } ?? 1)
    }

    func outputShape(for input: Shape) -> Shape? {
        guard let convShape = conv.outputShape(for: input) else { return nil }
        return pool.map { $0.outputShape(for: convShape) } ?? convShape
    }

    func inputRows(for rows: Range<Int>, input: Shape) -> Range<Int> {
        guard let convShape = conv.outputShape(for: input) else { return 0..<0 }
        return conv.inputRows(for: pool?.inputRows(for: rows, input: convShape) ?? rows, input: input)
    }

    func compute(
        input: FeatureBand, inputShape: Shape, output: MutableFeatureBand, outputShape: Shape,
        channels: Range<Int>, rows: Range<Int>
    ) {
        guard let convShape = conv.outputShape(for: inputShape) else { return }
        // Pad the tile's input once; then pooled rows in sub-bands whose conv rows (all the tile's maps)
        // stay near 512 KiB, so they and the padded rows they read stay in L2.
        let tileConvRows = pool?.inputRows(for: rows, input: convShape) ?? rows
        let padded = PaddedInput(
            conv: conv, input: input, inputShape: inputShape, outputShape: convShape,
            channels: channels, rows: tileConvRows)
        defer { padded.deallocate() }
        let convRowsPerPooledRow = pool?.spec.stride ?? 1
        let poolRowsPerBand = max(1, (128 << 10) / max(1, channels.count * convShape.width * convRowsPerPooledRow))
        let maxConvRows =
            pool.map { $0.inputRows(for: 0..<poolRowsPerBand, input: convShape).count + $0.spec.size }
            ?? poolRowsPerBand
        let band = UnsafeMutablePointer<Float>.allocate(capacity: channels.count * maxConvRows * convShape.width)
        defer { band.deallocate() }
        var first = rows.lowerBound
        while first < rows.upperBound {
            let subRows = first..<min(rows.upperBound, first + poolRowsPerBand)
            let convRows = pool?.inputRows(for: subRows, input: convShape) ?? subRows
            let convBand = MutableFeatureBand(
                base: band, firstChannel: channels.lowerBound, firstRow: convRows.lowerBound,
                width: convShape.width, channelStride: convRows.count * convShape.width)
            conv.compute(from: padded, output: convBand, outputShape: convShape, channels: channels, rows: convRows)
            if !activatesAfterPool {
                for activation in activations {
                    activation.apply(to: band, count: channels.count * convRows.count * convShape.width)
                }
            }
            if let pool {
                pool.compute(
                    input: convBand.readOnly, inputShape: convShape, output: output, outputShape: outputShape,
                    channels: channels, rows: subRows)
                if activatesAfterPool {
                    for c in channels {
                        for y in subRows {
                            for activation in activations { activation.apply(to: output.row(c, y), count: outputShape.width) }
                        }
                    }
                }
            } else {
                for c in channels {
                    for y in subRows { output.row(c, y).update(from: convBand.row(c, y), count: convShape.width) }
                }
            }
            first = subRows.upperBound
        }
    }
}
