# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The delegation_check action: a wait runs one module run per round and shows a line per round."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.action import delegation_check as action


def report(zone, ok):
    findings = [{'test': 'CONSISTENCY01', 'level': 'ok' if ok else 'error', 'zone': zone, 'server': None,
                 'message': 'serials agree' if ok else 'serials differ'}]
    return {'zone': zone, 'ok': ok, 'findings': findings, 'serials': {}}


def module_answer(reports):
    return {'changed': False, 'zones': reports, 'queries': 10,
            'rounds': [{'round': 1, 'elapsed': 0.1, 'checked': len(reports),
                        'pending': dict((r['zone'], ['CONSISTENCY01']) for r in reports if not r['ok'])}]}


class Task(object):
    def __init__(self, args):
        self.args = args
        self.check_mode = False
        self.async_val = 0


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def make_action(args, answers, monkeypatch):
    """The action with a scripted module: ``answers`` maps a round's zones to the reports it returns."""
    plugin = action.ActionModule.__new__(action.ActionModule)
    plugin._task = Task(args)
    calls = []
    clock = Clock()

    def execute(module_name=None, module_args=None, task_vars=None):
        assert module_name == 'dnsops.nameservers.delegation_check'
        assert module_args.get('wait', False) is False
        calls.append(module_args)
        clock.now += 1
        return answers(module_args, len(calls))

    plugin._execute_module = execute
    plugin.clock = clock
    plugin.sleep = clock.sleep
    monkeypatch.setattr(action.ActionBase, 'run', lambda self, tmp=None, task_vars=None: {})
    shown = []
    monkeypatch.setattr(action.display, 'display', lambda msg, *a, **kw: shown.append(msg))
    return plugin, calls, shown


def test_without_wait_the_module_runs_once(monkeypatch):
    plugin, calls, shown = make_action({'zones': ['a.com']}, lambda args, n: module_answer([report('a.com', False)]),
                                       monkeypatch)
    result = plugin.run(task_vars={'inventory_hostname': 'localhost'})
    assert len(calls) == 1 and shown == []
    assert result['zones'][0]['zone'] == 'a.com'


def test_a_wait_shows_what_is_pending_after_each_round_and_checks_only_the_failing_zones(monkeypatch):
    def answers(args, n):
        # a.com passes at once, b.com from the third round on
        return module_answer([report(zone, zone == 'a.com' or n >= 3) for zone in args['zones']])

    plugin, calls, shown = make_action({'zones': ['a.com', 'b.com'], 'wait': True, 'wait_timeout': 60}, answers,
                                       monkeypatch)
    result = plugin.run(task_vars={'inventory_hostname': 'localhost'})
    assert [c['zones'] for c in calls] == [['a.com', 'b.com'], ['b.com'], ['b.com']]
    assert len(shown) == 3
    assert shown[0].startswith('[localhost] delegation_check round 1 at 1s of wait_timeout=60s: 1 zone still failing: '
                               'b.com: CONSISTENCY01; next round in 2s')
    assert 'round 2' in shown[1] and 'next round in 4s' in shown[1]
    assert shown[2] == '[localhost] delegation_check: every zone passes after round 3 (9s)'
    assert result['converged'] is True and not result['failed']
    assert [z['zone'] for z in result['zones']] == ['a.com', 'b.com'] and all(z['ok'] for z in result['zones'])
    assert [r['checked'] for r in result['rounds']] == [2, 1, 1]
    assert result['queries'] == 30


def test_a_wait_that_times_out_fails_with_the_pending_zones(monkeypatch):
    plugin, calls, shown = make_action({'zones': ['b.com'], 'wait': True, 'wait_timeout': 5},
                                       lambda args, n: module_answer([report('b.com', False)]), monkeypatch)
    result = plugin.run(task_vars={'inventory_hostname': 'ns'})
    assert result['failed'] and result['converged'] is False
    assert result['msg'].startswith('1 zone(s) did not converge within wait_timeout=5s')
    assert result['not_converged'] == {'b.com': ['CONSISTENCY01']}
    assert shown[-1] == '[ns] delegation_check: wait_timeout passed after round %d (%ds)' % (
        len(calls), int(result['rounds'][-1]['elapsed']))
    # the last pause is shortened so that the last round starts by wait_timeout
    assert result['rounds'][-1]['elapsed'] <= 5 + 1


def test_bad_input_is_the_module_s_answer_and_no_wait(monkeypatch):
    failure = {'failed': True, 'msg': 'zones: \'..\' is not a zone name'}
    plugin, calls, shown = make_action({'zones': ['..'], 'wait': True}, lambda args, n: dict(failure), monkeypatch)
    assert plugin.run(task_vars={}) == failure
    assert len(calls) == 1 and shown == []


@pytest.mark.parametrize('value', ['maybe', 'yes please'])
def test_wait_must_be_a_boolean(monkeypatch, value):
    plugin, calls, shown = make_action({'zones': ['a.com'], 'wait': value}, None, monkeypatch)
    result = plugin.run(task_vars={})
    assert result['failed'] and result['msg'].startswith('wait: ') and calls == []
