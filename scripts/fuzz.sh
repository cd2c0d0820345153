#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (ASan + fuzzer instrumentation) and runs each for a fixed
# time, one after the other, then prints a summary. Exits 1 if any target found a crash.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 300 s; FuzzPNG FuzzJPEG FuzzFilterFile FuzzPNGEncode)
#   FUZZ_WORK=/some/dir scripts/fuzz.sh 60 FuzzJPEG       (work folder; default .build-fuzz, git-ignored)
#   FUZZ_INSTRUMENTED_LIBS=DIR scripts/fuzz.sh 300        (link the instrumented static libpng/libjpeg
#                                                          of scripts/build-instrumented-libs.sh)
#
# Seeds come from ../shared/testdata (PNGs, JPEGs; skipped with a note if absent), samples/, the
# test fixtures, the code blocks of docs/*.md (filter target) and Tests/FilterPipeTests/Fixtures/fuzz
# (earlier findings). The growing corpus, crash artifacts and logs stay in the work folder.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(FuzzPNG FuzzJPEG FuzzFilterFile FuzzPNGEncode)
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac

work="${FUZZ_WORK:-$root/.build-fuzz}"
testdata="$root/../shared/testdata"
fixtures="$root/Tests/FilterPipeTests/Fixtures"
# Swift's backtracer would otherwise intercept the crash signal before libFuzzer/ASan report it.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"

build=(swift build --package-path "$root/Fuzz" --sanitize=fuzzer --sanitize=address)
# SwiftPM hands swiftc `-sanitize=fuzzer -sanitize=address` as two flags and the last one wins, so
# Swift code got ASan but no coverage (only the C of CImageIO was instrumented: 703 counters, a
# corpus that never grew). Asking for the coverage explicitly instruments the Swift code too.
build+=(-Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table)
if [ -n "${FUZZ_INSTRUMENTED_LIBS:-}" ]; then
    # Static archives found first on the search path win over the system's shared libpng/libjpeg.
    for library in libpng.a libjpeg.a; do
        [ -f "$FUZZ_INSTRUMENTED_LIBS/$library" ] || { echo "no $library in $FUZZ_INSTRUMENTED_LIBS" >&2; exit 2; }
    done
    scratch="$root/Fuzz/.build-fuzzer-instrumented"
    build+=(--scratch-path "$scratch" -Xlinker -L"$FUZZ_INSTRUMENTED_LIBS")
    work="$work/instrumented"
else
    scratch="$root/Fuzz/.build-fuzzer"
    build+=(--scratch-path "$scratch")
fi

# SwiftPM does not notice source files added to a path dependency (the root package) since its
# last plan of this scratch folder ("cannot find 'X' in scope"): drop the plan so it is redone.
rm -f "$scratch/debug.yaml"
echo "== building ${targets[*]} with --sanitize=fuzzer --sanitize=address${FUZZ_INSTRUMENTED_LIBS:+ and instrumented libpng/libjpeg}"
for target in "${targets[@]}"; do
    mkdir -p "$work/logs"
    if ! "${build[@]}" --product "$target" >"$work/logs/build-$target.log" 2>&1; then
        grep -E "error:" "$work/logs/build-$target.log" | sort -u | head -20 >&2
        echo "build of $target failed (log $work/logs/build-$target.log)" >&2
        exit 2
    fi
done
bin="$("${build[@]}" --show-bin-path)"

# copy_seeds DEST MAX_BYTES FILE... : copies regular files up to MAX_BYTES, named by content hash.
copy_seeds() {
    local dest="$1" max="$2"; shift 2
    local file
    for file in "$@"; do
        [ -f "$file" ] || continue
        [ "$(stat -c %s "$file")" -le "$max" ] || continue
        cp "$file" "$dest/$(sha1sum "$file" | cut -c1-16)"
    done
}

# seed_folder TARGET: fills $work/seeds/TARGET afresh.
seed_folder() {
    local target="$1" dest="$work/seeds/$1"
    rm -rf "$dest"; mkdir -p "$dest"
    if [ ! -d "$testdata" ] && [ "$target" != FuzzFilterFile ]; then
        echo "note: $testdata is absent; seeding $target from samples and fixtures only" >&2
    fi
    shopt -s nullglob globstar
    case "$target" in
        FuzzPNG)
            copy_seeds "$dest" 300000 "$testdata"/pngsuite/* "$testdata"/png-extra/* "$testdata"/png-bad/* \
                "$testdata"/photos/*.png "$root"/samples/images/*.png "$fixtures"/fuzz/png/* ;;
        FuzzJPEG)
            copy_seeds "$dest" 300000 "$testdata"/jpeg/**/*.jp*g "$testdata"/jpeg-bad/**/* \
                "$testdata"/photos/*.jpg "$root"/samples/images/*.jpg "$fixtures"/*.jpg "$fixtures"/fuzz/jpeg/* ;;
        FuzzPNGEncode)
            # Any bytes are an image: slices of a bundled photo, and zero runs around a ramp.
            local i photo hex
            photo="$(find "$root"/samples/images -name '*.png' | sort | head -1)"
            for i in 0 1 2 3 4 5; do
                tail -c +$((i * 997 + 1)) "$photo" | head -c $((1000 + i * 700)) >"$dest/photo-$i"
                hex="$(printf '\\x%02x\\x%02x\\x00\\x%02x' $((i * 17)) $((i * 41 + 3)) $((i * 50 + 1)))"
                { printf "$hex"; head -c $((300 * i + 50)) /dev/zero; seq 1 200 | tr -d '\n'; head -c 400 /dev/zero; } \
                    >"$dest/runs-$i"
            done ;;
        FuzzFilterFile)
            copy_seeds "$dest" 100000 "$root"/samples/filters/*.filter "$fixtures"/fuzz/filter/*
            # Every fenced code block of the docs is a seed (most are filter files or fragments).
            local doc
            for doc in "$root"/docs/*.md "$root"/samples/README.md; do
                awk -v prefix="$dest/$(basename "$doc" .md)-block" '
                    /^```/ { if (inside) { inside = 0; close(out) } else { inside = 1; n++; out = prefix n } ; next }
                    inside { print > out }' "$doc"
            done ;;
        *) echo "unknown target $target" >&2; return 1 ;;
    esac
    shopt -u nullglob globstar
    find "$dest" -type f | wc -l
}

summary=()
crashed=0
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"; artifacts="$work/artifacts/$target"; log="$work/logs/$target.log"
    mkdir -p "$corpus" "$artifacts" "$work/logs"
    seeds="$(seed_folder "$target")" || exit 2
    before="$(find "$artifacts" -type f | wc -l)"
    echo "== $target: ${seconds}s, $seeds seeds, corpus $corpus ($(find "$corpus" -type f | wc -l) files), log $log"
    # -timeout: one input taking > 10 s is a finding (a hang); -rss_limit_mb: so is > 2 GB.
    extra=()
    [ "$target" = FuzzFilterFile ] && extra=(-dict="$root/Fuzz/filter.dict" -max_len=4096)
    "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${extra[@]}" "$corpus" "$work/seeds/$target" >"$log" 2>&1
    status=$?
    after="$(find "$artifacts" -type f | wc -l)"
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1)"
    line="$target: ${seconds}s, ${runs:-?} executions, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l) files, exit $status, new artifacts $((after - before))"
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        crashed=1
        line="$line  <-- FINDING (see $log, $artifacts)"
        grep -E "ERROR: |Fatal error|SUMMARY: |Test unit written" "$log" | head -5 | sed 's/^/    /'
    fi
    echo "$line"
    summary+=("$line")
done

echo
echo "== fuzz summary ($(date -u +%FT%TZ))"
printf '%s\n' "${summary[@]}"
exit "$crashed"
