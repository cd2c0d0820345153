#!/usr/bin/env python3
"""Compares two trees of PNGs pixel by pixel, independently of filterpipe (zlib and the PNG spec's
unfiltering only, no packages): every file of A must exist in B with the same size, colour type
and depth, and no sample may differ by more than --max-diff levels.

    png_compare.py A B [--max-diff N]

Handles what filterpipe writes: 8- or 16-bit gray, gray+alpha, RGB, RGBA, not interlaced.
Prints one line per tree (files, identical files, largest difference); exits 1 on any failure.
"""
import os
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != int.from_bytes(data[pos + 8 + length:pos + 12 + length], "big"):
            raise ValueError(f"{path}: CRC mismatch in {kind!r}")
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour, interlace = header[8], header[9], header[12]
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if channels is None or depth not in (8, 16) or interlace != 0:
        raise ValueError(f"{path}: colour type {colour}, depth {depth}, interlace {interlace} not handled")
    bpp = channels * depth // 8
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != height * (stride + 1):
        raise ValueError(f"{path}: {len(raw)} bytes of image data, expected {height * (stride + 1)}")
    rows, above = [], bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = above[i]
            c = above[i - bpp] if i >= bpp else 0
            if filter_type == 0:
                p = 0
            elif filter_type == 1:
                p = a
            elif filter_type == 2:
                p = b
            elif filter_type == 3:
                p = (a + b) // 2
            elif filter_type == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                raise ValueError(f"{path}: filter type {filter_type} in row {y}")
            line[i] = (line[i] + p) & 0xFF
        rows.append(bytes(line))
        above = line
    pixels = b"".join(rows)
    if depth == 16:
        samples = [int.from_bytes(pixels[i:i + 2], "big") for i in range(0, len(pixels), 2)]
    else:
        samples = list(pixels)
    return (width, height, depth, colour), samples


def main():
    args = sys.argv[1:]
    max_diff = 0
    if "--max-diff" in args:
        k = args.index("--max-diff")
        max_diff = int(args[k + 1])
        del args[k:k + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    a_root, b_root = args
    failures, files, identical, largest = 0, 0, 0, 0
    for folder, _, names in os.walk(a_root):
        for name in sorted(names):
            if not name.endswith(".png"):
                continue
            a = os.path.join(folder, name)
            b = os.path.join(b_root, os.path.relpath(a, a_root))
            files += 1
            if not os.path.exists(b):
                print(f"{b}: missing"); failures += 1; continue
            if open(a, "rb").read() == open(b, "rb").read():
                identical += 1; continue
            (ha, sa), (hb, sb) = decode(a), decode(b)
            if ha != hb:
                print(f"{b}: header {hb} differs from {a} {ha}"); failures += 1; continue
            diff = max(abs(x - y) for x, y in zip(sa, sb))
            largest = max(largest, diff)
            if diff > max_diff:
                print(f"{b}: a sample differs by {diff} levels from {a} (allowed {max_diff})"); failures += 1
    print(f"{b_root} against {a_root}: {files} PNGs, {identical} byte-identical, largest sample difference {largest}")
    if files == 0 or failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
