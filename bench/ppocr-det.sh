#!/usr/bin/env bash
# PaddleOCR's text detector end to end on the 24-photo corpus (decode, resize, normalise, run to the
# final Sigmoid, write the probability map as a PNG): filterpipe against onnxruntime doing the same
# (bench/ppocr-det-onnxruntime.py), interleaved, release build. Prints one row per run (wall seconds,
# peak resident MB of the process) and the medians as a Markdown table.
#
#   WORK=/tmp/filterpipe-bench bash bench/ppocr-det.sh [REPS]     (LOG=FILE.tsv: where the rows go)
#
# Needs bench/compare.sh's WORK folder (its venv with onnxruntime, its corpus) and ../shared/models.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-${TMPDIR:-/tmp}/filterpipe-bench}
REPS=${1:-5}
MODEL=${MODEL:-$ROOT/../shared/models/ppocr/ch_PP-OCRv4_det_infer.onnx}
PY=$WORK/venv/bin/python
CORPUS=$WORK/bench/corpus
for need in "$MODEL" "$PY" "$CORPUS"; do
  [ -e "$need" ] || { echo "missing $need (run bench/compare.sh with WORK=$WORK first)" >&2; exit 2; }
done
(cd "$ROOT" && swift build -c release --product filterpipe --scratch-path "$WORK/build" >/dev/null)
FILTERPIPE=$WORK/build/release/filterpipe
OUT=$WORK/ppocr-det
LOG=${LOG:-$WORK/ppocr-det-$(date -u +%Y%m%dT%H%M%SZ).tsv}

run() {  # name command...
  local name=$1; shift
  rm -rf "$OUT/$name"
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >/dev/null
  read -r wall kb < "$OUT/time"
  printf '%s\t%s\t%d\n' "$name" "$wall" $((kb / 1024)) | tee -a "$LOG"
}
mkdir -p "$OUT"
for _ in $(seq "$REPS"); do
  run filterpipe "$FILTERPIPE" apply "$MODEL" "$CORPUS" "$OUT/filterpipe" --max-side 960 --multiple 32 \
    --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --range 0..1
  run onnxruntime "$PY" "$ROOT/bench/ppocr-det-onnxruntime.py" "$MODEL" "$CORPUS" "$OUT/onnxruntime"
done
# How alike the two tools' maps are (they resize and decode JPEGs each their own way, and the
# Sigmoid is steep): the share of pixels within one gray level, logged as a '#' row.
"$PY" - "$OUT" >> "$LOG" <<'PY'
import os, sys, cv2, numpy as np
out = sys.argv[1]; total = close = far = 0
for name in sorted(os.listdir(f"{out}/onnxruntime")):
    a = cv2.imread(f"{out}/onnxruntime/{name}", cv2.IMREAD_UNCHANGED).astype(int)
    folder = f"{out}/filterpipe/{name[:-4]}"
    b = cv2.imread(f"{folder}/{os.listdir(folder)[0]}", cv2.IMREAD_UNCHANGED).astype(int)
    d = np.abs(a - b); total += d.size; close += (d <= 1).sum(); far += (d > 32).sum()
print(f"#agreement\t{close / total:.5f}\t{far / total:.6f}")
PY
echo
echo "| 24 photos, 78.2 MP, detector to its Sigmoid | wall (median of $REPS) | peak RSS | wall / onnxruntime |"
echo "|---|---|---|---|"
"$PY" - "$LOG" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        print(f"maps within one gray level of onnxruntime's: {float(line.split()[1]):.2%} of pixels", file=sys.stderr)
        continue
    name, wall, mb = line.split("\t")
    rows.setdefault(name, []).append((float(wall), int(mb)))
base = statistics.median(w for w, _ in rows["onnxruntime"])
for name, runs in rows.items():
    wall = statistics.median(w for w, _ in runs)
    print(f"| {name} | {wall:.2f} s ({min(w for w, _ in runs):.2f}–{max(w for w, _ in runs):.2f}) "
          f"| {max(m for _, m in runs)} MB | {wall / base:.2f} |")
PY
