import Testing

@testable import FilterPipe

private func pseudoRandom(count: Int, seed: UInt64, scale: Float, offset: Float) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 11) / Double(1 << 53)) * scale + offset
    }
}

@Test func mapTextChunksNameTheFilterMapRangeAndNormalization() throws {
    let maps = Tensor(shape: Shape(channels: 2, height: 1, width: 3), values: [-0.1, 0.2, 0.7, 1, 2, 3])
    let rendered = MapRenderer(normalization: .minmax).render(maps, names: ["edge_x", "blur"], filterFile: "edges.filter")
    let text = Dictionary(uniqueKeysWithValues: rendered[1].text.map { ($0.keyword, $0.text) })
    #expect(text["filterpipe:filter"] == "edges.filter")
    #expect(text["filterpipe:map"] == "blur")
    #expect(text["filterpipe:index"] == "1")
    #expect(text["filterpipe:range"] == "1.0 3.0")
    #expect(text["filterpipe:normalize"] == "minmax")
    #expect(text["filterpipe:colormap"] == "gray")
    #expect(text["filterpipe:depth"] == "8")
    // The range text reads back as exactly the same Floats.
    let first = Dictionary(uniqueKeysWithValues: rendered[0].text.map { ($0.keyword, $0.text) })
    let bounds = first["filterpipe:range"]!.split(separator: " ").map { Float(String($0))! }
    #expect(bounds == [Float(-0.1), Float(0.7)])
}

@Test func metadataReadsBackFromItsOwnTextChunks() {
    let metadata = MapMetadata(
        filterFile: "a b.filter", mapName: "sobel x", mapIndex: 3, range: -0.3...1e-5,
        normalization: .symmetric, colormap: .diverging, bitDepth: 8)
    #expect(MapMetadata(textChunks: metadata.textChunks) == metadata)
    #expect(MapMetadata(textChunks: [.init(keyword: "filterpipe:map", text: "x")]) == nil)  // no range
    #expect(MapMetadata(textChunks: [.init(keyword: "filterpipe:range", text: "-1 2.5")])?.range == -1...2.5)
    #expect(
        MapMetadata(textChunks: [
            .init(keyword: "filterpipe:map", text: "x"),
            .init(keyword: "filterpipe:range", text: "2 1"),
        ]) == nil)
}

@Test func textIsLatin1WithOtherCharactersReplaced() {
    let metadata = MapMetadata(mapName: "Kante ä → ✓", mapIndex: 0, range: 0...1, normalization: .clamp)
    let map = metadata.textChunks.first { $0.keyword == "filterpipe:map" }!
    #expect(map.text == "Kante ä ? ?")
    #expect(map.text.unicodeScalars.allSatisfy { $0.value <= 255 })
}

@Test(arguments: [(OutputSpec.Normalization.minmax, 8), (.global, 8), (.symmetric, 8), (.minmax, 16), (.symmetric, 16)])
func grayPixelsRecoverTheirFloatValuesWithinOneQuantizationStep(normalization: OutputSpec.Normalization, depth: Int) throws {
    let values = pseudoRandom(count: 2 * 400, seed: 7, scale: 7.5, offset: -2.5)
    let maps = Tensor(shape: Shape(channels: 2, height: 20, width: 20), values: values)
    let rendered = MapRenderer(normalization: normalization, colormap: .gray, depth: depth)
        .render(maps, names: ["a", "b"])
    for (channel, map) in rendered.enumerated() {
        // Read back through the text chunks, as a user of the PNG would.
        let metadata = try #require(MapMetadata(textChunks: map.text))
        let step = Double(metadata.range.upperBound - metadata.range.lowerBound) / Double(depth == 16 ? 65535 : 255)
        let s: [Int]
        switch map.pixels.samples {
        case .uint8(let x): s = x.map(Int.init)
        case .uint16(let x): s = x.map(Int.init)
        }
        for (i, v) in maps.plane(channel).enumerated() {
            #expect(abs(Double(metadata.value(ofSample: s[i])) - Double(v)) <= step)
        }
    }
}

@Test(arguments: [OutputSpec.Colormap.viridis, .magma, .diverging])
func colourPixelsRecoverTheirFloatValuesWithinOneQuantizationStep(colormap: OutputSpec.Colormap) throws {
    let values = pseudoRandom(count: 300, seed: 11, scale: 2, offset: -1)
    let maps = Tensor(shape: Shape(channels: 1, height: 10, width: 30), values: values)
    let map = MapRenderer(normalization: .minmax, colormap: colormap).render(maps)[0]
    let metadata = try #require(MapMetadata(textChunks: map.text))
    guard case .uint8(let rgb) = map.pixels.samples else { Issue.record("colour maps are 8-bit"); return }
    let step = metadata.quantizationStep
    for (i, v) in values.enumerated() {
        let recovered = metadata.value(ofColor: rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])
        #expect(abs(recovered - v) <= step * 1.0001)
    }
}
