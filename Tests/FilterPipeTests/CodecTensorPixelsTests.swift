import Testing

@testable import FilterPipe

/// `Tensor(pixels:mode:)` against a plain Double oracle of the documented formulas.
@Suite struct CodecTensorPixelsTests {
    struct Case: Sendable, CustomStringConvertible {
        var channels: Int
        var bitDepth: Int
        var mode: InputMode
        var description: String { "\(bitDepth)-bit \(channels)ch → \(mode)" }
    }

    static let cases: [Case] = [1, 2, 3, 4].flatMap { channels in
        [8, 16].flatMap { depth in InputMode.allCases.map { Case(channels: channels, bitDepth: depth, mode: $0) } }
    }

    /// Oracle: the value of output channel `c` at pixel `i`, straight from the definition.
    static func oracle(_ samples: [Int], channels: Int, maximum: Double, mode: InputMode, c: Int, i: Int) -> Double {
        func s(_ k: Int) -> Double { Double(samples[i * channels + k]) / maximum }
        let isColor = channels >= 3
        let hasAlpha = channels == 2 || channels == 4
        switch mode {
        case .gray: return isColor ? 0.299 * s(0) + 0.587 * s(1) + 0.114 * s(2) : s(0)
        case .rgb: return isColor ? s(c) : s(0)
        case .bgr: return isColor ? s(2 - c) : s(0)
        case .rgba:
            if c == 3 { return hasAlpha ? s(channels - 1) : 1 }
            return isColor ? s(c) : s(0)
        }
    }

    @Test("tensor values follow the scaling, replication, luma and alpha rules", arguments: cases)
    func valuesMatchOracle(testCase: Case) {
        let width = 5, height = 3
        let count = width * height * testCase.channels
        let maximum = testCase.bitDepth == 8 ? 255.0 : 65535.0
        let samples = (0..<count).map { ($0 * 7919 + 13) % (Int(maximum) + 1) }
        let pixels = PixelBuffer(
            width: width, height: height, channels: testCase.channels,
            samples: testCase.bitDepth == 8 ? .uint8(samples.map(UInt8.init)) : .uint16(samples.map(UInt16.init)))
        let tensor = Tensor(pixels: pixels, mode: testCase.mode)
        #expect(tensor.shape == Shape(channels: testCase.mode.channels, height: height, width: width))
        for c in 0..<testCase.mode.channels {
            for y in 0..<height {
                for x in 0..<width {
                    let expected = Self.oracle(
                        samples, channels: testCase.channels, maximum: maximum, mode: testCase.mode,
                        c: c, i: y * width + x)
                    #expect(abs(Double(tensor[c, y, x]) - expected) < 1e-6)
                }
            }
        }
    }

    @Test(
        "scale, mean and std give (pixel · scale − mean[c]) / std[c] on the whole tensor and on bands alike",
        arguments: [InputMode.rgb, .bgr, .gray, .rgba])
    func inputScalingFollowsItsFormulaOnBothRoutes(mode: InputMode) {
        let width = 7, height = 4, channels = 3
        let samples = (0..<width * height * channels).map { UInt8(($0 * 7919 + 13) % 256) }
        let means: [Float] = [0.485, 0.456, 0.406, 0.5], stds: [Float] = [0.229, 0.224, 0.225, 2]
        let scaling = InputScaling(
            scale: 0.5, mean: Array(means.prefix(mode.channels)), std: Array(stds.prefix(mode.channels)))
        let pixels = PixelBuffer(width: width, height: height, channels: channels, samples: .uint8(samples))
        let tensor = Tensor(pixels: pixels, mode: mode, scaling: scaling)
        let image = RowImage(width: width, height: height, channels: channels)
        for y in 0..<height {
            for i in 0..<width * channels { image.row(y)[i] = samples[y * width * channels + i] }
        }
        var band = [Float](repeating: .nan, count: mode.channels * height * width)
        band.withUnsafeMutableBufferPointer { buffer in
            // Two calls, as the sliding window fills its rows: each scales only the rows it converts.
            Tensor.fillBand(
                buffer.baseAddress!, channelStride: height * width, firstRow: 0, from: image, rows: 0..<1, mode: mode,
                scaling: scaling)
            Tensor.fillBand(
                buffer.baseAddress!, channelStride: height * width, firstRow: 0, from: image, rows: 1..<height, mode: mode,
                scaling: scaling)
        }
        #expect(band == tensor.values)
        for c in 0..<mode.channels {
            for y in 0..<height {
                for x in 0..<width {
                    let pixel = Self.oracle(
                        samples.map(Int.init), channels: channels, maximum: 255, mode: mode, c: c, i: y * width + x)
                    let expected = (pixel * 0.5 - Double(means[c])) / Double(stds[c])
                    #expect(abs(Double(tensor[c, y, x]) - expected) < 1e-5)
                }
            }
        }
    }

    @Test("8-bit extremes map exactly to 0 and 1")
    func extremesAreExact() {
        let pixels = PixelBuffer(width: 2, height: 1, channels: 1, samples: .uint8([0, 255]))
        #expect(Tensor(pixels: pixels, mode: .gray).values == [0, 1])
        let wide = PixelBuffer(width: 2, height: 1, channels: 1, samples: .uint16([0, 65535]))
        #expect(Tensor(pixels: wide, mode: .gray).values == [0, 1])
    }
}

@Test func rgb8TensorShortcutEqualsTheTableRouteForEverySample() {
    // Every sample value in each channel position; the gray+alpha → rgb route uses the same
    // table, so an RGB photo's planes must equal the planes of its channels taken one by one.
    let width = 256, height = 2
    let samples = (0..<width * height * 3).map { UInt8(truncatingIfNeeded: $0 / 3 &+ 85 &* ($0 % 3) &+ $0 / (3 * width)) }
    let tensor = Tensor(pixels: PixelBuffer(width: width, height: height, channels: 3, samples: .uint8(samples)), mode: .rgb)
    for c in 0..<3 {
        let gray = PixelBuffer(
            width: width, height: height, channels: 1,
            samples: .uint8(stride(from: c, to: samples.count, by: 3).map { samples[$0] }))
        #expect(Array(tensor.plane(c)) == Tensor(pixels: gray, mode: .gray).values)
    }
    #expect(
        tensor.values.map { ($0 * 255).rounded() }
            == (0..<3).flatMap { c in
                stride(from: c, to: samples.count, by: 3).map { Float(samples[$0]) }
            })
}

@Test(arguments: [2, 3])
func rgb8TensorConvertedOnSeveralWorkersHoldsEverySampleOver255(workers: Int) {
    // Over 2 Mi pixels, so the conversion is split into several runs (the last one partial), every
    // value checked against s / 255 in its plane.
    let width = 1031, height = 2053
    let samples = (0..<width * height * 3).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 4099) }
    let pixels = PixelBuffer(width: width, height: height, channels: 3, samples: .uint8(samples))
    let tensor = Tensor(pixels: pixels, mode: .rgb, scaling: InputScaling(), executor: Executor(workers: workers))
    let planeCount = width * height
    var mismatches = 0
    for c in 0..<3 {
        let plane = tensor.plane(c)
        for (i, value) in plane.enumerated() where value != Float(samples[3 * i + c]) / 255 {
            mismatches += 1
        }
        #expect(plane.count == planeCount)
    }
    #expect(mismatches == 0)
}
