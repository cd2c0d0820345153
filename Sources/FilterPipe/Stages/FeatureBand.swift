// A band of rows of some channels of a CHW feature map in memory:
// channel c, row y is at base + (c − firstChannel)·channelStride + (y − firstRow)·width.

/// Read access to a band of a feature map (a whole tensor, or a scratch band of one).
struct FeatureBand {
    let base: UnsafePointer<Float>
    let firstChannel: Int
    let firstRow: Int
    let width: Int
    let channelStride: Int

    /// The first value of row `y` of channel `channel`.
    @inline(__always)
    func row(_ channel: Int, _ y: Int) -> UnsafePointer<Float> {
        base + (channel - firstChannel) * channelStride + (y - firstRow) * width
    }
}
