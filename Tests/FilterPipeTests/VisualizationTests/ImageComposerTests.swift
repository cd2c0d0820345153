import Testing

@testable import FilterPipe

@Test func composedImageInterleavesMapsInRGBOrder() throws {
    // Map 0 → R, 1 → G, 2 → B; clamp keeps 0...1 values as they are.
    let maps = Tensor(shape: Shape(channels: 3, height: 1, width: 2), values: [1, 0, 0, 0.5, 0.25, 1])
    let image = try ImageComposer.compose(maps)
    #expect(image.channels == 3 && image.width == 2 && image.height == 1)
    #expect(image.samples == .uint8([255, 0, 64, 0, 128, 255]))
}

@Test func composedImageOfFourMapsIsRGBA() throws {
    let maps = Tensor(shape: Shape(channels: 4, height: 1, width: 1), values: [0.2, 0.4, 0.6, 1])
    let image = try ImageComposer.compose(maps)
    #expect(image.channels == 4)
    #expect(image.samples == .uint8([51, 102, 153, 255]))
}

@Test func composedSingleMapIsGrayAndSixteenBitSpansTheFullRange() throws {
    let maps = Tensor(shape: Shape(channels: 1, height: 1, width: 3), values: [-2, 0, 6])
    let image = try ImageComposer.compose(maps, normalization: .minmax, depth: 16)
    #expect(image.channels == 1 && image.bitDepth == 16)
    #expect(image.samples == .uint16([0, 16384, 65535]))  // 2/8 · 65535 = 16383.75
}

@Test(arguments: [2, 5, 7])
func composingAnUnsupportedMapCountThrows(channels: Int) {
    let maps = Tensor(shape: Shape(channels: channels, height: 2, width: 2))
    #expect(throws: PipelineError.self) { try ImageComposer.compose(maps) }
}

@Test func sixteenBitRGBAIsRejected() {
    let maps = Tensor(shape: Shape(channels: 4, height: 1, width: 1))
    #expect(throws: PipelineError.self) { try ImageComposer.compose(maps, depth: 16) }
    #expect(throws: PipelineError.self) { try ImageComposer.compose(maps, depth: 10) }
}

@Test func globalNormalizationOfAComposedImageKeepsChannelsComparable() throws {
    let maps = Tensor(shape: Shape(channels: 3, height: 1, width: 2), values: [0, 4, 0, 2, 0, 1])
    let image = try ImageComposer.compose(maps, normalization: .global)
    #expect(image.samples == .uint8([0, 0, 0, 255, 128, 64]))  // 4 → 255, 2 → 127.5, 1 → 63.75
}

@Test(arguments: [(3, OutputSpec.Normalization.clamp), (3, .minmax), (4, .global), (4, .symmetric), (1, .minmax)])
func composedImageEqualsQuantisingEachSampleInPlace(channels: Int, normalization: OutputSpec.Normalization) throws {
    // Values around the rounding boundaries and outside 0...1, NaN and ±∞ included.
    let width = 67, height = 5, count = channels * width * height
    var values = (0..<count).map { Float(($0 * 7919) % 1021) / 1020 * 1.2 - 0.1 }
    values[3] = .nan; values[10] = .infinity; values[11] = -.infinity; values[12] = 0.5 / 255
    let maps = Tensor(shape: Shape(channels: channels, height: height, width: width), values: values)
    let image = try ImageComposer.compose(maps, normalization: normalization)
    // The plain twin: every sample quantised straight to its interleaved place.
    let normalizations = MapNormalization.forMaps(maps, mode: normalization, depth: 8)
    var expected = [UInt8](repeating: 0, count: count)
    for c in 0..<channels {
        normalizations[c].quantize(maps.plane(c), into: &expected, start: c, stride: channels)
    }
    #expect(image.samples == .uint8(expected))
}
