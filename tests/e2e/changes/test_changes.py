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

from changes_lab import SERVERS, ZONE_NAMES, soa_serial

PRIMARY = [host for host, server in sorted(SERVERS.items()) if server['primary']][0]
SECONDARIES = [host for host, server in sorted(SERVERS.items()) if not server['primary']]


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
    assert lab.first_answers(PRIMARY) == dict(((zone, address), serials[zone]) for zone in ZONE_NAMES
                                              for address in SERVERS[PRIMARY]['addresses'])


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
