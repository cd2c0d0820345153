import Foundation

@testable import FilterPipe

/// Reference helpers for the codec tests, written from the PNG specification, independent
/// of the code under test.
enum CodecTestSupport {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// A row of png-reference.tsv / jpeg-reference.tsv (see Fixtures/make_reference.py).
    struct ReferenceDecode: Sendable, CustomStringConvertible {
        var path: String
        var width: Int
        var height: Int
        var channels: Int
        var bitDepth: Int
        var hash: UInt64
        var means: [Double]
        var description: String { path }
    }

    static func references(_ name: String) -> [ReferenceDecode] {
        guard let text = try? String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: "\t").map(String.init)
            return ReferenceDecode(
                path: f[0], width: Int(f[1])!, height: Int(f[2])!, channels: Int(f[3])!,
                bitDepth: Int(f[4])!, hash: UInt64(f[5], radix: 16)!,
                means: f[6].split(separator: " ").map { Double($0)! })
        }
    }

    /// FNV-1a 64 over the samples (16-bit samples as little-endian byte pairs), as make_reference.py.
    static func fnv1a(_ samples: PixelBuffer.Samples) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        switch samples {
        case .uint8(let values):
            values.withUnsafeBufferPointer { for v in $0 { hash = (hash ^ UInt64(v)) &* 0x100000001b3 } }
        case .uint16(let values):
            for v in values {
                hash = (hash ^ UInt64(v & 0xFF)) &* 0x100000001b3
                hash = (hash ^ UInt64(v >> 8)) &* 0x100000001b3
            }
        }
        return hash
    }

    static func values(_ samples: PixelBuffer.Samples) -> [Int] {
        switch samples {
        case .uint8(let v): v.map(Int.init)
        case .uint16(let v): v.map(Int.init)
        }
    }

    static func channelMeans(_ image: PixelBuffer) -> [Double] {
        guard case .uint8(let v) = image.samples else {
            let all = values(image.samples)
            return (0..<image.channels).map { c in
                stride(from: c, to: all.count, by: image.channels).reduce(0.0) { $0 + Double(all[$1]) }
                    / Double(image.width * image.height)
            }
        }
        var sums = [Int](repeating: 0, count: image.channels)
        v.withUnsafeBufferPointer { buffer in
            for i in 0..<buffer.count { sums[i % image.channels] += Int(buffer[i]) }
        }
        return sums.map { Double($0) / Double(image.width * image.height) }
    }

    /// Mean |a − b| over all 8-bit samples.
    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var total = 0
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                for i in 0..<min(x.count, y.count) { total += abs(Int(x[i]) - Int(y[i])) }
            }
        }
        return Double(total) / Double(max(1, a.count))
    }

    /// CRC-32 (ISO 3309 / PNG specification annex D), bitwise.
    static func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    struct Chunk { var type: String; var data: [UInt8]; var crcMatches: Bool }

    /// Splits a PNG file into chunks, checking each CRC.
    static func chunks(_ png: [UInt8]) -> [Chunk] {
        var result: [Chunk] = []
        var offset = 8
        while offset + 12 <= png.count {
            let length = Int(be32(png, offset))
            guard offset + 12 + length <= png.count else { break }
            let typeAndData = Array(png[(offset + 4)..<(offset + 8 + length)])
            let type = String(decoding: typeAndData.prefix(4), as: UTF8.self)
            let stored = be32(png, offset + 8 + length)
            result.append(Chunk(type: type, data: Array(typeAndData.dropFirst(4)), crcMatches: stored == crc32(typeAndData)))
            offset += 12 + length
        }
        return result
    }

    /// Rebuilds a PNG from chunks with correct CRCs.
    static func assemble(_ chunks: [Chunk]) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for chunk in chunks {
            out += be32Bytes(UInt32(chunk.data.count))
            let typeAndData = Array(chunk.type.utf8) + chunk.data
            out += typeAndData
            out += be32Bytes(crc32(typeAndData))
        }
        return out
    }

    static func be32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func be32Bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func readFile(_ path: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }
}
