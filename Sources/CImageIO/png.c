/*
 * PNG decoding through libpng's low-level read API from a memory buffer.
 *
 * Safety against crafted input: libpng allocates through a callback that refuses single
 * requests over a cap (small until IHDR is read, then derived from the declared row size),
 * width/height/chunk limits are set, and every ancillary chunk filterpipe ignores (text,
 * iCCP, eXIf, ...) is skipped without being buffered, so a zTXt/iTXt bomb never inflates.
 * Pixel memory is allocated by us, after the pixel limit check, with overflow-checked sizes.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <png.h>
#include <zlib.h>
#include "common.h"
#include "png_fast.h"

typedef struct {
    jmp_buf jump;
    int status;
    char message[CIMAGEIO_MESSAGE_SIZE];
    const uint8_t *data;
    size_t size;
    size_t offset;
    size_t allocation_cap;   /* largest single libpng allocation allowed */
    int refused_allocation;
    int exceeded_limit;      /* a warning said a user limit was exceeded */
    uint64_t rows_expected;  /* rows libpng will deliver, over all interlace passes */
    uint64_t rows_seen;
    int image_complete;      /* every row is in our buffer */
    uint32_t width, height;  /* the decoded layout, for the completion path */
    int channels, bit_depth;
    size_t pixels_size;
    size_t row_stride;       /* 0 packed, else row layout */
} png_decode_context;

/* Status of the longjmp taken once the image is complete (not an error). */
#define PNG_DECODE_COMPLETE (-1)

static void png_decode_error(png_structp png, png_const_charp message) {
    png_decode_context *context = (png_decode_context *)png_get_error_ptr(png);
    if (context->status == CIMAGEIO_OK) {
        context->status = (context->refused_allocation || context->exceeded_limit || strstr(message, "exceeds"))
                              ? CIMAGEIO_ERR_TOO_LARGE : CIMAGEIO_ERR_CORRUPT;
        if (strstr(message, "Read Error") || strstr(message, "Not enough image data")) {
            context->status = CIMAGEIO_ERR_TRUNCATED;
        }
        cimageio_set_message(context->message, "PNG: %s", message);
    }
    png_longjmp(png, 1);
}

/* Benign problems (bad CRC on an ancillary chunk, surplus IDAT data, ...) are not errors. */
static void png_decode_warning(png_structp png, png_const_charp message) {
    png_decode_context *context = (png_decode_context *)png_get_error_ptr(png);
    if (strstr(message, "exceeds user limit")) context->exceeded_limit = 1;
}

static png_voidp png_capped_malloc(png_structp png, png_alloc_size_t size) {
    png_decode_context *context = (png_decode_context *)png_get_mem_ptr(png);
    if (size > context->allocation_cap) {
        context->refused_allocation = 1;
        return NULL;
    }
    return malloc(size);
}

static void png_capped_free(png_structp png, png_voidp pointer) {
    (void)png;
    free(pointer);
}

/* Called by libpng for every decoded row, before the row is copied out; the last one marks
 * the image complete (libpng copies it out before it asks for any more input). */
static void png_count_row(png_structp png, png_row_infop row_info, png_bytep data) {
    (void)row_info;
    (void)data;
    png_decode_context *context = (png_decode_context *)png_get_error_ptr(png);
    if (++context->rows_seen == context->rows_expected) context->image_complete = 1;
}

/* Once every row is decoded, libpng would inflate whatever compressed data remains in IDAT
 * to check the stream ends ("too much image data" is only a benign warning), which is
 * unbounded CPU work for a small file holding a deflate bomb. So the first request for more
 * input after the last row stops libpng, and png_check_trailing_chunks validates the rest. */
static void png_read_memory(png_structp png, png_bytep destination, png_size_t length) {
    png_decode_context *context = (png_decode_context *)png_get_io_ptr(png);
    if (context->image_complete) {
        context->status = PNG_DECODE_COMPLETE;
        png_longjmp(png, 1);
    }
    if (length > context->size - context->offset) {
        context->status = CIMAGEIO_ERR_TRUNCATED;
        cimageio_set_message(context->message, "PNG: file ends early (truncated)");
        png_longjmp(png, 1);
    }
    memcpy(destination, context->data + context->offset, length);
    context->offset += length;
}

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* What png_read_end would have checked, without inflating: every chunk is complete, every
 * critical chunk's CRC matches (ancillary CRC errors are benign, as in libpng), IEND is
 * present. Returns CIMAGEIO_OK or an error status with `message` set. */
static int png_check_trailing_chunks(const uint8_t *data, size_t size, char *message) {
    size_t offset = 8;
    while (1) {
        if (size - offset < 12) {
            cimageio_set_message(message, "PNG: file ends early (no IEND chunk)");
            return CIMAGEIO_ERR_TRUNCATED;
        }
        uint32_t length = be32(data + offset);
        const uint8_t *type = data + offset + 4;
        if (length > PNG_UINT_31_MAX || size - offset - 12 < length) {
            cimageio_set_message(message, "PNG: chunk %.4s runs past the end of the file", (const char *)type);
            return CIMAGEIO_ERR_TRUNCATED;
        }
        int critical = (type[0] & 0x20) == 0;
        if (critical) {
            uLong crc = crc32(0L, type, (uInt)(4 + length));
            if (crc != be32(type + 4 + length)) {
                cimageio_set_message(message, "PNG: %.4s: CRC error", (const char *)type);
                return CIMAGEIO_ERR_CORRUPT;
            }
        }
        if (memcmp(type, "IEND", 4) == 0) return CIMAGEIO_OK;
        offset += 12 + (size_t)length;
    }
}

/* Ancillary chunks filterpipe never uses: skipped unread (CRC still consumed as a stream). */
static const png_byte ignored_chunks[] =
    "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0sPLT\0sRGB\0tEXt\0tIME\0zTXt";

static int png_decode_run(png_decode_context *context, const uint8_t *data, size_t size, uint64_t max_pixels,
                          int row_layout, cimageio_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        out->status = CIMAGEIO_ERR_UNKNOWN_FORMAT;
        cimageio_set_message(out->message, "not a PNG file (bad signature)");
        return out->status;
    }
    context->data = data;
    context->size = size;
    context->offset = 0;
    /* Before IHDR: libpng's own structures, zlib state and small chunks only. */
    context->allocation_cap = 1u << 20;

    /* Locals assigned after setjmp and used after a longjmp are volatile. */
    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    uint8_t *volatile pixels = NULL;
    png_bytepp volatile rows = NULL;

    png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, context, png_decode_error, png_decode_warning,
                                   context, png_capped_malloc, png_capped_free);
    if (png == NULL) {
        out->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(out->message, "PNG: cannot create decoder (out of memory)");
        return out->status;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_structp failed_png = png;
        png_infop failed_info = info;
        png_destroy_read_struct(&failed_png, failed_info ? &failed_info : NULL, NULL);
        free(rows);
        if (context->status == PNG_DECODE_COMPLETE) {
            int status = png_check_trailing_chunks(data, size, context->message);
            if (status == CIMAGEIO_OK) {
                out->status = CIMAGEIO_OK;
                out->width = context->width;
                out->height = context->height;
                out->channels = context->channels;
                out->bit_depth = context->bit_depth;
                out->pixels = pixels;
                out->pixels_size = context->pixels_size;
                out->row_stride = context->row_stride;
                return CIMAGEIO_OK;
            }
            context->status = status;
        }
        free(pixels);
        if (context->status == CIMAGEIO_OK) {
            context->status = CIMAGEIO_ERR_CORRUPT;
            cimageio_set_message(context->message, "PNG: decoding failed");
        }
        out->status = context->status;
        memcpy(out->message, context->message, sizeof out->message);
        return out->status;
    }
    info = png_create_info_struct(png);
    if (info == NULL) png_error(png, "cannot create info struct");

    uint32_t dimension_limit = max_pixels >= PNG_UINT_31_MAX ? PNG_UINT_31_MAX : (uint32_t)(max_pixels ? max_pixels : 1);
    png_set_user_limits(png, dimension_limit, dimension_limit);
    png_set_chunk_cache_max(png, 128);
    png_set_chunk_malloc_max(png, 1u << 20);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks, (int)(sizeof ignored_chunks / 5));
    png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_WARN_DISCARD);
    png_set_read_fn(png, context, png_read_memory);

    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);

    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        context->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(context->message, "PNG: %u×%u pixels exceeds the limit of %llu pixels",
                             (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        png_longjmp(png, 1);
    }

    /* From here libpng allocates row buffers (png_read_update_info: current and previous
     * row, each at most width × 8 bytes after expansion, plus a filter byte and alignment
     * slack). Nothing larger is legitimate, whatever the IDAT stream claims. */
    size_t widest_row = 0;
    if (!cimageio_mul((size_t)width, 8, &widest_row) || widest_row > SIZE_MAX / 4) {
        context->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(context->message, "PNG: rows of %u pixels are too wide", (unsigned)width);
        png_longjmp(png, 1);
    }
    context->allocation_cap = 2 * widest_row + (1u << 20);

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);
    }
    int passes = png_set_interlace_handling(png);
    if (passes > 1) {
        for (int pass = 0; pass < 7; pass++)
            if (PNG_PASS_COLS(width, pass) > 0) context->rows_expected += PNG_PASS_ROWS(height, pass);
    } else {
        context->rows_expected = height;
    }
    png_set_read_user_transform_fn(png, png_count_row);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    size_t bytes_per_sample = out_depth == 16 ? 2 : 1;
    /* Row layout (8-bit only): one spare byte before every row. */
    size_t spare = row_layout && out_depth == 8 ? 1 : 0;
    size_t expected_row = 0, total = 0;
    if (channels < 1 || channels > 4 || (out_depth != 8 && out_depth != 16) ||
        !cimageio_mul((size_t)width, (size_t)channels * bytes_per_sample, &expected_row) || expected_row != row_bytes ||
        row_bytes == SIZE_MAX || !cimageio_mul(row_bytes + spare, (size_t)height, &total)) {
        context->status = CIMAGEIO_ERR_UNSUPPORTED;
        cimageio_set_message(context->message, "PNG: unexpected layout after expansion (%d channels, %d-bit)",
                             channels, out_depth);
        png_longjmp(png, 1);
    }

    pixels = (uint8_t *)malloc(total ? total : 1);
    if (spare) cimageio_advise_huge(pixels, total);
    rows = (png_bytepp)malloc(sizeof(png_bytep) * (size_t)height);
    if (pixels == NULL || rows == NULL) {
        context->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(context->message, "PNG: cannot allocate %zu bytes for pixels", total);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * (row_bytes + spare) + spare;
    context->row_stride = spare ? row_bytes + 1 : 0;
    context->width = width;
    context->height = height;
    context->channels = channels;
    context->bit_depth = out_depth;
    context->pixels_size = total;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    png_structp done_png = png;
    png_infop done_info = info;
    png_destroy_read_struct(&done_png, &done_info, NULL);
    free(rows);
    out->status = CIMAGEIO_OK;
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->bit_depth = out_depth;
    out->pixels = pixels;
    out->pixels_size = total;
    out->row_stride = context->row_stride;
    return CIMAGEIO_OK;
}

/* The context lives in this frame, outside the function that calls setjmp, so its fields
 * (written by libpng callbacks before a longjmp) are well defined afterwards. */
int cimageio_png_decode_libpng_layout(const uint8_t *data, size_t size, uint64_t max_pixels, int row_layout,
                                      cimageio_image *out) {
    png_decode_context context;
    memset(&context, 0, sizeof context);
    return png_decode_run(&context, data, size, max_pixels, row_layout, out);
}

int cimageio_png_decode_libpng(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out) {
    return cimageio_png_decode_libpng_layout(data, size, max_pixels, 0, out);
}

int cimageio_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out) {
    if (cimageio_png_decode_fast(cimageio_deflate_get(CIMAGEIO_DEFLATE_ACTIVE), data, size, max_pixels, 0, out)) return CIMAGEIO_OK;
    return cimageio_png_decode_libpng(data, size, max_pixels, out);
}

int cimageio_decode_rows(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out) {
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return cimageio_jpeg_decode_layout(data, size, max_pixels, 1, out);
    if (cimageio_png_decode_fast(cimageio_deflate_get(CIMAGEIO_DEFLATE_ACTIVE), data, size, max_pixels, 1, out)) return CIMAGEIO_OK;
    return cimageio_png_decode_libpng_layout(data, size, max_pixels, 1, out);
}

void cimageio_image_free(cimageio_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    image->pixels = NULL;
    image->pixels_size = 0;
    image->row_stride = 0;
}
