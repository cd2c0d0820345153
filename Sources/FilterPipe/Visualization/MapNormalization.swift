// Quantisation of a float map into integer samples:
//
//   sample = round( clamp( (v − lo) · L / (hi − lo), 0, L ) ),   L = 2^depth − 1 (255 or 65535)
//
// and its inverse, v ≈ lo + sample · (hi − lo) / L (error ≤ half a step, (hi − lo) / 2L).
// lo, hi per normalisation:
//   minmax     lo, hi = min, max of the map itself
//   global     lo, hi = min, max over all maps of the image
//   symmetric  lo, hi = −m, m with m = max |v| over the map (zero lands on L/2: 127.5 → 128)
//   clamp      lo, hi = 0, 1
// Only finite values enter min, max and m. When hi = lo (a constant map) every sample is
// `constantLevel`: 0 for minmax/global, round(L/2) for symmetric (the level zero maps to).
// NaN becomes 0; ±∞ clamp to the ends.

/// How one float map becomes integer samples: the value range mapped onto 0...L.
struct MapNormalization: Sendable, Equatable {
    var lo: Float
    var hi: Float
    /// The top sample value L: 255 or 65535.
    var maxLevel: Float
    /// Every sample's value when `hi == lo`.
    var constantLevel: Float

    var isConstant: Bool { !(hi > lo) }

    /// The finite minimum and maximum of `values`, or nil when none is finite.
    static func finiteExtrema(_ values: ArraySlice<Float>) -> (lo: Float, hi: Float)? {
        var lo = Float.infinity
        var hi = -Float.infinity
        // Branch-free selects so the loop vectorises; non-finite values fall back to the identity.
        for v in values {
            let finite = v.isFinite
            lo = Swift.min(lo, finite ? v : .infinity)
            hi = Swift.max(hi, finite ? v : -.infinity)
        }
        return lo <= hi ? (lo, hi) : nil
    }

    /// The normalisations of every map (channel) of `maps` under `mode`, one per channel.
    static func forMaps(_ maps: Tensor, mode: OutputSpec.Normalization, depth: Int) -> [MapNormalization] {
        let maxLevel: Float = depth == 16 ? 65535 : 255
        let extrema = (0..<maps.channels).map { finiteExtrema(maps.plane($0)) }
        switch mode {
        case .minmax:
            return extrema.map { e in
                MapNormalization(lo: e?.lo ?? 0, hi: e?.hi ?? 0, maxLevel: maxLevel, constantLevel: 0)
            }
        case .global:
            let present = extrema.compactMap { $0 }
            let lo = present.map(\.lo).min() ?? 0
            let hi = present.map(\.hi).max() ?? 0
            return Array(repeating: MapNormalization(lo: lo, hi: hi, maxLevel: maxLevel, constantLevel: 0),
                         count: maps.channels)
        case .symmetric:
            return extrema.map { e in
                let m = e.map { Swift.max(-$0.lo, $0.hi, 0) } ?? 0
                return MapNormalization(lo: -m, hi: m, maxLevel: maxLevel, constantLevel: (maxLevel / 2).rounded(.up))
            }
        case .clamp:
            return Array(repeating: MapNormalization(lo: 0, hi: 1, maxLevel: maxLevel, constantLevel: 0),
                         count: maps.channels)
        }
    }

    /// The continuous level (0...L, before rounding) of `value`.
    @inline(__always)
    func level(_ value: Float, scale: Float, offset: Float) -> Float {
        let t = (value - lo) * scale + offset
        // `t != t` is the NaN test in a form the vectoriser turns into a compare-and-select.
        return t != t ? 0 : Swift.min(Swift.max(t, 0), maxLevel)
    }

    /// `scale` and `offset` with level = (v − lo) · scale + offset; (v − lo) first keeps precision
    /// when lo is large next to hi − lo.
    var affine: (scale: Float, offset: Float) {
        isConstant ? (0, constantLevel) : (maxLevel / (hi - lo), 0)
    }

    /// Quantises `values` into 8-bit samples written at `output[start + i·stride]`.
    func quantize(_ values: ArraySlice<Float>, into output: inout [UInt8], start: Int = 0, stride: Int = 1) {
        let (scale, offset) = affine
        output.withUnsafeMutableBufferPointer { out in
            var o = start
            for v in values {
                out[o] = UInt8(level(v, scale: scale, offset: offset) + 0.5)
                o += stride
            }
        }
    }

    /// Quantises `values` into 16-bit samples written at `output[start + i·stride]`.
    func quantize(_ values: ArraySlice<Float>, into output: inout [UInt16], start: Int = 0, stride: Int = 1) {
        let (scale, offset) = affine
        output.withUnsafeMutableBufferPointer { out in
            var o = start
            for v in values {
                out[o] = UInt16(level(v, scale: scale, offset: offset) + 0.5)
                o += stride
            }
        }
    }
}
