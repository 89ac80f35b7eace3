#!/usr/bin/env bash
# ptp_clknetsim.sh - tsyncd against phc2sys under clknetsim (issue 5's PTP
# target): ptp4l grandmaster -> ptp4l slave with a PHC -> CLOCK_REALTIME.
#
#   CLKNETSIM_PATH=/path/to/built/clknetsim bench/ptp_clknetsim.sh \
#       [-c tsyncd|phc2sys] [-n runs] [-v] [scenario...]
#
# For each scenario (default: phc) and each of -n seeds (default 5), runs
# tests/simulation/run_ptp.sh: phc2sys -a -r on node 3 and the candidate
# on node 4 read the same PHC (node 2's, disciplined by ptp4l) with the
# same read noise, with the same oscillator. Prints, per scenario and
# pooled over the runs: RMS and maximum true offset of phc2sys and of the
# candidate, their ratio, and the share of seconds where the candidate's
# published max_error covered its true error.
#
# -c phc2sys puts a second phc2sys on node 4 (validates the harness: the
# ratio must come out ~1). -v prints every run's figures too. DURATION /
# WARMUP override the scenario's 2 h / 30 min; PHC_NOISE its 1 us of read
# noise; PHC2SYS_OPTS phc2sys's "-a -r". Needs no root.
# Exit status: 0, 77 without CLKNETSIM_PATH or linuxptp, 1 on a failed run.

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
SCEN=${*:-phc}

if [ -z "${CLKNETSIM_PATH:-}" ]; then
	echo "SKIP: set CLKNETSIM_PATH to a directory with a built clknetsim" >&2
	exit 77
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/tsync-bench-ptpsim.XXXXXX") || exit 1
trap 'rm -rf "$OUT"' EXIT

# shellcheck source=tests/simulation/simlib.sh
. "$SIM/simlib.sh"
# shellcheck disable=SC2086 # the scenarios are a word list
sim_seed_runs "$SIM/run_ptp.sh" "$CAND" "$RUNS" "$OUT" "$VERBOSE" $SCEN

echo "clknetsim: $CLKNETSIM_PATH; $(ptp4l -v 2>/dev/null | sed 's/^/linuxptp /' || echo 'linuxptp ?')"
python3 "$SIM/pool.py" --ref-node 3 --cand-node 4 "${SIM_FILES[@]}"
