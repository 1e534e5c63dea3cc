# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""domain_nameservers' compare-and-write logic: on a registrar in memory (conftest's FakeRegistrar),
and through the real Alibaba provider on a scripted client for the batches of 1,000."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import AlicloudRegistrar
from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import ValidationError
from ansible_collections.dnsops.nameservers.plugins.modules import domain_nameservers

HICHINA = ['dns1.hichina.com', 'dns2.hichina.com']
OURS = ['ns1.example.com', 'ns2.example.com']


@pytest.fixture
def manage(make_rmod):
    def run(registrar, check_mode=False, diff=False, **params):
        params = dict({'nameservers': OURS, 'allow_single': False}, **params)
        rmod = make_rmod(registrar, params, check_mode=check_mode, diff=diff)
        return domain_nameservers.manage(rmod)
    return run


@pytest.fixture
def account(fake_registrar):
    return fake_registrar({'a.example': HICHINA, 'b.example': ['ns2.example.com', 'ns1.example.com'],
                           'c.example': ['ns1.example.com']})


def test_only_the_domains_that_differ_are_written(account, manage):
    result = manage(account, domains=['A.Example.', 'b.example', 'c.example'],
                    nameservers=['NS1.example.com.', 'ns2.EXAMPLE.com'])
    assert account.writes == [('set_nameservers', ['a.example', 'c.example'], OURS)]
    assert account.waited == ['task-1']
    assert result['changed'] is True
    assert result['changed_domains'] == ['a.example', 'c.example']
    assert result['nameservers'] == OURS
    assert result['before'] == {'a.example': HICHINA, 'c.example': ['ns1.example.com']}
    assert result['task_ids'] == ['task-1']


def test_same_servers_in_another_order_and_notation_are_a_no_op(fake_registrar, manage):
    registrar = fake_registrar({'a.example': ['ns2.example.com', 'ns1.example.com']})
    result = manage(registrar, domains=['a.example'], nameservers=['NS1.EXAMPLE.COM.', 'ns2.example.com'])
    assert (result['changed'], result['changed_domains'], result['task_ids']) == (False, [], [])
    assert registrar.writes == [] and registrar.waited == []
    assert registrar.calls == {'read': 1, 'write': 0}


def test_check_mode_predicts_the_change_and_writes_nothing(account, manage):
    result = manage(account, check_mode=True, domains=['a.example', 'b.example'])
    assert (result['changed'], result['changed_domains'], result['task_ids']) == (True, ['a.example'], [])
    assert account.writes == []
    assert account.domains['a.example'] == HICHINA


def test_diff_shows_each_changed_domain_before_and_after(account, manage):
    result = manage(account, diff=True, domains=['a.example', 'b.example', 'c.example'])
    assert result['diff'] == {
        'before': {'a.example': HICHINA, 'c.example': ['ns1.example.com']},
        'after': {'a.example': OURS, 'c.example': OURS},
    }


def test_a_domain_not_in_the_account_fails_before_any_write(account, manage):
    with pytest.raises(ValidationError) as info:
        manage(account, domains=['a.example', 'missing.example', 'gone.example'])
    assert info.value.field == 'domains'
    assert 'missing.example, gone.example' in str(info.value)
    assert account.writes == []


@pytest.mark.parametrize('nameservers, allow_single, ok', [
    (['ns1.example.com'], False, False),
    (['ns1.example.com'], True, True),
    (['ns%d.example.com' % n for n in range(14)], False, False),
    (['ns1.example.com', 'NS1.example.com.'], False, False),
])
def test_name_server_count_rules(account, manage, nameservers, allow_single, ok):
    if ok:
        assert manage(account, domains=['a.example'], nameservers=nameservers, allow_single=allow_single)['changed']
        return
    with pytest.raises(ValidationError) as info:
        manage(account, domains=['a.example'], nameservers=nameservers, allow_single=allow_single)
    assert info.value.field == 'nameservers'
    assert account.calls == {'read': 0, 'write': 0}


def test_duplicate_domains_are_read_and_written_once(account, manage):
    result = manage(account, domains=['a.example', 'A.EXAMPLE.', 'a.example'])
    assert result['changed_domains'] == ['a.example']
    assert account.writes == [('set_nameservers', ['a.example'], OURS)]
    assert account.calls['read'] == 2  # a.example once; example.com, which the name servers lie in (not here)


def test_a_thousand_domains_to_change_go_in_batches_of_at_most_1000(make_rmod, scripted_client):
    """Real provider, scripted answers: 2,500 domains, 300 already right; 2,200 written in 3 calls."""
    domains = ['d%04d.example' % n for n in range(2500)]
    right = set(domains[::25]) | set(domains[1::25]) | set(domains[2::25])  # 300 domains
    writes = []

    def answer(action, params):
        if action == 'QueryDomainByDomainName':
            name = params['DomainName']
            return {'DomainName': name, 'InstanceId': 'S-' + name,
                    'DnsList': {'Dns': list(reversed(OURS)) if name in right else HICHINA}}
        if action == 'QueryDnsHost':  # example.com, which our name servers lie in, has their glue
            assert params['InstanceId'] == 'S-example.com'
            return {'DnsHostList': [{'DnsName': 'ns1', 'IpList': ['192.0.2.1']}, {'DnsName': 'ns2', 'IpList': ['192.0.2.2']}]}
        assert action == 'SaveBatchTaskForModifyingDomainDns', action
        writes.append(params)
        return {'TaskNo': 'task-%d' % len(writes)}

    client = scripted_client(answer)
    rmod = make_rmod(AlicloudRegistrar({}, client=client),
                     {'domains': domains, 'nameservers': OURS, 'allow_single': False, 'wait': False})
    result = domain_nameservers.manage(rmod)

    written = [[params['DomainName.%d' % n] for n in range(1, 1 + sum(1 for key in params if key.startswith('DomainName.')))]
               for params in writes]
    assert [len(batch) for batch in written] == [1000, 1000, 200]
    assert sum(written, []) == [name for name in domains if name not in right]
    assert all(params['DomainNameServer.1'] == 'ns1.example.com' and params['DomainNameServer.2'] == 'ns2.example.com'
               for params in writes)
    assert result['task_ids'] == ['task-1', 'task-2', 'task-3']
    assert len(result['changed_domains']) == 2200
    assert client.calls == {'read': 2502, 'write': 3}  # and example.com and its hosts


# ---------------------------------------------------------------------------
# Name servers inside a domain of the account need a glue host there
# ---------------------------------------------------------------------------

@pytest.fixture
def own_servers(fake_registrar):
    """example.com (with glue for ns1 only) and sub.example.com (glue for ns1.sub) are in the account."""
    return fake_registrar({'a.example': HICHINA, 'example.com': HICHINA, 'sub.example.com': HICHINA},
                          {'example.com': {'ns1.example.com': ['192.0.2.1']},
                           'sub.example.com': {'ns1.sub.example.com': ['192.0.2.3']}})


def test_a_name_server_without_glue_in_its_domain_is_refused_before_any_write(own_servers, manage):
    with pytest.raises(ValidationError) as info:
        manage(own_servers, domains=['a.example'], nameservers=['ns1.example.com', 'ns2.example.com'], wait=False)
    assert info.value.field == 'nameservers'
    assert str(info.value) == (
        "nameservers: 'ns2.example.com' is inside a domain of this registrar account without being a glue host of "
        "it (ns2.example.com in example.com), so the registry would fail the delegation; create it first with "
        "dnsops.nameservers.glue_host and let its task finish (wait: true); nothing was changed")
    assert own_servers.writes == []


def test_the_nearest_enclosing_domain_of_the_account_is_the_one_that_needs_the_glue(own_servers, manage):
    result = manage(own_servers, domains=['a.example'], nameservers=['ns1.sub.example.com', 'ns1.example.com'])
    assert result['changed'] is True
    with pytest.raises(ValidationError) as info:
        manage(own_servers, domains=['a.example'], nameservers=['ns2.sub.example.com', 'ns9.example.com'])
    assert info.value.value == ['ns2.sub.example.com', 'ns9.example.com']
    assert 'ns2.sub.example.com in sub.example.com, ns9.example.com in example.com' in str(info.value)


def test_name_servers_outside_the_account_need_no_glue_here(own_servers, manage):
    result = manage(own_servers, domains=['a.example'], nameservers=['ns1.example.net', 'ns2.example.org'])
    assert result['changed'] is True and len(own_servers.writes) == 1


def test_in_check_mode_a_missing_glue_host_only_warns(own_servers, make_rmod):
    rmod = make_rmod(own_servers, {'domains': ['a.example'], 'nameservers': ['ns1.example.com', 'ns2.example.com'],
                                   'allow_single': False}, check_mode=True)
    result = domain_nameservers.manage(rmod)
    assert result['changed'] is True
    assert rmod.module.warnings == ['nameservers: no glue host yet for ns2.example.com in example.com (a domain of '
                                    'this registrar account); a real run fails here unless dnsops.nameservers.glue_host '
                                    'creates it first']


def test_a_domain_delegated_to_its_own_glue_is_checked_against_itself(own_servers, manage):
    with pytest.raises(ValidationError):
        manage(own_servers, domains=['example.com'], nameservers=['ns1.example.com', 'ns2.example.com'])
    result = manage(own_servers, domains=['example.com'], nameservers=['ns1.example.com', 'ns1.sub.example.com'])
    assert result['changed_domains'] == ['example.com']
