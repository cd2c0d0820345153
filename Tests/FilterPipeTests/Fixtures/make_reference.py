#!/usr/bin/env python3
"""Reference decodes for the codec tests, made with decoders other than filterpipe's.

PNG  (png-reference.tsv):  pypng 0.20220715.0 (pure Python) decodes every valid PngSuite and
     png-extra file; expansion to filterpipe's conventions is done here in Python: palette ->
     RGB (RGBA with tRNS), gray/RGB tRNS colour key -> alpha, 1/2/4-bit gray -> 8-bit by
     v * 255 / (2^bd - 1), 16-bit kept. sBIT/gAMA are ignored (values as stored).
JPEG (jpeg-reference.tsv): djpeg (Debian libjpeg-turbo-progs 2.1.5, ISLOW, fancy upsampling)
     writing PNM, or Pillow 13 for CMYK/YCCK (djpeg cannot write CMYK to PNM), converted to RGB
     here: Adobe-inverted CMYK -> R = C*K/255. The exif-orientation/ rows are djpeg's samples
     turned upright in Python by the file's EXIF orientation (tag read by Pillow).
Columns: path (relative to ../shared/testdata), width, height, channels, bit depth, FNV-1a-64
of the samples (16-bit: little-endian bytes), mean of each channel (space-separated).

Run:  pip install pypng Pillow; apt-get install libjpeg-turbo-progs
      python3 make_reference.py ../../../../shared/testdata
"""
import os, subprocess, sys
import png
from PIL import Image

FNV_OFFSET, FNV_PRIME = 0xcbf29ce484222325, 0x100000001b3


def fnv1a(data: bytes) -> int:
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def row_of(path, w, h, channels, depth, samples):
    if depth == 16:
        data = b"".join(int(v).to_bytes(2, "little") for v in samples)
    else:
        data = bytes(samples)
    means = [sum(samples[c::channels]) / (w * h) for c in range(channels)]
    return f"{path}\t{w}\t{h}\t{channels}\t{depth}\t{fnv1a(data):016x}\t" + " ".join(f"{m:.4f}" for m in means)


def decode_png(full):
    reader = png.Reader(filename=full)
    w, h, rows, info = reader.read()
    rows = [list(r) for r in rows]
    bd = info["bitdepth"]
    if "palette" in info and info["planes"] == 1 and not info["greyscale"]:
        palette = [tuple(p) for p in info["palette"]]
        channels = max(len(p) for p in palette)
        palette = [p + (255,) * (channels - len(p)) for p in palette]
        out = [v for r in rows for i in r for v in palette[i]]
        return w, h, channels, 8, out
    planes = info["planes"]
    key = info.get("transparent")
    if key is not None and not isinstance(key, tuple):
        key = (key,)
    maxv = (1 << bd) - 1
    out = []
    for r in rows:
        for x in range(w):
            px = r[x * planes:(x + 1) * planes]
            alpha = None
            if key is not None:
                alpha = 0 if tuple(px) == tuple(k & maxv for k in key) else maxv
            vals = list(px) + ([alpha] if alpha is not None else [])
            if bd < 8:
                vals = [v * 255 // maxv for v in vals]
            out.extend(vals)
    channels = planes + (1 if key is not None else 0)
    return w, h, channels, (16 if bd == 16 else 8), out


def decode_jpeg(full):
    img = Image.open(full)
    if img.mode == "CMYK":
        img.load()
        data = list(img.get_flattened_data()) if hasattr(img, 'get_flattened_data') else list(img.getdata())
        out = []
        for c, m, y, k in data:
            # Pillow hands back Adobe CMYK already un-inverted (it applies "CMYK;I").
            # Stored (inverted) values are 255-c etc.; filterpipe: R = Cs*Ks/255.
            cs, ms, ys, ks = 255 - c, 255 - m, 255 - y, 255 - k
            out += [(cs * ks + 127) // 255, (ms * ks + 127) // 255, (ys * ks + 127) // 255]
        return img.width, img.height, 3, 8, out
    pnm = subprocess.run(["djpeg", "-pnm", full], check=True, capture_output=True).stdout
    # Header: magic, width, height, maxval, each followed by one whitespace byte; then samples.
    fields, position = [], 0
    while len(fields) < 4:
        while pnm[position:position + 1].isspace():
            position += 1
        end = position
        while not pnm[end:end + 1].isspace():
            end += 1
        fields.append(pnm[position:end])
        position = end
    data = pnm[position + 1:]
    kind, w, h = fields[0], int(fields[1]), int(fields[2])
    channels = 1 if kind == b"P5" else 3
    return w, h, channels, 8, list(data)


JPEGS = ["jpeg/app13.jpg", "jpeg/blank_800x280.jpg", "jpeg/flower2.jpg", "jpeg/hopper_gray.jpg",
         "jpeg/iptc.jpg", "jpeg/jpg-progressive.jpg", "jpeg/non-interleaved-mcu.jpg",
         "jpeg/progressive3.jpg", "jpeg/restarts.jpg", "jpeg/rgb.jpg", "jpeg/testimggray.jpg",
         "jpeg/testimgp.jpg", "photos/rocket.jpg", "photos/retina.jpg",
         "jpeg/jpg-cmyk-1.jpg", "jpeg/jpg-cmyk-2.jpg", "jpeg/pil_sample_cmyk.jpg"]


# EXIF orientation -> PIL transpose that makes the stored image upright (EXIF 2.3, Pillow's exif_transpose table).
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
             5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}


def decode_jpeg_upright(full):
    """djpeg's samples, turned upright here by the EXIF orientation tag (read by Pillow)."""
    w, h, channels, depth, samples = decode_jpeg(full)
    orientation = Image.open(full).getexif().get(0x0112, 1)
    img = Image.frombytes("RGB" if channels == 3 else "L", (w, h), bytes(samples))
    if orientation in TRANSPOSE:
        img = img.transpose(TRANSPOSE[orientation])
    return img.width, img.height, channels, 8, list(img.tobytes())


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../../../../shared/testdata"
    here = os.path.dirname(os.path.abspath(__file__))
    manifest = [l.rstrip("\n").split("\t") for l in open(os.path.join(root, "MANIFEST.tsv"))][1:]
    pngs = [r[0] for r in manifest if r[1] == "png" and r[2] == "valid"
            and (r[0].startswith("pngsuite/") or r[0].startswith("png-extra/"))]
    with open(os.path.join(here, "png-reference.tsv"), "w") as f:
        for p in sorted(pngs):
            f.write(row_of(p, *decode_png(os.path.join(root, p))) + "\n")
    with open(os.path.join(here, "jpeg-reference.tsv"), "w") as f:
        for p in JPEGS:
            f.write(row_of(p, *decode_jpeg(os.path.join(root, p))) + "\n")
        for kind in ["Landscape", "Portrait"]:
            for n in range(9):
                p = f"jpeg/exif-orientation/{kind}_{n}.jpg"
                f.write(row_of(p, *decode_jpeg_upright(os.path.join(root, p))) + "\n")


main()
