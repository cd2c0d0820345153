#!/usr/bin/env python3
"""Fraction of a map folder's pixels in the bottom tenth of the colour map.

Usage: bottom-tenth.py DIR...   (every *.png map under DIR written with colormap=gray)
The level of a gray 8-bit sample s is s / 255; the bottom tenth is s / 255 < 0.1 (s <= 25).
Prints one line per map and the overall fraction. Needs numpy and pillow (a one-off measurement,
not a test).
"""
import sys, pathlib
import numpy as np
from PIL import Image

total = low = 0
for root in sys.argv[1:]:
    for path in sorted(pathlib.Path(root).rglob("*.png")):
        if path.name == "montage.png":
            continue
        image = Image.open(path)
        if image.mode not in ("L", "I;16"):
            continue
        a = np.asarray(image).astype(np.float64)
        top = 65535.0 if image.mode == "I;16" else 255.0
        fraction = float(np.mean(a / top < 0.1))
        total += a.size
        low += int(np.sum(a / top < 0.1))
        print(f"{path}: {fraction:.3f}")
print(f"overall: {low / max(total, 1):.3f} of {total} pixels")
