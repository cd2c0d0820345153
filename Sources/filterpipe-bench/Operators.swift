// `filterpipe-bench ops [runs]`: the network operators on the layer shapes that dominate the
// PaddleOCR PP-OCRv4 detector at 640×640 (shapes from scripts/check-operator-reference.py's model
// survey; `ops RUNS TEXT` runs the shapes whose name contains TEXT): median wall time of `runs` runs per shape, 1 and 2 workers, and GFLOP/s.
import Dispatch
import FilterPipe

struct OperatorCase {
    let name: String
    let input: Shape
    /// Runs once; returns the multiply-adds it did.
    let run: (Tensor, Executor) throws -> Void
    let multiplyAdds: Double
}

func convCase(
    _ name: String, c: Int, h: Int, w: Int, f: Int, k: Int, group: Int = 1, stride: Int = 1, pad: Int,
    activations: [Activation] = []
) throws -> OperatorCase {
    var rng = SplitMix64(state: 7)
    let weights = (0..<f * (c / group) * k * k).map { _ in normal(0, 0.1, using: &rng) }
    let op = try ConvolutionOperator(
        weights: weights, weightShape: [f, c / group, k, k], bias: [Float](repeating: 0.1, count: f),
        inputChannels: c, group: group, strides: (stride, stride),
        pads: ConvPads(top: pad, left: pad, bottom: pad, right: pad), activations: activations)
    let out = op.outputShape(for: Shape(channels: c, height: h, width: w))!
    return OperatorCase(
        name: name, input: Shape(channels: c, height: h, width: w), run: { _ = try op.run($0, executor: $1) },
        multiplyAdds: Double(out.count * (c / group) * k * k))
}

func benchmarkOperators(runs: Int, only: String?) throws {
    var rng = SplitMix64(state: 9)
    let transposeWeights = (0..<24 * 24 * 4).map { _ in normal(0, 0.1, using: &rng) }
    let transpose = try ConvTransposeOperator(
        weights: transposeWeights, weightShape: [24, 24, 2, 2], bias: [Float](repeating: 0, count: 24),
        strides: (2, 2))
    let cases: [OperatorCase] = [
        try convCase("conv 3x3 96->24 @160x160 pad 1", c: 96, h: 160, w: 160, f: 24, k: 3, pad: 1),
        try convCase("conv 1x1 48->48 @160x160", c: 48, h: 160, w: 160, f: 48, k: 1, pad: 0),
        try convCase("conv 1x1 192->192 @40x40", c: 192, h: 40, w: 40, f: 192, k: 1, pad: 0),
        try convCase("conv 1x1 384->384 @20x20", c: 384, h: 20, w: 20, f: 384, k: 1, pad: 0),
        try convCase(
            "conv 1x1 16->64 @160x160 +hardswish", c: 16, h: 160, w: 160, f: 64, k: 1, pad: 0, activations: [.hardSwish]),
        try convCase("depthwise 3x3 64 @160x160 s1", c: 64, h: 160, w: 160, f: 64, k: 3, group: 64, pad: 1),
        try convCase("depthwise 3x3 64 @160x160 s2", c: 64, h: 160, w: 160, f: 64, k: 3, group: 64, stride: 2, pad: 1),
        try convCase("depthwise 5x5 96 @80x80 s1", c: 96, h: 80, w: 80, f: 96, k: 5, group: 96, pad: 2),
        try convCase("depthwise 5x5 96 @80x80 s2", c: 96, h: 80, w: 80, f: 96, k: 5, group: 96, stride: 2, pad: 2),
        OperatorCase(
            name: "convtranspose 2x2 s2 24->24 @160x160", input: Shape(channels: 24, height: 160, width: 160),
            run: { _ = try transpose.run($0, executor: $1) }, multiplyAdds: Double(24 * 160 * 160 * 24 * 4)),
    ]
    for operatorCase in cases where only.map({ operatorCase.name.contains($0) }) ?? true {
        let shape = operatorCase.input
        let input = Tensor(shape: shape, values: (0..<shape.count).map { _ in Float.random(in: -1...1, using: &rng) })
        var line = "\(operatorCase.name):"
        for workers in [1, 2] {
            let executor = Executor(workers: workers)
            try operatorCase.run(input, executor)
            var times: [Double] = []
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                try operatorCase.run(input, executor)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            let median = times.sorted()[times.count / 2]
            line +=
                " workers=\(workers) \(formatted(median, decimals: 3)) ms"
                + " (\(formatted(2 * operatorCase.multiplyAdds / (median / 1e3) / 1e9, decimals: 1)) GFLOP/s)"
        }
        print(line)
    }
}
