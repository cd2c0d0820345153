/* Which kernel sets this CPU can run, and the calls that route to one. The choice of set (best
 * supported, or FILTERPIPE_ISA) is the caller's (ConvKernels.swift); this file only checks. */
#include "conv_kernels.h"

#define DECLARE(suffix)                                                                                        \
    void fp_conv_blocked_##suffix(const fp_conv_job *, const float *, const float *, float *const[FP_BLOCK]); \
    void fp_conv_single_##suffix(const fp_conv_job *, const float *, float, float *);                        \
    void fp_conv_separable_##suffix(const fp_conv_job *, const float *, const float *, float, float *, float *); \
    void fp_conv_scalar_##suffix(const fp_conv_job *, const float *, const float *, float *const[FP_BLOCK]); \
    void fp_max_pool_2x2_##suffix(const float *, const float *, ptrdiff_t, float *);
DECLARE(baseline)
#if defined(__x86_64__)
DECLARE(avx2)
DECLARE(avx512)
#include <cpuid.h>

/* AVX needs the OS to save ymm state (XCR0 bits 1–2), AVX-512 also opmask and zmm (bits 5–7):
 * CPUID alone says what the silicon has, not what the kernel enabled. */
static unsigned long long xcr0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

unsigned fp_isa_supported(void) {
    unsigned set = 1u << FP_ISA_BASELINE, a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return set;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return set;
    unsigned long long xcr = xcr0();
    if ((xcr & 0x6) != 0x6) return set;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return set;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (!avx2) return set;
    set |= 1u << FP_ISA_AVX2;
    if (avx512f && (xcr & 0xE6) == 0xE6) set |= 1u << FP_ISA_AVX512;
    return set;
}
#define ROUTE(name, ...)                                                                     \
    switch (isa) {                                                                           \
    case FP_ISA_AVX512: name##_avx512(__VA_ARGS__); return;                                  \
    case FP_ISA_AVX2: name##_avx2(__VA_ARGS__); return;                                      \
    default: name##_baseline(__VA_ARGS__); return;                                           \
    }
#elif defined(__aarch64__)
DECLARE(neon)
unsigned fp_isa_supported(void) { return (1u << FP_ISA_BASELINE) | (1u << FP_ISA_NEON); }
#define ROUTE(name, ...)                                                                     \
    switch (isa) {                                                                           \
    case FP_ISA_NEON: name##_neon(__VA_ARGS__); return;                                      \
    default: name##_baseline(__VA_ARGS__); return;                                           \
    }
#else
unsigned fp_isa_supported(void) { return 1u << FP_ISA_BASELINE; }
#define ROUTE(name, ...) name##_baseline(__VA_ARGS__);
#endif

void fp_conv_blocked(int isa, const fp_conv_job *job, const float *weights, const float *biases,
                     float *const outputs[FP_BLOCK]) {
    ROUTE(fp_conv_blocked, job, weights, biases, outputs)
}

void fp_conv_single(int isa, const fp_conv_job *job, const float *weights, float bias, float *output) {
    ROUTE(fp_conv_single, job, weights, bias, output)
}

void fp_conv_separable(int isa, const fp_conv_job *job, const float *vertical, const float *horizontal, float bias,
                       float *output, float *workspace) {
    ROUTE(fp_conv_separable, job, vertical, horizontal, bias, output, workspace)
}

void fp_conv_scalar(int isa, const fp_conv_job *job, const float *weights, const float *biases,
                    float *const outputs[FP_BLOCK]) {
    ROUTE(fp_conv_scalar, job, weights, biases, outputs)
}

void fp_max_pool_2x2(int isa, const float *top, const float *bottom, ptrdiff_t count, float *output) {
    ROUTE(fp_max_pool_2x2, top, bottom, count, output)
}

ptrdiff_t fp_separable_workspace(const fp_conv_job *job) {
    ptrdiff_t rows = job->row_count + job->dilation * (job->kernel_height - 1);
    return rows * ((job->output_width + FP_STRIP - 1) / FP_STRIP * FP_STRIP);
}
