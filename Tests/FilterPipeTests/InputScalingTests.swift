import Testing

@testable import FilterPipe

// The input line's scale/mean/std and bgr, through both execution routes: the streaming bands
// (BandedPipelineRun over 8-bit rows) and whole tensors (Pipeline.run on Pipeline.inputTensor).

@Suite struct InputScalingTests {
    static let text = """
        input bgr scale=0.8 mean=0.1,0.2,0.3 std=0.5,0.25,2
        conv pad=1 depthwise
          filter b = box
        output image normalize=clamp
        """

    @Test func theInputLineParsesIntoTheSpecsScaling() throws {
        let spec = try FilterFileParser.parse(Self.text, fileName: "t.filter")
        #expect(spec.input == .bgr)
        #expect(spec.inputScaling == InputScaling(scale: 0.8, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2]))
        #expect(spec.inputDetails.options["mean"] == SourceLocation(line: 1, column: 26))
    }

    @Test func bothRoutesGiveTheSameScaledValues() throws {
        let pipeline = try Pipeline(text: Self.text, fileName: "t.filter")
        let (width, height) = (9, 7)
        let image = RowImage(width: width, height: height, channels: 3)
        for y in 0..<height {
            for i in 0..<width * 3 { image.row(y)[i] = UInt8((y * 31 + i * 17) % 256) }
        }
        let whole = try pipeline.run(pipeline.inputTensor(image.pixelBuffer))
        let run = try #require(
            try BandedPipelineRun(pipeline: pipeline, mode: .bgr, width: width, height: height, outputRowsPerBand: 2))
        var banded = [Float](repeating: .nan, count: whole.values.count)
        run.run(source: image, executor: Executor(workers: 2)) { band, channelStride, rows in
            for c in 0..<3 {
                for y in rows {
                    for x in 0..<width {
                        banded[(c * height + y) * width + x] = band[c * channelStride + (y - rows.lowerBound) * width + x]
                    }
                }
            }
        }
        #expect(banded == whole.values)
        // The centre pixel of channel 0 (blue): the 3×3 box over (pixel · 0.8 − 0.1) / 0.5 of the blue samples.
        var expected = 0.0
        for dy in -1...1 {
            for dx in -1...1 {
                let blue = Double((3 + dy) * 31 + ((4 + dx) * 3 + 2) * 17).truncatingRemainder(dividingBy: 256) / 255
                expected += (blue * 0.8 - 0.1) / 0.5 / 9
            }
        }
        #expect(abs(Double(whole[0, 3, 4]) - expected) < 1e-5)
    }
}
