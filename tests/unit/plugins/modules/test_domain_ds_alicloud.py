# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Alibaba provider's DS calls (QueryDSRecord, SaveSingleTaskFor{Adding,Deleting,Modifying}DSRecord)
and domain_ds on it, its client answering from a script (conftest's ScriptedClient: no HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import AlicloudRegistrar
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    ChangeInProgress,
    DSRecord,
    RegistrarError,
)
from ansible_collections.dnsops.nameservers.plugins.modules import domain_ds

OLD = DSRecord(2371, 13, 2, '1f987cc6583e92df0890718c42b7a6e6e93a40e7e5a2c9fb3dbea6d6c0e7e5c6')
NEW = DSRecord(40000, 13, 2, 'd4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a')


class Registry(object):
    """A scripted Domain API: DS records per domain, tasks that finish on their second poll."""

    def __init__(self, ds, fail=None):
        self.ds = ds  # domain -> list of DSRecord
        self.fail = fail or {}  # action -> RegistrarError, or task error text with 'task:'
        self.tasks = {}

    def __call__(self, action, params):
        if action == 'QueryDSRecord':
            name = params['DomainName']
            if name not in self.ds:
                raise RegistrarError('The domain %s does not exist.' % name, code='DomainNotExist')
            return {'RequestId': 'r', 'DSRecordList': [
                {'KeyTag': r.key_tag, 'Algorithm': r.algorithm, 'DigestType': r.digest_type, 'Digest': r.digest.upper()}
                for r in self.ds[name]]}
        if action.startswith('Save'):
            failure = self.fail.get(action)
            if isinstance(failure, RegistrarError):
                raise failure
            task = 'T%d' % (len(self.tasks) + 1)
            self.tasks[task] = [params['DomainName'], 0, failure]
            if failure is None:
                self.apply(action, params)
            return {'RequestId': 'r', 'TaskNo': task}
        if action == 'QueryTaskDetailList':
            task = self.tasks[params['TaskNo']]
            task[1] += 1
            status = 'EXECUTING' if task[1] < 2 else ('EXECUTE_FAILURE' if task[2] else 'EXECUTE_SUCCESS')
            return {'TotalPageNum': 1, 'Data': {'TaskDetail': [
                {'TaskNo': params['TaskNo'], 'DomainName': task[0], 'TaskStatus': status, 'ErrorMsg': task[2] or ''}]}}
        raise AssertionError('unexpected action %s' % action)

    def apply(self, action, params):
        records = self.ds[params['DomainName']]
        tag = int(params['KeyTag'])
        if action != 'SaveSingleTaskForAddingDSRecord':
            records.remove([r for r in records if r.key_tag == tag][0])
        if action != 'SaveSingleTaskForDeletingDSRecord':
            records.append(DSRecord(tag, params['Algorithm'], params['DigestType'], params['Digest']))


@pytest.fixture
def provider(scripted_client):
    def make(registry):
        client = scripted_client(registry)
        return AlicloudRegistrar({}, client=client), client
    return make


def test_list_ds_reads_numbers_or_strings_lists_or_wrappers_and_missing_domains(provider, scripted_client):
    answers = {
        'a.com': {'DSRecordList': [{'KeyTag': '40000', 'Algorithm': '13', 'DigestType': '2', 'Digest': NEW.digest.upper()},
                                   {'KeyTag': 2371, 'Algorithm': 13, 'DigestType': 2, 'Digest': OLD.digest}]},
        'b.com': {'DSRecordList': {'DSRecord': [{'KeyTag': 2371, 'Algorithm': 13, 'DigestType': 2, 'Digest': OLD.digest}]}},
        'c.com': {},
        'd.com': {'DSRecordList': [{'KeyTag': 'x', 'Algorithm': 13, 'DigestType': 2, 'Digest': OLD.digest}]},
    }

    def answer(action, params):
        assert action == 'QueryDSRecord' and set(params) == {'DomainName'}
        if params['DomainName'] not in answers:
            raise RegistrarError('no such domain', code='DomainNotExist')
        return answers[params['DomainName']]

    registrar = AlicloudRegistrar({}, client=scripted_client(answer))
    assert registrar.list_ds('A.com.') == [OLD, NEW]
    assert registrar.list_ds('b.com') == [OLD]
    assert registrar.list_ds('c.com') == []
    assert registrar.list_ds('nope.com') is None
    with pytest.raises(RegistrarError) as info:
        registrar.list_ds('d.com')
    assert 'cannot be read' in str(info.value)


def test_the_ds_writes_send_the_documented_fields(provider):
    registrar, client = provider(Registry({'example.com': [OLD]}))
    assert registrar.add_ds('example.com', NEW) == 'T1'
    assert registrar.remove_ds('example.com', OLD) == 'T2'
    replacement = DSRecord(40000, 13, 4, 'ab' * 48)
    assert registrar.replace_ds('example.com', NEW, replacement) == 'T3'
    assert client.sent == [
        ('SaveSingleTaskForAddingDSRecord', {'DomainName': 'example.com', 'KeyTag': 40000, 'Algorithm': 13,
                                             'DigestType': 2, 'Digest': NEW.digest.upper()}),
        ('SaveSingleTaskForDeletingDSRecord', {'DomainName': 'example.com', 'KeyTag': 2371}),
        ('SaveSingleTaskForModifyingDSRecord', {'DomainName': 'example.com', 'KeyTag': 40000, 'Algorithm': 13,
                                                'DigestType': 4, 'Digest': 'AB' * 48}),
    ]
    with pytest.raises(RegistrarError):
        registrar.replace_ds('example.com', OLD, NEW)  # another key tag: not one record


def test_a_busy_domain_is_a_change_in_progress(provider):
    registrar, dummy = provider(Registry({'example.com': []}, fail={
        'SaveSingleTaskForAddingDSRecord': RegistrarError('busy', code='TaskIsBeingProcessed')}))
    with pytest.raises(ChangeInProgress) as info:
        registrar.add_ds('example.com', NEW)
    assert 'another change to domain example.com is in progress' in str(info.value)


def test_domain_ds_rolls_over_on_alibaba(provider, make_rmod, run_module):
    registry = Registry({'example.com': [OLD]})
    registrar, client = provider(registry)
    rmod = make_rmod(registrar, {'state': 'present', 'exclusive': True, 'domains': [
        {'name': 'example.com', 'records': [NEW.as_dict()]}]})
    result = run_module(rmod, lambda: domain_ds.manage(rmod))
    assert [c['action'] for c in result['changes']] == ['add', 'remove']
    assert [action for action, dummy in client.sent] == [
        'QueryDSRecord', 'SaveSingleTaskForAddingDSRecord', 'QueryTaskDetailList', 'QueryTaskDetailList',
        'SaveSingleTaskForDeletingDSRecord', 'QueryTaskDetailList', 'QueryTaskDetailList']
    assert registry.ds['example.com'] == [NEW]
    assert result['registrar_calls'] == {'read': 5, 'write': 2}


def test_a_failed_task_on_alibaba_reports_changed_and_every_task(provider, make_rmod, run_module, module_failed):
    registry = Registry({'example.com': [OLD]}, fail={'SaveSingleTaskForAddingDSRecord': 'the registry refused the DS'})
    registrar, client = provider(registry)
    rmod = make_rmod(registrar, {'state': 'present', 'exclusive': True, 'domains': [
        {'name': 'example.com', 'records': [NEW.as_dict()]}]})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_ds.manage(rmod))
    result = info.value.result
    assert result['msg'] == 'The registry task did not succeed: registry task T1 failed: example.com: the registry refused the DS'
    assert (result['changed'], result['task_ids']) == (True, ['T1'])
    assert result['tasks'] == [{'task_id': 'T1', 'status': 'failure', 'details': [
        {'domain': 'example.com', 'status': 'EXECUTE_FAILURE', 'error': 'the registry refused the DS'}]}]
    assert result['changes'][0]['action'] == 'add' and result['changes'][0]['task_id'] == 'T1'
    assert 'SaveSingleTaskForDeletingDSRecord' not in [action for action, dummy in client.sent]
    assert registry.ds['example.com'] == [OLD]


def test_an_answer_without_task_number_is_an_unknown_outcome(scripted_client, make_rmod, run_module, module_failed):
    def answer(action, params):
        if action == 'QueryDSRecord':
            return {'DSRecordList': []}
        return {'RequestId': 'r'}  # accepted, but which task?

    rmod = make_rmod(AlicloudRegistrar({}, client=scripted_client(answer)), {'state': 'present', 'exclusive': False,
                                                                             'domains': [{'name': 'example.com', 'records': [NEW.as_dict()]}]})
    with pytest.raises(module_failed) as info:
        run_module(rmod, lambda: domain_ds.manage(rmod))
    result = info.value.result
    assert result['changed'] is True
    assert result['sent'] == {'domain': 'example.com', 'action': 'add', 'ds': NEW.as_dict()}
