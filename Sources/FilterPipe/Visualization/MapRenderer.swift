// Renders each final map (a channel of the output tensor) as its own picture:
// normalise (MapNormalization) → quantise to 8/16 bits → optionally colour through a 256-entry table.

/// Turns the float maps of one image into pixel buffers with recoverable value ranges.
public struct MapRenderer: Sendable {
    public let normalization: OutputSpec.Normalization
    public let colormap: OutputSpec.Colormap
    /// Bits per sample of gray output, 8 or 16. Colour-mapped output is always 8-bit RGB:
    /// the tables have 256 entries, so 16 bits would claim a precision they do not hold.
    public let depth: Int

    /// `colormap` nil picks `diverging` for `symmetric`, else `gray`. `depth` must be 8 or 16
    /// (the command line validates `--depth`).
    public init(
        normalization: OutputSpec.Normalization = .minmax, colormap: OutputSpec.Colormap? = nil,
        depth: Int = 8
    ) {
        precondition(depth == 8 || depth == 16, "output depth must be 8 or 16, not \(depth)")
        self.normalization = normalization
        self.colormap = colormap ?? (normalization == .symmetric ? .diverging : .gray)
        self.depth = self.colormap == .gray ? depth : 8
    }

    /// The renderer for an `output` line (its effective normalisation and colour map).
    public init(output: OutputSpec, depth: Int = 8) {
        self.init(normalization: output.effectiveNormalization, colormap: output.effectiveColormap, depth: depth)
    }

    /// One rendered map per channel of `maps`, in channel order.
    ///
    /// `names[i]` names map i and `filterFile` the filter file in the metadata; both are left out
    /// of it when not given.
    public func render(_ maps: Tensor, names: [String] = [], filterFile: String? = nil) -> [RenderedMap] {
        let normalizations = self.normalizations(maps)
        return (0..<maps.channels).map { channel in
            render(maps, channel: channel, normalization: normalizations[channel], names: names, filterFile: filterFile)
        }
    }

    /// Each map's normalisation (`render`'s first step; with `global`, one range over all maps).
    func normalizations(_ maps: Tensor) -> [MapNormalization] {
        MapNormalization.forMaps(maps, mode: normalization, depth: depth)
    }

    /// Map `channel` of `maps` alone, as `render` makes it given `normalizations(maps)[channel]`, so
    /// maps can be rendered (and released) one at a time, on several workers.
    func render(
        _ maps: Tensor, channel: Int, normalization norm: MapNormalization, names: [String] = [],
        filterFile: String? = nil
    ) -> RenderedMap {
        do {
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
            let metadata = MapMetadata(
                filterFile: filterFile, mapName: name, mapIndex: channel,
                range: norm.lo...Swift.max(norm.lo, norm.hi), normalization: normalization,
                colormap: colormap, bitDepth: depth)
            return RenderedMap(pixels: pixels, metadata: metadata, isConstant: norm.mapIsConstant)
        }
    }
}
