#!/usr/bin/env bash
# Before/after of runtime CPU dispatch on the peer corpus: W0–W3 with two filterpipe binaries
# (BEFORE, AFTER) and W1/W3 with AFTER's kernel set forced (FILTERPIPE_ISA=avx2, baseline),
# interleaved, REPS rounds; prints one CSV line per run (wall, user, sys seconds).
#
#   BEFORE=... AFTER=... CORPUS=.../corpus bash bench/isa-dispatch.sh > runs.csv
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${BEFORE:?path of the before binary}" "${AFTER:?path of the after binary}" "${CORPUS:?corpus folder}"
REPS=${REPS:-3}
OUT=${OUT:-${TMPDIR:-/tmp}/filterpipe-isa-out}
cases=(
  "W0|before|$BEFORE|identity|" "W0|after|$AFTER|identity|"
  "W1|before|$BEFORE|edge|" "W1|after|$AFTER|edge|" "W1|after-avx2|$AFTER|edge|avx2" "W1|after-baseline|$AFTER|edge|baseline"
  "W2|before|$BEFORE|blur|" "W2|after|$AFTER|blur|"
  "W3|before|$BEFORE|deep|" "W3|after|$AFTER|deep|" "W3|after-avx2|$AFTER|deep|avx2" "W3|after-baseline|$AFTER|deep|baseline"
)
echo "workload,build,rep,wall,user,sys"
for rep in $(seq "$REPS"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r workload build bin filter isa <<< "$c"
    rm -rf "$OUT"
    t=$( { env ${isa:+FILTERPIPE_ISA=$isa} /usr/bin/time -f '%e,%U,%S' "$bin" apply -q "$ROOT/bench/filters/$filter.filter" "$CORPUS" "$OUT" >/dev/null; } 2>&1 | tail -1)
    echo "$workload,$build,$rep,$t"
  done
done
rm -rf "$OUT"
