import Foundation
import Testing

@testable import FilterPipe

// PNG data goes through filterpipe's run-length coder at level 1, and libdeflate when its shared
// library loads, else zlib, otherwise (deflate_backend.c). They write different bytes; libpng
// (which inflates with zlib, independently of all) must read the same pixels from each, and the
// fast decode path must give libpng's pixels with each.

/// Noise plus gradients, so every filter and both compressors see matches and literals.
private func testImage(width: Int, height: Int, channels: Int, bitDepth: Int) -> PixelBuffer {
    var state: UInt32 = 2024
    let count = width * height * channels
    func next(_ i: Int) -> Int {
        state = state &* 1_103_515_245 &+ 12345
        return (i % (width * channels)) * 7 + (i / (width * channels)) * 3 + Int(state >> 27)
    }
    if bitDepth == 16 {
        return PixelBuffer(
            width: width, height: height, channels: channels,
            samples: .uint16((0..<count).map { UInt16(truncatingIfNeeded: next($0) * 257) }))
    }
    return PixelBuffer(
        width: width, height: height, channels: channels,
        samples: .uint8((0..<count).map { UInt8(truncatingIfNeeded: next($0)) }))
}

private let availableBackends = ImageCodec.DeflateBackend.allCases.filter { $0.name != nil }

@Test func zlibAndTheRunLengthCoderAreAlwaysAvailableAndTheActiveOneIsNamed() {
    #expect(ImageCodec.DeflateBackend.zlib.name?.hasPrefix("zlib 1.") == true)
    let library = ImageCodec.DeflateBackend.libdeflate.name ?? "zlib 1."
    #expect(
        ImageCodec.DeflateBackend.runLength.name?.hasPrefix("filterpipe run-length coder at level 1, else ") == true)
    #expect(ImageCodec.DeflateBackend.runLength.name?.contains(library.prefix(12)) == true)
    let active = ImageCodec.deflateBackend
    #expect(
        active.hasPrefix("zlib 1.") || active.hasPrefix("libdeflate (") || active.hasPrefix("filterpipe run-length"),
        "\(active)")
    if let libdeflate = ImageCodec.DeflateBackend.libdeflate.name {
        #expect(libdeflate.hasPrefix("libdeflate (") && libdeflate.contains("libdeflate"))
    }
}

@Test(arguments: [(1, 8), (2, 8), (3, 8), (4, 8), (1, 16), (3, 16)], [0, 1, 6, 9])
func pngsWrittenThroughEitherBackendDecodeToTheSourcePixelsInLibpng(layout: (channels: Int, bitDepth: Int), level: Int)
    throws
{
    let image = testImage(width: 97, height: 41, channels: layout.channels, bitDepth: layout.bitDepth)
    var encodings: [ImageCodec.DeflateBackend: [UInt8]] = [:]
    for backend in availableBackends {
        for filter in [0, 1, 2, 4] {
            let png = try ImageCodec.encodePNG(image, level: level, rowFilter: filter, using: backend)
            #expect(try ImageCodec.decodePNGWithLibpng(png) == image, "\(backend) filter \(filter) level \(level)")
            if filter == 2 { encodings[backend] = png }
        }
    }
    // The choice really routes (the compressors' bytes differ once they compress).
    if level > 0, let zlib = encodings[.zlib], let libdeflate = encodings[.libdeflate] {
        #expect(zlib != libdeflate)
    }
    if level == 1, let zlib = encodings[.zlib], let runLength = encodings[.runLength] {
        #expect(zlib != runLength)
    }
}

@Test func aMultiMegabytePNGRoundTripsThroughEitherBackend() throws {
    // Several IDAT chunks (split at 1 MiB): 1200×1000 RGB of noise compresses poorly.
    let image = testImage(width: 1200, height: 1000, channels: 3, bitDepth: 8)
    for backend in availableBackends {
        let png = try ImageCodec.encodePNG(image, level: 1, rowFilter: 2, using: backend)
        #expect(png.count > 2 << 20)
        #expect(try ImageCodec.decodePNGWithLibpng(png) == image, "\(backend)")
        #expect(ImageCodec.decodePNGFastPath(png, using: backend) == image, "\(backend)")
    }
}

// MARK: - The fast decode path's inflate

/// CRC-32 (ISO-HDLC), bit by bit: the reference for the chunks these tests build.
private func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return ~crc
}

private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typed = Array(type.utf8) + data
    func be(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
    return be(UInt32(data.count)) + typed + be(crc32(typed))
}

/// An 8-bit gray PNG of `width`×`height` whose IDAT is `stream`, whatever it holds.
private func grayPNG(width: Int, height: Int, stream: [UInt8]) -> [UInt8] {
    func be(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        + chunk("IHDR", be(width) + be(height) + [8, 0, 0, 0, 0]) + chunk("IDAT", stream) + chunk("IEND", [])
}

/// The zlib stream of a 16×12 gray image with filter byte 0 on every row, from libpng's writer
/// (zlib), and the image.
private func referenceStream() throws -> (stream: [UInt8], image: PixelBuffer) {
    let image = testImage(width: 16, height: 12, channels: 1, bitDepth: 8)
    let png = try ImageCodec.encodePNGWithLibpng(image, options: PNGWriteOptions(compressionLevel: 6), filter: 0)
    // signature 8, IHDR 25, then the one IDAT: length, "IDAT", data.
    let length = png[33..<37].reduce(0) { $0 << 8 | Int($1) }
    #expect(String(decoding: png[37..<41], as: UTF8.self) == "IDAT")
    return (Array(png[41..<41 + length]), image)
}

@Test func fastPathInflatesAStreamOfExactlyTheImageWithEitherBackend() throws {
    let (stream, image) = try referenceStream()
    let png = grayPNG(width: 16, height: 12, stream: stream)
    for backend in availableBackends {
        #expect(ImageCodec.decodePNGFastPath(png, using: backend) == image, "\(backend)")
        // Bytes after the stream's end are not part of it, for libdeflate and zlib alike.
        let padded = grayPNG(width: 16, height: 12, stream: stream + [0, 1, 2, 3])
        #expect(ImageCodec.decodePNGFastPath(padded, using: backend) == image, "\(backend)")
    }
}

@Test(arguments: [
    ("longer than the image", 11, 0), ("shorter than the image", 13, 0), ("cut short", 12, 5),
    ("a corrupt checksum", 12, -1),
])
func fastPathLeavesAStreamThatIsNotExactlyTheImageToLibpngWithEitherBackend(
    what: String, height: Int, dropped: Int
) throws {
    var (stream, _) = try referenceStream()
    if dropped > 0 { stream.removeLast(dropped) }
    if dropped < 0 { stream[stream.count - 1] ^= 0x55 }  // the Adler-32 trailer
    let png = grayPNG(width: 16, height: height, stream: stream)
    for backend in availableBackends {
        #expect(ImageCodec.decodePNGFastPath(png, using: backend) == nil, "\(backend): \(what)")
    }
}

/// Every PNG under the shared test data (PngSuite, broken files, photos), relative paths.
private let sharedPNGs: [String] = {
    guard SharedTestData.isAvailable,
        let walker = FileManager.default.enumerator(atPath: SharedTestData.rootPath)
    else { return [] }
    return (walker.allObjects as? [String] ?? []).filter { $0.lowercased().hasSuffix(".png") }.sorted()
}()

@Test(.enabled(if: SharedTestData.isAvailable))
func fastPathGivesLibpngsPixelsWithZlibOnEverySharedFileItTakes() throws {
    var taken = 0
    for relative in sharedPNGs {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedTestData.path(relative))))
        let viaZlib = ImageCodec.decodePNGFastPath(bytes, using: .zlib)
        if ImageCodec.DeflateBackend.libdeflate.name != nil {
            // The same files taken, the same pixels: only the inflater differs.
            #expect(ImageCodec.decodePNGFastPath(bytes, using: .libdeflate) == viaZlib, "\(relative)")
        }
        guard let viaZlib else { continue }
        taken += 1
        #expect((try? ImageCodec.decodePNGWithLibpng(bytes)) == viaZlib, "\(relative)")
    }
    #expect(taken > 20, "fast path took \(taken) files")
}
