# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""delegation_check's core against a baseline that asks the same questions one at a time with dig.

Real daemons on loopback: an NSD for the parent com. (1,000 referrals with glue) and four name
servers (two NSD, two BIND) serving all 1,000 zones under ns1..ns4.dnshost.com.

    tests/dnscheck/setup.sh          # nsd, bind9, dnsutils when missing (root)
    python3 bench/delegation_check/bench_delegation_check.py [--zones 1000] [--baseline-zones N]

Per zone both sides send: the referral query to the parent, and to each of the four servers
SOA and NS over UDP, SOA over TCP and an AXFR attempt; plus one recursive probe per server. With
the DNSSEC checks (the default; --no-dnssec leaves them out on both sides) also the DS query to
the parent and a DNSKEY query to each server, and SOA, NS, DNSKEY and DS set the DO bit.
The baseline runs one dig process per query, sequentially, on --baseline-zones zones (default:
all) and its time is scaled to the full zone count when it ran on fewer (said in the output).
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'dnscheck'))

from checkout import import_module_utils  # noqa: E402
from servers import Lab, zone_text  # noqa: E402

PARENT = '127.54.0.10'
SERVERS = ['127.54.0.11', '127.54.0.12', '127.54.0.13', '127.54.0.14']
NAMES = ['ns%d.dnshost.com' % (i + 1) for i in range(4)]


def build_lab(zones):
    lab = Lab([PARENT] + SERVERS)
    parent = lab.nsd(PARENT)
    daemons = [lab.nsd(SERVERS[0]), lab.nsd(SERVERS[1]), lab.bind(SERVERS[2]), lab.bind(SERVERS[3])]
    glue = dict(zip(NAMES, [[a] for a in SERVERS]))
    com = [zone_text('com', 1, ['ns.nic.com'], {'ns.nic.com': [PARENT]})]
    com.append(''.join('dnshost.com. IN NS %s.\n' % n for n in NAMES))
    com.append(''.join('%s. IN A %s\n' % (n, a[0]) for n, a in sorted(glue.items())))
    for zone in zones:
        com.append(''.join('%s. IN NS %s.\n' % (zone, n) for n in NAMES))
    parent.add_zone('com', ''.join(com))
    for daemon in daemons:
        daemon.add_zone('dnshost.com', zone_text('dnshost.com', 1, NAMES, glue))
        for zone in zones:
            daemon.add_zone(zone, zone_text(zone, 2026010101, NAMES, extra='www IN A 192.0.2.80\n'))
    return lab


def dig(args):
    return subprocess.run(['dig'] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False).stdout.decode()


def baseline(zones, port, dnssec=True):
    """The same questions, one dig process per query, one after the other -> (the zones whose
    serials or NS sets differ, so the work is comparable, how many dig processes ran)."""
    plain = ['-p', str(port), '+norec', '+time=3', '+tries=1']
    common = plain + (['+dnssec'] if dnssec else [])
    bad, digs = [], len(SERVERS)
    for address in SERVERS:
        dig(['@' + address, '-p', str(port), '+rec', '+time=3', '+tries=1', zones[0], 'SOA'])
    for zone in zones:
        referral = dig(['@' + PARENT] + plain + [zone, 'NS'])
        digs += 1
        if dnssec:
            dig(['@' + PARENT] + common + ['+short', zone, 'DS'])
            digs += 1
        parent_ns = sorted(line.split()[-1].rstrip('.') for line in referral.splitlines()
                           if line and not line.startswith(';') and ' NS ' in line.replace('\t', ' '))
        serials, ns_sets = set(), set()
        for address in SERVERS:
            soa = dig(['@' + address] + common + ['+short', zone, 'SOA']).split()
            serials.add(soa[2] if len(soa) > 2 else None)
            ns_sets.add(tuple(sorted(dig(['@' + address] + common + ['+short', zone, 'NS']).split())))
            dig(['@' + address] + plain + ['+tcp', '+short', zone, 'SOA'])
            dig(['@' + address, '-p', str(port), '+time=3', '+tries=1', zone, 'AXFR'])
            digs += 4
            if dnssec:
                dig(['@' + address] + common + ['+short', zone, 'DNSKEY'])
                digs += 1
        if len(serials) != 1 or len(ns_sets) != 1 or len(parent_ns) != 4:
            bad.append(zone)
    return bad, digs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--zones', type=int, default=1000)
    parser.add_argument('--baseline-zones', type=int, default=None, help='dig on this many zones (default: all)')
    parser.add_argument('--concurrency', type=int, default=32)
    parser.add_argument('--repeat', type=int, default=3, help='runs of the core check; the best is reported')
    parser.add_argument('--no-dnssec', action='store_true', help='leave the DNSSEC checks out, on both sides')
    args = parser.parse_args()
    dnscheck = import_module_utils('_dnscheck')
    zones = ['zone%04d.com' % i for i in range(args.zones)]

    started = time.monotonic()
    lab = build_lab(zones)
    lab.start()
    print('lab: %d zones on %s (nsd, nsd, named, named), parent com. on %s, port %d, ready in %.1f s'
          % (len(zones), ', '.join(SERVERS), PARENT, lab.port, time.monotonic() - started))
    try:
        times = []
        for _run in range(args.repeat):
            skip = [t for t in dnscheck.TESTS if t.startswith('DNSSEC')] + ['EXPECTED02'] if args.no_dnssec else []
            checker = dnscheck.Checker(parent_servers=[(PARENT, lab.port)], port=lab.port, timeout=3,
                                       concurrency=args.concurrency, skip=skip)
            started = time.monotonic()
            results = checker.check(zones)
            times.append(time.monotonic() - started)
            failing = [d['zone'] for d, f in results if dnscheck.failing(f, 'error')]
            levels = {}
            for _d, findings in results:
                for finding in findings:
                    levels[finding['level']] = levels.get(finding['level'], 0) + 1
            count = checker.transport.count
            print('delegation_check core: %d zones, %d queries, %.2f s (%.0f queries/s), concurrency %d, '
                  'zones failing: %d, findings %s'
                  % (len(zones), count, times[-1], count / times[-1], args.concurrency, len(failing), levels))
            if failing:
                errors = [f['message'] for f in results[zones.index(failing[0])][1] if f['level'] == 'error']
                print('  first failing: %s %s' % (failing[0], errors[:3]))
        core = min(times)

        sample = zones[:args.baseline_zones or len(zones)]
        started = time.monotonic()
        bad, digs = baseline(sample, lab.port, dnssec=not args.no_dnssec)
        elapsed = time.monotonic() - started
        per_zone = elapsed / len(sample)
        projected = per_zone * len(zones)
        print('baseline dig, one query at a time: %d zones, %d dig processes, %.2f s (%.1f ms per zone), '
              'zones differing: %d' % (len(sample), digs, elapsed, per_zone * 1000, len(bad)))
        if len(sample) < len(zones):
            print('baseline projected to %d zones: %.1f s' % (len(zones), projected))
        print('ratio baseline / core: %.1fx (core best of %d: %.2f s)' % (projected / core, len(times), core))
    finally:
        lab.stop()


if __name__ == '__main__':
    main()
