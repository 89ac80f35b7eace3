#!/usr/bin/env bash
# run_ptp.sh - ptp4l -> PHC -> CLOCK_REALTIME under clknetsim: tsyncd
# beside phc2sys, one seed, and print the figures.
#
#   CLKNETSIM_PATH=/path/to/built/clknetsim \
#       tests/simulation/run_ptp.sh [-c tsyncd|phc2sys] [-k] [-o dir] \
#       [-j file.json] [scenario]
#
# Network. Subnet 1 (eth0, 192.168.123.N) carries PTP between node 1 and
# node 2; subnet 2 is clknetsim's AF_UNIX "subnet", which carries the
# management messages (/clknetsim/unix/N:P is socket P of node N):
#   node 1   ptp4l grandmaster, hardware timestamping, a perfect clock;
#            node 5 makes it announce currentUtcOffset 37 as valid
#   node 2   ptp4l slave, hardware timestamping: it disciplines its PHC
#   node 3   phc2sys -a -r (the comparison), disciplining CLOCK_REALTIME
#   node 4   the candidate: tsyncd (system clock driver, a `type: ptp`
#            source with `phc:`), or a second phc2sys with -c phc2sys
#            (validates the harness)
#   node 5   pmc: SET GRANDMASTER_SETTINGS_NP on node 1, then it exits
# clknetsim runs one process per node, so node 2's PHC is shared the way
# clknetsim's ptp4l-phc2sys example shares it: nodes 3 and 4 read node
# 2's clock as their /dev/ptpN (refclock_base), with independent Gaussian
# read noise (SC_PHC_NOISE per reading). Nodes 3 and 4 thus read the same
# PHC through the same kind of read, and have the same oscillator (one
# generated frequency sequence). Timescales: clknetsim's true time is
# UTC; the clocks of nodes 1 and 2 are PHCs and keep TAI, 37 s ahead
# (the grandmaster is a perfect clock on TAI). The PHC's time and the
# ingress_time ptp4l reports are then on one scale, as on real hardware;
# a PHC made TAI only in the readings of nodes 3 and 4 (as clknetsim's
# example does, enough for phc2sys) would put ptp4l's ingress_time 37 s
# away from the PHC readings.
#
# The project neither contains nor builds clknetsim. Without
# CLKNETSIM_PATH this script exits 77 (skip); also without ptp4l,
# phc2sys or pmc.
#
# Environment: TSYNCD (default <top>/build/src/tsyncd), PTP4L, PHC2SYS,
# PMC (default: in PATH), DURATION / WARMUP (override the scenario's),
# CLKNETSIM_RANDOM_SEED (default 1), PHC_NOISE (s, the read noise's
# standard deviation), PHC2SYS_OPTS (default "-a -r"), TSYNCD_SOURCE_OPTS
# (more `key: value` pairs for the ptp source), TSYNCD_ENV, SIM_USER,
# SIM_TIMEOUT, STOP_GRACE: as in run_scenario.sh.
#
# Output: the figures (analyze.py) on stdout; -j writes them as JSON; the
# run directory is removed unless -k or -o is given or the run failed.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

CAND=tsyncd
KEEP=0
OUTDIR=""
JSON=""
while getopts "c:ko:j:h" opt; do
	case $opt in
	c) CAND=$OPTARG ;;
	k) KEEP=1 ;;
	o) OUTDIR=$OPTARG ;;
	j) JSON=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
SCENARIO=${1:-phc}
case $CAND in tsyncd|phc2sys) ;; *) usage ;; esac

# shellcheck source=tests/simulation/simlib.sh
. "$HERE/simlib.sh"
sim_require_clknetsim

find_tool() {	# find_tool NAME: in PATH or /usr/sbin
	local p
	p=$(command -v "$1" || true)
	[ -z "$p" ] && [ -x "/usr/sbin/$1" ] && p=/usr/sbin/$1
	echo "$p"
}
PTP4L=${PTP4L:-$(find_tool ptp4l)}
PHC2SYS=${PHC2SYS:-$(find_tool phc2sys)}
PMC=${PMC:-$(find_tool pmc)}
for t in "$PTP4L" "$PHC2SYS" "$PMC"; do
	if [ -z "$t" ] || [ ! -x "$t" ]; then
		echo "SKIP: linuxptp's ptp4l, phc2sys and pmc are needed (set PTP4L, PHC2SYS, PMC)" >&2
		exit 77
	fi
done
TSYNCD=${TSYNCD:-$TOP/build/src/tsyncd}
if [ "$CAND" = tsyncd ] && [ ! -x "$TSYNCD" ]; then
	echo "tsyncd not found at $TSYNCD (set TSYNCD)" >&2
	exit 1
fi
command -v python3 >/dev/null || { echo "SKIP: python3 needed" >&2; exit 77; }

# shellcheck source=tests/simulation/scenarios_ptp.sh
. "$HERE/scenarios_ptp.sh"
if ! declare -F "scenario_$SCENARIO" >/dev/null; then
	echo "unknown scenario $SCENARIO (one of: $PTP_SCENARIOS)" >&2
	exit 2
fi
"scenario_$SCENARIO"

export LC_ALL=C
START_DATE=${CLKNETSIM_START_DATE:-1262304000}
export CLKNETSIM_RANDOM_SEED=${CLKNETSIM_RANDOM_SEED:-1}

if [ -n "$OUTDIR" ]; then
	mkdir -p "$OUTDIR" && DIR=$(cd "$OUTDIR" && pwd) || exit 1
	rm -rf "$DIR"/log.* "$DIR"/conf* "$DIR"/tsyncd.* "$DIR"/stats "$DIR"/sock \
	    "$DIR"/*.dat "$DIR"/ptp-*.sock
	KEEP=1
else
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/tsync-ptpsim.XXXXXX") || exit 1
fi

RUNAS=()
if [ "$(id -u)" -eq 0 ]; then
	SIM_USER=${SIM_USER:-nobody}
	RUNAS=(setpriv --reuid="$(id -u "$SIM_USER")" --regid="$(id -g "$SIM_USER")"
	       --clear-groups --inh-caps=-all --bounding-set=-all --)
	chmod 0777 "$DIR"
fi

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	if [ "$KEEP" -eq 0 ] && [ "${FAILED:-0}" -eq 0 ]; then
		rm -rf "$DIR"
	else
		echo "run directory kept: $DIR" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NODES=5
TAI_UTC=37
GEN_N=0
generate() {	# generate EXPR COUNT > file
	GEN_N=$((GEN_N + 1))
	CLKNETSIM_RANDOM_SEED=$((CLKNETSIM_RANDOM_SEED * 1000 + GEN_N)) \
		"$CLKNETSIM_PATH/clknetsim" -G "$1" "$2"
}
# Node 2's oscillator, then the one nodes 3 and 4 share.
if ! generate "(+ $SLAVE_FREQ (sum (* $WANDER (normal))))" $((SC_DURATION + 10)) \
	> "$DIR/freq2.dat" ||
   ! generate "(+ $CLIENT_FREQ (sum (* $WANDER (normal))))" $((SC_DURATION + 10)) \
	> "$DIR/freq.dat"; then
	FAILED=1
	exit 1
fi

{
	echo "node1_offset = $TAI_UTC"
	echo "node1_freq = 0"
	echo "node2_offset = $(awk -v a="$TAI_UTC" -v b="$SLAVE_OFFSET" 'BEGIN { printf "%.9f", a + b }')"
	echo "node2_freq = (file \"$DIR/freq2.dat\")"
	echo "node1_delay2 = $SC_PTP_DELAY"
	echo "node2_delay1 = $SC_PTP_DELAY"
	for c in 3 4; do
		echo "node${c}_offset = $CLIENT_OFFSET"
		echo "node${c}_freq = (file \"$DIR/freq.dat\")"
		# The PHC: node 2's clock, with read noise.
		echo "node${c}_refclock = (* $SC_PHC_NOISE (normal))"
		echo "node${c}_refclock_base = node2"
		# Management messages over the AF_UNIX subnet.
		echo "node${c}_delay2 = $SC_UDS_DELAY"
		echo "node2_delay${c} = $SC_UDS_DELAY"
	done
	echo "node5_offset = 0"
	echo "node5_freq = 0"
	echo "node5_start = $PMC_START"
	echo "node5_delay1 = $SC_UDS_DELAY"
	echo "node1_delay5 = $SC_UDS_DELAY"
} > "$DIR/conf"

ptp4l_conf() {	# ptp4l_conf master|slave
	cat <<-EOF
		[global]
		uds_address /clknetsim/unix/ptp4l
		use_syslog 0
		verbose 1
		logging_level 6
		time_stamping hardware
	EOF
	if [ "$1" = master ]; then
		echo "priority1 1"
		echo "clockClass 6"
	else
		echo "slaveOnly 1"
		echo "first_step_threshold 0.00002"
	fi
}

tsyncd_conf() {
	cat <<-EOF
		# tsyncd under clknetsim (node 4). Written by run_ptp.sh.
		clock: {driver: system, discipline: true}
		status: {socket: "", shm: ""}
		audit: {file: ""}
		log: {level: debug, format: json, file: "$DIR/tsyncd.log"}
		sources:
		  - {name: ptp0, type: ptp, uds: /clknetsim/unix/2:1, phc: /dev/ptp0${TSYNCD_SOURCE_OPTS:+, $TSYNCD_SOURCE_OPTS}}
	EOF
}

# start_node NODE ENV... -- COMMAND...: as in run_scenario.sh.
start_node() {
	local node=$1 envs=()
	shift
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	"${RUNAS[@]}" env -u LISTEN_FDS -u LISTEN_PID -u NOTIFY_SOCKET \
		LD_PRELOAD="$CLKNETSIM_PATH/clknetsim.so" \
		CLKNETSIM_NODE="$node" CLKNETSIM_SOCKET="$DIR/sock" \
		CLKNETSIM_START_DATE="$START_DATE" CLKNETSIM_UNIX_SUBNET=2 \
		"${envs[@]}" "$@" > "$DIR/log.$node" 2>&1 &
	PIDS+=($!)
	disown $!
}

ptp4l_conf master > "$DIR/conf.1"
ptp4l_conf slave > "$DIR/conf.2"
start_node 1 -- "$PTP4L" -f "$DIR/conf.1" -i eth0
start_node 2 -- "$PTP4L" -f "$DIR/conf.2" -i eth0
# phc2sys -a asks ptp4l for its interface, whose PHC (ETHTOOL_GET_TS_INFO)
# is /dev/ptp1 here; CLKNETSIM_PHC_SWAP=1 makes that the refclock.
# shellcheck disable=SC2086
start_node 3 CLKNETSIM_PHC_SWAP=1 -- "$PHC2SYS" ${PHC2SYS_OPTS:--a -r} \
	-z /clknetsim/unix/2:1 -m -q
if [ "$CAND" = phc2sys ]; then
	# shellcheck disable=SC2086
	start_node 4 CLKNETSIM_PHC_SWAP=1 -- "$PHC2SYS" ${PHC2SYS_OPTS:--a -r} \
		-z /clknetsim/unix/2:1 -m -q
else
	tsyncd_conf > "$DIR/conf.4.yaml"
	# /dev/ptp0 is the refclock without CLKNETSIM_PHC_SWAP. README.md
	# explains EVENT_NOEPOLL and the rest.
	# shellcheck disable=SC2086
	start_node 4 EVENT_NOEPOLL=1 EVENT_PRECISE_TIMER=1 TSYNCD_RUNDIR="$DIR" \
		${TSYNCD_ENV:-} -- "$TSYNCD" -n -f "$DIR/conf.4.yaml"
fi
CAND_PID=${PIDS[-1]}
# The grandmaster's time properties: UTC offset 37 s, valid, PTP timescale.
start_node 5 -- "$PMC" -u -b 0 -i /clknetsim/unix/pmc -s /clknetsim/unix/1:1 \
	"SET GRANDMASTER_SETTINGS_NP clockClass 6 clockAccuracy 0x21 offsetScaledLogVariance 0x4e5d currentUtcOffset 37 leap61 0 leap59 0 currentUtcOffsetValid 1 ptpTimescale 1 timeTraceable 1 frequencyTraceable 1 timeSource 0x20"

echo "ptp scenario $SCENARIO: node 4 = $CAND, $SC_DURATION s simulated; run directory $DIR" >&2
sim_run_server "$NODES" "$SC_DURATION" "$SC_WARMUP" "node 4 ($CAND)" -n 2

awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "real time %.1f s\n", b - a }' >&2
extra=()
[ $CAND_KILLED -eq 1 ] && extra+=(--cand-killed)
[ -n "$JSON" ] && extra+=(--json "$JSON")
python3 "$HERE/analyze.py" "$DIR" --scenario "$SCENARIO" --warmup "$SC_WARMUP" \
	--start-date "$START_DATE" --ref-node 3 --ref-kind phc2sys \
	--cand-node 4 --cand-kind "$CAND" --server-nodes "" \
	--tsyncd-event estimate "${extra[@]}" || { FAILED=1; exit 1; }
# The PHC's own error (node 2 against TAI), for context.
awk -v w="$SC_WARMUP" -v tai="$TAI_UTC" 'NR > w { e = $2 - tai; s += e * e; n++
	if (e < 0) e = -e; if (e > m) m = e }
	END { if (n) printf "  PHC (node 2, ptp4l slave) true error: rms %.1f ns  max %.1f ns\n",
	      sqrt(s / n) * 1e9, m * 1e9 }' "$DIR/log.offset"
