// Reads a PNG's header and tEXt chunks without decoding its pixels: the report needs each written
// map's size and MapMetadata, and decoding every map again would cost as much as writing it.

/// A PNG's size, sample layout and text chunks, read from its chunk stream.
public struct PNGHeader: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var bitDepth: Int
    /// PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.
    public var colorType: Int
    public var text: [PNGWriteOptions.TextChunk]

    /// The metadata filterpipe wrote with the map, if any.
    public var mapMetadata: MapMetadata? { MapMetadata(textChunks: text) }

    /// Parses `bytes`; nil when they are not a PNG with a well-formed IHDR. Chunks after IDAT are
    /// read too (tEXt may follow the pixels); a truncated chunk ends the walk.
    public init?(bytes: [UInt8]) {
        let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        guard bytes.count >= 33, Array(bytes[0..<8]) == signature else { return nil }
        func be32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        guard be32(8) == 13, bytes[12...15].elementsEqual("IHDR".utf8) else { return nil }
        width = be32(16)
        height = be32(20)
        bitDepth = Int(bytes[24])
        colorType = Int(bytes[25])
        text = []
        var at = 33
        while at + 12 <= bytes.count {
            let length = be32(at)
            guard length <= bytes.count - at - 12 else { break }
            let type = bytes[(at + 4)..<(at + 8)]
            let data = bytes[(at + 8)..<(at + 8 + length)]
            if type.elementsEqual("tEXt".utf8), let zero = data.firstIndex(of: 0) {
                // tEXt is Latin-1: every byte is the Unicode scalar of the same value.
                func latin1(_ slice: ArraySlice<UInt8>) -> String {
                    String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) }))
                }
                text.append(.init(keyword: latin1(data[data.startIndex..<zero]), text: latin1(data[(zero + 1)...])))
            }
            if type.elementsEqual("IEND".utf8) { break }
            at += 12 + length
        }
    }
}
