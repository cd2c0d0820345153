#!/usr/bin/env bash
# Runtime CPU dispatch checks (called by .ci/run): the conv kernels compile for arm64 without any
# system headers and give the same bytes there under qemu-aarch64 (check-neon.sh), and the
# README's sample job gives the same outputs on an AVX2 CPU (qemu -cpu Haswell: byte-identical,
# the same fused multiply-adds) and on a pre-AVX CPU (-cpu Nehalem: the baseline kernels, PNG
# samples within 1 level) as on this machine. FILTERPIPE_ISA stays unset:
# each run picks its kernel set from the (emulated) CPU alone.
set -euo pipefail
cd "$(dirname "$0")/.."
unset FILTERPIPE_ISA

if ! dpkg -s qemu-user >/dev/null 2>&1; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-user
fi
# qemu-user warns about every CPUID bit its TCG cannot emulate (TSX, x2apic, ...): not ours.
emulate() {
  local cpu=$1
  shift
  qemu-x86_64 -cpu "$cpu" "$@" 2> >(grep -v "TCG doesn't support requested feature" >&2)
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The kernels are freestanding C: the NEON build must compile (and define its entry points) for aarch64.
for file in Sources/CConvKernels/*.c; do
  clang --target=aarch64-linux-gnu -ffreestanding -O2 -Wall -Wextra -Werror -ISources/CConvKernels/include \
    -c "$file" -o "$work/$(basename "$file" .c).o"
done
llvm-nm "$work/conv_neon.o" | grep -q ' T fp_conv_blocked_neon$'
llvm-nm "$work/dispatch.o" | grep -q ' T fp_conv_blocked$'
echo "check-isa: CConvKernels compiles for aarch64"
bash scripts/check-neon.sh  # and runs: neon (qemu-aarch64) = avx2 = avx512, byte for byte

swift build -c release --product filterpipe
bin=$(swift build -c release --show-bin-path)/filterpipe
native=$("$bin" --version | sed -n 's/^conv kernels: \([a-z0-9]*\).*/\1/p')
haswell=$(emulate Haswell "$bin" --version | sed -n 's/^conv kernels: \([a-z0-9]*\).*/\1/p')
nehalem=$(emulate Nehalem "$bin" --version | sed -n 's/^conv kernels: \([a-z0-9]*\).*/\1/p')
echo "check-isa: kernel sets: native $native, Haswell $haswell, Nehalem $nehalem"
[ "$haswell" = avx2 ] && [ "$nehalem" = baseline ]

job=(apply -q samples/filters/edge.filter samples/images)
"$bin" "${job[@]}" "$work/native"
emulate Haswell "$bin" "${job[@]}" "$work/haswell"
emulate Nehalem "$bin" "${job[@]}" "$work/nehalem"

# Every file of every tree, both ways (nothing missing, nothing extra).
(cd "$work/native" && find . -type f | sort) > "$work/native.list"
for cpu in haswell nehalem; do
  (cd "$work/$cpu" && find . -type f | sort) | diff -u "$work/native.list" - >&2
done
[ -s "$work/native.list" ]
if [ "$native" = baseline ]; then fused=nehalem; other=haswell; else fused=haswell; other=nehalem; fi
while read -r file; do
  cmp "$work/native/$file" "$work/$fused/$file"
done < "$work/native.list"
echo "check-isa: $fused run byte-identical to the native run ($(wc -l < "$work/native.list") files)"
python3 scripts/png_compare.py "$work/native" "$work/$other" --max-diff 1
