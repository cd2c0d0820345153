#!/usr/bin/env python3
"""Dumps every node's output of a PaddleOCR model under onnxruntime, for a photo, as the reference
the ONNX front end is checked against (Tests/FilterPipeTests/PaddleOCRReferenceTests.swift).

  /work/venv/bin/python scripts/ppocr-reference.py MODEL.onnx PHOTO OUT_DIR [--size WxH] [--until TENSOR]
      [--mean a,b,c --std a,b,c]

The photo is resized (PIL bilinear) to WxH (multiples of 32: the detector's pyramid needs them) and
normalised x = (p/255 - mean)/std in RGB order. OUT_DIR gets input.bin (the 1x3xHxW float32 input
the model ran on), one <index>.bin per node output (float32, little endian) and index.tsv
(index, tensor name, op, dims)."""
import argparse, os
import numpy as np, onnx, onnxruntime as ort
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("model"); p.add_argument("photo"); p.add_argument("out")
p.add_argument("--size", default="320x320"); p.add_argument("--until")
p.add_argument("--mean", default="0.485,0.456,0.406"); p.add_argument("--std", default="0.229,0.224,0.225")
a = p.parse_args()
w, h = map(int, a.size.lower().split("x"))
mean = np.array([float(v) for v in a.mean.split(",")], np.float32).reshape(3, 1, 1)
std = np.array([float(v) for v in a.std.split(",")], np.float32).reshape(3, 1, 1)
pixels = np.asarray(Image.open(a.photo).convert("RGB").resize((w, h), Image.BILINEAR), np.float32)
x = ((pixels.transpose(2, 0, 1) / 255 - mean) / std)[None].astype(np.float32)

model = onnx.load(a.model)
nodes = []
for node in model.graph.node:
    if node.op_type == "Constant":
        continue
    nodes.append((node.output[0], node.op_type))
    if a.until and a.until in node.output:
        break
names = [n for n, _ in nodes]
del model.graph.output[:]
for n in names:
    model.graph.output.append(onnx.helper.make_empty_tensor_value_info(n))
session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
outputs = session.run(names, {model.graph.input[0].name: x})
os.makedirs(a.out, exist_ok=True)
x.astype("<f4").tofile(os.path.join(a.out, "input.bin"))
with open(os.path.join(a.out, "index.tsv"), "w") as index:
    index.write(f"input\tx\tinput\t{'x'.join(map(str, x.shape))}\n")
    for i, ((name, op), value) in enumerate(zip(nodes, outputs)):
        np.asarray(value, np.float32).astype("<f4").tofile(os.path.join(a.out, f"{i}.bin"))
        index.write(f"{i}\t{name}\t{op}\t{'x'.join(map(str, np.shape(value)))}\n")
print(f"{a.out}: {len(nodes)} node outputs for a {w}x{h} input")
