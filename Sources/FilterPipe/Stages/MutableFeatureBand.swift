// The writable counterpart of FeatureBand (same layout).

/// Write access to a band of a feature map.
struct MutableFeatureBand {
    let base: UnsafeMutablePointer<Float>
    let firstChannel: Int
    let firstRow: Int
    let width: Int
    let channelStride: Int

    /// A whole tensor's storage seen as a band.
    init(wholeTensor base: UnsafeMutablePointer<Float>, shape: Shape) {
        self.init(base: base, firstChannel: 0, firstRow: 0, width: shape.width, channelStride: shape.planeCount)
    }

    init(base: UnsafeMutablePointer<Float>, firstChannel: Int, firstRow: Int, width: Int, channelStride: Int) {
        self.base = base
        self.firstChannel = firstChannel
        self.firstRow = firstRow
        self.width = width
        self.channelStride = channelStride
    }

    @inline(__always)
    func row(_ channel: Int, _ y: Int) -> UnsafeMutablePointer<Float> {
        base + (channel - firstChannel) * channelStride + (y - firstRow) * width
    }

    var readOnly: FeatureBand {
        FeatureBand(
            base: UnsafePointer(base), firstChannel: firstChannel, firstRow: firstRow, width: width,
            channelStride: channelStride)
    }
}
