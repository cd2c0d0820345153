// relu: max(v, 0); abs: |v|; leaky_relu: v < 0 ? slope·v : v; sigmoid: 1 / (1 + e^−v); tanh: tanh v.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An element-wise activation as a stage (also applied in place inside fused stages).
struct ActivationStage: Stage {
    let activation: Activation

    var channelBlock: Int { 8 }
    func workPerOutputValue(input: Shape) -> Int { 1 }
    func outputShape(for input: Shape) -> Shape? { input.isEmpty ? nil : input }
    func inputRows(for rows: Range<Int>, input: Shape) -> Range<Int> { rows }

    func compute(
        input: FeatureBand, inputShape: Shape, output: MutableFeatureBand, outputShape: Shape,
        channels: Range<Int>, rows: Range<Int>
    ) {
        for c in channels {
            for y in rows {
                output.row(c, y).update(from: input.row(c, y), count: outputShape.width)
                apply(to: output.row(c, y), count: outputShape.width)
            }
        }
    }

    /// Applies the activation to `count` values at `values`, in place.
    func apply(to values: UnsafeMutablePointer<Float>, count: Int) {
        switch activation {
        case .relu:
            for n in 0..<count { values[n] = max(values[n], 0) }
        case .abs:
            for n in 0..<count { values[n] = Swift.abs(values[n]) }
        case .leakyReLU(let slope):
            for n in 0..<count { values[n] = values[n] < 0 ? slope * values[n] : values[n] }
        case .sigmoid:
            for n in 0..<count { values[n] = 1 / (1 + exp(-values[n])) }
        case .tanh:
            for n in 0..<count { values[n] = tanh(values[n]) }
        }
    }
}
