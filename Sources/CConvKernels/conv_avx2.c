/* The loops for x86-64 with AVX2 and FMA (ymm, 16 registers): 4 maps × 16 columns (8 accumulators
 * leave room for the inputs and the broadcast weight), one map × 64 columns. */
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define FP_LANES 8
#define FP_BLOCK_VECS 2
#define FP_SINGLE_VECS 8
#define FP_MADD(a, b, c) __builtin_elementwise_fma(b, c, a)
#define FP_MADD1(a, b, c) __builtin_elementwise_fma(b, c, a)
#define FP_NAME(name) name##_avx2
#include "conv_loops.h"
#pragma clang attribute pop
#endif
