import Testing

@testable import FilterPipe

/// EXIF orientation parsing on synthetic APP1 segments, in both TIFF byte orders.
@Suite struct CodecEXIFTests {
    /// An APP1 "Exif" segment whose IFD0 holds one Orientation (0x0112, SHORT) entry.
    static func exifSegment(orientation: UInt16, littleEndian: Bool) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func u32(_ v: UInt32) -> [UInt8] {
            let be = CodecTestSupport.be32Bytes(v)
            return littleEndian ? be.reversed() : be
        }
        var tiff: [UInt8] = littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
        tiff += u16(42) + u32(8)
        tiff += u16(1)  // one entry
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0]
        tiff += u32(0)  // no next IFD
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = UInt16(payload.count + 2)
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// The JPEG with the segment inserted right after SOI.
    static func inserting(_ segment: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg.prefix(2)) + segment + Array(jpeg.dropFirst(2))
    }

    /// Oracle: the upright image for an EXIF orientation, from the stored pixels.
    static func oriented(_ image: PixelBuffer, _ orientation: Int) -> [UInt8] {
        guard case .uint8(let s) = image.samples else { return [] }
        let w = image.width, h = image.height, c = image.channels
        let swaps = orientation >= 5
        let outWidth = swaps ? h : w, outHeight = swaps ? w : h
        var out: [UInt8] = []
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                // Stored pixel shown at (ox, oy): EXIF 2.3 §4.6.4, orientation table.
                let (sx, sy): (Int, Int) =
                    switch orientation {
                    case 2: (w - 1 - ox, oy)
                    case 3: (w - 1 - ox, h - 1 - oy)
                    case 4: (ox, h - 1 - oy)
                    case 5: (oy, ox)
                    case 6: (oy, h - 1 - ox)
                    case 7: (w - 1 - oy, h - 1 - ox)
                    case 8: (w - 1 - oy, ox)
                    default: (ox, oy)
                    }
                out += s[((sy * w + sx) * c)..<((sy * w + sx) * c + c)]
            }
        }
        return out
    }

    static let cases: [(Int, Bool)] = (1...8).flatMap { [($0, true), ($0, false)] }

    @Test(
        "a synthetic EXIF orientation in either byte order turns the image upright",
        .enabled(if: SharedTestData.isAvailable), arguments: cases)
    func orientationIsApplied(orientation: Int, littleEndian: Bool) throws {
        let jpeg = CodecTestSupport.readFile(SharedTestData.path("jpeg/testimgp.jpg"))  // 227×149, no EXIF
        let stored = try ImageCodec.decode(jpeg)
        let tagged = try ImageCodec.decode(
            Self.inserting(Self.exifSegment(orientation: UInt16(orientation), littleEndian: littleEndian), into: jpeg))
        let swaps = orientation >= 5
        #expect(tagged.width == (swaps ? stored.height : stored.width))
        #expect(tagged.height == (swaps ? stored.width : stored.height))
        #expect(tagged.samples == .uint8(Self.oriented(stored, orientation)))
    }

    @Test("a malformed or out-of-range EXIF orientation is ignored", .enabled(if: SharedTestData.isAvailable))
    func malformedEXIFIsIgnored() throws {
        let jpeg = CodecTestSupport.readFile(SharedTestData.path("jpeg/testimgp.jpg"))
        let stored = try ImageCodec.decode(jpeg)
        var truncatedIFD = Self.exifSegment(orientation: 6, littleEndian: true)
        truncatedIFD.removeLast(10)
        truncatedIFD[3] = UInt8(truncatedIFD.count - 2)
        for segment in [
            Self.exifSegment(orientation: 9, littleEndian: true),
            Self.exifSegment(orientation: 0, littleEndian: false),
            truncatedIFD,
        ] {
            let decoded = try ImageCodec.decode(Self.inserting(segment, into: jpeg))
            #expect(decoded == stored)
        }
    }
}
