/// The size of a CHW tensor: `channels` planes of `height` rows of `width` values.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Values in one channel plane.
    public var planeCount: Int { height * width }
    /// Values in the whole tensor.
    public var count: Int { channels * height * width }
    public var isEmpty: Bool { channels <= 0 || height <= 0 || width <= 0 }

    public var description: String { "\(channels)×\(height)×\(width)" }
}

/// A dense CHW tensor of `Float`: channel-major, then rows, then columns, rows contiguous.
///
/// `values[c * height * width + y * width + x]` is channel `c`, row `y`, column `x`.
/// It is a value type (copy-on-write storage), so stages never modify their input.
public struct Tensor: Sendable, Equatable {
    public let shape: Shape
    public var values: [Float]

    /// A tensor of `shape` filled with `value`.
    public init(shape: Shape, repeating value: Float = 0) {
        precondition(shape.channels >= 0 && shape.height >= 0 && shape.width >= 0, "negative shape \(shape)")
        self.shape = shape
        self.values = [Float](repeating: value, count: shape.count)
    }

    /// A tensor of `shape` over `values` (CHW order); `values.count` must equal `shape.count`.
    public init(shape: Shape, values: [Float]) {
        precondition(values.count == shape.count, "tensor of \(shape) needs \(shape.count) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    /// A tensor whose values are written by `body` into uninitialised storage of `shape.count` floats.
    ///
    /// `body` must write every value; it is how stages fill their outputs without zeroing first.
    public init(shape: Shape, unsafeUninitialized body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        self.shape = shape
        self.values = try [Float](unsafeUninitializedCapacity: shape.count) { buffer, initialized in
            try body(buffer)
            initialized = shape.count
        }
    }

    public var channels: Int { shape.channels }
    public var height: Int { shape.height }
    public var width: Int { shape.width }

    public subscript(channel: Int, y: Int, x: Int) -> Float {
        get { values[(channel * shape.height + y) * shape.width + x] }
        set { values[(channel * shape.height + y) * shape.width + x] = newValue }
    }

    /// The values of one channel plane, in row order.
    public func plane(_ channel: Int) -> ArraySlice<Float> {
        let n = shape.planeCount
        return values[channel * n..<(channel + 1) * n]
    }
}
