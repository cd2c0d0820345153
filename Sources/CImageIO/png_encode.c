/*
 * PNG encoding into memory.
 *
 * Default path (cimageio_png_encode): each row gets one PNG filter (CIMAGEIO_DEFAULT_PNG_FILTER,
 * Paeth), the whole filtered image is compressed in one call into a zlib stream (at level 1 by
 * filterpipe's run-length coder, else libdeflate when it loads, else zlib: deflate_backend.c),
 * and the chunks (IHDR, tEXt, IDAT split at 1 MiB, IEND) are written here with their CRC-32.
 * Measured in BENCHMARKS.md; the libpng path is kept for comparison and tests.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <png.h>
#include "common.h"
#include "deflate_backend.h"

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} byte_sink;

static int sink_reserve(byte_sink *sink, size_t extra) {
    if (sink->failed) return 0;
    if (extra > SIZE_MAX - sink->size) { sink->failed = 1; return 0; }
    size_t needed = sink->size + extra;
    if (needed <= sink->capacity) return 1;
    size_t capacity = sink->capacity ? sink->capacity : 4096;
    while (capacity < needed) capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
    uint8_t *grown = (uint8_t *)realloc(sink->data, capacity);
    if (grown == NULL) { sink->failed = 1; return 0; }
    sink->data = grown;
    sink->capacity = capacity;
    return 1;
}

static void sink_append(byte_sink *sink, const void *bytes, size_t length) {
    if (!sink_reserve(sink, length)) return;
    memcpy(sink->data + sink->size, bytes, length);
    sink->size += length;
}

static void put32(uint8_t *p, uint32_t value) {
    p[0] = (uint8_t)(value >> 24); p[1] = (uint8_t)(value >> 16); p[2] = (uint8_t)(value >> 8); p[3] = (uint8_t)value;
}

/* length, type, data, CRC-32 over type + data */
static void sink_chunk(byte_sink *sink, const cimageio_deflate *backend, const char type[4], const uint8_t *part1,
                       size_t length1, const uint8_t *part2, size_t length2) {
    uint8_t header[8];
    put32(header, (uint32_t)(length1 + length2));
    memcpy(header + 4, type, 4);
    uint32_t crc = cimageio_deflate_crc32(backend, 0, type, 4);
    if (length1) crc = cimageio_deflate_crc32(backend, crc, part1, length1);
    if (length2) crc = cimageio_deflate_crc32(backend, crc, part2, length2);
    uint8_t trailer[4];
    put32(trailer, crc);
    sink_append(sink, header, 8);
    if (length1) sink_append(sink, part1, length1);
    if (length2) sink_append(sink, part2, length2);
    sink_append(sink, trailer, 4);
}

static int encode_fail(cimageio_buffer *out, const char *message) {
    free(out->data);
    out->data = NULL;
    out->size = 0;
    out->status = CIMAGEIO_ERR_ENCODE;
    cimageio_set_message(out->message, "PNG encode: %s", message);
    return out->status;
}

static int validate_text(const cimageio_text_chunk *text) {
    if (text->keyword_length < 1 || text->keyword_length > 79) return 0;
    if (memchr(text->keyword, 0, text->keyword_length) || memchr(text->text, 0, text->text_length)) return 0;
    return 1;
}

static int validate_layout(uint32_t width, uint32_t height, int channels, int bit_depth, size_t *row_bytes) {
    if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX) return 0;
    if (bit_depth == 8) { if (channels < 1 || channels > 4) return 0; }
    else if (bit_depth == 16) { if (channels != 1 && channels != 3) return 0; }
    else return 0;
    return cimageio_mul((size_t)width, (size_t)channels * (size_t)(bit_depth / 8), row_bytes);
}

static const uint8_t color_types[5] = {0, 0, 4, 2, 6}; /* by channel count */

/* Paeth residuals x − PaethPredictor(a, b, c) with p − a, p − b, p − c expanded (PNG spec §9.4):
 * no dependence between bytes in this direction (unlike decoding), so 16 at a time. */
#include "paeth_sse2.h"

static void paeth_residuals(uint8_t *restrict out, const uint8_t *restrict x, const uint8_t *restrict a,
                            const uint8_t *restrict b, const uint8_t *restrict c, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    /* SSE2 is every x86-64: 16 bytes a step, as two halves of 16-bit lanes. */
    const __m128i zero = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        __m128i va = _mm_loadu_si128((const __m128i *)(a + i)), vb = _mm_loadu_si128((const __m128i *)(b + i));
        __m128i vc = _mm_loadu_si128((const __m128i *)(c + i)), vx = _mm_loadu_si128((const __m128i *)(x + i));
        __m128i low = cimageio_paeth_predict8(_mm_unpacklo_epi8(va, zero), _mm_unpacklo_epi8(vb, zero), _mm_unpacklo_epi8(vc, zero));
        __m128i high = cimageio_paeth_predict8(_mm_unpackhi_epi8(va, zero), _mm_unpackhi_epi8(vb, zero), _mm_unpackhi_epi8(vc, zero));
        _mm_storeu_si128((__m128i *)(out + i), _mm_sub_epi8(vx, _mm_packus_epi16(low, high)));
    }
#endif
    for (; i < n; i++) {
        int pa = abs((int)b[i] - (int)c[i]), pb = abs((int)a[i] - (int)c[i]);
        int pc = abs((int)a[i] + (int)b[i] - 2 * (int)c[i]);
        int predictor = (pa <= pb && pa <= pc) ? a[i] : (pb <= pc ? b[i] : c[i]);
        out[i] = (uint8_t)(x[i] - predictor);
    }
}

/* Writes filter byte + filtered bytes of `row` (PNG spec §9.2: a = left pixel, b = above,
 * c = above-left; Sub x−a, Up x−b, Paeth x−PaethPredictor(a, b, c)). `previous` is the
 * unfiltered row above, or NULL for the first row (treated as zeros). */
static void filter_row(uint8_t *destination, const uint8_t *row, const uint8_t *previous, size_t row_bytes,
                       size_t bytes_per_pixel, int filter) {
    destination[0] = (uint8_t)filter;
    uint8_t *out = destination + 1;
    size_t lead = bytes_per_pixel < row_bytes ? bytes_per_pixel : row_bytes; /* no left neighbour */
    switch (filter) {
    case 1:
        memcpy(out, row, lead);
        for (size_t i = bytes_per_pixel; i < row_bytes; i++) out[i] = (uint8_t)(row[i] - row[i - bytes_per_pixel]);
        break;
    case 2:
        if (previous == NULL) { memcpy(out, row, row_bytes); break; }
        for (size_t i = 0; i < row_bytes; i++) out[i] = (uint8_t)(row[i] - previous[i]);
        break;
    case 4:
        if (previous == NULL) { /* b = c = 0: the predictor is a, as for Sub */
            filter_row(destination, row, NULL, row_bytes, bytes_per_pixel, 1);
            destination[0] = 4;
            break;
        }
        for (size_t i = 0; i < lead; i++) out[i] = (uint8_t)(row[i] - previous[i]); /* a = c = 0: b */
        paeth_residuals(out + lead, row + lead, row, previous + lead, previous, row_bytes - lead);
        break;
    default:
        memcpy(out, row, row_bytes);
        break;
    }
}

int cimageio_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                        int level, const cimageio_text_chunk *texts, size_t text_count, cimageio_buffer *out) {
    return cimageio_png_encode_filtered(pixels, width, height, channels, bit_depth, level,
                                        level == 0 ? 0 : CIMAGEIO_DEFAULT_PNG_FILTER, texts, text_count, out);
}

static int encode_filtered(const cimageio_deflate *backend, const void *pixels, uint32_t width, uint32_t height,
                           int channels, int bit_depth, int level, int filter, const cimageio_text_chunk *texts,
                           size_t text_count, cimageio_buffer *out) {
    memset(out, 0, sizeof *out);
    if (backend == NULL) return encode_fail(out, "that deflate backend is not available");
    if (filter != 0 && filter != 1 && filter != 2 && filter != 4) return encode_fail(out, "filter must be 0, 1, 2 or 4");
    size_t row_bytes = 0, filtered_size = 0;
    if (!validate_layout(width, height, channels, bit_depth, &row_bytes) ||
        !cimageio_mul(row_bytes + 1, (size_t)height, &filtered_size))
        return encode_fail(out, "unsupported layout (8-bit: 1–4 channels; 16-bit: 1 or 3 channels)");
    for (size_t i = 0; i < text_count; i++)
        if (!validate_text(&texts[i])) return encode_fail(out, "tEXt keyword must be 1–79 bytes and text free of NUL");
    if (level < 0) level = 0;
    if (level > 9) level = 9;

    /* 16-bit samples go out big-endian: swap into a row buffer first, keeping the previous
     * (unfiltered) row for Up/Paeth. */
    uint8_t *filtered = (uint8_t *)malloc(filtered_size);
    uint8_t *rows = bit_depth == 16 ? (uint8_t *)malloc(2 * row_bytes) : NULL;
    if (filtered == NULL || (bit_depth == 16 && rows == NULL)) {
        free(filtered);
        free(rows);
        return encode_fail(out, "out of memory");
    }
    size_t bytes_per_pixel = (size_t)channels * (size_t)(bit_depth / 8);
    const uint8_t *previous = NULL;
    for (size_t y = 0; y < height; y++) {
        const uint8_t *row;
        if (bit_depth == 8) {
            row = (const uint8_t *)pixels + y * row_bytes;
        } else {
            uint8_t *swapped = rows + (y & 1) * row_bytes;
            const uint16_t *source = (const uint16_t *)pixels + y * (row_bytes / 2);
            for (size_t i = 0; i < row_bytes / 2; i++) {
                swapped[2 * i] = (uint8_t)(source[i] >> 8);
                swapped[2 * i + 1] = (uint8_t)source[i];
            }
            row = swapped;
        }
        filter_row(filtered + y * (row_bytes + 1), row, previous, row_bytes, bytes_per_pixel, filter);
        previous = row;
    }
    free(rows);

    uint8_t *compressed = NULL;
    size_t compressed_size = 0;
    const char *failure = cimageio_deflate_compress(backend, filtered, filtered_size, level, 0, &compressed,
                                                    &compressed_size);
    free(filtered);
    if (failure) return encode_fail(out, failure);

    byte_sink sink = {0};
    sink_reserve(&sink, compressed_size + 1024);
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    sink_append(&sink, signature, 8);
    uint8_t ihdr[13];
    put32(ihdr, width);
    put32(ihdr + 4, height);
    ihdr[8] = (uint8_t)bit_depth;
    ihdr[9] = color_types[channels];
    ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;  /* deflate, adaptive filtering, no interlace */
    sink_chunk(&sink, backend, "IHDR", ihdr, 13, NULL, 0);
    for (size_t i = 0; i < text_count; i++) {
        uint8_t keyword[80];
        memcpy(keyword, texts[i].keyword, texts[i].keyword_length);
        keyword[texts[i].keyword_length] = 0;
        sink_chunk(&sink, backend, "tEXt", keyword, texts[i].keyword_length + 1, (const uint8_t *)texts[i].text, texts[i].text_length);
    }
    const size_t idat_max = 1u << 20;
    for (size_t offset = 0; offset < compressed_size; offset += idat_max) {
        size_t length = compressed_size - offset < idat_max ? compressed_size - offset : idat_max;
        sink_chunk(&sink, backend, "IDAT", compressed + offset, length, NULL, 0);
    }
    sink_chunk(&sink, backend, "IEND", NULL, 0, NULL, 0);
    free(compressed);
    if (sink.failed) { free(sink.data); return encode_fail(out, "out of memory"); }
    out->status = CIMAGEIO_OK;
    out->data = sink.data;
    out->size = sink.size;
    return CIMAGEIO_OK;
}

int cimageio_png_encode_filtered(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                                 int level, int filter, const cimageio_text_chunk *texts, size_t text_count,
                                 cimageio_buffer *out) {
    return encode_filtered(cimageio_deflate_get(CIMAGEIO_DEFLATE_ACTIVE), pixels, width, height, channels, bit_depth,
                           level, filter, texts, text_count, out);
}

int cimageio_png_encode_using(int backend, const void *pixels, uint32_t width, uint32_t height, int channels,
                              int bit_depth, int level, int filter, cimageio_buffer *out) {
    return encode_filtered(cimageio_deflate_get(backend), pixels, width, height, channels, bit_depth, level, filter,
                           NULL, 0, out);
}

/* ---- libpng writer (comparison path) ---- */

typedef struct {
    byte_sink sink;
    char message[CIMAGEIO_MESSAGE_SIZE];
} png_encode_context;

static void png_encode_error(png_structp png, png_const_charp message) {
    png_encode_context *context = (png_encode_context *)png_get_error_ptr(png);
    cimageio_set_message(context->message, "%s", message);
    png_longjmp(png, 1);
}

static void png_encode_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void png_write_memory(png_structp png, png_bytep bytes, png_size_t length) {
    png_encode_context *context = (png_encode_context *)png_get_io_ptr(png);
    sink_append(&context->sink, bytes, length);
    if (context->sink.failed) png_error(png, "out of memory");
}

static void png_flush_memory(png_structp png) {
    (void)png;
}

static int png_encode_run(png_encode_context *context, const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                               int level, int filter, int strategy,
                               const cimageio_text_chunk *texts, size_t text_count, cimageio_buffer *out) {
    memset(out, 0, sizeof *out);
    size_t row_bytes = 0;
    if (!validate_layout(width, height, channels, bit_depth, &row_bytes))
        return encode_fail(out, "unsupported layout (8-bit: 1–4 channels; 16-bit: 1 or 3 channels)");
    for (size_t i = 0; i < text_count; i++)
        if (!validate_text(&texts[i])) return encode_fail(out, "tEXt keyword must be 1–79 bytes and text free of NUL");

    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    png_bytepp volatile rows = NULL;
    png_textp volatile text_records = NULL;
    char **volatile text_copies = NULL;

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, context, png_encode_error, png_encode_warning);
    if (png == NULL) return encode_fail(out, "cannot create libpng writer");
    if (setjmp(png_jmpbuf(png))) {
        png_structp failed_png = png;
        png_infop failed_info = info;
        png_destroy_write_struct(&failed_png, failed_info ? &failed_info : NULL);
        free(rows);
        free(text_records);
        if (text_copies) for (size_t i = 0; i < 2 * text_count; i++) free(text_copies[i]);
        free(text_copies);
        free(context->sink.data);
        out->data = NULL;
        return encode_fail(out, context->message[0] ? context->message : "libpng failed");
    }
    info = png_create_info_struct(png);
    if (info == NULL) png_error(png, "cannot create info struct");
    png_set_write_fn(png, context, png_write_memory, png_flush_memory);
    png_set_IHDR(png, info, width, height, bit_depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level < 0 ? 0 : level > 9 ? 9 : level);
    png_set_compression_strategy(png, strategy);
    int filters = filter == 0 ? PNG_FILTER_NONE : filter == 1 ? PNG_FILTER_SUB : filter == 2 ? PNG_FILTER_UP : PNG_ALL_FILTERS;
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    if (text_count) {
        text_records = (png_textp)calloc(text_count, sizeof(png_text));
        text_copies = (char **)calloc(2 * text_count, sizeof(char *));
        if (text_records == NULL || text_copies == NULL) png_error(png, "out of memory");
        for (size_t i = 0; i < text_count; i++) {
            text_copies[2 * i] = strndup(texts[i].keyword, texts[i].keyword_length);
            text_copies[2 * i + 1] = strndup(texts[i].text, texts[i].text_length);
            if (!text_copies[2 * i] || !text_copies[2 * i + 1]) png_error(png, "out of memory");
            text_records[i].compression = PNG_TEXT_COMPRESSION_NONE;
            text_records[i].key = text_copies[2 * i];
            text_records[i].text = text_copies[2 * i + 1];
            text_records[i].text_length = texts[i].text_length;
        }
        png_set_text(png, info, text_records, (int)text_count);
    }
    png_write_info(png, info);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);
    }
    rows = (png_bytepp)malloc(sizeof(png_bytep) * height);
    if (rows == NULL) png_error(png, "out of memory");
    for (size_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, info);

    png_structp done_png = png;
    png_infop done_info = info;
    png_destroy_write_struct(&done_png, &done_info);
    free(rows);
    free(text_records);
    if (text_copies) for (size_t i = 0; i < 2 * text_count; i++) free(text_copies[i]);
    free(text_copies);
    if (context->sink.failed) { free(context->sink.data); return encode_fail(out, "out of memory"); }
    out->status = CIMAGEIO_OK;
    out->data = context->sink.data;
    out->size = context->sink.size;
    return CIMAGEIO_OK;
}

/* The context lives outside the function that calls setjmp (see png.c). */
int cimageio_png_encode_libpng(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                               int level, int filter, int strategy,
                               const cimageio_text_chunk *texts, size_t text_count, cimageio_buffer *out) {
    png_encode_context context;
    memset(&context, 0, sizeof context);
    return png_encode_run(&context, pixels, width, height, channels, bit_depth, level, filter, strategy,
                          texts, text_count, out);
}

void cimageio_buffer_free(cimageio_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
}

/* ---- row-layout writer: filter in place, deflate, chunks straight to a file descriptor ---- */

#include <errno.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *bytes, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n < 0) {
            if (errno == EINTR) continue;
            return 0;
        }
        bytes += n;
        length -= (size_t)n;
    }
    return 1;
}

static int write_chunk(int fd, const cimageio_deflate *backend, const char type[4], const uint8_t *data, size_t length) {
    uint8_t header[8], trailer[4];
    put32(header, (uint32_t)length);
    memcpy(header + 4, type, 4);
    uint32_t crc = cimageio_deflate_crc32(backend, 0, type, 4);
    if (length) crc = cimageio_deflate_crc32(backend, crc, data, length);
    put32(trailer, crc);
    return write_all(fd, header, 8) && (length == 0 || write_all(fd, data, length)) && write_all(fd, trailer, 4);
}

int cimageio_png_write_rows(int fd, uint8_t *rows, uint32_t width, uint32_t height, int channels, int level,
                            const cimageio_text_chunk *texts, size_t text_count, char *message) {
    size_t row_bytes = 0, stride = 0, size = 0;
    if (!validate_layout(width, height, channels, 8, &row_bytes) || row_bytes == SIZE_MAX ||
        !cimageio_mul(row_bytes + 1, (size_t)height, &size)) {
        cimageio_set_message(message, "PNG encode: unsupported layout (8-bit rows of 1–4 channels)");
        return CIMAGEIO_ERR_ENCODE;
    }
    stride = row_bytes + 1;
    for (size_t i = 0; i < text_count; i++) {
        if (!validate_text(&texts[i])) {
            cimageio_set_message(message, "PNG encode: tEXt keyword must be 1–79 bytes and text free of NUL");
            return CIMAGEIO_ERR_ENCODE;
        }
    }
    if (level < 0) level = 0;
    if (level > 9) level = 9;
    int filter = level == 0 ? 0 : CIMAGEIO_DEFAULT_PNG_FILTER;
    size_t bytes_per_pixel = (size_t)channels;

    /* Bottom row first, so the row above is still unfiltered when a row is filtered; each row is
     * filtered through a one-row scratch copy (filter_row reads the row it replaces). */
    uint8_t *scratch = (uint8_t *)malloc(row_bytes + 1);
    if (scratch == NULL) {
        cimageio_set_message(message, "PNG encode: out of memory");
        return CIMAGEIO_ERR_ENCODE;
    }
    for (size_t y = height; y-- > 0;) {
        uint8_t *row = rows + y * stride;
        filter_row(scratch, row + 1, y ? row - stride + 1 : NULL, row_bytes, bytes_per_pixel, filter);
        memcpy(row, scratch, row_bytes + 1);
    }
    free(scratch);

    const cimageio_deflate *backend = cimageio_deflate_get(CIMAGEIO_DEFLATE_ACTIVE);
    uint8_t *compressed = NULL;
    size_t compressed_size = 0;
    const char *failure = cimageio_deflate_compress(backend, rows, size, level, 1, &compressed, &compressed_size);
    if (failure) {
        cimageio_set_message(message, "PNG encode: %s", failure);
        return CIMAGEIO_ERR_ENCODE;
    }

    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    uint8_t ihdr[13];
    put32(ihdr, width);
    put32(ihdr + 4, height);
    ihdr[8] = 8;
    ihdr[9] = color_types[channels];
    ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
    int ok = write_all(fd, signature, 8) && write_chunk(fd, backend, "IHDR", ihdr, 13);
    for (size_t i = 0; ok && i < text_count; i++) {
        uint8_t body[80 + 4096];
        size_t keyword = texts[i].keyword_length, length = keyword + 1 + texts[i].text_length;
        uint8_t *chunk = length <= sizeof body ? body : (uint8_t *)malloc(length);
        if (chunk == NULL) { ok = 0; errno = ENOMEM; break; }
        memcpy(chunk, texts[i].keyword, keyword);
        chunk[keyword] = 0;
        memcpy(chunk + keyword + 1, texts[i].text, texts[i].text_length);
        ok = write_chunk(fd, backend, "tEXt", chunk, length);
        if (chunk != body) free(chunk);
    }
    const size_t idat_max = 1u << 20;
    for (size_t offset = 0; ok && offset < compressed_size; offset += idat_max) {
        size_t length = compressed_size - offset < idat_max ? compressed_size - offset : idat_max;
        ok = write_chunk(fd, backend, "IDAT", compressed + offset, length);
    }
    ok = ok && write_chunk(fd, backend, "IEND", NULL, 0);
    int saved = errno;
    free(compressed);
    if (!ok) {
        cimageio_set_message(message, "cannot write: %s", strerror(saved));
        errno = saved;
        return CIMAGEIO_ERR_IO;
    }
    return CIMAGEIO_OK;
}
