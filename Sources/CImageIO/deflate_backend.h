#ifndef CIMAGEIO_DEFLATE_BACKEND_H
#define CIMAGEIO_DEFLATE_BACKEND_H
/* The deflate implementation behind PNG encoding, the PNG fast path's inflate and chunk CRCs
 * (deflate_backend.c, the only file that knows which one is in use). */
#include <stddef.h>
#include <stdint.h>

typedef struct cimageio_deflate cimageio_deflate;

/* CIMAGEIO_DEFLATE_ACTIVE, _ZLIB or _LIBDEFLATE (CImageIO.h); NULL when that one is not available. */
const cimageio_deflate *cimageio_deflate_get(int backend);

uint32_t cimageio_deflate_crc32(const cimageio_deflate *backend, uint32_t crc, const void *data, size_t size);

/* in[0..size) as one zlib stream at `level` (0-9) into a new malloc'd buffer (*out, *out_size).
 * NULL on success, else the reason (*out NULL). advise_huge: the buffer gets cimageio_advise_huge. */
const char *cimageio_deflate_compress(const cimageio_deflate *backend, const uint8_t *in, size_t size, int level,
                                      int advise_huge, uint8_t **out, size_t *out_size);

/* Inflates the zlib stream in[0..in_size) into out; 1 when it is a valid stream of exactly
 * out_size bytes (bytes after the stream's end are ignored), else 0. */
int cimageio_deflate_inflate_exact(const cimageio_deflate *backend, const uint8_t *in, size_t in_size, uint8_t *out,
                                   size_t out_size);
#endif
