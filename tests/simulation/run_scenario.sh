#!/usr/bin/env bash
# run_scenario.sh - run one scenario under clknetsim and print its figures.
#
#   CLKNETSIM_PATH=/path/to/built/clknetsim \
#       tests/simulation/run_scenario.sh [-c tsyncd|chronyd] [-k] [-o dir] \
#       [-j file.json] lan|wan|fourservers
#
# Network (192.168.123.N is node N):
#   node 1          chronyd, local stratum 1, perfect clock (the reference)
#   node 2          chronyd client (the comparison)
#   node 3          the candidate: tsyncd with the system clock driver
#                   (-c tsyncd, default) or a second chronyd (-c chronyd,
#                   to validate the harness)
#   nodes 4..       further chronyd servers (fourservers: 4, 5, 6; node 6
#                   is SC_FALSE_OFFSET off)
#
# The project neither contains nor builds clknetsim: CLKNETSIM_PATH must
# name a directory holding a built `clknetsim` and `clknetsim.so`. Without
# it this script exits 77 (skip).
#
# Environment: TSYNCD (binary, default <top>/build/src/tsyncd), CHRONYD
# (default: chronyd in PATH), DURATION / WARMUP (override the scenario's),
# CLKNETSIM_RANDOM_SEED (default 1: reproducible runs), CLIENT_OFFSET,
# CLIENT_FREQ, WANDER (see scenarios.sh), TSYNCD_EVENT (only JSON records
# with this event name count as max_error records), TSYNCD_LEAP_FILE,
# TSYNCD_TIMESTAMPING (CLKNETSIM_TIMESTAMPING for node 3 only, default 0:
# see README.md), TSYNCD_ENV (more VAR=value words for node 3's environment),
# SIM_USER (the user the simulated daemons run as when this runs as root,
# default nobody), PAIRED (1, default: both clients read the same generated
# delay sequences; 0: independent draws), SIM_TIMEOUT (real seconds, 900),
# STOP_GRACE (real seconds a client may take to exit at the end, 3).
#
# Output: the figures (analyze.py) on stdout; -j writes them as JSON; the
# run directory (conf, log.N, log.offset, tracking.N, tsyncd.log, stats)
# is removed unless -k or -o is given or the run failed.

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

# shellcheck source=tests/simulation/simlib.sh
. "$HERE/simlib.sh"
sim_require_clknetsim

sim_require_daemons "$CAND"

# shellcheck source=tests/simulation/scenarios.sh
. "$HERE/scenarios.sh"
if ! declare -F "scenario_$SCENARIO" >/dev/null; then
	echo "unknown scenario $SCENARIO (one of: $SCENARIOS)" >&2
	exit 2
fi
"scenario_$SCENARIO"

export LC_ALL=C
START_DATE=${CLKNETSIM_START_DATE:-1262304000}
export CLKNETSIM_RANDOM_SEED=${CLKNETSIM_RANDOM_SEED:-1}

if [ -n "$OUTDIR" ]; then
	mkdir -p "$OUTDIR" && DIR=$(cd "$OUTDIR" && pwd) || exit 1
	rm -rf "$DIR"/log.* "$DIR"/conf* "$DIR"/tracking.* "$DIR"/tsyncd.* "$DIR"/chrony.* \
	    "$DIR"/stats "$DIR"/sock "$DIR"/*.dat
	KEEP=1
else
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/tsync-clknetsim.XXXXXX") || exit 1
fi

# The simulated daemons run unprivileged when we are root: their clock
# calls go to clknetsim (LD_PRELOAD), and should the preload ever fail, an
# unprivileged process cannot touch the real clock.
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

# Server nodes: 1, then 4, 5, ...
SERVER_NODES=1
for ((i = 2; i <= SC_SERVERS; i++)); do
	SERVER_NODES="$SERVER_NODES $((i + 2))"
done
NODES=$((SC_SERVERS + 2))
CLIENTS="2 3"

# One oscillator for both clients: generated once, read by each node's
# own file generator (the same sequence, a value per simulated second).
# Each generated sequence gets its own seed (derived from
# CLKNETSIM_RANDOM_SEED): with one seed, up and down links of the same
# expression would get the same sequence, i.e. perfectly symmetric paths.
GEN_N=0
generate() {	# generate EXPR COUNT > file
	GEN_N=$((GEN_N + 1))
	CLKNETSIM_RANDOM_SEED=$((CLKNETSIM_RANDOM_SEED * 1000 + GEN_N)) \
		"$CLKNETSIM_PATH/clknetsim" -G "$1" "$2"
}
generate "(+ $CLIENT_FREQ (sum (* $WANDER (normal))))" $((SC_DURATION + 10)) \
	> "$DIR/freq.dat" || { FAILED=1; exit 1; }

# Paired delays (PAIRED=1, the default): each server's up and down links
# read one generated sequence, shared by both clients, so that the k-th
# request of each client meets the same delays. PAIRED=0: every link
# draws its own.
PAIRED=${PAIRED:-1}
if [ "$PAIRED" = 1 ]; then
	for s in $SERVER_NODES; do
		if ! generate "$SC_UP" $((SC_DURATION + 1000)) > "$DIR/up.$s.dat" ||
		   ! generate "$SC_DOWN" $((SC_DURATION + 1000)) > "$DIR/down.$s.dat"; then
			FAILED=1
			exit 1
		fi
	done
fi
link_expr() {	# link_expr up|down SERVER
	if [ "$PAIRED" = 1 ]; then
		echo "(file \"$DIR/$1.$2.dat\")"
	elif [ "$1" = up ]; then
		echo "$SC_UP"
	else
		echo "$SC_DOWN"
	fi
}

{
	for c in $CLIENTS; do
		echo "node${c}_offset = $CLIENT_OFFSET"
		echo "node${c}_freq = (file \"$DIR/freq.dat\")"
		for s in $SERVER_NODES; do
			echo "node${c}_delay${s} = $(link_expr up "$s")"
			echo "node${s}_delay${c} = $(link_expr down "$s")"
		done
	done
	for s in $SERVER_NODES; do
		echo "node${s}_freq = 0"
		if [ "$s" -eq "$((SC_SERVERS + 2))" ] && [ "$SC_SERVERS" -gt 1 ]; then
			echo "node${s}_offset = $SC_FALSE_OFFSET"
		else
			echo "node${s}_offset = 0"
		fi
	done
} > "$DIR/conf"

common_chrony_conf() {
	local node=$1
	cat <<-EOF
		pidfile $DIR/chronyd.$node.pid
		cmdport 0
		bindcmdaddress /
	EOF
}

chrony_server_conf() {
	common_chrony_conf "$1"
	echo "local stratum 1"
	echo "allow"
}

chrony_client_conf() {
	local s
	common_chrony_conf "$1"
	for s in $SERVER_NODES; do
		echo "server 192.168.123.$s minpoll $SC_POLL maxpoll $SC_POLL"
	done
	mkdir -p "$DIR/chrony.$1"
	chmod 0777 "$DIR/chrony.$1"
	echo "logdir $DIR/chrony.$1"
	echo "log tracking"
}

tsyncd_conf() {
	local s
	cat <<-EOF
		# tsyncd under clknetsim (node 3). Written by run_scenario.sh.
		clock: {driver: system, discipline: true}
		# No control socket: clknetsim emulates no AF_UNIX stream socket.
		status: {socket: "", shm: ""}
		audit: {file: ""}
		log: {level: debug, format: json, file: "$DIR/tsyncd.log"}
	EOF
	[ -n "${TSYNCD_LEAP_FILE:-}" ] && echo "leap: {file: \"$TSYNCD_LEAP_FILE\"}"
	echo "sources:"
	for s in $SERVER_NODES; do
		echo "  - {name: srv$s, type: ntp, server: 192.168.123.$s, poll: [$SC_POLL, $SC_POLL]}"
	done
}

# start_node NODE ENV... -- COMMAND...: a client of the simulation. The
# preload goes through env(1) so that setpriv itself is not simulated.
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
		CLKNETSIM_START_DATE="$START_DATE" "${envs[@]}" \
		"$@" > "$DIR/log.$node" 2>&1 &
	PIDS+=($!)
	disown $!
}

for s in $SERVER_NODES; do
	chrony_server_conf "$s" > "$DIR/conf.$s"
	start_node "$s" -- "$CHRONYD" -d -f "$DIR/conf.$s"
done
chrony_client_conf 2 > "$DIR/conf.2"
start_node 2 -- "$CHRONYD" -d -f "$DIR/conf.2"
if [ "$CAND" = chronyd ]; then
	chrony_client_conf 3 > "$DIR/conf.3"
	start_node 3 -- "$CHRONYD" -d -f "$DIR/conf.3"
else
	tsyncd_conf > "$DIR/conf.3.yaml"
	# EVENT_NOEPOLL: clknetsim intercepts poll() and select(), not
	# epoll; EVENT_PRECISE_TIMER keeps libevent on CLOCK_MONOTONIC.
	# CLKNETSIM_TIMESTAMPING=0 refuses SO_TIMESTAMPING: clknetsim makes a
	# "kernel" TX stamp when the error queue is read, not when the packet
	# leaves, while user-space stamps are exact in the simulation (no time
	# passes within one wakeup). README.md has the details.
	# shellcheck disable=SC2086
	start_node 3 EVENT_NOEPOLL=1 EVENT_PRECISE_TIMER=1 \
		CLKNETSIM_TIMESTAMPING="${TSYNCD_TIMESTAMPING:-0}" ${TSYNCD_ENV:-} -- \
		"$TSYNCD" -n -f "$DIR/conf.3.yaml"
fi
CAND_PID=${PIDS[-1]}

echo "scenario $SCENARIO: $NODES nodes, node 3 = $CAND, $SC_DURATION s simulated; run directory $DIR" >&2
sim_run_server "$NODES" "$SC_DURATION" "$SC_WARMUP" "node 3 ($CAND)"

for c in $CLIENTS; do
	[ -f "$DIR/chrony.$c/tracking.log" ] && cp "$DIR/chrony.$c/tracking.log" "$DIR/tracking.$c"
done

awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "real time %.1f s\n", b - a }' >&2
extra=()
[ $CAND_KILLED -eq 1 ] && extra+=(--cand-killed)
[ -n "$JSON" ] && extra+=(--json "$JSON")
python3 "$HERE/analyze.py" "$DIR" --scenario "$SCENARIO" --warmup "$SC_WARMUP" \
	--start-date "$START_DATE" --cand-kind "$CAND" \
	--server-nodes "$(echo "$SERVER_NODES" | tr ' ' ,)" \
	--tsyncd-event "${TSYNCD_EVENT:-}" "${extra[@]}" || { FAILED=1; exit 1; }
