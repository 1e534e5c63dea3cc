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
    if [ ! -f /var/lib/apt/lists/lock ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
        apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
# Every test server listens on 127.0.0.x; Linux routes all of 127.0.0.0/8 to lo.
echo "nsd: $(command -v nsd)  named: $(command -v named)  dig: $(command -v dig)"
