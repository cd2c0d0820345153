#ifndef CIMAGEIO_H
#define CIMAGEIO_H
/*
 * CImageIO: PNG and JPEG decoding from memory and PNG encoding into memory, on libpng,
 * libjpeg-turbo and zlib or libdeflate. Every library error is caught here (setjmp/longjmp never
 * leave this C target) and returned as a status code plus a message; nothing is printed
 * and nothing aborts.
 */
#include <stddef.h>
#include <stdint.h>

#define CIMAGEIO_MESSAGE_SIZE 256

typedef enum {
    CIMAGEIO_OK = 0,
    CIMAGEIO_ERR_IO = 1,
    CIMAGEIO_ERR_UNKNOWN_FORMAT = 2,
    CIMAGEIO_ERR_UNSUPPORTED = 3,
    CIMAGEIO_ERR_CORRUPT = 4,
    CIMAGEIO_ERR_TRUNCATED = 5,
    CIMAGEIO_ERR_TOO_LARGE = 6,
    CIMAGEIO_ERR_ENCODE = 7,
} cimageio_status;

/* A decoded image: interleaved samples, rows top to bottom, no padding.
 * bit_depth 8: uint8_t samples; bit_depth 16: uint16_t samples in native byte order.
 * `pixels` is malloc'd by the decoder; release it with cimageio_image_free. */
typedef struct {
    int status;                              /* cimageio_status */
    char message[CIMAGEIO_MESSAGE_SIZE];     /* NUL-terminated reason when status != OK */
    uint32_t width;
    uint32_t height;
    int channels;                            /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    int bit_depth;                           /* 8 or 16 */
    void *pixels;
    size_t pixels_size;                      /* bytes */
    size_t row_stride;                       /* 0: rows packed; else bytes from one row to the next
                                                (see cimageio_decode_rows) */
} cimageio_image;

/* Decodes a PNG held in memory. Every colour type and bit depth: palette -> RGB (RGBA with
 * tRNS), gray/RGB tRNS -> alpha, sub-8-bit gray scaled to 8 bits, 16-bit kept. Images with
 * more than max_pixels pixels fail with CIMAGEIO_ERR_TOO_LARGE before pixel memory is
 * allocated. Decoding stops after the last row (surplus IDAT data is never inflated); the
 * remaining chunks are then checked for truncation and critical-chunk CRC errors.
 * Text, iCCP, eXIf and other unused ancillary chunks are skipped unread. Returns out->status. */
int cimageio_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out);

/* cimageio_png_decode always through libpng: its 8-bit fast path (one-call inflate, rows
 * unfiltered in C) skipped. Same results; kept as the fast path's reference in tests. */
int cimageio_png_decode_libpng(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out);

/* Decodes a baseline/progressive 8-bit JPEG held in memory to gray (1 channel) or RGB
 * (3 channels; CMYK/YCCK converted), with the EXIF orientation applied. Any libjpeg warning
 * about the data is an error. Returns out->status. */
int cimageio_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out);

/* Decodes a PNG or JPEG (by signature) like cimageio_png_decode / cimageio_jpeg_decode, but an
 * 8-bit result comes in *row layout*: row y starts at pixels + y * row_stride, row_stride =
 * 1 + width * channels, and byte 0 of every row is spare: the first sample is at byte 1. That
 * is exactly the layout of PNG filtered rows (filter byte, then the row), so the image can be
 * worked on and then written by cimageio_png_write_rows without another copy. A 16-bit PNG
 * comes packed (row_stride 0), as from cimageio_png_decode. Returns out->status. */
int cimageio_decode_rows(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out);

/* What an image's first bytes say about it (see cimageio_probe). */
typedef struct {
    int format;                     /* 1 PNG, 2 JPEG */
    uint32_t width;
    uint32_t height;
    int channels;                   /* as decoded (PNG palette: 3; tRNS may add alpha) */
    int bit_depth;                  /* 8 or 16, as decoded */
    int progressive;                /* JPEG: decoding keeps every coefficient */
    uint32_t coefficients_per_pixel_x16;  /* JPEG: DCT coefficients per pixel, times 16 */
} cimageio_probe_result;

/* Reads the size and layout from the header in the first `size` bytes of a PNG or JPEG (for a
 * JPEG, as far as its frame header; 64 KiB is almost always enough). Returns 1, or 0 when the
 * bytes do not say (unknown format, header beyond `size`, malformed). Never decodes. */
int cimageio_probe(const uint8_t *data, size_t size, cimageio_probe_result *out);

/* Frees out->pixels (safe on a zeroed or failed result). */
void cimageio_image_free(cimageio_image *image);

/* One tEXt chunk: keyword 1-79 Latin-1 bytes, text any Latin-1 bytes (no NUL). */
typedef struct {
    const char *keyword;
    size_t keyword_length;
    const char *text;
    size_t text_length;
} cimageio_text_chunk;

/* An encoded file, malloc'd; release with cimageio_buffer_free. */
typedef struct {
    int status;
    char message[CIMAGEIO_MESSAGE_SIZE];
    uint8_t *data;
    size_t size;
} cimageio_buffer;

/* Encodes interleaved pixels as PNG. bit_depth 8: channels 1-4; bit_depth 16: channels 1 or 3,
 * samples uint16_t in native byte order. level 0-9 (deflate effort). Returns out->status. */
int cimageio_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                        int level, const cimageio_text_chunk *texts, size_t text_count, cimageio_buffer *out);

/* The PNG row filter cimageio_png_encode uses at levels 1-9 (level 0 stores unfiltered): Paeth.
 * On the benchmark corpus's outputs with the run-length coder it is 5-12% smaller than Up (which
 * was the default when libdeflate's level 1 was: BENCHMARKS.md), and vectorised it costs little. */
#define CIMAGEIO_DEFAULT_PNG_FILTER 4

/* cimageio_png_encode with an explicit row filter for every row: 0 none, 1 Sub, 2 Up, 4 Paeth. */
int cimageio_png_encode_filtered(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                                 int level, int filter, const cimageio_text_chunk *texts, size_t text_count,
                                 cimageio_buffer *out);

/* Same contract as cimageio_png_encode, but through libpng's own zlib writer (filter and zlib
 * strategy given explicitly). Kept for measurement against cimageio_png_encode and as a
 * cross-check in tests. filter: 0 none, 1 sub, 2 up, 5 adaptive (all); strategy: zlib Z_*. */
int cimageio_png_encode_libpng(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                               int level, int filter, int strategy,
                               const cimageio_text_chunk *texts, size_t text_count, cimageio_buffer *out);

void cimageio_buffer_free(cimageio_buffer *buffer);

/* The deflate implementation behind PNG encoding, the PNG fast path's inflate and its CRCs:
 * filterpipe's run-length coder at level 1 (RLE), the rest by libdeflate when its shared library
 * loads at run time (dlopen, never linked), else zlib; FILTERPIPE_DEFLATE=zlib or =libdeflate
 * makes that library do all of it. Chosen once, on first use (deflate_backend.c). */
#define CIMAGEIO_DEFLATE_ACTIVE 0
#define CIMAGEIO_DEFLATE_ZLIB 1
#define CIMAGEIO_DEFLATE_LIBDEFLATE 2
#define CIMAGEIO_DEFLATE_RLE 3

/* The backend's name and version or path, e.g. "libdeflate (/usr/lib/.../libdeflate.so.0)" or
 * "zlib 1.2.13 (FILTERPIPE_DEFLATE=zlib)"; NULL when that backend is not available. */
const char *cimageio_deflate_backend_name(int backend);

/* The run-length coder's raw deflate stream of in[0..size) in blocks of `block` input bytes
 * (rle_deflate.c uses 128 KiB), inflated again by zlib: its size when zlib gives back exactly
 * the input (all of the stream used), else 0. For tests and Fuzz/, which try other block sizes. */
size_t cimageio_rle_deflate_check(const uint8_t *in, size_t size, size_t block);

/* cimageio_png_encode_filtered through the given backend (tests compare them). */
int cimageio_png_encode_using(int backend, const void *pixels, uint32_t width, uint32_t height, int channels,
                              int bit_depth, int level, int filter, cimageio_buffer *out);

/* Only the 8-bit PNG fast path of cimageio_png_decode, inflating with the given backend: 1 when
 * it decoded the file into `out`, 0 when it left the file to libpng (or that backend is missing). */
int cimageio_png_decode_fast_using(int backend, const uint8_t *data, size_t size, uint64_t max_pixels,
                                   cimageio_image *out);

/* Writes 8-bit rows in row layout (see cimageio_decode_rows: row_stride = 1 + width * channels,
 * byte 0 of each row spare) as a PNG file to the open file descriptor `fd`, with the same bytes
 * cimageio_png_encode would produce for the packed pixels. The rows are filtered in place (the
 * pixels are gone afterwards), deflated in one piece, and the chunks written straight to `fd`:
 * no copy of the image is made. Returns a status; `message` (CIMAGEIO_MESSAGE_SIZE bytes) gets
 * the reason on failure (errno is kept for an I/O error). */
int cimageio_png_write_rows(int fd, uint8_t *rows, uint32_t width, uint32_t height, int channels, int level,
                            const cimageio_text_chunk *texts, size_t text_count, char *message);

/* Sets glibc malloc up for a batch of large images. reuse_large_buffers = 1 (float tensors of the
 * same few sizes, image after image): one arena, no mmap'd blocks, no trimming, so freed buffers
 * are reused instead of unmapped and faulted in again. 0 (the streaming route's row buffers): one
 * arena, blocks over 1 MiB mapped and unmapped, so resident memory follows what is live. Returns 1
 * when applied, 0 elsewhere (non-glibc). Call before the workers start. */
int cimageio_tune_malloc_for_batches(int reuse_large_buffers);

#endif
