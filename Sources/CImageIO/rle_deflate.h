#ifndef CIMAGEIO_RLE_DEFLATE_H
#define CIMAGEIO_RLE_DEFLATE_H
/* filterpipe's own deflate coder for PNG rows (rle_deflate.c): runs at distance 1 plus dynamic
 * Huffman codes per block, the shape PNG-filtered feature maps and photos compress to. */
#include <stddef.h>
#include <stdint.h>

/* Input bytes per deflate block, the unit each block's Huffman codes are fitted to. */
#define CIMAGEIO_RLE_BLOCK ((size_t)1 << 17)

/* An output capacity that always holds the raw deflate stream of `size` input bytes in blocks of
 * `block` bytes (a block whose codes would not pay for themselves is stored). */
size_t cimageio_rle_deflate_bound(size_t size, size_t block);

/* Compresses in[0..size) as a raw deflate stream (RFC 1951, no zlib header) into out, which holds
 * at least cimageio_rle_deflate_bound(size, block) bytes; returns the bytes written. `block` is
 * the input per block (CIMAGEIO_RLE_BLOCK; tests pass small ones), at least 1. Returns 0 only if
 * a working allocation fails. */
size_t cimageio_rle_deflate_raw(const uint8_t *in, size_t size, size_t block, uint8_t *out);
#endif
