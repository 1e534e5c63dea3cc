# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end: a server moves to new addresses, a server is renamed, and a registry snapshot is put back,
while the probe (conftest.py) keeps asking every demo domain at every address ever published.

Each test is judged by the ``watched`` fixture: no wrong answer and no moment at which a domain had no
answering address. The lab's registry gives its delegations and glue a TTL of 60 s, the default hold-down;
the tests set ``nameserver_move_hold_down`` to 5 s where they wait for it. Self-contained: the shared
fixtures are conftest.py's; each test leaves every server answering for every zone under its demo name.
"""

import json
import os
import re
import time

from changes_lab import SERVERS, WORK, ZONE_NAMES, ask, soa_serial

MOVED = 'ns2'
OLD = SERVERS[MOVED]['addresses']                          # 198.51.100.11, 2001:db8:100::11
NEW = ['198.51.100.21', '2001:db8:100::21']
RENAMED = 'ns3'
OLD_NAME, NEW_NAME = SERVERS[RENAMED]['name'], 'ns4.example.com'
HOLD_DOWN = 5


def answers(addresses, zones=None):
    return dict(((zone, address), soa_serial(address, zone)) for zone in zones or ZONE_NAMES for address in addresses)


def serving(addresses):
    return all(isinstance(serial, int) for serial in answers(addresses).values())


def glue(lab, name):
    return sorted(lab.registry_state('example.com').get('hosts', {}).get(name) or [])


def said(output):
    """The run's output with its line wrapping undone (warnings are wrapped to the terminal's width)."""
    return ' '.join(output.split())


def wait_out(since, seconds=HOLD_DOWN + 1):
    time.sleep(max(0.0, since + seconds - time.monotonic()))


def test_moving_a_server_keeps_its_old_addresses_for_the_hold_down_and_a_snapshot_puts_the_registry_back(lab, watched):
    """ns2 (NSD) moves to new addresses: the first deploy publishes the new glue and keeps ns2 answering on its old
    ones, saying how long (the registry's TTL, 60 s); a deploy after the hold-down (5 s) retires them. A restore of
    the snapshot taken before the move is refused while ns2 does not answer at the snapshot's glue; once ns2
    answers there again (deploy --tags servers), the restore puts the registry back as it was."""
    lab.on(MOVED, 'ip addr replace %s/24 dev eth0 && ip -6 addr replace %s/64 dev eth0 nodad' % tuple(NEW))
    moved = lab.overlay('ns2-moved', {MOVED: {'nameserver_addresses': NEW}})
    snapshot = os.path.join(WORK, 'before-move.json')

    watched.mark('ns2 moves: new glue, old addresses kept')
    output = lab.deploy({'registrar_snapshot_file': snapshot}, inventories=moved)
    published = time.monotonic()
    assert glue(lab, SERVERS[MOVED]['name']) == sorted(NEW)
    left = re.search(r'still answering on its old addresses ([0-9a-f.: ]+) for (\d+) more second\(s\)', said(output))
    assert left, output[-4000:]
    assert sorted(left.group(1).split()) == sorted(OLD) and int(left.group(2)) == 60  # the lab registry's TTL
    assert serving(OLD) and serving(NEW)
    clock = json.loads(lab.on(MOVED, 'cat /var/lib/dnsops-moved-from.json').splitlines()[-1])
    assert sorted(clock['kept']) == sorted(OLD) and isinstance(clock['since'], int)

    watched.mark('ns2: hold-down passed, old addresses retired')
    wait_out(published)
    output = lab.deploy({'nameserver_move_hold_down': HOLD_DOWN}, inventories=moved)
    retired = re.search(r'old addresses ([0-9a-f.: ]+) retired', said(output))
    assert retired and sorted(retired.group(1).split()) == sorted(OLD), output[-4000:]
    assert serving(NEW)
    assert set(answers(OLD, ['example.com']).values()) <= {'timeout', 'unreachable'}  # NSD no longer listens there
    lab.on(MOVED, 'test ! -e /var/lib/dnsops-moved-from.json')

    watched.mark('restore while ns2 is not at its old glue: refused')
    refused = lab.playbook('dnsops.nameservers.restore',
                           {'registrar_restore_file': snapshot, 'registrar_restore_check_timeout': 5}, expect_rc=2)
    assert 'Put back the glue hosts' not in refused, refused[-3000:]
    assert glue(lab, SERVERS[MOVED]['name']) == sorted(NEW)

    watched.mark('ns2 answers at its old addresses again (servers only)')
    lab.playbook('dnsops.nameservers.deploy', options=['--tags', 'servers'])
    assert glue(lab, SERVERS[MOVED]['name']) == sorted(NEW)  # the registry is not changed
    assert serving(OLD) and serving(NEW)

    watched.mark('restore the snapshot taken before the move')
    lab.playbook('dnsops.nameservers.restore', {'registrar_restore_file': snapshot})
    with open(snapshot) as handle:
        taken = json.load(handle)['domains']
    for domain in taken:
        state = lab.registry_state(domain['name'])
        assert sorted(state['nameservers']) == sorted(domain['nameservers']), domain['name']
        if domain['account'] == 'alibaba':
            assert dict((name, sorted(ips)) for name, ips in state.get('hosts', {}).items()) == dict(
                (host['name'], sorted(host['ips'])) for host in domain['hosts']), domain['name']
    assert glue(lab, SERVERS[MOVED]['name']) == sorted(OLD)
    assert watched.wait_rounds(4)


def test_renaming_a_server_moves_every_domain_to_the_new_name_then_deletes_the_old_glue(lab, watched):
    """ns3's name becomes ns4.example.com (same host): a rename onto another server's name is refused before any
    change; the deploy creates the glue host ns4, delegates every domain to it and keeps ns3's glue host (and
    its address record in example.com) for the hold-down; the deploy after it deletes ns3's glue host. Then ns3
    gets its demo name back (the same rename the other way; ns4's glue host goes at a later deploy)."""
    taken = lab.overlay('ns3-taken', {RENAMED: {'nameserver_name': SERVERS[MOVED]['name']}})
    watched.mark('rename onto ns2.example.com: refused')
    output = lab.deploy(inventories=taken, expect_rc=2)
    assert "'ns2.example.com' is also the name of" in said(output), output[-3000:]
    assert 'Step 1: name servers converge' not in output

    renamed = lab.overlay('ns3-renamed', {RENAMED: {'nameserver_name': NEW_NAME}})
    staying = sorted(s['name'] for h, s in SERVERS.items() if h != RENAMED)
    watched.mark('ns3 renamed ns4: new glue, every domain follows')
    output = lab.deploy({'nameserver_move_hold_down': HOLD_DOWN}, inventories=renamed)
    delegated = time.monotonic()
    for zone in ZONE_NAMES:
        assert lab.registry_nameservers(zone) == sorted(staying + [NEW_NAME]), zone
    assert glue(lab, NEW_NAME) == sorted(SERVERS[RENAMED]['addresses'])
    assert glue(lab, OLD_NAME) == sorted(SERVERS[RENAMED]['addresses'])  # kept for the hold-down
    assert 'the glue host %s is not deleted: the old name of %s' % (OLD_NAME, NEW_NAME) in said(output), output[-4000:]
    primary = [s['addresses'][0] for s in SERVERS.values() if s['primary']][0]
    assert '"previous": {"%s": ' % OLD_NAME in lab.on(RENAMED, 'cat /var/lib/dnsops-names.json')
    reply = ask(primary, 'example.com', 'NS')
    assert sorted(str(r.target).rstrip('.') for r in reply.answer[0]) == sorted(staying + [NEW_NAME])
    assert ask(primary, OLD_NAME, 'A').answer, 'the old name keeps its address record during the hold-down'

    watched.mark('hold-down passed: old glue host deleted')
    wait_out(delegated)
    output = lab.deploy({'nameserver_move_hold_down': HOLD_DOWN}, inventories=renamed)
    assert OLD_NAME not in lab.registry_glue('example.com')
    assert '"previous": {}' in lab.on(RENAMED, 'cat /var/lib/dnsops-names.json')

    watched.mark('ns3 gets its demo name back')
    lab.deploy({'nameserver_move_hold_down': HOLD_DOWN})
    for zone in ZONE_NAMES:
        assert lab.registry_nameservers(zone) == sorted(s['name'] for s in SERVERS.values()), zone
    assert serving(SERVERS[RENAMED]['addresses'])
    assert watched.wait_rounds(4)
