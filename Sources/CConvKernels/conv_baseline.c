/* The loops for any CPU of the architecture (SSE2 on x86-64, 16 xmm registers): a multiply then an
 * add, each rounded (no FMA to rely on), so results differ from the FMA sets in the last bits.
 * Contraction is off so no compiler fuses them behind our back (clang's default on arm64 would). */
#pragma clang fp contract(off)
#define FP_LANES 4
#define FP_BLOCK_VECS 2
#define FP_SINGLE_VECS 8
#define FP_MADD(a, b, c) ((a) + (b) * (c))
#define FP_MADD1(a, b, c) ((a) + (b) * (c))
#define FP_NAME(name) name##_baseline
#include "conv_loops.h"
