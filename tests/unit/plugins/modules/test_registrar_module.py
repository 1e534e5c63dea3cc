# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A write the registry accepted is never hidden by a failure: changed, task ids, every task's outcome.

The modules run on the real Alibaba provider, whose client answers from a script (conftest's
ScriptedClient: no HTTP).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import AlicloudRegistrar
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import RegistrarError, WriteOutcomeUnknown
from ansible_collections.dnsops.nameservers.plugins.modules import domain_nameservers, glue_host

NAMESERVERS = ['ns1.example.com', 'ns2.example.com']


class Registry(object):
    """A scripted registry: domains with name servers, no hosts, and task details from ``tasks``."""

    def __init__(self, domains, tasks):
        self.domains = domains
        self.tasks = tasks  # TaskNo -> function(poll number) -> [(domain, status, error)]
        self.polls = dict((task, 0) for task in tasks)
        self.writes = []

    def __call__(self, action, params):
        if action == 'QueryDomainByDomainName':
            name = params['DomainName']
            if name not in self.domains:  # example.com, which the name servers lie in, is not in this account
                raise RegistrarError('The domain %s does not exist in this account.' % name, code='DomainNotExist')
            return {'DomainName': name, 'InstanceId': 'S-' + name, 'DnsList': {'Dns': self.domains[name]}}
        if action == 'QueryDnsHost':
            return {'DnsHostList': []}
        if action.startswith('Save'):
            self.writes.append(params)
            if len(self.writes) > len(self.tasks):
                raise RegistrarError('The request was refused.', code='InvalidParameter')
            return {'TaskNo': sorted(self.tasks)[len(self.writes) - 1]}
        if action == 'QueryTaskDetailList':
            task = params['TaskNo']
            self.polls[task] += 1
            items = self.tasks[task](self.polls[task])
            return {'TotalPageNum': 1, 'Data': {'TaskDetail': [
                {'TaskNo': task, 'DomainName': d, 'TaskStatus': s, 'ErrorMsg': e} for d, s, e in items]}}
        raise AssertionError('unexpected action %s' % action)


@pytest.fixture
def provider(scripted_client):
    """The real Alibaba provider, its client answering from a script."""
    return lambda answer: AlicloudRegistrar({}, client=scripted_client(answer))


def test_glue_host_task_failure_reports_the_write(provider, make_rmod, run_module, module_failed):
    registry = Registry({'example.com': ['dns1.hichina.com', 'dns2.hichina.com']}, {
        't1': lambda n: [('example.com', 'EXECUTE_FAILURE', 'domain has an update-prohibition lock')],
    })
    rmod = make_rmod(provider(registry), {'name': 'ns3.example.com', 'domain': 'example.com', 'ips': ['198.51.100.30'],
                                          'state': 'present', 'force': False})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: glue_host.manage(rmod))
    result = info.value.result
    assert result['msg'] == ('The registry task did not succeed: registry task t1 failed: example.com: '
                             'domain has an update-prohibition lock')
    assert result['changed'] is True
    assert (result['task_id'], result['task_ids'], result['host']) == ('t1', ['t1'], 'ns3.example.com')
    assert result['tasks'] == [{'task_id': 't1', 'status': 'failure', 'details': [
        {'domain': 'example.com', 'status': 'EXECUTE_FAILURE', 'error': 'domain has an update-prohibition lock'}]}]
    assert result['registrar_calls'] == {'read': 3, 'write': 1}


def test_domain_nameservers_waits_for_every_batch_and_reports_each(provider, make_rmod, run_module, module_failed):
    domains = dict(('d%04d.example' % n, ['dns1.hichina.com', 'dns2.hichina.com']) for n in range(1500))

    def first(poll):  # one domain of the first batch fails, the others succeed
        return [('d%04d.example' % n, 'EXECUTE_FAILURE' if n == 7 else 'EXECUTE_SUCCESS', 'locked' if n == 7 else '')
                for n in range(1000)]

    def second(poll):  # the second batch finishes on the third poll
        return [('d%04d.example' % n, 'EXECUTE_SUCCESS' if poll >= 3 else 'EXECUTING', '') for n in range(1000, 1500)]

    registry = Registry(domains, {'t1': first, 't2': second})
    rmod = make_rmod(provider(registry), {'domains': sorted(domains), 'nameservers': NAMESERVERS, 'allow_single': False})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_nameservers.manage(rmod))
    result = info.value.result
    assert registry.polls == {'t1': 1, 't2': 3}
    assert 'registry task t1 failed: d0007.example: locked' in result['msg']
    assert 't2' not in result['msg']
    assert result['changed'] is True
    assert result['task_ids'] == ['t1', 't2']
    assert [(t['task_id'], t['status'], len(t['details'])) for t in result['tasks']] == [
        ('t1', 'failure', 1000), ('t2', 'success', 500)]


def test_a_timeout_reports_the_write_and_the_unfinished_task(provider, make_rmod, run_module, module_failed):
    registry = Registry({'a.example': ['dns1.hichina.com']}, {'t1': lambda n: [('a.example', 'EXECUTING', '')]})
    rmod = make_rmod(provider(registry), {'domains': ['a.example'], 'nameservers': NAMESERVERS, 'allow_single': False,
                                          'wait_timeout': 20})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_nameservers.manage(rmod))
    result = info.value.result
    assert 'not finished after 20 s' in result['msg']
    assert (result['changed'], result['task_ids']) == (True, ['t1'])
    assert result['tasks'] == [{'task_id': 't1', 'status': 'unfinished',
                                'details': [{'domain': 'a.example', 'status': 'EXECUTING', 'error': None}]}]


def test_a_refused_second_batch_still_reports_the_first(provider, make_rmod, run_module, module_failed):
    domains = dict(('d%04d.example' % n, ['dns1.hichina.com']) for n in range(1200))
    registry = Registry(domains, {'t1': lambda n: []})  # only one write is accepted
    rmod = make_rmod(provider(registry), {'domains': sorted(domains), 'nameservers': NAMESERVERS, 'allow_single': False})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_nameservers.manage(rmod))
    result = info.value.result
    assert (result['changed'], result['task_ids'], result['code']) == (True, ['t1'], 'InvalidParameter')
    assert 'accepted as task t1' in result['msg']
    assert 'tasks' not in result


def test_without_a_write_a_failure_reports_no_change(provider, make_rmod, run_module, module_failed):
    def answer(action, params):
        raise RegistrarError('User not authorized.', code='Forbidden.RAM', request_id='req-1')

    rmod = make_rmod(provider(answer),
                     {'domains': ['a.example'], 'nameservers': NAMESERVERS, 'allow_single': False})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_nameservers.manage(rmod))
    result = info.value.result
    assert 'changed' not in result and 'task_ids' not in result
    assert (result['code'], result['request_id']) == ('Forbidden.RAM', 'req-1')


def test_without_wait_nothing_is_polled(provider, make_rmod, run_module):
    registry = Registry({'a.example': ['dns1.hichina.com']}, {'t1': lambda n: [('a.example', 'EXECUTE_FAILURE', 'x')]})
    rmod = make_rmod(provider(registry), {'domains': ['a.example'], 'nameservers': NAMESERVERS, 'allow_single': False,
                                          'wait': False})
    result = run_module(rmod, lambda: domain_nameservers.manage(rmod))
    assert (result['changed'], result['task_ids'], registry.polls) == (True, ['t1'], {'t1': 0})


# ---------------------------------------------------------------------------
# max_workers: a documented option that reaches the provider
# ---------------------------------------------------------------------------

def test_max_workers_is_an_option_with_the_providers_default():
    from ansible_collections.dnsops.nameservers.plugins.module_utils import _registrar
    from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
        CONNECTION_OPTIONS,
        registrar_argument_spec,
    )
    assert registrar_argument_spec()['max_workers'] == {'type': 'int', 'default': _registrar.DEFAULT_MAX_WORKERS}
    assert 'max_workers' in CONNECTION_OPTIONS


def test_max_workers_reaches_the_provider(make_rmod, tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    rmod = make_rmod(None, {'access_key_id': 'id', 'access_key_secret': 'secret-value', 'max_workers': 3})
    rmod._registrar = None  # pylint: disable=protected-access
    assert rmod.registrar.max_workers == 3


def test_max_workers_out_of_bounds_fails_before_any_call(make_rmod, run_module, module_failed, tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    rmod = make_rmod(None, {'access_key_id': 'id', 'access_key_secret': 'secret-value', 'max_workers': 100,
                            'domains': ['a.example'], 'nameservers': NAMESERVERS, 'allow_single': False})
    rmod._registrar = None  # pylint: disable=protected-access
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_nameservers.manage(rmod))
    assert info.value.result['msg'] == 'option max_workers must be between 1 and 64, got 100'
    assert info.value.result['registrar_calls'] == {'read': 0, 'write': 0}


# ---------------------------------------------------------------------------
# A write that may have reached the registry; waits that cannot work; another change in progress
# ---------------------------------------------------------------------------

GLUE_PARAMS = {'name': 'ns3.example.com', 'domain': 'example.com', 'ips': ['198.51.100.30'], 'state': 'present',
               'force': False}


def test_a_lost_answer_to_a_create_reports_a_change_and_what_was_sent(provider, make_rmod, run_module, module_failed):
    registry = Registry({'example.com': ['dns1.hichina.com', 'dns2.hichina.com']}, {})

    def answer(action, params):
        if action.startswith('Save'):
            raise WriteOutcomeUnknown('request to https://domain.aliyuncs.com/ timed out after 30 s (ReadTimeout) '
                                      '(SaveSingleTaskForCreatingDnsHost); the registry may have applied this change, '
                                      'so it was not sent again: run the task again', refused=False)
        return registry(action, params)

    rmod = make_rmod(provider(answer), dict(GLUE_PARAMS))
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: glue_host.manage(rmod))
    result = info.value.result
    assert result['changed'] is True
    assert result['sent'] == {'action': 'create', 'host': 'ns3.example.com', 'domain': 'example.com',
                              'ips': ['198.51.100.30']}
    assert result['msg'].startswith('Sent create glue host ns3.example.com (198.51.100.30) under example.com, and no '
                                    'answer says whether the registry took it: request to ')
    assert 'run the task again' in result['msg']
    assert 'task_ids' not in result and 'task_id' not in result


def test_a_lost_answer_to_a_later_batch_names_that_batch_and_the_tasks_before(
        provider, make_rmod, run_module, module_failed):
    domains = dict(('d%04d.example' % n, ['dns1.hichina.com']) for n in range(1500))
    registry = Registry(domains, {'t1': lambda n: []})

    def answer(action, params):
        if action.startswith('Save') and registry.writes:
            raise WriteOutcomeUnknown('the registry answered with an error and a body that is not JSON (HTTP 502)',
                                      refused=False)
        return registry(action, params)

    rmod = make_rmod(provider(answer), {'domains': sorted(domains), 'nameservers': NAMESERVERS, 'allow_single': False,
                                        'wait': False})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_nameservers.manage(rmod))
    result = info.value.result
    assert (result['changed'], result['task_ids']) == (True, ['t1'])
    assert result['sent'] == {'action': 'delegate', 'domains': sorted(domains)[1000:], 'nameservers': NAMESERVERS}
    assert result['msg'].startswith('Sent the delegation of d0000.example, d0001.example, d0002.example, d0003.example, '
                                    'd0004.example and 1495 more to ns1.example.com, ns2.example.com, and no answer says')
    assert 'the 1 earlier batch of this change was accepted as task t1' in result['msg']


@pytest.mark.parametrize('value', [0, -5])
def test_a_wait_timeout_below_one_second_fails_before_anything(
        fake_registrar, make_rmod, run_module, module_failed, value):
    registrar = fake_registrar({'example.com': ['dns1.hichina.com']})
    rmod = make_rmod(registrar, dict(GLUE_PARAMS, wait_timeout=value))
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: glue_host.manage(rmod))
    assert info.value.result['field'] == 'wait_timeout'
    assert info.value.result['msg'] == ("wait_timeout: %d must be at least 1 (seconds to wait for the registry's tasks); "
                                        "set wait: false not to wait" % value)
    assert registrar.calls == {'read': 0, 'write': 0} and 'changed' not in info.value.result


def test_a_create_that_loses_a_race_says_another_change_is_in_progress(provider, make_rmod, run_module, module_failed):
    registry = Registry({'example.com': ['dns1.hichina.com', 'dns2.hichina.com']}, {
        't1': lambda n: [('example.com', 'EXECUTE_FAILURE', 'The DNS host ns3.example.com already exists.')],
    })
    rmod = make_rmod(provider(registry), dict(GLUE_PARAMS))
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: glue_host.manage(rmod))
    result = info.value.result
    assert result['msg'] == (
        'The registry task did not succeed: glue host ns3.example.com was not there when this run read the hosts of '
        'example.com, and now the registry says it already exists: another change to it is in progress (another run, '
        'a person, or an earlier attempt whose answer was lost); run again once it has finished, and this run '
        'converges; registry task t1 failed: example.com: The DNS host ns3.example.com already exists.')
    assert (result['changed'], result['task_ids']) == (True, ['t1'])


def test_a_failure_of_another_kind_is_quoted_as_it_is(provider, make_rmod, run_module, module_failed):
    registry = Registry({'example.com': ['dns1.hichina.com', 'dns2.hichina.com']}, {
        't1': lambda n: [('example.com', 'EXECUTE_FAILURE', 'The domain example.com already has 13 DNS hosts.')],
    })
    rmod = make_rmod(provider(registry), dict(GLUE_PARAMS))
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: glue_host.manage(rmod))
    assert 'another change' not in info.value.result['msg']
