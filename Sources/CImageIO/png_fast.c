/*
 * Fast path of PNG decoding for the common photo layouts: 8-bit gray, gray+alpha, RGB, RGBA,
 * not interlaced, no PLTE or tRNS. The IDAT stream is inflated in one call (by libdeflate, about
 * 2x zlib's inflate, when it loads; else by zlib: deflate_backend.c) and the rows unfiltered here:
 *   None x, Sub x + a, Up x + b, Average x + floor((a + b) / 2), Paeth x + paeth(a, b, c)
 * (a left, b above, c above-left, 0 outside the image; bytes, modulo 256; PNG spec §9).
 *
 * It only ever says "decoded" or "not mine": whenever anything is unusual (another layout, a
 * chunk libpng would check or reject, a CRC mismatch on a critical chunk, a zlib stream that is
 * not exactly the image data, a bad filter byte, the pixel limit, no memory) it returns 0 and
 * the caller decodes with libpng, which produces the same pixels or the proper error. So every
 * error message and every odd file keeps libpng's behaviour; the PngSuite reference tests
 * check the pixels of both paths.
 */
#include <stdlib.h>
#include "common.h"
#include "deflate_backend.h"
#include "png_fast.h"

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int is_letter(uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* Paeth predictor (PNG spec §9.4) with p − a, p − b, p − c expanded, as selects rather than branches. */
static inline uint8_t paeth(int a, int b, int c) {
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    int choice = pb <= pc ? b : c;
    return (uint8_t)((pa <= pb && pa <= pc) ? a : choice);
}

#if defined(__SSE2__)
#include "paeth_sse2.h"

/* Paeth for 3- and 4-byte pixels, one pixel per step with its channels side by side in 16-bit
 * lanes (as libpng's SSE2 filters do): the chain from one pixel to the next is then a dozen
 * vector operations for all channels, instead of one scalar chain per byte through memory.
 * Same predictor as `paeth` (SSE2 only, so any x86-64): pa = |b − c|, pb = |a − c|,
 * pc = |a + b − 2c|; a if pa is the smallest, else b if pb ≤ pc, else c. Rows after the first. */
static void paeth_row_sse2(const uint8_t *raw, uint8_t *row, const uint8_t *above, size_t length, size_t bpp) {
    const __m128i zero = _mm_setzero_si128();
    __m128i a = zero, c = zero;
    for (size_t i = 0; i + bpp <= length; i += bpp) {
        uint32_t above_word = 0, raw_word = 0;
        memcpy(&above_word, above + i, bpp);
        memcpy(&raw_word, raw + i, bpp);
        __m128i b = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)above_word), zero);
        __m128i x = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)raw_word), zero);
        __m128i predicted = cimageio_paeth_predict8(a, b, c);
        a = _mm_and_si128(_mm_add_epi16(x, predicted), _mm_set1_epi16(0xFF));
        uint32_t out_word = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(a, a));
        memcpy(row + i, &out_word, bpp);
        c = b;
    }
}
#endif

/* Unfilters one row of `length` bytes from `raw` into `row`; `above` is the previous output row,
 * or NULL for the first row (every byte above is 0 there). Inlined with a constant `bpp` so the
 * loops keep each pixel's left neighbour in registers. Returns 0 for an unknown filter type. */
static inline int unfilter_row_bpp(int filter, const uint8_t *restrict raw, uint8_t *restrict row,
                                   const uint8_t *restrict above, size_t length, size_t bpp) {
    size_t lead = bpp < length ? bpp : length;  /* bytes with no left neighbour (a = c = 0) */
    switch (filter) {
    case 0:
        memcpy(row, raw, length);
        return 1;
    case 1:
        memcpy(row, raw, lead);
        for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(raw[i] + row[i - bpp]);
        return 1;
    case 2:
        if (above == NULL) memcpy(row, raw, length);
        else for (size_t i = 0; i < length; i++) row[i] = (uint8_t)(raw[i] + above[i]);
        return 1;
    case 3:
        if (above == NULL) {
            memcpy(row, raw, lead);
            for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(raw[i] + (row[i - bpp] >> 1));
        } else {
            for (size_t i = 0; i < lead; i++) row[i] = (uint8_t)(raw[i] + (above[i] >> 1));
            for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(raw[i] + (((unsigned)row[i - bpp] + above[i]) >> 1));
        }
        return 1;
    case 4:
        if (above == NULL) {  /* paeth(a, 0, 0) = a: Sub */
            memcpy(row, raw, lead);
            for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(raw[i] + row[i - bpp]);
        } else {
#if defined(__SSE2__)
            if (bpp >= 3) {
                paeth_row_sse2(raw, row, above, length, bpp);
                return 1;
            }
#endif
            for (size_t i = 0; i < lead; i++) row[i] = (uint8_t)(raw[i] + above[i]);  /* paeth(0, b, 0) = b */
            for (size_t i = bpp; i < length; i++)
                row[i] = (uint8_t)(raw[i] + paeth(row[i - bpp], above[i], above[i - bpp]));
        }
        return 1;
    default:
        return 0;
    }
}

static int unfilter_row(int filter, const uint8_t *raw, uint8_t *row, const uint8_t *above, size_t length, size_t bpp) {
    switch (bpp) {
    case 1: return unfilter_row_bpp(filter, raw, row, above, length, 1);
    case 2: return unfilter_row_bpp(filter, raw, row, above, length, 2);
    case 3: return unfilter_row_bpp(filter, raw, row, above, length, 3);
    default: return unfilter_row_bpp(filter, raw, row, above, length, 4);
    }
}

/* unfilter_row_bpp where the filtered bytes are the row itself (row layout: the image is unfiltered
 * where it was inflated). Same predictors; written as `row[i] += prediction` so the compiler knows
 * the row and the one above do not overlap (a plain in-place call of unfilter_row_bpp, its restrict
 * dropped, ran about 2x slower). */
static inline int unfilter_in_place_bpp(int filter, uint8_t *restrict row, const uint8_t *restrict above, size_t length,
                                        size_t bpp) {
    size_t lead = bpp < length ? bpp : length;
    switch (filter) {
    case 0:
        return 1;
    case 1:
        for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
        return 1;
    case 2:
        if (above != NULL) for (size_t i = 0; i < length; i++) row[i] = (uint8_t)(row[i] + above[i]);
        return 1;
    case 3:
        if (above == NULL) {
            for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(row[i] + (row[i - bpp] >> 1));
        } else {
            for (size_t i = 0; i < lead; i++) row[i] = (uint8_t)(row[i] + (above[i] >> 1));
            for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(row[i] + (((unsigned)row[i - bpp] + above[i]) >> 1));
        }
        return 1;
    case 4:
        if (above == NULL) {
            for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
        } else {
#if defined(__SSE2__)
            if (bpp >= 3) {
                paeth_row_sse2(row, row, above, length, bpp);  /* reads each pixel before writing it */
                return 1;
            }
#endif
            for (size_t i = 0; i < lead; i++) row[i] = (uint8_t)(row[i] + above[i]);
            for (size_t i = bpp; i < length; i++) row[i] = (uint8_t)(row[i] + paeth(row[i - bpp], above[i], above[i - bpp]));
        }
        return 1;
    default:
        return 0;
    }
}

static int unfilter_in_place(int filter, uint8_t *row, const uint8_t *above, size_t length, size_t bpp) {
    switch (bpp) {
    case 1: return unfilter_in_place_bpp(filter, row, above, length, 1);
    case 2: return unfilter_in_place_bpp(filter, row, above, length, 2);
    case 3: return unfilter_in_place_bpp(filter, row, above, length, 3);
    default: return unfilter_in_place_bpp(filter, row, above, length, 4);
    }
}

int cimageio_png_decode_fast(const cimageio_deflate *backend, const uint8_t *data, size_t size, uint64_t max_pixels,
                             int row_layout, cimageio_image *out) {
    if (backend == NULL) return 0;
    if (size < 8 + 25 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0) return 0;
    /* IHDR first, 13 bytes, valid CRC. */
    if (be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0) return 0;
    const uint8_t *ihdr = data + 16;
    if (cimageio_deflate_crc32(backend, 0, data + 12, 17) != be32(data + 29)) return 0;
    uint32_t width = be32(ihdr), height = be32(ihdr + 4);
    int bit_depth = ihdr[8], color_type = ihdr[9];
    if (bit_depth != 8 || ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] != 0) return 0;
    size_t channels;
    switch (color_type) {
    case 0: channels = 1; break;
    case 4: channels = 2; break;
    case 2: channels = 3; break;
    case 6: channels = 4; break;
    default: return 0;
    }
    if (width == 0 || height == 0 || width > 0x7FFFFFFFu || height > 0x7FFFFFFFu) return 0;
    if ((uint64_t)width * height > max_pixels || width > max_pixels || height > max_pixels) return 0;

    /* Walk the chunks: one run of IDAT, IEND last; only ancillary chunks besides. */
    size_t offset = 33, idat_bytes = 0, first_idat = 0;
    int idat_state = 0; /* 0 none yet, 1 in the run, 2 after it */
    int saw_end = 0;
    while (!saw_end) {
        if (size - offset < 12) return 0;
        uint32_t length = be32(data + offset);
        const uint8_t *type = data + offset + 4;
        if (length > 0x7FFFFFFFu || size - offset - 12 < length) return 0;
        if (!is_letter(type[0]) || !is_letter(type[1]) || !is_letter(type[2]) || !is_letter(type[3])) return 0;
        int critical = (type[0] & 0x20) == 0;
        if (memcmp(type, "IDAT", 4) == 0) {
            if (idat_state == 2) return 0;
            if (idat_state == 0) first_idat = offset;
            idat_state = 1;
            if (idat_bytes > SIZE_MAX - length) return 0;
            idat_bytes += length;
        } else {
            if (idat_state == 1) idat_state = 2;
            if (memcmp(type, "IEND", 4) == 0) saw_end = 1;
            else if (critical || memcmp(type, "tRNS", 4) == 0) return 0;  /* PLTE, unknown critical, tRNS */
        }
        if (critical && cimageio_deflate_crc32(backend, 0, type, 4 + (size_t)length) != be32(type + 4 + length)) return 0;
        offset += 12 + (size_t)length;
    }
    if (idat_state == 0) return 0;

    size_t row_bytes = 0, raw_size = 0, total = 0;
    if (!cimageio_mul((size_t)width, channels, &row_bytes) || !cimageio_mul(row_bytes + 1, height, &raw_size) ||
        !cimageio_mul(row_bytes, height, &total)) return 0;

    /* The IDAT payloads, joined. */
    uint8_t *stream = (uint8_t *)malloc(idat_bytes ? idat_bytes : 1);
    uint8_t *raw = (uint8_t *)malloc(raw_size);
    if (row_layout) cimageio_advise_huge(raw, raw_size);
    /* Row layout: unfiltered where inflated. Packed: into a second buffer (the packed route holds
     * float tensors several times larger anyway, and this is its fastest form). */
    uint8_t *pixels = row_layout ? raw : (uint8_t *)malloc(total);
    int ok = stream && raw && pixels;
    if (ok) {
        size_t filled = 0;
        for (size_t at = first_idat; filled < idat_bytes;) {
            uint32_t length = be32(data + at);
            if (memcmp(data + at + 4, "IDAT", 4) != 0) break;
            memcpy(stream + filled, data + at + 8, length);
            filled += length;
            at += 12 + (size_t)length;
        }
        /* Exactly the image's bytes (NULL: a shorter or longer stream is not success). */
        ok = cimageio_deflate_inflate_exact(backend, stream, idat_bytes, raw, raw_size);
    }
    free(stream);
    for (size_t y = 0; ok && y < height; y++) {
        if (row_layout) {
            uint8_t *row = raw + y * (row_bytes + 1) + 1;
            ok = unfilter_in_place(row[-1], row, y ? row - (row_bytes + 1) : NULL, row_bytes, channels);
        } else {
            const uint8_t *source = raw + y * (row_bytes + 1);
            uint8_t *row = pixels + y * row_bytes;
            ok = unfilter_row(source[0], source + 1, row, y ? row - row_bytes : NULL, row_bytes, channels);
        }
    }
    if (!row_layout) free(raw);
    if (!ok) {
        free(pixels);  /* row layout: the same buffer as raw, not yet freed */
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->status = CIMAGEIO_OK;
    out->width = width;
    out->height = height;
    out->channels = (int)channels;
    out->bit_depth = 8;
    out->pixels = pixels;
    out->pixels_size = row_layout ? raw_size : total;
    out->row_stride = row_layout ? row_bytes + 1 : 0;
    return 1;
}

int cimageio_png_decode_fast_using(int backend, const uint8_t *data, size_t size, uint64_t max_pixels,
                                   cimageio_image *out) {
    return cimageio_png_decode_fast(cimageio_deflate_get(backend), data, size, max_pixels, 0, out);
}
