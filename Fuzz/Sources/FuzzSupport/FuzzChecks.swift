import FilterPipe

/// The properties every fuzz input is checked against. A violated property calls `fatalError`,
/// which libFuzzer reports as a crash and saves as an artifact.
public enum FuzzChecks {
    /// Decode limit for fuzzing: large enough for every seed (the biggest photo is 3.5 MP), small
    /// enough that a forged header cannot push one execution past libFuzzer's 2 GB RSS limit.
    public static let limits = DecodeLimits(maxPixels: 8_000_000)

    /// Images at most this many pixels are also round-tripped through the PNG encoder.
    static let roundTripPixels = 1_000_000

    /// Decodes `bytes`; on success checks the buffer's shape and the PNG round trip.
    public static func decodeAndRoundTrip(_ bytes: [UInt8]) {
        let image: PixelBuffer
        do {
            image = try ImageCodec.decode(bytes, limits: limits)
        } catch {
            return  // a clean, typed rejection is the expected outcome for most inputs
        }
        checkShape(image)
        roundTrip(image)
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
