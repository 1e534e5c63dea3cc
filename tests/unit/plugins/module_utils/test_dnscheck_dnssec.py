# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""delegation_check's DNSSEC checks on scripted answers: zones signed in the test with dnspython and
keys made with cryptography (test_dnscheck's Signer), served by its FakeNet."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip('dns')

# pylint: disable=wrong-import-position
try:
    from ansible_collections.dnsops.nameservers.tests.unit.plugins.module_utils import test_dnscheck as base
except ImportError:  # plain pytest from the repository, without a collection tree
    import test_dnscheck as base

dc = base.dc
PARENT, NS1, NS2 = base.PARENT, base.NS1, base.NS2
Signer, FakeResolver, healthy = base.Signer, base.FakeResolver, base.healthy

pytestmark = pytest.mark.skipif(base.ec is None, reason='the Python package cryptography is not installed: '
                                                        'these tests sign zones with it')

DNSSEC_CHAIN = set(['DNSSEC07', 'DNSSEC11', 'DNSSEC01', 'DNSSEC02', 'DNSSEC05', 'DNSSEC08', 'DNSSEC09', 'DNSSEC13'])


def signed_net(algorithms=('ECDSAP256SHA256',), flags=257, ds=None):
    """example.com signed by one Signer on every server, the parent's DS for its first key (``ds``:
    these DS records instead), signed by the parent (com) -> (net, signer)."""
    net = healthy()
    signer = Signer('example.com', algorithms, flags=flags)
    for server in net.servers.values():
        server['zones']['example.com']['signer'] = signer
    net.parent_signer = Signer('com')
    net.parent['example.com']['ds'] = [signer.ds()] if ds is None else ds
    return net, signer


def findings_of(net, **kwargs):
    checker = dc.Checker(parent_servers=[PARENT], transport=net, resolver=FakeResolver(), **kwargs)
    return checker.check(['example.com'])[0][1]


def dnssec(findings):
    return [f for f in findings if f['test'].startswith('DNSSEC') or f['test'] == 'EXPECTED02']


def problems(findings):
    return sorted((f['test'], f['level']) for f in findings if f['level'] in ('warning', 'error'))


def text(findings, test, level=None):
    return ' | '.join(f['message'] for f in findings if f['test'] == test and level in (None, f['level']))


def test_unsigned_zone_without_ds_is_only_an_info():
    findings = findings_of(healthy())
    assert [(f['test'], f['level']) for f in dnssec(findings)] == [('DNSSEC07', 'info')]
    assert text(findings, 'DNSSEC07') == ('example.com is not signed: no name server returns DNSKEY records with an '
                                          'RRSIG; resolvers treat it as insecure')


def test_signed_zone_with_its_ds_at_the_parent_passes_every_dnssec_check():
    net, signer = signed_net()
    findings = findings_of(net)
    assert problems(findings) == []
    assert set(f['test'] for f in dnssec(findings) if f['level'] == 'ok') == DNSSEC_CHAIN
    assert [f['level'] for f in dnssec(findings)] == ['ok'] * len(DNSSEC_CHAIN)
    assert text(findings, 'DNSSEC02') == ('the DS at the parent (key tag %d) matches a DNSKEY of example.com that '
                                          'signs the DNSKEY RRset on every name server' % signer.tag())
    assert text(findings, 'DNSSEC01') == 'the DS records of example.com use SHA-256 (key tag %d)' % signer.tag()
    assert text(findings, 'DNSSEC05') == 'the DNSKEY records of example.com use algorithm 13 (ECDSAP256SHA256)'
    assert text(findings, 'DNSSEC09').startswith('the SOA RRset of example.com carries a valid RRSIG on every name '
                                                 'server (valid until 20')


def test_ds_for_an_unsigned_zone_is_a_dnssec11_error():
    net = healthy()
    net.parent_signer = Signer('com')
    net.parent['example.com']['ds'] = [Signer('example.com').ds()]
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC11', 'error')]
    assert text(findings, 'DNSSEC11') == (
        'the parent publishes DS for example.com, but the zone is not signed (no DNSKEY on ns1.example.com '
        '(198.51.100.10), ns2.example.com (198.51.100.20), ns2.example.com (2001:db8::20)): validating resolvers fail '
        'every query for it (SERVFAIL); remove the DS at the registrar or sign the zone')
    assert ('DNSSEC07', 'info') in [(f['test'], f['level']) for f in findings]


def test_ds_with_a_wrong_key_tag_matches_no_key():
    net, signer = signed_net()
    wrong = signer.ds().replace(key_tag=(signer.tag() + 1) % 65536)
    net.parent['example.com']['ds'] = [wrong]
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC02', 'error'), ('DNSSEC02', 'warning')]
    assert ('the DS with key tag %d at the parent matches no DNSKEY of example.com on ns1.example.com '
            '(198.51.100.10), ns2.example.com (198.51.100.20), ns2.example.com (2001:db8::20)' % wrong.key_tag
            ) in text(findings, 'DNSSEC02', 'warning')
    assert text(findings, 'DNSSEC02', 'error').startswith(
        'no DS at the parent (key tag %d) matches a DNSKEY of example.com on ns1.example.com (198.51.100.10), '
        'ns2.example.com (198.51.100.20), ns2.example.com (2001:db8::20): validating resolvers cannot build the '
        'chain of trust' % wrong.key_tag)


def test_ds_with_a_wrong_digest_does_not_match_its_key():
    net, signer = signed_net()
    net.parent['example.com']['ds'] = [signer.ds().replace(digest=bytes(32))]
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC02', 'error'), ('DNSSEC02', 'error')]
    assert ('the DS with key tag %d at the parent does not match the DNSKEY with that tag of example.com (algorithm '
            'or digest differs) on ' % signer.tag()) in text(findings, 'DNSSEC02')
    assert 'no DS at the parent (key tag %d) matches a DNSKEY' % signer.tag() in text(findings, 'DNSSEC02')


def test_expired_signatures_are_dnssec08_and_dnssec09_errors():
    net, signer = signed_net()
    signer.validity = (-14 * 86400, -3600)
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC08', 'error'), ('DNSSEC09', 'error')]
    assert text(findings, 'DNSSEC09').startswith('the RRSIG of the SOA RRset of example.com by key tag %d expired at '
                                                 '20' % signer.tag())
    assert text(findings, 'DNSSEC09').endswith(' UTC, on ns1.example.com (198.51.100.10), ns2.example.com '
                                               '(198.51.100.20), ns2.example.com (2001:db8::20)')


def test_signatures_not_valid_yet_are_errors():
    net, signer = signed_net()
    signer.validity = (3600, 14 * 86400)
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC08', 'error'), ('DNSSEC09', 'error')]
    assert 'is not valid before ' in text(findings, 'DNSSEC08')


def test_a_broken_signature_does_not_validate():
    net, signer = signed_net()
    signer.broken.add('SOA')
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC09', 'error')]
    assert text(findings, 'DNSSEC09').startswith('the RRSIG of the SOA RRset of example.com by key tag %d does not '
                                                 'validate with the DNSKEY with that tag' % signer.tag())


def test_a_signature_by_a_key_not_in_the_dnskey_rrset():
    net, signer = signed_net(algorithms=('ECDSAP256SHA256', 'ECDSAP256SHA256'))
    signer.published = [0]
    signer.signs.update(SOA=[1], NS=[0], DNSKEY=[0])
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC09', 'error')]
    assert 'by key tag %d names no DNSKEY of the zone' % signer.tag(1) in text(findings, 'DNSSEC09')


def test_sha1_ds_is_deprecated():
    net, signer = signed_net()
    net.parent['example.com']['ds'] = [signer.ds('SHA1')]
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC01', 'error')]
    assert text(findings, 'DNSSEC01', 'error') == ('the DS with key tag %d uses the deprecated digest algorithm 1 '
                                                   '(SHA-1) (parent servers 192.0.2.53)' % signer.tag())
    assert 'none with digest algorithm 2 (SHA-256)' in text(findings, 'DNSSEC01', 'info')
    assert ('DNSSEC02', 'ok') in [(f['test'], f['level']) for f in findings]


@pytest.mark.parametrize('algorithm, level, words', [
    ('RSASHA1', 'error', 'uses the deprecated algorithm 5 (RSASHA1)'),
    ('RSASHA512', 'warning', 'uses algorithm 10 (RSASHA512), which is not recommended'),
])
def test_dnskey_algorithms_are_classified(algorithm, level, words):
    net, signer = signed_net(algorithms=(algorithm,))
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC05', level)]
    assert text(findings, 'DNSSEC05') == 'the DNSKEY with tag %d of example.com %s, on ns1.example.com ' \
        '(198.51.100.10), ns2.example.com (198.51.100.20), ns2.example.com (2001:db8::20)' % (signer.tag(), words)


def test_an_algorithm_that_signs_not_every_rrset_is_dnssec13():
    net, signer = signed_net(algorithms=('ECDSAP256SHA256', 'RSASHA256'))
    signer.signs['SOA'] = [0]
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC13', 'warning')]
    assert text(findings, 'DNSSEC13').startswith('the SOA RRset of example.com is not signed with algorithm 8 '
                                                 '(RSASHA256), which its DNSKEY RRset has, on ')


def test_one_server_serving_the_zone_unsigned():
    net, signer = signed_net()
    del net.servers[NS2]['zones']['example.com']['signer']
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC05', 'error'), ('DNSSEC07', 'error'), ('DNSSEC11', 'error')]
    assert text(findings, 'DNSSEC07') == (
        'the name servers disagree on whether example.com is signed: ns1.example.com (198.51.100.10), ns2.example.com '
        '(2001:db8::20) return DNSKEY records with an RRSIG, ns2.example.com (198.51.100.20) do not (a secondary has '
        'not transferred the signed zone yet, or serves an unsigned copy)')


def test_signed_zone_without_ds_is_a_dnssec07_warning():
    net, signer = signed_net(ds=[])
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC07', 'warning')]
    assert text(findings, 'DNSSEC07') == ('example.com is signed, but the parent publishes no DS for it (parent servers '
                                          '192.0.2.53): resolvers treat it as insecure until its DS is submitted to the '
                                          'registrar')
    assert text(findings, 'DNSSEC01') == 'the parent publishes no DS for example.com (parent servers 192.0.2.53)'
    assert not text(findings, 'DNSSEC11') and not text(findings, 'DNSSEC02')


def test_ds_without_rrsig_from_an_unsigned_parent():
    net, signer = signed_net()
    net.parent['example.com']['ds_signed'] = False
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC07', 'warning')]
    assert 'its DS at the parent carries no RRSIG (parent servers 192.0.2.53)' in text(findings, 'DNSSEC07')


def test_parent_servers_that_disagree_on_the_ds():
    net, signer = signed_net()
    other = ('192.0.2.54', 53)
    original = net.query

    def query(q, t, a, p=53, tcp=False, rd=False, dnssec=False):
        if (a, p) != other:
            return original(q, t, a, p, tcp, rd, dnssec)
        exchange = original(q, t, PARENT[0], PARENT[1], tcp, rd, dnssec)
        if t == 'DS':                              # a parent server that has not the DS yet
            exchange.response.answer = []
        return exchange
    net.query = query
    findings = dc.Checker(parent_servers=[PARENT, other], transport=net,
                          resolver=FakeResolver()).check(['example.com'])[0][1]
    assert problems(findings) == [('DNSSEC01', 'error'), ('DNSSEC07', 'error'), ('DNSSEC11', 'warning')]
    assert text(findings, 'DNSSEC07') == ('the parent servers disagree on the DS of example.com: 192.0.2.53 publish a '
                                          'signed DS, 192.0.2.54 do not (the registry change may still be propagating)')


def test_a_key_without_the_sep_flag_is_noted():
    net, signer = signed_net(flags=256)
    findings = findings_of(net)
    assert problems(findings) == []
    assert 'has no SEP flag' in text(findings, 'DNSSEC02', 'info')


def test_dnskey_rrset_not_signed_by_the_key_of_the_ds():
    net, signer = signed_net(algorithms=('ECDSAP256SHA256', 'ECDSAP256SHA256'))
    signer.signs['DNSKEY'] = [1]                     # the DS points to key 0
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC02', 'error'), ('DNSSEC02', 'warning')]
    assert ('the DNSKEY RRset is not signed by the key with tag %d, which a DS at the parent points to'
            % signer.tag()) in text(findings, 'DNSSEC02', 'warning')
    assert text(findings, 'DNSSEC02', 'error').startswith('the DNSKEY RRset of example.com is not signed by a key a DS '
                                                          'at the parent points to')


def test_a_server_that_does_not_answer_the_dnskey_query():
    net, signer = signed_net()
    original = net.query
    net.query = lambda q, t, a, p=53, tcp=False, rd=False, dnssec=False: (
        dc.Exchange(error='no answer over UDP within 3s, asked 2 times') if t == 'DNSKEY' and a == NS1
        else original(q, t, a, p, tcp, rd, dnssec))
    findings = findings_of(net)
    assert problems(findings) == [('DNSSEC07', 'warning')]
    assert text(findings, 'DNSSEC07') == ('ns1.example.com (198.51.100.10) did not answer the DNSKEY query (DO bit '
                                          'set): no answer over UDP within 3s, asked 2 times')


def test_without_cryptography_no_signature_is_verified_and_none_fails(monkeypatch):
    net, signer = signed_net()
    signer.broken.add('SOA')
    monkeypatch.setattr(dc, 'HAS_CRYPTOGRAPHY', False)
    findings = findings_of(net)
    assert problems(findings) == []
    assert 'the Python package cryptography, which dnspython needs to verify signatures, is missing' in text(
        findings, 'DNSSEC09', 'info')
    assert text(findings, 'DNSSEC02', 'info') and text(findings, 'DNSSEC08', 'info')


@pytest.mark.parametrize('expected, ds, level, words', [
    ('present', True, 'ok', 'the parent publishes DS for example.com (key tag %(tag)d), matching a DNSKEY on every '
                            'name server'),
    ('present', False, 'error', 'parent servers 192.0.2.53 publish no DS for example.com yet; expected DS matching a '
                                'DNSKEY of the zone'),
    ('absent', True, 'error', 'parent servers 192.0.2.53 still publish DS for example.com (key tag %(tag)d); '
                              'expected none'),
    ('absent', False, 'ok', 'no parent server publishes DS for example.com, as expected'),
])
def test_expected_ds(expected, ds, level, words):
    net, signer = signed_net(ds=None if ds else [])
    findings = findings_of(net, expected_ds=expected)
    assert [(f['level'], f['message']) for f in findings if f['test'] == 'EXPECTED02'] == [
        (level, words % {'tag': signer.tag()})]


def test_expected_ds_present_with_a_ds_of_another_key():
    net, signer = signed_net(ds=[Signer('example.com').ds()])
    findings = findings_of(net, expected_ds='present')
    assert text(findings, 'EXPECTED02', 'error').startswith('no DS at the parent (key tag ')


def test_wait_until_the_ds_is_published():
    net, signer = signed_net(ds=[])
    published = []

    def sleep(seconds):
        published.append(seconds)
        net.parent['example.com']['ds'] = [signer.ds()]       # the registry publishes it during the first pause
    checker = dc.Checker(parent_servers=[PARENT], transport=net, resolver=FakeResolver(), expected_ds='present')
    reports, rounds = dc.check_until_converged(checker.check, ['example.com'], wait=True, sleep=sleep)
    assert [r['pending'] for r in rounds] == [{'example.com': ['EXPECTED02']}, {}]
    assert reports[0]['ds'] == [signer.ds().to_text()]


def test_nameservers_from_expected_asks_no_ds():
    net, signer = signed_net()
    expected = [{'name': 'ns1.example.com', 'addresses': [NS1]},
                {'name': 'ns2.example.com', 'addresses': [NS2, '2001:db8::20']}]
    checker = dc.Checker(transport=net, resolver=FakeResolver(), expected=expected, nameservers_from='expected')
    (data, findings), = checker.check(['example.com'])
    assert not [q for q in net.log if q[1] == 'DS']
    assert text(findings, 'DNSSEC07') == 'example.com is signed on every name server'
    assert problems(findings) == [] and not text(findings, 'DNSSEC11') and not text(findings, 'DNSSEC02')


def test_a_signature_copied_onto_other_data_does_not_validate():
    net, signer = signed_net()
    original = net.query

    def query(q, t, a, p=53, tcp=False, rd=False, dnssec=False):
        exchange = original(q, t, a, p, tcp, rd, dnssec)
        if a == NS2 and t == 'SOA' and dnssec:      # the same RRSIG as on the other servers, over another serial
            exchange.response.answer[0] = base.rrset('example.com', 'SOA', 'ns1.example.com. h.example.com. 8 1 1 1 1')
        return exchange
    net.query = query
    findings = findings_of(net)
    assert problems(findings) == [('CONSISTENCY01', 'error'), ('DNSSEC09', 'error')]
    assert text(findings, 'DNSSEC09') == ('the RRSIG of the SOA RRset of example.com by key tag %d does not validate '
                                          'with the DNSKEY with that tag, on ns2.example.com (198.51.100.20)'
                                          % signer.tag())
