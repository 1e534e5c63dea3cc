# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fakes for testing the registrar modules' logic without AnsibleModule's stdin plumbing.

The modules' ``manage(rmod)`` / ``read(rmod)`` functions take a RegistrarModule; here it wraps
a FakeModule (params, check mode, diff mode; fail_json and exit_json raise) and is handed a
registrar object directly: a FakeRegistrar (the provider interface in memory, no HTTP), or
the real Alibaba provider on a ScriptedClient (its answers from a function, no HTTP).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import Domain, GlueHost, Registrar
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import RegistrarModule

# The options every registrar module has (doc fragments registrar and registrar.wait), at their defaults.
COMMON_PARAMS = {
    'registrar': 'alicloud', 'access_key_id': None, 'access_key_secret': None, 'security_token': None,
    'profile': None, 'site': None, 'endpoint': None, 'validate_certs': True, 'timeout': 30,
    'max_retries': 8, 'retry_max_time': 120, 'max_workers': 8, 'wait': True, 'wait_timeout': 600,
}


class ModuleFailed(Exception):
    def __init__(self, result):
        super(ModuleFailed, self).__init__(result.get('msg'))
        self.result = result


class ModuleExited(Exception):
    def __init__(self, result):
        super(ModuleExited, self).__init__('exit_json')
        self.result = result


class FakeModule(object):
    """The parts of AnsibleModule the registrar modules use."""

    def __init__(self, params, check_mode=False, diff=False):
        self.params = dict(COMMON_PARAMS, **params)
        self.check_mode = check_mode
        self._diff = diff
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)

    def fail_json(self, **result):
        raise ModuleFailed(result)

    def exit_json(self, **result):
        raise ModuleExited(result)


def _make_rmod(registrar, params, check_mode=False, diff=False):
    rmod = RegistrarModule(FakeModule(params, check_mode=check_mode, diff=diff))
    rmod._registrar = registrar  # pylint: disable=protected-access
    return rmod


def _run(rmod, work):
    """``rmod.run(work)``: the result of exit_json, or raises ModuleFailed with fail_json's."""
    with pytest.raises((ModuleExited, ModuleFailed)) as info:
        rmod.run(work)
    if isinstance(info.value, ModuleFailed):
        raise info.value
    return info.value.result


@pytest.fixture
def make_rmod():
    """``make_rmod(registrar, params, check_mode=False, diff=False)``: a RegistrarModule on a FakeModule."""
    return _make_rmod


@pytest.fixture
def run_module():
    """``run_module(rmod, work)``: exit_json's result, or ModuleFailed raised with fail_json's."""
    return _run


@pytest.fixture
def module_failed():
    return ModuleFailed


class FakeRegistrar(Registrar):
    """The provider interface of _registrar.py in memory; records every write.

    ``domains``: name -> name servers; ``hosts``: domain -> {host: [canonical ips]}.
    Writes apply at once and return task ids ``task-1``, ``task-2``...; reading a task's
    details (what waiting does) records its id, and it has succeeded.
    """

    detail_success = frozenset(['done'])

    def __init__(self, domains, hosts=None):
        self.domains = dict((name, list(ns)) for name, ns in domains.items())
        self.hosts = dict((name, dict((hosts or {}).get(name, {}))) for name in domains)
        self.calls = {'read': 0, 'write': 0}
        self.writes = []
        self.waited = []
        self._lock = threading.Lock()

    def _count(self, kind):
        with self._lock:
            self.calls[kind] += 1

    def _write(self, *record):
        self._count('write')
        self.writes.append(record)
        return 'task-%d' % len(self.writes)

    def list_domains(self):
        self._count('read')
        return [Domain(name, None, {'instance_id': 'S-' + name}) for name in sorted(self.domains)]

    def get_domain(self, name):
        self._count('read')
        if name not in self.domains:
            return None
        return Domain(name, list(self.domains[name]), {'instance_id': 'S-' + name})

    def list_hosts(self, domain):
        self._count('read')
        return [GlueHost(name, ips) for name, ips in sorted(self.hosts[domain.name].items())]

    def create_host(self, domain, name, ips):
        self.hosts[domain.name][name] = list(ips)
        return self._write('create_host', domain.name, name, list(ips))

    def modify_host(self, domain, name, ips):
        self.hosts[domain.name][name] = list(ips)
        return self._write('modify_host', domain.name, name, list(ips))

    def delete_host(self, domain, name, ips):
        del self.hosts[domain.name][name]
        return self._write('delete_host', domain.name, name, list(ips))

    def set_nameservers(self, domain_names, nameservers):
        # One call from the module; splitting it into the registry's batches is the real provider's job.
        for name in domain_names:
            self.domains[name] = list(nameservers)
        return [self._write('set_nameservers', list(domain_names), list(nameservers))]

    def task_details(self, task_id):
        self.waited.append(task_id)
        return [{'domain': None, 'status': 'done', 'error': None}]


class ScriptedClient(object):
    """Stands in for AlicloudClient under the real provider: ``answer(action, params)`` gives the
    parsed JSON answer (or raises RegistrarError); time moves only when the provider sleeps."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = {'read': 0, 'write': 0}
        self.sent = []
        self.now = 0.0
        self._lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    def call(self, action, params=None):
        params = dict(params or {})
        with self._lock:
            self.sent.append((action, params))
            self.calls['write' if action.startswith('Save') else 'read'] += 1
        return self.answer(action, params)


@pytest.fixture
def fake_registrar():
    """``fake_registrar(domains, hosts=None)``: a FakeRegistrar."""
    return FakeRegistrar


@pytest.fixture
def scripted_client():
    """``scripted_client(answer)``: a ScriptedClient for ``AlicloudRegistrar({}, client=...)``."""
    return ScriptedClient
