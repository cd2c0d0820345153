import Testing

@testable import FilterPipe

private let background = RGBColor(24, 24, 24)
private let red = RGBColor(230, 40, 40)

private func pixel(_ buffer: PixelBuffer, _ x: Int, _ y: Int) -> RGBColor {
    guard case .uint8(let s) = buffer.samples else { return RGBColor(0, 0, 0) }
    let i = (y * buffer.width + x) * buffer.channels
    return RGBColor(s[i], s[i + 1], s[i + 2])
}

private func pseudoRandom(count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 11) / Double(1 << 53))
    }
}

@Test(arguments: [1, 2, 3, 4, 5, 8, 10, 17, 41, 65, 200])
func montageGridIsAboutSquareAndHoldsEveryTile(tileCount: Int) {
    let layout = Montage.layout(tileCount: tileCount, mapWidth: 451, mapHeight: 300)
    #expect(layout.columns * layout.rows >= tileCount)
    #expect((layout.rows - 1) * layout.columns < tileCount)  // no empty row
    #expect(layout.rows == layout.columns || layout.rows == layout.columns - 1)
    #expect(layout.width <= 2048)
    // Aspect kept within a pixel of rounding.
    #expect(abs(Double(layout.tileHeight) / Double(layout.tileWidth) - 300.0 / 451.0) <= 1.0 / Double(layout.tileWidth))
}

@Test func montageOfSevenMapsAndThePhotoKeepsFullSizeTilesInThreeColumns() {
    let layout = Montage.layout(tileCount: 8, mapWidth: 451, mapHeight: 300, hasTitle: true)
    #expect(layout.columns == 3 && layout.rows == 3)
    #expect(layout.tileWidth == 451 && layout.tileHeight == 300)
    #expect(layout.width == 3 * 451 + 4 * 4)
    #expect(layout.height == layout.titleHeight + 3 * (300 + layout.labelHeight) + 4 * 4)
}

@Test func manyLargeMapsShrinkToFitTheMaximumWidth() {
    let layout = Montage.layout(tileCount: 41, mapWidth: 451, mapHeight: 300)
    #expect(layout.columns == 7)
    #expect(layout.tileWidth == (2048 - 8 * 4) / 7)  // 288
    #expect(layout.tileHeight == 192)  // 300 · 288 / 451 = 191.6
    #expect(layout.width <= 2048)
}

@Test func tinyMapsAreEnlargedByAWholeFactor() {
    let layout = Montage.layout(tileCount: 5, mapWidth: 8, mapHeight: 6)
    #expect(layout.tileWidth == 96 && layout.tileHeight == 72)
}

@Test func montageTilesHoldTheNormalizedMapsThePhotoAndTheGutter() throws {
    // 2 maps of 8×6 enlarged ×12: every tile pixel is its map pixel, quantised by the float64 oracle.
    let values = pseudoRandom(count: 2 * 48, seed: 5).map { $0 * 4 - 1 }
    let maps = Tensor(shape: Shape(channels: 2, height: 6, width: 8), values: values)
    // A 96×72 photo fits the 96×72 tile exactly, so it is copied unchanged.
    let photoSamples = (0..<(96 * 72 * 3)).map { UInt8(($0 * 7) % 256) }
    let photo = PixelBuffer(width: 96, height: 72, channels: 3, samples: .uint8(photoSamples))
    // minmax, which this oracle computes (the default is now percentile clipping, tested in
    // PercentileTests); every map gets a colour bar under its label.
    let montage = Montage.make(photo: photo, maps: maps, names: ["a", "b"], normalization: .minmax, colormap: .gray)
    let layout = Montage.layout(tileCount: 3, mapWidth: 8, mapHeight: 6, colorBars: .perTile)
    #expect(montage.width == layout.width && montage.height == layout.height)
    #expect(montage.channels == 3 && montage.bitDepth == 8)
    let photoOrigin = layout.tileOrigin(0)
    for (x, y) in [(0, 0), (95, 71), (40, 13)] {
        let i = (y * 96 + x) * 3
        #expect(
            pixel(montage, photoOrigin.x + x, photoOrigin.y + y)
                == RGBColor(photoSamples[i], photoSamples[i + 1], photoSamples[i + 2]))
    }
    for channel in 0..<2 {
        let plane = values[(channel * 48)..<((channel + 1) * 48)].map(Double.init)
        let lo = plane.min()!, hi = plane.max()!
        let origin = layout.tileOrigin(channel + 1)
        for y in stride(from: 0, to: 72, by: 5) {
            for x in stride(from: 0, to: 96, by: 7) {
                let v = plane[(y / 12) * 8 + x / 12]
                let level = UInt8(((v - lo) / (hi - lo) * 255).rounded())
                #expect(pixel(montage, origin.x + x, origin.y + y) == RGBColor(level, level, level))
            }
        }
    }
    // Gutter and the unused fourth cell are background; the label strip is black with light text.
    #expect(pixel(montage, 0, 0) == background)
    #expect(pixel(montage, layout.tileOrigin(1).x - 1, layout.tileOrigin(1).y + 10) == background)
    let strip = (0..<96).map { pixel(montage, layout.tileOrigin(1).x + $0, layout.tileOrigin(1).y + 72 + 6) }
    #expect(strip.contains(RGBColor(0, 0, 0)))
    #expect(strip.contains(RGBColor(235, 235, 235)))
    let empty = layout.tileOrigin(3)
    #expect(pixel(montage, empty.x + 50, empty.y + 30) == background)
}

@Test func shrunkTilesAreAreaAverages() {
    // One 200×100 map into a 100-pixel-wide tile: each tile pixel is the mean of a 2×2 block.
    let values = pseudoRandom(count: 200 * 100, seed: 9)
    let maps = Tensor(shape: Shape(channels: 1, height: 100, width: 200), values: values)
    let options = Montage.Options(maxWidth: 108, gutter: 4)
    let montage = Montage.make(input: nil, maps: maps, options: options)
    let layout = Montage.layout(tileCount: 1, mapWidth: 200, mapHeight: 100, options: options)
    #expect(layout.tileWidth == 100 && layout.tileHeight == 50)
    let lo = Double(values.min()!), hi = Double(values.max()!)
    for (x, y) in [(0, 0), (99, 49), (37, 21), (60, 3)] {
        let mean =
            [(0, 0), (0, 1), (1, 0), (1, 1)]
            .map { Double(values[(2 * y + $0.0) * 200 + 2 * x + $0.1]) }.reduce(0, +) / 4
        let level = Int(((mean - lo) / (hi - lo) * 255).rounded())
        let got = Int(pixel(montage, layout.tileOrigin(0).x + x, layout.tileOrigin(0).y + y).red)
        #expect(abs(got - level) <= 1)
    }
}

@Test func areaResamplerMatchesExactOverlapIntegrals() {
    // 5 → 3 columns and 4 → 3 rows: fractional overlaps, checked against a float64 integral.
    let source = (0..<20).map { Float($0 * $0 % 11) }
    let out = AreaResampler.resize(source[...], width: 5, height: 4, targetWidth: 3, targetHeight: 3)
    func overlap(_ a0: Double, _ a1: Double, _ b0: Double, _ b1: Double) -> Double { max(0, min(a1, b1) - max(a0, b0)) }
    for ty in 0..<3 {
        for tx in 0..<3 {
            let x0 = Double(tx) * 5 / 3, x1 = Double(tx + 1) * 5 / 3
            let y0 = Double(ty) * 4 / 3, y1 = Double(ty + 1) * 4 / 3
            var sum = 0.0
            for sy in 0..<4 {
                for sx in 0..<5 {
                    sum +=
                        overlap(x0, x1, Double(sx), Double(sx + 1)) * overlap(y0, y1, Double(sy), Double(sy + 1))
                        * Double(source[sy * 5 + sx])
                }
            }
            #expect(abs(Double(out[ty * 3 + tx]) - sum / ((x1 - x0) * (y1 - y0))) < 1e-4)
        }
    }
}

@Test func aConstantMapTileIsFramedInRedAndLabelledConstant() {
    var maps = Tensor(shape: Shape(channels: 2, height: 40, width: 100))
    for x in 0..<100 { maps[0, 5, x] = Float(x) }  // map 0 varies, map 1 stays all zero (a dead filter)
    let montage = Montage.make(input: nil, maps: maps, names: ["edge", "dead"])
    let layout = Montage.layout(tileCount: 2, mapWidth: 100, mapHeight: 40)
    let live = layout.tileOrigin(0), dead = layout.tileOrigin(1)
    #expect(pixel(montage, dead.x, dead.y) == red)
    #expect(pixel(montage, dead.x + 99, dead.y + 39) == red)
    #expect(pixel(montage, dead.x + 50, dead.y) == red)
    #expect(pixel(montage, live.x, live.y) != red)
    let deadLabel = (0..<100).map { pixel(montage, dead.x + $0, dead.y + 40 + 6) }
    #expect(deadLabel.contains(red))
    #expect(Montage.label(index: 1, name: "dead", isConstant: true, maxWidth: 102) == "1 dead (constant)")
    #expect(Montage.label(index: 1, name: "dead", isConstant: false, maxWidth: 100) == "1 dead")
}

@Test func longLabelsGiveWayInTheNameNotTheIndexOrConstantMark() {
    let label = Montage.label(index: 12, name: "a_very_long_filter_name", isConstant: true, maxWidth: 96)
    #expect(label.hasPrefix("12 "))
    #expect(label.hasSuffix(" (constant)"))
    #expect(label.count * 6 <= 96)
}

@Test func aSixteenBitGrayPhotoIsShrunkByAreaAveragingAndReplicatedToRGB() {
    // A 192×144 photo into a 96×72 tile (maps 8×6 enlarged ×12): each pixel is a 2×2 mean / 257.
    let samples = (0..<(192 * 144)).map { UInt16(($0 * 2749) % 65536) }
    let photo = PixelBuffer(width: 192, height: 144, channels: 1, samples: .uint16(samples))
    let maps = Tensor(shape: Shape(channels: 1, height: 6, width: 8), values: (0..<48).map(Float.init))
    let montage = Montage.make(photo: photo, maps: maps)
    let origin = Montage.layout(tileCount: 2, mapWidth: 8, mapHeight: 6).tileOrigin(0)
    for (x, y) in [(0, 0), (95, 71), (33, 50)] {
        let mean =
            [(0, 0), (0, 1), (1, 0), (1, 1)]
            .map { Double(samples[(2 * y + $0.0) * 192 + 2 * x + $0.1]) }.reduce(0, +) / 4 / 257
        let got = pixel(montage, origin.x + x, origin.y + y)
        #expect(abs(Int(got.red) - Int(mean.rounded())) <= 1)
        #expect(got.red == got.green && got.green == got.blue)
    }
}

@Test(arguments: [
    (Float(0), "0"), (1, "1"), (-4.5, "-4.5"), (0.012345, "0.0123"), (255, "255"), (12345, "12300"),
    (999.7, "1000"), (0.99951, "1"), (2.5e6, "2.5e+6"), (-1.234e-8, "-1.23e-8"), (0.1, "0.1"),
])
func tileRangesArePrintedToThreeSignificantDigits(value: Float, expected: String) {
    #expect(Montage.compact(value) == expected)
}

@Test func wideTilesKeepTheFontSizeAndPrintTheRangeUnderTheColourBar() {
    // 400-pixel-wide maps: labels stay at scale 1 (one size for every montage of a batch; they were
    // doubled on wide tiles before), and the range's ends are printed in gray under the colour bar,
    // "-2" at its left end and "3" right-aligned at its right end.
    var maps = Tensor(shape: Shape(channels: 1, height: 50, width: 400))
    maps[0, 0, 0] = -2
    maps[0, 1, 1] = 3
    let layout = Montage.layout(tileCount: 1, mapWidth: 400, mapHeight: 50, colorBars: .perTile)
    #expect(layout.labelScale == 1 && layout.labelHeight == 14)
    let montage = Montage.make(input: nil, maps: maps, names: ["edge"], normalization: .minmax)
    #expect(montage.height == layout.height)
    let origin = layout.tileOrigin(0)
    let tickRow = origin.y + 50 + layout.labelHeight + 2 + 8 + 2 + 4  // font row 4 of the tick labels
    let gray = (0..<400).filter { pixel(montage, origin.x + $0, tickRow) == RGBColor(150, 150, 150) }
    // The bar runs from x + 6 to x + 400 − 7: "-2" starts at its left end, "3" ends at its right end.
    #expect(gray.first.map { $0 >= 6 && $0 < 6 + 12 } == true)
    #expect(gray.last.map { $0 > 400 - 7 - 6 && $0 <= 400 - 7 } == true)
}

@Test(arguments: [1, 3, 4])
func anInputTensorIsShownAsThePhotoTile(channels: Int) {
    // A 96×72 input tensor fills the 96×72 tile: pixel = round(255 · v), gray replicated, alpha dropped.
    let values = pseudoRandom(count: channels * 96 * 72, seed: 13)
    let input = Tensor(shape: Shape(channels: channels, height: 72, width: 96), values: values)
    let maps = Tensor(shape: Shape(channels: 1, height: 6, width: 8), values: (0..<48).map(Float.init))
    let montage = Montage.make(input: input, maps: maps, names: ["a"])
    let origin = Montage.layout(tileCount: 2, mapWidth: 8, mapHeight: 6).tileOrigin(0)
    for (x, y) in [(0, 0), (95, 71), (50, 20)] {
        let expected = (0..<3).map { c -> UInt8 in
            let plane = channels == 1 ? 0 : c
            return UInt8((Double(values[plane * 96 * 72 + y * 96 + x]) * 255).rounded())
        }
        #expect(pixel(montage, origin.x + x, origin.y + y) == RGBColor(expected[0], expected[1], expected[2]))
    }
}
