// Row layout: row y of an 8-bit image starts at storage + y·rowStride, rowStride = 1 + width·channels;
// byte 0 of each row is spare and the samples (interleaved) follow. It is the layout of PNG filtered
// rows (a filter-type byte, then the row), so a decoded image can be worked on in place and written
// as a PNG by filtering and deflating where it lies: no second copy of the image at any point.

/// An 8-bit image in row layout, owning its memory.
///
/// Used by the streaming route (`BandedPipelineRun`): the decoder fills it, bands of the pipeline
/// read its rows and write their output rows back, and the PNG writer consumes it.
final class RowImage {
    let width: Int
    let height: Int
    let channels: Int
    let rowStride: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private let release: (UnsafeMutablePointer<UInt8>) -> Void

    /// Takes ownership of `storage` (`height · (1 + width · channels)` bytes), freed by `release`.
    init(
        adopting storage: UnsafeMutablePointer<UInt8>, width: Int, height: Int, channels: Int,
        release: @escaping (UnsafeMutablePointer<UInt8>) -> Void
    ) {
        self.width = width
        self.height = height
        self.channels = channels
        rowStride = 1 + width * channels
        self.storage = storage
        self.release = release
    }

    /// A new image of uninitialised samples.
    convenience init(width: Int, height: Int, channels: Int) {
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: height * (1 + width * channels))
        HugePages.advise(UnsafeMutableRawPointer(storage), byteCount: height * (1 + width * channels))
        self.init(adopting: storage, width: width, height: height, channels: channels) { $0.deallocate() }
    }

    deinit { release(storage) }

    /// The first sample of row `y`.
    @inline(__always)
    func row(_ y: Int) -> UnsafeMutablePointer<UInt8> { storage + y * rowStride + 1 }

    /// The whole buffer (spare bytes included), for the PNG writer.
    var rows: UnsafeMutablePointer<UInt8> { storage }

    /// The samples copied out, packed.
    var pixelBuffer: PixelBuffer {
        let rowBytes = width * channels
        let samples = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, initialized in
            for y in 0..<height { (buffer.baseAddress! + y * rowBytes).update(from: row(y), count: rowBytes) }
            initialized = rowBytes * height
        }
        return PixelBuffer(width: width, height: height, channels: channels, samples: .uint8(samples))
    }
}
