# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end: changes to the demo's name servers while resolvers keep asking.

The demo is deployed once (conftest.py); the probe asks every demo domain every 0.25 s at every
address ever published for its name servers, through all the tests. Each test is one change; the
``watched`` fixture fails it on any wrong answer (SERVFAIL, REFUSED, not authoritative, a serial
that went back) or any moment at which a domain had no answering address. Tests run in file order
and share the lab: each leaves every server answering for every zone.

Needs the lab up with fresh hosts (make e2e-test brings it up and down around the suite).
"""

import time

from changes_lab import SERVERS, ZONE_NAMES, ZONES, soa_serial

PRIMARY = [host for host, server in sorted(SERVERS.items()) if server['primary']][0]
SECONDARIES = [host for host, server in sorted(SERVERS.items()) if not server['primary']]
# Where a customer's domain goes when it leaves (the registrar's own name servers, as in the lab's seed).
OTHER_PROVIDER = ['dns1.hichina.com', 'dns2.hichina.com']


def test_secondaries_serve_every_zone_with_the_primary_down(lab, watched):
    """The primary stops; each secondary (ns2 NSD 4.6 on Debian 12, ns3 BIND 9.20 on Debian 13) is
    restarted, then crashed and started as after a power cut, one after the other: each serves every
    zone from its first answer, with the serial it had, while the primary stays down."""
    serials = dict((zone, soa_serial(SERVERS[PRIMARY]['addresses'][0], zone)) for zone in ZONE_NAMES)
    assert all(isinstance(serial, int) for serial in serials.values()), serials
    watched.mark('%s (primary) stopped' % PRIMARY)
    lab.service(PRIMARY, 'stop')
    try:
        for host in SECONDARIES:
            for how in ('restarted', 'crashed and started'):
                watched.mark('%s %s' % (host, how))
                if how == 'restarted':
                    lab.service(host, 'restart')
                else:
                    lab.crash_and_start(host)
                expected = dict(((zone, address), serials[zone]) for zone in ZONE_NAMES
                                for address in SERVERS[host]['addresses'])
                assert lab.first_answers(host) == expected, '%s %s with %s down' % (host, how, PRIMARY)
                for other in SECONDARIES:
                    assert lab.serials(other) == dict(((zone, address), serials[zone]) for zone in ZONE_NAMES
                                                      for address in SERVERS[other]['addresses']), other
                assert watched.wait_rounds(4)
    finally:
        # BIND answers SERVFAIL for the zones it has not loaded yet in its first milliseconds: the
        # primary's return is shown in the figures, the secondaries' restarts above are judged.
        watched.stop_judging('%s (primary) started' % PRIMARY)
        lab.service(PRIMARY, 'start')
    # A signing primary may re-sign its signed zones as it starts (BIND inline signing): their serial only goes up.
    signed = set(zone['name'] for zone in ZONES if zone.get('dnssec'))
    back = lab.first_answers(PRIMARY)
    assert dict((key, serial) for key, serial in back.items() if key[0] not in signed) == dict(
        ((zone, address), serials[zone]) for zone in ZONE_NAMES if zone not in signed
        for address in SERVERS[PRIMARY]['addresses'])
    assert all(isinstance(serial, int) and serial >= serials[key[0]] for key, serial in back.items()
               if key[0] in signed), back


def test_an_option_change_restarts_only_the_daemons_that_need_it(lab, watched):
    """The response rate limit changes on every server: BIND (ns1, ns3) takes it with rndc reconfig, without a
    restart; NSD (ns2) restarts, and the play waits until it answers for every zone again. Resolvers see no
    wrong answer, and every domain has an answering address throughout."""
    pids = dict((host, lab.pid(host)) for host in SERVERS)
    watched.mark('deploy: rate limit 25 a second')
    lab.deploy(extra={'nameserver_rate_limit_responses_per_second': 25})
    restarted = sorted(host for host in SERVERS if lab.pid(host) != pids[host])
    assert restarted == sorted(host for host, server in SERVERS.items() if server['software'] != 'bind'), restarted
    for host in SERVERS:
        assert all(isinstance(serial, int) for serial in lab.serials(host).values()), host
    assert watched.wait_rounds(4)


def test_removing_a_zone_is_refused_while_the_registry_delegates_it_here(lab, watched):
    """customer-c.cn is dropped from nameserver_zones, then set state: absent: deploy refuses both before any
    host changes, naming the domain and its name servers, and every server keeps serving it. Once the
    customer has pointed it at another provider, the same deploy removes it from every server."""
    zone = 'customer-c.cn'
    kept = [z for z in ZONES if z['name'] != zone]
    refusal = "'%s' is delegated to ns1.example.com, ns2.example.com, ns3.example.com at the registry now" % zone
    serials = dict((host, lab.serials(host, [zone])) for host in SERVERS)
    for how, zones in (('dropped', kept), ('state absent', kept + [{'name': zone, 'state': 'absent'}])):
        watched.mark('%s %s: refused' % (zone, how))
        output = lab.deploy({'nameserver_zones': zones}, expect_rc=2)
        assert refusal in output, output[-3000:]
        assert 'Step 1: name servers converge' not in output
        assert dict((host, lab.serials(host, [zone])) for host in SERVERS) == serials

    watched.leave(zone, OTHER_PROVIDER)
    lab.registry_delegate(zone, OTHER_PROVIDER)
    watched.mark('%s points elsewhere: removed' % zone)
    lab.deploy({'nameserver_zones': kept})
    for host in SERVERS:
        assert set(lab.serials(host, [zone]).values()) == {'REFUSED'}, host
    for host in SERVERS:
        assert all(isinstance(serial, int) for serial in lab.serials(host, [z['name'] for z in kept]).values()), host

    watched.stop_judging('%s comes back' % zone)
    lab.deploy()
    assert all(isinstance(serial, int) for serial in lab.first_answers(PRIMARY, [zone]).values())


def test_retiring_a_server_then_taking_it_away(lab, watched):
    """ns3 retires: one deploy takes it out of every NS set and delegation while it keeps serving current data;
    setting it absent before its hold-down has passed is refused; after the hold-down (5 s in the lab) the next
    deploy stops it, removes its zones and deletes its glue host. Then ns3 comes back (not judged)."""
    leaving = 'ns3'
    name = SERVERS[leaving]['name']
    staying = sorted(SERVERS[h]['name'] for h in SERVERS if h != leaving)
    retiring = lab.overlay('ns3-retiring', {leaving: {'nameserver_state': 'retiring', 'nameserver_retire_hold_down': 5}})
    watched.mark('%s retiring' % leaving)
    lab.deploy(inventories=retiring)
    for zone in ZONE_NAMES:
        assert lab.registry_nameservers(zone) == staying, zone
    # Still serving current data: the serial the primary has (it dropped ns3 from the NS records).
    primary = dict((zone, soa_serial(SERVERS[PRIMARY]['addresses'][0], zone)) for zone in ZONE_NAMES)
    current = dict(((zone, address), primary[zone]) for zone in ZONE_NAMES for address in SERVERS[leaving]['addresses'])
    deadline = time.monotonic() + 30  # the NOTIFY and the transfer follow the primary's reload
    while lab.serials(leaving) != current and time.monotonic() < deadline:
        time.sleep(0.5)
    assert lab.serials(leaving) == current
    assert name in lab.registry_glue('example.com')

    watched.mark('%s absent too early: refused' % leaving)
    early = lab.overlay('ns3-early', {leaving: {'nameserver_state': 'absent', 'nameserver_retire_hold_down': 3600}})
    output = lab.deploy(inventories=early, expect_rc=2)
    assert "nameserver_state of ns3: 'absent' is" in output and 'second(s) early' in output, output[-3000:]
    assert 'Step 1: name servers converge' not in output

    watched.mark('%s absent' % leaving)
    absent = lab.overlay('ns3-absent', {leaving: {'nameserver_state': 'absent', 'nameserver_retire_hold_down': 5}})
    lab.deploy(inventories=absent)
    assert name not in lab.registry_glue('example.com')
    assert set(lab.serials(leaving).values()) <= {'timeout', 'unreachable'}
    lab.on(leaving, 'test ! -e /var/lib/bind/dnsops && test ! -e /var/cache/bind/dnsops')

    watched.stop_judging('%s comes back' % leaving)
    lab.deploy()
    assert all(isinstance(serial, int) for serial in lab.first_answers(leaving).values())
    for zone in ZONE_NAMES:
        assert lab.registry_nameservers(zone) == sorted(s['name'] for s in SERVERS.values()), zone
