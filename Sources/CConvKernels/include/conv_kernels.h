/*
 * The convolution inner loops, compiled several times for different instruction sets and chosen
 * at run time (no build flags): AVX-512 and AVX2+FMA and an SSE2 baseline on x86-64, NEON on arm64.
 *
 * Every stride-1 kernel computes, for each output value,
 *   out = bias + Σ_t Σ_i Σ_j w[t, i, j] · padded[slot t, r + i·D, x + j·D]
 * as one chain from 0 in exactly that order (t, then i, then j), the bias added last. The FMA sets
 * (avx512, avx2, neon) round each step as one fused multiply-add, so they give the same bytes; the
 * baseline rounds the product and the sum separately.
 *
 * Freestanding C (no libc): the caller owns every buffer, including the separable kernel's
 * workspace.
 */
#ifndef FILTERPIPE_CONV_KERNELS_H
#define FILTERPIPE_CONV_KERNELS_H

#include <stddef.h>

/* Kernel sets, best last within an architecture. */
enum {
    FP_ISA_BASELINE = 0,
    FP_ISA_AVX2 = 1,
    FP_ISA_AVX512 = 2,
    FP_ISA_NEON = 3,
};

/* Maps computed together by the blocked kernel (weights are laid out [term][i][j][FP_BLOCK]). */
#define FP_BLOCK 4
/* Output columns every kernel's strip width divides: scratch rows are padded to a multiple of it. */
#define FP_STRIP 64

/* What one group's loop reads and writes (see PaddedInput.swift for the scratch layout). */
typedef struct fp_conv_job {
    const float *scratch;
    ptrdiff_t row_stride;
    ptrdiff_t slot_stride;
    /* Scratch slot of each term. */
    const ptrdiff_t *slots;
    ptrdiff_t slot_count;
    ptrdiff_t kernel_height;
    ptrdiff_t kernel_width;
    ptrdiff_t stride;
    ptrdiff_t dilation;
    ptrdiff_t output_width;
    ptrdiff_t output_row_stride;
    ptrdiff_t row_count;
} fp_conv_job;

/* Bit (1 << set) for every kernel set this CPU and its OS support. */
unsigned fp_isa_supported(void);

/* Up to FP_BLOCK maps (a NULL output is skipped), stride 1. */
void fp_conv_blocked(int isa, const fp_conv_job *job, const float *weights, const float *biases,
                     float *const outputs[FP_BLOCK]);
/* One map (weights at stride FP_BLOCK), stride 1. */
void fp_conv_single(int isa, const fp_conv_job *job, const float *weights, float bias, float *output);
/* A rank-1 single-term kernel as a horizontal pass then a vertical one, stride 1:
 * out = bias + Σ_i vertical[i] · (Σ_j horizontal[j] · padded[r + i·D, x + j·D]).
 * `workspace` holds fp_separable_workspace(job) floats. */
void fp_conv_separable(int isa, const fp_conv_job *job, const float *vertical, const float *horizontal, float bias,
                       float *output, float *workspace);
ptrdiff_t fp_separable_workspace(const fp_conv_job *job);
/* Any stride, one value at a time, in the same summation order. */
void fp_conv_scalar(int isa, const fp_conv_job *job, const float *weights, const float *biases,
                    float *const outputs[FP_BLOCK]);

/* out[x] = max(top[2x], top[2x+1], bottom[2x], bottom[2x+1]) for x < count, maxima taken in that
 * order, each keeping the later operand unless it is smaller (so NaN in the later one is dropped). */
void fp_max_pool_2x2(int isa, const float *top, const float *bottom, ptrdiff_t count, float *output);

#endif
