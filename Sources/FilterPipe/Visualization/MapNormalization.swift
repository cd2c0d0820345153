// Quantisation of a float map into integer samples:
//
//   sample = round( clamp( (v − lo) · L / (hi − lo), 0, L ) ),   L = 2^depth − 1 (255 or 65535)
//
// (round: to nearest, ties to even, so 127.5 → 128) and its inverse, v ≈ lo + sample · (hi − lo) / L
// (error ≤ half a step, (hi − lo) / 2L).
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
    /// Whether the map itself holds a single finite value (or none), whatever the range:
    /// under `global` or `clamp` a dead map is still worth flagging.
    var mapIsConstant = false

    var isConstant: Bool { !(hi > lo) }

    /// The finite minimum and maximum of `values`, or nil when none is finite.
    static func finiteExtrema(_ values: ArraySlice<Float>) -> (lo: Float, hi: Float)? {
        values.withUnsafeBufferPointer { source in
            // 16 lanes at a time: a scalar min/max chain does not vectorise (3× slower measured).
            var lo16 = SIMD16<Float>(repeating: .infinity)
            var hi16 = SIMD16<Float>(repeating: -.infinity)
            let vectorEnd = source.count / 16 * 16
            var i = 0
            while i < vectorEnd {
                var v = SIMD16<Float>()
                for k in 0..<16 { v[k] = source[i + k] }
                let finite = (v - v) .== 0  // v − v is NaN for ±∞ and NaN
                lo16.replace(with: v, where: finite .& (v .< lo16))
                hi16.replace(with: v, where: finite .& (v .> hi16))
                i += 16
            }
            var lo = lo16.min()
            var hi = hi16.max()
            while i < source.count {
                let v = source[i]
                if v.isFinite {
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                }
                i += 1
            }
            return lo <= hi ? (lo, hi) : nil
        }
    }

    /// The normalisations of every map (channel) of `maps` under `mode`, one per channel.
    static func forMaps(_ maps: Tensor, mode: OutputSpec.Normalization, depth: Int) -> [MapNormalization] {
        let maxLevel: Float = depth == 16 ? 65535 : 255
        let extrema = (0..<maps.channels).map { finiteExtrema(maps.plane($0)) }
        let constant = extrema.map { e in e.map { $0.lo == $0.hi } ?? true }
        switch mode {
        case .minmax:
            return extrema.indices.map { c in
                MapNormalization(
                    lo: extrema[c]?.lo ?? 0, hi: extrema[c]?.hi ?? 0, maxLevel: maxLevel,
                    constantLevel: 0, mapIsConstant: constant[c])
            }
        case .global:
            let present = extrema.compactMap { $0 }
            let lo = present.map(\.lo).min() ?? 0
            let hi = present.map(\.hi).max() ?? 0
            return constant.map {
                MapNormalization(lo: lo, hi: hi, maxLevel: maxLevel, constantLevel: 0, mapIsConstant: $0)
            }
        case .symmetric:
            return extrema.indices.map { c in
                let m = extrema[c].map { Swift.max(-$0.lo, $0.hi, 0) } ?? 0
                return MapNormalization(
                    lo: -m, hi: m, maxLevel: maxLevel, constantLevel: (maxLevel / 2).rounded(.up),
                    mapIsConstant: constant[c])
            }
        case .clamp:
            return constant.map {
                MapNormalization(lo: 0, hi: 1, maxLevel: maxLevel, constantLevel: 0, mapIsConstant: $0)
            }
        }
    }

    /// The continuous level (0...L, before rounding) of `value`.
    @inline(__always)
    func level(_ value: Float, scale: Float, offset: Float) -> Float {
        let t = (value - lo) * scale + offset
        // `t != t` is the NaN test in a form the vectoriser turns into a compare-and-select.
        return t != t ? 0 : Swift.min(Swift.max(t, 0), maxLevel)
    }

    /// round(level) for a level in 0...65535, without a trapping float-to-integer conversion:
    /// adding 2^23 leaves the rounded (to nearest, ties to even) integer in the low mantissa bits.
    /// The trap checks of `UInt8(Float)` kept the loop scalar; this form runs 3× faster.
    @inline(__always)
    static func roundedBits(_ level: Float) -> UInt32 { (level + 8_388_608).bitPattern }

    /// `scale` and `offset` with level = (v − lo) · scale + offset; (v − lo) first keeps precision
    /// when lo is large next to hi − lo.
    var affine: (scale: Float, offset: Float) {
        isConstant ? (0, constantLevel) : (maxLevel / (hi - lo), 0)
    }

    /// Quantises `count` values at `source` into samples at `target` (the stride-1 case of `quantize`).
    func quantize<Sample: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafePointer<Float>, count: Int, into target: UnsafeMutablePointer<Sample>
    ) {
        let (scale, offset) = affine
        for i in 0..<count {
            target[i] = Sample(truncatingIfNeeded: Self.roundedBits(level(source[i], scale: scale, offset: offset)))
        }
    }

    /// Quantises `values` into 8- or 16-bit samples written at `output[start + i·stride]`.
    /// Generic, but specialised per sample type within the module, so both loops vectorise.
    func quantize<Sample: FixedWidthInteger & UnsignedInteger>(
        _ values: ArraySlice<Float>, into output: inout [Sample], start: Int = 0, stride: Int = 1
    ) {
        let (scale, offset) = affine
        values.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { out in
                if stride == 1 {  // the common case, kept free of index arithmetic so it vectorises
                    guard let first = source.baseAddress else { return }
                    quantize(first, count: source.count, into: out.baseAddress! + start)
                } else {
                    for i in 0..<source.count {
                        out[start + i * stride] = Sample(
                            truncatingIfNeeded: Self.roundedBits(level(source[i], scale: scale, offset: offset)))
                    }
                }
            }
        }
    }
}
