# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugins of glue_host, domain_nameservers and domain_ds: the module runs without waiting, then
registry_task_info once per round, with a line per round; the result is the module's with wait=true."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.dnsops.nameservers.plugins.action import domain_ds, domain_nameservers, glue_host
from ansible_collections.dnsops.nameservers.plugins.plugin_utils import _registry_wait
from ansible_collections.dnsops.nameservers.tests.unit.plugins.action.test_delegation_check_action import Clock, Task

CONNECTION = {'endpoint': 'http://127.0.0.1:1/', 'access_key_id': 'id', 'access_key_secret': 'secret'}


def state(task_id, status, domain='a.com'):
    registry_status = {'success': 'EXECUTE_SUCCESS', 'failure': 'EXECUTE_FAILURE', 'unfinished': 'EXECUTING'}[status]
    text = {'success': '', 'failure': '%s: locked' % domain, 'unfinished': 'still pending: %s (EXECUTING)' % domain}[status]
    return {'task_id': task_id, 'status': status, 'text': text,
            'details': [{'domain': domain, 'status': registry_status, 'error': 'locked' if status == 'failure' else None}]}


def make_action(module, args, answer, polls, monkeypatch):
    """The action with the module's ``answer`` scripted, and ``polls(task_ids, round)`` giving registry_task_info's states."""
    plugin = module.ActionModule.__new__(module.ActionModule)
    plugin._task = Task(dict(args, **CONNECTION))
    calls = []
    clock = Clock()

    def execute(module_name=None, module_args=None, task_vars=None, wrap_async=False):
        calls.append((module_name, copy.deepcopy(module_args)))
        clock.now += 1
        if module_name == plugin.MODULE:
            return dict(answer) if isinstance(answer, dict) else answer(module_args)
        assert module_name == 'dnsops.nameservers.registry_task_info'
        assert set(module_args) == set(CONNECTION) | set(['task_ids']), module_args
        states = polls(module_args['task_ids'], len(calls) - 1)
        return {'changed': False, 'tasks': states, 'task_noun': 'registry task',
                'pending': [s['task_id'] for s in states if s['status'] == 'unfinished'],
                'registrar_calls': {'read': len(states), 'write': 0}}

    plugin._execute_module = execute
    plugin.clock = clock
    plugin.sleep = clock.sleep
    monkeypatch.setattr(_registry_wait.ActionBase, 'run', lambda self, tmp=None, task_vars=None: {})
    shown = []
    monkeypatch.setattr(_registry_wait.display, 'display', lambda msg, *a, **kw: shown.append(msg))
    return plugin, calls, shown, clock


NS_ANSWER = {'changed': True, 'changed_domains': ['a.com', 'b.com'], 'nameservers': ['ns1.example.com'],
             'before': {}, 'task_ids': ['t1', 't2'], 'registrar_calls': {'read': 2, 'write': 2}}


def test_the_module_runs_without_waiting_then_each_round_shows_what_is_pending(monkeypatch):
    def polls(task_ids, number):
        return [state(t, 'success' if (t == 't1' or number >= 3) else 'unfinished', 'b.com' if t == 't2' else 'a.com')
                for t in task_ids]
    plugin, calls, shown, _clock = make_action(domain_nameservers, {'domains': ['a.com', 'b.com'], 'wait_timeout': 600},
                                               NS_ANSWER, polls, monkeypatch)
    result = plugin.run(task_vars={'inventory_hostname': 'localhost'})
    assert calls[0] == ('dnsops.nameservers.domain_nameservers',
                        dict(CONNECTION, domains=['a.com', 'b.com'], wait_timeout=600, wait=False))
    # Finished tasks are not asked again.
    assert [c[1]['task_ids'] for c in calls[1:]] == [['t1', 't2'], ['t2'], ['t2']]
    assert shown[0] == ('[localhost] domain_nameservers: 1 of 2 registry tasks pending: t2 still pending: b.com '
                        '(EXECUTING); 1s of wait_timeout=600, next round in 0.5s')
    assert shown[1].startswith('[localhost] domain_nameservers: 1 of 2 registry tasks pending: t2 ') \
        and shown[1].endswith('next round in 1s')
    assert shown[2] == '[localhost] domain_nameservers: every registry task finished after round 3 (4s)'
    assert result == dict(NS_ANSWER, registrar_calls={'read': 6, 'write': 2})


def test_a_timeout_fails_as_the_module_does_with_every_task_outcome(monkeypatch):
    plugin, calls, shown, _clock = make_action(domain_nameservers, {'domains': ['a.com'], 'wait_timeout': 5}, NS_ANSWER,
                                               lambda ids, n: [state(t, 'unfinished') for t in ids], monkeypatch)
    result = plugin.run(task_vars={})
    assert result['failed'] and result['changed'] and result['task_ids'] == ['t1', 't2']
    assert result['msg'] == ('The registry task did not succeed: registry tasks not finished after 5 s: '
                             't1: still pending: a.com (EXECUTING); t2: still pending: a.com (EXECUTING)')
    assert [t['status'] for t in result['tasks']] == ['unfinished', 'unfinished'] and 'text' not in result['tasks'][0]
    # The deadline (6 s) counts from the module's return (1 s); each run takes 1 s: polls end at 2, 3.5, 5.5, and
    # after a pause cut to the deadline, a last one at 7, as the module's own wait does.
    assert len(calls) == 5 and shown[-1] == '[localhost] domain_nameservers: wait_timeout passed after round 4 (6s)'


def test_a_failed_task_is_reported_after_every_task_finished(monkeypatch):
    def polls(task_ids, number):
        return [state(t, 'failure' if t == 't1' else ('success' if number > 1 else 'unfinished')) for t in task_ids]
    plugin, calls, _shown, _clock = make_action(domain_nameservers, {'domains': ['a.com']}, NS_ANSWER, polls,
                                                monkeypatch)
    result = plugin.run(task_vars={})
    assert result['failed'] and result['msg'] == ('The registry task did not succeed: registry task t1 failed: '
                                                  'a.com: locked')
    assert [t['status'] for t in result['tasks']] == ['failure', 'success'] and len(calls) == 3


def test_without_wait_in_check_mode_or_without_a_write_nothing_is_polled(monkeypatch):
    for args, answer in (({'wait': False}, NS_ANSWER), ({}, dict(NS_ANSWER, changed=False, task_ids=[])),
                         ({}, {'failed': True, 'msg': 'domains: bad'})):
        plugin, calls, shown, _clock = make_action(domain_nameservers, dict(args, domains=['a.com']), answer,
                                                   lambda ids, n: [], monkeypatch)
        result = plugin.run(task_vars={})
        assert len(calls) == 1 and shown == [] and result == answer


def test_glue_host_reports_its_task_and_explains_a_create_that_lost_a_race(monkeypatch):
    answer = {'changed': True, 'before': {}, 'after': {'name': 'ns1.example.com', 'ips': ['192.0.2.1']},
              'domain': {'name': 'example.com'}, 'task_id': 't9', 'registrar_calls': {'read': 2, 'write': 1}}
    failed = dict(state('t9', 'failure', 'example.com'))
    failed['details'][0]['error'] = 'The DNS host ns1.example.com already exists.'
    plugin, _calls, _shown, _clock = make_action(glue_host, {'name': 'ns1.example.com'}, answer,
                                                 lambda ids, n: [failed], monkeypatch)
    result = plugin.run(task_vars={})
    assert result['failed'] and result['task_ids'] == ['t9'] and result['host'] == 'ns1.example.com'
    assert 'another change to it is in progress' in result['msg'], result['msg']


def test_domain_ds_waits_for_its_last_round_only(monkeypatch):
    answer = {'changed': True, 'task_ids': ['add-a', 'add-b', 'rm-a'], 'registrar_calls': {'read': 3, 'write': 3},
              'changes': [{'domain': 'a.com', 'action': 'add', 'task_id': 'add-a'},
                          {'domain': 'b.com', 'action': 'add', 'task_id': 'add-b'},
                          {'domain': 'a.com', 'action': 'remove', 'task_id': 'rm-a'}]}
    plugin, calls, _shown, _clock = make_action(domain_ds, {'domains': []}, answer,
                                                lambda ids, n: [state(t, 'success') for t in ids], monkeypatch)
    result = plugin.run(task_vars={})
    assert [c[1]['task_ids'] for c in calls[1:]] == [['rm-a']] and not result.get('failed')
