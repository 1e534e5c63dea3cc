# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Several registrar accounts: which holds each domain, where each glue host is written, what is delegated
where, what no account holds, and each registrar's own rules, all before any write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._accounts import AccountPlan, accounts_from, restore_plan
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._topology import Topology

SECRET = 'secret-do-not-print'
ALIBABA = {'name': 'alibaba', 'connection': {'access_key_id': 'LTAI', 'access_key_secret': SECRET}}
AWS = {'name': 'aws', 'connection': {'registrar': 'route53domains', 'access_key': 'AKIA', 'secret_key': SECRET}}
AWS_NS = ('ns-1.awsdns-01.org', 'ns-2.awsdns-02.com')


def host(name, server_name, addresses, **variables):
    variables.update(host=name, nameserver_name=server_name, nameserver_addresses=addresses)
    return variables


NS1 = host('ns1', 'ns1.example.com', ['198.51.100.10', '2001:db8:100::10'], nameserver_primary=True)
NS2 = host('ns2', 'ns2.example.com', ['198.51.100.11'])
NS3 = host('ns3', 'ns3.example.com', ['198.51.100.12'])


def domain(name, nameservers=AWS_NS, hosts=()):
    return {'name': name, 'nameservers': list(nameservers), 'hosts': [{'name': h, 'ips': ['192.0.2.1']} for h in hosts]}


def plan(zones, found, accounts=(ALIBABA, AWS), hosts=(NS1, NS2, NS3), registrar_domains=()):
    topology = Topology([dict(h) for h in hosts], zones)
    return AccountPlan(topology, accounts_from(list(accounts), {}), found, list(registrar_domains))


def refused(*args, **kwargs):
    with pytest.raises(ValidationError) as info:
        plan(*args, **kwargs)
    assert SECRET not in str(info.value)
    return str(info.value)


ZONES = [{'name': 'example.com'}, {'name': 'customer-a.com'}, {'name': 'customer-b.net'},
         {'name': 'customer-d.org'}, {'name': 'elsewhere.info'}]
FOUND = [[domain('example.com', hosts=['ns1.example.com']), domain('customer-a.com'), domain('customer-b.net')],
         [domain('customer-d.org')]]


# -- the accounts the variables describe ------------------------------------------------------------

def test_without_registrar_accounts_registrar_connection_is_the_one_account_default():
    accounts = accounts_from([], {'endpoint': 'https://example.invalid', 'access_key_secret': SECRET})
    assert [a.as_dict() for a in accounts] == [{'name': 'default', 'registrar': 'alicloud', 'title': 'Alibaba Cloud'}]
    assert accounts_from(None, {'registrar': 'route53domains'})[0].info.name == 'route53domains'
    assert accounts_from([], None)[0].name == 'default'


def test_registrar_accounts_in_their_order_with_their_registrars():
    accounts = accounts_from([ALIBABA, AWS], {})
    assert [(a.name, a.info.name) for a in accounts] == [('alibaba', 'alicloud'), ('aws', 'route53domains')]
    assert accounts[1].describe() == 'account aws at registrar route53domains (Route 53 Domains)'


@pytest.mark.parametrize('accounts, connection, start', [
    ('alibaba', {}, 'registrar_accounts: '),
    ([ALIBABA], {'access_key_secret': SECRET}, 'registrar_connection: '),
    ([ALIBABA, 'aws'], {}, 'registrar_accounts[1]: '),
    ([dict(ALIBABA, secret=SECRET)], {}, "registrar_accounts[0]: 'secret' is not a field of an account"),
    ([ALIBABA, dict(AWS, name='alibaba')], {}, "registrar_accounts[1].name: 'alibaba' is also the name of registrar_accounts[0]"),
    ([dict(AWS, name='an account')], {}, "registrar_accounts[0].name: 'an account' is not an account name"),
    ([{'name': 'aws', 'connection': 'access_key=AKIA,secret_key=' + SECRET}], {}, 'registrar_accounts[0].connection: '),
    ([{'name': 'aws'}], {}, 'registrar_accounts[0].connection: '),
    ([{'name': 'aws', 'connection': {'registrar': 'godaddy', 'api_secret': SECRET}}], {},
     "registrar_accounts[0].connection.registrar: 'godaddy' is not a registrar of the collection; one of alicloud, "
     "route53domains"),
    ([], 'endpoint=x,access_key_secret=' + SECRET, 'registrar_connection: '),
])
def test_bad_accounts_are_refused_naming_the_variable_never_showing_a_connection(accounts, connection, start):
    with pytest.raises(ValidationError) as info:
        accounts_from(accounts, connection)
    assert str(info.value).startswith(start), str(info.value)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value.value)


# -- who holds what, where glue and delegations are written ----------------------------------------

def test_each_domain_is_delegated_in_the_account_that_holds_it():
    p = plan(ZONES, FOUND)
    assert p.delegated == ['example.com', 'customer-a.com', 'customer-b.net', 'customer-d.org']
    assert [(d['account'], d['domains']) for d in p.delegations] == [
        ('alibaba', ['example.com', 'customer-a.com', 'customer-b.net']), ('aws', ['customer-d.org'])]
    assert p.delegations[1]['nameservers'] == ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']
    assert p.as_dict()['registered'][0] == {'name': 'customer-a.com', 'account': 'alibaba'}


def test_glue_is_written_in_the_account_holding_the_servers_domain():
    p = plan(ZONES, FOUND)
    assert p.glue == [
        {'account': 'alibaba', 'name': 'ns1.example.com', 'domain': 'example.com', 'addresses': ['198.51.100.10', '2001:db8:100::10']},
        {'account': 'alibaba', 'name': 'ns2.example.com', 'domain': 'example.com', 'addresses': ['198.51.100.11']},
        {'account': 'alibaba', 'name': 'ns3.example.com', 'domain': 'example.com', 'addresses': ['198.51.100.12']}]
    # The servers' domain at Route 53, with room in its list for their glue: written there.
    zones = ZONES[1:] + [{'name': 'example.com'}]
    moved = plan(zones, [FOUND[0][1:], [domain('customer-d.org'), domain('example.com')]])
    assert [(g['account'], g['domain']) for g in moved.glue] == [('aws', 'example.com')] * 3


def test_the_longest_held_parent_is_the_glue_home():
    hosts = (host('ns1', 'ns1.dns.example.com', ['198.51.100.10'], nameserver_primary=True),
             host('ns2', 'ns2.example.com', ['198.51.100.11']))
    p = plan([{'name': 'example.com'}, {'name': 'dns.example.com'}],
             [[domain('example.com')], [domain('dns.example.com')]], hosts=hosts)
    assert [(g['name'], g['domain'], g['account']) for g in p.glue] == [
        ('ns1.dns.example.com', 'dns.example.com', 'aws'), ('ns2.example.com', 'example.com', 'alibaba')]


def test_servers_whose_domain_no_account_holds_get_no_glue_here():
    assert plan(ZONES[1:], [FOUND[0][1:], FOUND[1]]).glue == []


def test_a_domain_in_two_accounts_is_refused_naming_both():
    message = refused(ZONES, [FOUND[0], FOUND[1] + [domain('Customer-A.com.')]])
    assert message.startswith("registrar_accounts: 'customer-a.com' is a domain of two registrar accounts, account "
                              "alibaba at registrar alicloud (Alibaba Cloud) and account aws at registrar route53domains "
                              "(Route 53 Domains)"), message


def test_served_zones_no_account_holds_are_reported_with_the_servers_to_set():
    p = plan(ZONES, FOUND)
    assert p.unregistered == [{'zone': 'elsewhere.info',
                               'nameservers': ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']}]
    assert p.warnings() == ['elsewhere.info is a domain of none of the registrar accounts (alibaba, aws); set its name '
                            'servers to ns1.example.com, ns2.example.com, ns3.example.com at its registrar']
    assert 'elsewhere.info' not in p.delegated


def test_registrar_domains_each_in_some_account():
    p = plan(ZONES, FOUND, registrar_domains=['customer-d.org', 'customer-a.com'])
    assert [(d['account'], d['domains']) for d in p.delegations] == [('alibaba', ['customer-a.com']), ('aws', ['customer-d.org'])]
    message = refused(ZONES, FOUND, registrar_domains=['customer-a.com', 'elsewhere.info'])
    assert message.startswith("registrar_domains: 'elsewhere.info' is a domain of none of the registrar accounts"), message


def test_the_reads_of_every_account_are_needed():
    assert 'the reads of 1 accounts' in refused(ZONES, FOUND[:1])


def test_one_account_is_the_plan_of_before():
    one = AccountPlan(Topology([dict(h) for h in (NS1, NS2, NS3)], ZONES), accounts_from([], {}), [FOUND[0]], [])
    before = one.topology.registrar_plan(['example.com', 'customer-a.com', 'customer-b.net'])
    assert [dict(g, account='default') for g in before['glue']] == one.glue
    assert [dict(d, account='default') for d in before['delegations']] == one.delegations
    assert before['delegated'] == one.delegated


# -- one registrar's rules, before any write, naming it ------------------------------------------------

def test_route53_glue_in_a_domain_the_servers_do_not_serve_is_refused():
    # Creating the glue would delegate example.com to the server too: it must serve example.com.
    message = refused(ZONES[1:], [FOUND[0][1:], [domain('customer-d.org'), domain('example.com')]])
    assert message.startswith("nameserver_name of ns1: 'ns1.example.com' has its glue in example.com, held in account "
                              "aws at registrar route53domains (Route 53 Domains), which keeps glue only in the "
                              "domain's own name-server list"), message
    assert 'add example.com to nameserver_zones' in message
    # Glue already in the list delegates nothing new: its addresses are kept right.
    listed = list(AWS_NS) + ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']
    assert len(plan(ZONES[1:], [FOUND[0][1:], [domain('customer-d.org'), domain('example.com', listed)]]).glue) == 3


def test_route53_glue_needs_room_in_the_parents_list():
    aws4 = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.com', 'ns-3.awsdns-03.net', 'ns-4.awsdns-04.co.uk']
    message = refused(ZONES, [FOUND[0][1:], [domain('customer-d.org'), domain('example.com', aws4)]])
    assert message.startswith("registrar_nameserver_group: 'nameservers' would add 3 glue hosts (ns1.example.com, "
                              "ns2.example.com, ns3.example.com) to the name servers of example.com, which has 4"), message
    assert 'Route 53 Domains' in message and 'at most 6' in message and 'at most 3 name servers first' in message
    # Glue hosts already in the list take no room.
    listed = aws4[:3] + ['ns1.example.com']
    assert len(plan(ZONES, [FOUND[0][1:], [domain('customer-d.org'), domain('example.com', listed)]]).glue) == 3


def test_route53_glue_takes_one_address_of_each_family():
    hosts = (host('ns1', 'ns1.example.com', ['198.51.100.10', '198.51.100.20'], nameserver_primary=True), NS2)
    message = refused(ZONES, [FOUND[0][1:], [domain('customer-d.org'), domain('example.com')]], hosts=hosts)
    assert message.startswith('nameserver_addresses of ns1: '), message
    assert 'one IPv4 and one IPv6 address' in message and 'account aws at registrar route53domains' in message
    # At Alibaba Cloud the same host is fine.
    assert len(plan(ZONES, FOUND, hosts=hosts).glue) == 2


def test_route53_takes_six_name_servers_for_a_domain():
    hosts = [NS1] + [host('ns%d' % i, 'ns%d.example.com' % i, ['198.51.100.%d' % (10 + i)]) for i in range(2, 8)]
    message = refused(ZONES, FOUND, hosts=hosts)
    assert message.startswith("registrar_nameserver_group: 'nameservers' has 7 published name servers serving "
                              "customer-d.org; account aws at registrar route53domains (Route 53 Domains) takes at most 6"), message
    # Alibaba Cloud takes 13: without the Route 53 domain the plan stands.
    assert len(plan(ZONES, [FOUND[0], []], hosts=hosts).delegations) == 1


def test_alibaba_cn_takes_six_glue_hosts():
    hosts = [host('ns%d' % i, 'ns%d.example.cn' % i, ['198.51.100.%d' % (10 + i)], nameserver_primary=i == 1)
             for i in range(1, 5)]
    existing = ['a%d.example.cn' % i for i in range(3)]
    message = refused([{'name': 'example.cn'}], [[domain('example.cn', hosts=existing)], []], hosts=hosts)
    assert message.startswith("nameserver_name of ns4: 'ns4.example.cn'"), message
    assert 'account alibaba at registrar alicloud (Alibaba Cloud)' in message


# -- glue hosts that go: servers absent, orphans -------------------------------------------------------

def leaving_plan(found, delete_orphans=False, ns3_state='absent'):
    hosts = (NS1, NS2, dict(NS3, nameserver_state=ns3_state), host('ns4', 'ns4.example.com', ['198.51.100.13']))
    topology = Topology([dict(h) for h in hosts], [{'name': 'example.com'}, {'name': 'customer-a.com'}])
    return AccountPlan(topology, accounts_from([ALIBABA], {}), found, [], delete_orphans=delete_orphans)


OURS = ('ns1.example.com', 'ns2.example.com', 'ns4.example.com')


def test_the_glue_of_an_absent_server_is_deleted_once_no_domain_names_it():
    found = [[domain('example.com', OURS, hosts=['ns1.example.com', 'ns3.example.com', 'old.example.com']),
              domain('customer-a.com', OURS)]]
    plan = leaving_plan(found)
    assert plan.glue_delete == [{'account': 'alibaba', 'name': 'ns3.example.com', 'domain': 'example.com'}]
    assert [g['name'] for g in plan.glue] == list(OURS)
    assert plan.orphans == [{'account': 'alibaba', 'name': 'old.example.com', 'domain': 'example.com',
                             'ips': ['192.0.2.1'], 'used_by': []}]
    assert plan.warnings()[0].startswith('old.example.com is a glue host under example.com in account alibaba that no '
                                         'name server of group nameservers describes; domains naming it: none')


def test_a_glue_host_a_domain_still_names_is_kept_and_said_so():
    found = [[domain('example.com', OURS, hosts=['ns3.example.com', 'old.example.com']),
              domain('customer-a.com', OURS + ('ns3.example.com', 'old.example.com'))]]
    plan = leaving_plan(found, delete_orphans=True)
    assert plan.glue_delete == []
    assert 'the glue host ns3.example.com is not deleted: still named by customer-a.com' in plan.warnings()
    assert plan.orphans[0]['used_by'] == ['customer-a.com']


def test_orphans_are_deleted_only_when_asked():
    found = [[domain('example.com', OURS, hosts=['old.example.com']), domain('customer-a.com', OURS)]]
    assert leaving_plan(found, ns3_state='retiring').glue_delete == []
    assert leaving_plan(found, delete_orphans=True, ns3_state='retiring').glue_delete == [
        {'account': 'alibaba', 'name': 'old.example.com', 'domain': 'example.com'}]


def test_a_retiring_server_keeps_its_glue():
    found = [[domain('example.com', OURS, hosts=['ns3.example.com']), domain('customer-a.com', OURS)]]
    plan = leaving_plan(found, ns3_state='retiring')
    assert plan.glue_delete == [] and plan.orphans == []
    assert 'ns3.example.com' in [g['name'] for g in plan.glue]
    assert all('ns3.example.com' not in d['nameservers'] for d in plan.delegations)


# -- a renamed server: ns3.example.com becomes ns4.example.com on the same host ----------------------------

RENAMED = host('ns3', 'ns4.example.com', ['198.51.100.12'])
OLD_NS = ('ns1.example.com', 'ns2.example.com', 'ns3.example.com')
NEW_NS = ['ns1.example.com', 'ns2.example.com', 'ns4.example.com']


def renamed_plan(found, left=None, renamed_found=None, hosts=(NS1, NS2, RENAMED)):
    topology = Topology([dict(h) for h in hosts], [{'name': 'example.com'}, {'name': 'customer-a.com'}])
    renamed = {'ns3.example.com': {'host': 'ns3', 'name': 'ns4.example.com', 'left': left}}
    return AccountPlan(topology, accounts_from([ALIBABA], {}), found, [], renamed=renamed,
                       renamed_found=renamed_found)


def test_a_renamed_server_gets_its_new_glue_and_every_domain_naming_the_old_name_follows():
    found = [[domain('example.com', OLD_NS, hosts=['ns1.example.com', 'ns2.example.com', 'ns3.example.com']),
              domain('customer-a.com', OLD_NS)]]
    every = [found[0] + [domain('other-%d.com' % i, ('ns3.example.com', 'ns.hoster.net')) for i in range(60)]
             + [domain('untouched.com', ('ns.hoster.net', 'ns2.hoster.net'))]]
    plan = renamed_plan(found, renamed_found=every)
    assert [g['name'] for g in plan.glue] == NEW_NS
    assert plan.delegations[0]['nameservers'] == NEW_NS
    # The other domains keep their other name servers, in batches of 50.
    assert [(r['nameservers'], len(r['domains'])) for r in plan.renames] == [
        (['ns4.example.com', 'ns.hoster.net'], 50), (['ns4.example.com', 'ns.hoster.net'], 10)]
    # The old glue host stays: the hold-down starts at the end of this run; not an orphan.
    assert plan.glue_delete == [] and plan.orphans == [] and plan.renamed_done == []
    assert ('the glue host ns3.example.com is not deleted: the old name of ns4.example.com: resolvers may still use it '
            'for the hold-down (it starts at the end of this run); run deploy again after that to delete it') in plan.warnings()
    assert '12 more second(s)' in renamed_plan(found, left=12).warnings()[0]


def test_the_old_glue_host_goes_after_the_hold_down_once_no_domain_names_it():
    found = [[domain('example.com', NEW_NS, hosts=['ns1.example.com', 'ns3.example.com']),
              domain('customer-a.com', NEW_NS)]]
    found[0][0]['hosts'].append({'name': 'ns4.example.com', 'ips': ['198.51.100.12']})
    plan = renamed_plan(found, left=0)
    assert plan.glue_delete == [{'account': 'alibaba', 'name': 'ns3.example.com', 'domain': 'example.com'}]
    assert plan.renamed_done == ['ns3.example.com']
    # A domain outside the plan that names it (read in every domain of the account) keeps it another run.
    others = [found[0] + [domain('late.com', ('ns3.example.com', 'ns1.example.com'))]]
    assert renamed_plan(found, left=0, renamed_found=others).renames[0]['domains'] == ['late.com']
    # Gone from the registry: the server forgets the old name.
    gone = [[domain('example.com', NEW_NS), domain('customer-a.com', NEW_NS)]]
    assert renamed_plan(gone, left=0).renamed_done == ['ns3.example.com']


def test_a_rename_onto_a_name_another_host_has_is_refused():
    found = [[domain('example.com', OLD_NS, hosts=['ns4.example.com']), domain('customer-a.com', OLD_NS)]]
    with pytest.raises(ValidationError, match=r"nameserver_name of ns3: 'ns4.example.com' is a glue host at the "
                                              r"registry already, for 192.0.2.1 \(not an address of ns3\)"):
        renamed_plan(found)
    # Another server takes the old name while its glue host waits for deletion.
    hosts = (NS1, NS2, RENAMED, host('ns5', 'ns3.example.com', ['198.51.100.15']))
    with pytest.raises(ValidationError, match=r"nameserver_name of ns5: 'ns3.example.com' is the old name of ns3"):
        renamed_plan([[domain('example.com', OLD_NS), domain('customer-a.com', OLD_NS)]], hosts=hosts)


# -- the snapshot before a change, and how to put it back ------------------------------------------------

def test_the_snapshot_is_every_domain_read_with_its_account_name_servers_and_glue():
    snapshot = plan(ZONES, FOUND).snapshot()
    assert [(d['account'], d['name']) for d in snapshot] == [('alibaba', 'customer-a.com'), ('alibaba', 'customer-b.net'),
                                                             ('aws', 'customer-d.org'), ('alibaba', 'example.com')]
    assert snapshot[3] == {'account': 'alibaba', 'name': 'example.com', 'nameservers': list(AWS_NS),
                           'hosts': [{'name': 'ns1.example.com', 'ips': ['192.0.2.1']}]}


def test_restoring_a_snapshot_puts_back_the_glue_then_the_delegations_grouped_by_name_servers():
    snapshot = {'taken': 'then', 'domains': [
        {'account': 'alibaba', 'name': 'example.com', 'nameservers': ['NS1.example.com.', 'ns2.example.com'],
         'hosts': [{'name': 'ns1.example.com', 'ips': ['198.51.100.10']}, {'name': 'ns2.example.com', 'ips': ['198.51.100.11']}]},
        {'account': 'alibaba', 'name': 'customer-a.com', 'nameservers': ['ns1.example.com', 'ns2.example.com'], 'hosts': []},
        {'account': 'aws', 'name': 'customer-d.org', 'nameservers': list(AWS_NS), 'hosts': []},
        {'account': 'alibaba', 'name': 'customer-b.net', 'nameservers': [], 'hosts': []}]}
    out = restore_plan(snapshot, accounts_from([ALIBABA, AWS], {}))
    assert [(g['account'], g['name'], g['domain'], g['addresses']) for g in out['glue']] == [
        ('alibaba', 'ns1.example.com', 'example.com', ['198.51.100.10']),
        ('alibaba', 'ns2.example.com', 'example.com', ['198.51.100.11'])]
    assert out['delegations'] == [
        {'account': 'alibaba', 'nameservers': ['ns1.example.com', 'ns2.example.com'], 'domains': ['example.com', 'customer-a.com'],
         'expected': [{'name': 'ns1.example.com', 'addresses': ['198.51.100.10']},
                      {'name': 'ns2.example.com', 'addresses': ['198.51.100.11']}]},
        {'account': 'aws', 'nameservers': list(AWS_NS), 'domains': ['customer-d.org'],
         'expected': [{'name': n, 'addresses': []} for n in AWS_NS]}]


def test_a_snapshot_of_an_account_the_inventory_does_not_have_is_refused():
    with pytest.raises(ValidationError, match=r"registrar_restore_snapshot domains\[0\].account: 'gone'"):
        restore_plan({'domains': [{'account': 'gone', 'name': 'example.com'}]}, accounts_from([ALIBABA], {}))
    with pytest.raises(ValidationError, match='is not a snapshot'):
        restore_plan({'taken': 'then'}, accounts_from([ALIBABA], {}))
