# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end DNSSEC: the demo signs one customer domain (tests/lab/demo/inventory.yml, policy ``lab`` with
seconds-short timings); deploy puts its DS at the registrar once every server serves it signed, a KSK rollover
goes through with the DS following, and unsigning removes the DS before the keys go. The probe asks the lab's
validating resolver too (conftest.py): from the first test of this file to the last, it must never SERVFAIL.

Self-contained: it runs after test_changes.py, on the lab those tests leave (every server answering every zone)."""

import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from changes_lab import REGISTRY, RESOLVER, ZONES

SIGNED = [zone['name'] for zone in ZONES if zone.get('dnssec')]
DOMAIN = SIGNED[0]
PRIMARY_HOST = 'ns1'
FIRST = {}  # the probe's time when this file's first test began
# deploy --tags registry: the DS step without converging the servers again (deploy's extra arguments).
REGISTRY_ONLY = ['--tags', 'registry']


def parent_ds(domain):
    """The key tags of the DS the registry (the parent zone's server) publishes for ``domain``."""
    query = dns.message.make_query(domain, 'DS')
    query.flags &= ~dns.flags.RD
    response = dns.query.udp(query, REGISTRY, timeout=2)
    return sorted(rd.key_tag for rrset in response.answer if rrset.rdtype == dns.rdatatype.DS for rd in rrset)


def validated(domain):
    """(rcode, AD bit) of the validating resolver's answer for ``domain``'s SOA."""
    response = dns.query.udp(dns.message.make_query(domain, 'SOA', want_dnssec=True), RESOLVER, timeout=3)
    return dns.rcode.to_text(response.rcode()), bool(response.flags & dns.flags.AD)


def until(what, predicate, timeout=60):
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = what()
        if predicate(value):
            return value
        time.sleep(1)
    raise AssertionError('still %r after %d s' % (value, timeout))


def ksk_states(lab):
    """{key tag: (goal, ds state)} of the signer's key-signing keys (rndc dnssec -status)."""
    out, tag = {}, None
    for line in lab.on(PRIMARY_HOST, 'rndc dnssec -status %s' % DOMAIN).splitlines():
        line = line.strip()
        if line.startswith('key:'):
            tag = int(line.split()[1]) if line.rstrip().endswith(('KSK', 'CSK')) else None
            if tag is not None:
                out[tag] = {}
        elif tag is not None and line.startswith('- ') and ':' in line:
            field, value = [part.strip() for part in line[2:].split(':', 1)]
            out[tag][field] = value
    return dict((t, (s.get('goal'), s.get('ds'))) for t, s in out.items())


def resolver_failures(probe, since):
    return [(a.time, a.domain, a.kind) for a in probe.report(since=since).resolver_failures()]


def test_the_demo_domain_is_signed_and_validates(lab, watched, probe):
    """The suite's deploy signed it: the DS the parent publishes names the signer's key, the resolver says AD, and
    the signer heard that the DS is published."""
    FIRST['since'] = watched.since
    assert SIGNED, 'the demo signs no domain'
    tags = parent_ds(DOMAIN)
    assert tags, 'the parent publishes no DS for %s' % DOMAIN
    assert sorted(lab.registry_state(DOMAIN)['ds'], key=lambda r: r['key_tag'])[0]['key_tag'] in tags
    assert until(lambda: validated(DOMAIN), lambda v: v == ('NOERROR', True), 30) == ('NOERROR', True)
    states = ksk_states(lab)
    assert all(states[tag][1] in ('rumoured', 'omnipresent') for tag in tags), states
    for tag in tags:            # BIND was told (rndc dnssec -checkds): its key's state file has the time
        lab.on(PRIMARY_HOST, 'grep -q ^DSPublish: /var/lib/bind/dnsops/keys/K%s.+013+%05d.state' % (DOMAIN, tag))
    for zone in ZONES:          # the unsigned ones stay insecure, and answer
        if not zone.get('dnssec'):
            assert validated(zone['name']) == ('NOERROR', False), zone['name']
    assert resolver_failures(probe, watched.since) == []


def test_a_ksk_rollover_keeps_the_domain_validating(lab, watched, probe):
    """registrar_dnssec_rollover starts it; the next deploys add the new DS, tell BIND, remove the old one."""
    old = parent_ds(DOMAIN)
    until(lambda: ksk_states(lab), lambda s: all(s[t][1] == 'omnipresent' for t in old), 90)
    lab.deploy(extra={'registrar_dnssec_rollover': [DOMAIN]}, inventories=REGISTRY_ONLY)

    def successors(states):
        return [t for t, (goal, _ds) in states.items() if goal == 'omnipresent' and t not in old]
    states = until(lambda: ksk_states(lab), successors, 30)
    new = successors(states)
    assert len(new) == 1, states
    watched.mark('KSK %s rolls to %s' % (old, new))
    deadline = time.monotonic() + 150
    while parent_ds(DOMAIN) != new and time.monotonic() < deadline:
        time.sleep(5)  # the lab policy publishes the new key's CDS within seconds
        lab.deploy(inventories=REGISTRY_ONLY)
    assert parent_ds(DOMAIN) == new, (parent_ds(DOMAIN), ksk_states(lab))
    assert ksk_states(lab)[new[0]][1] in ('rumoured', 'omnipresent')
    assert all(ksk_states(lab).get(t, ('hidden', 'hidden'))[1] in ('unretentive', 'hidden') for t in old)
    assert until(lambda: validated(DOMAIN), lambda v: v == ('NOERROR', True), 30) == ('NOERROR', True)
    assert resolver_failures(probe, watched.since) == []


def test_unsigning_removes_the_ds_before_the_keys_go(lab, watched, probe):
    """dnssec: false: the DS goes first (the zone is still signed meanwhile), then the signer hears it is withdrawn;
    the resolver gets insecure answers, never SERVFAIL, through the whole file."""
    zones = [dict(zone, dnssec=False) if zone['name'] == DOMAIN else zone for zone in ZONES]
    lab.deploy(extra={'nameserver_zones': zones})
    assert parent_ds(DOMAIN) == []
    assert lab.registry_state(DOMAIN)['ds'] == []
    assert all(ds in ('unretentive', 'hidden') for _goal, ds in ksk_states(lab).values()), ksk_states(lab)
    assert until(lambda: validated(DOMAIN), lambda v: v == ('NOERROR', False), 30) == ('NOERROR', False)
    assert resolver_failures(probe, FIRST.get('since', watched.since)) == []
