/* The loops for arm64 (NEON is part of the baseline: 32 q registers, fused multiply-add):
 * 4 maps × 16 columns, one map × 32 columns. Same chains as the x86 FMA sets, so the same bytes. */
#if defined(__aarch64__)
#define FP_LANES 4
#define FP_BLOCK_VECS 4
#define FP_SINGLE_VECS 8
#if __has_builtin(__builtin_elementwise_fma)
#define FP_MADD(a, b, c) __builtin_elementwise_fma(b, c, a)
#define FP_MADD1(a, b, c) __builtin_elementwise_fma(b, c, a)
#else
#include <arm_neon.h>
#define FP_MADD(a, b, c) ((fpv)vfmaq_f32((float32x4_t)(a), (float32x4_t)(b), (float32x4_t)(c)))
#define FP_MADD1(a, b, c) __builtin_fmaf(b, c, a)
#endif
#define FP_NAME(name) name##_neon
#include "conv_loops.h"
#endif
