#!/usr/bin/env bash
# W0 and W1 with libdeflate and with the zlib fallback (FILTERPIPE_DEFLATE=zlib), interleaved:
# median wall and CPU seconds, and bytes written, per workload and backend.
#
#   bash bench/deflate-backends.sh CORPUS_DIR [REPS]     (REPS default 5)
#
# CORPUS_DIR: the peer benchmark's 24 photos (../shared/bench/make_corpus.sh). Builds the release
# binary; outputs go to a temporary folder, never the repository.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(cd "$1" && pwd)
reps=${2:-5}
(cd "$root" && swift build -c release --product filterpipe >/dev/null)
bin=$(cd "$root" && swift build -c release --show-bin-path)/filterpipe
work=$(mktemp -d "${TMPDIR:-/tmp}/filterpipe-deflate.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin" --version | sed -n 2p
for rep in $(seq "$reps"); do
  for w in W0:identity W1:edge; do
    for backend in libdeflate zlib; do
      rm -rf "$work/out"
      FILTERPIPE_DEFLATE=$backend /usr/bin/time -f "%e %U %S" -o "$work/time" \
        "$bin" apply "$root/bench/filters/${w#*:}.filter" "$corpus" "$work/out" --quiet
      read -r wall user sys <"$work/time"
      bytes=$(find "$work/out" -name '*.png' -printf '%s\n' | awk '{ s += $1 } END { print s }')
      echo "${w%%:*} $backend $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $bytes"
    done
  done
done | tee "$work/runs" >&2
echo "workload backend wall_s_median cpu_s_median out_MB"
sort -k1,1 -k2,2 "$work/runs" | awk '
  function median(list, n,   a, i, j, t) {
    split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { key = $1 " " $2; walls[key] = walls[key] " " $3; cpus[key] = cpus[key] " " $4; bytes[key] = $5; n[key]++ }
  END { for (k in n) printf "%s %.2f %.2f %.1f\n", k, median(walls[k], n[k]), median(cpus[k], n[k]), bytes[k] / 1e6 }' | sort
