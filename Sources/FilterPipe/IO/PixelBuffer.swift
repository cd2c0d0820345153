/// Decoded pixels, interleaved: `channels` samples per pixel, rows top to bottom, no padding.
///
/// Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. 8-bit samples are stored in `.uint8`,
/// 16-bit samples (full precision, native endianness) in `.uint16`.
public struct PixelBuffer: Sendable, Equatable {
    public enum Samples: Sendable, Equatable {
        case uint8([UInt8])
        case uint16([UInt16])
    }

    public let width: Int
    public let height: Int
    public let channels: Int
    public var samples: Samples

    public init(width: Int, height: Int, channels: Int, samples: Samples) {
        precondition((1...4).contains(channels), "channels must be 1...4")
        let n: Int
        switch samples {
        case .uint8(let s): n = s.count
        case .uint16(let s): n = s.count
        }
        precondition(n == width * height * channels, "pixel buffer \(width)×\(height)×\(channels) has \(n) samples")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// 8 or 16.
    public var bitDepth: Int {
        if case .uint16 = samples { return 16 }
        return 8
    }
}

/// Image file formats filterpipe reads, recognised by their magic bytes.
public enum ImageFormat: String, Sendable {
    case png, jpeg
}
