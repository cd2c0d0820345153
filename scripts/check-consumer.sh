#!/usr/bin/env bash
# Uses filterpipe the way another package would: clones this repository (committed state), tags
# the clone 1.0.0, and builds and runs scripts/consumer, which depends on it by
# `.package(url: "file://…/filterpipe", from: "1.0.0")` and does `import FilterPipe`. SwiftPM
# refuses such a versioned dependency if any of its targets uses unsafeFlags.
#
#   scripts/check-consumer.sh [REV]      REV: the commit to check (default HEAD)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rev=$(git -C "$repo" rev-parse --verify "${1:-HEAD}^{commit}")
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ] && [ $# -eq 0 ]; then
  echo "check-consumer: note: uncommitted changes are not part of the check (it clones $rev)" >&2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/filterpipe-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
git clone -q --no-checkout "$repo" "$work/filterpipe"
git -C "$work/filterpipe" -c advice.detachedHead=false checkout -q "$rev"
git -C "$work/filterpipe" tag 1.0.0
cp -R "$repo/scripts/consumer" "$work/consumer"
rm -rf "$work/consumer/.build"
echo "check-consumer: filterpipe $(git -C "$repo" log -1 --format='%h %s' "$rev") tagged 1.0.0 in $work"
FILTERPIPE_PACKAGE_URL="file://$work/filterpipe" \
  swift run --package-path "$work/consumer" consumer "$work/filterpipe"
