import Synchronization

// Quantisation of a float map into integer samples:
//
//   sample = round( clamp( (v − lo) · L / (hi − lo), 0, L ) ),   L = 2^depth − 1 (255 or 65535)
//
// (round: to nearest, ties to even, so 127.5 → 128) and its inverse, v ≈ lo + sample · (hi − lo) / L
// (error ≤ half a step, (hi − lo) / 2L, for values inside lo...hi; values outside are clipped).
// lo, hi per normalisation:
//   percentile unsigned map: lo, hi = the (100 − P)th and Pth percentiles of the map (Percentiles)
//              signed map:   lo, hi = −m, m with m = the Pth percentile of |v| (zero on L/2)
//              (P = 99.5 by default; where more than P % of the map is one value v, as in a sparse
//              ReLU map, hi is the Pth percentile of the values above v, m of the non-zero |v|)
//   minmax     lo, hi = min, max of the map itself
//   global     lo, hi = min, max over all maps of the image
//   symmetric  lo, hi = −m, m with m = max |v| over the map (zero lands on L/2: 127.5 → 128)
//   clamp      lo, hi = 0, 1
//   range      lo, hi = the given LO, HI
// A map is signed when the pipeline can make it negative (PipelineSpec.mapsCanBeNegative), or,
// without a pipeline, when its minimum is negative.
// Only finite values enter min, max, m and percentiles. When hi = lo (a constant map) every sample
// is `constantLevel`: 0, or round(L/2) for a symmetric range (the level zero maps to).
// NaN becomes 0; ±∞ clamp to the ends.

/// How a set of maps is scaled to samples and coloured: an `output` line's normalisation,
/// percentile, fixed range and colour map.
public struct MapScaling: Sendable, Equatable {
    public var normalization: OutputSpec.Normalization
    /// P of `percentile` (50 < P ≤ 100).
    public var percentile: Float
    /// LO..HI of `range`.
    public var range: ClosedRange<Float>
    /// The colour map given; nil: `diverging` for maps drawn symmetric about zero, else `gray`.
    public var colormap: OutputSpec.Colormap?
    /// Whether maps drawn symmetric about zero take `diverging` even when `colormap` names another
    /// (the `--stages` maps: a signed map in viridis puts zero on an arbitrary colour).
    public var symmetricAlwaysDiverging = false

    public init(
        normalization: OutputSpec.Normalization = .percentile, percentile: Float = OutputSpec.defaultPercentile,
        range: ClosedRange<Float> = 0...1, colormap: OutputSpec.Colormap? = nil
    ) {
        self.normalization = normalization
        self.percentile = percentile
        self.range = range
        self.colormap = colormap
    }

    /// The scaling an `output` line (with `apply`'s flags applied) asks for.
    public init(output: OutputSpec) {
        self.init(
            normalization: output.effectiveNormalization, percentile: output.percentile ?? OutputSpec.defaultPercentile,
            range: output.range ?? 0...1, colormap: output.colormap)
    }

    /// Whether a map is drawn over a range symmetric about zero: `symmetric`, a signed map under
    /// `percentile`, or a `range` with LO = −HI.
    public func isSymmetric(signed: Bool) -> Bool {
        switch normalization {
        case .symmetric: true
        case .percentile: signed
        case .range: range.lowerBound < 0 && range.lowerBound == -range.upperBound
        default: false
        }
    }

    /// The colour map of a map drawn symmetric about zero or not.
    public func colormap(symmetric: Bool) -> OutputSpec.Colormap {
        if symmetric && symmetricAlwaysDiverging { return .diverging }
        return colormap ?? (symmetric ? .diverging : .gray)
    }
}

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
    /// Whether lo = −hi by construction (zero on the middle level).
    var symmetric = false
    /// The map's finite minimum and maximum (nil when none is finite).
    var extrema: ClosedRange<Float>? = nil
    /// Samples of the map below lo and above hi (±∞ included, NaN not), and all its samples.
    var clippedBelow = 0
    var clippedAbove = 0
    var sampleCount = 0

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

    /// The normalisations of every map (channel) of `maps` under `mode` (the other parameters at
    /// their defaults), one per channel.
    static func forMaps(_ maps: Tensor, mode: OutputSpec.Normalization, depth: Int) -> [MapNormalization] {
        forMaps(maps, scaling: MapScaling(normalization: mode), signed: nil, depth: depth)
    }

    /// The normalisations of every map (channel) of `maps` under `scaling`, one per channel;
    /// `signed[c]` says whether map c can be negative (nil: whether its minimum is negative).
    /// Maps are measured on `executor`'s workers, one map per task; the result does not depend on it.
    static func forMaps(
        _ maps: Tensor, scaling: MapScaling, signed: [Bool]?, depth: Int, executor: Executor = Executor(workers: 1)
    ) -> [MapNormalization] {
        let maxLevel: Float = depth == 16 ? 65535 : 255
        let middle = (maxLevel / 2).rounded(.up)
        func each<T: Sendable>(_ body: @Sendable (Int) -> T) -> [T] {
            let results = Mutex([T?](repeating: nil, count: maps.channels))
            executor.forEach(maps.channels) { c in
                let value = body(c)
                results.withLock { $0[c] = value }
            }
            return results.withLock { $0.map { $0! } }
        }
        // Everything but `global` depends on its own map alone, so each map's range is found as
        // one task; `global` takes its range from every map's extrema, found first.
        let extrema = each { finiteExtrema(maps.plane($0)) }
        let present = extrema.compactMap { $0 }
        let globalRange = (lo: present.map(\.lo).min() ?? 0, hi: present.map(\.hi).max() ?? 0)
        return each { c in
            let plane = maps.plane(c)
            let e = extrema[c]
            let constant = e.map { $0.lo == $0.hi } ?? true
            var result: MapNormalization
            switch scaling.normalization {
            case .percentile:
                let p = Double(scaling.percentile)
                let isSigned = signed.map { c < $0.count ? $0[c] : false } ?? ((e?.lo ?? 0) < 0)
                if let e {
                    if isSigned {
                        var m = Percentiles.of(plane, [p], magnitude: true)?[0] ?? 0
                        // Mostly zeros: the percentile of the non-zero magnitudes.
                        if !(m > 0) { m = Percentiles.of(plane, [p], magnitude: true, above: 0)?[0] ?? 0 }
                        result = MapNormalization(
                            lo: -m, hi: m, maxLevel: maxLevel, constantLevel: middle, mapIsConstant: constant,
                            symmetric: true)
                    } else {
                        var bounds = Percentiles.of(plane, [100 - p, p]) ?? [e.lo, e.hi]
                        if !(bounds[1] > bounds[0]) {
                            // More than P % of the map is one value (a sparse ReLU map is mostly 0):
                            // from that value to the Pth percentile of the values above it.
                            bounds[1] = Percentiles.of(plane, [p], above: bounds[0])?[0] ?? bounds[0]
                        }
                        let (lo, hi) = bounds[1] > bounds[0] ? (bounds[0], bounds[1]) : (e.lo, e.hi)
                        result = MapNormalization(
                            lo: lo, hi: hi, maxLevel: maxLevel, constantLevel: 0, mapIsConstant: constant)
                    }
                } else {
                    result = MapNormalization(
                        lo: 0, hi: 0, maxLevel: maxLevel, constantLevel: isSigned ? middle : 0, mapIsConstant: true,
                        symmetric: isSigned)
                }
            case .minmax:
                result = MapNormalization(
                    lo: e?.lo ?? 0, hi: e?.hi ?? 0, maxLevel: maxLevel, constantLevel: 0, mapIsConstant: constant)
            case .global:
                result = MapNormalization(
                    lo: globalRange.lo, hi: globalRange.hi, maxLevel: maxLevel, constantLevel: 0,
                    mapIsConstant: constant)
            case .symmetric:
                let m = e.map { Swift.max(-$0.lo, $0.hi, 0) } ?? 0
                result = MapNormalization(
                    lo: -m, hi: m, maxLevel: maxLevel, constantLevel: middle, mapIsConstant: constant, symmetric: true)
            case .clamp:
                result = MapNormalization(lo: 0, hi: 1, maxLevel: maxLevel, constantLevel: 0, mapIsConstant: constant)
            case .range:
                let symmetric = scaling.isSymmetric(signed: false)
                result = MapNormalization(
                    lo: scaling.range.lowerBound, hi: scaling.range.upperBound, maxLevel: maxLevel,
                    constantLevel: symmetric ? middle : 0, mapIsConstant: constant, symmetric: symmetric)
            }
            result.extrema = e.map { $0.lo...$0.hi }
            result.sampleCount = plane.count
            (result.clippedBelow, result.clippedAbove) = countOutside(plane, lo: result.lo, hi: result.hi)
            return result
        }
    }

    /// How many of `values` lie below `lo` and above `hi` (NaN in neither).
    static func countOutside(_ values: ArraySlice<Float>, lo: Float, hi: Float) -> (below: Int, above: Int) {
        values.withUnsafeBufferPointer { source in
            var below = 0
            var above = 0
            for v in source {
                below += v < lo ? 1 : 0
                above += v > hi ? 1 : 0
            }
            return (below, above)
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
