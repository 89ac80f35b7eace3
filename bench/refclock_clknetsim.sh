#!/usr/bin/env bash
# refclock_clknetsim.sh - tsyncd against chronyd on reference clocks under
# clknetsim (issue 6, item 6).
#
#   CLKNETSIM_PATH=/path/to/built/clknetsim bench/refclock_clknetsim.sh \
#       [-c tsyncd|chronyd] [-n runs] [-v] [scenario...]
#
# For each scenario (default: shm pps) and each of -n seeds (default 5),
# runs tests/simulation/run_refclock.sh: chronyd on node 1 (`refclock SHM
# 0`; or `refclock PPS /dev/pps0 lock NMEA` numbered by a noselect SHM
# refclock) and the candidate on node 2 with the matching tsync sources,
# the same oscillator and the same refclock noise. Prints, per scenario
# and pooled over the runs: RMS and maximum true offset of chronyd and of
# the candidate, their ratio, the share of seconds where the candidate's
# published max_error covered its true error, and chronyd's own bound
# (root delay/2 + root dispersion).
#
# -c chronyd puts a second chronyd on node 2 (validates the harness: the
# ratio must come out 1.000). -v prints every run's figures too. DURATION
# / WARMUP, REFNOISE, SHM_ACCURACY, PPS_ACCURACY and CHRONY_POLL are
# passed to run_refclock.sh. Needs no root.
# Exit status: 0, 77 without CLKNETSIM_PATH, 1 on a failed run.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SIM=$HERE/../tests/simulation

CAND=tsyncd
RUNS=5
VERBOSE=0
while getopts "c:n:vh" opt; do
	case $opt in
	c) CAND=$OPTARG ;;
	n) RUNS=$OPTARG ;;
	v) VERBOSE=1 ;;
	*) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SCEN=${*:-shm pps}

if [ -z "${CLKNETSIM_PATH:-}" ]; then
	echo "SKIP: set CLKNETSIM_PATH to a directory with a built clknetsim" >&2
	exit 77
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/tsync-bench-refclock.XXXXXX") || exit 1
trap 'rm -rf "$OUT"' EXIT

# shellcheck source=tests/simulation/simlib.sh
. "$SIM/simlib.sh"
# shellcheck disable=SC2086 # the scenarios are a word list
sim_seed_runs "$SIM/run_refclock.sh" "$CAND" "$RUNS" "$OUT" "$VERBOSE" $SCEN

echo "clknetsim: $CLKNETSIM_PATH; chronyd: $(chronyd -v 2>/dev/null | head -n 1 || echo '?')"
echo "runs of ${DURATION:-7200} s, figures after ${WARMUP:-1200} s; refclock noise ${REFNOISE:-1e-6} s (SHM only: clknetsim's PPS edges are exact)"
python3 "$SIM/pool.py" --ref-node 1 --cand-node 2 "${SIM_FILES[@]}"
