// 2×2 stride-2 max pooling of two input rows, 16 outputs per step:
//   out[x] = max(top[2x], top[2x+1], bottom[2x], bottom[2x+1]) — the same value as the plain loop.

/// Vectorised pooling loops.
enum PoolKernels {
    /// Fills `output[0..<k]` for the largest `k` whose windows lie inside both rows in whole
    /// vector steps; returns `k` (the caller finishes the rest).
    static func max2x2(top: UnsafePointer<Float>, bottom: UnsafePointer<Float>, inputWidth: Int,
                       output: UnsafeMutablePointer<Float>, outputWidth: Int) -> Int {
        var x = 0
        while x + 16 <= outputWidth && 2 * x + 32 <= inputWidth {
            let column = 2 * x
            let rowMax0 = pointwiseMax(loadVector(top + column), loadVector(bottom + column))
            let rowMax1 = pointwiseMax(loadVector(top + column + 16), loadVector(bottom + column + 16))
            let pairs = SIMD32<Float>(lowHalf: rowMax0, highHalf: rowMax1)
            storeVector(pointwiseMax(pairs.evenHalf, pairs.oddHalf), to: output + x, count: 16)
            x += 16
        }
        return x
    }
}
