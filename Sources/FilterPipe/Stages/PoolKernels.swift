// 2×2 stride-2 max pooling of two input rows:
//   out[x] = max(top[2x], top[2x+1], bottom[2x], bottom[2x+1])
// a plain loop of compares in C (Sources/CConvKernels), vectorised for the kernel set in use,
// giving the same value as Pool2D's general loop (each max keeps the later operand on ties, like
// Swift.max) on every set: compares round nothing.

import CConvKernels

/// Vectorisable pooling loops.
enum PoolKernels {
    /// Fills `output[0..<k]`, k = min(outputWidth, inputWidth / 2), and returns k (the caller
    /// finishes the rest).
    static func max2x2(
        top: UnsafePointer<Float>, bottom: UnsafePointer<Float>, inputWidth: Int,
        output: UnsafeMutablePointer<Float>, outputWidth: Int, kernels: KernelSet = .active
    ) -> Int {
        let count = min(outputWidth, inputWidth / 2)
        fp_max_pool_2x2(kernels.code, top, bottom, count, output)
        return count
    }
}
