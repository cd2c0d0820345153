# Writes the weight-file fixtures of WeightFileTests with numpy's own writer (and the safetensors
# layout by hand: 8-byte little-endian header length, JSON header, data). Run from this folder:
#   /work/venv/bin/python make_weights.py
# Every array is w[f, c, i, j] = (24 f + 6 c + 3 i + j) / 4 − 3, shape (2, 3, 2, 3): exact in
# float16 and bfloat16 too, so the tests compare exactly against the formula.
import json
import struct

import numpy as np

f, c, i, j = np.meshgrid(np.arange(2), np.arange(3), np.arange(2), np.arange(3), indexing="ij")
w = (24 * f + 6 * c + 3 * i + j) / 4 - 3
b = np.array([0.5, -1.25])

np.save("w_f8.npy", w.astype("<f8"))
np.save("w_f4_fortran.npy", np.asfortranarray(w.astype("<f4")))
np.save("w_f2.npy", w.astype("<f2"))
np.save("w_be_f8.npy", w.astype(">f8"))
np.save("w_be_f4_fortran.npy", np.asfortranarray(w.astype(">f4")))
np.save("w_i4.npy", w.astype("<i4"))
np.save("w_3d.npy", w[0].astype("<f4"))
np.save("b.npy", b)
np.save("b3.npy", np.array([1.0, 2.0, 3.0]))
for version in [(2, 0), (3, 0)]:
    with open(f"w_v{version[0]}.npy", "wb") as out:
        np.lib.format.write_array(out, w.astype("<f4"), version=version)
# A header claiming more data than the file holds: the first 40 bytes of data only.
full = open("w_f8.npy", "rb").read()
open("w_truncated.npy", "wb").write(full[: len(full) - 8 * 36 + 40])


def bf16(values):
    bits = np.asarray(values, dtype="<f4").view("<u4") >> 16
    return bits.astype("<u2").tobytes()


tensors = {
    "conv.weight": ("F32", w.astype("<f4").tobytes()),
    "conv.bias": ("F32", b.astype("<f4").tobytes()),
    "half.weight": ("F16", w.astype("<f2").tobytes()),
    "brain.weight": ("BF16", bf16(w)),
    "double.weight": ("F64", w.astype("<f8").tobytes()),
    "int.weight": ("I32", w.astype("<i4").tobytes()),
}
shapes = {"conv.bias": [2]}
header, data = {"__metadata__": {"format": "pt"}}, b""
for name, (dtype, raw) in tensors.items():
    header[name] = {"dtype": dtype, "shape": shapes.get(name, list(w.shape)), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open("model.safetensors", "wb").write(struct.pack("<Q", len(text)) + text + data)
# Offsets past the data area.
bad = dict(header)
bad["conv.weight"] = dict(header["conv.weight"], data_offsets=[0, len(data) + 8])
text = json.dumps(bad).encode()
open("bad_offsets.safetensors", "wb").write(struct.pack("<Q", len(text)) + text + data)
# A header length far past the file.
open("huge_header.safetensors", "wb").write(struct.pack("<Q", 1 << 40) + b"{}")
