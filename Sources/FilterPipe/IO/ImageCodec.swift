// SKELETON: signatures agreed between the parts; the codec work replaces the bodies.
// This is the only Swift file that imports CImageIO.

/// Limits applied while decoding, checked from the header before pixel memory is allocated.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest width × height accepted (default 100 megapixels).
    public var maxPixels: Int = 100_000_000
    public init(maxPixels: Int = 100_000_000) { self.maxPixels = maxPixels }
}

/// How PNGs are written.
public struct PNGWriteOptions: Sendable, Equatable {
    /// zlib level 0...9.
    public var compressionLevel: Int
    /// `tEXt` chunks (keyword, Latin-1 text), written in order.
    public var text: [TextChunk]

    public struct TextChunk: Sendable, Equatable {
        public var keyword: String
        public var text: String
        public init(keyword: String, text: String) {
            self.keyword = keyword
            self.text = text
        }
    }

    public init(compressionLevel: Int = 1, text: [TextChunk] = []) {
        self.compressionLevel = compressionLevel
        self.text = text
    }
}

/// Reading PNG/JPEG files into pixels and writing PNGs, through libpng and libjpeg-turbo.
public enum ImageCodec {
    /// The format of `bytes` (the first bytes of a file) by magic number, or nil.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        fatalError("not yet implemented")
    }

    /// Decodes a PNG or JPEG held in memory. `path` only names the source in errors.
    public static func decode(_ data: [UInt8], path: String? = nil, limits: DecodeLimits = DecodeLimits()) throws(ImageIOError) -> PixelBuffer {
        fatalError("not yet implemented")
    }

    /// Reads and decodes the file at `path`.
    public static func decode(fileAt path: String, limits: DecodeLimits = DecodeLimits()) throws(ImageIOError) -> PixelBuffer {
        fatalError("not yet implemented")
    }

    /// Encodes `image` as PNG bytes (8-bit: 1–4 channels; 16-bit: gray or RGB).
    public static func encodePNG(_ image: PixelBuffer, options: PNGWriteOptions = PNGWriteOptions()) throws(ImageIOError) -> [UInt8] {
        fatalError("not yet implemented")
    }

    /// Writes `image` as a PNG at `path`: to a temporary file in the same folder, renamed into
    /// place when complete, so no reader ever sees a partial file.
    public static func writePNG(_ image: PixelBuffer, to path: String, options: PNGWriteOptions = PNGWriteOptions()) throws(ImageIOError) {
        fatalError("not yet implemented")
    }
}
