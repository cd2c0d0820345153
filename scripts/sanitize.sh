#!/usr/bin/env bash
# Runs the whole test suite under ThreadSanitizer and under AddressSanitizer, each in its own
# scratch folder (.build-tsan, .build-asan; git-ignored), and prints one summary line each.
# Exits 1 if either run had a failing test or a sanitizer report.
#
#   scripts/sanitize.sh [thread|address ...] [-- extra swift test arguments, e.g. --filter Codec]
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sanitizers=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sanitizers+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(thread address)

export SWIFT_BACKTRACE=enable=no
# Keep going after a report so one run shows every distinct race / memory error.
# Suppressions: contended Synchronization.Mutex is invisible to TSan (see scripts/tsan.supp).
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp:print_suppressions=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=0:detect_leaks=1:detect_stack_use_after_return=1}"
# Known leaks of XCTest and Foundation.Process (not filterpipe's); printed as "Suppressions used".
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=1}"
logs="$(mktemp -d /tmp/filterpipe-sanitize.XXXXXX)"
summary=()
failed=0

for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
        thread) scratch=.build-tsan; pattern='WARNING: ThreadSanitizer' ;;
        address) scratch=.build-asan; pattern='ERROR: (AddressSanitizer|LeakSanitizer)' ;;
        *) echo "unknown sanitizer $sanitizer (thread or address)" >&2; exit 2 ;;
    esac
    log="$logs/$sanitizer.log"
    echo "== swift test --sanitize=$sanitizer --scratch-path $scratch $* (log $log)"
    start=$(date +%s)
    (cd "$root" && swift test --sanitize="$sanitizer" --scratch-path "$scratch" "$@") >"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    reports=$(grep -c -E "$pattern" "$log")
    # Swift Testing's closing line, e.g. "Test run with 240 tests in 31 suites passed after 12.3 seconds."
    result="$(grep -E 'Test run with [0-9]+ tests?' "$log" | tail -1 | sed -E 's/^[^A-Za-z]*//')"
    xctest="$(grep -E 'Executed [0-9]+ tests?, with' "$log" | tail -1 | sed -E 's/^[[:space:]]*//')"
    line="$sanitizer: exit $status, $reports sanitizer reports, ${elapsed}s; ${result:-no Swift Testing summary (build failed?)}${xctest:+; XCTest: $xctest}"
    if [ "$status" -ne 0 ] || [ "$reports" -ne 0 ]; then
        failed=1
        grep -E "$pattern|SUMMARY: |✘ Test .* (failed|recorded)|error:" "$log" | sort | uniq -c | sort -rn | head -15 | sed 's/^/    /'
    fi
    echo "$line"
    summary+=("$line")
done

echo
echo "== sanitizer summary (logs in $logs)"
printf '%s\n' "${summary[@]}"
exit "$failed"
