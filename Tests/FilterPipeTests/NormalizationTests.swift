import Testing

@testable import FilterPipe

/// Plain float64 oracle: the continuous level (before rounding) of `v` for range lo...hi, top level L.
private func oracleLevel(_ v: Double, lo: Double, hi: Double, maxLevel: Double) -> Double {
    min(max((v - lo) / (hi - lo) * maxLevel, 0), maxLevel)
}

private func samples(_ buffer: PixelBuffer) -> [Int] {
    switch buffer.samples {
    case .uint8(let s): s.map(Int.init)
    case .uint16(let s): s.map(Int.init)
    }
}

/// Deterministic pseudo-random values (64-bit LCG) so failures reproduce.
private func pseudoRandom(count: Int, seed: UInt64, scale: Float, offset: Float) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 11) / Double(1 << 53)) * scale + offset
    }
}

@Test(arguments: [8, 16])
func minmaxStretchesEachMapToTheFullSampleRange(depth: Int) throws {
    let plane = 37 * 23
    let values =
        pseudoRandom(count: plane, seed: 1, scale: 3, offset: -1)
        + pseudoRandom(count: plane, seed: 2, scale: 0.01, offset: 5)
    let maps = Tensor(shape: Shape(channels: 2, height: 23, width: 37), values: values)
    let rendered = MapRenderer(normalization: .minmax, depth: depth).render(maps)
    let maxLevel = depth == 16 ? 65535 : 255
    for (channel, map) in rendered.enumerated() {
        #expect(map.pixels.bitDepth == depth)
        let s = samples(map.pixels)
        #expect(s.min() == 0)
        #expect(s.max() == maxLevel)
        let plainValues = maps.plane(channel).map(Double.init)
        let lo = plainValues.min()!, hi = plainValues.max()!
        for (i, v) in plainValues.enumerated() {
            let expected = oracleLevel(v, lo: lo, hi: hi, maxLevel: Double(maxLevel))
            #expect(abs(Double(s[i]) - expected) <= 0.5 + 1e-3 * Double(maxLevel) / 255, "sample \(i) of map \(channel)")
        }
    }
}

@Test func globalNormalizationKeepsTheRatioOfTwoMapsPeaks() throws {
    // Map 0 peaks at 1.0, map 1 at 0.25, both with minimum 0: map 1's peak must land at a quarter.
    var maps = Tensor(shape: Shape(channels: 2, height: 4, width: 4))
    maps[0, 1, 1] = 1.0
    maps[1, 2, 3] = 0.25
    maps[1, 0, 0] = 0.125
    let rendered = MapRenderer(normalization: .global).render(maps)
    let peak0 = samples(rendered[0].pixels).max()!
    let peak1 = samples(rendered[1].pixels).max()!
    #expect(peak0 == 255)
    #expect(abs(Double(peak1) / Double(peak0) - 0.25) <= 1.0 / 255)
    #expect(samples(rendered[1].pixels)[0] == 32)  // 0.125 · 255 = 31.875
    #expect(rendered[0].range == rendered[1].range)
}

@Test(arguments: [(8, 128), (16, 32768)])
func symmetricPutsZeroAtTheMiddleSample(depth: Int, middle: Int) throws {
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 5), values: [-3, -1.5, 0, 2, 3])
    let rendered = MapRenderer(normalization: .symmetric, colormap: .gray, depth: depth).render(maps)
    let s = samples(rendered[0].pixels)
    let top = depth == 16 ? 65535 : 255
    #expect(s[2] == middle)
    #expect(s[0] == 0)
    #expect(s[4] == top)
    // −1.5 → a quarter of the way: 0.25 · L.
    #expect(abs(Double(s[1]) - 0.25 * Double(top)) <= 0.5)
    #expect(rendered[0].range == -3...3)
}

@Test func symmetricUsesTheDivergingColormapByDefaultWithNearWhiteAtZero() throws {
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 3), values: [-1, 0, 1])
    let map = MapRenderer(normalization: .symmetric).render(maps)[0]
    #expect(map.pixels.channels == 3)
    guard case .uint8(let rgb) = map.pixels.samples else { Issue.record("not 8-bit"); return }
    // ColorBrewer RdBu (reversed): #053061 at −m, #67001F at +m, neutral ≈ #F7F7F7 at zero.
    #expect(Array(rgb[0..<3]) == [0x05, 0x30, 0x61])
    #expect(Array(rgb[6..<9]) == [0x67, 0x00, 0x1F])
    #expect(rgb[3..<6].allSatisfy { $0 >= 245 })
}

@Test func clampMapsZeroToOneOntoTheSampleRangeAndCutTheRest() throws {
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 6), values: [-0.5, 0, 0.5, 0.25, 1, 2])
    let rendered = MapRenderer(normalization: .clamp).render(maps)
    #expect(samples(rendered[0].pixels) == [0, 0, 128, 64, 255, 255])  // 127.5 → 128, 63.75 → 64
    #expect(rendered[0].range == 0...1)
}

@Test(arguments: OutputSpec.Normalization.allCases)
func aConstantMapBecomesAConstantImage(normalization: OutputSpec.Normalization) throws {
    let maps = Tensor(shape: Shape(channels: 1, height: 3, width: 3), repeating: 0)
    let map = MapRenderer(normalization: normalization, colormap: .gray).render(maps)[0]
    let s = samples(map.pixels)
    let expected = normalization == .symmetric ? 128 : 0
    #expect(s == Array(repeating: expected, count: 9))
    #expect(map.isConstant)
    #expect(map.metadata.value(ofSample: s[0]) == 0)
}

@Test func aConstantNonZeroMapRecordsItsValueAsTheRange() throws {
    let maps = Tensor(shape: Shape(channels: 1, height: 2, width: 2), repeating: 5)
    let map = MapRenderer(normalization: .minmax).render(maps)[0]
    #expect(samples(map.pixels) == [0, 0, 0, 0])
    #expect(map.range == 5...5)
    #expect(map.metadata.value(ofSample: 0) == 5)
}

@Test func nonFiniteValuesAreLeftOutOfTheRangeAndClampedToItsEnds() throws {
    let maps = Tensor(
        shape: Shape(channels: 2, height: 1, width: 5),
        values: [.nan, .infinity, -.infinity, 1, 2, .nan, .nan, .nan, .nan, .nan])
    let rendered = MapRenderer(normalization: .minmax).render(maps)
    #expect(samples(rendered[0].pixels) == [0, 255, 0, 0, 255])
    #expect(rendered[0].range == 1...2)
    #expect(samples(rendered[1].pixels) == [0, 0, 0, 0, 0])
    #expect(rendered[1].range == 0...0)
    #expect(rendered[1].isConstant)
}

@Test func aLargeOffsetKeepsFullPrecision() throws {
    // 1000 + small variation: (v − lo) must be taken before scaling or rounding errors reach a level.
    let values = pseudoRandom(count: 500, seed: 3, scale: 1, offset: 1000)
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 500), values: values)
    let s = samples(MapRenderer(normalization: .minmax, depth: 16).render(maps)[0].pixels)
    let lo = Double(values.min()!), hi = Double(values.max()!)
    for (i, v) in values.enumerated() {
        #expect(abs(Double(s[i]) - oracleLevel(Double(v), lo: lo, hi: hi, maxLevel: 65535)) <= 0.51)
    }
}

@Test func sixteenBitAppliesToGrayOutputOnlyColourMapsStayEightBitRGB() {
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 2), values: [-1, 1])
    let colour = MapRenderer(normalization: .symmetric, depth: 16).render(maps)[0]
    #expect(colour.pixels.channels == 3 && colour.pixels.bitDepth == 8)
    #expect(colour.metadata.bitDepth == 8)
    let gray = MapRenderer(normalization: .symmetric, colormap: .gray, depth: 16).render(maps)[0]
    #expect(gray.pixels.channels == 1 && gray.pixels.bitDepth == 16)
    #expect(gray.pixels.samples == .uint16([0, 65535]))
}

@Test func rendererFollowsTheOutputLineDefaults() throws {
    let renderer = MapRenderer(output: OutputSpec(kind: .maps, normalization: .symmetric))
    #expect(renderer.colormap(symmetric: true) == .diverging)
    // The default changed from minmax to percentile clipping (issue 14): unsigned maps gray,
    // maps drawn symmetric about zero (signed ones) diverging.
    let plain = MapRenderer(output: OutputSpec(kind: .montage))
    #expect(plain.normalization == .percentile && plain.scaling.percentile == 99.5)
    #expect(plain.colormap(symmetric: false) == .gray && plain.colormap(symmetric: true) == .diverging)
    let chosen = MapRenderer(output: OutputSpec(kind: .maps, colormap: .viridis))
    #expect(chosen.colormap(symmetric: false) == .viridis && chosen.colormap(symmetric: true) == .viridis)
}

@Test func nonFiniteValuesInsideLongMapsAreSkippedByTheVectorPath() throws {
    // 67 values: four full 16-lane blocks plus a tail, with NaN and ±∞ in both parts.
    var values = (0..<67).map { Float($0) * 0.5 - 10 }
    for (i, v) in [(3, Float.nan), (17, .infinity), (40, -.infinity), (65, .nan), (66, .infinity)] { values[i] = v }
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 67), values: values)
    let map = MapRenderer(normalization: .minmax).render(maps)[0]
    let finite = values.filter(\.isFinite).map(Double.init)
    let lo = finite.min()!, hi = finite.max()!
    #expect(map.range == Float(lo)...Float(hi))
    let s = samples(map.pixels)
    for (i, v) in values.enumerated() {
        let expected: Double =
            v.isNaN
            ? 0
            : v == .infinity
                ? 255
                : v == -.infinity
                    ? 0
                    : oracleLevel(Double(v), lo: lo, hi: hi, maxLevel: 255).rounded()
        #expect(Double(s[i]) == expected, "value \(i) = \(v)")
    }
}
