# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every registrar module shares: options, connection, error reporting.

This is the only place where Ansible meets the provider interface.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._http import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_MAX_TIME,
    DEFAULT_TIMEOUT,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._providers import (
    DEFAULT_PROVIDER,
    PROVIDERS,
    check_foreign_options,
    provider_info,
    provider_options,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    DEFAULT_MAX_WORKERS,
    RegistrarError,
    TaskFailed,
    TaskTimeout,
    WriteOutcomeUnknown,
)

#: the options every provider takes (doc fragment dnsops.nameservers.registrar), besides registrar
CONNECTION_OPTIONS = ('endpoint', 'validate_certs', 'timeout', 'max_retries', 'retry_max_time', 'max_workers')


def registrar_argument_spec():
    """Options of the doc fragment dnsops.nameservers.registrar, and every provider's own."""
    spec = dict(
        registrar=dict(type='str', default=DEFAULT_PROVIDER, choices=sorted(PROVIDERS)),
        endpoint=dict(type='str'),
        validate_certs=dict(type='bool', default=True),
        timeout=dict(type='float', default=DEFAULT_TIMEOUT),
        max_retries=dict(type='int', default=DEFAULT_MAX_RETRIES),
        retry_max_time=dict(type='float', default=DEFAULT_RETRY_MAX_TIME),
        max_workers=dict(type='int', default=DEFAULT_MAX_WORKERS),
    )
    for option, option_spec in provider_options().items():
        if option in spec:
            raise RegistrarError('a registrar defines the option %s, which every registrar shares' % option)
        spec[option] = option_spec
    return spec


def wait_argument_spec():
    """Options of the doc fragment dnsops.nameservers.registrar.wait."""
    return dict(
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )


class RegistrarModule(object):
    """Wraps an AnsibleModule: connects lazily and turns errors into fail_json.

    Once a write was accepted, a failure still reports it: ``changed=true``, the
    ``task_ids`` written, and (when waiting found a failed or unfinished task) the
    outcome of every task of the batch in ``tasks``. A write that may have reached the
    registry (WriteOutcomeUnknown) reports ``changed=true`` and what was ``sent``.
    """

    def __init__(self, module):
        self.module = module
        self._registrar = None
        self.task_ids = []
        self.context = {}

    @property
    def info(self):
        """The selected registrar's ProviderInfo: its options, capabilities and limits, without a call."""
        return provider_info(self.module.params['registrar'])

    def require(self, capability):
        """Fail before any call when the selected registrar cannot do ``capability``."""
        self.info.require(capability)

    def check_options(self):
        """An option of another registrar than the selected one is an error (before any call)."""
        check_foreign_options(self.info.name, self.module.params)

    @property
    def registrar(self):
        if self._registrar is None:
            info = self.info
            names = CONNECTION_OPTIONS + tuple(sorted(info.options))
            self._registrar = info.create(dict((name, self.module.params.get(name)) for name in names))
        return self._registrar

    def calls(self):
        """API calls made so far, split into reads and writes."""
        if self._registrar is None:
            return {'read': 0, 'write': 0}
        return dict(getattr(self._registrar, 'calls', {'read': 0, 'write': 0}))

    def wrote(self, task_ids, **context):
        """Record accepted writes (and what a failure should say about them)."""
        for task_id in task_ids:
            if task_id and task_id not in self.task_ids:
                self.task_ids.append(task_id)
        self.context.update(context)

    def write(self, sent, summary, func, *args):
        """``func(*args)``, one write; ``sent`` (a dict) and ``summary`` (a phrase) say what it sends, for
        a failure that cannot tell whether the registry took it (WriteOutcomeUnknown)."""
        try:
            return func(*args)
        except WriteOutcomeUnknown as exc:
            exc.sent = dict(sent)
            if exc.domains is not None and 'domains' in sent:
                exc.sent['domains'] = list(exc.domains)  # the batch whose answer was lost
            exc.summary = summary
            raise

    def wait_for(self, task_ids, **context):
        """Record the writes; wait for their tasks when the user asked to (a failed task fails the module)."""
        self.wrote(task_ids, **context)
        task_ids = [task_id for task_id in task_ids if task_id]
        if not self.module.params['wait'] or not task_ids:
            return
        self.registrar.wait_tasks(task_ids, self.module.params['wait_timeout'])

    def failure_result(self, exc):
        """The keys of a failure after a registrar error: what was written, and how the tasks ended."""
        result = {'registrar_calls': self.calls()}
        result.update((key, value) for key, value in (('code', exc.code), ('request_id', exc.request_id)) if value)
        self.wrote(getattr(exc, 'task_ids', None) or [])
        if self.task_ids:
            result.update(self.context)
            result.update(changed=True, task_ids=list(self.task_ids))
        if getattr(exc, 'tasks', None):
            result['tasks'] = exc.tasks
        if isinstance(exc, WriteOutcomeUnknown):
            result.update(changed=True, sent=exc.sent)
        return result

    @staticmethod
    def failure_message(exc):
        if isinstance(exc, (TaskFailed, TaskTimeout)):
            return 'The registry task did not succeed: %s' % exc
        if isinstance(exc, WriteOutcomeUnknown):
            return 'Sent %s, and no answer says whether the registry took it: %s' % (
                getattr(exc, 'summary', None) or 'a change', exc)
        return str(exc)

    def check_wait(self):
        """wait_timeout must leave time to wait: checked before anything is written."""
        value = self.module.params.get('wait_timeout')
        if value is not None and value < 1:
            raise ValidationError('wait_timeout', value, "must be at least 1 (seconds to wait for the registry's "
                                                         "tasks); set wait: false not to wait")

    def run(self, work):
        """Call ``work()`` and exit with its result dict; errors become clear failures."""
        try:
            self.check_options()
            self.check_wait()
            result = work()
        except ValidationError as exc:
            # Bad input: nothing was written.
            self.module.fail_json(msg=str(exc), field=exc.field, registrar_calls=self.calls())
        except RegistrarError as exc:
            self.module.fail_json(msg=self.failure_message(exc), **self.failure_result(exc))
        result['registrar_calls'] = self.calls()
        self.module.exit_json(**result)


# ---------------------------------------------------------------------------
# A create that lost a race: explained the same way after the module's own wait or the action plugin's
# ---------------------------------------------------------------------------

def says_already_exists(info, exc):
    """Whether ``exc`` (refusing a create, or its failed tasks) says that the object already exists (``info``:
    the registrar's ProviderInfo)."""
    texts = [exc.message]
    for task in getattr(exc, 'tasks', None) or []:
        texts.extend(detail.get('error') for detail in task['details'] if task['status'] == 'failure')
    return any(info.already_exists(text) for text in texts if text)


def explain_glue_race(info, exc, host, domain):
    """A create of glue ``host`` that the registry refused, or failed, because the host already exists,
    although this run read the hosts of ``domain`` just before and did not find it: another change is in
    progress. Rewrites the message of ``exc`` when so."""
    if says_already_exists(info, exc):
        exc.set_message('glue host %s was not there when this run read the hosts of %s, and now the registry says '
                        'it already exists: another change to it is in progress (another run, a person, or an '
                        'earlier attempt whose answer was lost); run again once it has finished, and this run '
                        'converges; %s' % (host, domain, exc.message))


def explain_ds_race(info, exc):
    """An add of a DS the registry refuses, or fails, because the DS already exists, though this run read the
    domain's DS records just before and did not find it: another change is in progress."""
    if says_already_exists(info, exc):
        exc.set_message('a DS record this run did not find when it read the registry now exists: another change to '
                        'the domain is in progress (another run, a person, or an earlier attempt whose answer was '
                        'lost); run again once it has finished, and this run converges; %s' % exc.message)
