// Composes the final maps into one picture: map c becomes sample c of every pixel
// (1 map: gray, 3: R G B, 4: R G B A), each normalised as `normalization` says.

/// Builds the `image` output kind: the final maps as the channels of one picture.
public enum ImageComposer {
    /// Interleaves the maps of `maps` into a gray, RGB or RGBA buffer.
    ///
    /// Throws when the pipeline does not make 1, 3 or 4 maps, when `depth` is not 8 or 16,
    /// or for 16-bit RGBA (the PNG writer takes 16-bit gray and RGB only).
    public static func compose(
        _ maps: Tensor, normalization: OutputSpec.Normalization = .clamp,
        depth: Int = 8
    ) throws(PipelineError) -> PixelBuffer {
        try compose(maps, scaling: MapScaling(normalization: normalization), depth: depth)
    }

    /// Interleaves the maps of `maps`, each scaled as `scaling` says (its percentile and range
    /// included; its colour map does not apply: an image's samples are its channels).
    public static func compose(_ maps: Tensor, scaling: MapScaling, depth: Int = 8) throws(PipelineError) -> PixelBuffer {
        let normalization = scaling.normalization
        let channels = maps.channels
        try checkComposable(channels: channels, depth: depth)
        // Clamp needs no scan of the values (forMaps would find each map's extrema, used only to
        // flag constant maps, which an image never reports): its range is 0...1 whatever they are.
        let normalizations =
            normalization == .clamp
            ? Array(
                repeating: MapNormalization(lo: 0, hi: 1, maxLevel: depth == 16 ? 65535 : 255, constantLevel: 0),
                count: channels)
            : MapNormalization.forMaps(maps, scaling: scaling, signed: nil, depth: depth)
        let count = maps.shape.count
        if depth == 16 {
            var samples = [UInt16](repeating: 0, count: count)
            for c in 0..<channels {
                normalizations[c].quantize(maps.plane(c), into: &samples, start: c, stride: channels)
            }
            return PixelBuffer(width: maps.width, height: maps.height, channels: channels, samples: .uint16(samples))
        }
        // Each plane quantised whole (the stride-1 loop vectorises; the strided one does not), then
        // interleaved: the same samples as quantising straight into place.
        var planar = [UInt8](repeating: 0, count: count)
        for c in 0..<channels {
            normalizations[c].quantize(maps.plane(c), into: &planar, start: c * maps.shape.planeCount)
        }
        let samples = channels == 1 ? planar : interleave(planar, channels: channels)
        return PixelBuffer(width: maps.width, height: maps.height, channels: channels, samples: .uint8(samples))
    }

    /// Throws unless `channels` maps make an image at `depth` bits: 1, 3 or 4 maps (gray, RGB,
    /// RGBA), 8 or 16 bits, and no 16-bit RGBA (the PNG writer takes 16-bit gray and RGB only).
    public static func checkComposable(channels: Int, depth: Int) throws(PipelineError) {
        guard [1, 3, 4].contains(channels) else {
            throw PipelineError("an output image needs 1, 3 or 4 final maps (gray, RGB, RGBA); the pipeline makes \(channels)")
        }
        guard depth == 8 || depth == 16 else { throw PipelineError("output depth must be 8 or 16, not \(depth)") }
        guard !(depth == 16 && channels == 4) else { throw PipelineError("16-bit output images are gray or RGB, not RGBA") }
    }

    /// Rows `rows` of the final maps, held in a band (channel c, row y at
    /// `band + c · channelStride + (y − firstRow) · width`), composed as `compose` does with clamp
    /// normalisation at 8 bits, into the same rows of `image`.
    static func composeClampedRows(
        band: UnsafePointer<Float>, channelStride: Int, firstRow: Int, rows: Range<Int>, into image: RowImage
    ) {
        let clamp = MapNormalization(lo: 0, hi: 1, maxLevel: 255, constantLevel: 0)
        let width = image.width, channels = image.channels
        // Each row quantised plane by plane (a loop that vectorises), then interleaved.
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: channels * width)
        defer { scratch.deallocate() }
        for y in rows {
            let target = image.row(y)
            let planes = band + (y - firstRow) * width
            if channels == 1 {
                clamp.quantize(planes, count: width, into: target)
                continue
            }
            for c in 0..<channels { clamp.quantize(planes + c * channelStride, count: width, into: scratch + c * width) }
            if channels == 3 {
                for x in 0..<width {
                    target[3 * x] = scratch[x]
                    target[3 * x + 1] = scratch[width + x]
                    target[3 * x + 2] = scratch[2 * width + x]
                }
            } else {
                for x in 0..<width {
                    for c in 0..<channels { target[channels * x + c] = scratch[c * width + x] }
                }
            }
        }
    }

    /// `planar` (channel after channel) as interleaved pixels: out[i·C + c] = planar[c·N + i].
    static func interleave(_ planar: [UInt8], channels: Int) -> [UInt8] {
        let planeCount = planar.count / channels
        return [UInt8](unsafeUninitializedCapacity: planar.count) { output, initialized in
            planar.withUnsafeBufferPointer { input in
                let source = input.baseAddress!, target = output.baseAddress!
                switch channels {
                case 3:
                    for i in 0..<planeCount {
                        target[3 * i] = source[i]
                        target[3 * i + 1] = source[planeCount + i]
                        target[3 * i + 2] = source[2 * planeCount + i]
                    }
                case 4:
                    // Four bytes per pixel as one 32-bit word (little-endian: R in the low byte).
                    let words = UnsafeMutableRawPointer(target)
                    for i in 0..<planeCount {
                        let word =
                            UInt32(source[i]) | UInt32(source[planeCount + i]) << 8
                            | UInt32(source[2 * planeCount + i]) << 16 | UInt32(source[3 * planeCount + i]) << 24
                        words.storeBytes(of: word.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                    }
                default:
                    for i in 0..<planeCount {
                        for c in 0..<channels { target[channels * i + c] = source[c * planeCount + i] }
                    }
                }
            }
            initialized = planar.count
        }
    }
}
