// 2×2 stride-2 max pooling of two input rows:
//   out[x] = max(top[2x], top[2x+1], bottom[2x], bottom[2x+1])
// written as a plain loop of compares that the compiler vectorises (interleaved loads), giving the
// same value as Pool2D's general loop (each max keeps the later operand on ties, like Swift.max).

/// Vectorisable pooling loops.
enum PoolKernels {
    /// Fills `output[0..<k]`, k = min(outputWidth, inputWidth / 2), and returns k (the caller
    /// finishes the rest).
    static func max2x2(
        top: UnsafePointer<Float>, bottom: UnsafePointer<Float>, inputWidth: Int,
        output: UnsafeMutablePointer<Float>, outputWidth: Int
    ) -> Int {
        let count = min(outputWidth, inputWidth / 2)
        for x in 0..<count {
            output[x] = larger(larger(larger(top[2 * x], top[2 * x + 1]), bottom[2 * x]), bottom[2 * x + 1])
        }
        return count
    }

    /// Swift.max's tie rule (`b >= a ? b : a`) without its NaN checks, so the loop vectorises.
    @inline(__always)
    private static func larger(_ a: Float, _ b: Float) -> Float { b >= a ? b : a }
}
