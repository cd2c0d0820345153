#!/usr/bin/env bash
# filterpipe's PNG writer on W0–W3 of the 24-photo corpus: the default (Paeth rows through the
# run-length coder, rle_deflate.c) against the same rows through libdeflate's level 1
# (FILTERPIPE_DEFLATE=libdeflate) and zlib's (FILTERPIPE_DEFLATE=zlib), interleaved, release build.
# Logs per run the wall seconds and the encode worker-seconds of --profile; then decodes every PNG
# of each last run with libpng (OpenCV's imread) and with zlib (Pillow), checks that all three
# writers' files of the same name hold the same pixels, and logs the raw bytes (filtered rows) and
# the bytes written, for the compression ratio beside the speed.
#
#   WORK=/tmp/filterpipe-bench bash bench/png-encoder.sh [REPS]     (LOG=FILE.tsv: where the rows go)
#
# Needs bench/compare.sh's WORK folder (its venv with OpenCV and Pillow, its corpus).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-${TMPDIR:-/tmp}/filterpipe-bench}
REPS=${1:-3}
PY=$WORK/venv/bin/python
CORPUS=$WORK/bench/corpus
for need in "$PY" "$CORPUS"; do
  [ -e "$need" ] || { echo "missing $need (run bench/compare.sh with WORK=$WORK first)" >&2; exit 2; }
done
(cd "$ROOT" && swift build -c release --product filterpipe --scratch-path "$WORK/build" >/dev/null)
FILTERPIPE=$WORK/build/release/filterpipe
OUT=$WORK/png-encoder
LOG=${LOG:-$WORK/png-encoder-$(date -u +%Y%m%dT%H%M%SZ).tsv}
mkdir -p "$OUT"

for _ in $(seq "$REPS"); do
  for workload in W0:identity W1:edge W2:blur W3:deep; do
    for writer in default libdeflate zlib; do
      name=${workload%%:*}; dir=$OUT/$name-$writer
      rm -rf "$dir"
      deflate=$writer; [ "$writer" = default ] && deflate=
      FILTERPIPE_DEFLATE=$deflate /usr/bin/time -f "%e" -o "$OUT/time" "$FILTERPIPE" apply --profile \
        "$ROOT/bench/filters/${workload#*:}.filter" "$CORPUS" "$dir" 2>"$OUT/profile" >/dev/null
      encode=$(awk '$1 == "encode" { print $2 }' "$OUT/profile")
      printf '%s\t%s\t%s\t%s\n' "$name" "$writer" "$(cat "$OUT/time")" "$encode" | tee -a "$LOG"
    done
  done
done

"$PY" - "$OUT" >> "$LOG" <<'PY'
import os, sys, cv2, numpy as np
from PIL import Image
out = sys.argv[1]
for name in ["W0", "W1", "W2", "W3"]:
    folders = {w: f"{out}/{name}-{w}" for w in ["default", "libdeflate", "zlib"]}
    files = sorted(os.path.relpath(os.path.join(d, f), folders["default"])
                   for d, _, fs in os.walk(folders["default"]) for f in fs if f.endswith(".png"))
    raw = 0; written = {w: 0 for w in folders}; same = 0
    for relative in files:
        decoded = []
        for writer, folder in folders.items():
            path = f"{folder}/{relative}"
            written[writer] += os.path.getsize(path)
            by_libpng = cv2.imread(path, cv2.IMREAD_UNCHANGED)   # BGR order for colour
            by_zlib = np.asarray(Image.open(path))
            if by_libpng.ndim == 3: by_libpng = by_libpng[..., ::-1]
            decoded += [by_libpng, by_zlib]
        h, w = decoded[1].shape[:2]; channels = 1 if decoded[1].ndim == 2 else decoded[1].shape[2]
        raw += h * (w * channels * decoded[1].dtype.itemsize + 1)
        same += all(d.shape == decoded[0].shape and np.array_equal(d, decoded[0]) for d in decoded)
    # workload, files, files whose six decodes agree, bytes by default/libdeflate/zlib, raw bytes
    print("#bytes\t%s\t%d\t%d\t%s\t%d" % (name, len(files), same, "\t".join(str(written[w]) for w in folders), raw))
PY
echo "logged to $LOG"
