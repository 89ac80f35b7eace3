# shellcheck shell=bash disable=SC2034
# scenarios.sh - the network conditions of issue 4's targets, as clknetsim
# configuration (sourced by run_scenario.sh; see README.md).
#
# A scenario sets:
#   SC_SERVERS      number of NTP servers: node 1, then nodes 4, 5, ...
#   SC_FALSE_OFFSET true offset (s) of the last server when SC_SERVERS > 1
#                   (0: all servers are perfect)
#   SC_UP, SC_DOWN  clknetsim delay expressions, client->server and
#                   server->client (evaluated per packet)
#   SC_POLL         log2 of the polling interval (both clients, fixed)
#   SC_DURATION     simulated seconds
#   SC_WARMUP       seconds left out of the figures (convergence)
#
# Every client clock starts CLIENT_OFFSET off with a frequency error of
# CLIENT_FREQ plus a random walk of WANDER per sqrt(s); both clients get
# the same oscillator (one generated sequence, read by both), so that only
# the algorithms and the per-packet delays differ.

: "${CLIENT_OFFSET:=0.01}"
: "${CLIENT_FREQ:=1e-5}"
: "${WANDER:=1e-9}"

scenario_lan() {
	# 1 ms + exponential 100 us each way, poll 16 s.
	SC_SERVERS=1
	SC_FALSE_OFFSET=0
	SC_UP="(+ 1e-3 (* 100e-6 (exponential)))"
	SC_DOWN="$SC_UP"
	SC_POLL=4
	SC_DURATION=${DURATION:-14400}
	SC_WARMUP=${WARMUP:-3600}
}

scenario_wan() {
	# 20 ms + exponential 2 ms, 10 % path asymmetry, poll 64 s. The
	# asymmetry is on the fixed part: 21 ms out, 19 ms back (a 2 ms
	# difference, 10 % of the 20 ms nominal one-way delay), so an NTP
	# client that is not told about it is biased by (21 - 19) / 2 = 1 ms.
	SC_SERVERS=1
	SC_FALSE_OFFSET=0
	SC_UP="(+ 21e-3 (* 2e-3 (exponential)))"
	SC_DOWN="(+ 19e-3 (* 2e-3 (exponential)))"
	SC_POLL=6
	SC_DURATION=${DURATION:-14400}
	SC_WARMUP=${WARMUP:-3600}
}

scenario_fourservers() {
	# LAN conditions, four servers; the fourth (node 6) is 5 ms off.
	SC_SERVERS=4
	SC_FALSE_OFFSET=5e-3
	SC_UP="(+ 1e-3 (* 100e-6 (exponential)))"
	SC_DOWN="$SC_UP"
	SC_POLL=4
	SC_DURATION=${DURATION:-14400}
	SC_WARMUP=${WARMUP:-3600}
}

SCENARIOS="lan wan fourservers"
