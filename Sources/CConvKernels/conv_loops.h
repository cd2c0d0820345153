/*
 * The convolution loops, written once and compiled per instruction set. The including file defines
 *   FP_LANES         floats per vector register
 *   FP_BLOCK_VECS    vectors per map per step of the blocked kernel (FP_BLOCK maps at once)
 *   FP_SINGLE_VECS   vectors per step of the one-map kernels
 *   FP_MADD(a, b, c) a + b·c for vectors, FP_MADD1 for floats (fused, or not, the same everywhere)
 *   FP_NAME(name)    the suffixed external name
 * Register blocking differs by set (AVX2 has 16 registers, AVX-512 and NEON 32) but every output
 * value's chain of multiply-adds is the same: taps in order from 0, the bias added last. Strips
 * (FP_LANES · vectors columns) divide FP_STRIP, so whole vectors stay inside the scratch rows.
 */
#include "conv_kernels.h"

#define FP_BLOCK_STEP (FP_LANES * FP_BLOCK_VECS)
#define FP_SINGLE_STEP (FP_LANES * FP_SINGLE_VECS)
_Static_assert(FP_STRIP % FP_BLOCK_STEP == 0 && FP_STRIP % FP_SINGLE_STEP == 0, "strips must divide FP_STRIP");

typedef float fpv __attribute__((vector_size(FP_LANES * sizeof(float))));

static inline __attribute__((always_inline)) fpv load(const float *p) {
    fpv v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/* Every lane x (not 0 + x, which would turn −0 into +0). */
static inline __attribute__((always_inline)) fpv splat(float x) {
    fpv v;
    _Pragma("clang loop unroll(full)") for (int l = 0; l < FP_LANES; l++) v[l] = x;
    return v;
}

/* Stores the first `count` lanes of `v` at `p` (all of them when count >= FP_LANES). */
static inline __attribute__((always_inline)) void store_clipped(float *p, fpv v, ptrdiff_t count) {
    if (count >= FP_LANES) {
        __builtin_memcpy(p, &v, sizeof v);
    } else {
        for (ptrdiff_t l = 0; l < count; l++) p[l] = v[l];
    }
}

/* Loops over registers: fully unrolled so the accumulator arrays live in registers. */
#define EACH(var, count) _Pragma("clang loop unroll(full)") for (int var = 0; var < (count); var++)

void FP_NAME(fp_conv_blocked)(const fp_conv_job *job, const float *weights, const float *biases,
                              float *const outputs[FP_BLOCK]) {
    const ptrdiff_t rs = job->row_stride, ss = job->slot_stride, d = job->dilation;
    const ptrdiff_t kh = job->kernel_height, kw = job->kernel_width, ow = job->output_width;
    for (ptrdiff_t r = 0; r < job->row_count; r++) {
        for (ptrdiff_t x = 0; x < ow; x += FP_BLOCK_STEP) {
            fpv acc[FP_BLOCK][FP_BLOCK_VECS];
            EACH(k, FP_BLOCK)
                EACH(v, FP_BLOCK_VECS) acc[k][v] = splat(0);
            const float *w = weights;
            for (ptrdiff_t t = 0; t < job->slot_count; t++) {
                const float *term = job->scratch + job->slots[t] * ss + r * rs + x;
                for (ptrdiff_t i = 0; i < kh; i++) {
                    const float *row = term + i * d * rs;
                    for (ptrdiff_t j = 0; j < kw; j++, w += FP_BLOCK) {
                        const float *p = row + j * d;
                        fpv in[FP_BLOCK_VECS];
                        EACH(v, FP_BLOCK_VECS) in[v] = load(p + v * FP_LANES);
                        EACH(k, FP_BLOCK) {
                            fpv weight = splat(w[k]);
                            EACH(v, FP_BLOCK_VECS) acc[k][v] = FP_MADD(acc[k][v], in[v], weight);
                        }
                    }
                }
            }
            EACH(k, FP_BLOCK) {
                if (outputs[k] == 0) continue;
                fpv out[FP_BLOCK_VECS], bias = splat(biases[k]);
                EACH(v, FP_BLOCK_VECS) out[v] = acc[k][v] + bias;
                EACH(v, FP_BLOCK_VECS) if (ow - x > v * FP_LANES) store_clipped(outputs[k] + r * job->output_row_stride + x + v * FP_LANES, out[v], ow - x - v * FP_LANES);
            }
        }
    }
}

void FP_NAME(fp_conv_single)(const fp_conv_job *job, const float *weights, float bias, float *output) {
    const ptrdiff_t rs = job->row_stride, ss = job->slot_stride, d = job->dilation;
    const ptrdiff_t kh = job->kernel_height, kw = job->kernel_width, ow = job->output_width;
    const fpv biasv = splat(bias);
    for (ptrdiff_t r = 0; r < job->row_count; r++) {
        for (ptrdiff_t x = 0; x < ow; x += FP_SINGLE_STEP) {
            fpv acc[FP_SINGLE_VECS];
            EACH(v, FP_SINGLE_VECS) acc[v] = splat(0);
            const float *w = weights;
            for (ptrdiff_t t = 0; t < job->slot_count; t++) {
                const float *term = job->scratch + job->slots[t] * ss + r * rs + x;
                for (ptrdiff_t i = 0; i < kh; i++) {
                    const float *row = term + i * d * rs;
                    for (ptrdiff_t j = 0; j < kw; j++, w += FP_BLOCK) {
                        const float *p = row + j * d;
                        fpv weight = splat(w[0]);
                        EACH(v, FP_SINGLE_VECS) acc[v] = FP_MADD(acc[v], load(p + v * FP_LANES), weight);
                    }
                }
            }
            EACH(v, FP_SINGLE_VECS) acc[v] += biasv;
            EACH(v, FP_SINGLE_VECS) if (ow - x > v * FP_LANES) store_clipped(output + r * job->output_row_stride + x + v * FP_LANES, acc[v], ow - x - v * FP_LANES);
        }
    }
}

void FP_NAME(fp_conv_separable)(const fp_conv_job *job, const float *vertical, const float *horizontal, float bias,
                                float *output, float *workspace) {
    const ptrdiff_t rs = job->row_stride, d = job->dilation, ow = job->output_width;
    const ptrdiff_t padded_rows = job->row_count + d * (job->kernel_height - 1);
    const ptrdiff_t width = (ow + FP_STRIP - 1) / FP_STRIP * FP_STRIP;
    const float *source = job->scratch + job->slots[0] * job->slot_stride;
    for (ptrdiff_t r = 0; r < padded_rows; r++) {
        for (ptrdiff_t x = 0; x < width; x += FP_SINGLE_STEP) {
            fpv acc[FP_SINGLE_VECS];
            EACH(v, FP_SINGLE_VECS) acc[v] = splat(0);
            const float *row = source + r * rs + x;
            for (ptrdiff_t j = 0; j < job->kernel_width; j++) {
                const float *p = row + j * d;
                fpv weight = splat(horizontal[j]);
                EACH(v, FP_SINGLE_VECS) acc[v] = FP_MADD(acc[v], load(p + v * FP_LANES), weight);
            }
            EACH(v, FP_SINGLE_VECS) __builtin_memcpy(workspace + r * width + x + v * FP_LANES, &acc[v], sizeof acc[v]);
        }
    }
    const fpv biasv = splat(bias);
    for (ptrdiff_t r = 0; r < job->row_count; r++) {
        for (ptrdiff_t x = 0; x < ow; x += FP_SINGLE_STEP) {
            fpv acc[FP_SINGLE_VECS];
            EACH(v, FP_SINGLE_VECS) acc[v] = splat(0);
            for (ptrdiff_t i = 0; i < job->kernel_height; i++) {
                const float *p = workspace + (r + i * d) * width + x;
                fpv weight = splat(vertical[i]);
                EACH(v, FP_SINGLE_VECS) acc[v] = FP_MADD(acc[v], load(p + v * FP_LANES), weight);
            }
            EACH(v, FP_SINGLE_VECS) acc[v] += biasv;
            EACH(v, FP_SINGLE_VECS) if (ow - x > v * FP_LANES) store_clipped(output + r * job->output_row_stride + x + v * FP_LANES, acc[v], ow - x - v * FP_LANES);
        }
    }
}

void FP_NAME(fp_conv_scalar)(const fp_conv_job *job, const float *weights, const float *biases,
                             float *const outputs[FP_BLOCK]) {
    const ptrdiff_t rs = job->row_stride, ss = job->slot_stride, s = job->stride, d = job->dilation;
    EACH(k, FP_BLOCK) {
        float *target = outputs[k];
        if (target == 0) continue;
        for (ptrdiff_t r = 0; r < job->row_count; r++) {
            float *out = target + r * job->output_row_stride;
            for (ptrdiff_t x = 0; x < job->output_width; x++) {
                float sum = 0;
                const float *w = weights + k;
                for (ptrdiff_t t = 0; t < job->slot_count; t++) {
                    const float *origin = job->scratch + job->slots[t] * ss + r * s * rs + x * s;
                    for (ptrdiff_t i = 0; i < job->kernel_height; i++) {
                        const float *row = origin + i * d * rs;
                        for (ptrdiff_t j = 0; j < job->kernel_width; j++, w += FP_BLOCK) sum = FP_MADD1(sum, row[j * d], *w);
                    }
                }
                out[x] = sum + biases[k];
            }
        }
    }
}

/* 2×2 stride-2 max pooling of two rows: out[x] = max(top[2x], top[2x+1], bottom[2x], bottom[2x+1]),
 * each max keeping the later operand on ties and the earlier one against NaN (Swift.max's rule
 * without its NaN checks), so every set gives the same values; a plain loop the compiler
 * vectorises for the set's width. */
static inline __attribute__((always_inline)) float larger(float a, float b) { return b >= a ? b : a; }

void FP_NAME(fp_max_pool_2x2)(const float *restrict top, const float *restrict bottom, ptrdiff_t count,
                              float *restrict output) {
    for (ptrdiff_t x = 0; x < count; x++)
        output[x] = larger(larger(larger(top[2 * x], top[2 * x + 1]), bottom[2 * x]), bottom[2 * x + 1]);
}
