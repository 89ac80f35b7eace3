#!/bin/sh
# The main job: install what is needed, build, and start tsyncd with the
# shipped configuration (conf/tsyncd.yaml: observe-only, it never adjusts
# this machine's clock), then show `tsctl sources`, `status` and `trace`.
#
# The shipped file configures no source. So that tsyncd has a real peer
# on a machine without network, the demo starts a lab NTP server -- chronyd
# on 127.0.0.1:11123, `local stratum 1`, run with -x so that it never
# touches the clock either -- and runs tsyncd with the shipped file whose
# `sources: []` is replaced by that one server (build/demo.yaml).
#
# It also starts a simulated GNSS receiver (tests/integration/gnss_feeder.py:
# NMEA for this host's time on a pty, build/lab/gnss0) and adds it as a
# second source, `type: gnss`, NMEA alone; if it cannot start, the demo
# goes on without it.
#
# They keep running in the background; logs in build/. Stop them with
#   kill $(cat build/tsyncd.pid) $(cat build/lab/chronyd.pid) \
#       $(cat build/lab/gnss_feeder.pid)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
"$top/scripts/deps.sh"
BUILD_DIR=$build "$top/scripts/build.sh"
tsyncd=$build/src/tsyncd
tsctl=$build/src/tsctl/tsctl
conf=$top/conf/tsyncd.yaml
sock=/run/tsyncd/tsyncd.sock
lab=$build/lab
lab_port=11123

# A demo tsyncd from an earlier run is replaced, not duplicated.
if [ -f "$build/tsyncd.pid" ] && kill "$(cat "$build/tsyncd.pid")" 2>/dev/null; then
	echo "demo: stopped the tsyncd of an earlier run"
	i=0; while [ -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
"$tsyncd" -t -f "$conf"

# The lab NTP server, unless the shipped file already names sources.
if grep -q '^sources: \[\]' "$conf"; then
	mkdir -p "$lab"
	if [ -f "$lab/chronyd.pid" ] && kill "$(cat "$lab/chronyd.pid")" 2>/dev/null; then
		echo "demo: stopped the lab chronyd of an earlier run"
		sleep 1
	fi
	cat >"$lab/chrony.conf" <<EOF
# Lab NTP server for the tsync demo: serves this host's clock, never steers it.
port $lab_port
bindaddress 127.0.0.1
local stratum 1
allow 127.0.0.1
cmdport 0
bindcmdaddress /
driftfile $lab/chrony.drift
pidfile $lab/chronyd.pid
dumpdir $lab
EOF
	# -x: never adjust the clock; -u root: its files in $lab stay writable.
	chronyd -x -u root -f "$lab/chrony.conf" -l "$lab/chronyd.log"
	echo "demo: lab NTP server: chronyd on 127.0.0.1:$lab_port (-x: it never touches the clock)"
	src="  - {name: lab, type: ntp, server: 127.0.0.1, port: $lab_port, poll: [0, 4], iburst: true}"
	# The simulated GNSS receiver: NMEA for this host's time on a pty,
	# each burst 100 ms after its second (tests/integration/gnss_feeder.py).
	# Without it the demo goes on with the lab server alone.
	if [ -f "$lab/gnss_feeder.pid" ] && kill "$(cat "$lab/gnss_feeder.pid")" 2>/dev/null; then
		echo "demo: stopped the GNSS feeder of an earlier run"
	fi
	rm -f "$lab/gnss0" "$lab/gnss_feeder.pid"
	nohup python3 "$top/tests/integration/gnss_feeder.py" --link "$lab/gnss0" \
	    --offset 0.1 --quiet >"$lab/gnss_feeder.log" 2>&1 &
	echo $! >"$lab/gnss_feeder.pid"
	i=0; while [ ! -L "$lab/gnss0" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if [ -L "$lab/gnss0" ]; then
		echo "demo: simulated GNSS receiver: NMEA on $lab/gnss0 (pid $(cat "$lab/gnss_feeder.pid"))"
		src="$src\n  - {name: gnss, type: gnss, device: $lab/gnss0, serial_delay: 100ms}"
	else
		echo "demo: warning: the simulated GNSS receiver did not start (log: $lab/gnss_feeder.log); going on without it" >&2
		rm -f "$lab/gnss_feeder.pid"
	fi
	sed "s|^sources: \[\]|sources:\n$src|" "$conf" >"$build/demo.yaml"
	conf=$build/demo.yaml
	"$tsyncd" -t -f "$conf"
fi
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
if [ "$conf" != "$top/conf/tsyncd.yaml" ]; then
	echo "demo: waiting 30 s for the first samples from the lab server..."
	sleep 30
	echo "demo: \$ tsctl sources"
	"$tsctl" --socket "$sock" sources
fi
echo "demo: \$ tsctl status"
"$tsctl" --socket "$sock" status
if [ "$conf" != "$top/conf/tsyncd.yaml" ]; then
	echo "demo: \$ tsctl trace"
	"$tsctl" --socket "$sock" trace
fi
