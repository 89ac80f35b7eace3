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
# When root and `ip netns` works, it also starts a PTP pair (linuxptp): a
# grandmaster and a slave ptp4l in two network namespaces (tsdemo-gm,
# tsdemo-sl) joined by a veth pair, software timestamping (-S). The
# grandmaster announces clockClass 6 and (pmc SET GRANDMASTER_SETTINGS_NP)
# timeTraceable; the slave runs with free_running 1, and tsyncd, in this
# namespace, follows it over its management socket (build/lab/ptp-slave.sock)
# as a third source, `type: ptp` (no `trace:`: a grandmaster on this host's
# own clock is no UTC(k), whatever its clockClass). Namespaces share this host's
# CLOCK_REALTIME and ptp4l -S resets its frequency at start even with
# free_running 1, so both run under `capsh --drop=cap_sys_time`, checked in
# /proc before going on (as tests/integration/test_ptp_source.py does).
# Not root, no `ip netns`, or no linuxptp/capsh: skipped with a message.
#
# They keep running in the background; logs in build/. Stop them all (and
# remove the namespaces) with
#   ./scripts/demo.sh --stop
# or by hand:
#   kill $(cat build/tsyncd.pid) $(cat build/lab/chronyd.pid) \
#       $(cat build/lab/gnss_feeder.pid) $(cat build/lab/ptp4l-*.pid)
#   ip netns del tsdemo-gm; ip netns del tsdemo-sl
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
tsyncd=$build/src/tsyncd
tsctl=$build/src/tsctl/tsctl
conf=$top/conf/tsyncd.yaml
sock=/run/tsyncd/tsyncd.sock
lab=$build/lab
lab_port=11123
ns_gm=tsdemo-gm
ns_sl=tsdemo-sl

# The PTP pair of an earlier run (or of a failed start): ptp4l, namespaces.
ptp_lab_stop() {
	pids=""
	for f in "$lab"/ptp4l-gm.pid "$lab"/ptp4l-sl.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null && pids="$pids $(cat "$f")"
		rm -f "$f"
	done
	# gone before their namespaces (and veth) are deleted
	i=0
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	done
	for ns in $ns_gm $ns_sl; do
		ip netns del "$ns" 2>/dev/null || :
	done
	rm -f "$lab/ptp-gm.sock" "$lab/ptp-slave.sock" "$lab/pmc.sock"
}

if [ "${1:-}" = "--stop" ]; then
	for f in "$build/tsyncd.pid" "$lab/chronyd.pid" "$lab/gnss_feeder.pid"; do
		p=$(cat "$f" 2>/dev/null) && kill "$p" 2>/dev/null &&
		    echo "demo: stopped pid $p ($f)"
		rm -f "$f"
	done
	ptp_lab_stop
	echo "demo: stopped"
	exit 0
fi
"$top/scripts/deps.sh"
BUILD_DIR=$build "$top/scripts/build.sh"

# Why the PTP pair cannot run here, or nothing.
ptp_lab_unavailable() {
	[ "$(id -u)" -eq 0 ] || { echo "not root"; return; }
	for c in ptp4l pmc capsh ip; do
		command -v $c >/dev/null 2>&1 || { echo "$c is not installed"; return; }
	done
	ip netns add $ns_gm 2>/dev/null || { echo "ip netns add fails here"; return; }
	ip netns del $ns_gm
}

# One ptp4l in namespace $1 on interface $2 with config $3, without
# CAP_SYS_TIME; its pid in $lab/ptp4l-$4.pid. Fails, killing it, unless
# /proc shows it running as ptp4l without CAP_SYS_TIME.
ptp4l_start() {
	nohup ip netns exec "$1" capsh --drop=cap_sys_time -- -c \
	    "exec ptp4l -S -m -i $2 -f $3" >"$lab/ptp4l-$4.log" 2>&1 &
	echo $! >"$lab/ptp4l-$4.pid"
	i=0
	while [ $i -lt 50 ]; do
		[ "$(cat /proc/$!/comm 2>/dev/null)" = ptp4l ] && break
		sleep 0.1; i=$((i + 1))
	done
	capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$!/status 2>/dev/null)
	# CAP_SYS_TIME is bit 25
	if [ "$(cat /proc/$!/comm 2>/dev/null)" != ptp4l ] || [ -z "$capeff" ] ||
	    [ $(( (0x$capeff >> 25) & 1 )) -ne 0 ]; then
		kill $! 2>/dev/null || :
		echo "demo: warning: ptp4l ($4) not confirmed running without CAP_SYS_TIME (CapEff '$capeff'); killed" >&2
		return 1
	fi
	echo "demo: ptp4l ($4) in $1: pid $!, CapEff $capeff (no CAP_SYS_TIME)"
}

# The PTP pair; returns non-zero (cleaned up) when any step fails.
ptp_lab_start() {
	ip netns add $ns_gm && ip netns add $ns_sl &&
	ip link add tsdemo-g type veth peer name tsdemo-s &&
	ip link set tsdemo-g netns $ns_gm && ip link set tsdemo-s netns $ns_sl &&
	ip -n $ns_gm addr add 10.232.0.1/24 dev tsdemo-g &&
	ip -n $ns_sl addr add 10.232.0.2/24 dev tsdemo-s &&
	ip -n $ns_gm link set tsdemo-g up && ip -n $ns_sl link set tsdemo-s up &&
	ip -n $ns_gm link set lo up && ip -n $ns_sl link set lo up || return 1
	rm -f "$lab/ptp-gm.sock" "$lab/ptp-slave.sock"
	printf '[global]\nclockClass 6\nclockAccuracy 0x21\noffsetScaledLogVariance 0x4e5d\ntimeSource 0x20\npriority1 10\ndomainNumber 0\nlogSyncInterval 0\nuse_syslog 0\nuds_address %s\n' \
	    "$lab/ptp-gm.sock" >"$lab/ptp4l-gm.cfg"
	printf '[global]\nslaveOnly 1\nfree_running 1\ndomainNumber 0\nuse_syslog 0\nuds_address %s\n' \
	    "$lab/ptp-slave.sock" >"$lab/ptp4l-sl.cfg"
	ptp4l_start $ns_gm tsdemo-g "$lab/ptp4l-gm.cfg" gm || return 1
	ptp4l_start $ns_sl tsdemo-s "$lab/ptp4l-sl.cfg" sl || return 1
	i=0; while [ ! -S "$lab/ptp-gm.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	# timeTraceable and a valid currentUtcOffset: only pmc sets them
	rm -f "$lab/pmc.sock"
	pmc -u -b 0 -i "$lab/pmc.sock" -s "$lab/ptp-gm.sock" \
	    "SET GRANDMASTER_SETTINGS_NP clockClass 6 clockAccuracy 0x21 offsetScaledLogVariance 0x4e5d currentUtcOffset 37 leap61 0 leap59 0 currentUtcOffsetValid 1 ptpTimescale 0 timeTraceable 1 frequencyTraceable 1 timeSource 0x20" \
	    >"$lab/pmc.log" 2>&1
	grep -q RESPONSE "$lab/pmc.log" || return 1
	echo "demo: PTP grandmaster (clockClass 6, timeTraceable) in $ns_gm, slave (free_running 1) in $ns_sl, veth, software timestamps"
}

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
	# The PTP pair, when root and network namespaces work here.
	ptp_lab_stop
	why=$(ptp_lab_unavailable)
	if [ -n "$why" ]; then
		echo "demo: no PTP pair: $why (it needs root, ip netns, linuxptp and capsh)"
	elif ptp_lab_start; then
		src="$src\n  - {name: ptp, type: ptp, uds: $lab/ptp-slave.sock, free_running: true}"
	else
		echo "demo: warning: the PTP pair did not start (logs: $lab/ptp4l-*.log, $lab/pmc.log); going on without it" >&2
		ptp_lab_stop
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
