# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_ds_query and the ds_plan module's plan: real signatures (dnspython, cryptography) on a scripted network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip('dns')

# pylint: disable=wrong-import-position
try:
    from ansible_collections.dnsops.nameservers.tests.unit.plugins.module_utils import test_dnscheck as base
except ImportError:  # plain pytest from the repository, without a collection tree
    import test_dnscheck as base

import dns.message  # noqa: E402
import dns.rrset  # noqa: E402

from ansible_collections.dnsops.nameservers.plugins.module_utils._ds_query import DsQuery  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.modules.ds_plan import make_plan  # noqa: E402

dc = base.dc
PARENT, NS1, NS2 = base.PARENT, base.NS1, base.NS2

pytestmark = pytest.mark.skipif(base.ec is None, reason='these tests sign zones with cryptography')

SERVERS = [{'name': 'ns1.example.com', 'addresses': [NS1]}, {'name': 'ns2.example.com', 'addresses': [NS2]}]
ZONES = [('example.com', SERVERS)]


class CdsNet(base.FakeNet):
    """FakeNet that also serves CDS and CDNSKEY: ``cds[address]`` a list of DS rdatas (or 'delete')."""

    cds = None

    def query(self, qname, rdtype, address, port=53, tcp=False, rd=False, dnssec=False):
        if rdtype not in ('CDS', 'CDNSKEY'):
            return super(CdsNet, self).query(qname, rdtype, address, port, tcp, rd, dnssec)
        self.count += 1
        query = dns.message.make_query(qname, rdtype)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        records = (self.cds or {}).get(address, [])
        if records == 'delete':
            text = '0 0 0 00' if rdtype == 'CDS' else '0 3 0 AA=='
            response.answer.append(dns.rrset.from_text(qname + '.', 300, 'IN', rdtype, text))
        elif records and rdtype == 'CDS':
            response.answer.append(dns.rrset.from_text(qname + '.', 300, 'IN', 'CDS', *[r.to_text() for r in records]))
        return dc.Exchange(response=response)


def signed(ds_at_parent=False):
    net = CdsNet(base.healthy().parent, base.healthy().servers)
    signer = base.Signer('example.com')
    for server in net.servers.values():
        server['zones']['example.com']['signer'] = signer
    net.parent_signer = base.Signer('com')
    net.parent['example.com']['ds'] = [signer.ds()] if ds_at_parent else []
    net.cds = {NS1: [signer.ds()], NS2: [signer.ds()]}
    return net, signer


def ask(net):
    return DsQuery(parent_servers=[PARENT], transport=net).ask(ZONES)


def ds_dict(rdata):
    return {'key_tag': rdata.key_tag, 'algorithm': int(rdata.algorithm), 'digest_type': rdata.digest_type,
            'digest': rdata.digest.hex()}


def test_reads_keys_signatures_cds_and_the_parent():
    net, signer = signed()
    seen = ask(net)['example.com']
    assert seen['signed'] and seen['parent'] == []
    for server in seen['servers']:
        assert server['error'] is None and server['signed_by'] == [signer.tag()]
        assert server['cds'] == [ds_dict(signer.ds())]
    plan = make_plan(ZONES, {'example.com': True}, {'example.com': 'alibaba'}, [], [{'name': 'example.com', 'ds': []}],
                     {'example.com': seen})
    assert plan['writes']['add'] == [{'account': 'alibaba', 'domains': [
        {'name': 'example.com', 'records': [ds_dict(signer.ds())]}]}]
    assert plan['read'] == {'alibaba': ['example.com']}


def test_expired_signatures_sign_nothing_and_nothing_is_added():
    net, signer = signed()
    signer.validity = (-20 * 86400, -86400)
    seen = ask(net)['example.com']
    assert [s['signed_by'] for s in seen['servers']] == [[], []]
    plan = make_plan(ZONES, {'example.com': True}, {'example.com': 'alibaba'}, [], [{'name': 'example.com', 'ds': []}],
                     {'example.com': seen})
    assert plan['writes']['add'] == [] and plan['domains'][0]['wait']


def test_cds_delete_and_a_server_not_answering():
    net, signer = signed(ds_at_parent=True)
    net.cds = {NS1: 'delete', NS2: 'delete'}
    seen = ask(net)['example.com']
    assert all(s['delete'] for s in seen['servers'])
    plan = make_plan(ZONES, {'example.com': True}, {'example.com': 'aws'}, [],
                     [{'name': 'example.com', 'ds': [ds_dict(signer.ds())]}], {'example.com': seen})
    assert plan['writes']['remove'][0]['domains'][0]['records'] == [ds_dict(signer.ds())]
    net.servers[NS2]['udp'] = False
    seen = ask(net)['example.com']
    assert seen['servers'][1]['error']


def test_unsigned_zones_nobody_signs_are_left_out_and_manual_accounts_say_what_to_set():
    net, signer = signed()
    seen = ask(net)
    quiet = {'example.com': dict(seen['example.com'], signed=False, parent=[])}
    assert make_plan(ZONES, {}, {'example.com': 'alibaba'}, [], [], quiet)['domains'] == []
    plan = make_plan(ZONES, {'example.com': True}, {'example.com': 'alibaba'}, ['alibaba'], None, seen)
    assert plan['read'] == {} and plan['domains'][0]['state'] == 'manual'
    assert 'example.com. IN DS %d 13 2' % signer.tag() in plan['domains'][0]['manual']
    plan = make_plan(ZONES, {'example.com': True}, {}, [], None, seen)
    assert 'no registrar account' in plan['domains'][0]['manual']
