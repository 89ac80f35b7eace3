#!/bin/sh
# Install the Debian 12 packages that build and test tsync. Run as root.
# With --tests, also what only the test suite uses (a headless browser for
# the HTML report check).
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
      libevent-dev libyaml-dev libjansson-dev check libssl-dev tzdata
      libsystemd-dev libcap-ng-dev libseccomp-dev systemd passwd prometheus
      python3 strace clang chrony linuxptp libcap2-bin iproute2 pps-tools"
if [ "${1:-}" = "--tests" ]; then
	PKGS="$PKGS chromium gpsd gpsd-clients"
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Packages such as prometheus (and later chrony) ship services: none may
	# start here, least of all a time daemon that would steer this clock.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		trap 'rm -f "$policy"' EXIT
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
