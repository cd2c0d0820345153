import Testing

@testable import FilterPipe

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// numpy's default percentile ("linear") over a sorted copy, in Double: the independent reference.
private func sortedReference(_ values: [Float], _ p: Double, magnitude: Bool = false) -> Float? {
    let finite = values.filter(\.isFinite).map { Double(magnitude ? abs($0) : $0) }.sorted()
    guard !finite.isEmpty else { return nil }
    let r = p / 100 * Double(finite.count - 1)
    let k = Int(r.rounded(.down))
    let next = min(k + 1, finite.count - 1)
    return Float(finite[k] + (r - Double(k)) * (finite[next] - finite[k]))
}

/// Deterministic pseudo-random values (64-bit LCG).
private func lcg(_ count: Int, seed: UInt64) -> [Double] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
}

/// Maps that stress the selection: sizes on both sides of the sort threshold, ties, a heavy tail,
/// mostly zeros, non-finite values, the whole float range.
private let distributions: [(String, [Float])] = [
    ("uniform 10", lcg(10, seed: 1).map { Float($0) }),
    ("uniform 1000", lcg(1000, seed: 2).map { Float($0 * 4 - 2) }),
    (
        "heavy tail 100k",
        lcg(100_000, seed: 3).map { v -> Float in
            let x = 1 / max(v, 1e-9); return Float(x * x.squareRoot())
        }
    ),
    ("ties 50k", lcg(50_000, seed: 4).map { Float(($0 * 7).rounded(.down)) }),
    ("mostly zero 20k", lcg(20_000, seed: 5).map { $0 < 0.997 ? 0 : Float($0) }),
    (
        "non-finite 5k",
        lcg(5000, seed: 6).enumerated().map { i, v in
            i % 97 == 0 ? .nan : i % 89 == 0 ? .infinity : i % 83 == 0 ? -.infinity : Float(v - 0.5)
        }
    ),
    ("full range 3k", lcg(3000, seed: 7).map { Float(($0 * 2 - 1) * 3e38) }),
    ("one value", [Float](repeating: 2.5, count: 700)),
]

@Test(arguments: distributions.indices, [0.0, 0.5, 1, 25, 50, 90, 99, 99.5, 100])
func percentilesEqualASortedArraysLinearInterpolation(distribution: Int, p: Double) throws {
    let (name, values) = distributions[distribution]
    let found = try #require(Percentiles.of(values[...], [p]))
    #expect(found[0] == sortedReference(values, p), "\(name), p = \(p)")
    let magnitude = try #require(Percentiles.of(values[...], [p], magnitude: true))
    #expect(magnitude[0] == sortedReference(values, p, magnitude: true), "\(name) |v|, p = \(p)")
}

@Test func percentilesAboveAValueLeaveThatValueOut() throws {
    let values = lcg(10_000, seed: 8).map { $0 < 0.99 ? Float(0) : Float($0) }
    let found = try #require(Percentiles.of(values[...], [99.5], above: 0))
    #expect(found[0] == sortedReference(values.filter { $0 > 0 }, 99.5))
    #expect(Percentiles.of([Float.nan, .infinity][...], [50]) == nil)
}

@Test func percentileScalingClipsUnsignedMapsAtBothEndsAndSignedOnesSymmetrically() throws {
    // 1000 values 0...999 with a 1e6 outlier: min-max would put nearly all in the bottom level.
    var unsigned = (0..<1000).map(Float.init)
    unsigned[500] = 1e6
    let u = Tensor(shape: Shape(channels: 1, height: 1, width: 1000), values: unsigned)
    let map = MapRenderer().render(u, signed: [false])[0]
    #expect(map.range == sortedReference(unsigned, 0.5)!...sortedReference(unsigned, 99.5)!)
    #expect(map.metadata.colormap == .gray && map.metadata.percentile == 99.5)
    let clipped = try #require(map.metadata.clipped)
    #expect(clipped.below == 5.0 / 1000 && clipped.above == 5.0 / 1000)
    #expect(map.metadata.extrema == 0...1e6)
    // Signed: −m..m with m the 99.5th percentile of |v|, diverging, zero at the middle level.
    let signedValues = (0..<1000).map { Float($0 - 500) / 10 }
    let s = Tensor(shape: Shape(channels: 1, height: 1, width: 1000), values: signedValues)
    let signedMap = MapRenderer().render(s, signed: [true])[0]
    let m = sortedReference(signedValues, 99.5, magnitude: true)!
    #expect(signedMap.range == -m...m && signedMap.metadata.colormap == .diverging)
    #expect(signedMap.metadata.signed == true)
}

@Test func aMostlyZeroMapIsStretchedOverItsLiveValues() {
    // 99.8 % zeros (a sparse ReLU map): the 99.5th percentile is 0, so the top end comes from the live values.
    var values = [Float](repeating: 0, count: 1000)
    values[10] = 1
    values[20] = 2
    let map = MapRenderer().render(Tensor(shape: Shape(channels: 1, height: 1, width: 1000), values: values), signed: [false])[0]
    #expect(map.range == 0...sortedReference([1, 2], 99.5)!)
    #expect(!map.isConstant)
}

@Test(arguments: [
    // (the conv weights of one filter over a gray input, bias, activation after it, can be negative)
    ([Float(1), 2, 1], Float(0), "", false),
    ([-1, 0, 1], 0, "", true),
    ([1, 1, 1], -0.5, "", true),
    ([-1, 0, 1], 0, "relu", false),
    ([-1, 0, 1], 0, "abs", false),
    ([-1, 0, 1], 0, "tanh", true),
    ([-1, 0, 1], 0, "sigmoid", false),
    ([-1, 0, 1], 0, "maxpool", true),
])
func mapsAreSignedWhenThePipelineCanMakeThemNegative(weights: [Float], bias: Float, after: String, expected: Bool) throws {
    let row = weights.map { "\($0)" }.joined(separator: " ")
    let text = "input gray\nconv\n  filter f bias=\(bias)\n    \(row)\n\(after)\n"
    let spec = try FilterFileParser.parse(text, fileName: "t.filter")
    #expect(spec.finalMapsCanBeNegative(inputChannels: 1) == [expected])
    #expect(spec.mapsCanBeNegative(afterStage: -1, inputChannels: 1) == [false])
}

@Test func aSecondLayerIsSignedOnlyWhereItCanReachANegativeValue() throws {
    let text = """
        input gray
        conv
          filter pos
            1
          filter neg
            -1
        conv
          filter sum_pos
            channels 1 0
          filter takes_neg
            channels 0 1
          filter flips_pos
            channels -1 0
        """
    let spec = try FilterFileParser.parse(text, fileName: "t.filter")
    #expect(spec.mapsCanBeNegative(afterStage: 0, inputChannels: 1) == [false, true])
    #expect(spec.finalMapsCanBeNegative(inputChannels: 1) == [false, true, true])
}
