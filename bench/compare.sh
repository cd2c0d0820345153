#!/usr/bin/env bash
# Runs filterpipe side by side with its peers (OpenCV, onnxruntime, libvips, Pillow, scipy,
# ImageMagick) on the 24-photo corpus, interleaved, and writes BENCHMARKS.md.
#
#   bash bench/compare.sh [CASE_FILTER]      e.g. bash bench/compare.sh 'W1|W3'  (DET: the PaddleOCR detector,
#                                                                              ENC: the PNG writer's coders)
#
# Environment:
#   PEERS_SRC   the peer benchmark to copy (default: ../shared/bench beside the checkout)
#   WORK        scratch folder, outside the repository (default: ${TMPDIR:-/tmp}/filterpipe-bench);
#               the corpus, the peers' venv and all outputs live there, never in the repo
#   REPS        interleaved repetitions (default 3)
#   SKIP_SLOW=1 leave out the peers that take minutes (ImageMagick, Pillow, scipy) and W3s
#   BUILD_FLAGS extra `swift build` flags for filterpipe (default: none; the kernels are chosen at run time)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_SRC=${PEERS_SRC:-$ROOT/../shared/bench}
WORK=${WORK:-${TMPDIR:-/tmp}/filterpipe-bench}
REPS=${REPS:-3}
FILTER=${1:-W0\|W1\|W2\|W3\|DET\|ENC}
BUILD_FLAGS=${BUILD_FLAGS:-}

[ -d "$PEERS_SRC" ] || { echo "no peer benchmark at $PEERS_SRC (set PEERS_SRC)" >&2; exit 2; }
mkdir -p "$WORK"
if [ ! -f "$WORK/bench/run_peers.sh" ]; then
  cp -r "$PEERS_SRC" "$WORK/bench"
  chmod -R u+w "$WORK/bench"
fi
# filterpipe's side of the workloads, in its own filter format
cp "$ROOT"/bench/filters/*.filter "$WORK/bench/filters/"

VENV=$WORK/venv
[ -x "$VENV/bin/python" ] || bash "$WORK/bench/setup_peers.sh" "$VENV"
export PY=$VENV/bin/python
[ -d "$WORK/bench/corpus" ] || (cd "$WORK/bench" && bash make_corpus.sh)

# shellcheck disable=SC2086
(cd "$ROOT" && swift build -c release --product filterpipe --scratch-path "$WORK/build" $BUILD_FLAGS)
export FILTERPIPE=$WORK/build/release/filterpipe

# The peer benchmark's case list (minus the slow peers with SKIP_SLOW=1) plus filterpipe's rows,
# each command run under bench/tree_memory.c, which records the peak memory of the whole process
# tree (a peer's pool of worker processes together) beside /usr/bin/time's largest single process.
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
export MEMLOG=$WORK/memory-$STAMP.csv
export TREE_MEMORY=$WORK/tree_memory
cc -O2 -o "$TREE_MEMORY" "$ROOT/bench/tree_memory.c"
CASES_FILE=$WORK/cases-$STAMP.txt
{
  sed -n "/^CASES=\$(cat <<'EOF'/,/^EOF/p" "$WORK/bench/run_peers.sh" | sed '1d;$d'
  echo "W0|filterpipe|corpus|\$FILTERPIPE apply filters/identity.filter {IN} {OUT}"
  echo "W1|filterpipe|corpus|\$FILTERPIPE apply filters/edge.filter {IN} {OUT}"
  echo "W2|filterpipe|corpus|\$FILTERPIPE apply filters/blur.filter {IN} {OUT}"
  # The same jobs holding the images in flight to a memory budget (--max-memory).
  echo "W0|filterpipe-60M|corpus|\$FILTERPIPE apply --max-memory 60M filters/identity.filter {IN} {OUT}"
  echo "W2|filterpipe-60M|corpus|\$FILTERPIPE apply --max-memory 60M filters/blur.filter {IN} {OUT}"
  echo "W3|filterpipe|corpus|\$FILTERPIPE apply filters/deep.filter {IN} {OUT}"
} | { if [ "${SKIP_SLOW:-0}" = 1 ]; then grep -Ev 'imagemagick|pillow|scipy|^W3s'; else cat; fi; } |
  awk -F'|' 'NF >= 4 { printf "%s|%s|%s|$TREE_MEMORY $MEMLOG %s/%s -- %s\n", $1, $2, $3, $1, $2, $4 }' > "$CASES_FILE"

RESULTS=$WORK/runs-$STAMP.csv
if grep -qE "^($FILTER)" "$CASES_FILE"; then
  (cd "$WORK/bench" && RESULTS=$RESULTS REPS=$REPS CASES_FILE=$CASES_FILE bash run_peers.sh "$FILTER")
fi
# A trained network end to end (issue 13): PaddleOCR's detector against onnxruntime, when the
# shared models are there and the case filter asks for DET (the default list does).
DETLOG=$WORK/ppocr-det-$STAMP.tsv
if [ -f "$ROOT/../shared/models/ppocr/ch_PP-OCRv4_det_infer.onnx" ] && [[ "DET" =~ ^($FILTER)$ ]]; then
  LOG=$DETLOG WORK=$WORK bash "$ROOT/bench/ppocr-det.sh" "$REPS"
fi
# The PNG writer (issue 15): the run-length coder against libdeflate's and zlib's level 1, same rows.
ENCLOG=$WORK/png-encoder-$STAMP.tsv
if [[ "ENC" =~ ^($FILTER)$ ]]; then
  LOG=$ENCLOG WORK=$WORK bash "$ROOT/bench/png-encoder.sh" "$REPS"
fi
"$PY" "$ROOT/bench/write_benchmarks.py" "$RESULTS" "$MEMLOG" "$DETLOG" "$ENCLOG" > "$ROOT/BENCHMARKS.md"
echo "wrote $ROOT/BENCHMARKS.md from $RESULTS"
