#!/bin/sh
# The whole test suite: install what is needed, build with warnings as
# errors, run `make check` (Check unit suites and integration tests against
# the real binaries), and print one summary line "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" --tests
build=${BUILD_DIR:-$top/build}
BUILD_DIR=$build "$top/scripts/build.sh" --enable-werror "$@"
cd "$build"
rc=0
make -s check -j"$(nproc)" || rc=$?
"$top/scripts/test-summary.sh" "$build" || rc=1
exit $rc
