#!/bin/sh
# Regenerates many-scans-gray.jpg and many-scans-rgb.jpg (see the C comment below).
# Needs a C compiler and libjpeg-dev. Run from this folder: sh make_many_scans.sh
set -e
tmp=$(mktemp -d)
cat > "$tmp/make_many_scans.c" <<'EOF'
/*
 * Writes the progressive JPEGs used by CodecJPEGDecodeTests' scan-limit test: an 8×8 image
 * where every component is sent one coefficient at a time with every successive-approximation
 * step libjpeg's 8-bit encoder allows (Al ≤ 10): 11 + 63·11 = 704 scans per component.
 *   many-scans-gray.jpg: 1 component, 704 scans (legal, under filterpipe's 1000-scan cap)
 *   many-scans-rgb.jpg:  3 components, 2112 scans (legal, refused by the cap)
 * Written by make_many_scans.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

static void write_file(const char *path, int components) {
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    FILE *file = fopen(path, "wb");
    jpeg_stdio_dest(&cinfo, file);
    cinfo.image_width = 8;
    cinfo.image_height = 8;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 95, TRUE);
    int per_component = 11 + 63 * 11;
    jpeg_scan_info *scans = calloc((size_t)per_component * components, sizeof *scans);
    int n = 0;
    for (int c = 0; c < components; c++) {
        for (int k = 0; k < 64; k++) {
            for (int step = 0; step <= 10; step++) {
                jpeg_scan_info *scan = &scans[n++];
                scan->comps_in_scan = 1;
                scan->component_index[0] = c;
                scan->Ss = k;
                scan->Se = k;
                scan->Ah = step == 0 ? 0 : 11 - step;
                scan->Al = 10 - step;
            }
        }
    }
    cinfo.scan_info = scans;
    cinfo.num_scans = n;
    jpeg_start_compress(&cinfo, TRUE);
    JSAMPLE row[8 * 3];
    for (int y = 0; y < 8; y++) {
        for (int i = 0; i < 8 * components; i++) row[i] = (JSAMPLE)(y * 29 + i * 11);
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    fclose(file);
    free(scans);
    printf("%s: %d scans\n", path, n);
}

int main(void) {
    write_file("many-scans-gray.jpg", 1);
    write_file("many-scans-rgb.jpg", 3);
    return 0;
}
EOF
cc "$tmp/make_many_scans.c" -ljpeg -o "$tmp/make_many_scans"
"$tmp/make_many_scans"
rm -rf "$tmp"
