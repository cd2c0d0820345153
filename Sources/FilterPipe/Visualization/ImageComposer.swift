// Composes the final maps into one picture: map c becomes sample c of every pixel
// (1 map: gray, 3: R G B, 4: R G B A), each normalised as `normalization` says.

/// Builds the `image` output kind: the final maps as the channels of one picture.
public enum ImageComposer {
    /// Interleaves the maps of `maps` into a gray, RGB or RGBA buffer.
    ///
    /// Throws when the pipeline does not make 1, 3 or 4 maps, when `depth` is not 8 or 16,
    /// or for 16-bit RGBA (the PNG writer takes 16-bit gray and RGB only).
    public static func compose(_ maps: Tensor, normalization: OutputSpec.Normalization = .clamp,
                               depth: Int = 8) throws(PipelineError) -> PixelBuffer {
        let channels = maps.channels
        guard [1, 3, 4].contains(channels) else {
            throw PipelineError("an output image needs 1, 3 or 4 final maps (gray, RGB, RGBA); the pipeline makes \(channels)")
        }
        guard depth == 8 || depth == 16 else { throw PipelineError("output depth must be 8 or 16, not \(depth)") }
        guard !(depth == 16 && channels == 4) else { throw PipelineError("16-bit output images are gray or RGB, not RGBA") }
        let normalizations = MapNormalization.forMaps(maps, mode: normalization, depth: depth)
        let count = maps.shape.count
        if depth == 16 {
            var samples = [UInt16](repeating: 0, count: count)
            for c in 0..<channels {
                normalizations[c].quantize(maps.plane(c), into: &samples, start: c, stride: channels)
            }
            return PixelBuffer(width: maps.width, height: maps.height, channels: channels, samples: .uint16(samples))
        }
        var samples = [UInt8](repeating: 0, count: count)
        for c in 0..<channels {
            normalizations[c].quantize(maps.plane(c), into: &samples, start: c, stride: channels)
        }
        return PixelBuffer(width: maps.width, height: maps.height, channels: channels, samples: .uint8(samples))
    }
}
