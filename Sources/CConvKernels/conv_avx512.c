/* The loops for x86-64 with AVX-512F (zmm, 32 registers): 4 maps × 64 columns, fused multiply-adds. */
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#define FP_LANES 16
#define FP_BLOCK_VECS 4
#define FP_SINGLE_VECS 4
#define FP_MADD(a, b, c) __builtin_elementwise_fma(b, c, a)
#define FP_MADD1(a, b, c) __builtin_elementwise_fma(b, c, a)
#define FP_NAME(name) name##_avx512
#include "conv_loops.h"
#pragma clang attribute pop
#endif
