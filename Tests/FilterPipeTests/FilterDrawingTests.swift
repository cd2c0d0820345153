import Testing

@testable import FilterPipe

private func pixel(_ buffer: PixelBuffer, _ x: Int, _ y: Int) -> [UInt8] {
    guard case .uint8(let s) = buffer.samples else { return [] }
    let i = (y * buffer.width + x) * 3
    return Array(s[i..<(i + 3)])
}

private func matrix(_ values: [Float]) -> Matrix { Matrix(rows: 3, columns: 3, values: values) }

@Test func filterWeightsAreDrawnAsCellsOfTheDivergingMapWithWhiteAtZero() {
    // One bank, one 3×3 filter: −1 (ColorBrewer #053061), 0 (neutral), +1 (#67001F).
    let filter = FilterSpec(name: "edge", channels: [matrix([-1, 0, 1, -1, 0, 1, -1, 0, 1])])
    let spec = PipelineSpec(stages: [.conv(ConvSpec(filters: [filter]))])
    let cell = 10
    let drawing = FilterDrawing.draw(spec: spec, cellSize: cell)
    #expect(drawing.channels == 3 && drawing.bitDepth == 8)
    // Layout: margin 6, title strip 14, margin 6, name 14, 1-pixel frame, then the cells.
    let left = 6 + 1, top = 6 + 14 + 6 + 14 + 1
    for row in 0..<3 {
        #expect(pixel(drawing, left + cell / 2, top + row * cell + cell / 2) == [0x05, 0x30, 0x61])
        #expect(pixel(drawing, left + cell + cell / 2, top + row * cell + cell / 2).allSatisfy { $0 >= 245 })
        #expect(pixel(drawing, left + 2 * cell + cell / 2, top + row * cell + cell / 2) == [0x67, 0x00, 0x1F])
    }
    // Cells are whole squares: the corners of the −1 cell have its colour too.
    #expect(pixel(drawing, left, top) == [0x05, 0x30, 0x61])
    #expect(pixel(drawing, left + cell - 1, top + cell - 1) == [0x05, 0x30, 0x61])
}

@Test func weightsAreScaledByTheLargestMagnitudeOfTheirBank() {
    // Largest |w| is 2, so 1 sits three quarters up the map: level round(255 · 0.75) = 191.
    let filter = FilterSpec(name: "f", channels: [matrix([2, 1, 0, 0, 0, 0, 0, 0, 0])])
    let spec = PipelineSpec(stages: [.conv(ConvSpec(filters: [filter]))])
    let drawing = FilterDrawing.draw(spec: spec, cellSize: 8)
    let c = OutputSpec.Colormap.diverging.color(at: 191)
    #expect(pixel(drawing, 7 + 8 + 4, 41 + 4) == [c.red, c.green, c.blue])
}

@Test func multiChannelFiltersDrawOneTilePerChannelInARow() {
    let filter = FilterSpec(
        name: "rgb",
        channels: [
            matrix([Float](repeating: 1, count: 9)),
            matrix([Float](repeating: -1, count: 9)),
            matrix([Float](repeating: 0, count: 9)),
        ])
    let spec = PipelineSpec(stages: [.conv(ConvSpec(filters: [filter]))])
    let cell = 10
    let drawing = FilterDrawing.draw(spec: spec, cellSize: cell)
    let tile = 3 * cell + 2, gap = 3, top = 6 + 14 + 6 + 14 + 1 + 15
    #expect(pixel(drawing, 6 + 15, top) == [0x67, 0x00, 0x1F])
    #expect(pixel(drawing, 6 + tile + gap + 15, top) == [0x05, 0x30, 0x61])
    #expect(pixel(drawing, 6 + 2 * (tile + gap) + 15, top).allSatisfy { $0 >= 245 })
}

@Test func everyConvBankGetsATitledSection() {
    let small = FilterSpec(name: "a", channels: [matrix([Float](repeating: 1, count: 9))])
    let one = PipelineSpec(stages: [.conv(ConvSpec(filters: [small]))])
    let two = PipelineSpec(stages: [
        .conv(ConvSpec(filters: [small])), .activation(.relu),
        .pool(PoolSpec(kind: .max, size: 2)), .conv(ConvSpec(filters: [small, small])),
    ])
    let a = FilterDrawing.draw(spec: one, cellSize: 10)
    let b = FilterDrawing.draw(spec: two, cellSize: 10)
    #expect(b.height > a.height)
    // Each title strip is black across the full width at its row.
    let secondTitle = a.height + 2
    #expect(
        (0..<b.width).allSatisfy { x in
            let p = pixel(b, x, secondTitle)
            return p == [0, 0, 0] || p == [235, 235, 235]
        })
}

@Test func aPipelineWithoutConvolutionsSaysSo() {
    let drawing = FilterDrawing.draw(spec: PipelineSpec(stages: [.activation(.relu)]))
    #expect(drawing.width == 6 * "no convolution banks in this pipeline".count + 12)
}

@Test func wideMultiChannelBanksStayWithinTheMaximumWidth() {
    let wide = FilterSpec(
        name: "deep", channels: (0..<64).map { _ in Matrix(rows: 5, columns: 5, values: [Float](repeating: 0.5, count: 25)) })
    let drawing = FilterDrawing.draw(spec: PipelineSpec(stages: [.conv(ConvSpec(filters: [wide, wide]))]))
    #expect(drawing.width <= FilterDrawing.maxWidth)
}
