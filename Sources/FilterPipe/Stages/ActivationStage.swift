// relu: max(v, 0); abs: |v|; leaky_relu: v < 0 ? slope·v : v; sigmoid: 1 / (1 + e^−v); tanh: tanh v;
// clip: min(max(v, low), high); hard_sigmoid: max(0, min(1, α·v + β)); hard_swish: v · max(0, min(1,
// v/6 + 1/2)); elu: v < 0 ? α·(e^v − 1) : v (ONNX's definitions, float32 arithmetic).

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
        case .clip(let low, let high):
            for n in 0..<count { values[n] = min(max(values[n], low), high) }
        case .hardSigmoid(let alpha, let beta):
            for n in 0..<count { values[n] = max(0, min(1, alpha * values[n] + beta)) }
        case .hardSwish:
            for n in 0..<count { values[n] *= max(0, min(1, values[n] * (1 / 6 as Float) + 0.5)) }
        case .elu(let alpha):
            for n in 0..<count { values[n] = values[n] < 0 ? alpha * expm1(values[n]) : values[n] }
        }
    }
}
