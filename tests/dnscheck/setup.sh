#!/bin/sh
# Installs what tests/dnscheck and bench/delegation_check need, only when missing.
# Debian/Ubuntu, as root. The packages' own services are not used: the tests start
# their own nsd/named with their own configuration files on loopback addresses.
set -eu
missing=""
command -v nsd >/dev/null 2>&1 || missing="$missing nsd"
command -v named >/dev/null 2>&1 || missing="$missing bind9"
command -v dig >/dev/null 2>&1 || missing="$missing dnsutils"
if [ -n "$missing" ]; then
    # No package lists yet (a fresh machine): fetch them first.
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock 2>/dev/null | head -n 1)" ]; then
        apt-get update -qq
    fi
    # shellcheck disable=SC2086  # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
# Every test server listens on 127.0.0.x; Linux routes all of 127.0.0.0/8 to lo.
echo "nsd: $(command -v nsd)  named: $(command -v named)  dig: $(command -v dig)"
