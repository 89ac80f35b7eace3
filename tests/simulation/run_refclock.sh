#!/usr/bin/env bash
# run_refclock.sh - one reference-clock scenario under clknetsim: chronyd
# and tsyncd on two nodes with the same oscillator and the same refclock.
#
#   CLKNETSIM_PATH=/path/to/built/clknetsim \
#       tests/simulation/run_refclock.sh [-c tsyncd|chronyd] [-k] [-o dir] \
#       [-j file.json] shm|pps
#
# Nodes (no network traffic; each node has its own simulated refclock):
#   node 1          chronyd (the comparison)
#   node 2          the candidate: tsyncd with the system clock driver
#                   (-c tsyncd, default) or a second chronyd (-c chronyd,
#                   to validate the harness)
#
# Scenarios (README.md, "Reference clocks"):
#   shm   the NTP SHM segment NTP0, reference time with REFNOISE of
#         Gaussian noise: chronyd `refclock SHM 0`, tsyncd `type: shm`
#   pps   /dev/pps0 numbered by the SHM segment (noselect): chronyd
#         `refclock SHM 0 refid NMEA noselect` + `refclock PPS /dev/pps0
#         lock NMEA`, tsyncd `type: shm` noselect + `type: gnss` with
#         `pps:` and no `device:` (PPS alone)
#
# The project neither contains nor builds clknetsim: CLKNETSIM_PATH must
# name a directory holding a built `clknetsim` and `clknetsim.so`. Without
# it this script exits 77 (skip).
#
# Environment: TSYNCD (binary, default <top>/build/src/tsyncd), CHRONYD,
# DURATION (simulated s, default 7200), WARMUP (s left out, default 1200),
# CLKNETSIM_RANDOM_SEED (default 1), CLIENT_OFFSET (0.01 s), CLIENT_FREQ
# (1e-5), WANDER (1e-9/sqrt(s)), REFNOISE (standard deviation of the
# SHM reference's noise, default 1e-6 s), SHM_ACCURACY (what tsyncd
# declares for it, default 10us: 10 standard deviations), PPS_ACCURACY
# (what tsyncd declares for the PPS; default: its own), CHRONY_POLL
# (chronyd's refclock poll, default 4 as in chrony), TSYNCD_ENV, SIM_USER,
# SIM_TIMEOUT (900 real s), STOP_GRACE (3 real s).
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
[ $# -eq 1 ] || usage
SCENARIO=$1
case $CAND in tsyncd|chronyd) ;; *) usage ;; esac
case $SCENARIO in shm|pps) ;; *) echo "unknown scenario $SCENARIO (shm, pps)" >&2; exit 2 ;; esac

# shellcheck source=tests/simulation/simlib.sh
. "$HERE/simlib.sh"
sim_require_clknetsim
sim_require_daemons "$CAND"

export LC_ALL=C
DURATION=${DURATION:-7200}
WARMUP=${WARMUP:-1200}
CLIENT_OFFSET=${CLIENT_OFFSET:-0.01}
CLIENT_FREQ=${CLIENT_FREQ:-1e-5}
WANDER=${WANDER:-1e-9}
REFNOISE=${REFNOISE:-1e-6}
SHM_ACCURACY=${SHM_ACCURACY:-10us}
CHRONY_POLL=${CHRONY_POLL:-4}
START_DATE=${CLKNETSIM_START_DATE:-1262304000}
export CLKNETSIM_RANDOM_SEED=${CLKNETSIM_RANDOM_SEED:-1}

if [ -n "$OUTDIR" ]; then
	mkdir -p "$OUTDIR" && DIR=$(cd "$OUTDIR" && pwd) || exit 1
	rm -rf "$DIR"/log.* "$DIR"/conf* "$DIR"/tracking.* "$DIR"/tsyncd.* \
	    "$DIR"/chrony.* "$DIR"/stats "$DIR"/sock "$DIR"/*.dat
	KEEP=1
else
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/tsync-refclock.XXXXXX") || exit 1
fi

# Unprivileged when we are root: should the preload fail, the daemons
# cannot touch the real clock.
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

# One oscillator and one refclock noise sequence, generated once and read
# by both nodes (a value per simulated second each), so that only the
# algorithms differ. Each sequence has its own seed.
GEN_N=0
generate() {	# generate EXPR COUNT > file
	GEN_N=$((GEN_N + 1))
	CLKNETSIM_RANDOM_SEED=$((CLKNETSIM_RANDOM_SEED * 1000 + GEN_N)) \
		"$CLKNETSIM_PATH/clknetsim" -G "$1" "$2"
}
if ! generate "(+ $CLIENT_FREQ (sum (* $WANDER (normal))))" $((DURATION + 10)) \
	> "$DIR/freq.dat" ||
   ! generate "(* $REFNOISE (normal))" $((DURATION + 100)) > "$DIR/refclock.dat"; then
	FAILED=1
	exit 1
fi

{
	for n in 1 2; do
		echo "node${n}_offset = $CLIENT_OFFSET"
		echo "node${n}_freq = (file \"$DIR/freq.dat\")"
		echo "node${n}_refclock = (file \"$DIR/refclock.dat\")"
	done
} > "$DIR/conf"

chrony_conf() {
	local node=$1
	cat <<-EOF
		pidfile $DIR/chronyd.$node.pid
		cmdport 0
		bindcmdaddress /
	EOF
	if [ "$SCENARIO" = shm ]; then
		echo "refclock SHM 0 poll $CHRONY_POLL"
	else
		echo "refclock SHM 0 refid NMEA noselect poll $CHRONY_POLL"
		echo "refclock PPS /dev/pps0 lock NMEA poll $CHRONY_POLL"
	fi
	mkdir -p "$DIR/chrony.$node"
	chmod 0777 "$DIR/chrony.$node"
	echo "logdir $DIR/chrony.$node"
	echo "log tracking"
}

tsyncd_conf() {
	cat <<-EOF
		# tsyncd under clknetsim (node 2). Written by run_refclock.sh.
		clock: {driver: system, discipline: true}
		status: {socket: "", shm: ""}
		audit: {file: ""}
		log: {level: debug, format: json, file: "$DIR/tsyncd.log"}
		sources:
	EOF
	if [ "$SCENARIO" = shm ]; then
		echo "  - {name: shm0, type: shm, unit: 0, accuracy: $SHM_ACCURACY}"
	else
		echo "  - {name: nmea, type: shm, unit: 0, accuracy: $SHM_ACCURACY, noselect: true}"
		echo "  - {name: pps, type: gnss, pps: /dev/pps0${PPS_ACCURACY:+, accuracy: $PPS_ACCURACY}}"
	fi
}

start_node() {	# start_node NODE ENV... -- COMMAND...
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
		CLKNETSIM_START_DATE="$START_DATE" "${envs[@]}" \
		"$@" > "$DIR/log.$node" 2>&1 &
	PIDS+=($!)
	disown $!
}

chrony_conf 1 > "$DIR/conf.1"
start_node 1 -- "$CHRONYD" -d -f "$DIR/conf.1"
if [ "$CAND" = chronyd ]; then
	chrony_conf 2 > "$DIR/conf.2"
	start_node 2 -- "$CHRONYD" -d -f "$DIR/conf.2"
else
	tsyncd_conf > "$DIR/conf.2.yaml"
	# EVENT_NOEPOLL: clknetsim intercepts poll(), not epoll (README.md).
	# shellcheck disable=SC2086
	start_node 2 EVENT_NOEPOLL=1 EVENT_PRECISE_TIMER=1 ${TSYNCD_ENV:-} -- \
		"$TSYNCD" -n -f "$DIR/conf.2.yaml"
fi
CAND_PID=${PIDS[-1]}

echo "scenario $SCENARIO: node 1 = chronyd, node 2 = $CAND, $DURATION s simulated; run directory $DIR" >&2
sim_run_server 2 "$DURATION" "$WARMUP" "node 2 ($CAND)"

for n in 1 2; do
	[ -f "$DIR/chrony.$n/tracking.log" ] && cp "$DIR/chrony.$n/tracking.log" "$DIR/tracking.$n"
done

awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "real time %.1f s\n", b - a }' >&2
extra=()
[ $CAND_KILLED -eq 1 ] && extra+=(--cand-killed)
[ -n "$JSON" ] && extra+=(--json "$JSON")
python3 "$HERE/analyze.py" "$DIR" --scenario "$SCENARIO" --warmup "$WARMUP" \
	--start-date "$START_DATE" --cand-kind "$CAND" --ref-node 1 \
	--cand-node 2 --server-nodes "" --tsyncd-event estimate "${extra[@]}" ||
	{ FAILED=1; exit 1; }
