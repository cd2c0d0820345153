#!/usr/bin/env python3
"""Counts an ONNX model's Conv and ConvTranspose multiply-adds for one input size with onnx's own
shape inference (independent of filterpipe): the reference for `filterpipe check MODEL --size WxH`.

    /work/venv/bin/python scripts/onnx-macs.py MODEL.onnx 320x224
prints the node count, the multiply-adds and each Conv's output dims."""
import math, sys
import onnx
from onnx import shape_inference

model = onnx.load(sys.argv[1])
width, height = map(int, sys.argv[2].split("x"))
graph = model.graph
dims = graph.input[0].type.tensor_type.shape.dim
dims[0].dim_value, dims[2].dim_value, dims[3].dim_value = 1, height, width
inferred = shape_inference.infer_shapes(model)
shapes = {}
for value in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
    shapes[value.name] = [d.dim_value for d in value.type.tensor_type.shape.dim]
weights = {}
for node in graph.node:
    if node.op_type == "Constant":
        weights[node.output[0]] = list(onnx.numpy_helper.to_array(node.attribute[0].t).shape)
for init in graph.initializer:
    weights[init.name] = list(init.dims)
total = 0
nodes = [n for n in graph.node if n.op_type != "Constant"]
for node in nodes:
    if node.op_type == "Conv":
        w = weights[node.input[1]]
        total += math.prod(shapes[node.output[0]]) * math.prod(w[1:])
    elif node.op_type == "ConvTranspose":
        w = weights[node.input[1]]
        total += math.prod(shapes[node.input[0]]) * math.prod(w[1:])
print("nodes", len(nodes))
print("multiply-adds", total)
print("output", shapes[graph.output[0].name])
