#!/usr/bin/env bash
# Runs filterpipe side by side with its peers (OpenCV, onnxruntime, libvips, Pillow, scipy,
# ImageMagick) on the 24-photo corpus, interleaved, and writes BENCHMARKS.md.
#
#   bash bench/compare.sh [CASE_FILTER]      e.g. bash bench/compare.sh 'W1|W3'
#
# Environment:
#   PEERS_SRC   the peer benchmark to copy (default: ../shared/bench beside the checkout)
#   WORK        scratch folder, outside the repository (default: ${TMPDIR:-/tmp}/filterpipe-bench);
#               the corpus, the peers' venv and all outputs live there, never in the repo
#   REPS        interleaved repetitions (default 3)
#   SKIP_SLOW=1 leave out the peers that take minutes (ImageMagick, Pillow, scipy) and W3s
#   BUILD_FLAGS extra `swift build` flags for filterpipe (default: -Xswiftc -target-cpu -Xswiftc native)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_SRC=${PEERS_SRC:-$ROOT/../shared/bench}
WORK=${WORK:-${TMPDIR:-/tmp}/filterpipe-bench}
REPS=${REPS:-3}
FILTER=${1:-W0\|W1\|W2\|W3}
BUILD_FLAGS=${BUILD_FLAGS:--Xswiftc -target-cpu -Xswiftc native}

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

CASES_FILE=
if [ "${SKIP_SLOW:-0}" = 1 ]; then
  CASES_FILE=$WORK/fast_cases.txt
  # the built-in case list minus the slow peers, plus filterpipe's rows
  sed -n "/^CASES=\$(cat <<'EOF'/,/^EOF/p" "$WORK/bench/run_peers.sh" | sed '1d;$d' |
    grep -Ev 'imagemagick|pillow|scipy|^W3s' > "$CASES_FILE"
  for wl in "W0|filterpipe|corpus|\$FILTERPIPE apply filters/identity.filter {IN} {OUT}" \
            "W1|filterpipe|corpus|\$FILTERPIPE apply filters/edge.filter {IN} {OUT}" \
            "W2|filterpipe|corpus|\$FILTERPIPE apply filters/blur.filter {IN} {OUT}" \
            "W3|filterpipe|corpus|\$FILTERPIPE apply filters/deep.filter {IN} {OUT}"; do
    echo "$wl" >> "$CASES_FILE"
  done
fi

RESULTS=$WORK/runs-$(date -u +%Y%m%dT%H%M%SZ).csv
(cd "$WORK/bench" && RESULTS=$RESULTS REPS=$REPS CASES_FILE=$CASES_FILE bash run_peers.sh "$FILTER")
"$PY" "$ROOT/bench/write_benchmarks.py" "$RESULTS" > "$ROOT/BENCHMARKS.md"
echo "wrote $ROOT/BENCHMARKS.md from $RESULTS"
