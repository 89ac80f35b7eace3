#!/usr/bin/env bash
# ntp_clknetsim.sh - tsyncd against chronyd under clknetsim (issue 4 targets).
#
#   CLKNETSIM_PATH=/path/to/built/clknetsim bench/ntp_clknetsim.sh \
#       [-c tsyncd|chronyd] [-n runs] [-v] [scenario...]
#
# For each scenario (default: lan wan fourservers) and each of -n seeds
# (default 5), runs tests/simulation/run_scenario.sh: chronyd server on
# node 1 (plus nodes 4-6 in fourservers), a chronyd client on node 2 and
# the candidate on node 3, with the same oscillator and the same packet
# delays for both clients. Prints, per scenario and pooled over the runs:
# RMS and maximum true offset of chronyd and of the candidate, their ratio,
# the share of seconds where the candidate's published max_error covered
# its true error, and chronyd's own bound (root delay/2 + root dispersion).
#
# -c chronyd puts a second chronyd on node 3 (validates the harness: the
# ratio must come out ~1.000). -v prints every run's figures too.
# DURATION / WARMUP override the scenarios' 4 h / 1 h. Needs no root.
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
SCEN=${*:-lan wan fourservers}

if [ -z "${CLKNETSIM_PATH:-}" ]; then
	echo "SKIP: set CLKNETSIM_PATH to a directory with a built clknetsim" >&2
	exit 77
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/tsync-bench-clknetsim.XXXXXX") || exit 1
trap 'rm -rf "$OUT"' EXIT

# shellcheck source=tests/simulation/simlib.sh
. "$SIM/simlib.sh"
# shellcheck disable=SC2086 # the scenarios are a word list
sim_seed_runs "$SIM/run_scenario.sh" "$CAND" "$RUNS" "$OUT" "$VERBOSE" $SCEN

echo "clknetsim: $CLKNETSIM_PATH; chronyd: $(chronyd -v 2>/dev/null | head -n 1 || echo '?')"
python3 "$SIM/pool.py" "${SIM_FILES[@]}"
