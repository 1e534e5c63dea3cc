# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's resolver-like probe (tests/e2e/probe.py) on a scripted network: what it asks, where,
and how it judges the answers. The e2e suites run it against the real servers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import json
import os
import sys

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'e2e'))
import probe as probe_mod  # noqa: E402  (tests/e2e is no package)

REGISTRY = '192.0.2.53'
NS = {'ns1.example.com': ['192.0.2.1', '2001:db8::1'], 'ns2.example.com': ['192.0.2.2']}


class Net(object):
    """Answers like the lab: a registry with referrals (glue only inside com), servers with SOAs.

    ``servers``: {address: function(domain) -> response kind or serial}; ``glue``: {name: [addresses]}.
    """

    def __init__(self):
        self.glue = dict((k, list(v)) for k, v in NS.items())
        self.delegation = ['ns1.example.com', 'ns2.example.com']
        self.servers = {}
        self.asked = []

    async def query(self, query, address, port, timeout):
        name, rdtype = query.question[0].name.to_text(True), query.question[0].rdtype
        self.asked.append((address, name, dns.rdatatype.to_text(rdtype)))
        assert not query.flags & dns.flags.RD
        response = dns.message.make_response(query)
        if address == REGISTRY:
            return self.referral(response, name), False
        behaviour = self.servers.get(address, lambda domain: 7)(name)
        if behaviour == 'timeout':
            raise dns.exception.Timeout()
        if behaviour == 'unreachable':
            raise ConnectionRefusedError()
        if behaviour in ('SERVFAIL', 'REFUSED', 'NXDOMAIN'):
            response.set_rcode(dns.rcode.from_text(behaviour))
            return response, False
        response.flags |= dns.flags.AA
        if behaviour == 'not-authoritative':
            response.flags &= ~dns.flags.AA
            behaviour = 7
        owner = 'com.' if behaviour == 'other-zone' else name + '.'
        if behaviour != 'no-soa':
            serial = behaviour if isinstance(behaviour, int) else 7
            response.answer.append(dns.rrset.from_text(owner, 300, 'IN', 'SOA', 'ns1.example.com. h. %d 1 1 1 1' % serial))
        return response, False

    def referral(self, response, name):
        host = name.startswith('ns')
        zone = 'example.com' if host else name
        names = ['ns1.example.com', 'ns2.example.com'] if host else self.delegation
        response.authority.append(dns.rrset.from_text(zone + '.', 3600, 'IN', 'NS', *[n + '.' for n in names]))
        if zone.endswith('.com'):  # glue only inside the registry's zone of the referral
            for ns_name in names:
                for address in self.glue.get(ns_name, []):
                    response.additional.append(dns.rrset.from_text(
                        ns_name + '.', 3600, 'IN', 'AAAA' if ':' in address else 'A', address))
        return response


class Clock(object):
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def make(net, domains=('customer.com', 'customer.net'), **kwargs):
    clock = Clock()
    return probe_mod.Probe(REGISTRY, domains, query=net.query, clock=clock, **kwargs), clock


def rounds(probe, clock, count, step=0.25):
    for _n in range(count):
        asyncio.run(probe.run_round(len(probe.rounds) + 1))
        clock.t += step


def test_a_healthy_delegation_is_asked_everywhere_and_passes():
    net = Net()
    probe, clock = make(net)
    rounds(probe, clock, 3)
    report = probe.report()
    assert report.failures() == []
    assert report.wrong() == [] and report.no_answers() == []
    # every published address for both domains; the .net one learns its glue from the host's referral
    soa = sorted(set((a, n) for a, n, t in net.asked if t == 'SOA'))
    assert soa == sorted((a, d) for d in ('customer.com', 'customer.net') for a in ('192.0.2.1', '2001:db8::1', '192.0.2.2'))
    assert report.queries == len(net.asked)
    assert report.as_dict()['longest_dark'] == {'customer.com': 0.0, 'customer.net': 0.0}
    # customer.com's referral carried the glue; asked alone, customer.net needs the hosts' own referrals
    assert not [n for a, n, t in net.asked if t == 'A']
    net, alone = Net(), make(Net(), domains=['customer.net'])[0]
    alone._query = net.query
    asyncio.run(alone.run_round(1))
    assert sorted(n for a, n, t in net.asked if t == 'A') == ['ns1.example.com', 'ns2.example.com']
    assert len([n for a, n, t in net.asked if t == 'SOA']) == 3 and alone.report().failures() == []


@pytest.mark.parametrize('behaviour', ['SERVFAIL', 'REFUSED', 'NXDOMAIN', 'not-authoritative', 'no-soa', 'other-zone'])
def test_a_wrong_answer_at_one_address_is_a_failure_naming_server_and_domain(behaviour):
    net = Net()
    net.servers['192.0.2.2'] = lambda domain: behaviour if domain == 'customer.net' else 7
    probe, clock = make(net)
    rounds(probe, clock, 2)
    report = probe.report()
    assert report.failures() == ['2 x %s from 192.0.2.2 (ns2.example.com) for customer.net (first at 0.00 s)' % behaviour]
    assert report.dark() == {'customer.com': [], 'customer.net': []}  # ns1 still answered


def test_timeouts_are_counted_but_are_no_failure_while_another_address_answers():
    net = Net()
    net.servers['192.0.2.1'] = lambda domain: 'timeout'
    net.servers['2001:db8::1'] = lambda domain: 'unreachable'
    probe, clock = make(net)
    rounds(probe, clock, 4)
    report = probe.report()
    assert report.failures() == []
    data = report.as_dict()
    assert data['timeouts'] == 8 and data['unreachable'] == 8
    assert 'no answer: 192.0.2.1 (ns1.example.com) timeout 8' in report.summary()


def test_a_domain_without_an_answering_address_is_dark_from_the_first_such_round_to_the_next_answer():
    net = Net()
    probe, clock = make(net, domains=['customer.com'])
    rounds(probe, clock, 2)                                   # 0.00, 0.25: fine
    for address in ('192.0.2.1', '2001:db8::1', '192.0.2.2'):
        net.servers[address] = lambda domain: 'timeout'
    rounds(probe, clock, 3)                                   # 0.50, 0.75, 1.00: nobody answers
    net.servers.clear()
    rounds(probe, clock, 1)                                   # 1.25: back
    report = probe.report()
    assert report.dark() == {'customer.com': [(0.5, 1.25, 3)]}
    assert report.failures() == ['customer.com: no current address answered from 0.50 s to 1.25 s (3 rounds)']
    assert report.as_dict()['longest_dark'] == {'customer.com': 0.75}
    assert report.wrong() == []


def test_old_glue_is_still_asked_but_only_current_glue_keeps_a_domain_lit():
    net = Net()
    probe, clock = make(net, domains=['customer.com'])
    rounds(probe, clock, 1)
    net.glue['ns2.example.com'] = ['192.0.2.22']              # ns2 moved
    net.servers['192.0.2.2'] = lambda domain: 'timeout'      # and its old address is gone
    net.servers['192.0.2.1'] = net.servers['2001:db8::1'] = lambda domain: 'timeout'
    del net.asked[:]
    rounds(probe, clock, 1)
    asked = set(a for a, n, t in net.asked if t == 'SOA')
    assert asked == set(['192.0.2.1', '2001:db8::1', '192.0.2.2', '192.0.2.22'])
    assert probe.report().failures() == []                    # the new address answered
    net.servers['192.0.2.22'] = lambda domain: 'timeout'
    net.servers['192.0.2.2'] = lambda domain: 7              # only the old address answers now
    rounds(probe, clock, 1)
    assert probe.report().dark()['customer.com'] == [(0.5, 0.75, 1)]
    net.servers['192.0.2.2'] = lambda domain: 'REFUSED'      # an old address must not answer wrong
    rounds(probe, clock, 1)
    assert any('REFUSED from 192.0.2.2' in line for line in probe.report().failures())


def test_names_ever_delegated_to_stay_asked_after_a_rename():
    net = Net()
    probe, clock = make(net, domains=['customer.com'])
    rounds(probe, clock, 1)
    net.delegation = ['ns1.example.com', 'ns3.example.com']
    net.glue['ns3.example.com'] = ['192.0.2.3']
    del net.asked[:]
    rounds(probe, clock, 1)
    assert set(a for a, n, t in net.asked if t == 'SOA') == set(['192.0.2.1', '2001:db8::1', '192.0.2.2', '192.0.2.3'])


def test_a_serial_older_than_one_the_same_address_served_is_wrong_a_lagging_secondary_is_not():
    net = Net()
    serials = {'192.0.2.1': 10, '2001:db8::1': 10, '192.0.2.2': 9}   # ns2 is behind: fine
    for address in serials:
        net.servers[address] = lambda domain, a=address: serials[a]
    probe, clock = make(net, domains=['customer.com'])
    rounds(probe, clock, 2)
    assert probe.report().failures() == []
    serials['192.0.2.1'] = 9                                    # ns1 lost its newer copy
    rounds(probe, clock, 1)
    assert probe.report().failures() == ['1 x serial-regressed from 192.0.2.1 (ns1.example.com) for customer.com (first at 0.50 s)']


def test_serial_arithmetic_wraps():
    assert probe_mod.serial_older(1, 2) and not probe_mod.serial_older(2, 1)
    assert probe_mod.serial_older(2 ** 32 - 1, 5) and not probe_mod.serial_older(5, 2 ** 32 - 1)
    assert not probe_mod.serial_older(7, 7)


def test_a_registry_that_stops_delegating_is_a_failure():
    net = Net()
    probe, clock = make(net, domains=['customer.com'])
    rounds(probe, clock, 1)
    net.referral = lambda response, name: response.set_rcode(dns.rcode.NXDOMAIN) or response
    rounds(probe, clock, 1)
    assert '1 x NXDOMAIN from 192.0.2.53 (?) for customer.com (first at 0.25 s)' in probe.report().failures()


def test_addresses_given_up_front_are_asked_too():
    net = Net()
    probe, clock = make(net, domains=['customer.com'], addresses={'': ['192.0.2.99'], 'ns2.example.com': ['192.0.2.98']})
    rounds(probe, clock, 1)
    assert set(['192.0.2.98', '192.0.2.99']) <= set(a for a, n, t in net.asked if t == 'SOA')


def test_in_the_background_with_marks_and_phases():
    net = Net()
    probe = probe_mod.Probe(REGISTRY, ['customer.com'], interval=0.01, query=net.query).start()
    assert probe.wait_rounds(3, timeout=10)
    at = probe.mark('ns2 fails')
    net.servers['192.0.2.2'] = lambda domain: 'SERVFAIL'
    assert probe.wait_rounds(3, timeout=10)
    report = probe.stop()
    assert len(report.rounds) >= 6
    assert probe.report(until=at).failures() == []
    assert probe.report(since=at).failures() and report.failures()
    labels = [label for label, phase in report.phases()]
    assert labels == ['start', 'ns2 fails']
    assert report.phases()[0][1].wrong() == [] and report.phases()[1][1].wrong()
    json.dumps(report.as_dict())  # serialisable as it is


def test_command_line(tmp_path, monkeypatch, capsys):
    net = Net()
    monkeypatch.setattr(probe_mod, '_network_query', net.query)
    out = tmp_path / 'out.json'
    rc = probe_mod.main(['--registry', REGISTRY, '--interval', '0.02', '--duration', '0.2', '--json', str(out),
                         '--address', 'ns2.example.com=192.0.2.9', 'customer.com'])
    assert rc == 0
    data = json.loads(out.read_text())
    assert data['failures'] == [] and data['rounds'] >= 3
    assert '192.0.2.9' in set(a['address'] for a in data['answers'])
    assert 'queries in' in capsys.readouterr().out
    net.servers['192.0.2.2'] = lambda domain: 'SERVFAIL'
    assert probe_mod.main(['--registry', REGISTRY, '--interval', '0.02', '--duration', '0.1', 'customer.com']) == 1


RESOLVER = '192.0.2.99'


class ValidatingNet(Net):
    """Net with a validating resolver at RESOLVER: ``validation`` {domain: 'secure' | 'insecure' | rcode}."""

    def __init__(self):
        super(ValidatingNet, self).__init__()
        self.validation = {}

    async def query(self, query, address, port, timeout):
        if address != RESOLVER:
            return await super(ValidatingNet, self).query(query, address, port, timeout)
        name = query.question[0].name.to_text(True)
        assert query.flags & dns.flags.RD and query.ednsflags & dns.flags.DO
        self.asked.append((address, name, 'SOA'))
        response = dns.message.make_response(query)
        kind = self.validation.get(name, 'insecure')
        if kind in ('secure', 'insecure'):
            response.flags |= dns.flags.RA | (dns.flags.AD if kind == 'secure' else 0)
            response.answer.append(dns.rrset.from_text(name + '.', 300, 'IN', 'SOA', 'ns1.example.com. h. 7 1 1 1 1'))
        else:
            response.set_rcode(dns.rcode.from_text(kind))
        return response, False


def test_the_validating_resolver_is_asked_and_judged_apart():
    net = ValidatingNet()
    net.validation = {'customer.com': 'secure'}
    probe, clock = make(net, validating=RESOLVER)
    rounds(probe, clock, 2)
    net.validation['customer.com'] = 'SERVFAIL'
    rounds(probe, clock, 1)
    report = probe.report()
    assert report.resolver_kinds('customer.com') == {'secure': 2, 'SERVFAIL': 1}
    assert report.resolver_kinds('customer.net') == {'insecure': 3}
    assert [(a.domain, a.kind) for a in report.resolver_failures()] == [('customer.com', 'SERVFAIL')]
    assert report.failures() == []          # the authoritative side was fine: judged apart
    assert 'validating resolver: SERVFAIL 1, insecure 3, secure 2' in report.summary()
    assert make(Net())[0].report().resolver_answers == []
