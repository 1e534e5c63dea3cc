# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""glue_host's compare-and-write logic, on a registrar in memory (conftest's FakeRegistrar)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import ValidationError
from ansible_collections.dnsops.nameservers.plugins.modules import glue_host

HICHINA = ['dns1.hichina.com', 'dns2.hichina.com']
NS1 = {'name': 'ns1.example.com', 'ips': ['192.0.2.10', '2001:db8::10']}


@pytest.fixture
def account(fake_registrar):
    """example.com with ns1, customer.net delegated to hichina, sub.example.com without hosts."""
    return fake_registrar({'example.com': HICHINA, 'customer.net': HICHINA, 'sub.example.com': HICHINA},
                          {'example.com': {'ns1.example.com': ['192.0.2.10', '2001:db8::10']}})


@pytest.fixture
def manage(make_rmod):
    def run(registrar, check_mode=False, diff=False, **params):
        params = dict({'domain': None, 'ips': None, 'state': 'present', 'force': False}, **params)
        rmod = make_rmod(registrar, params, check_mode=check_mode, diff=diff)
        return glue_host.manage(rmod)
    return run


def test_creates_a_missing_host_with_canonical_addresses(account, manage):
    result = manage(account, name='NS2.Example.COM.', ips=['2001:DB8:0:0::20', '192.0.2.20'])
    assert account.writes == [('create_host', 'example.com', 'ns2.example.com', ['192.0.2.20', '2001:db8::20'])]
    assert account.waited == ['task-1']
    assert result['changed'] is True
    assert result['task_id'] == 'task-1'
    assert result['before'] == {}
    assert result['after'] == {'name': 'ns2.example.com', 'ips': ['192.0.2.20', '2001:db8::20']}
    assert result['domain'] == {'name': 'example.com', 'instance_id': 'S-example.com'}


@pytest.mark.parametrize('ips', [
    ['2001:db8::10', '192.0.2.10'],
    ['2001:DB8:0000:0:0:0:0:10', '192.0.2.10'],
    ['192.0.2.10', '2001:db8:0::10'],
])
def test_no_write_when_addresses_differ_only_in_order_or_notation(account, manage, ips):
    result = manage(account, name='ns1.example.com', ips=ips)
    assert result['changed'] is False
    assert result['task_id'] is None
    assert account.writes == [] and account.waited == []
    assert result['before'] == result['after'] == NS1
    assert account.calls == {'read': 2, 'write': 0}  # the domain, then its hosts


def test_changed_addresses_replace_the_list(account, manage):
    result = manage(account, name='ns1.example.com', ips=['192.0.2.11', '2001:db8::10'])
    assert account.writes == [('modify_host', 'example.com', 'ns1.example.com', ['192.0.2.11', '2001:db8::10'])]
    assert result['changed'] is True
    assert (result['before'], result['after']) == (NS1, {'name': 'ns1.example.com', 'ips': ['192.0.2.11', '2001:db8::10']})


@pytest.mark.parametrize('params, before, after', [
    ({'name': 'ns2.example.com', 'ips': ['192.0.2.20']}, {}, {'name': 'ns2.example.com', 'ips': ['192.0.2.20']}),
    ({'name': 'ns1.example.com', 'ips': ['192.0.2.11']}, NS1, {'name': 'ns1.example.com', 'ips': ['192.0.2.11']}),
    ({'name': 'ns1.example.com', 'state': 'absent'}, NS1, {}),
])
def test_check_mode_predicts_changed_and_writes_nothing(account, manage, params, before, after):
    result = manage(account, check_mode=True, diff=True, **params)
    assert result['changed'] is True
    assert result['task_id'] is None
    assert account.writes == [] and account.waited == []
    assert account.hosts['example.com'] == {'ns1.example.com': ['192.0.2.10', '2001:db8::10']}
    assert (result['before'], result['after']) == (before, after)
    assert result['diff'] == {'before': before, 'after': after,
                              'before_header': params['name'], 'after_header': params['name']}


def test_check_mode_predicts_no_change_for_a_no_op(account, manage):
    result = manage(account, check_mode=True, name='ns1.example.com', ips=['2001:db8::10', '192.0.2.10'])
    assert result['changed'] is False


def test_diff_shows_before_and_after(account, manage):
    result = manage(account, diff=True, name='ns1.example.com', ips=['192.0.2.11'])
    assert result['diff'] == {'before': NS1, 'after': {'name': 'ns1.example.com', 'ips': ['192.0.2.11']},
                              'before_header': 'ns1.example.com', 'after_header': 'ns1.example.com'}


def test_no_diff_unless_asked(account, manage):
    assert 'diff' not in manage(account, name='ns1.example.com', ips=['192.0.2.11'])


def test_deleting_a_host_that_domains_still_use_is_refused(account, manage):
    account.domains['customer.net'] = ['ns1.example.com', 'dns2.hichina.com']
    account.domains['sub.example.com'] = ['ns1.example.com']
    with pytest.raises(ValidationError) as info:
        manage(account, name='ns1.example.com', state='absent')
    text = str(info.value)
    assert info.value.field == 'name'
    assert 'customer.net, sub.example.com' in text and 'force' in text
    assert account.writes == []
    assert 'ns1.example.com' in account.hosts['example.com']


def test_force_deletes_a_host_still_in_use(account, manage):
    account.domains['customer.net'] = ['ns1.example.com', 'dns2.hichina.com']
    result = manage(account, name='ns1.example.com', state='absent', force=True)
    assert account.writes == [('delete_host', 'example.com', 'ns1.example.com', ['192.0.2.10', '2001:db8::10'])]
    assert (result['changed'], result['before'], result['after']) == (True, NS1, {})


def test_deleting_an_unused_host(account, manage):
    result = manage(account, name='ns1.example.com', state='absent')
    assert [w[0] for w in account.writes] == ['delete_host']
    assert result['changed'] is True


def test_deleting_an_absent_host_is_a_no_op(account, manage):
    result = manage(account, name='ns9.example.com', state='absent')
    assert (result['changed'], result['before'], result['after'], account.writes) == (False, {}, {}, [])


def test_the_domain_is_the_longest_matching_suffix(account, manage):
    result = manage(account, name='ns1.sub.example.com', ips=['192.0.2.30'])
    assert result['domain']['name'] == 'sub.example.com'
    assert account.writes == [('create_host', 'sub.example.com', 'ns1.sub.example.com', ['192.0.2.30'])]


def test_a_named_domain_not_in_the_account_is_refused(account, manage):
    with pytest.raises(ValidationError) as info:
        manage(account, name='ns1.other.org', domain='other.org', ips=['192.0.2.40'])
    assert info.value.field == 'domain'
    assert account.writes == []


def test_a_host_outside_the_named_domain_never_reaches_the_registrar(account, manage):
    with pytest.raises(ValidationError) as info:
        manage(account, name='ns1.other.org', domain='example.com', ips=['192.0.2.40'])
    assert info.value.field == 'name'
    assert account.calls == {'read': 0, 'write': 0}


def test_without_wait_the_task_is_not_waited_for(account, manage):
    result = manage(account, name='ns2.example.com', ips=['192.0.2.20'], wait=False)
    assert result['task_id'] == 'task-1'
    assert account.waited == []


def test_a_refusal_becomes_fail_json_naming_the_field(account, make_rmod, run_module, module_failed):
    account.domains['customer.net'] = ['ns1.example.com', 'dns2.hichina.com']
    rmod = make_rmod(account, {'name': 'ns1.example.com', 'domain': None, 'ips': None, 'state': 'absent', 'force': False})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: glue_host.manage(rmod))
    assert info.value.result['field'] == 'name'
    assert 'changed' not in info.value.result
    assert info.value.result['registrar_calls']['write'] == 0
