#!/usr/bin/env bash
# Regenerates Sources/FilterPipe/ONNX/Generated/onnx.pb.swift from the committed onnx.proto beside it
# (taken unchanged from the onnx 1.23.2 wheel; Apache-2.0, see LICENSE-onnx.txt there). The output is
# committed: builds need neither protoc nor SwiftPM's protobuf plugin (which builds for minutes).
#
#   scripts/generate-onnx-proto.sh
#
# Needs `protoc` (Debian: apt-get install protobuf-compiler). protoc-gen-swift is built from the
# swift-protobuf version Package.resolved pins, cloned from the same URL SwiftPM uses.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir="$repo/Sources/FilterPipe/ONNX/Generated"
command -v protoc >/dev/null || { echo "generate-onnx-proto: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
version=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(p["state"]["version"] for p in d["pins"] if p["identity"]=="swift-protobuf"))' "$repo/Package.resolved")
work=$(mktemp -d "${TMPDIR:-/tmp}/onnx-proto.XXXXXX")
trap 'rm -rf "$work"' EXIT
git clone -q --depth 1 --branch "$version" https://github.com/apple/swift-protobuf "$work/swift-protobuf"
swift build -c release --package-path "$work/swift-protobuf" --product protoc-gen-swift >&2
plugin="$work/swift-protobuf/.build/release/protoc-gen-swift"
# Visibility=Public would export the onnx types from FilterPipe; they are an implementation detail.
protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$dir" \
  --swift_opt=Visibility=Internal --swift_out="$work" "$dir/onnx.proto"
mv "$work/onnx.pb.swift" "$dir/onnx.pb.swift"
echo "generate-onnx-proto: wrote $dir/onnx.pb.swift (swift-protobuf $version, $(protoc --version))"
