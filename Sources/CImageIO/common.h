#ifndef CIMAGEIO_COMMON_H
#define CIMAGEIO_COMMON_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "CImageIO.h"

/* Copies a formatted message into a fixed result buffer (always NUL-terminated). */
static inline void cimageio_set_message(char *buffer, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, CIMAGEIO_MESSAGE_SIZE, format, args);
    va_end(args);
}

/* a * b without overflow into *result; returns 0 on overflow. */
static inline int cimageio_mul(size_t a, size_t b, size_t *result) {
    return !__builtin_mul_overflow(a, b, result);
}

/* Asks for transparent huge pages on the 2 MiB-aligned interior of a large buffer: a fresh image
 * buffer then costs one page fault per 2 MiB instead of per 4 KiB. Advice only; given only for
 * the streaming route's buffers, which are mapped afresh (see malloc_tuning.c). */
#if defined(__linux__)
#include <sys/mman.h>
#endif
static inline void cimageio_advise_huge(void *buffer, size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (buffer == NULL || size < 2 * huge) return;
    uintptr_t start = ((uintptr_t)buffer + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)buffer + size) & ~(huge - 1);
    if (end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)buffer;
    (void)size;
#endif
}

/* JPEG decoding with the row layout of cimageio_decode_rows when `row_layout` (jpeg.c). */
int cimageio_jpeg_decode_layout(const uint8_t *data, size_t size, uint64_t max_pixels, int row_layout,
                                cimageio_image *out);

/* `pixels` (packed rows, malloc'd) copied into a new row-layout buffer; frees `pixels`.
 * NULL when out of memory (pixels then still freed). */
uint8_t *cimageio_to_row_layout(uint8_t *pixels, size_t width, size_t height, size_t channels);
#endif
