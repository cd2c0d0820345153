#!/usr/bin/env bash
# Decodes every file of ../shared/testdata (and samples/images, the test fixtures) under valgrind's
# memcheck, which also catches what ASan does not instrument: overlapping memcpy in the system
# libpng/libjpeg, reads of uninitialised memory. Each image that decodes is also round-tripped
# through the PNG encoder (up to 1 MP). Exits 1 if valgrind reported any error or definite leak.
#
#   scripts/valgrind-decoders.sh [FOLDER_OR_FILE...]   (default: ../shared/testdata samples/images)
#   scripts/valgrind-decoders.sh --as png|jpeg FOLDER... (every file, its signature forced as the
#                                                         fuzz targets do: replays a fuzz corpus)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
forced=()
if [ "${1:-}" = "--as" ]; then forced=(--as "$2"); shift 2; fi
inputs=("$@")
[ ${#inputs[@]} -eq 0 ] && inputs=("$root/../shared/testdata" "$root/samples/images" "$root/Tests/FilterPipeTests/Fixtures")
export SWIFT_BACKTRACE=enable=no

# DWARF 4: valgrind 3.19 (Debian 12) gives up on the toolchain's default DWARF 5.
debug_flags=(-Xswiftc -dwarf-version=4 -Xcc -gdwarf-4)
# SwiftPM misses source files added to the root package since the last plan: redo the plan.
rm -f "$root/Fuzz/.build-valgrind/debug.yaml"
swift build --package-path "$root/Fuzz" --scratch-path "$root/Fuzz/.build-valgrind" "${debug_flags[@]}" --product DecodeAll >/dev/null \
    || { echo "build of DecodeAll failed" >&2; exit 2; }
bin="$(swift build --package-path "$root/Fuzz" --scratch-path "$root/Fuzz/.build-valgrind" "${debug_flags[@]}" --show-bin-path)"

if [ ${#forced[@]} -gt 0 ]; then
    mapfile -t files < <(find "${inputs[@]}" -type f 2>/dev/null | sort)
else
    mapfile -t files < <(find "${inputs[@]}" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' -o -name '*.bin' \) 2>/dev/null | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "no image files under ${inputs[*]}" >&2; exit 2; }
log="$(mktemp -d)/valgrind.log"
echo "== valgrind memcheck: ${#files[@]} files, log $log"
start=$(date +%s)
valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    --track-origins=yes --log-file="$log" "$bin/DecodeAll" "${forced[@]}" "${files[@]}" > "$log.out"
status=$?
elapsed=$(( $(date +%s) - start ))

echo "== valgrind summary (${elapsed}s)"
tail -1 "$log.out"
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|Invalid|uninitialised|overlap" "$log" | sort | uniq -c | sed 's/==[0-9]*== //'
if [ "$status" -ne 0 ]; then
    echo "FAILED: valgrind exit $status (errors above; full report in $log, per-file results in $log.out)"
else
    echo "OK: no memcheck errors, no definite leaks"
fi
exit "$status"
