# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The registrar seam: the modules, run whole (AnsibleModule, options, exit JSON), on a registrar
that exists only in this file and knows nothing of Alibaba Cloud.

It has its own option, limits unlike Alibaba's, operations instead of tasks and its own facts
about a domain. If the modules needed anything beyond the provider interface (an instance id, an
Alibaba option, Alibaba's limits), these tests would fail.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dnsops.nameservers.plugins.module_utils import _providers
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    DELEGATION,
    GLUE_HOSTS,
    Domain,
    GlueHost,
    ProviderInfo,
    ProviderLimits,
    Registrar,
    RegistrarError,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    CONNECTION_OPTIONS,
    registrar_argument_spec,
)
from ansible_collections.dnsops.nameservers.plugins.modules import domain_nameservers, glue_host, glue_host_info

TOKEN = 'memory-token-do-not-print'


class MemoryLimits(ProviderLimits):
    """Limits unlike Alibaba's: one IPv4 and one IPv6 per host, 4 name servers, 2 domains a write."""

    max_ips_per_host = 2
    max_nameservers = 4
    max_domains_per_nameserver_change = 2

    def check_host_name(self, name, value, field='name'):
        if name.startswith('forbidden.'):
            raise ValidationError(field, value, 'is a name registrar memory refuses')

    def check_ips(self, ips, field='ips'):
        families = [':' in ip for ip in ips]
        if len(set(families)) != len(families):
            raise ValidationError(field, ips, 'has two addresses of one family; registrar memory takes one IPv4 and one IPv6')


class Registry(object):
    """The registrar's state: domains with name servers and glue; operations and their outcome."""

    def __init__(self, domains):
        self.domains = dict((name, {'nameservers': list(ns), 'glue': {}}) for name, ns in domains.items())
        self.operations = {}
        self.calls = {'read': 0, 'write': 0}
        self.fail_next = None


class MemoryInfo(ProviderInfo):
    name = 'memory'
    title = 'in-memory test registrar'
    options = dict(memory_token=dict(type='str', no_log=True))
    task_noun = 'operation'
    limits = MemoryLimits()

    def __init__(self, registry, capabilities=(GLUE_HOSTS, DELEGATION)):
        self.registry = registry
        self.capabilities = frozenset(capabilities)
        self.options_given = None

    def create(self, options):
        self.options_given = dict(options)
        if options.get('memory_token') != TOKEN:
            raise RegistrarError('memory: the token is wrong')
        return MemoryRegistrar(self)


class MemoryRegistrar(Registrar):
    detail_success = frozenset(['SUCCESSFUL'])
    detail_failure = frozenset(['FAILED'])

    def __init__(self, info):
        self.info = info
        self.registry = info.registry
        self.calls = info.registry.calls
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    def _read(self):
        self.calls['read'] += 1

    def _operation(self, domains, change):
        self.calls['write'] += 1
        operation = 'op-%d' % (len(self.registry.operations) + 1)
        error, self.registry.fail_next = self.registry.fail_next, None
        if error is None:
            change()
        self.registry.operations[operation] = [
            {'domain': name, 'status': 'FAILED' if error else 'SUCCESSFUL', 'error': error} for name in domains]
        return operation

    def list_domains(self):
        self._read()
        return [Domain(name, None, {'registry_id': 'R-' + name}) for name in sorted(self.registry.domains)]

    def get_domain(self, name):
        self._read()
        record = self.registry.domains.get(name)
        if record is None:
            return None
        return Domain(name, list(record['nameservers']), {'registry_id': 'R-' + name})

    def list_hosts(self, domain):
        self._read()
        glue = self.registry.domains[domain.name]['glue']
        return [GlueHost(name, ips) for name, ips in sorted(glue.items())]

    def create_host(self, domain, name, ips):
        return self._operation([domain.name], lambda: self.registry.domains[domain.name]['glue'].update({name: list(ips)}))

    modify_host = create_host

    def delete_host(self, domain, name, ips):
        return self._operation([domain.name], lambda: self.registry.domains[domain.name]['glue'].pop(name))

    def write_nameservers(self, domain_names, nameservers):
        def change():
            for name in domain_names:
                self.registry.domains[name]['nameservers'] = list(nameservers)
        return self._operation(domain_names, change)

    def task_details(self, task_id):
        self._read()
        return [dict(detail) for detail in self.registry.operations[task_id]]


@pytest.fixture
def registry():
    return Registry({'example.org': ['a.iana-servers.net', 'b.iana-servers.net'],
                     'one.test': ['a.iana-servers.net', 'b.iana-servers.net'],
                     'two.test': ['a.iana-servers.net', 'b.iana-servers.net'],
                     'three.test': ['a.iana-servers.net', 'b.iana-servers.net'],
                     'four.test': ['a.iana-servers.net', 'b.iana-servers.net'],
                     'five.test': ['a.iana-servers.net', 'b.iana-servers.net']})


@pytest.fixture
def memory(registry, monkeypatch):
    """Registrar ``memory`` registered next to alicloud, as a second provider file would be."""
    info = MemoryInfo(registry)
    monkeypatch.setitem(_providers.PROVIDERS, 'memory', info)
    return info


@pytest.fixture
def run(capsys):
    """``run(module, args)``: the module's whole main(); its JSON result (failed or not)."""
    def run_main(module, args):
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        out = capsys.readouterr().out
        assert TOKEN not in out
        return json.loads(out)
    return run_main


def memory_args(**args):
    return dict({'registrar': 'memory', 'memory_token': TOKEN}, **args)


def test_glue_host_creates_and_converges_through_the_interface_alone(memory, registry, run):
    args = memory_args(name='NS1.Example.ORG.', ips=['2001:db8::1', '192.0.2.1'])
    result = run(glue_host, args)
    assert not result.get('failed'), result
    assert result['changed'] is True
    assert result['task_id'] == 'op-1'
    assert result['domain'] == {'name': 'example.org', 'registry_id': 'R-example.org'}
    assert result['after'] == {'name': 'ns1.example.org', 'ips': ['192.0.2.1', '2001:db8::1']}
    assert registry.domains['example.org']['glue'] == {'ns1.example.org': ['192.0.2.1', '2001:db8::1']}
    again = run(glue_host, args)
    assert (again['changed'], again['task_id']) == (False, None)
    # Only the generic options and the provider's own reach it: nothing of Alibaba Cloud.
    assert set(memory.options_given) == set(CONNECTION_OPTIONS) | {'memory_token'}


def test_glue_host_info_returns_the_providers_facts(memory, registry, run):
    registry.domains['example.org']['glue'] = {'ns1.example.org': ['192.0.2.1']}
    result = run(glue_host_info, memory_args(domains=['example.org']))
    assert result['domains'] == [{'name': 'example.org', 'registry_id': 'R-example.org',
                                  'nameservers': ['a.iana-servers.net', 'b.iana-servers.net'],
                                  'hosts': [{'name': 'ns1.example.org', 'ips': ['192.0.2.1']}]}]


def test_domain_nameservers_writes_in_the_providers_batches(memory, registry, run):
    registry.domains['example.org']['glue'] = {'ns1.example.org': ['192.0.2.1'], 'ns2.example.org': ['192.0.2.2']}
    domains = ['one.test', 'two.test', 'three.test', 'four.test', 'five.test']
    result = run(domain_nameservers, memory_args(domains=domains, nameservers=['ns1.example.org', 'ns2.example.org']))
    assert not result.get('failed'), result
    assert result['task_ids'] == ['op-1', 'op-2', 'op-3']  # 2 + 2 + 1 domains
    assert [len(details) for details in registry.operations.values()] == [2, 2, 1]
    assert all(registry.domains[name]['nameservers'] == ['ns1.example.org', 'ns2.example.org'] for name in domains)


@pytest.mark.parametrize('module, args, field, rule', [
    (glue_host, {'name': 'ns1.example.org', 'ips': ['192.0.2.1', '192.0.2.2', '2001:db8::1']}, 'ips',
     'has 3 addresses; a glue host may have at most 2'),
    (glue_host, {'name': 'ns1.example.org', 'ips': ['192.0.2.1', '192.0.2.2']}, 'ips', 'has two addresses of one family'),
    (glue_host, {'name': 'forbidden.example.org', 'ips': ['192.0.2.1']}, 'name', 'is a name registrar memory refuses'),
    (domain_nameservers, {'domains': ['one.test'], 'nameservers': ['ns%d.example.org' % n for n in range(5)]},
     'nameservers', 'has 5 name servers; the registry accepts at most 4'),
])
def test_the_providers_limits_apply_before_any_call(memory, registry, run, module, args, field, rule):
    result = run(module, memory_args(**args))
    assert result['failed'] is True
    assert result['field'] == field and rule in result['msg']
    assert result['registrar_calls'] == {'read': 0, 'write': 0}
    assert registry.calls == {'read': 0, 'write': 0}


def test_alibabas_limits_do_not_apply_to_another_registrar(memory, registry, run):
    name = 'ns1.' + 'a' * 40 + '.' + 'b' * 40 + '.example.org'  # longer than Alibaba Cloud's 80 characters
    result = run(glue_host, memory_args(name=name, ips=['192.0.2.1']))
    assert result['changed'] is True and name in registry.domains['example.org']['glue']


@pytest.mark.parametrize('args, option, owner, selected', [
    (memory_args(site='international'), 'site', 'registrar alicloud (Alibaba Cloud)', 'memory'),
    (memory_args(access_key_id='LTAI-id'), 'access_key_id', 'registrar alicloud (Alibaba Cloud)', 'memory'),
    ({'registrar': 'alicloud', 'memory_token': TOKEN}, 'memory_token', 'registrar memory (in-memory test registrar)',
     'alicloud'),
])
def test_an_option_of_another_registrar_fails_before_any_call(memory, registry, run, args, option, owner, selected):
    result = run(glue_host, dict(args, name='ns1.example.org', ips=['192.0.2.1']))
    assert result['failed'] is True
    assert result['field'] == option
    assert 'is an option of %s, but the selected registrar is %s' % (owner, selected) in result['msg']
    assert registry.calls == {'read': 0, 'write': 0} and memory.options_given is None


def test_a_registrar_that_cannot_do_something_says_so_before_any_call(registry, monkeypatch, run):
    info = MemoryInfo(registry, capabilities=[DELEGATION])
    monkeypatch.setitem(_providers.PROVIDERS, 'memory', info)
    result = run(glue_host, memory_args(name='ns1.example.org', ips=['192.0.2.1']))
    assert result['failed'] is True
    assert result['msg'] == 'registrar memory (in-memory test registrar) cannot manage glue hosts'
    assert info.options_given is None and registry.calls == {'read': 0, 'write': 0}


def test_a_failed_operation_is_reported_in_the_providers_words(memory, registry, run):
    registry.fail_next = 'the registry refused the glue'
    result = run(glue_host, memory_args(name='ns1.example.org', ips=['192.0.2.1']))
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'] == ('The registry task did not succeed: operation op-1 failed: example.org: '
                             'the registry refused the glue')
    assert result['tasks'] == [{'task_id': 'op-1', 'status': 'failure', 'details': [
        {'domain': 'example.org', 'status': 'FAILED', 'error': 'the registry refused the glue'}]}]


def test_the_argument_spec_has_every_providers_options_once(memory):
    spec = registrar_argument_spec()
    assert spec['registrar']['choices'] == ['alicloud', 'memory']
    assert spec['memory_token'] == {'type': 'str', 'no_log': True}
    assert spec['site'] == {'type': 'str', 'choices': ['china', 'international']}  # no default: unset means unset


def test_two_registrars_may_not_share_an_option(memory, monkeypatch):
    monkeypatch.setattr(MemoryInfo, 'options', dict(profile=dict(type='str')))
    with pytest.raises(RegistrarError) as info:
        registrar_argument_spec()
    assert 'both define the option profile' in str(info.value)
