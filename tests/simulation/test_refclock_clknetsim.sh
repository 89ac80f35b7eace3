#!/usr/bin/env bash
# test_refclock_clknetsim.sh - issue 6's reference-clock targets under
# clknetsim (README.md, "Reference clocks").
#
# Skips (exit 77) unless CLKNETSIM_PATH names a directory with a built
# clknetsim (the project neither contains nor builds it).
#
#   CLKNETSIM_PATH=... tests/simulation/test_refclock_clknetsim.sh
#       tsyncd on node 2 (TSYNCD, default build/src/tsyncd), chronyd on
#       node 1: for every scenario (shm, pps), pooled over SIM_RUNS seeds
#       (default 3), the RMS offset ratio tsyncd/chronyd must be <= 1.0
#       and tsyncd's max_error must cover its true error at 100 % of the
#       seconds after the warm-up.
#   SIM_CANDIDATE=chronyd CLKNETSIM_PATH=... tests/simulation/test_refclock_clknetsim.sh
#       validates the harness with a second chronyd on node 2: the two
#       must agree (ratio within 0.9-1.1) and chronyd's own bound must
#       cover its error.
#
# SIM_SCENARIOS (default "shm pps"), DURATION and WARMUP are passed
# through (run_refclock.sh: 7200 s and 1200 s).

set -u
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -z "${CLKNETSIM_PATH:-}" ]; then
	echo "SKIP: CLKNETSIM_PATH not set"
	exit 77
fi
CAND=${SIM_CANDIDATE:-tsyncd}
RUNS=${SIM_RUNS:-3}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/tsync-test-refclock.XXXXXX") || exit 99
trap 'rm -rf "$OUT"' EXIT

# shellcheck source=tests/simulation/simlib.sh
. "$HERE/simlib.sh"
# shellcheck disable=SC2086 # the scenarios are a word list
sim_seed_runs "$HERE/run_refclock.sh" "$CAND" "$RUNS" "$OUT" 0 ${SIM_SCENARIOS:-shm pps}

if [ "$CAND" = chronyd ]; then
	python3 "$HERE/pool.py" --ref-node 1 --cand-node 2 --check-validation "${SIM_FILES[@]}"
else
	python3 "$HERE/pool.py" --ref-node 1 --cand-node 2 --check "${SIM_FILES[@]}"
fi
rc=$?
[ $rc -eq 0 ] && echo PASS || echo FAIL
exit $rc
