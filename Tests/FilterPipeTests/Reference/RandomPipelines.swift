// Random pipelines and inputs for the sweep tests, covering every stage option and every fast path.
@testable import FilterPipe

enum RandomPipelines {
    static func tensor(_ shape: Shape, using rng: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.count).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    static func matrix(rows: Int, columns: Int, rankOne: Bool, using rng: inout SeededGenerator) -> Matrix {
        if rankOne {
            let u = (0..<rows).map { _ in Float.random(in: -1...1, using: &rng) }
            let v = (0..<columns).map { _ in Float.random(in: -1...1, using: &rng) }
            return Matrix(rows: rows, columns: columns, values: u.flatMap { a in v.map { a * $0 } })
        }
        return Matrix(
            rows: rows, columns: columns,
            values: (0..<rows * columns).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    static func conv(inputChannels: Int, using rng: inout SeededGenerator) -> ConvSpec {
        let rankOne = Int.random(in: 0..<4, using: &rng) == 0
        let kh = rankOne ? Int.random(in: 5...7, using: &rng) : Int.random(in: 1...7, using: &rng)
        let kw = rankOne ? Int.random(in: 5...7, using: &rng) : Int.random(in: 1...7, using: &rng)
        let depthwise = Int.random(in: 0..<4, using: &rng) == 0
        let broadcast = depthwise || Bool.random(using: &rng)
        let stride = rankOne || Bool.random(using: &rng) ? 1 : Int.random(in: 1...3, using: &rng)
        let dilation = Int.random(in: 0..<3, using: &rng) == 0 ? Int.random(in: 2...3, using: &rng) : 1
        let padding: Padding =
            stride == 1 && Int.random(in: 0..<3, using: &rng) == 0
            ? .same : .explicit(Int.random(in: 0...3, using: &rng))
        let filterCount = depthwise ? Int.random(in: 1...3, using: &rng) : Int.random(in: 1...9, using: &rng)
        let filters = (0..<filterCount).map { f in
            FilterSpec(
                name: "f\(f)", bias: Float.random(in: -0.5...0.5, using: &rng),
                channels: (0..<(broadcast ? 1 : inputChannels)).map { _ in
                    matrix(rows: kh, columns: kw, rankOne: rankOne, using: &rng)
                })
        }
        return ConvSpec(
            filters: filters, stride: stride, padding: padding,
            padMode: PadMode.allCases.randomElement(using: &rng)!, dilation: dilation, depthwise: depthwise)
    }

    static func activation(using rng: inout SeededGenerator) -> Activation {
        [.relu, .abs, .leakyReLU(slope: 0.1), .sigmoid, .tanh].randomElement(using: &rng)!
    }

    static func pool(using rng: inout SeededGenerator) -> PoolSpec {
        let size = Int.random(in: 1...3, using: &rng)
        return PoolSpec(
            kind: Bool.random(using: &rng) ? .max : .average, size: size,
            stride: Int.random(in: 1...3, using: &rng), pad: Int.random(in: 0...(size / 2), using: &rng),
            ceilMode: Bool.random(using: &rng))
    }

    /// A pipeline of one or two conv layers (each maybe followed by activations and a pool),
    /// sometimes a pool or activation first; intermediate maps keep channel counts at most 8.
    static func randomCase(using rng: inout SeededGenerator) -> RandomCase {
        let mode = InputMode.allCases.randomElement(using: &rng)!
        var channels = mode.channels
        var stages: [StageSpec] = []
        if Int.random(in: 0..<6, using: &rng) == 0 { stages.append(.activation(activation(using: &rng))) }
        if Int.random(in: 0..<6, using: &rng) == 0 { stages.append(.pool(pool(using: &rng))) }
        for _ in 0..<Int.random(in: 1...2, using: &rng) {
            var conv = conv(inputChannels: channels, using: &rng)
            if conv.depthwise && channels * conv.filters.count > 8 { conv.filters = [conv.filters[0]] }
            stages.append(.conv(conv))
            channels = conv.depthwise ? channels * conv.filters.count : conv.filters.count
            for _ in 0..<Int.random(in: 0...2, using: &rng) { stages.append(.activation(activation(using: &rng))) }
            if Bool.random(using: &rng) { stages.append(.pool(pool(using: &rng))) }
        }
        let wide = Int.random(in: 0..<5, using: &rng) == 0
        let shape = Shape(
            channels: mode.channels, height: Int.random(in: 5...23, using: &rng),
            width: wide ? Int.random(in: 24...90, using: &rng) : Int.random(in: 5...23, using: &rng))
        return RandomCase(spec: PipelineSpec(input: mode, stages: stages), input: tensor(shape, using: &rng))
    }
}
