/*
 * Header probing: an image's size and layout from its first bytes, without decoding, so a batch
 * can estimate each image's memory before it starts. PNG: IHDR (always first). JPEG: the markers
 * up to the first SOFn (APPn / COM / DQT / DHT... skipped by their lengths), whose component
 * sampling factors give the samples per pixel a progressive decode keeps as coefficients.
 * Anything unexpected returns 0: the caller falls back to a cruder estimate.
 */
#include "common.h"

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static uint32_t be16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | (uint32_t)p[1]; }

int cimageio_probe(const uint8_t *data, size_t size, cimageio_probe_result *out) {
    memset(out, 0, sizeof *out);
    if (size >= 33 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(data + 12, "IHDR", 4) == 0) {
        int depth = data[24], color = data[25];
        int channels;
        switch (color) {
        case 0: channels = 1; break;
        case 2: channels = 3; break;
        case 3: channels = 3; break;  /* palette: RGB, or RGBA with tRNS (not known yet) */
        case 4: channels = 2; break;
        case 6: channels = 4; break;
        default: return 0;
        }
        out->width = be32(data + 16);
        out->height = be32(data + 20);
        out->channels = channels;
        out->bit_depth = depth == 16 ? 16 : 8;
        out->format = 1;
        return 1;
    }
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return 0;
    size_t at = 2;
    while (at + 4 <= size) {
        if (data[at] != 0xFF) return 0;
        uint8_t marker = data[at + 1];
        if (marker == 0xFF) { at++; continue; }  /* fill byte */
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { at += 2; continue; }
        uint32_t length = be16(data + at + 2);
        if (length < 2) return 0;
        int is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (is_sof) {
            if (at + 4 + 6 > size) return 0;
            const uint8_t *sof = data + at + 4;
            int components = sof[5];
            if (components < 1 || components > 4 || at + 4 + 6 + 3 * (size_t)components > size) return 0;
            int h_max = 1, v_max = 1, units = 0;
            for (int c = 0; c < components; c++) {
                int h = sof[6 + 3 * c + 1] >> 4, v = sof[6 + 3 * c + 1] & 15;
                if (h < 1 || v < 1) return 0;
                if (h > h_max) h_max = h;
                if (v > v_max) v_max = v;
                units += h * v;
            }
            out->height = be16(sof + 1);
            out->width = be16(sof + 3);
            out->channels = components == 1 ? 1 : 3;
            out->bit_depth = 8;
            out->format = 2;
            /* Whole-image coefficient buffers: progressive (SOF2, SOF6, SOF10, SOF14) always,
             * 2 bytes per coefficient, (Σ h·v) / (h_max · v_max) coefficients per pixel. */
            out->progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
            out->coefficients_per_pixel_x16 = (uint32_t)((16 * units + h_max * v_max - 1) / (h_max * v_max));
            return 1;
        }
        if (marker == 0xDA || marker == 0xD9) return 0;  /* scan or end before any frame */
        at += 2 + (size_t)length;
    }
    return 0;
}
