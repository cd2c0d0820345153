// An n-dimensional array of weights read from a file (.npy, or one tensor of a .safetensors file),
// values widened to Float64 in C (row-major) order whatever the file's dtype and order.
// Every size a header claims is checked against the file's real size before anything is allocated.

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A weight array: its shape and its values in C order.
public struct WeightArray: Sendable, Equatable {
    public let shape: [Int]
    /// `shape.reduce(1, *)` values, the last axis varying fastest.
    public let values: [Double]

    public init(shape: [Int], values: [Double]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// `(30, 1, 5, 5)`, `(30,)`, as numpy prints a shape.
    public var shapeText: String { WeightArray.text(of: shape) }

    static func text(of shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

/// Why a weight file could not be read: a one-line reason (the caller names the file).
public struct WeightFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Limits on what a weight file may make the reader allocate.
enum WeightFileLimits {
    /// The largest weight file, or tensor, read: far beyond a conv stack's weights.
    static let largestData = 1 << 30
    /// The largest .npy header (numpy writes well under 1 KiB) and .safetensors JSON header (the
    /// format's own limit is 100 MB).
    static let largestNPYHeader = 1 << 20
    static let largestSafetensorsHeader = 100_000_000
}

/// The element types the readers decode.
enum WeightDType: Sendable {
    case float64, float32, float16, bfloat16

    var size: Int {
        switch self {
        case .float64: 8
        case .float32: 4
        case .float16, .bfloat16: 2
        }
    }

    /// Decodes `count` values of this type from `bytes`, little- or big-endian.
    func decode(_ bytes: UnsafeRawBufferPointer, count: Int, bigEndian: Bool) -> [Double] {
        var values = [Double](repeating: 0, count: count)
        for index in 0..<count {
            let offset = index * size
            switch self {
            case .float64:
                var bits: UInt64 = 0
                for k in 0..<8 { bits |= UInt64(bytes[offset + (bigEndian ? 7 - k : k)]) << (8 * k) }
                values[index] = Double(bitPattern: bits)
            case .float32:
                var bits: UInt32 = 0
                for k in 0..<4 { bits |= UInt32(bytes[offset + (bigEndian ? 3 - k : k)]) << (8 * k) }
                values[index] = Double(Float(bitPattern: bits))
            case .float16:
                let bits = UInt16(bytes[offset + (bigEndian ? 1 : 0)]) | UInt16(bytes[offset + (bigEndian ? 0 : 1)]) << 8
                values[index] = Double(WeightDType.halfToFloat(bits))
            case .bfloat16:
                let bits = UInt16(bytes[offset + (bigEndian ? 1 : 0)]) | UInt16(bytes[offset + (bigEndian ? 0 : 1)]) << 8
                values[index] = Double(Float(bitPattern: UInt32(bits) << 16))
            }
        }
        return values
    }

    /// IEEE 754 binary16 to Float, exactly (subnormals, infinities and NaN included); written out
    /// because `Float16` is not available on every platform Swift builds for.
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}

/// Reads a weight file's bytes with its size checked first.
enum WeightFileBytes {
    /// The whole file at `path`, if it is a regular file of at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws(WeightFileError) -> [UInt8] {
        let size = try fileSize(path)
        guard size <= limit else {
            throw WeightFileError("is \(size) bytes, more than the \(limit)-byte limit for a weight file")
        }
        return try read(path, offset: 0, count: size)
    }

    /// The size of the regular file at `path`.
    static func fileSize(_ path: String) throws(WeightFileError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw WeightFileError("cannot read: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw WeightFileError("cannot read: not a regular file") }
        return Int(info.st_size)
    }

    /// `count` bytes at `offset` of `path` (the caller has checked they lie inside the file).
    static func read(_ path: String, offset: Int, count: Int) throws(WeightFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw WeightFileError("cannot read: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw WeightFileError(
                    got < 0 ? "cannot read: \(String(cString: strerror(errno)))" : "truncated: ends at byte \(offset + done)")
            }
            done += got
        }
        return bytes
    }

    /// The product of `shape`, or nil past `limit` (or on overflow).
    static func count(of shape: [Int], itemSize: Int, limit: Int) -> Int? {
        var total = itemSize
        for side in shape {
            guard side >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: side)
            guard !overflow, product <= limit else { return nil }
            total = product
        }
        return total / itemSize
    }
}
