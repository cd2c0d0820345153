import Foundation
import Testing

@testable import FilterPipe

/// Crafted and damaged input: limits, bombs, truncation, non-images.
@Suite struct CodecSafetyTests {
    /// A valid 8-bit gray PNG of the given size, all zero, built by the encoder.
    static func zeroGrayPNG(width: Int, height: Int) throws -> [UInt8] {
        let image = PixelBuffer(
            width: width, height: height, channels: 1,
            samples: .uint8([UInt8](repeating: 0, count: width * height)))
        return try ImageCodec.encodePNG(image)
    }

    /// `png` with IHDR's width/height replaced (CRC recomputed).
    static func withDeclaredSize(_ png: [UInt8], width: UInt32, height: UInt32, colorType: UInt8? = nil) -> [UInt8] {
        var chunks = CodecTestSupport.chunks(png)
        chunks[0].data.replaceSubrange(0..<8, with: CodecTestSupport.be32Bytes(width) + CodecTestSupport.be32Bytes(height))
        if let colorType { chunks[0].data[9] = colorType }
        return CodecTestSupport.assemble(chunks)
    }

    @Test("a 1×1 PNG whose IDAT inflates to 64 MiB decodes from the stream's first bytes, never inflating the rest")
    func idatBombIsNotInflated() throws {
        var chunks = CodecTestSupport.chunks(
            Self.withDeclaredSize(try Self.zeroGrayPNG(width: 8192, height: 8192), width: 1, height: 1))
        // The zlib stream in one IDAT, its second half overwritten: inflating the whole stream fails
        // (zlib: "incomplete or truncated stream"), so the decode below succeeds only if the decoder
        // stops once it has its one row, as it must for a bomb.
        var stream = chunks.filter { $0.type == "IDAT" }.flatMap(\.data)
        #expect(stream.count < 400_000)
        stream.replaceSubrange(stream.count / 2..<stream.count, with: repeatElement(0xFF, count: stream.count - stream.count / 2))
        chunks.removeAll { $0.type == "IDAT" }
        chunks.insert(CodecTestSupport.Chunk(type: "IDAT", data: stream, crcMatches: true), at: chunks.count - 1)
        let result = try ImageCodec.decode(CodecTestSupport.assemble(chunks))
        #expect(result == PixelBuffer(width: 1, height: 1, channels: 1, samples: .uint8([0])))
    }

    @Test("after the last row, a critical chunk with a bad CRC or a missing IEND still fails")
    func trailingChunksAreChecked() throws {
        let png = try Self.zeroGrayPNG(width: 3, height: 2)
        var chunks = CodecTestSupport.chunks(png)
        // A second, damaged IDAT after the complete image.
        var damaged = CodecTestSupport.assemble(Array(chunks.dropLast()) + [chunks[chunks.count - 2], chunks.last!])
        let secondIDAT = damaged.count - 12 - (chunks[chunks.count - 2].data.count + 12) + 8
        damaged[secondIDAT] ^= 0xFF
        #expect(throws: ImageIOError.self) { _ = try ImageCodec.decode(damaged) }
        chunks.removeLast()
        do {
            _ = try ImageCodec.decode(CodecTestSupport.assemble(chunks))
            Issue.record("decoded without IEND")
        } catch {
            #expect(error.code == .truncated)
        }
    }

    @Test("a PNG declaring 60000×60000 pixels is refused as .tooLarge before allocating")
    func hugeDeclaredPNGIsTooLarge() throws {
        let png = Self.withDeclaredSize(try Self.zeroGrayPNG(width: 4, height: 4), width: 60000, height: 60000, colorType: 6)
        do {
            _ = try ImageCodec.decode(png)
            Issue.record("decoded")
        } catch {
            #expect(error.code == .tooLarge, "\(error)")
        }
    }

    @Test(
        "the pixel limit applies to PNG and JPEG from the header", .enabled(if: SharedTestData.isAvailable),
        arguments: ["pngsuite/basn2c08.png", "photos/rocket.jpg"])
    func pixelLimitIsEnforced(file: String) throws {
        let path = SharedTestData.path(file)
        let image = try ImageCodec.decode(fileAt: path)
        let pixels = image.width * image.height
        #expect(throws: ImageIOError.self) {
            _ = try ImageCodec.decode(fileAt: path, limits: DecodeLimits(maxPixels: pixels - 1))
        }
        do {
            _ = try ImageCodec.decode(fileAt: path, limits: DecodeLimits(maxPixels: pixels - 1))
        } catch {
            #expect(error.code == .tooLarge)
        }
        _ = try ImageCodec.decode(fileAt: path, limits: DecodeLimits(maxPixels: pixels))
    }

    @Test("a zTXt decompression bomb does not stop its image from decoding", .enabled(if: SharedTestData.isAvailable))
    func textBombIsSkipped() throws {
        let image = try ImageCodec.decode(fileAt: SharedTestData.path("png-bad/png_decompression_dos.png"))
        #expect(image.width == 1 && image.height == 1)
    }

    @Test("every prefix of a PNG fails cleanly as truncated or corrupt")
    func truncatedPNGPrefixesFail() throws {
        let png = try ImageCodec.encodePNG(
            PixelBuffer(
                width: 9, height: 7, channels: 3,
                samples: .uint8((0..<189).map { UInt8($0) })))
        for length in 0..<png.count {
            do {
                _ = try ImageCodec.decode(Array(png.prefix(length)))
                Issue.record("prefix of \(length) bytes decoded")
            } catch {
                #expect([.truncated, .corrupt, .unknownFormat].contains(error.code), "\(length): \(error)")
            }
        }
    }

    @Test("every prefix of a JPEG fails cleanly", .enabled(if: SharedTestData.isAvailable))
    func truncatedJPEGPrefixesFail() {
        let jpeg = CodecTestSupport.readFile(SharedTestData.path("jpeg/app13.jpg"))
        for length in 0..<(jpeg.count - 2) {
            #expect(throws: ImageIOError.self) { _ = try ImageCodec.decode(Array(jpeg.prefix(length))) }
        }
    }

    @Test("non-image bytes are .unknownFormat")
    func nonImageIsUnknownFormat() {
        for bytes in [[], Array("hello, world".utf8), [0xFF, 0xD8], [0x89, 0x50, 0x4E, 0x47]] as [[UInt8]] {
            do {
                _ = try ImageCodec.decode(bytes, path: "x.bin")
                Issue.record("decoded")
            } catch {
                #expect(error.code == .unknownFormat)
                #expect(error.description.hasPrefix("x.bin: "))
            }
        }
    }

    @Test("sniff recognises PNG and JPEG magic only")
    func sniffByMagic() {
        #expect(ImageCodec.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .png)
        #expect(ImageCodec.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageCodec.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A]) == nil)
        #expect(ImageCodec.sniff(Array("GIF89a".utf8)) == nil)
    }

    @Test("image candidates: .png/.jpg/.jpeg in any case, or PNG/JPEG content under another name")
    func imageCandidates() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("codec-cand-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func make(_ name: String, _ bytes: [UInt8]) -> String {
            let path = folder.appendingPathComponent(name).path
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            return path
        }
        let png = try Self.zeroGrayPNG(width: 2, height: 2)
        #expect(ImageCodec.isImageCandidate(path: make("a.PNG", [])))
        #expect(ImageCodec.isImageCandidate(path: make("b.JpEg", [])))
        #expect(ImageCodec.isImageCandidate(path: make("c.jpg", [])))
        #expect(ImageCodec.isImageCandidate(path: make("noext", png)))
        #expect(ImageCodec.isImageCandidate(path: make("photo.dat", [0xFF, 0xD8, 0xFF, 0xDB])))
        #expect(!ImageCodec.isImageCandidate(path: make("notes.txt", Array("text".utf8))))
        #expect(!ImageCodec.isImageCandidate(path: make(".png", Array("text".utf8))))
    }

    @Test("a very wide image (rows over 1 MiB) is within libpng's allocation cap", arguments: [false, true])
    func wideRowsDecode(sixteenBit: Bool) throws {
        let width = 200_000
        let image =
            sixteenBit
            ? PixelBuffer(
                width: width, height: 2, channels: 3,
                samples: .uint16((0..<(width * 6)).map { UInt16(truncatingIfNeeded: $0 &* 31) }))
            : PixelBuffer(
                width: width, height: 2, channels: 4,
                samples: .uint8((0..<(width * 8)).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        let decoded = try ImageCodec.decode(try ImageCodec.encodePNG(image))
        #expect(decoded == image)
    }
}
