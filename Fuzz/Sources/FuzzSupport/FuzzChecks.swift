import FilterPipe

#if canImport(Glibc)
    import Glibc
#endif

/// The properties every fuzz input is checked against. A violated property calls `fatalError`,
/// which libFuzzer reports as a crash and saves as an artifact.
public enum FuzzChecks {
    /// Decode limit for fuzzing: large enough for every seed (the biggest photo is 3.5 MP), small
    /// enough that a forged header cannot push one execution past libFuzzer's 2 GB RSS limit.
    public static let limits = DecodeLimits(maxPixels: 8_000_000)

    /// Images at most this many pixels are also round-tripped through the PNG encoder.
    static let roundTripPixels = 1_000_000

    /// Decodes `bytes`; on success checks the buffer's shape and the PNG round trip. Then the
    /// same bytes, as a file, go through the batch runner's streaming route, which must agree.
    public static func decodeAndRoundTrip(_ bytes: [UInt8]) {
        let decoded = Result { () throws(ImageIOError) in try ImageCodec.decode(bytes, limits: limits) }
        if case .success(let image) = decoded {
            checkShape(image)
            roundTrip(image)
        }
        streamedAgreesWithDecoding(bytes, decoded: decoded)
    }

    /// A folder of this process's own for the streaming check's input and output files.
    static let scratch: String = {
        let folder = "/tmp/filterpipe-fuzz-\(getpid())"
        mkdir(folder, 0o755)
        return folder
    }()

    static let streamingRunner: BatchRunner = {
        let pipeline = try! Pipeline(text: "input rgb\noutput image normalize=clamp")
        var options = BatchOptions()
        options.jobs = 1
        options.limits = limits
        options.output = pipeline.spec.output
        return BatchRunner(pipeline: pipeline, output: OutputTree(root: scratch), options: options)
    }()

    /// The streaming route (decoded into row layout, written back from it in place) on `bytes` as a
    /// file: it fails with the same reason as `decoded`, or writes the decoded image as RGB (gray
    /// replicated, alpha dropped; 16-bit images go the float route and keep their size).
    public static func streamedAgreesWithDecoding(_ bytes: [UInt8], decoded: Result<PixelBuffer, ImageIOError>) {
        let path = scratch + "/input"
        guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        let result = streamingRunner.process(BatchInput(path: path, relativePath: "input", outputStem: "output"))
        switch decoded {
        case .failure(let error):
            if result.status != .failed || result.error != "\(path): \(error.message)" {
                fatalError(
                    "decode failed with '\(error.message)' but the streaming route gave \(result.status): \(result.error ?? "")")
            }
        case .success(let image):
            guard result.status == .written, let output = result.outputs.first else {
                fatalError("decoded, but the streaming route gave \(result.status): \(result.error ?? "")")
            }
            guard let written = try? ImageCodec.decode(fileAt: output), written.width == image.width,
                written.height == image.height, written.channels == 3
            else { fatalError("the streamed output does not decode to a \(image.width)x\(image.height) RGB image") }
            if case .uint8(let samples) = image.samples {
                let c = image.channels
                var expected = [UInt8]()
                expected.reserveCapacity(image.width * image.height * 3)
                for i in 0..<image.width * image.height {
                    let pixel = i * c
                    if c >= 3 {
                        expected += [samples[pixel], samples[pixel + 1], samples[pixel + 2]]
                    } else {
                        expected += [samples[pixel], samples[pixel], samples[pixel]]
                    }
                }
                if written.samples != .uint8(expected) { fatalError("the streamed output differs from the decoded image") }
            }
        }
    }

    /// For images of at most `roundTripPixels` pixels in a layout the encoder supports: PNG
    /// encode → decode must give back exactly the same samples.
    public static func roundTrip(_ image: PixelBuffer) {
        guard image.width * image.height <= roundTripPixels else { return }
        if image.bitDepth == 16 && (image.channels == 2 || image.channels == 4) { return }  // no 16-bit alpha encoder
        let encoded: [UInt8]
        do {
            encoded = try ImageCodec.encodePNG(image)
        } catch {
            fatalError("encodePNG failed on a decoded \(image.width)x\(image.height)x\(image.channels) image: \(error)")
        }
        let decodedAgain: PixelBuffer
        do {
            decodedAgain = try ImageCodec.decode(encoded, limits: limits)
        } catch {
            fatalError("our own PNG does not decode: \(error)")
        }
        if decodedAgain != image { fatalError("PNG round trip changed the image") }
    }

    /// Width, height and channel count are positive and agree with the sample count.
    public static func checkShape(_ image: PixelBuffer) {
        guard image.width > 0, image.height > 0, (1...4).contains(image.channels) else {
            fatalError("decoded image has shape \(image.width)x\(image.height)x\(image.channels)")
        }
        let expected = image.width * image.height * image.channels
        let count: Int
        switch image.samples {
        case .uint8(let samples): count = samples.count
        case .uint16(let samples): count = samples.count
        }
        if count != expected { fatalError("decoded image has \(count) samples, expected \(expected)") }
    }
}
