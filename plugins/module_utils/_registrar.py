# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The provider interface: what any registrar must offer the modules.

Provider code knows its API and nothing of Ansible. Modules only talk to a
``Registrar`` obtained from ``get_registrar()``; adding a registrar is one new
``_<name>.py`` that subclasses ``Registrar`` plus an entry in ``PROVIDERS``.

All names crossing this interface are normalised: lower case, no trailing
dot, A-labels (punycode). Addresses are canonical strings (``ipaddress``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

#: reads sent to a registrar at the same time
DEFAULT_CONCURRENCY = 8


def run_concurrently(func, items, max_workers=DEFAULT_CONCURRENCY):
    """``[func(item) for item in items]`` through a bounded thread pool.

    Results keep the order of ``items``; the first exception is raised.
    Registrars have no bulk reads for most things, so reading a thousand
    domains one after another would take minutes.
    """
    items = list(items)
    if len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(func, items))


class RegistrarError(Exception):
    """An error reported by the registrar, or a failure to reach it.

    ``code``, ``message`` and ``request_id`` are the registry's own words;
    they never contain credentials.
    """

    def __init__(self, message, code=None, request_id=None, status=None, retryable=False):
        super(RegistrarError, self).__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.status = status
        self.retryable = retryable

    def __str__(self):
        parts = []
        if self.code:
            parts.append(self.code)
        parts.append(self.message)
        text = ': '.join(parts)
        if self.request_id:
            text += ' (RequestId %s)' % self.request_id
        return text


class TaskFailed(RegistrarError):
    """At least one asynchronous registry task ended in failure.

    Raised by ``wait_tasks`` only once every task of the batch has finished (or the
    timeout passed), with ``tasks``: the outcome of every task, as a list of dicts
    ``{'task_id', 'status': 'success' | 'failure' | 'unfinished', 'details': [...]}``
    (``details``: the per-domain dicts of ``wait_task``). ``task_id`` and ``details``
    are those of the first failed task.
    """

    tasks = None
    task_id = None
    details = None


class TaskTimeout(RegistrarError):
    """Registry tasks did not finish in time (and none failed); ``tasks`` as in TaskFailed."""

    tasks = None
    task_id = None
    details = None


class Domain(object):
    """A domain registered in the account."""

    def __init__(self, name, instance_id, nameservers=None):
        self.name = name
        self.instance_id = instance_id
        # None when the listing did not include name servers (fetch with get_domain).
        self.nameservers = nameservers

    def as_dict(self):
        return {
            'name': self.name,
            'instance_id': self.instance_id,
            'nameservers': list(self.nameservers or []),
        }

    def __repr__(self):
        return 'Domain(%r, %r, %r)' % (self.name, self.instance_id, self.nameservers)


class GlueHost(object):
    """A glue host (registry host object): a full name and its addresses."""

    def __init__(self, name, ips):
        self.name = name
        self.ips = list(ips)

    def as_dict(self):
        return {'name': self.name, 'ips': list(self.ips)}

    def __repr__(self):
        return 'GlueHost(%r, %r)' % (self.name, self.ips)


class Registrar(object):
    """Base class of the providers. Every method may raise RegistrarError."""

    #: how many domains one set_nameservers write may carry
    max_domains_per_nameserver_change = 1
    #: how many reads may run at the same time (option max_workers)
    max_workers = DEFAULT_CONCURRENCY

    def list_domains(self):
        """All domains of the account, as Domain objects (name servers may be None)."""
        raise NotImplementedError

    def get_domain(self, name):
        """One domain with its current name servers, or None when not in the account."""
        raise NotImplementedError

    def get_domains(self, names):
        """Several domains, as a dict name -> Domain or None.

        Providers without a bulk read run get_domain concurrently.
        """
        names = list(names)
        return dict(zip(names, run_concurrently(self.get_domain, names, self.max_workers)))

    def list_hosts(self, domain):
        """The glue hosts registered under ``domain`` (a Domain), as GlueHost objects."""
        raise NotImplementedError

    def create_host(self, domain, name, ips):
        """Create glue host ``name`` under ``domain``; returns a task id (or None)."""
        raise NotImplementedError

    def modify_host(self, domain, name, ips):
        """Replace the addresses of glue host ``name``; returns a task id (or None)."""
        raise NotImplementedError

    def delete_host(self, domain, name, ips):
        """Delete glue host ``name`` (``ips`` are its current addresses); returns a task id."""
        raise NotImplementedError

    def set_nameservers(self, domain_names, nameservers):
        """Delegate every domain in ``domain_names`` to ``nameservers``.

        Sends as few writes as the provider allows; returns the list of task ids.
        An error raised after some of the writes were accepted carries their ids in
        ``task_ids``, so the caller can report what was written.
        """
        raise NotImplementedError

    def wait_task(self, task_id, timeout):
        """Wait until a task has finished.

        Returns a list of per-domain result dicts; raises TaskFailed when the
        registry reports a failure (its text in the message) and TaskTimeout
        when ``timeout`` seconds pass first.
        """
        raise NotImplementedError

    def wait_tasks(self, task_ids, timeout):
        """Wait for several tasks; returns their results keyed by task id.

        Every task is waited for even when an earlier one failed; then TaskFailed (or
        TaskTimeout) is raised with the outcome of every task in ``tasks``.
        """
        results, tasks, errors = {}, [], []
        for task_id in task_ids:
            try:
                results[task_id] = self.wait_task(task_id, timeout)
            except (TaskFailed, TaskTimeout) as exc:
                errors.append(exc)
                status, details = 'failure' if isinstance(exc, TaskFailed) else 'unfinished', list(exc.details or [])
            else:
                status, details = 'success', results[task_id]
            tasks.append({'task_id': task_id, 'status': status, 'details': details})
        if not errors:
            return results
        raise tasks_error(tasks, '; '.join(exc.message for exc in errors))


def tasks_error(tasks, message):
    """The error for a batch whose tasks did not all succeed: TaskFailed when any failed, else
    TaskTimeout, carrying every task's outcome (``tasks``) and the first failed or unfinished one."""
    failed = [t for t in tasks if t['status'] == 'failure']
    first = (failed or [t for t in tasks if t['status'] != 'success'])[0]
    error = (TaskFailed if failed else TaskTimeout)(message)
    error.tasks = tasks
    error.task_id, error.details = first['task_id'], first['details']
    return error


def _alicloud_provider():
    from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import AlicloudRegistrar
    return AlicloudRegistrar


# Registrar name -> function returning its class. The imports are static
# statements (inside functions, to avoid import cycles) because Ansible packs
# only the module_utils it can see imported into a module's payload.
PROVIDERS = {
    'alicloud': _alicloud_provider,
}


def get_registrar(name, options):
    """Instantiate the provider ``name`` with a dict of module options.

    Raises RegistrarError for an unknown provider or unusable options
    (for example missing credentials).
    """
    if name not in PROVIDERS:
        raise RegistrarError('registrar %r is not supported; choose one of: %s'
                             % (name, ', '.join(sorted(PROVIDERS))))
    return PROVIDERS[name]()(options)
