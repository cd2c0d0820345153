#!/usr/bin/env bash
# Optional: builds static libpng and libjpeg-turbo from Debian 12's own source packages with
# libFuzzer coverage and ASan instrumentation, so scripts/fuzz.sh can link them instead of the
# system's uninstrumented shared libraries (FUZZ_INSTRUMENTED_LIBS=<folder printed at the end>).
# Without them the fuzzer only sees the wrapper's edges (CImageIO and the Swift bridge).
#
#   scripts/build-instrumented-libs.sh [WORK_FOLDER]     (default .build-fuzz/libs, git-ignored)
#
# Needs dpkg-source and cmake (apt-get install cmake). The source packages are fetched with a
# private apt configuration (a deb-src list in the work folder); the system's sources are untouched.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$root/.build-fuzz/libs}"
mkdir -p "$work/apt/lists/partial" "$work/src" "$work/prefix/lib"
work="$(cd "$work" && pwd)"
command -v cmake >/dev/null || { echo "cmake is needed: apt-get install cmake" >&2; exit 2; }
toolchain_bin="$(dirname "$(command -v swift)")"
cc="$toolchain_bin/clang"
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address"

cat > "$work/apt/sources.list" <<'LIST'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian-security bookworm-security main
LIST
apt_options=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$work/apt/lists")
cd "$work/src"
if [ ! -d png ] || [ ! -d jpeg ]; then
    apt-get "${apt_options[@]}" update >/dev/null
    # The newest source the mirror has for each; the installed binary package's version may be
    # one security update behind or ahead (reported below).
    for package in libpng1.6 libjpeg-turbo; do
        for version in $(apt-cache "${apt_options[@]}" showsrc "$package" | sed -n 's/^Version: //p' | sort -rV); do
            apt-get "${apt_options[@]}" source --download-only "$package=$version" >/dev/null 2>&1 && break
        done
    done
    rm -rf png jpeg
    dpkg-source -x libpng1.6_*.dsc png >/dev/null
    dpkg-source -x libjpeg-turbo_*.dsc jpeg >/dev/null
fi
echo "sources: $(ls "$work"/src/*.dsc | xargs -n1 basename | tr '\n' ' ')"
echo "installed: $(dpkg-query -W -f='${Package} ${Version}  ' libpng16-16 libjpeg62-turbo 2>/dev/null)"

# libpng: autotools, static only, no hardware-specific code paths (plain C is what gets fuzzed).
( cd png && [ -f .libs/libpng16.a ] || {
    ./configure CC="$cc" CFLAGS="$flags" --disable-shared --enable-static --disable-hardware-optimizations >/dev/null
    make -j2 libpng16.la >/dev/null
  } )
cp png/.libs/libpng16.a "$work/prefix/lib/libpng16.a"
ln -sf libpng16.a "$work/prefix/lib/libpng.a"

# libjpeg-turbo: the libjpeg 6.2 API Debian ships (libjpeg62-turbo), without the SIMD assembly
# (not instrumentable; its C fallbacks are what the fuzzer then explores).
mkdir -p jpeg/build
( cd jpeg/build && [ -f libjpeg.a ] || {
    cmake .. -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DENABLE_SHARED=0 -DENABLE_STATIC=1 \
        -DWITH_SIMD=0 -DWITH_TURBOJPEG=0 -DWITH_JPEG8=0 -DCMAKE_BUILD_TYPE=None >/dev/null
    make -j2 jpeg-static >/dev/null
  } )
cp jpeg/build/libjpeg.a "$work/prefix/lib/libjpeg.a"

echo "instrumented static libraries in $work/prefix/lib:"
ls -l "$work/prefix/lib"
echo "use: FUZZ_INSTRUMENTED_LIBS=$work/prefix/lib scripts/fuzz.sh SECONDS [TARGET...]"
