// Percentiles of a map without sorting it: a 4096-bin histogram over [min, max] finds the bin that
// holds each wanted order statistic; only that bin's values are gathered and the search repeats
// inside them (each pass shrinks the candidates by about the bin count), down to a few hundred
// values, which are sorted. O(n) per pass; two passes over the map in practice.
//
// The bin index, ⌊(x − lo) · bins / (hi − lo)⌋ in Double, never decreases as x grows, so every value of
// bin b is ≤ every value of bin b + 1 and counting bins ranks values exactly: the result equals a
// sort's. Percentile p of n finite values is numpy's default ("linear"): r = p/100 · (n − 1),
// x[⌊r⌋] + (r − ⌊r⌋) · (x[⌊r⌋ + 1] − x[⌊r⌋]) over the sorted values. NaN and ±∞ are left out.

/// Exact percentiles of float maps by histogram selection.
enum Percentiles {
    static let bins = 4096
    /// Below this many candidates a sort is cheaper than another histogram pass.
    static let sortThreshold = 512

    /// Percentiles `ps` (each 0...100) of the finite values of `values` (of |v| with `magnitude`;
    /// only those above `above` when given), or nil when there are none.
    static func of(
        _ values: ArraySlice<Float>, _ ps: [Double], magnitude: Bool = false, above: Float? = nil
    ) -> [Float]? {
        values.withUnsafeBufferPointer { source -> [Float]? in
            var lo = Float.infinity
            var hi = -Float.infinity
            var count = 0
            let floor = above ?? -Float.infinity
            for v in source where v.isFinite {
                let x = magnitude ? Swift.abs(v) : v
                guard x > floor else { continue }
                lo = Swift.min(lo, x)
                hi = Swift.max(hi, x)
                count += 1
            }
            guard count > 0 else { return nil }
            var ranks: [Int] = []
            var positions: [(below: Int, fraction: Double)] = []
            for p in ps {
                let r = Swift.min(Swift.max(p, 0), 100) / 100 * Double(count - 1)
                let below = Int(r.rounded(.down))
                positions.append((below, r - Double(below)))
                ranks.append(below)
                ranks.append(Swift.min(below + 1, count - 1))
            }
            let order = orderStatistics(source, lo: lo, hi: hi, count: count, ranks: ranks, magnitude: magnitude)
            return positions.enumerated().map { i, position in
                let a = Double(order[2 * i])
                let b = Double(order[2 * i + 1])
                return Float(a + position.fraction * (b - a))
            }
        }
    }

    /// The values of rank `ranks` (0-based, among the `count` values of `source` in lo...hi,
    /// transformed to |v| with `magnitude`).
    static func orderStatistics(
        _ source: UnsafeBufferPointer<Float>, lo: Float, hi: Float, count: Int, ranks: [Int], magnitude: Bool
    ) -> [Float] {
        if lo == hi { return ranks.map { _ in lo } }
        if count <= sortThreshold {
            var kept: [Float] = []
            kept.reserveCapacity(count)
            for v in source {
                let x = magnitude ? Swift.abs(v) : v
                if x >= lo && x <= hi { kept.append(x) }
            }
            kept.sort()
            return ranks.map { kept[$0] }
        }
        let base = Double(lo)
        let scale = Double(bins) / (Double(hi) - base)
        let last = bins - 1
        // Float arithmetic where hi − lo is a finite Float, Double where it overflows (the whole
        // float range); both never decrease as x grows.
        let span = hi - lo
        let floatScale = Float(bins) / span
        let useFloat = span.isFinite && floatScale.isFinite
        @inline(__always) func bin(_ x: Float) -> Int {
            useFloat ? Swift.min(Int((x - lo) * floatScale), last) : Swift.min(Int((Double(x) - base) * scale), last)
        }
        var histogram = [Int](repeating: 0, count: bins)
        histogram.withUnsafeMutableBufferPointer { h in
            for v in source {
                let x = magnitude ? Swift.abs(v) : v
                // The range test also drops NaN and ±∞ (only finite values lie in lo...hi).
                guard x >= lo && x <= hi else { continue }
                h[bin(x)] += 1
            }
        }
        // For each rank: its bin and its rank within the bin.
        var below = 0
        var starts = [Int](repeating: 0, count: bins)
        for b in 0..<bins {
            starts[b] = below
            below += histogram[b]
        }
        let located = ranks.map { rank -> (bin: Int, rank: Int) in
            var low = 0
            var high = last
            while low < high {  // the last bin whose start is ≤ rank
                let middle = (low + high + 1) / 2
                if starts[middle] <= rank { low = middle } else { high = middle - 1 }
            }
            return (low, rank - starts[low])
        }
        let wanted = Array(Set(located.map(\.bin))).sorted()
        var slot = [Int](repeating: -1, count: bins)
        for (i, b) in wanted.enumerated() { slot[b] = i }
        var gathered = wanted.map { b -> [Float] in
            var values: [Float] = []
            values.reserveCapacity(histogram[b])
            return values
        }
        for v in source {
            let x = magnitude ? Swift.abs(v) : v
            guard x >= lo && x <= hi else { continue }
            let s = slot[bin(x)]
            if s >= 0 { gathered[s].append(x) }
        }
        var results = [Float](repeating: 0, count: ranks.count)
        for (i, b) in wanted.enumerated() {
            let values = gathered[i]
            let inside = located.indices.filter { located[$0].bin == b }
            let binLo = values.min()!
            let binHi = values.max()!
            let found = values.withUnsafeBufferPointer {
                orderStatistics(
                    $0, lo: binLo, hi: binHi, count: values.count, ranks: inside.map { located[$0].rank },
                    magnitude: false)
            }
            for (k, index) in inside.enumerated() { results[index] = found[k] }
        }
        return results
    }
}
