import Foundation
import Testing

@testable import FilterPipe

/// PNG encoding: round trips through libpng's decoder, tEXt chunks, the libpng writer path
/// and atomic file writes.
@Suite struct CodecPNGEncodeTests {
    struct Layout: Sendable, CustomStringConvertible {
        var channels: Int
        var bitDepth: Int
        var description: String { "\(bitDepth)-bit \(channels)-channel" }
    }

    static let layouts = [
        Layout(channels: 1, bitDepth: 8), Layout(channels: 2, bitDepth: 8),
        Layout(channels: 3, bitDepth: 8), Layout(channels: 4, bitDepth: 8),
        Layout(channels: 1, bitDepth: 16), Layout(channels: 3, bitDepth: 16),
    ]

    /// Deterministic noise plus gradients, odd sizes so rows do not align to anything.
    static func image(_ layout: Layout, width: Int = 37, height: Int = 23) -> PixelBuffer {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let count = width * height * layout.channels
        if layout.bitDepth == 16 {
            let samples = (0..<count).map { i in UInt16(truncatingIfNeeded: i &* 977 &+ Int(next() % 7)) }
            return PixelBuffer(width: width, height: height, channels: layout.channels, samples: .uint16(samples))
        }
        let samples = (0..<count).map { i in UInt8(truncatingIfNeeded: (i / layout.channels) &+ Int(next() % 5)) }
        return PixelBuffer(width: width, height: height, channels: layout.channels, samples: .uint8(samples))
    }

    @Test("encode then decode returns identical samples, at every level", arguments: layouts, [0, 1, 6, 9])
    func roundTripIsLossless(layout: Layout, level: Int) throws {
        let original = Self.image(layout)
        let encoded = try ImageCodec.encodePNG(original, options: PNGWriteOptions(compressionLevel: level))
        #expect(ImageCodec.sniff(Array(encoded.prefix(8))) == .png)
        let decoded = try ImageCodec.decode(encoded)
        #expect(decoded == original)
    }

    @Test("every row filter (none, Sub, Up, Paeth) round-trips through libpng's decoder", arguments: layouts, [0, 1, 2, 4])
    func rowFiltersRoundTrip(layout: Layout, filter: Int) throws {
        let original = Self.image(layout)
        let encoded = try ImageCodec.encodePNG(original, options: PNGWriteOptions(compressionLevel: 1), rowFilter: filter)
        let decoded = try ImageCodec.decode(encoded)
        #expect(decoded == original)
        // Level 0 stores the rows: after the zlib header (2 bytes) and the stored block's
        // header (5 bytes) comes the first row's filter type byte.
        let stored = try ImageCodec.encodePNG(original, options: PNGWriteOptions(compressionLevel: 0), rowFilter: filter)
        let idat = CodecTestSupport.chunks(stored).first { $0.type == "IDAT" }!.data
        #expect(Int(idat[7]) == filter)
        #expect(try ImageCodec.decode(stored) == original)
    }

    @Test("the libpng writer path round-trips too, for every filter", arguments: layouts, [0, 1, 2, 5])
    func libpngWriterRoundTrips(layout: Layout, filter: Int) throws {
        let original = Self.image(layout)
        let encoded = try ImageCodec.encodePNGWithLibpng(original, options: PNGWriteOptions(compressionLevel: 1), filter: filter)
        let decoded = try ImageCodec.decode(encoded)
        #expect(decoded == original)
    }

    @Test("every chunk written carries a correct CRC-32 and IHDR states the layout", arguments: layouts)
    func chunksAreWellFormed(layout: Layout) throws {
        let encoded = try ImageCodec.encodePNG(Self.image(layout))
        let chunks = CodecTestSupport.chunks(encoded)
        #expect(chunks.first?.type == "IHDR")
        #expect(chunks.last?.type == "IEND")
        #expect(chunks.allSatisfy { $0.crcMatches })
        let ihdr = chunks[0].data
        #expect(CodecTestSupport.be32(ihdr, 0) == 37 && CodecTestSupport.be32(ihdr, 4) == 23)
        #expect(Int(ihdr[8]) == layout.bitDepth)
        let colorType: [Int: UInt8] = [1: 0, 2: 4, 3: 2, 4: 6]
        #expect(ihdr[9] == colorType[layout.channels])
    }

    @Test("tEXt chunks are written in order with Latin-1 keyword and text")
    func textChunksAreWritten() throws {
        let text = [
            PNGWriteOptions.TextChunk(keyword: "Software", text: "filterpipe"),
            PNGWriteOptions.TextChunk(keyword: "Comment", text: "conv1 · filter 3 of 8, café"),
        ]
        let image = Self.image(Layout(channels: 1, bitDepth: 8))
        let viaLibdeflate = try ImageCodec.encodePNG(image, options: PNGWriteOptions(text: text))
        let viaLibpng = try ImageCodec.encodePNGWithLibpng(image, options: PNGWriteOptions(text: text))
        for encoded in [viaLibdeflate, viaLibpng] {
            let found = CodecTestSupport.chunks(encoded).filter { $0.type == "tEXt" }
            #expect(found.count == 2)
            #expect(found.allSatisfy { $0.crcMatches })
            let parsed = found.map { chunk -> (String, String) in
                let zero = chunk.data.firstIndex(of: 0)!
                // Latin-1: every byte is the scalar of the same value.
                func latin1(_ bytes: ArraySlice<UInt8>) -> String {
                    String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
                }
                return (latin1(chunk.data[..<zero]), latin1(chunk.data[(zero + 1)...]))
            }
            #expect(parsed.map(\.0) == ["Software", "Comment"])
            #expect(parsed.map(\.1) == ["filterpipe", "conv1 · filter 3 of 8, café"])
        }
    }

    @Test("text outside Latin-1 or an empty keyword is an encode error")
    func invalidTextIsRejected() {
        let image = Self.image(Layout(channels: 1, bitDepth: 8))
        #expect(throws: ImageIOError.self) {
            _ = try ImageCodec.encodePNG(image, options: PNGWriteOptions(text: [.init(keyword: "Title", text: "日本")]))
        }
        #expect(throws: ImageIOError.self) {
            _ = try ImageCodec.encodePNG(image, options: PNGWriteOptions(text: [.init(keyword: "", text: "x")]))
        }
    }

    @Test("16-bit gray+alpha cannot be encoded (outside the supported set)")
    func unsupportedLayoutIsRejected() {
        let image = PixelBuffer(width: 2, height: 2, channels: 2, samples: .uint16([1, 2, 3, 4, 5, 6, 7, 8]))
        do {
            _ = try ImageCodec.encodePNG(image)
            Issue.record("encoded")
        } catch {
            #expect(error.code == .encode)
        }
    }

    @Test("writePNG leaves only the final file, decodable, and replaces an existing one")
    func writePNGIsAtomic() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("codec-write-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("out.png").path
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        let image = Self.image(Layout(channels: 3, bitDepth: 8))
        try ImageCodec.writePNG(image, to: path)
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(entries == ["out.png"])
        let decoded = try ImageCodec.decode(fileAt: path)
        #expect(decoded == image)
    }

    @Test("writePNG into a missing folder throws .io and creates nothing")
    func writePNGFailureLeavesNothing() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)/x.png").path
        do {
            try ImageCodec.writePNG(Self.image(Layout(channels: 1, bitDepth: 8)), to: path)
            Issue.record("wrote")
        } catch {
            #expect(error.code == .io)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("a 3.6 MB image stored at level 0 is split over several IDAT chunks and still round-trips")
    func largeImageUsesSeveralIDATChunks() throws {
        let original = Self.image(Layout(channels: 3, bitDepth: 8), width: 1200, height: 1000)
        let encoded = try ImageCodec.encodePNG(original, options: PNGWriteOptions(compressionLevel: 0))
        let chunks = CodecTestSupport.chunks(encoded)
        #expect(chunks.filter { $0.type == "IDAT" }.count >= 4)
        #expect(chunks.allSatisfy { $0.crcMatches })
        let decoded = try ImageCodec.decode(encoded)
        #expect(decoded == original)
    }

    @Test("a real photo round-trips exactly", .enabled(if: SharedTestData.isAvailable))
    func photoRoundTrips() throws {
        let photo = try ImageCodec.decode(fileAt: SharedTestData.path("photos/astronaut.png"))
        let decoded = try ImageCodec.decode(try ImageCodec.encodePNG(photo))
        #expect(decoded == photo)
    }
}
