#ifndef CIMAGEIO_PNG_FAST_H
#define CIMAGEIO_PNG_FAST_H
#include "CImageIO.h"
#include "deflate_backend.h"
/* Decodes the common 8-bit layouts (see png_fast.c) into `out` and returns 1, or returns 0
 * (out untouched, nothing allocated) for the caller's libpng path to handle. With `row_layout`
 * the rows come in the layout of cimageio_decode_rows, else packed. `backend` inflates and checks
 * CRCs (NULL: returns 0). */
int cimageio_png_decode_fast(const cimageio_deflate *backend, const uint8_t *data, size_t size, uint64_t max_pixels,
                             int row_layout, cimageio_image *out);

/* Decodes a PNG through libpng; with `row_layout`, 8-bit results come in row layout. */
int cimageio_png_decode_libpng_layout(const uint8_t *data, size_t size, uint64_t max_pixels, int row_layout,
                                      cimageio_image *out);
#endif
