/// One final map turned into pixels, with what is needed to read its values back.
public struct RenderedMap: Sendable, Equatable {
    /// 1-channel gray (8 or 16-bit) or, with a colour map, 8-bit RGB.
    public var pixels: PixelBuffer
    public var metadata: MapMetadata
    /// True when every finite value of the map was the same (for example a dead filter after ReLU).
    public var isConstant: Bool

    /// Float values at sample 0 and at the top sample.
    public var range: ClosedRange<Float> { metadata.range }
    /// The tEXt chunks to pass in `PNGWriteOptions.text`.
    public var text: [PNGWriteOptions.TextChunk] { metadata.textChunks }
}
