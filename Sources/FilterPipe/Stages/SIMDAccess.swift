// The only places the convolution and pooling loops turn pointers into vectors.

/// 16 lanes: one AVX-512 register, four SSE registers in a portable build.
typealias FloatVector = SIMD16<Float>

/// Unaligned load of 16 consecutive floats at `pointer`.
@inline(__always)
func loadVector(_ pointer: UnsafePointer<Float>) -> FloatVector {
    UnsafeRawPointer(pointer).loadUnaligned(as: FloatVector.self)
}

/// Stores the first `count` lanes of `vector` at `pointer` (all 16 when `count >= 16`).
@inline(__always)
func storeVector(_ vector: FloatVector, to pointer: UnsafeMutablePointer<Float>, count: Int) {
    if count >= 16 {
        UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: FloatVector.self)
    } else {
        for lane in 0..<count { pointer[lane] = vector[lane] }
    }
}

/// `accumulator + a · b`: one fused multiply-add when built with `-D FILTERPIPE_FMA` (which needs a
/// target CPU with FMA, or every lane becomes a libm call), else a multiply then an add.
/// Either way every value of a run uses the same one, so results do not depend on tiling.
@inline(__always)
func multiplyAdd(_ accumulator: FloatVector, _ a: FloatVector, _ b: FloatVector) -> FloatVector {
    #if FILTERPIPE_FMA
        accumulator.addingProduct(a, b)
    #else
        accumulator + a * b
    #endif
}

@inline(__always)
func multiplyAdd(_ accumulator: Float, _ a: Float, _ b: Float) -> Float {
    #if FILTERPIPE_FMA
        accumulator.addingProduct(a, b)
    #else
        accumulator + a * b
    #endif
}
