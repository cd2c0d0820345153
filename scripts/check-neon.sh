#!/usr/bin/env bash
# The conv kernels run, not just compile, on every set: scripts/kernel-harness.c is built natively
# (x86-64: baseline, avx2, avx512 when the CPU has it) and for aarch64 (static, run under
# qemu-aarch64: baseline, neon), and its per-kernel FNV-1a-64 hashes of all output bytes must agree:
# neon = avx2 = avx512 for every kernel (the README's byte-identical claim). Each run also checks
# every value of every set against a float64 reference within the rounding-error bound (so equal
# hashes of wrong outputs fail), and that baseline differs from the fused sets (FMA really used).
# The same with ±inf and NaN among the inputs, NaN outputs counted as one NaN (their sign and
# payload are the CPU's, reported). Baseline arm64 vs x86-64 is reported, not asserted. -O2
# (release) and -O0 (debug, what `swift test` runs) builds must give the same fused bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "check-neon: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=Sources/CConvKernels
files=(scripts/kernel-harness.c "$src"/*.c)
# No contraction in the harness's float64 reference (the kernels choose their own fusion).
flags=(-ffp-contract=off -Wall -Wextra -Werror -I"$src/include")
arm=(--target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu --gcc-toolchain=/usr -static)

x86_sets=$(clang -O0 "${flags[@]}" "${files[@]}" -o "$work/probe" && "$work/probe" supported)
for opt in -O2 -O0; do
  clang "$opt" "${flags[@]}" "${files[@]}" -o "$work/x86$opt"
  if command -v ld.lld >/dev/null; then
    clang "${arm[@]}" -fuse-ld=lld "$opt" "${flags[@]}" "${files[@]}" -o "$work/arm64$opt"
  else
    objects=()
    for file in "${files[@]}"; do
      clang "${arm[@]}" "$opt" "${flags[@]}" -c "$file" -o "$work/$(basename "$file" .c)$opt.o"
      objects+=("$work/$(basename "$file" .c)$opt.o")
    done
    aarch64-linux-gnu-gcc -static "${objects[@]}" -o "$work/arm64$opt"
  fi
  # shellcheck disable=SC2086
  "$work/x86$opt" $x86_sets > "$work/x86$opt.txt"
  qemu-aarch64 "$work/arm64$opt" baseline neon > "$work/arm64$opt.txt"
done

# hash FILE SET KERNEL
hash() { awk -v s="$2" -v k="$3" '$1 == "hash" && $2 == s && $3 == k { print $4 }' "$1"; }
kernels=(blocked single separable scalar maxpool nonfinite all)
fused=(neon avx2)
[[ " $x86_sets " == *" avx512 "* ]] && fused+=(avx512)
status=0
declare -A same raw
for opt in -O2 -O0; do
  x86=$work/x86$opt.txt arm=$work/arm64$opt.txt
  if ! diff <(grep '^shapes' "$x86") <(grep '^shapes' "$arm") >&2; then
    echo "check-neon: $opt: the x86-64 and arm64 runs covered different shapes" >&2
    status=1
  fi
  for kernel in "${kernels[@]}"; do
    want=$(hash "$arm" neon "$kernel")
    for set in avx2 avx512; do
      [[ " ${fused[*]} " == *" $set "* ]] || continue
      got=$(hash "$x86" "$set" "$kernel")
      if [ -z "$want" ] || [ "$got" != "$want" ]; then
        echo "check-neon: $opt $kernel: neon $want, $set $got: not byte-identical" >&2
        status=1
      fi
    done
  done
  # The fused sets must not equal baseline: if they did, nothing was fused.
  for line in "$(grep '^deviation neon' "$arm")" "$(grep '^deviation avx2' "$x86")"; do
    read -r _ set _ _ count _ <<<"$line"
    if [ "${count:-0}" -eq 0 ]; then
      echo "check-neon: $opt: $set gives the same values as baseline (no fused multiply-adds?)" >&2
      status=1
    fi
  done
  [ "$(hash "$arm" baseline all)" = "$(hash "$x86" baseline all)" ] && same[$opt]=yes || same[$opt]=no
  [ "$(hash "$arm" neon nonfinite-raw)" = "$(hash "$x86" avx2 nonfinite-raw)" ] && raw[$opt]=yes || raw[$opt]=no
done
x86=$work/x86-O2.txt arm=$work/arm64-O2.txt
for set in neon avx2 baseline; do
  file=$x86
  [ "$set" = neon ] && file=$arm
  if [ "$(hash "$file" "$set" all)" != "$(hash "${file/-O2/-O0}" "$set" all)" ]; then
    echo "check-neon: $set: -O0 and -O2 builds give different bytes" >&2
    status=1
  fi
done
shapes=$(awk '$1 == "shapes" { n += $3 } END { print n }' "$x86")
values=$(awk '$1 == "shapes" { n += $5 } END { print n }' "$x86")
read -r _ _ deviation _ differ _ total <<<"$(grep '^deviation neon' "$arm")"
worst=$(awk '$1 == "error" && $3 > w { w = $3 } END { print w + 0 }' "$x86" "$arm")
((status == 0)) || { echo "check-neon: FAILED" >&2; exit 1; }
names=${fused[*]}
echo "check-neon: 5 kernels, $shapes shapes, $values values (-O2 and -O0): ${names// / = } (hash $(hash "$arm" neon all))"
echo "check-neon: baseline arm64 = x86-64: ${same[-O2]} at -O2, ${same[-O0]} at -O0 (hash $(hash "$arm" baseline all) / $(hash "$x86" baseline all))"
read -r _ _ nans _ infs <<<"$(grep '^nonfinite' "$x86")"
echo "check-neon: with ±inf/NaN inputs ($nans NaN, $infs ±inf of $(awk '$1 == "shapes" && $2 == "nonfinite" { print $5 }' "$x86") values): same values; same NaN bytes (sign, payload) as x86-64: ${raw[-O2]}"
echo "check-neon: baseline vs fused: $differ of $total conv values differ, max deviation $deviation × 2^-24·(Σ|w·x|+|b|); worst error vs float64 $worst of the bound"
