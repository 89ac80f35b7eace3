# shellcheck shell=bash disable=SC2034 # sets globals for the scripts that source it
# simlib.sh - shared by run_scenario.sh, run_refclock.sh and run_ptp.sh
# (sourced, bash): finding clknetsim and the daemons, and running the
# clknetsim server with the watchdog that ends every run.

# CLKNETSIM_PATH made absolute; exit 77 (skip) when it is not set, 1 when
# it holds no built clknetsim.
sim_require_clknetsim() {
	if [ -z "${CLKNETSIM_PATH:-}" ]; then
		echo "SKIP: CLKNETSIM_PATH is not set (a directory with a built clknetsim)" >&2
		exit 77
	fi
	CLKNETSIM_PATH=$(cd "$CLKNETSIM_PATH" 2>/dev/null && pwd) || {
		echo "CLKNETSIM_PATH: no such directory" >&2; exit 1; }
	if [ ! -x "$CLKNETSIM_PATH/clknetsim" ] ||
	    [ ! -f "$CLKNETSIM_PATH/clknetsim.so" ]; then
		echo "no built clknetsim and clknetsim.so in $CLKNETSIM_PATH (run make there)" >&2
		exit 1
	fi
}

# CHRONYD, and TSYNCD when the candidate ($1) is tsyncd; python3. Exit 77
# without chronyd or python3, 1 without the tsyncd asked for.
sim_require_daemons() {
	CHRONYD=${CHRONYD:-$(command -v chronyd || true)}
	[ -z "$CHRONYD" ] && [ -x /usr/sbin/chronyd ] && CHRONYD=/usr/sbin/chronyd
	if [ -z "$CHRONYD" ] || [ ! -x "$CHRONYD" ]; then
		echo "SKIP: chronyd not found (set CHRONYD)" >&2
		exit 77
	fi
	TSYNCD=${TSYNCD:-$TOP/build/src/tsyncd}
	if [ "$1" = tsyncd ] && [ ! -x "$TSYNCD" ]; then
		echo "tsyncd not found at $TSYNCD (set TSYNCD)" >&2
		exit 1
	fi
	command -v python3 >/dev/null || { echo "SKIP: python3 needed" >&2; exit 77; }
}

# Stop first, kill later: killed while clknetsim is sending it a reply,
# a client makes the server abort (an assertion) and lose its logs;
# stopped, it lets that reply land in the socket buffer and the server
# block in recv(), which then sees the connection go.
sim_stop_client() {
	kill -STOP "$1" 2>/dev/null
	sleep 0.3
	kill -KILL "$1" 2>/dev/null
}

# sim_run_server NODES DURATION WARMUP LABEL [clknetsim options...]
#
# Runs the clknetsim server on $DIR/conf for NODES nodes whose clients
# (PIDS, the candidate CAND_PID, described as LABEL) are already started,
# and waits for it. Sets rc, t_start, t_end, CAND_KILLED and FAILED; on a
# failed run prints the tails of the logs and exits 1.
#
# Watchdog. At the end clknetsim prints "done" and then, node by node
# from the last, answers each client's select() with a SIGTERM and waits
# for it to disconnect: a client that does not exit on it keeps the
# server (and its buffered logs) alive. A client still there STOP_GRACE
# real seconds after "done" is killed (sim_stop_client). SIM_TIMEOUT
# bounds the whole run.
sim_run_server() {
	local nodes=$1 duration=$2 warmup=$3 label=$4 server waited done_at
	local grace=${STOP_GRACE:-3} timeout=${SIM_TIMEOUT:-900} p n
	shift 4

	t_start=$(date +%s.%N)
	(umask 0; exec "$CLKNETSIM_PATH/clknetsim" -s "$DIR/sock" "$@" \
		-o "$DIR/log.offset" -f "$DIR/log.freq" -r "$warmup" \
		-l "$duration" "$DIR/conf" "$nodes") > "$DIR/stats" 2> "$DIR/log.server" &
	server=$!
	CAND_KILLED=0
	waited=0
	done_at=-1
	while kill -0 "$server" 2>/dev/null; do
		sleep 0.1
		waited=$((waited + 1))
		if [ $waited -gt $((timeout * 10)) ]; then
			echo "timeout: the simulation took more than $timeout s" >&2
			kill "$server" "${PIDS[@]}" 2>/dev/null
			FAILED=1
			break
		fi
		if [ $done_at -lt 0 ]; then
			grep -q "Running simulation\.\.\.\(done\|failed\)" "$DIR/log.server" &&
				done_at=$waited
		elif [ $((waited - done_at)) -ge $((grace * 10)) ]; then
			if kill -0 "$CAND_PID" 2>/dev/null; then
				echo "$label did not exit on clknetsim's SIGTERM: killed" >&2
				sim_stop_client "$CAND_PID"
				CAND_KILLED=1
			fi
			if [ $((waited - done_at)) -ge $((grace * 20)) ]; then
				for p in "${PIDS[@]}"; do
					kill -0 "$p" 2>/dev/null && sim_stop_client "$p"
				done
			fi
		fi
	done
	wait "$server"
	rc=$?
	t_end=$(date +%s.%N)

	for p in "${PIDS[@]}"; do
		for _ in $(seq 30); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
	done

	if [ $rc -ne 0 ] || [ ! -s "$DIR/log.offset" ]; then
		FAILED=1
		echo "clknetsim failed (rc $rc):" >&2
		tail -n 5 "$DIR/log.server" >&2
		for n in $(seq 1 "$nodes"); do
			echo "--- node $n:" >&2
			tail -n 5 "$DIR/log.$n" >&2
		done
		exit 1
	fi
}

# sim_seed_runs RUNNER CAND RUNS OUTDIR VERBOSE SCENARIO...
#
# For every scenario and seed 1..RUNS (CLKNETSIM_RANDOM_SEED), runs
# RUNNER -c CAND -j OUTDIR/SCENARIO.SEED.json SCENARIO, its output kept
# in OUTDIR/SCENARIO.SEED.out unless VERBOSE is 1, and collects the JSON
# files in the array SIM_FILES. Exits 77 when a run skips, 1 when one
# fails (with the tail of its output). For the benches and the tests.
sim_seed_runs() {
	local runner=$1 cand=$2 runs=$3 out=$4 verbose=$5 sc seed j log rc
	shift 5
	SIM_FILES=()
	for sc in "$@"; do
		for seed in $(seq 1 "$runs"); do
			j=$out/$sc.$seed.json
			log=$out/$sc.$seed.out
			if [ "$verbose" -eq 1 ]; then
				echo "== $sc, seed $seed"
				CLKNETSIM_RANDOM_SEED=$seed "$runner" -c "$cand" -j "$j" "$sc"
			else
				CLKNETSIM_RANDOM_SEED=$seed "$runner" -c "$cand" -j "$j" \
					"$sc" > "$log" 2>&1
			fi
			rc=$?
			if [ $rc -eq 77 ]; then
				[ "$verbose" -eq 1 ] || cat "$log"
				exit 77
			fi
			if [ $rc -ne 0 ] || [ ! -s "$j" ]; then
				echo "FAIL: $sc seed $seed did not run (rc $rc)"
				[ "$verbose" -eq 1 ] || tail -n 20 "$log"
				exit 1
			fi
			SIM_FILES+=("$j")
		done
	done
}
