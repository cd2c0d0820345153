/*
 * JPEG decoding through libjpeg-turbo's 8-bit API from a memory buffer, to gray or RGB,
 * with the EXIF orientation applied.
 *
 * CMYK/YCCK to RGB (libjpeg converts YCCK to CMYK): with an Adobe APP14 marker the stored
 * CMYK is inverted (Photoshop), so R = C·K/255; without it R = (255−C)(255−K)/255.
 * Any libjpeg warning about the data (emit_message level −1) aborts the decode: filterpipe
 * treats a file that needed error recovery as damaged, like `djpeg -strict`.
 */
#include <setjmp.h>
#include <stdlib.h>
#include "common.h"
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg-turbo's tjDecompress refuses more scans than this; so do we (scan-count DoS). */
#define CIMAGEIO_JPEG_MAX_SCANS 1000

typedef struct {
    struct jpeg_error_mgr base;   /* first: libjpeg passes &base as cinfo->err */
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int status;
    char message[CIMAGEIO_MESSAGE_SIZE];
} jpeg_decode_context;

static int jpeg_status_for(int message_code) {
    switch (message_code) {
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_ARITH_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_EMPTY_IMAGE:
        return CIMAGEIO_ERR_UNSUPPORTED;
    case JERR_NO_SOI:
        return CIMAGEIO_ERR_UNKNOWN_FORMAT;
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
    case JWRN_JPEG_EOF:
        return CIMAGEIO_ERR_TRUNCATED;
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
    case JERR_IMAGE_TOO_BIG:
        return CIMAGEIO_ERR_TOO_LARGE;
    default:
        return CIMAGEIO_ERR_CORRUPT;
    }
}

static void jpeg_fail(j_common_ptr cinfo, int status) {
    jpeg_decode_context *context = (jpeg_decode_context *)cinfo->err;
    if (context->status == CIMAGEIO_OK) {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        context->status = status;
        cimageio_set_message(context->message, "JPEG: %s", text);
    }
    longjmp(context->jump, 1);
}

static void jpeg_error_exit(j_common_ptr cinfo) {
    /* SOF55 (0xF7) starts a JPEG-LS (ITU T.87) image: a real format libjpeg does not implement. */
    if (cinfo->err->msg_code == JERR_UNKNOWN_MARKER && cinfo->err->msg_parm.i[0] == 0xF7) {
        jpeg_fail(cinfo, CIMAGEIO_ERR_UNSUPPORTED);
    }
    jpeg_fail(cinfo, jpeg_status_for(cinfo->err->msg_code));
}

/* Level −1 is a warning about the data (corrupt, truncated, junk): treated as an error.
 * Higher levels are trace messages: dropped. Nothing is ever printed. */
static void jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) jpeg_fail(cinfo, jpeg_status_for(cinfo->err->msg_code));
}

static void jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

static void jpeg_progress(j_common_ptr cinfo) {
    j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
    if (dinfo->is_decompressor && dinfo->input_scan_number > CIMAGEIO_JPEG_MAX_SCANS) {
        jpeg_decode_context *context = (jpeg_decode_context *)cinfo->err;
        if (context->status == CIMAGEIO_OK) {
            context->status = CIMAGEIO_ERR_CORRUPT;
            cimageio_set_message(context->message, "JPEG: more than %d progressive scans", CIMAGEIO_JPEG_MAX_SCANS);
        }
        longjmp(context->jump, 1);
    }
}

static uint16_t read16(const uint8_t *p, int little_endian) {
    return little_endian ? (uint16_t)(p[0] | (p[1] << 8)) : (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t read32(const uint8_t *p, int little_endian) {
    return little_endian ? ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24))
                         : (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

/* The EXIF orientation (1–8) from an APP1 payload, or 1 if absent or malformed.
 * Layout: "Exif\0\0", TIFF header (II/MM, 42, IFD0 offset), IFD0 entries of 12 bytes. */
static int exif_orientation(const uint8_t *payload, size_t length) {
    if (length < 14 || memcmp(payload, "Exif\0\0", 6) != 0) return 1;
    const uint8_t *tiff = payload + 6;
    size_t tiff_length = length - 6;
    int little_endian;
    if (tiff[0] == 'I' && tiff[1] == 'I') little_endian = 1;
    else if (tiff[0] == 'M' && tiff[1] == 'M') little_endian = 0;
    else return 1;
    if (read16(tiff + 2, little_endian) != 42) return 1;
    uint32_t ifd = read32(tiff + 4, little_endian);
    if (ifd > tiff_length || tiff_length - ifd < 2) return 1;
    unsigned entries = read16(tiff + ifd, little_endian);
    if ((tiff_length - ifd - 2) / 12 < entries) return 1;
    for (unsigned i = 0; i < entries; i++) {
        const uint8_t *entry = tiff + ifd + 2 + 12 * (size_t)i;
        if (read16(entry, little_endian) != 0x0112) continue;
        uint16_t type = read16(entry + 2, little_endian);
        uint32_t count = read32(entry + 4, little_endian);
        if (type != 3 || count < 1) return 1;          /* SHORT, value inline */
        uint16_t value = read16(entry + 8, little_endian);
        return (value >= 1 && value <= 8) ? value : 1;
    }
    return 1;
}

/* Source pixel of output (ox, oy) for each EXIF orientation; the output of 5–8 is the
 * stored image transposed in size. Stored size width × height. */
static void oriented_source(int orientation, size_t width, size_t height, size_t ox, size_t oy,
                            size_t *sx, size_t *sy) {
    switch (orientation) {
    case 2: *sx = width - 1 - ox; *sy = oy; break;                   /* mirror horizontal */
    case 3: *sx = width - 1 - ox; *sy = height - 1 - oy; break;      /* rotate 180 */
    case 4: *sx = ox; *sy = height - 1 - oy; break;                  /* mirror vertical */
    case 5: *sx = oy; *sy = ox; break;                               /* transpose */
    case 6: *sx = oy; *sy = height - 1 - ox; break;                  /* rotate 90° clockwise */
    case 7: *sx = width - 1 - oy; *sy = height - 1 - ox; break;      /* transverse */
    case 8: *sx = width - 1 - oy; *sy = ox; break;                   /* rotate 90° counter-clockwise */
    default: *sx = ox; *sy = oy; break;
    }
}

/* Applies `orientation` to `pixels`; returns a new buffer (pixels freed) or NULL when out of memory. */
static uint8_t *apply_orientation(uint8_t *pixels, size_t width, size_t height, size_t channels, int orientation,
                                  size_t *out_width, size_t *out_height) {
    int swaps = orientation >= 5;
    *out_width = swaps ? height : width;
    *out_height = swaps ? width : height;
    uint8_t *result = (uint8_t *)malloc(width * height * channels);
    if (result == NULL) return NULL;
    for (size_t oy = 0; oy < *out_height; oy++) {
        uint8_t *row = result + oy * *out_width * channels;
        for (size_t ox = 0; ox < *out_width; ox++) {
            size_t sx, sy;
            oriented_source(orientation, width, height, ox, oy, &sx, &sy);
            const uint8_t *source = pixels + (sy * width + sx) * channels;
            for (size_t c = 0; c < channels; c++) row[ox * channels + c] = source[c];
        }
    }
    free(pixels);
    return result;
}

static int jpeg_decode_run(jpeg_decode_context *context, j_decompress_ptr cinfo, const uint8_t *data, size_t size,
                           uint64_t max_pixels, int row_layout, cimageio_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        out->status = CIMAGEIO_ERR_UNKNOWN_FORMAT;
        cimageio_set_message(out->message, "not a JPEG file (no SOI marker)");
        return out->status;
    }
    /* Assigned after setjmp and read after a longjmp: volatile. */
    uint8_t *volatile pixels = NULL;

    cinfo->err = jpeg_std_error(&context->base);
    context->base.error_exit = jpeg_error_exit;
    context->base.emit_message = jpeg_emit_message;
    context->base.output_message = jpeg_output_message;
    if (setjmp(context->jump)) {
        jpeg_destroy_decompress(cinfo);
        free(pixels);
        out->status = context->status != CIMAGEIO_OK ? context->status : CIMAGEIO_ERR_CORRUPT;
        memcpy(out->message, context->message, sizeof out->message);
        return out->status;
    }
    jpeg_create_decompress(cinfo);
    context->progress.progress_monitor = jpeg_progress;
    cinfo->progress = &context->progress;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(cinfo, TRUE);

    size_t width = cinfo->image_width, height = cinfo->image_height;
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        context->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(context->message, "JPEG: %zu×%zu pixels exceeds the limit of %llu pixels",
                             width, height, (unsigned long long)max_pixels);
        longjmp(context->jump, 1);
    }
    int cmyk = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_YCbCr: case JCS_RGB: cinfo->out_color_space = JCS_RGB; break;
    case JCS_CMYK: case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; cmyk = 1; break;
    default:
        context->status = CIMAGEIO_ERR_UNSUPPORTED;
        cimageio_set_message(context->message, "JPEG: unsupported colour space with %d components", cinfo->num_components);
        longjmp(context->jump, 1);
    }
    /* Whole-image coefficient buffers (progressive) need about 2 bytes per coefficient;
     * sampling factors can multiply that, so cap at a few times the honest need. */
    {
        size_t honest = 0;
        if (!cimageio_mul(width * height, (size_t)cinfo->num_components * 2 * 4, &honest)) honest = SIZE_MAX / 2;
        cinfo->mem->max_memory_to_use = (long)((honest > (1ul << 34) ? (1ul << 34) : honest) + (64ul << 20));
    }
    int orientation = 1;
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length >= 6 && memcmp(marker->data, "Exif\0\0", 6) == 0) {
            orientation = exif_orientation(marker->data, marker->data_length);
            break;
        }
    }
    jpeg_start_decompress(cinfo);

    size_t decoded_channels = (size_t)cinfo->output_components;
    size_t channels = cmyk ? 3 : decoded_channels;
    size_t row_bytes = 0, total = 0;
    if (!cimageio_mul(width, decoded_channels, &row_bytes) || !cimageio_mul(row_bytes, height, &total) ||
        cinfo->output_width != width || cinfo->output_height != height) {
        context->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(context->message, "JPEG: image size overflows");
        longjmp(context->jump, 1);
    }
    /* Scanlines go straight into row layout unless the pixels are rewritten afterwards
     * (CMYK to RGB, orientation): then packed first and laid out at the end. */
    size_t spare = row_layout && !cmyk && orientation == 1 ? 1 : 0;
    if (spare && !cimageio_mul(row_bytes + 1, height, &total)) {
        context->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(context->message, "JPEG: image size overflows");
        longjmp(context->jump, 1);
    }
    pixels = (uint8_t *)malloc(total ? total : 1);
    if (row_layout) cimageio_advise_huge(pixels, total);
    if (pixels == NULL) {
        context->status = CIMAGEIO_ERR_TOO_LARGE;
        cimageio_set_message(context->message, "JPEG: cannot allocate %zu bytes for pixels", total);
        longjmp(context->jump, 1);
    }
    /* Up to 16 rows a call (an MCU row of 4:2:0): libjpeg then writes upsampled rows straight
     * into the image instead of through its one-row spare buffer. */
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW rows[16];
        JDIMENSION count = cinfo->output_height - cinfo->output_scanline;
        if (count > 16) count = 16;
        for (JDIMENSION k = 0; k < count; k++)
            rows[k] = pixels + ((size_t)cinfo->output_scanline + k) * (row_bytes + spare) + spare;
        jpeg_read_scanlines(cinfo, rows, count);
    }
    if (cmyk) {
        int inverted = cinfo->saw_Adobe_marker;
        uint8_t *destination = pixels;
        const uint8_t *source = pixels;
        for (size_t i = 0; i < width * height; i++, source += 4, destination += 3) {
            unsigned c = source[0], m = source[1], y = source[2], k = source[3];
            if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
            destination[0] = (uint8_t)((c * k + 127) / 255);
            destination[1] = (uint8_t)((m * k + 127) / 255);
            destination[2] = (uint8_t)((y * k + 127) / 255);
        }
    }
    jpeg_finish_decompress(cinfo);
    jpeg_destroy_decompress(cinfo);

    size_t out_width = width, out_height = height;
    uint8_t *result = pixels;
    if (orientation != 1) {
        result = apply_orientation(pixels, width, height, channels, orientation, &out_width, &out_height);
        if (result == NULL) {
            free(pixels);
            out->status = CIMAGEIO_ERR_TOO_LARGE;
            cimageio_set_message(out->message, "JPEG: cannot allocate memory to apply the EXIF orientation");
            return out->status;
        }
    }
    size_t result_size = out_width * out_height * channels;
    if (spare) {
        result_size = total;
    } else if (row_layout) {
        result = cimageio_to_row_layout(result, out_width, out_height, channels);
        result_size = out_height * (out_width * channels + 1);
        if (result == NULL) {
            out->status = CIMAGEIO_ERR_TOO_LARGE;
            cimageio_set_message(out->message, "JPEG: cannot allocate memory for the rows");
            return out->status;
        }
    }
    out->status = CIMAGEIO_OK;
    out->width = (uint32_t)out_width;
    out->height = (uint32_t)out_height;
    out->channels = (int)channels;
    out->bit_depth = 8;
    out->pixels = result;
    out->pixels_size = result_size;
    out->row_stride = row_layout ? out_width * channels + 1 : 0;
    return CIMAGEIO_OK;
}

/* cinfo and the context live in this frame, outside the function that calls setjmp, so
 * their contents (written by libjpeg before a longjmp) are well defined afterwards. */
int cimageio_jpeg_decode_layout(const uint8_t *data, size_t size, uint64_t max_pixels, int row_layout,
                                cimageio_image *out) {
    struct jpeg_decompress_struct cinfo;
    jpeg_decode_context context;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&context, 0, sizeof context);
    return jpeg_decode_run(&context, &cinfo, data, size, max_pixels, row_layout, out);
}

int cimageio_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cimageio_image *out) {
    return cimageio_jpeg_decode_layout(data, size, max_pixels, 0, out);
}

uint8_t *cimageio_to_row_layout(uint8_t *pixels, size_t width, size_t height, size_t channels) {
    size_t row_bytes = width * channels;
    uint8_t *rows = (uint8_t *)malloc((row_bytes + 1) * height);
    cimageio_advise_huge(rows, (row_bytes + 1) * height);
    if (rows != NULL)
        for (size_t y = 0; y < height; y++) memcpy(rows + y * (row_bytes + 1) + 1, pixels + y * row_bytes, row_bytes);
    free(pixels);
    return rows;
}
