import Foundation
import Testing

@testable import FilterPipe

// `ImageCodec.decode` takes a libdeflate fast path for 8-bit non-interlaced PNGs; libpng
// (`decodePNGWithLibpng`) is its reference: same pixels, or the same error, on every file.

/// Every PNG under the shared test data (PngSuite, broken files, photos), relative paths.
private let sharedPNGs: [String] = {
    guard SharedTestData.isAvailable,
        let walker = FileManager.default.enumerator(atPath: SharedTestData.rootPath)
    else { return [] }
    return (walker.allObjects as? [String] ?? []).filter { $0.lowercased().hasSuffix(".png") }.sorted()
}()

/// The decoded image, or the error's code and message: what two decoders must agree on.
private enum Outcome: Equatable {
    case decoded(PixelBuffer)
    case failed(String)

    var isError: Bool { if case .failed = self { true } else { false } }
}

private func outcome(_ decode: () throws(ImageIOError) -> PixelBuffer) -> Outcome {
    do throws(ImageIOError) {
        return .decoded(try decode())
    } catch {
        return .failed("\(error.code) \(error.message)")
    }
}

@Test(.enabled(if: SharedTestData.isAvailable))
func fastPNGDecodeAgreesWithLibpngOnEverySharedFile() throws {
    var checked = 0
    for relative in sharedPNGs {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedTestData.path(relative))))
        // Files without the PNG signature never reach either PNG decoder.
        guard ImageCodec.sniff(Array(bytes.prefix(8))) == .png else { continue }
        checked += 1
        let fast = outcome { () throws(ImageIOError) in try ImageCodec.decode(bytes) }
        let reference = outcome { () throws(ImageIOError) in try ImageCodec.decodePNGWithLibpng(bytes) }
        #expect(fast == reference, "\(relative)")
    }
    #expect(checked > 100)
}

@Test(arguments: [1, 2, 3, 4])
func fastPNGDecodeUndoesEveryRowFilter(channels: Int) throws {
    // Noise plus gradients, so Sub/Up/Average/Paeth all see carries and every predictor branch.
    let width = 61, height = 23
    var state: UInt32 = 12345
    let samples = (0..<width * height * channels).map { i -> UInt8 in
        state = state &* 1_103_515_245 &+ 12345
        return UInt8(truncatingIfNeeded: (i % (width * channels)) * 3 + (i / (width * channels)) * 5 + Int(state >> 29))
    }
    let image = PixelBuffer(width: width, height: height, channels: channels, samples: .uint8(samples))
    var files: [[UInt8]] = try [0, 1, 2, 4].map { filter throws(ImageIOError) in
        try ImageCodec.encodePNG(image, options: PNGWriteOptions(compressionLevel: 6), rowFilter: filter)
    }
    // libpng's adaptive choice mixes filters per row, Average included.
    files.append(try ImageCodec.encodePNGWithLibpng(image, options: PNGWriteOptions(compressionLevel: 6), filter: 5))
    for file in files {
        #expect(try ImageCodec.decode(file) == image)
        #expect(try ImageCodec.decodePNGWithLibpng(file) == image)
    }
}

@Test func fastPNGDecodeLeavesDamagedStreamsToLibpng() throws {
    let image = PixelBuffer(width: 40, height: 30, channels: 3, samples: .uint8((0..<3600).map { UInt8($0 % 251) }))
    let good = try ImageCodec.encodePNG(image)
    // Flip a byte inside the IDAT payload (after the 8-byte signature, 25-byte IHDR and the
    // tEXt-free layout: IDAT data starts at 41), with and without fixing the chunk CRC.
    var damaged = good
    damaged[50] ^= 0x55
    let fast = outcome { () throws(ImageIOError) in try ImageCodec.decode(damaged) }
    let reference = outcome { () throws(ImageIOError) in try ImageCodec.decodePNGWithLibpng(damaged) }
    #expect(fast == reference)
    #expect(fast.isError)
    // Truncated in the middle of IDAT.
    let cut = Array(good.prefix(good.count / 2))
    #expect(
        outcome { () throws(ImageIOError) in try ImageCodec.decode(cut) }
            == outcome { () throws(ImageIOError) in try ImageCodec.decodePNGWithLibpng(cut) })
}
