#!/usr/bin/env python3
"""onnxruntime's side of bench/ppocr-det.sh: PaddleOCR's detector over a folder of photos, doing what
`filterpipe apply MODEL IN OUT --max-side 960 --multiple 32 --mean … --std … --range 0..1` does:
decode (OpenCV), resize (DetResizeForTest limit_type max: the longer side at most 960, each side
rounded to a multiple of 32, INTER_LINEAR), normalise in RGB order, run up to the final Sigmoid,
write the probability map as an 8-bit gray PNG (p·255, zlib level 1, as filterpipe's default).

  python bench/ppocr-det-onnxruntime.py MODEL.onnx IN_DIR OUT_DIR [--threads N]"""
import argparse, os
import cv2, numpy as np, onnxruntime as ort

p = argparse.ArgumentParser()
p.add_argument("model"); p.add_argument("input"); p.add_argument("output")
p.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's default, all cores)")
p.add_argument("--max-side", type=int, default=960); p.add_argument("--multiple", type=int, default=32)
a = p.parse_args()

options = ort.SessionOptions()
options.intra_op_num_threads = a.threads
session = ort.InferenceSession(a.model, options, providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
mean = np.array([0.485, 0.456, 0.406], np.float32)
std = np.array([0.229, 0.224, 0.225], np.float32)


def side(length, ratio):
    scaled = int(length * ratio)
    return max(int(round(scaled / a.multiple)) * a.multiple, a.multiple)


os.makedirs(a.output, exist_ok=True)
for file in sorted(os.listdir(a.input)):
    image = cv2.imread(os.path.join(a.input, file), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"{file}: cannot decode")
    h, w = image.shape[:2]
    ratio = a.max_side / max(h, w) if max(h, w) > a.max_side else 1.0
    image = cv2.resize(image, (side(w, ratio), side(h, ratio)), interpolation=cv2.INTER_LINEAR)
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB).astype(np.float32)
    x = ((rgb / 255 - mean) / std).transpose(2, 0, 1)[None]
    probability = session.run(None, {name: np.ascontiguousarray(x)})[0][0, 0]
    pixels = np.clip(np.rint(probability * 255), 0, 255).astype(np.uint8)
    cv2.imwrite(os.path.join(a.output, os.path.splitext(file)[0] + ".png"), pixels, [cv2.IMWRITE_PNG_COMPRESSION, 1])
