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
python3 scripts/report-browser-check.py "$bin" --screenshots docs/images
echo "docs/images regenerated"
