# shellcheck shell=bash disable=SC2034
# scenarios_ptp.sh - the conditions of issue 5's PTP target, as clknetsim
# configuration (sourced by run_ptp.sh; see README.md).
#
# A scenario sets:
#   SC_PTP_DELAY    delay expression of the PTP link, node 1 <-> node 2
#                   (each way, per packet; hardware timestamps)
#   SC_UDS_DELAY    delay of a management message over the AF_UNIX subnet
#   SC_PHC_NOISE    standard deviation (s) of the Gaussian noise on every
#                   reading of the PHC by nodes 3 and 4 (PHC_NOISE)
#   SC_DURATION     simulated seconds
#   SC_WARMUP       seconds left out of the figures (convergence)
#
# Node 2 (the PHC) starts SLAVE_OFFSET off with SLAVE_FREQ of frequency
# error; nodes 3 and 4 start CLIENT_OFFSET off with CLIENT_FREQ, and share
# one generated sequence of it. Every oscillator wanders by WANDER/sqrt(s).

: "${CLIENT_OFFSET:=0.01}"
: "${CLIENT_FREQ:=1e-5}"
: "${SLAVE_OFFSET:=1e-3}"
: "${SLAVE_FREQ:=-2e-5}"
: "${WANDER:=1e-9}"
: "${PMC_START:=10}"

scenario_phc() {
	# The target: 1 us of PHC read noise; a short, quiet PTP link.
	SC_PTP_DELAY="(+ 1e-6 (* 1e-8 (exponential)))"
	SC_UDS_DELAY="(+ 1e-5 (* 1e-6 (exponential)))"
	SC_PHC_NOISE=${PHC_NOISE:-1e-6}
	SC_DURATION=${DURATION:-7200}
	SC_WARMUP=${WARMUP:-1800}
}

PTP_SCENARIOS="phc"
