import Testing

@testable import FilterPipe

private func lcg(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 11) / Double(1 << 53))
    }
}

/// The tEXt chunks of an encoded PNG, read from its bytes (keyword NUL text, Latin-1).
private func textChunks(_ png: [UInt8]) -> [PNGWriteOptions.TextChunk] {
    CodecTestSupport.chunks(png).filter { $0.type == "tEXt" }.map { chunk in
        let zero = chunk.data.firstIndex(of: 0)!
        func latin1(_ bytes: ArraySlice<UInt8>) -> String { String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })) }
        return PNGWriteOptions.TextChunk(keyword: latin1(chunk.data[..<zero]), text: latin1(chunk.data[(zero + 1)...]))
    }
}

@Test(arguments: [
    (OutputSpec.Normalization.percentile, false, OutputSpec.Colormap?.some(.gray), 8),
    (.percentile, true, nil, 8),  // diverging: read back through the colour table
    (.percentile, true, .gray, 16),
    (.percentile, false, .viridis, 8),
    (.range, true, nil, 8),
])
func aPNGsPixelsMapBackToTheirFloatValuesThroughTheStoredRange(
    normalization: OutputSpec.Normalization, signed: Bool, colormap: OutputSpec.Colormap?, depth: Int
) throws {
    let raw = lcg(48 * 32, seed: 11)
    // A heavy-tailed map (so clipping happens), signed or not.
    let values = raw.map { v in (signed ? (v - 0.5) : v) * (v > 0.995 ? 40 : 1) }
    let maps = Tensor(shape: Shape(channels: 1, height: 32, width: 48), values: values)
    let scaling = MapScaling(normalization: normalization, range: -0.25...0.25, colormap: colormap)
    let map = MapRenderer(scaling: scaling, depth: depth).render(maps, names: ["m"], signed: [signed])[0]
    let png = try ImageCodec.encodePNG(map.pixels, options: PNGWriteOptions(text: map.text))
    let decoded = try ImageCodec.decode(png)
    let metadata = try #require(MapMetadata(textChunks: textChunks(png)))
    #expect(metadata == map.metadata)
    let range = metadata.range
    let step = metadata.quantizationStep
    var clippedBelow = 0
    var clippedAbove = 0
    for (i, v) in values.enumerated() {
        let recovered: Float
        switch decoded.samples {
        case .uint8(let s) where decoded.channels == 3:
            recovered = metadata.value(ofColor: s[3 * i], s[3 * i + 1], s[3 * i + 2])
        case .uint8(let s): recovered = metadata.value(ofSample: Int(s[i]))
        case .uint16(let s): recovered = metadata.value(ofSample: Int(s[i]))
        }
        if v < range.lowerBound {
            clippedBelow += 1
            #expect(abs(recovered - range.lowerBound) <= step * 0.01)  // the end colour
        } else if v > range.upperBound {
            clippedAbove += 1
            #expect(abs(recovered - range.upperBound) <= step * 0.01)
        } else {
            // Within half a step; a colour table that repeats an entry (viridis) allows one step.
            let tolerance = step * (decoded.channels == 3 ? 1.01 : 0.51)
            #expect(abs(recovered - v) <= tolerance, "value \(i): \(v) read back as \(recovered)")
        }
    }
    let clipped = try #require(metadata.clipped)
    #expect(clipped.below == Double(clippedBelow) / Double(values.count))
    #expect(clipped.above == Double(clippedAbove) / Double(values.count))
    #expect(clippedBelow + clippedAbove > 0)
    #expect(metadata.extrema == values.min()!...values.max()!)
}

@Test func theDotGlyphIsASmallDotNotAPlus() {
    func pixels(_ c: Character) -> [[Bool]] {
        (0..<BitmapFont.glyphHeight).map { y in (0..<BitmapFont.glyphWidth).map { x in BitmapFont.isSet(c, x: x, y: y) } }
    }
    #expect(pixels(".") != pixels("+"))
    let dot = pixels(".").enumerated().flatMap { y, row in row.enumerated().compactMap { x, set in set ? [x, y] : nil } }
    // A 2×2 square on the last rows above the descender, nothing else.
    #expect(dot == [[1, 6], [2, 6], [1, 7], [2, 7]])
    // '-' is one horizontal stroke, digits have more than 8 pixels: neither can pass for '.'.
    #expect(pixels("-").flatMap { $0 }.filter { $0 }.count == 5)
    for digit in "0123456789" { #expect(pixels(digit).flatMap { $0 }.filter { $0 }.count > 8) }
    #expect(pixels("…") != pixels("?"))
}

@Test(arguments: [
    ("kirsch_compass_direction_north_east", 20, "kirsch_…_north_east"),
    ("kirsch_compass_direction_north_west", 20, "kirsch_…_north_west"),
    ("kirsch_compass_direction_south", 20, "kirsch_…_south"),
    ("sobel_x", 20, "sobel_x"),
    ("sobel_x", 7, "sobel_x"),
    ("abcdefghijklmnop", 9, "abcd…mnop"),
    ("edge_135", 6, "ed…135"),
    ("longname", 1, "…"),
    ("longname", 0, ""),
])
func longNamesAreShortenedInTheMiddle(name: String, maxCharacters: Int, expected: String) {
    let short = Montage.shortened(name, maxCharacters: maxCharacters)
    #expect(short == expected)
    #expect(short.count <= maxCharacters)
}

@Test func eightKirschNamesStayDistinctOnANarrowTile() {
    let directions = ["north", "north_east", "east", "south_east", "south", "south_west", "west", "north_west"]
    let labels = directions.enumerated().map { i, d in
        Montage.label(index: i, name: "kirsch_compass_direction_\(d)", isConstant: false, maxWidth: 150)
    }
    #expect(Set(labels.map { $0.split(separator: " ").dropFirst().joined() }).count == 8)
    #expect(labels.allSatisfy { BitmapFont.width(of: $0) <= 150 })
}

@Test func labelsHaveOneFontSizeWhateverTheTileWidth() {
    for width in [8, 96, 200, 451, 1200] {
        let layout = Montage.layout(tileCount: 4, mapWidth: width, mapHeight: 50, colorBars: .perTile)
        #expect(layout.labelScale == 1 && layout.labelHeight == BitmapFont.glyphHeight + 4)
        #expect(layout.barHeight == Montage.colorBarHeight)
    }
}

@Test func aMontageColourBarSpansTheMapsColoursWithTicksAtTheEnds() {
    // One signed map 200×100: the bar under it runs blue → white → red (diverging) left to right.
    let values = (0..<(200 * 100)).map { Float($0 % 200) / 100 - 1 }
    let maps = Tensor(shape: Shape(channels: 1, height: 100, width: 200), values: values)
    let montage = Montage.make(photo: nil, maps: maps, names: ["x"], scaling: MapScaling(), signed: [true])
    let layout = Montage.layout(tileCount: 1, mapWidth: 200, mapHeight: 100, colorBars: .perTile)
    #expect(montage.width == layout.width && montage.height == layout.height)
    guard case .uint8(let s) = montage.samples else { return }
    let origin = layout.tileOrigin(0)
    let barY = origin.y + layout.tileHeight + layout.labelHeight + 2 + 4
    func color(_ x: Int) -> [UInt8] { let i = (barY * montage.width + x) * 3; return Array(s[i..<i + 3]) }
    let first = OutputSpec.Colormap.diverging.color(at: 0)
    let last = OutputSpec.Colormap.diverging.color(at: 255)
    #expect(color(origin.x + 6) == [first.red, first.green, first.blue])
    #expect(color(origin.x + layout.tileWidth - 7) == [last.red, last.green, last.blue])
}

@Test func aComposedImageUsesTheGivenRangeNotTheDefaultOne() throws {
    // `output image range=0..0.5`: sample = round(clamp(v / 0.5, 0, 1) · 255), per channel.
    let values: [Float] = [0, 0.1, 0.25, 0.5, 0.9, -0.2]
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 6), values: values)
    let image = try ImageComposer.compose(maps, scaling: MapScaling(normalization: .range, range: 0...0.5))
    let expected = values.map { UInt8((min(max(Double($0) / 0.5, 0), 1) * 255).rounded()) }
    #expect(image.samples == .uint8(expected))
}
