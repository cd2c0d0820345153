// Renders each final map (a channel of the output tensor) as its own picture:
// normalise (MapNormalization) → quantise to 8/16 bits → optionally colour through a 256-entry table.

/// Turns the float maps of one image into pixel buffers with recoverable value ranges.
public struct MapRenderer: Sendable {
    public let scaling: MapScaling
    /// Bits per sample of gray output, 8 or 16. Colour-mapped output is always 8-bit RGB:
    /// the tables have 256 entries, so 16 bits would claim a precision they do not hold.
    public let depth: Int

    public var normalization: OutputSpec.Normalization { scaling.normalization }

    /// `colormap` nil picks `diverging` for maps drawn symmetric about zero, else `gray`. `depth`
    /// must be 8 or 16 (the command line validates `--depth`); 16 applies to gray maps only.
    public init(
        normalization: OutputSpec.Normalization = .percentile, colormap: OutputSpec.Colormap? = nil,
        depth: Int = 8
    ) {
        self.init(scaling: MapScaling(normalization: normalization, colormap: colormap), depth: depth)
    }

    public init(scaling: MapScaling, depth: Int = 8) {
        precondition(depth == 8 || depth == 16, "output depth must be 8 or 16, not \(depth)")
        self.scaling = scaling
        self.depth = depth
    }

    /// The renderer for an `output` line (its effective normalisation, percentile, range and colour map).
    public init(output: OutputSpec, depth: Int = 8) {
        self.init(scaling: MapScaling(output: output), depth: depth)
    }

    /// The colour map of the maps drawn symmetric about zero (or not).
    public func colormap(symmetric: Bool) -> OutputSpec.Colormap { scaling.colormap(symmetric: symmetric) }

    /// One rendered map per channel of `maps`, in channel order.
    ///
    /// `names[i]` names map i and `filterFile` the filter file in the metadata; both are left out
    /// of it when not given. `signed[i]` says whether the pipeline can make map i negative
    /// (`PipelineSpec.mapsCanBeNegative`); nil: whether its minimum is negative.
    public func render(
        _ maps: Tensor, names: [String] = [], filterFile: String? = nil, signed: [Bool]? = nil
    ) -> [RenderedMap] {
        let normalizations = self.normalizations(maps, signed: signed)
        return (0..<maps.channels).map { channel in
            render(
                maps, channel: channel, normalization: normalizations[channel], names: names, filterFile: filterFile,
                signed: signed)
        }
    }

    /// Each map's normalisation (`render`'s first step; under `global`, one range over all maps),
    /// maps measured on `executor`'s workers.
    func normalizations(_ maps: Tensor, signed: [Bool]?, executor: Executor = Executor(workers: 1)) -> [MapNormalization] {
        MapNormalization.forMaps(maps, scaling: scaling, signed: signed, depth: depth, executor: executor)
    }

    /// Map `channel` alone, as `render` makes it given `normalizations(maps, signed:)[channel]`, so
    /// maps can be rendered (and released) one at a time, on several workers. `mapIndex`: its index
    /// among the image's maps in the metadata, when `maps` holds only some of them.
    func render(
        _ maps: Tensor, channel: Int, normalization norm: MapNormalization, names: [String], filterFile: String?,
        signed: [Bool]?, mapIndex: Int? = nil
    ) -> RenderedMap {
        do {
            let colormap = colormap(symmetric: norm.symmetric)
            let depth = colormap == .gray ? depth : 8
            let plane = maps.plane(channel)
            let pixels: PixelBuffer
            if depth == 16 {
                var samples = [UInt16](repeating: 0, count: plane.count)
                norm.quantize(plane, into: &samples)
                pixels = PixelBuffer(width: maps.width, height: maps.height, channels: 1, samples: .uint16(samples))
            } else {
                var levels = [UInt8](repeating: 0, count: plane.count)
                norm.quantize(plane, into: &levels)
                pixels =
                    colormap == .gray
                    ? PixelBuffer(width: maps.width, height: maps.height, channels: 1, samples: .uint8(levels))
                    : PixelBuffer(
                        width: maps.width, height: maps.height, channels: 3,
                        samples: .uint8(colormap.applied(to: levels)))
            }
            let name = channel < names.count ? names[channel] : nil
            let total = Double(Swift.max(norm.sampleCount, 1))
            let metadata = MapMetadata(
                filterFile: filterFile, mapName: name, mapIndex: mapIndex ?? channel,
                range: norm.lo...Swift.max(norm.lo, norm.hi), normalization: normalization,
                colormap: colormap, bitDepth: depth,
                percentile: normalization == .percentile ? scaling.percentile : nil,
                clipped: (Double(norm.clippedBelow) / total, Double(norm.clippedAbove) / total),
                extrema: norm.extrema,
                signed: signed.map { channel < $0.count && $0[channel] } ?? (norm.extrema?.lowerBound ?? 0 < 0))
            return RenderedMap(pixels: pixels, metadata: metadata, isConstant: norm.mapIsConstant)
        }
    }
}
