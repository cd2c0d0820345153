#ifndef CIMAGEIO_PAETH_SSE2_H
#define CIMAGEIO_PAETH_SSE2_H
/* The PNG Paeth predictor (spec §9.4) for eight 16-bit lanes, shared by the decoder (png_fast.c,
 * one pixel's channels a step) and the encoder (png_encode.c, sixteen bytes a step). SSE2 only,
 * so any x86-64. With p − a, p − b, p − c expanded: pa = |b − c|, pb = |a − c|, pc = |a + b − 2c|;
 * a if pa is the smallest, else b if pb ≤ pc, else c. */
#if defined(__SSE2__)
#include <emmintrin.h>

static inline __m128i cimageio_paeth_predict8(__m128i a, __m128i b, __m128i c) {
    const __m128i zero = _mm_setzero_si128();
    __m128i pa = _mm_sub_epi16(b, c), pb = _mm_sub_epi16(a, c);
    __m128i pc = _mm_add_epi16(pa, pb);
    pa = _mm_max_epi16(pa, _mm_sub_epi16(zero, pa));
    pb = _mm_max_epi16(pb, _mm_sub_epi16(zero, pb));
    pc = _mm_max_epi16(pc, _mm_sub_epi16(zero, pc));
    __m128i smallest = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
    __m128i use_a = _mm_cmpeq_epi16(pa, smallest), use_b = _mm_cmpeq_epi16(pb, smallest);
    __m128i predicted = _mm_or_si128(_mm_and_si128(use_b, b), _mm_andnot_si128(use_b, c));
    return _mm_or_si128(_mm_and_si128(use_a, a), _mm_andnot_si128(use_a, predicted));
}
#endif
#endif
