#!/bin/sh
# The main job: install what is needed, build, and start tsyncd with the
# shipped configuration (conf/tsyncd.yaml: observe-only, it never adjusts
# this machine's clock), then show `tsctl status`. tsyncd keeps running in
# the background; its log is build/tsyncd.log. Stop it with
#   kill $(cat build/tsyncd.pid)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
"$top/scripts/deps.sh"
BUILD_DIR=$build "$top/scripts/build.sh"
tsyncd=$build/src/tsyncd
tsctl=$build/src/tsctl/tsctl
conf=$top/conf/tsyncd.yaml
sock=/run/tsyncd/tsyncd.sock

# A demo tsyncd from an earlier run is replaced, not duplicated.
if [ -f "$build/tsyncd.pid" ] && kill "$(cat "$build/tsyncd.pid")" 2>/dev/null; then
	echo "demo: stopped the tsyncd of an earlier run"
	i=0; while [ -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
"$tsyncd" -t -f "$conf"
nohup "$tsyncd" -n -f "$conf" >"$build/tsyncd.log" 2>&1 &
echo $! >"$build/tsyncd.pid"
i=0
until "$tsctl" --socket "$sock" version >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$(cat "$build/tsyncd.pid")" 2>/dev/null; then
		echo "demo: tsyncd did not start; its log:" >&2
		cat "$build/tsyncd.log" >&2
		exit 1
	fi
	sleep 0.1
done
echo "demo: tsyncd is running (pid $(cat "$build/tsyncd.pid"), log $build/tsyncd.log)"
echo "demo: \$ tsctl status"
"$tsctl" --socket "$sock" status
