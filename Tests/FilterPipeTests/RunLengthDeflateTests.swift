import Testing

@testable import FilterPipe

// filterpipe's run-length deflate coder (rle_deflate.c) writes every PNG at level 1. Its streams
// are read back by libpng and by zlib's inflate on the PNG fast path (both independent of it, and
// both check the Adler-32), for the shapes of data it has separate code for: runs of each length
// around the 3..258 limits, blocks of 128 KiB with a run across their boundary, stored blocks for
// data that does not compress, and images too small for any run.

private struct Pattern: CustomTestStringConvertible, Sendable {
    let name: String
    let width: Int, height: Int, channels: Int
    let sample: @Sendable (Int) -> UInt8
    var testDescription: String { name }

    var image: PixelBuffer {
        PixelBuffer(
            width: width, height: height, channels: channels,
            samples: .uint8((0..<width * height * channels).map(sample)))
    }
}

/// A repeatable hash of `i`: noise with no runs worth coding.
private func noise(_ i: Int) -> UInt8 {
    var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
    x ^= x >> 29
    x = x &* 0xBF58_476D_1CE4_E5B9
    return UInt8(truncatingIfNeeded: x >> 32)
}

/// Runs of zeros of every length 1...300, each after one noise byte.
private let everyRunLength: [UInt8] = (1...300).flatMap { [noise($0) | 1] + [UInt8](repeating: 0, count: $0) }

private let patterns: [Pattern] = [
    Pattern(name: "one pixel", width: 1, height: 1, channels: 1) { _ in 7 },
    Pattern(name: "one short row", width: 3, height: 1, channels: 3) { UInt8(truncatingIfNeeded: $0 * 40) },
    Pattern(name: "runs of every length 1–300", width: 211, height: everyRunLength.count / 211, channels: 1) {
        everyRunLength[$0]
    },
    Pattern(name: "all zero, several blocks", width: 1000, height: 400, channels: 1) { _ in 0 },
    Pattern(name: "all 255, RGBA", width: 300, height: 200, channels: 4) { _ in 255 },
    Pattern(name: "noise, stored", width: 640, height: 480, channels: 3, sample: noise),
    // A ReLU-like map: zero patches and ramps, 2 MB so that many blocks meet mid-run.
    Pattern(name: "rectified ramps", width: 1500, height: 1400, channels: 1) { i in
        let x = i % 1500, y = i / 1500
        let value = ((x / 37 + y / 23) % 3 == 0) ? 0 : (x * 3 + y * 5) % 251
        return UInt8(value) &+ (noise(i) & 3)
    },
    Pattern(name: "gray gradient with noise, 2 channels", width: 517, height: 333, channels: 2) { i in
        UInt8(truncatingIfNeeded: i / 7 % 256) &+ (noise(i) & 7)
    },
]

@Test(arguments: patterns, [0, 1, 2, 4])
private func runLengthStreamsDecodeToTheSourcePixelsInLibpngAndZlib(pattern: Pattern, rowFilter: Int) throws {
    let image = pattern.image
    let png = try ImageCodec.encodePNG(image, level: 1, rowFilter: rowFilter, using: .runLength)
    #expect(try ImageCodec.decodePNGWithLibpng(png) == image)
    #expect(ImageCodec.decodePNGFastPath(png, using: .zlib) == image)
}

@Test func aLongRunCostsAFewBitsPerMatchAndNoiseIsStoredNotExpanded() throws {
    // 400 000 zeros: 1551 matches of 258 bytes at a few bits each, not 400 000 literals.
    let zeros = patterns.first { $0.name.hasPrefix("all zero") }!.image
    let flat = try ImageCodec.encodePNG(zeros, level: 1, rowFilter: 0, using: .runLength)
    #expect(flat.count < 2_000, "\(flat.count) bytes")
    // Noise cannot be coded in fewer bits than it has: stored, within 0.1 % of the raw size
    // (5 bytes per 64 KiB stored piece plus the PNG chunks).
    let random = patterns.first { $0.name.hasPrefix("noise") }!.image
    let raw = random.width * random.height * random.channels + random.height
    let stored = try ImageCodec.encodePNG(random, level: 1, rowFilter: 0, using: .runLength)
    #expect(stored.count > raw && stored.count < raw + raw / 1000, "\(stored.count) for \(raw) raw")
}

@Test func theRunLengthCoderIsSmallerThanLibraryLevelOneOnARectifiedMap() throws {
    // The shape of feature maps after a ReLU: what it was built for (BENCHMARKS.md has the corpus).
    let map = patterns.first { $0.name == "rectified ramps" }!.image
    let own = try ImageCodec.encodePNG(map, level: 1, rowFilter: 4, using: .runLength)
    for library in [ImageCodec.DeflateBackend.zlib, .libdeflate] where library.name != nil {
        let theirs = try ImageCodec.encodePNG(map, level: 1, rowFilter: 2, using: library)
        #expect(own.count < theirs.count, "\(library): \(own.count) vs \(theirs.count)")
    }
}

@Test func otherLevelsGoToTheLibraryAndStillDecode() throws {
    let image = patterns.first { $0.name.hasPrefix("gray gradient") }!.image
    let library: ImageCodec.DeflateBackend = ImageCodec.DeflateBackend.libdeflate.name != nil ? .libdeflate : .zlib
    for level in [0, 6, 9] {
        let png = try ImageCodec.encodePNG(image, level: level, rowFilter: 4, using: .runLength)
        #expect(png == (try ImageCodec.encodePNG(image, level: level, rowFilter: 4, using: library)), "level \(level)")
        #expect(try ImageCodec.decodePNGWithLibpng(png) == image)
    }
}

/// Byte strings for the coder alone, run through blocks of many sizes (each PNG uses 128 KiB).
private let streams: [(name: String, bytes: [UInt8])] = [
    ("empty", []),
    ("one byte", [42]),
    ("three equal bytes", [9, 9, 9]),
    ("runs of every length 1–300", everyRunLength),
    ("300 000 zeros", [UInt8](repeating: 0, count: 300_000)),
    ("noise", (0..<200_000).map(noise)),
    ("small residuals", (0..<150_000).map { noise($0) % 5 }),
]

@Test(arguments: [1, 2, 3, 7, 258, 259, 1000, 65_535, 65_536, 131_072, 1 << 20])
func runLengthStreamsInflateInZlibWhateverTheBlockSize(block: Int) {
    for stream in streams {
        // Tiny blocks over the first 5000 bytes only: each block has its own code tables.
        let bytes = Array(stream.bytes.prefix(block < 1000 ? 5000 : Int.max))
        let size = ImageCodec.runLengthDeflateRoundTrip(bytes, block: block)
        #expect(size != nil, "\(stream.name), blocks of \(block)")
    }
}
