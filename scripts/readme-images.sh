#!/bin/sh
# Regenerates the README's pictures (docs/images/) with the commands the README shows.
# Usage: scripts/readme-images.sh   (from the package root; builds the release binary)
set -eu
swift build -c release --product filterpipe >/dev/null
bin=$(swift build -c release --show-bin-path)/filterpipe
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" apply samples/filters/edge.filter samples/images "$out/edge" --montage -q
cp "$out/edge/chelsea/montage.png" docs/images/edge-montage-chelsea.png
"$bin" apply samples/filters/gradients.filter samples/images/chelsea.png "$out/gradients" -q
cp "$out/gradients/chelsea.png" docs/images/gradients-montage-chelsea.png
"$bin" apply samples/filters/features.filter samples/images/chelsea.png "$out/features" --stages -q
cp "$out/features/chelsea.png" docs/images/features-montage-chelsea.png
cp "$out/features/chelsea/stage-1-conv/montage.png" docs/images/features-stage-1-chelsea.png
rm -f docs/images/features-filters.png docs/images/edge-filters.png
"$bin" show samples/filters/features.filter docs/images/features-filters.png
"$bin" show samples/filters/edge.filter docs/images/edge-filters.png
"$bin" apply samples/filters/simple_convnet_first16.filter samples/images/chelsea.png "$out/book" -q
cp "$out/book/chelsea.png" docs/images/simple_convnet-montage-chelsea.png
rm -f docs/images/simple_convnet_filters.png
"$bin" show samples/filters/simple_convnet.filter docs/images/simple_convnet_filters.png
det=../shared/models/ppocr/ch_PP-OCRv4_det_infer.onnx
if [ -f "$det" ]; then
    "$bin" apply "$det" docs/images/coffee-text.png "$out/det" --until sigmoid_0.tmp_0 \
        --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --stages --stage-nodes conv2d_497.tmp_0 --montage -q
    cp "$out/det/coffee-text/00-sigmoid_0.tmp_0.png" docs/images/ppocr-det-coffee-text.png
    cp "$out/det/coffee-text/node-321-Conv-conv2d_497.tmp_0/montage.png" docs/images/ppocr-det-node-321-coffee-text.png
    rm -f docs/images/ppocr-det-filters.png
    "$bin" show "$det" docs/images/ppocr-det-filters.png
fi
python3 scripts/report-browser-check.py "$bin" --screenshots docs/images
echo "docs/images regenerated"
