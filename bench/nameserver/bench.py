# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of the nameserver role against a per-zone-template baseline, in the same run.

Needs the lab (make lab-up). For each zone count: a first run (not timed) then a timed no-op rerun and
a timed rerun with one zone changed, for the role (BIND primary ns1 + NSD secondary ns2) and for the
baseline (one template task iteration per zone on ns1). Prints seconds and ratios.

    python3 bench/nameserver/bench.py 10 100 1000 10000 [--baseline-max 1000]
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
WORK = '/tmp/dnsops-bench-nameserver'


def zones(count, changed=False):
    out = []
    for i in range(count):
        records = [{'name': '@', 'type': 'A', 'value': '198.51.100.%d' % (i % 200 + 20)},
                   {'name': 'www', 'type': 'CNAME', 'value': '@'},
                   {'name': '@', 'type': 'MX', 'value': '10 mail'},
                   {'name': 'mail', 'type': 'A', 'value': '198.51.100.5'},
                   {'name': '@', 'type': 'TXT', 'value': '"v=spf1 mx -all"'}]
        if changed and i == 0:
            records.append({'name': 'new', 'type': 'A', 'value': '198.51.100.6'})
        out.append({'name': 'z%05d.bench.test' % i, 'records': records})
    return out


def play(playbook, count, changed=False):
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, 'zones-%d.json' % count)
    with open(path, 'w') as handle:
        json.dump({'nameserver_zones': zones(count, changed)}, handle)
    env = dict(os.environ, ANSIBLE_PIPELINING='true', ANSIBLE_NOCOLOR='1')
    cmd = ['ansible-playbook', '-i', os.path.join(ROOT, 'tests/lab/inventory.yml'), '-i', os.path.join(HERE, 'inventory.yml'),
           '-e', '@' + path, os.path.join(HERE, playbook)]
    start = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    elapsed = time.time() - start
    if proc.returncode != 0:
        sys.exit('%s failed:\n%s' % (playbook, proc.stdout[-4000:]))
    recap = [line for line in proc.stdout.splitlines() if ' : ok=' in line]
    return elapsed, recap


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('counts', nargs='*', type=int, default=[10, 100, 1000])
    parser.add_argument('--baseline-max', type=int, default=1000, help='largest zone count the baseline is run for')
    parser.add_argument('--baseline-change-max', type=int, default=100,
                        help='largest zone count the baseline\'s one-zone-changed rerun is timed for (it costs as much as its no-op rerun)')
    parser.add_argument('--only', choices=['role', 'baseline'], help='run only one side')
    args = parser.parse_args()
    rows = []
    for count in args.counts:
        row = {'zones': count}
        for name, playbook in (('role', 'role.yml'), ('baseline', 'baseline.yml')):
            if (name == 'baseline' and count > args.baseline_max) or args.only not in (None, name):
                continue
            play(playbook, count)  # converge, not timed
            row[name + '_noop'], recap = play(playbook, count)
            if any('changed=0' not in line for line in recap):
                print('warning: %s no-op rerun changed something: %s' % (name, recap))
            if name == 'role' or count <= args.baseline_change_max:
                row[name + '_one'] = play(playbook, count, changed=True)[0]
        row['load'] = '%.1f %.1f %.1f' % os.getloadavg()  # other engineers share the 2 cores
        rows.append(row)
        print(json.dumps(row), flush=True)
    print('\n%8s %10s %10s %10s %10s %10s %10s' % ('zones', 'role noop', 'base noop', 'ratio', 'role one', 'base one', 'ratio'))
    for row in rows:
        def cell(key):
            return '%10.1f' % row[key] if key in row else '%10s' % '-'

        def ratio(a, b):
            return '%9.1fx' % (row[b] / row[a]) if a in row and b in row else '%10s' % '-'
        print('%8d %s %s %s %s %s %s' % (row['zones'], cell('role_noop'), cell('baseline_noop'), ratio('role_noop', 'baseline_noop'),
                                         cell('role_one'), cell('baseline_one'), ratio('role_one', 'baseline_one')))
    rows = [r for r in rows if 'role_noop' in r]
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last['role_noop'] / first['role_noop']
        print('\nrole no-op growth %d -> %d zones: x%.2f (zones x%d)' % (first['zones'], last['zones'], growth, last['zones'] // first['zones']))


if __name__ == '__main__':
    main()
