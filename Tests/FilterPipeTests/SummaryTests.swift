import Testing

@testable import FilterPipe

private func broadcast(_ name: String, _ rows: Int, _ columns: Int) -> FilterSpec {
    FilterSpec(name: name, channels: [Matrix(rows: rows, columns: columns, values: [Float](repeating: 1, count: rows * columns))])
}

/// rgb 32×24 → conv s2 p1 (4 broadcast 3×3) → relu → maxpool 3/2 ceil → depthwise d2 (2 × 3×3)
/// → per-channel conv (1 filter, 8 matrices 2×1) → avgpool 2 pad 1.
private let knownPipeline = PipelineSpec(
    input: .rgb,
    stages: [
        .conv(ConvSpec(filters: (0..<4).map { broadcast("f\($0)", 3, 3) }, stride: 2, padding: .explicit(1))),
        .activation(.relu),
        .pool(PoolSpec(kind: .max, size: 3, stride: 2, ceilMode: true)),
        .conv(ConvSpec(filters: [broadcast("d0", 3, 3), broadcast("d1", 3, 3)], dilation: 2, depthwise: true)),
        .conv(
            ConvSpec(filters: [
                FilterSpec(
                    name: "mix",
                    channels: [Matrix](
                        repeating: Matrix(rows: 2, columns: 1, values: [1, -1]), count: 8))
            ])),
        .pool(PoolSpec(kind: .average, size: 2, pad: 1)),
    ])

@Test func summaryShapesWeightsAndMultiplyAddsMatchHandComputation() throws {
    let summary = try PipelineSummary(spec: knownPipeline, width: 32, height: 24)
    // By hand, (n + 2P − D(K−1) − 1)/S + 1:
    // conv1: H (24+2−2−1)/2+1 = 12, W (32+2−2−1)/2+1 = 16; 4·(9+1) weights; 4·12·16 · 3·9 MACs.
    // maxpool ceil: H ceil((12−3)/2)+1 = 6, W ceil((16−3)/2)+1 = 8.
    // depthwise d2: H 6−4 = 2, W 8−4 = 4, 4·2 maps; 2·(9+1) weights; 8·2·4 · 9 MACs.
    // per-channel 2×1: H 1, W 4; 8·2+1 weights; 1·4 · 8·2 MACs.
    // avgpool 2 pad 1: H (1+2−2)/2+1 = 1, W (4+2−2)/2+1 = 3.
    let expected: [(Shape, Int, Int)] = [
        (Shape(channels: 4, height: 12, width: 16), 40, 20_736),
        (Shape(channels: 4, height: 12, width: 16), 0, 0),
        (Shape(channels: 4, height: 6, width: 8), 0, 0),
        (Shape(channels: 8, height: 2, width: 4), 20, 576),
        (Shape(channels: 1, height: 1, width: 4), 17, 64),
        (Shape(channels: 1, height: 1, width: 3), 0, 0),
    ]
    #expect(summary.inputShape == Shape(channels: 3, height: 24, width: 32))
    #expect(summary.rows.count == expected.count)
    for (row, (shape, weights, multiplyAdds)) in zip(summary.rows, expected) {
        #expect(row.outputShape == shape, "stage \(row.index)")
        #expect(row.weights == weights, "stage \(row.index)")
        #expect(row.multiplyAdds == multiplyAdds, "stage \(row.index)")
    }
    #expect(summary.rows.map(\.kind) == ["conv", "relu", "maxpool", "conv", "conv", "avgpool"])
    #expect(summary.totalWeights == 77)
    #expect(summary.totalMultiplyAdds == 21_376)
    #expect(summary.outputShape == Shape(channels: 1, height: 1, width: 3))
}

@Test(
    "a stage whose output would be empty is an error naming it",
    arguments: [
        (4, 4, "layer 3 (maxpool): output would be empty for its 4×2×2 input (a 3×3 window with pad 0 needs at least 3×3)"),
        (32, 3, "layer 3 (maxpool): output would be empty for its 4×2×16 input (a 3×3 window with pad 0 needs at least 3×3)"),
        (
            12, 12,
            "layer 4 (conv): output would be empty for its 4×3×3 input (a 3×3 kernel with dilation 2 and pad 0 needs at least 5×5)"
        ),
    ])
func emptyOutputForSmallInputIsAnError(_ width: Int, _ height: Int, _ message: String) {
    #expect(throws: PipelineError(message)) { try PipelineSummary(spec: knownPipeline, width: width, height: height) }
}

@Test func sameSizeConvWithMixedKernelSizesCountsEachFilter() throws {
    let spec = try FilterFileParser.parse(
        "input gray\nconv pad=same\n filter a = box size=1\n filter b = gaussian size=5\n",
        fileName: "t.filter")
    let summary = try PipelineSummary(spec: spec, width: 10, height: 10)
    #expect(summary.rows[0].outputShape == Shape(channels: 2, height: 10, width: 10))
    #expect(summary.rows[0].weights == (1 + 1) + (25 + 1))
    #expect(summary.rows[0].multiplyAdds == 100 * 1 + 100 * 25)
}

@Test func specWithWrongChannelCountIsRejected() {
    let spec = PipelineSpec(
        input: .gray,
        stages: [
            .conv(
                ConvSpec(filters: [
                    FilterSpec(name: "rgb", channels: [Matrix](repeating: Matrix(rows: 1, columns: 1, values: [1]), count: 3))
                ]))
        ])
    #expect(throws: PipelineError("layer 1 (conv): filter 'rgb' has 3 channel matrices but the input has 1 channel (input gray)"))
    {
        try PipelineSummary(spec: spec, width: 4, height: 4)
    }
}
