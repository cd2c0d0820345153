import Testing

@testable import FilterPipe

/// matplotlib `_cm_listed.py` (`_viridis_data`, `_magma_data`) entries as published, as floats.
private let publishedViridis: [(Int, [Double])] = [
    (0, [0.267004, 0.004874, 0.329415]), (64, [0.229739, 0.322361, 0.545706]),
    (128, [0.127568, 0.566949, 0.550556]), (192, [0.369214, 0.788888, 0.382914]),
    (255, [0.993248, 0.906157, 0.143936]),
]
private let publishedMagma: [(Int, [Double])] = [
    (0, [0.001462, 0.000466, 0.013866]), (64, [0.316654, 0.07169, 0.48538]),
    (128, [0.716387, 0.214982, 0.47529]), (192, [0.9867, 0.535582, 0.38221]),
    (255, [0.987053, 0.991438, 0.749504]),
]

private func bytes(_ c: (red: UInt8, green: UInt8, blue: UInt8)) -> [Int] { [Int(c.red), Int(c.green), Int(c.blue)] }

@Test(arguments: [(OutputSpec.Colormap.viridis, publishedViridis), (.magma, publishedMagma)])
func listedColormapsMatchMatplotlibsPublishedTable(colormap: OutputSpec.Colormap, published: [(Int, [Double])]) {
    for (index, rgb) in published {
        #expect(bytes(colormap.color(at: index)) == rgb.map { Int(($0 * 255).rounded()) }, "entry \(index)")
    }
}

/// ColorBrewer 11-class RdBu, reversed (blue first): the classes fall on entries 0, 25.5, 51, ...
/// so every even class is an exact entry of the 256-step interpolation.
@Test(arguments: [(0, 0x053061), (51, 0x4393C3), (102, 0xD1E5F0), (153, 0xFDDBC7), (204, 0xD6604D), (255, 0x67001F)])
func divergingColormapMatchesColorBrewerRdBuReversed(index: Int, hex: Int) {
    #expect(bytes(OutputSpec.Colormap.diverging.color(at: index)) == [hex >> 16, (hex >> 8) & 0xFF, hex & 0xFF])
}

@Test func divergingColormapIsNearWhiteInTheMiddle() {
    // Entries 127 and 128 straddle ColorBrewer's neutral class #F7F7F7.
    for index in [127, 128] {
        #expect(bytes(OutputSpec.Colormap.diverging.color(at: index)).allSatisfy { (244...248).contains($0) })
    }
}

@Test func grayColormapIsTheIdentity() {
    for index in [0, 1, 127, 200, 255] {
        #expect(bytes(OutputSpec.Colormap.gray.color(at: index)) == [index, index, index])
    }
}

@Test(arguments: [OutputSpec.Colormap.viridis, .magma, .diverging])
func everyColourMapsBackToItsOwnLevelOrAnIdenticalEntry(colormap: OutputSpec.Colormap) {
    for index in 0..<256 {
        let c = colormap.color(at: index)
        let found = colormap.level(nearestTo: c.red, c.green, c.blue)
        #expect(found == index || bytes(colormap.color(at: found)) == bytes(c), "entry \(index)")
    }
}

@Test func viridisRepeatsTwoColoursAtEightBits() {
    // Rounding matplotlib's floats to bytes merges entries 112/113 and 129/130; recovery must cope.
    #expect(bytes(OutputSpec.Colormap.viridis.color(at: 112)) == bytes(OutputSpec.Colormap.viridis.color(at: 113)))
    #expect(bytes(OutputSpec.Colormap.viridis.color(at: 129)) == bytes(OutputSpec.Colormap.viridis.color(at: 130)))
}

@Test func renderedColourMapIsRGBThroughTheTable() throws {
    let ramp = Tensor(shape: Shape(channels: 1, height: 1, width: 256), values: (0..<256).map(Float.init))
    let map = MapRenderer(normalization: .minmax, colormap: .viridis).render(ramp)[0]
    #expect(map.pixels.channels == 3 && map.pixels.bitDepth == 8)
    guard case .uint8(let rgb) = map.pixels.samples else { return }
    for (index, published) in publishedViridis {
        #expect(Array(rgb[3 * index..<3 * index + 3]).map(Int.init) == published.map { Int(($0 * 255).rounded()) })
    }
}
