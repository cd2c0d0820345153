// Renders each final map (a channel of the output tensor) as its own picture:
// normalise (MapNormalization) → quantise to 8/16 bits → optionally colour through a 256-entry table.

/// Turns the float maps of one image into pixel buffers with recoverable value ranges.
public struct MapRenderer: Sendable {
    public let normalization: OutputSpec.Normalization
    public let colormap: OutputSpec.Colormap
    /// Bits per sample of gray output, 8 or 16; colour-mapped output is always 8-bit RGB.
    public let depth: Int

    /// Throws when `depth` is not 8 or 16, or when 16 bits are asked for with a colour map
    /// (the tables have 256 entries, so 16 bits would pretend a precision they do not have).
    public init(normalization: OutputSpec.Normalization = .minmax, colormap: OutputSpec.Colormap? = nil,
                depth: Int = 8) throws(PipelineError) {
        guard depth == 8 || depth == 16 else {
            throw PipelineError("output depth must be 8 or 16, not \(depth)")
        }
        let colormap = colormap ?? (normalization == .symmetric ? .diverging : .gray)
        guard depth == 8 || colormap == .gray else {
            throw PipelineError("16-bit output is gray only; colour map '\(colormap.rawValue)' gives 8-bit RGB")
        }
        self.normalization = normalization
        self.colormap = colormap
        self.depth = depth
    }

    /// The renderer for an `output` line (its effective normalisation and colour map).
    public init(output: OutputSpec, depth: Int = 8) throws(PipelineError) {
        try self.init(normalization: output.effectiveNormalization, colormap: output.effectiveColormap, depth: depth)
    }

    /// One rendered map per channel of `maps`, in channel order.
    ///
    /// `names[i]` names map i (missing names become "map i"); `filterFile` is recorded in the metadata.
    public func render(_ maps: Tensor, names: [String] = [], filterFile: String? = nil) -> [RenderedMap] {
        let normalizations = MapNormalization.forMaps(maps, mode: normalization, depth: depth)
        return (0..<maps.channels).map { channel in
            let norm = normalizations[channel]
            let plane = maps.plane(channel)
            let pixels: PixelBuffer
            if depth == 16 {
                var samples = [UInt16](repeating: 0, count: plane.count)
                norm.quantize(plane, into: &samples)
                pixels = PixelBuffer(width: maps.width, height: maps.height, channels: 1, samples: .uint16(samples))
            } else {
                var levels = [UInt8](repeating: 0, count: plane.count)
                norm.quantize(plane, into: &levels)
                pixels = colormap == .gray
                    ? PixelBuffer(width: maps.width, height: maps.height, channels: 1, samples: .uint8(levels))
                    : PixelBuffer(width: maps.width, height: maps.height, channels: 3,
                                  samples: .uint8(colormap.applied(to: levels)))
            }
            let name = channel < names.count ? names[channel] : "map \(channel)"
            let metadata = MapMetadata(filterFile: filterFile, mapName: name, mapIndex: channel,
                                       range: norm.lo...Swift.max(norm.lo, norm.hi), normalization: normalization,
                                       colormap: colormap, bitDepth: depth)
            return RenderedMap(pixels: pixels, metadata: metadata, isConstant: norm.mapIsConstant)
        }
    }
}
