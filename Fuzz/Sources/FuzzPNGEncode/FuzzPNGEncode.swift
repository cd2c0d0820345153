@testable import FilterPipe

// libFuzzer entry point for the PNG writer and its run-length deflate coder. The input's first
// four bytes choose the layout (channels, 8 or 16 bits, width, row filter) and a block size; the
// rest are the samples. Properties, each an independent decoder against the encoder:
// - the coder's raw stream, in blocks of the chosen size, inflates in zlib to exactly the input;
// - the PNG written at level 1 (run-length coder) decodes in libpng to exactly the image;
// - and so does the one `ImageCodec.decode` gives (the fast path, inflating with libdeflate/zlib).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNGEncode(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 5 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let samples = Array(bytes[4...])
    let block = 1 + Int(bytes[2]) << 8 | Int(bytes[3])
    if ImageCodec.runLengthDeflateRoundTrip(samples, block: block) == nil {
        fatalError("run-length stream of \(samples.count) bytes in blocks of \(block) did not inflate to its input")
    }

    let layouts = [(1, 8), (2, 8), (3, 8), (4, 8), (1, 16), (3, 16)]
    let (channels, bitDepth) = layouts[Int(bytes[0]) % layouts.count]
    let filter = [0, 1, 2, 4][Int(bytes[0] >> 4) % 4]
    let bytesPerPixel = channels * bitDepth / 8
    let width = 1 + Int(bytes[1]) % max(1, samples.count / bytesPerPixel)
    let height = samples.count / (width * bytesPerPixel)
    guard height > 0 else { return 0 }
    let count = width * height * channels
    let image: PixelBuffer
    if bitDepth == 8 {
        image = PixelBuffer(width: width, height: height, channels: channels, samples: .uint8(Array(samples[..<count])))
    } else {
        let words = (0..<count).map { UInt16(samples[2 * $0]) << 8 | UInt16(samples[2 * $0 + 1]) }
        image = PixelBuffer(width: width, height: height, channels: channels, samples: .uint16(words))
    }
    do {
        let png = try ImageCodec.encodePNG(image, level: 1, rowFilter: filter, using: .runLength)
        guard try ImageCodec.decodePNGWithLibpng(png) == image else {
            fatalError("libpng read other pixels from a \(width)×\(height)×\(channels) \(bitDepth)-bit PNG, filter \(filter)")
        }
        guard try ImageCodec.decode(png) == image else {
            fatalError("decode read other pixels from a \(width)×\(height)×\(channels) \(bitDepth)-bit PNG, filter \(filter)")
        }
    } catch {
        fatalError("a valid image failed to encode or decode: \(error)")
    }
    return 0
}
