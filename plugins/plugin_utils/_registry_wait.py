# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugins of glue_host, domain_nameservers and domain_ds: with wait=true, the module runs with
wait=false and the wait for its registry tasks is done here, one registry_task_info run per round, with a line
per round ("2 of 5 registry tasks pending: ..."), so a long wait is visible in ansible-playbook's and AWX's
output (a module reports only when it ends).

The rounds, their pauses, the end of the wait and its error are the shared core's (``TaskWait``, the poll
delays of ``Registrar.wait_tasks``); the result is the module's own with wait=true: the same keys, the same
failure (message, ``tasks``, ``changed=true``), ``registrar_calls`` counting the polls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.dnsops.nameservers.plugins.module_utils._providers import DEFAULT_PROVIDER, provider_info
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    POLL_FIRST_DELAY,
    POLL_MAX_DELAY,
    RegistrarError,
    TaskFailed,
    TaskTimeout,
    TaskWait,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    RegistrarModule,
    registrar_argument_spec,
)

TASK_MODULE = 'dnsops.nameservers.registry_task_info'

display = Display()


def registrar_args(args):
    """The options of ``args`` that registry_task_info takes: the registrar's (and their aliases)."""
    names = set()
    for name, spec in registrar_argument_spec().items():
        names.add(name)
        names.update(spec.get('aliases', []))
    return dict((name, value) for name, value in args.items() if name in names)


class RegistryWaitAction(ActionBase):
    """Subclasses name their ``MODULE`` and may explain a failed task (``explain``)."""

    MODULE = None
    #: True when the module's own deadline starts before its first write (domain_ds: it covers its rounds)
    DEADLINE_FROM_START = False

    _supports_check_mode = True
    _supports_async = True

    # Stand-ins for time in unit tests.
    clock = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    def run(self, tmp=None, task_vars=None):
        result = super(RegistryWaitAction, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        try:
            wait = boolean(args.get('wait', True), strict=True)
            timeout = int(args.get('wait_timeout', 600))
        except (TypeError, ValueError):
            wait = False  # the module reports the bad value, before anything is written
        if not wait or self._task.async_val:
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result.update(self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars,
                                               wrap_async=wrap_async))
            return result
        start = self.clock()
        answer = self._execute_module(module_name=self.MODULE, module_args=dict(args, wait=False), task_vars=task_vars)
        invocation = answer.get('invocation', {}).get('module_args')
        if isinstance(invocation, dict) and 'wait' in invocation:
            invocation['wait'] = True
        task_ids = self.task_ids(answer)
        if answer.get('failed') or not task_ids:
            result.update(answer)
            return result
        deadline = (start if self.DEADLINE_FROM_START else self.clock()) + timeout
        result.update(self._wait(args, answer, task_ids, deadline, timeout, task_vars))
        return result

    @staticmethod
    def task_ids(answer):
        return [task_id for task_id in answer.get('task_ids') or [] if task_id]

    def explain(self, exc, answer, args):
        """Rewrite the message of a TaskFailed/TaskTimeout when the module would have (a create that lost a race)."""

    def failure_keys(self, answer):
        """What the module's own failure after its wait returns besides the result's keys."""
        return {}

    def _wait(self, args, answer, task_ids, deadline, timeout, task_vars):
        host = task_vars.get('inventory_hostname', 'localhost')
        name = self.MODULE.rsplit('.', 1)[-1]
        poll_args = registrar_args(args)
        calls = dict(answer.get('registrar_calls') or {'read': 0, 'write': 0})
        wait, delay, rounds, noun = TaskWait(task_ids), POLL_FIRST_DELAY, 0, 'registry task'
        started = self.clock()
        while True:
            state = self._execute_module(module_name=TASK_MODULE, module_args=dict(poll_args, task_ids=list(wait.pending)),
                                         task_vars=task_vars)
            rounds += 1
            for kind, count in (state.get('registrar_calls') or {}).items():
                calls[kind] = calls.get(kind, 0) + count
            if state.get('failed') or 'tasks' not in state:
                # The registry could not be read: the writes were accepted, their outcome is not known.
                return dict(answer, failed=True, changed=True, registrar_calls=calls,
                            msg='The registry accepted the change (%s %s), but reading how its tasks stand failed: %s'
                                % ('tasks' if len(task_ids) > 1 else 'task', ', '.join(task_ids),
                                   state.get('msg', 'no answer')))
            noun = state.get('task_noun', noun)
            wait.update(state['tasks'])
            remaining = deadline - self.clock()
            if not wait.pending or remaining <= 0:
                break
            pause = min(delay, remaining)
            display.display('[%s] %s: %s; %ds of wait_timeout=%s, next round in %gs' % (
                host, name, wait.progress(noun), int(self.clock() - started), timeout, round(pause, 1)))
            self.sleep(pause)
            delay = min(delay * 2, POLL_MAX_DELAY)
        if rounds > 1:
            display.display('[%s] %s: %s after round %d (%ds)' % (
                host, name, 'every %s finished' % noun if not wait.pending else 'wait_timeout passed',
                rounds, int(self.clock() - started)))
        try:
            wait.outcome(noun, timeout)
        except (TaskFailed, TaskTimeout) as exc:
            self.explain(exc, answer, args)
            failure = dict(answer, failed=True, changed=True, msg=RegistrarModule.failure_message(exc),
                           tasks=exc.tasks, registrar_calls=calls)
            failure.update(self.failure_keys(answer))
            return failure
        return dict(answer, registrar_calls=calls)

    @staticmethod
    def provider(args):
        try:
            return provider_info(args.get('registrar') or DEFAULT_PROVIDER)
        except RegistrarError:
            return None
