# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin delegation_check: with wait=true, runs the module once per round (wait=false, only the zones
still failing) and shows a line per round, so a long wait is visible in ansible-playbook's and AWX's output
(a module reports only when it ends). The result is the module's own with wait=true."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.dnsops.nameservers.plugins.module_utils._dnscheck import (
    backoff_delays,
    check_result,
    describe_pending,
    next_pause,
)

MODULE = 'dnsops.nameservers.delegation_check'

display = Display()


def progress_line(host, round_, elapsed, wait_timeout, pending, pause):
    """The line shown after a round that left zones failing."""
    return ('[%s] delegation_check round %d at %ds of wait_timeout=%ss: %d zone%s still failing: %s; next round in %ds'
            % (host, round_, int(elapsed), wait_timeout, len(pending), '' if len(pending) == 1 else 's',
               describe_pending(pending), int(round(pause))))


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    # Stand-ins for time in unit tests.
    clock = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            wait = boolean(args.get('wait', False), strict=True)
        except TypeError as exc:
            result.update(failed=True, msg='wait: %s' % exc)
            return result
        if not wait:
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
            return result
        result.update(self._wait(args, task_vars or {}))
        return result

    def _round(self, args, zones, task_vars):
        return self._execute_module(module_name=MODULE, module_args=dict(args, zones=zones, wait=False),
                                    task_vars=task_vars)

    def _wait(self, args, task_vars):
        """The rounds of the wait, each one module run; the module checks the options in the first."""
        args.pop('zone', None)
        host = task_vars.get('inventory_hostname', 'localhost')
        start = self.clock()
        first = self._round(args, self._task.args.get('zones', self._task.args.get('zone')), task_vars)
        if 'zones' not in first:  # bad input, or the module could not run: nothing was checked
            return first
        order = [report['zone'] for report in first['zones']]
        reports = dict((report['zone'], report) for report in first['zones'])
        fail_on, wait_timeout = args.get('fail_on', 'error'), int(args.get('wait_timeout', 900))
        queries = first.get('queries', 0)
        rounds = [dict(first['rounds'][-1], round=1, elapsed=round(self.clock() - start, 3))]
        delays = backoff_delays()
        while rounds[-1]['pending']:
            pause = next_pause(delays, rounds[-1]['elapsed'], wait_timeout)
            if pause is None:
                break
            display.display(progress_line(host, len(rounds), rounds[-1]['elapsed'], wait_timeout,
                                          rounds[-1]['pending'], pause))
            self.sleep(pause)
            pending = sorted(rounds[-1]['pending'])
            answer = self._round(args, pending, task_vars)
            if 'zones' not in answer:
                return answer
            reports.update((report['zone'], report) for report in answer['zones'])
            queries += answer.get('queries', 0)
            rounds.append(dict(answer['rounds'][-1], round=len(rounds) + 1, checked=len(pending),
                               elapsed=round(self.clock() - start, 3)))
        if len(rounds) > 1:
            display.display('[%s] delegation_check: %s after round %d (%ds)' % (
                host, 'every zone passes' if not rounds[-1]['pending'] else 'wait_timeout passed',
                len(rounds), int(rounds[-1]['elapsed'])))
        result = check_result([reports[zone] for zone in order], rounds, fail_on, True, wait_timeout, queries)
        result['failed'] = 'msg' in result
        return result
