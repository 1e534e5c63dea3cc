# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""delegation_check's core without a network: scripted DNS answers, a fake clock, and a tiny
UDP/TCP responder on 127.0.0.1 for the transport (truncation, timeouts)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os
import socket
import struct
import threading
import time

import pytest

dns = pytest.importorskip('dns')

# pylint: disable=wrong-import-position
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402
import dns.dnssec  # noqa: E402

try:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:  # the DNSSEC tests skip, saying so
    ec = rsa = None

try:
    from ansible_collections.dnsops.nameservers.plugins.module_utils import _dnscheck as dc
except ImportError:  # plain pytest from the repository, without a collection tree
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'dnscheck'))
    from checkout import import_module_utils
    dc = import_module_utils('_dnscheck')

PARENT = ('192.0.2.53', 53)
NS1, NS2 = '198.51.100.10', '198.51.100.20'


# --------------------------------------------------------------------------- a scripted network

def rrset(name, rdtype, *values):
    return dns.rrset.from_text(name + '.', 300, 'IN', rdtype, *values)


class Signer(object):
    """The keys of one zone (made with cryptography) and the RRSIGs dnspython makes with them.

    ``algorithms``: one key per algorithm, flags 257 (a CSK); ``published``: the indexes of the keys
    in the DNSKEY RRset (default: all); ``signs``: RR type -> indexes of the keys that sign it (default:
    all); ``broken``: RR types whose signatures are zeroed; ``validity``:
    (inception, expiration) relative to the signer's creation, in seconds (one time for every RRSIG,
    as a secondary serves the primary's signatures).
    """

    def __init__(self, zone, algorithms=('ECDSAP256SHA256',), flags=257, validity=(-3600, 14 * 86400)):
        self.zone = dns.name.from_text(zone)
        self.keys = []
        for algorithm in algorithms:
            if algorithm.startswith('ECDSA'):
                private = ec.generate_private_key(ec.SECP256R1())
            else:
                private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
            self.keys.append((private, dns.dnssec.make_dnskey(private.public_key(), algorithm, flags=flags)))
        self.published = None         # indexes of the keys in the DNSKEY RRset (None: all)
        self.signs = {}
        self.broken = set()
        self.validity = validity
        self.created = int(time.time())

    def __deepcopy__(self, memo):
        return self           # one zone's keys, shared by the copies of its data on every server

    def dnskeys(self):
        published = range(len(self.keys)) if self.published is None else self.published
        return dns.rrset.from_rdata_list(self.zone, 300, [self.keys[index][1] for index in published])

    def tag(self, index=0):
        return dns.dnssec.key_id(self.keys[index][1])

    def ds(self, digest='SHA256', index=0):
        return dns.dnssec.make_ds(self.zone, self.keys[index][1], digest, policy=dns.dnssec.allow_all_policy)

    def rrsigs(self, rrset):
        rdtype = dns.rdatatype.to_text(rrset.rdtype)
        now = self.created
        rrsigs = []
        for index in self.signs.get(rdtype, range(len(self.keys))):
            private, dnskey = self.keys[index]
            rrsig = dns.dnssec.sign(rrset, private, self.zone, dnskey, inception=now + self.validity[0],
                                    expiration=now + self.validity[1])
            if rdtype in self.broken:
                rrsig = rrsig.replace(signature=bytes(len(rrsig.signature)))
            rrsigs.append(rrsig)
        return dns.rrset.from_rdata_list(rrset.name, rrset.ttl, rrsigs)


class FakeNet(object):
    """Answers like real servers would, from a table; counts the queries.

    ``parent``: zone -> {'ns': [names], 'glue': {name: [ips]}, 'ds': [DS rdatas], 'ds_signed': bool}
    (the parent zone's own signer, ``parent_signer``, signs the DS unless ``ds_signed`` is false)
    ``servers``: address -> {'zones': {zone: {'serial', 'ns', 'addresses': {name: [ips]}, 'signer': Signer}},
                             'ra': bool, 'axfr': bool, 'udp': bool, 'tcp': bool, 'aa': bool}
    ``log`` has (qname, rdtype, address, port, tcp, rd) per query, ``dnssec_log`` the (qname, rdtype,
    address) of those that set the DO bit.
    """

    parent_signer = None

    def __init__(self, parent, servers):
        self.parent = parent
        self.servers = servers
        self.log = []
        self.dnssec_log = []
        self.count = 0
        self._lock = threading.Lock()

    def query(self, qname, rdtype, address, port=53, tcp=False, rd=False, dnssec=False):
        with self._lock:
            self.count += 1
            self.log.append((dc.normalize_name(qname), rdtype, address, port, tcp, rd))
            if dnssec:
                self.dnssec_log.append((dc.normalize_name(qname), rdtype, address))
        query = dns.message.make_query(qname, rdtype, use_edns=0, want_dnssec=dnssec)
        if not rd:
            query.flags &= ~dns.flags.RD
        response = dns.message.make_response(query)
        if dnssec:
            response.want_dnssec(True)        # servers that know DNSSEC echo the DO bit
        zone = query.question[0].name.to_text(omit_final_dot=True).lower()     # what a server sees: A-labels
        if (address, port) == PARENT and rdtype == 'DS' and zone in self.parent:
            response.flags |= dns.flags.AA    # the parent is authoritative for the DS of its delegations
            ds = self.parent[zone].get('ds')
            if ds:
                ds = dns.rrset.from_rdata_list(zone + '.', 300, ds)
                response.answer.append(ds)
                if dnssec and self.parent[zone].get('ds_signed', True):
                    response.answer.append(self.parent_signer.rrsigs(ds))
            return dc.Exchange(response=response)
        if (address, port) == PARENT:
            # the referral for the delegated zone at or above the name asked (a glue host's zone too)
            cut = max((z for z in self.parent if dc.in_bailiwick(zone, z)), key=len, default=None)
            delegation = self.parent.get(cut)
            if delegation is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                response.authority.append(rrset(cut, 'NS', *[n + '.' for n in delegation['ns']]))
                for name, ips in sorted(delegation.get('glue', {}).items()):
                    for ip in ips:
                        response.additional.append(rrset(name, 'AAAA' if ':' in ip else 'A', ip))
            return dc.Exchange(response=response, transport='tcp' if tcp else 'udp')
        server = self.servers.get(address)
        if server is None or not server.get('tcp' if tcp else 'udp', True):
            return dc.Exchange(error='no answer over %s within 3s' % ('TCP' if tcp else 'UDP'),
                               transport='tcp' if tcp else 'udp')
        if server.get('ra') and rd:
            response.flags |= dns.flags.RA
        owner = [z for z in server['zones'] if dc.in_bailiwick(zone, z)]
        if not owner:
            response.set_rcode(dns.rcode.REFUSED)
            return dc.Exchange(response=response)
        data = server['zones'][owner[0]]
        if server.get('aa', True):
            response.flags |= dns.flags.AA
        if rdtype == 'AXFR':
            if server.get('axfr'):
                response.answer.append(rrset(zone, 'SOA', 'ns1.%s. h.%s. %d 1 1 1 1' % (zone, zone, data['serial'])))
            else:
                response.set_rcode(dns.rcode.REFUSED)
                response.flags &= ~dns.flags.AA
        elif rdtype in ('SOA', 'NS', 'DNSKEY') and zone == owner[0]:
            signer = data.get('signer')
            answer = None
            if rdtype == 'SOA':
                answer = rrset(zone, 'SOA', 'ns1.%s. h.%s. %d 1 1 1 1' % (zone, zone, data['serial']))
            elif rdtype == 'NS':
                answer = rrset(zone, 'NS', *[n + '.' for n in data['ns']])
            elif signer is not None:
                answer = signer.dnskeys()
            if answer is not None:
                response.answer.append(answer)
                if dnssec and signer is not None:
                    response.answer.append(signer.rrsigs(answer))
        elif rdtype in ('A', 'AAAA'):
            ips = [ip for ip in data['addresses'].get(zone, []) if (':' in ip) == (rdtype == 'AAAA')]
            if ips:
                response.answer.append(rrset(zone, rdtype, *ips))
        return dc.Exchange(response=response, transport='tcp' if tcp else 'udp')


def healthy():
    zone = {'serial': 7, 'ns': ['ns1.example.com', 'ns2.example.com'],
            'addresses': {'ns1.example.com': [NS1], 'ns2.example.com': [NS2, '2001:db8::20']}}
    return FakeNet(
        parent={'example.com': {'ns': ['ns1.example.com', 'ns2.example.com'],
                                'glue': {'ns1.example.com': [NS1], 'ns2.example.com': [NS2, '2001:db8::20']}}},
        servers={NS1: {'zones': {'example.com': copy.deepcopy(zone)}},
                 NS2: {'zones': {'example.com': copy.deepcopy(zone)}},
                 '2001:db8::20': {'zones': {'example.com': copy.deepcopy(zone)}}})


class FakeResolver(object):
    def __init__(self, table=None):
        self.table = table or {}
        self.asked = []

    def resolve(self, name, rdtype, lifetime=None, search=None):
        self.asked.append((name, rdtype))
        ips = [ip for ip in self.table.get(name, []) if (':' in ip) == (rdtype == 'AAAA')]
        if name not in self.table:
            raise dns.resolver.NXDOMAIN()
        if not ips:
            raise dns.resolver.NoAnswer()
        return [type('RD', (), {'address': ip})() for ip in ips]


def check(net, zones=('example.com',), resolver=None, **kwargs):
    checker = dc.Checker(parent_servers=[PARENT], transport=net, resolver=resolver or FakeResolver(), **kwargs)
    return checker.check(list(zones))


def findings_of(net, **kwargs):
    return check(net, **kwargs)[0][1]


def problems(findings):
    return sorted((f['test'], f['level']) for f in findings if f['level'] in ('warning', 'error'))


def text(findings, test):
    return ' | '.join(f['message'] for f in findings if f['test'] == test)


# --------------------------------------------------------------------------- helpers

@pytest.mark.parametrize('spec, expected', [
    ('192.0.2.1', ('192.0.2.1', 53)),
    ('192.0.2.1@5353', ('192.0.2.1', 5353)),
    ('2001:DB8::1@53', ('2001:db8::1', 53)),
    ('[2001:db8::1]@54', ('2001:db8::1', 54)),
])
def test_parse_server(spec, expected):
    assert dc.parse_server(spec) == expected


@pytest.mark.parametrize('spec, message', [
    ('ns1.example.com', 'is not an IPv4 or IPv6 address'),
    ('192.0.2.1@x', 'must be a number'),
    ('192.0.2.1@70000', 'between 1 and 65535'),
])
def test_parse_server_rejects(spec, message):
    with pytest.raises(ValueError, match=message):
        dc.parse_server(spec)


def test_names_and_bailiwick():
    assert dc.normalize_name('NS1.Example.COM.') == 'ns1.example.com'
    assert dc.normalize_name(dns.name.from_text('A.b.')) == 'a.b'
    assert dc.in_bailiwick('ns1.example.com', 'example.com')
    assert dc.in_bailiwick('example.com', 'example.com.')
    assert not dc.in_bailiwick('ns1.badexample.com', 'example.com')
    assert dc.server_label('192.0.2.1', 53, ['a', 'b']) == 'a/b (192.0.2.1)'
    assert dc.server_label('192.0.2.1', 5353) == '192.0.2.1@5353'


def test_internationalised_names_become_a_labels():
    assert dc.normalize_name(u'B\u00fccher.CN.') == 'xn--bcher-kva.cn'
    assert dc.normalize_name(u'ns1.b\u00fccher.cn') == 'ns1.xn--bcher-kva.cn'
    assert dc.normalize_name('XN--BCHER-KVA.cn') == 'xn--bcher-kva.cn'
    assert dc.in_bailiwick(u'ns1.b\u00fccher.cn', 'xn--bcher-kva.cn')
    with pytest.raises(ValueError, match='not a valid domain name'):
        dc.normalize_name(u'b\u00fccher..cn')


def idn_net():
    """bücher.cn delegated to two name servers inside it, every table in A-labels as on the wire."""
    zone, ns = 'xn--bcher-kva.cn', ['ns1.xn--bcher-kva.cn', 'ns2.xn--bcher-kva.cn']
    data = {'serial': 3, 'ns': ns, 'addresses': {ns[0]: [NS1], ns[1]: [NS2]}}
    return FakeNet(parent={zone: {'ns': ns, 'glue': {ns[0]: [NS1], ns[1]: [NS2]}}},
                   servers={NS1: {'zones': {zone: copy.deepcopy(data)}}, NS2: {'zones': {zone: copy.deepcopy(data)}}})


def test_u_label_zone_is_checked_as_its_a_label():
    expected = [{'name': u'NS1.b\u00fccher.cn', 'addresses': [NS1]}, {'name': u'ns2.b\u00fccher.cn.', 'addresses': [NS2]}]
    checker = dc.Checker(parent_servers=[PARENT], transport=idn_net(), resolver=FakeResolver(), expected=expected)
    reports, rounds = dc.check_until_converged(checker.check, [u'B\u00fccher.cn'])
    report, = reports
    assert report['zone'] == 'xn--bcher-kva.cn' and report['ok'] is True
    assert problems(report['findings']) == []
    assert set(f['test'] for f in report['findings'] if f['level'] == 'ok') == ALL_OK | set(['EXPECTED01'])
    assert report['parent_ns'] == report['child_ns'] == ['ns1.xn--bcher-kva.cn', 'ns2.xn--bcher-kva.cn']
    assert rounds[-1]['pending'] == {}


def test_summarize_referral_with_glue_and_sibling_glue():
    query = dns.message.make_query('example.com', 'NS')
    response = dns.message.make_response(query)
    response.authority.append(rrset('example.com', 'NS', 'ns1.example.com.', 'ns.hoster.net.'))
    response.additional.append(rrset('ns1.example.com', 'A', '198.51.100.10'))
    response.additional.append(rrset('ns1.example.com', 'AAAA', '2001:DB8::10'))
    response.additional.append(rrset('ns.hoster.net', 'A', '203.0.113.1'))
    response.additional.append(rrset('unrelated.example.org', 'A', '203.0.113.9'))
    summary = dc.summarize_referral(dc.Exchange(response=response), 'Example.com.')
    assert summary['kind'] == 'referral' and summary['aa'] is False and summary['rcode'] == 'NOERROR'
    assert summary['ns'] == ['ns.hoster.net', 'ns1.example.com']
    assert summary['glue'] == {'ns1.example.com': ['198.51.100.10', '2001:db8::10'], 'ns.hoster.net': ['203.0.113.1']}


def test_summarize_referral_keeps_the_longest_ttl_of_the_ns_set_and_its_glue():
    response = dns.message.make_response(dns.message.make_query('example.com', 'NS'))
    response.authority.append(dns.rrset.from_text('example.com.', 3600, 'IN', 'NS', 'ns1.example.com.'))
    response.additional.append(dns.rrset.from_text('ns1.example.com.', 172800, 'IN', 'A', '198.51.100.10'))
    response.additional.append(dns.rrset.from_text('other.example.org.', 999999, 'IN', 'A', '203.0.113.9'))
    assert dc.summarize_referral(dc.Exchange(response=response), 'example.com')['ttl'] == 172800
    report = dc.zone_report({'zone': 'example.com', 'referrals': [
        {'kind': 'referral', 'ns': ['ns1.example.com'], 'glue': {}, 'ttl': 60, 'error': None},
        {'kind': 'referral', 'ns': ['ns1.example.com'], 'glue': {}, 'ttl': 120, 'error': None},
        {'error': 'timeout'}]}, [], fail_on='error')
    assert report['parent_ttl'] == 120


def test_summarize_referral_authoritative_answer_and_nxdomain():
    response = dns.message.make_response(dns.message.make_query('example.com', 'NS'))
    response.flags |= dns.flags.AA
    response.answer.append(rrset('example.com', 'NS', 'ns1.example.com.'))
    assert dc.summarize_referral(dc.Exchange(response=response), 'example.com')['kind'] == 'answer'
    response = dns.message.make_response(dns.message.make_query('example.com', 'NS'))
    response.set_rcode(dns.rcode.NXDOMAIN)
    summary = dc.summarize_referral(dc.Exchange(response=response), 'example.com')
    assert (summary['kind'], summary['rcode'], summary['ns']) == ('none', 'NXDOMAIN', [])
    assert dc.summarize_referral(dc.Exchange(error='boom'), 'example.com') == {'error': 'boom', 'transport': 'udp'}


# --------------------------------------------------------------------------- every finding, pass and fail

ALL_OK = set(['BASIC01', 'BASIC02', 'CONNECTIVITY01', 'CONNECTIVITY02', 'CONSISTENCY01', 'CONSISTENCY04',
              'CONSISTENCY05', 'DELEGATION01', 'DELEGATION02', 'DELEGATION07', 'NAMESERVER01', 'NAMESERVER03'])


def test_healthy_zone_passes_everything():
    findings = findings_of(healthy())
    assert problems(findings) == []
    assert set(f['test'] for f in findings if f['level'] == 'ok') == ALL_OK
    assert all(f['zone'] == 'example.com' for f in findings)


def test_queries_sent_for_a_healthy_zone():
    net = healthy()
    check(net)
    parent = [q for q in net.log if q[2] == PARENT[0]]
    assert sorted(parent) == [('example.com', 'DS', '192.0.2.53', 53, False, False),
                              ('example.com', 'NS', '192.0.2.53', 53, False, False)]
    ns1 = sorted(q for q in net.log if q[2] == NS1)
    assert ns1 == sorted([
        ('example.com', 'SOA', NS1, 53, False, False), ('example.com', 'NS', NS1, 53, False, False),
        ('example.com', 'AXFR', NS1, 53, True, False),      # its REFUSED also proves TCP (CONNECTIVITY02)
        ('example.com', 'SOA', NS1, 53, False, True),       # the recursion probe, RD set
        ('example.com', 'DNSKEY', NS1, 53, False, False),
        ('ns1.example.com', 'A', NS1, 53, False, False), ('ns1.example.com', 'AAAA', NS1, 53, False, False),
        ('ns2.example.com', 'A', NS1, 53, False, False), ('ns2.example.com', 'AAAA', NS1, 53, False, False)])
    # the DNSSEC checks' queries set the DO bit: DS at the parent; SOA, NS and DNSKEY at the servers
    assert sorted(q for q in net.dnssec_log if q[2] in (PARENT[0], NS1)) == [
        ('example.com', 'DNSKEY', NS1), ('example.com', 'DS', PARENT[0]), ('example.com', 'NS', NS1),
        ('example.com', 'SOA', NS1)]


def test_skip_checks_send_no_queries_for_them():
    net = healthy()
    findings = findings_of(net, skip=['NAMESERVER03', 'NAMESERVER01', 'CONNECTIVITY02', 'CONSISTENCY05'])
    assert not [q for q in net.log if q[1] in ('AXFR', 'A', 'AAAA') or q[4] or q[5]]
    assert set(f['test'] for f in findings) == ALL_OK - set(['NAMESERVER03', 'NAMESERVER01', 'CONNECTIVITY02',
                                                             'CONSISTENCY05']) | set(['DNSSEC07'])


def test_skipping_the_dnssec_checks_sends_no_dnssec_query():
    net = healthy()
    dnssec = [test for test in dc.TESTS if test.startswith('DNSSEC')] + ['EXPECTED02']
    findings = findings_of(net, skip=dnssec)
    assert net.dnssec_log == [] and not [q for q in net.log if q[1] in ('DS', 'DNSKEY')]
    assert set(f['test'] for f in findings) == ALL_OK


def test_tcp_soa_when_axfr_is_skipped_or_dropped():
    net = healthy()
    findings = findings_of(net, skip=['NAMESERVER03'])
    assert sorted(q[:2] for q in net.log if q[4]) == [('example.com', 'SOA')] * 3
    assert ('CONNECTIVITY02', 'ok') in [(f['test'], f['level']) for f in findings]
    net = healthy()
    original = net.query
    net.query = lambda q, t, a, p=53, tcp=False, rd=False, dnssec=False: (
        dc.Exchange(error='the server closed the TCP connection without answering', transport='tcp')
        if t == 'AXFR' and a == NS1 else original(q, t, a, p, tcp, rd, dnssec))
    findings = findings_of(net)
    assert sorted(q[:3] for q in net.log if q[4] and q[1] == 'SOA') == [('example.com', 'SOA', NS1)]
    assert problems(findings) == []


def test_not_delegated_is_basic01():
    findings = findings_of(healthy(), zones=['other.com'])
    assert problems(findings) == [('BASIC01', 'error')]
    assert text(findings, 'BASIC01') == ('the parent does not delegate other.com: its servers answered NXDOMAIN '
                                         'without NS records for the zone')


def test_parent_not_answering_is_basic01():
    net = healthy()
    net.parent = {}
    original = net.query
    net.query = lambda q, t, a, p=53, tcp=False, rd=False, dnssec=False: (
        dc.Exchange(error='no answer over UDP within 3s') if a == PARENT[0] else original(q, t, a, p, tcp, rd, dnssec))
    findings = findings_of(net)
    assert problems(findings) == [('BASIC01', 'error'), ('BASIC01', 'warning')]
    assert 'none of the parent servers answered' in text(findings, 'BASIC01')


def test_lame_server_is_basic02():
    net = healthy()
    del net.servers[NS2]['zones']['example.com']
    net.servers[NS2]['zones']['other.org'] = {'serial': 1, 'ns': [], 'addresses': {}}
    findings = findings_of(net)
    assert ('BASIC02', 'error') in problems(findings)
    assert ('ns2.example.com (198.51.100.20) answered the SOA query for example.com with REFUSED and without the '
            'AA flag; it does not serve the zone (lame delegation)') in text(findings, 'BASIC02')


def test_non_aa_answer_is_basic02_and_none_authoritative():
    net = healthy()
    for server in net.servers.values():
        server['aa'] = False
    findings = findings_of(net)
    assert 'no name server of example.com answers authoritatively' in text(findings, 'BASIC02')
    assert 'with NOERROR and without the AA flag' in text(findings, 'BASIC02')


def test_wrong_glue_is_consistency05_with_an_actionable_message():
    net = healthy()
    for server in net.servers.values():
        server['zones']['example.com']['addresses']['ns2.example.com'] = ['198.51.100.21', '2001:db8::20']
    findings = findings_of(net)
    assert set(problems(findings)) == set([('CONSISTENCY05', 'error')])
    assert ('glue for ns2.example.com at the parent is 198.51.100.20, 2001:db8::20, the zone\'s own A/AAAA records '
            'on ns1.example.com (198.51.100.10) say 198.51.100.21, 2001:db8::20') in text(findings, 'CONSISTENCY05')


def test_missing_in_bailiwick_glue_is_consistency05():
    net = healthy()
    del net.parent['example.com']['glue']['ns2.example.com']
    findings = findings_of(net)
    assert 'ns2.example.com is inside example.com but the parent gives no glue for it' in text(findings, 'CONSISTENCY05')


def test_serial_mismatch_is_consistency01():
    net = healthy()
    net.servers[NS2]['zones']['example.com']['serial'] = 8
    findings = findings_of(net)
    assert problems(findings) == [('CONSISTENCY01', 'error')]
    assert text(findings, 'CONSISTENCY01').startswith(
        'SOA serials differ: 7 on ns1.example.com (198.51.100.10), ns2.example.com (2001:db8::20); '
        '8 on ns2.example.com (198.51.100.20)')


def test_child_ns_disagree_is_consistency04_and_delegation07():
    net = healthy()
    net.servers[NS2]['zones']['example.com']['ns'] = ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']
    findings = findings_of(net)
    assert problems(findings) == [('CONSISTENCY04', 'error'), ('DELEGATION07', 'warning')]
    assert 'ns3.example.com' in text(findings, 'DELEGATION07')


def test_parent_ns_missing_in_zone_is_delegation07_error():
    net = healthy()
    for server in net.servers.values():
        server['zones']['example.com']['ns'] = ['ns1.example.com', 'ns3.example.com']
    findings = findings_of(net)
    assert ('DELEGATION07', 'error') in problems(findings)
    assert ('the parent delegates to ns2.example.com, which the zone\'s own NS records do not list '
            '(zone has ns1.example.com, ns3.example.com)') in text(findings, 'DELEGATION07')


def test_single_name_server_is_delegation01_and_02():
    net = healthy()
    net.parent['example.com'] = {'ns': ['ns1.example.com'], 'glue': {'ns1.example.com': [NS1]}}
    for server in net.servers.values():
        server['zones']['example.com']['ns'] = ['ns1.example.com']
    findings = findings_of(net)
    assert problems(findings) == [('DELEGATION01', 'error'), ('DELEGATION01', 'error'), ('DELEGATION02', 'error')]


def test_shared_address_is_delegation02():
    net = healthy()
    net.parent['example.com']['glue']['ns2.example.com'] = [NS1]
    for server in net.servers.values():
        server['zones']['example.com']['addresses']['ns2.example.com'] = [NS1]
    findings = findings_of(net)
    assert ('DELEGATION02', 'error') in problems(findings)
    assert 'ns1.example.com, ns2.example.com share the address 198.51.100.10' in text(findings, 'DELEGATION02')


def test_recursion_is_nameserver01():
    net = healthy()
    net.servers[NS2]['ra'] = True
    findings = findings_of(net)
    assert problems(findings) == [('NAMESERVER01', 'error')]
    assert text(findings, 'NAMESERVER01').startswith('ns2.example.com (198.51.100.20) offers recursion')


def test_recursion_probe_once_per_server_for_many_zones():
    net = healthy()
    for n in range(5):
        zone = 'z%d.com' % n
        net.parent[zone] = copy.deepcopy(net.parent['example.com'])
        for server in net.servers.values():
            server['zones'][zone] = copy.deepcopy(server['zones']['example.com'])
    results = check(net, zones=['z%d.com' % n for n in range(5)], skip=['CONSISTENCY05'])
    assert len([q for q in net.log if q[5]]) == 3
    assert all(problems(f) == [] for _d, f in results)


def test_open_axfr_is_nameserver03():
    net = healthy()
    net.servers[NS1]['axfr'] = True
    findings = findings_of(net)
    assert problems(findings) == [('NAMESERVER03', 'error')]
    assert 'ns1.example.com (198.51.100.10) allows anyone to transfer example.com' in text(findings, 'NAMESERVER03')


def test_no_udp_is_connectivity01_no_tcp_is_connectivity02():
    net = healthy()
    net.servers['2001:db8::20']['udp'] = False
    net.servers[NS1]['tcp'] = False
    findings = findings_of(net)
    assert ('CONNECTIVITY01', 'error') in problems(findings)
    assert ('CONNECTIVITY02', 'error') in problems(findings)
    assert text(findings, 'CONNECTIVITY01') == 'ns2.example.com (2001:db8::20): no answer over UDP within 3s'
    assert text(findings, 'CONNECTIVITY02').startswith('ns1.example.com (198.51.100.10): no answer over TCP')


def test_tcp_failing_after_truncation_is_connectivity02_not_01():
    net = healthy()
    original = net.query
    net.query = lambda q, t, a, p=53, tcp=False, rd=False, dnssec=False: (
        dc.Exchange(error='no answer over TCP within 3s', transport='tcp', truncated=True)
        if t == 'SOA' and a == NS1 and not tcp and not rd else original(q, t, a, p, tcp, rd, dnssec))
    findings = findings_of(net)
    assert problems(findings) == [('CONNECTIVITY02', 'error')]
    assert text(findings, 'CONNECTIVITY02') == ('ns1.example.com (198.51.100.10): the answer over UDP was truncated and '
                                                'the query over TCP failed: no answer over TCP within 3s')
    assert 'all 3 name server addresses answer over UDP' in text(findings, 'CONNECTIVITY01')


def test_out_of_bailiwick_names_are_resolved_once():
    net = healthy()
    del net.parent['example.com']        # the parent cannot refer to the names' zone: the system resolver
    for n in range(3):
        zone = 'z%d.org' % n
        net.parent[zone] = {'ns': ['ns1.example.com', 'ns2.example.com']}      # no glue: other zone
        for server in net.servers.values():
            server['zones'][zone] = {'serial': 1, 'ns': ['ns1.example.com', 'ns2.example.com'], 'addresses': {}}
    resolver = FakeResolver({'ns1.example.com': [NS1], 'ns2.example.com': [NS2]})
    results = check(net, zones=['z0.org', 'z1.org', 'z2.org'], resolver=resolver)
    assert sorted(resolver.asked) == [('ns1.example.com', 'A'), ('ns1.example.com', 'AAAA'),
                                      ('ns2.example.com', 'A'), ('ns2.example.com', 'AAAA')]
    data, findings = results[0]
    assert data['addresses']['ns1.example.com'] == {'addresses': [NS1], 'source': 'resolver', 'error': None}
    assert problems(findings) == []
    assert not [f for f in findings if f['test'] == 'CONSISTENCY05']


def hosted_net(glue):
    """customer.org served by ns1/ns2.example.com; its referral carries ``glue`` for them."""
    net = healthy()
    net.parent['customer.org'] = {'ns': ['ns1.example.com', 'ns2.example.com'], 'glue': glue}
    for server in net.servers.values():
        server['zones']['customer.org'] = {'serial': 1, 'ns': ['ns1.example.com', 'ns2.example.com'], 'addresses': {}}
    return net


def test_out_of_zone_glue_is_compared_with_the_names_own_addresses():
    net = hosted_net({'ns1.example.com': [NS1], 'ns2.example.com': [NS2, '2001:db8::20']})
    findings = findings_of(net, zones=['customer.org'])
    assert problems(findings) == []
    assert ('CONSISTENCY05', 'ok') in [(f['test'], f['level']) for f in findings]
    # resolved by following the parent's referral for example.com, not through the system resolver
    assert ('ns2.example.com', 'A', PARENT[0], 53, False, False) in net.log


def test_wrong_out_of_zone_glue_is_consistency05():
    net = hosted_net({'ns1.example.com': [NS1], 'ns2.example.com': ['198.51.100.99', '2001:db8::20']})
    data, findings = check(net, zones=['customer.org'])[0]
    # the servers are still asked at the glue's addresses (as resolvers that trust it would)
    assert data['addresses']['ns2.example.com']['addresses'] == ['198.51.100.99', '2001:db8::20']
    assert data['out_of_zone']['ns2.example.com'] == {'addresses': [NS2, '2001:db8::20'], 'error': None}
    assert problems(findings) == [('CONNECTIVITY01', 'error'), ('CONNECTIVITY02', 'error'), ('CONSISTENCY05', 'error')]
    finding, = [f for f in findings if f['test'] == 'CONSISTENCY05']
    assert finding['server'] == 'ns2.example.com'
    assert finding['message'] == ('glue for ns2.example.com at the parent is 198.51.100.99, 2001:db8::20, but its own '
                                  'A/AAAA records (resolved without that glue) say 198.51.100.20, 2001:db8::20; '
                                  'update the glue host ns2.example.com at its domain\'s registrar')


def test_out_of_zone_glue_resolved_once_for_many_zones_and_not_when_skipped():
    net = hosted_net({'ns1.example.com': [NS1], 'ns2.example.com': [NS2, '2001:db8::20']})
    for zone in ('customer2.org', 'customer3.org'):
        net.parent[zone] = copy.deepcopy(net.parent['customer.org'])
        for server in net.servers.values():
            server['zones'][zone] = copy.deepcopy(server['zones']['customer.org'])
    results = check(net, zones=['customer.org', 'customer2.org', 'customer3.org'])
    assert all(problems(findings) == [] for _data, findings in results)
    assert len([q for q in net.log if q[:3] == ('ns1.example.com', 'A', PARENT[0])]) == 1
    net.log = []
    check(net, zones=['customer.org'], skip=['CONSISTENCY05'])
    assert not [q for q in net.log if q[0].startswith('ns')]


def test_out_of_zone_glue_that_cannot_be_compared_is_info():
    net = hosted_net({'ns1.example.com': [NS1], 'ns2.example.com': [NS2, '2001:db8::20']})
    del net.parent['example.com']
    findings = findings_of(net, zones=['customer.org'])
    assert problems(findings) == []
    assert ('glue for ns1.example.com at the parent is 198.51.100.10; its own addresses could not be found to compare: '
            'ns1.example.com does not exist') in text(findings, 'CONSISTENCY05')


def test_expected_mode_does_not_resolve_out_of_zone_names():
    net = hosted_net({})
    expected = [{'name': 'ns1.example.com', 'addresses': [NS1]}, {'name': 'ns2.example.com', 'addresses': [NS2]}]
    checker = dc.Checker(transport=net, resolver=FakeResolver(), expected=expected, nameservers_from='expected')
    (data, findings), = checker.check(['customer.org'])
    assert problems(findings) == [] and data['out_of_zone'] == {}
    assert not [q for q in net.log if q[0].startswith('ns')]


def test_unresolvable_out_of_bailiwick_name():
    net = healthy()
    net.parent['z.org'] = {'ns': ['ns1.example.com', 'ns.gone.net']}
    net.servers[NS1]['zones']['z.org'] = {'serial': 1, 'ns': ['ns1.example.com', 'ns.gone.net'], 'addresses': {}}
    findings = findings_of(net, zones=['z.org'], resolver=FakeResolver({'ns1.example.com': [NS1]}))
    assert 'the addresses of ns.gone.net could not be found: ns.gone.net does not exist' in text(findings, 'CONNECTIVITY01')


def test_expected_nameservers():
    good = [{'name': 'ns1.example.com', 'addresses': [NS1]},
            {'name': 'ns2.example.com', 'addresses': ['2001:db8::20', NS2]}]
    assert ('EXPECTED01', 'ok') in [(f['test'], f['level']) for f in findings_of(healthy(), expected=good)]
    wrong = [{'name': 'ns1.example.com', 'addresses': ['198.51.100.11']}, {'name': 'ns3.example.com', 'addresses': []}]
    findings = findings_of(healthy(), expected=wrong)
    assert text(findings, 'EXPECTED01').split(' | ') == [
        'the parent does not publish ns3.example.com (it publishes ns1.example.com, ns2.example.com)',
        'the parent publishes ns2.example.com, which is not expected',
        'ns1.example.com: expected 198.51.100.11, the glue at the parent is 198.51.100.10']


def test_parent_servers_disagree_is_a_warning():
    net = healthy()
    other = ('192.0.2.54', 53)
    original = net.query

    def query(q, t, a, p=53, tcp=False, rd=False, dnssec=False):
        if (a, p) == other:
            response = dns.message.make_response(dns.message.make_query(q, t))
            response.authority.append(rrset('example.com', 'NS', 'ns1.example.com.', 'ns9.example.com.'))
            response.additional.append(rrset('ns1.example.com', 'A', NS1))
            return dc.Exchange(response=response)
        return original(q, t, a, p, tcp, rd, dnssec)
    net.query = query
    checker = dc.Checker(parent_servers=[PARENT, other], transport=net, resolver=FakeResolver())
    findings = checker.check(['example.com'])[0][1]
    assert ('BASIC01', 'warning') in problems(findings)
    assert 'parent server 192.0.2.54 publishes NS ns1.example.com, ns9.example.com' in text(findings, 'BASIC01')


def many_zones_net(count):
    net = healthy()
    for n in range(count):
        zone = 'z%03d.com' % n
        net.parent[zone] = copy.deepcopy(net.parent['example.com'])
        for server in net.servers.values():
            server['zones'][zone] = copy.deepcopy(server['zones']['example.com'])
    return net


class FakeDiscovery(object):
    """Stands in for discover_parent_servers: answers from ``answers`` in turn, records each call."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, name, resolver, timeout):
        self.calls.append((name, threading.current_thread().name))
        return name, self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_parent_discovered_once_for_100_zones_in_the_pool(monkeypatch):
    discovery = FakeDiscovery([PARENT])
    monkeypatch.setattr(dc, 'discover_parent_servers', discovery)
    net = many_zones_net(100)
    checker = dc.Checker(transport=net, resolver=FakeResolver(), skip=['CONSISTENCY05'])
    results = checker.check(['z%03d.com' % n for n in range(100)])
    assert all(problems(findings) == [] for _data, findings in results)
    assert [name for name, _thread in discovery.calls] == ['com']
    assert discovery.calls[0][1] != threading.main_thread().name
    checker.check(['z000.com', 'example.com'])            # a later round (wait): found servers are kept
    assert len(discovery.calls) == 1


def test_parent_discovery_that_found_nothing_is_asked_again(monkeypatch):
    discovery = FakeDiscovery([], [PARENT])
    monkeypatch.setattr(dc, 'discover_parent_servers', discovery)
    checker = dc.Checker(transport=healthy(), resolver=FakeResolver())
    reports, rounds = dc.check_until_converged(checker.check, ['example.com'], wait=True, sleep=lambda s: None)
    assert [r['pending'] for r in rounds] == [{'example.com': ['BASIC01']}, {}]
    assert text(reports[0]['findings'], 'BASIC01').startswith('the parent delegates example.com')
    assert len(discovery.calls) == 2


def test_zone_report_and_failing_levels():
    data, findings = check(healthy())[0]
    findings.append({'test': 'DELEGATION07', 'level': 'warning', 'zone': 'example.com', 'server': None, 'message': 'x'})
    report = dc.zone_report(data, findings, 'error')
    assert report['ok'] is True
    assert report['parent_ns'] == ['ns1.example.com', 'ns2.example.com']
    assert report['child_ns'] == ['ns1.example.com', 'ns2.example.com']
    assert report['glue'] == {'ns1.example.com': [NS1], 'ns2.example.com': [NS2, '2001:db8::20']}
    assert report['serials'] == {'ns1.example.com (198.51.100.10)': 7, 'ns2.example.com (198.51.100.20)': 7,
                                 'ns2.example.com (2001:db8::20)': 7}
    assert dc.zone_report(data, findings, 'warning')['ok'] is False
    assert len(dc.failing(findings, 'never')) == 1


# --------------------------------------------------------------------------- waiting, with a fake clock

class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def scripted_check(converge_after):
    """Zone z converges in round converge_after[z] (None: never); a round costs 0.5 s."""
    calls = []

    def check(zones):
        calls.append(list(zones))
        results = []
        for zone in zones:
            level = 'ok' if converge_after[zone] is not None and len(calls) >= converge_after[zone] else 'error'
            results.append(({'zone': zone}, [{'test': 'CONSISTENCY01', 'level': level, 'zone': zone,
                                              'server': None, 'message': 'serial'}]))
        return results
    return check, calls


def test_backoff_delays():
    delays = dc.backoff_delays(2, 2, 10)
    assert [next(delays) for _n in range(6)] == [2, 4, 8, 10, 10, 10]


def test_wait_rechecks_only_pending_zones_with_backoff():
    clock = FakeClock()
    check, calls = scripted_check({'a.com': 1, 'b.com': 3})
    reports, rounds = dc.check_until_converged(check, ['a.com', 'b.com'], wait=True, wait_timeout=900,
                                               clock=clock, sleep=clock.sleep)
    assert calls == [['a.com', 'b.com'], ['b.com'], ['b.com']]
    assert clock.sleeps == [2, 4]
    assert [r['ok'] for r in reports] == [True, True]
    assert [r['pending'] for r in rounds] == [{'b.com': ['CONSISTENCY01']}, {'b.com': ['CONSISTENCY01']}, {}]
    assert [r['elapsed'] for r in rounds] == [0, 2, 6]


def test_wait_stops_at_the_timeout_and_says_what_did_not_converge():
    clock = FakeClock()
    check, calls = scripted_check({'a.com': None})
    seen = []
    reports, rounds = dc.check_until_converged(check, ['a.com'], wait=True, wait_timeout=20,
                                               clock=clock, sleep=clock.sleep, on_round=seen.append)
    assert clock.sleeps == [2, 4, 8, 6]          # the last sleep is cut to end at the timeout
    assert clock.now - 1000 == 20
    assert len(calls) == 5 and seen == rounds
    assert rounds[-1]['pending'] == {'a.com': ['CONSISTENCY01']}
    assert reports[0]['ok'] is False


def test_describe_pending_lists_ten_zones_at_most():
    pending = dict(('z%02d.com' % n, ['BASIC01', 'CONSISTENCY01'] if n == 0 else ['BASIC02']) for n in range(12))
    text = dc.describe_pending(pending)
    assert text.startswith('z00.com: BASIC01, CONSISTENCY01; z01.com: BASIC02; ')
    assert text.endswith('z09.com: BASIC02 (and 2 more zones)')
    assert dc.describe_pending({'a.com': ['BASIC02']}) == 'a.com: BASIC02'


def test_no_wait_is_one_round():
    clock = FakeClock()
    check, calls = scripted_check({'a.com': None})
    dummy, rounds = dc.check_until_converged(check, ['a.com'], wait=False, clock=clock, sleep=clock.sleep)
    assert len(rounds) == 1 and clock.sleeps == []


# --------------------------------------------------------------------------- the real transport

class Responder(object):
    """A tiny DNS server on 127.0.0.1: UDP answers are truncated for names starting with
    "big", dropped for names starting with "drop", and for names starting with "lose" the
    first UDP query of each name is dropped; TCP answers everything fully."""

    def __init__(self, tcp=True):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(('127.0.0.1', 0))
        self.port = self.udp.getsockname()[1]
        self.tcp = None
        if tcp:
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind(('127.0.0.1', self.port))
            self.tcp.listen(8)
            threading.Thread(target=self._serve_tcp, daemon=True).start()
        self.seen = []
        self.lost = set()
        threading.Thread(target=self._serve_udp, daemon=True).start()

    def answer(self, wire, tcp):
        query = dns.message.from_wire(wire)
        name = query.question[0].name.to_text()
        self.seen.append((name, 'tcp' if tcp else 'udp'))
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name.startswith('drop'):
            return None
        if name.startswith('lose') and not tcp and name not in self.lost:
            self.lost.add(name)
            return None
        if name.startswith('big') and not tcp:
            response.flags |= dns.flags.TC
        else:
            response.answer.append(rrset(name.rstrip('.'), 'TXT', *['"%d%s"' % (i, 'x' * 200) for i in range(8 if name.startswith('big') else 1)]))
        return response.to_wire(max_size=65535)

    def _serve_udp(self):
        while True:
            try:
                wire, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            reply = self.answer(wire, False)
            if reply:
                self.udp.sendto(reply, peer)

    def _serve_tcp(self):
        while True:
            try:
                conn, _peer = self.tcp.accept()
            except OSError:
                return
            with conn:
                length = struct.unpack('!H', conn.recv(2))[0]
                wire = b''
                while len(wire) < length:
                    wire += conn.recv(length - len(wire))
                reply = self.answer(wire, True)
                if reply:
                    conn.sendall(struct.pack('!H', len(reply)) + reply)

    def close(self):
        self.udp.close()
        if self.tcp:
            self.tcp.close()


@pytest.fixture
def responder():
    server = Responder()
    yield server
    server.close()


def test_transport_udp_answer(responder):
    transport = dc.DnsTransport(timeout=2)
    exchange = transport.query('small.test', 'TXT', '127.0.0.1', responder.port)
    assert exchange.error is None and exchange.transport == 'udp' and not exchange.truncated
    assert not exchange.response.flags & dns.flags.RD
    assert responder.seen == [('small.test.', 'udp')]
    assert transport.count == 1


def test_transport_truncation_falls_back_to_tcp(responder):
    transport = dc.DnsTransport(timeout=2)
    exchange = transport.query('big.test', 'TXT', '127.0.0.1', responder.port)
    assert exchange.error is None and exchange.transport == 'tcp' and exchange.truncated
    assert len(exchange.response.answer[0]) == 8
    assert responder.seen == [('big.test.', 'udp'), ('big.test.', 'tcp')]
    assert transport.count == 2
    assert dc.summarize(exchange)['truncated'] is True


def test_transport_recursion_desired_flag(responder):
    exchange = dc.DnsTransport(timeout=2).query('small.test', 'TXT', '127.0.0.1', responder.port, rd=True)
    assert exchange.response.flags & dns.flags.RD


def test_transport_udp_timeout_after_one_retry(responder):
    transport = dc.DnsTransport(timeout=0.3)
    exchange = transport.query('drop.test', 'TXT', '127.0.0.1', responder.port)
    assert exchange.response is None and exchange.error == 'no answer over UDP within 0.3s, asked 2 times'
    assert dc.summarize(exchange) == {'error': 'no answer over UDP within 0.3s, asked 2 times', 'transport': 'udp'}
    assert responder.seen == [('drop.test.', 'udp')] * 2 and transport.count == 2


def test_transport_one_lost_udp_packet_is_retried(responder):
    transport = dc.DnsTransport(timeout=0.3)
    exchange = transport.query('lose.test', 'TXT', '127.0.0.1', responder.port)
    assert exchange.error is None and exchange.transport == 'udp'
    assert responder.seen == [('lose.test.', 'udp')] * 2 and transport.count == 2


def test_transport_truncated_then_tcp_fails():
    server = Responder(tcp=False)
    try:
        exchange = dc.DnsTransport(timeout=1).query('big.test', 'TXT', '127.0.0.1', server.port)
    finally:
        server.close()
    assert exchange.transport == 'tcp' and exchange.truncated and exchange.error.startswith('TCP query failed')
    assert dc.summarize(exchange)['truncated'] is True


def test_transport_tcp_refused():
    server = Responder(tcp=False)
    try:
        exchange = dc.DnsTransport(timeout=1).query('small.test', 'SOA', '127.0.0.1', server.port, tcp=True)
    finally:
        server.close()
    assert exchange.transport == 'tcp' and exchange.error.startswith('TCP query failed')
