#!/bin/sh
# Bootstrap and build tsync out of tree in build/ (or $BUILD_DIR).
# Extra arguments go to configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cd "$top"
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p "$build"
cd "$build"
"$top/configure" -q "$@"
make -s -j"$(nproc)"
