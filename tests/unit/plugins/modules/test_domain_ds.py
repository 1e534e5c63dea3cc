# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""domain_ds and domain_ds_info on two registrars that exist only in this file, through the provider
interface alone: ``tags`` takes DS fields and keeps one DS per key tag (as Alibaba Cloud does), ``keys``
takes DNSKEY data, computes SHA-256 DS itself and names records by its own ids (as Route 53 Domains
does). Their tasks finish on the second poll, so waiting is real; every call is recorded in order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dnsops.nameservers.plugins.module_utils import _providers
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    DELEGATION,
    DS_INPUT_DNSKEY,
    DS_RECORDS,
    DSRecord,
    ProviderInfo,
    ProviderLimits,
    Registrar,
    RegistrarError,
    WriteOutcomeUnknown,
)
from ansible_collections.dnsops.nameservers.plugins.modules import domain_ds, domain_ds_info

dns = pytest.importorskip('dns')
# pylint: disable=wrong-import-position
import dns.dnssec  # noqa: E402
import dns.name  # noqa: E402
import dns.rdata  # noqa: E402

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402


def make_key(flags=257):
    return dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, flags=flags)


def two_keys():
    """Two keys of distinct key tags (a rollover between equal tags is another test)."""
    first = make_key()
    while True:
        second = make_key()
        if dns.dnssec.key_id(second) != dns.dnssec.key_id(first):
            return first, second


def ds_of(owner, key, digest_type=2):
    """The DS as dnspython computes it, as the modules return it."""
    ds = dns.dnssec.make_ds(dns.name.from_text(owner + '.'), key, {2: 'SHA256', 4: 'SHA384'}[digest_type])
    return {'key_tag': ds.key_tag, 'algorithm': int(ds.algorithm), 'digest_type': ds.digest_type, 'digest': ds.digest.hex()}


def key_spec(key, **extra):
    spec = {'flags': key.flags, 'algorithm': int(key.algorithm), 'public_key': key.to_text().split(' ', 3)[3]}
    spec.update(extra)
    return spec


def as_record(ds, record_id=None):
    return DSRecord(ds['key_tag'], ds['algorithm'], ds['digest_type'], ds['digest'], record_id=record_id)


class Registry(object):
    """Domains and their DS records; every call in ``events``; tasks done on their second poll."""

    def __init__(self, domains):
        self.ds = dict((name, list(records)) for name, records in domains.items())
        self.events = []
        self.tasks = {}
        self.polls = {}
        self.fail_next = None  # a task's error text
        self.refuse_write = {}  # write number (1-based) -> RegistrarError raised instead
        self.writes = 0
        self.lock = threading.Lock()


class TagLimits(ProviderLimits):
    ds_one_per_key_tag = True


class KeyLimits(ProviderLimits):
    ds_input = DS_INPUT_DNSKEY
    ds_digest_types = (2,)

    def check_ds_records(self, domain, records, field='records'):
        if len(records) > 2:
            raise ValidationError(field, len(records), 'DS records for %s; registrar keys takes at most 2' % domain)


class MemoryInfo(ProviderInfo):
    options = {}

    def __init__(self, name, registrar_class, limits, registry, capabilities=(DS_RECORDS,)):
        self.name = name
        self.title = 'in-memory %s registrar' % name
        self.registrar_class = registrar_class
        self.limits = limits
        self.registry = registry
        self.capabilities = frozenset(capabilities)

    def create(self, options):
        return self.registrar_class(self, options)

    def already_exists(self, error_text):
        return 'already exists' in error_text


class MemoryRegistrar(Registrar):
    detail_success = frozenset(['done'])
    detail_failure = frozenset(['failed'])

    def __init__(self, info, options):
        self.info = info
        self.registry = info.registry
        self.max_workers = options.get('max_workers') or 8
        self.calls = {'read': 0, 'write': 0}
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    def _read(self, *event):
        with self.registry.lock:
            self.calls['read'] += 1
            self.registry.events.append(event)

    def list_ds(self, domain_name):
        self._read('list', domain_name)
        records = self.registry.ds.get(domain_name)
        return None if records is None else [DSRecord(*r.key(), record_id=r.record_id) for r in records]

    def _task(self, domain_name, event, change):
        registry = self.registry
        registry.writes += 1
        self.calls['write'] += 1
        registry.events.append(event)
        refusal = registry.refuse_write.get(registry.writes)
        if refusal is not None:
            raise refusal
        task_id = 'task-%d' % registry.writes
        error, registry.fail_next = registry.fail_next, None
        if error is None:
            change(registry.ds[domain_name])
        registry.tasks[task_id] = {'domain': domain_name, 'status': 'failed' if error else 'done', 'error': error}
        registry.polls[task_id] = 0
        return task_id

    def task_details(self, task_id):
        self._read('poll', task_id)
        self.registry.polls[task_id] += 1
        if self.registry.polls[task_id] < 2:
            return [{'domain': self.registry.tasks[task_id]['domain'], 'status': 'running', 'error': None}]
        return [dict(self.registry.tasks[task_id])]


class TagRegistrar(MemoryRegistrar):
    """DS fields; one record per key tag; records named by key tag."""

    def add_ds(self, domain_name, record):
        def change(records):
            assert all(r.key_tag != record.key_tag for r in records), 'the module added a second DS of one key tag'
            records.append(DSRecord(*record.key()))
        return self._task(domain_name, ('add', domain_name, record.text()), change)

    def remove_ds(self, domain_name, record):
        return self._task(domain_name, ('remove', domain_name, record.key_tag),
                          lambda records: records.remove([r for r in records if r.key_tag == record.key_tag][0]))

    def replace_ds(self, domain_name, old, new):
        def change(records):
            records.remove([r for r in records if r.key_tag == old.key_tag][0])
            records.append(DSRecord(*new.key()))
        return self._task(domain_name, ('replace', domain_name, old.key_tag, new.text()), change)


class KeyRegistrar(MemoryRegistrar):
    """DNSKEY data; computes the SHA-256 DS itself (with dnspython); names records by its own ids."""

    def add_ds(self, domain_name, record):
        key = record.dnskey
        assert key is not None, 'a DNSKEY registrar was sent a DS without its key'
        reference = dns.rdata.from_text('IN', 'DNSKEY', '%d 3 %d %s' % (key.flags, key.algorithm, key.public_key_text()))
        computed = as_record(ds_of(domain_name, reference), record_id='id-%s' % key.key_tag())
        return self._task(domain_name, ('add', domain_name, key.flags, key.algorithm, key.public_key_text()),
                          lambda records: records.append(computed))

    def remove_ds(self, domain_name, record):
        assert record.record_id, 'remove_ds got a record without the id list_ds gave it'
        return self._task(domain_name, ('remove', domain_name, record.record_id),
                          lambda records: records.remove([r for r in records if r.record_id == record.record_id][0]))


@pytest.fixture
def registry():
    return Registry({'example.com': [], 'customer.net': [], 'other.org': []})


@pytest.fixture
def tags(registry, monkeypatch):
    info = MemoryInfo('tags', TagRegistrar, TagLimits(), registry)
    monkeypatch.setitem(_providers.PROVIDERS, 'tags', info)
    return info


@pytest.fixture
def keys(registry, monkeypatch):
    info = MemoryInfo('keys', KeyRegistrar, KeyLimits(), registry)
    monkeypatch.setitem(_providers.PROVIDERS, 'keys', info)
    return info


@pytest.fixture
def run(capsys):
    """``run(module, args)``: the module's whole main() (options, exit JSON); its result."""
    def run_main(module, args):
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)
    return run_main


def writes(registry):
    return [event for event in registry.events if event[0] in ('add', 'remove', 'replace')]


# -- publishing and converging -------------------------------------------------------------

def test_publishes_from_fields_and_from_keys_then_converges_without_writes(tags, registry, run):
    key, other = two_keys()
    args = {'registrar': 'tags', 'domains': [
        {'name': 'Example.COM.', 'records': [key_spec(key)]},
        {'name': 'customer.net', 'records': [ds_of('customer.net', other)]},
    ]}
    result = run(domain_ds, args)
    assert not result.get('failed'), result
    assert result['changed'] is True
    assert result['changed_domains'] == ['example.com', 'customer.net']
    assert [r.as_dict() for r in registry.ds['example.com']] == [ds_of('example.com', key)]
    assert [r.as_dict() for r in registry.ds['customer.net']] == [ds_of('customer.net', other)]
    assert result['task_ids'] == ['task-1', 'task-2']
    assert result['after']['example.com'] == [ds_of('example.com', key)]
    assert result['registrar_calls']['write'] == 2

    again = run(domain_ds, dict(args, domains=[
        {'name': 'example.com', 'records': [ds_of('example.com', key)]},  # the same DS, given by its fields
        {'name': 'customer.net', 'records': [key_spec(other)]},  # and from its key
    ]))
    assert (again['changed'], again['changes'], again['task_ids']) == (False, [], [])
    assert again['registrar_calls'] == {'read': 2, 'write': 0}


def test_check_mode_predicts_and_diff_shows_presentation_format(tags, registry, run):
    key, dummy = two_keys()
    ds = ds_of('example.com', key)
    result = run(domain_ds, {'registrar': 'tags', '_ansible_check_mode': True, '_ansible_diff': True,
                             'domains': [{'name': 'example.com', 'records': [key_spec(key)]}]})
    assert result['changed'] is True
    assert result['changes'] == [{'domain': 'example.com', 'action': 'add', 'ds': ds, 'task_id': None}]
    assert result['diff'] == {'before': {'example.com': []},
                              'after': {'example.com': ['%d 13 2 %s' % (ds['key_tag'], ds['digest'])]}}
    assert writes(registry) == [] and registry.ds['example.com'] == []


# -- rollover -------------------------------------------------------------------------------

def test_a_rollover_adds_waits_for_the_task_then_removes(tags, registry, run):
    old, new = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', old))]
    result = run(domain_ds, {'registrar': 'tags', 'exclusive': True,
                             'domains': [{'name': 'example.com', 'records': [key_spec(new)]}]})
    assert [c['action'] for c in result['changes']] == ['add', 'remove']
    assert [r.as_dict() for r in registry.ds['example.com']] == [ds_of('example.com', new)]
    kinds = [event[:2] if event[0] != 'poll' else event for event in registry.events]
    assert kinds == [('list', 'example.com'), ('add', 'example.com'), ('poll', 'task-1'), ('poll', 'task-1'),
                     ('remove', 'example.com'), ('poll', 'task-2'), ('poll', 'task-2')]


def test_without_wait_the_add_is_still_waited_for_before_the_old_ds_goes(tags, registry, run):
    old, new = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', old))]
    run(domain_ds, {'registrar': 'tags', 'exclusive': True, 'wait': False,
                    'domains': [{'name': 'example.com', 'records': [key_spec(new)]}]})
    assert [event[0] for event in registry.events] == ['list', 'add', 'poll', 'poll', 'remove']


def test_a_failed_addition_keeps_the_old_ds_and_reports_the_write(tags, registry, run):
    old, new = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', old))]
    registry.fail_next = 'domain has an update-prohibition lock'
    result = run(domain_ds, {'registrar': 'tags', 'exclusive': True,
                             'domains': [{'name': 'example.com', 'records': [key_spec(new)]}]})
    assert result['failed'] is True and result['changed'] is True
    assert 'update-prohibition lock' in result['msg']
    assert result['task_ids'] == ['task-1']
    assert result['tasks'][0]['status'] == 'failure'
    assert [c['action'] for c in result['changes']] == ['add']
    assert [event[0] for event in writes(registry)] == ['add']
    assert [r.as_dict() for r in registry.ds['example.com']] == [ds_of('example.com', old)]


def test_rounds_across_domains_and_a_refused_later_write_still_reports_the_first(tags, registry, run):
    a_old, a_new = two_keys()
    b_old, b_new = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', a_old))]
    registry.ds['customer.net'] = [as_record(ds_of('customer.net', b_old))]
    registry.refuse_write[3] = RegistrarError('another change is in progress', code='TaskIsBeingProcessed')
    result = run(domain_ds, {'registrar': 'tags', 'exclusive': True, 'domains': [
        {'name': 'example.com', 'records': [key_spec(a_new)]},
        {'name': 'customer.net', 'records': [key_spec(b_new)]},
    ]})
    # Round one: both additions, both waited for; round two: the first removal is refused.
    assert [event[:2] for event in writes(registry)] == [('add', 'example.com'), ('add', 'customer.net'),
                                                         ('remove', 'example.com')]
    assert result['failed'] is True and result['changed'] is True
    assert result['task_ids'] == ['task-1', 'task-2']
    assert 'another change is in progress' in result['msg']
    assert len(registry.ds['example.com']) == 2  # both DS: safe, and a rerun removes the old one


def test_an_unknown_outcome_reports_what_was_sent(tags, registry, run):
    key, dummy = two_keys()
    registry.refuse_write[1] = WriteOutcomeUnknown('the connection dropped after the request was sent', refused=False)
    result = run(domain_ds, {'registrar': 'tags', 'domains': [{'name': 'example.com', 'records': [key_spec(key)]}]})
    assert result['failed'] is True and result['changed'] is True
    assert result['sent'] == {'domain': 'example.com', 'action': 'add', 'ds': ds_of('example.com', key)}
    assert result['msg'].startswith('Sent the addition of DS %d 13 2 ' % ds_of('example.com', key)['key_tag'])


def test_a_ds_that_appeared_since_the_read_is_explained_as_a_concurrent_change(tags, registry, run):
    key, dummy = two_keys()
    registry.fail_next = 'The DS record with KeyTag 1 already exists for example.com.'
    result = run(domain_ds, {'registrar': 'tags', 'domains': [{'name': 'example.com', 'records': [key_spec(key)]}]})
    assert 'another change to the domain is in progress' in result['msg']
    assert result['changed'] is True


# -- what is kept, what is removed ------------------------------------------------------------

def test_unlisted_records_are_kept_unless_exclusive(tags, registry, run):
    old, new = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', old))]
    kept = run(domain_ds, {'registrar': 'tags', 'domains': [{'name': 'example.com', 'records': [key_spec(new)]}]})
    assert [c['action'] for c in kept['changes']] == ['add']
    assert kept['unlisted'] == {'example.com': [ds_of('example.com', old)]}
    assert len(registry.ds['example.com']) == 2
    emptied = run(domain_ds, {'registrar': 'tags', 'exclusive': True, 'domains': [{'name': 'example.com', 'records': []}]})
    assert [c['action'] for c in emptied['changes']] == ['remove', 'remove']
    assert registry.ds['example.com'] == []


def test_state_absent_removes_only_what_matches(tags, registry, run):
    old, new = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', old)), as_record(ds_of('example.com', new))]
    result = run(domain_ds, {'registrar': 'tags', 'state': 'absent',
                             'domains': [{'name': 'example.com', 'records': [{'key_tag': ds_of('example.com', old)['key_tag']}]}]})
    assert [c['ds'] for c in result['changes']] == [ds_of('example.com', old)]
    assert [r.as_dict() for r in registry.ds['example.com']] == [ds_of('example.com', new)]
    again = run(domain_ds, {'registrar': 'tags', 'state': 'absent',
                            'domains': [{'name': 'example.com', 'records': [key_spec(old)]}]})
    assert again['changed'] is False and again['registrar_calls']['write'] == 0


def test_one_ds_per_key_tag_replaces_only_with_exclusive(tags, registry, run):
    key, dummy = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', key))]
    sha384 = key_spec(key, digest_type=4)
    refused = run(domain_ds, {'registrar': 'tags', 'domains': [{'name': 'example.com', 'records': [sha384]}]})
    assert refused['failed'] is True and not refused.get('changed')
    assert refused['field'] == 'domains[0].records[0]'
    assert 'keeps one DS per key tag' in refused['msg'] and 'exclusive=true' in refused['msg']
    assert writes(registry) == []
    replaced = run(domain_ds, {'registrar': 'tags', 'exclusive': True, 'domains': [{'name': 'example.com', 'records': [sha384]}]})
    assert [c['action'] for c in replaced['changes']] == ['replace']
    assert replaced['changes'][0]['replaces'] == ds_of('example.com', key)
    assert [r.as_dict() for r in registry.ds['example.com']] == [ds_of('example.com', key, 4)]
    both = run(domain_ds, {'registrar': 'tags', 'domains': [{'name': 'example.com', 'records': [key_spec(key), sha384]}]})
    assert both['field'] == 'domains[0].records[1]' and 'list one of them' in both['msg']


# -- a registrar that takes keys --------------------------------------------------------------

def test_a_dnskey_registrar_gets_the_key_and_removes_by_its_own_id(keys, registry, run):
    old, new = two_keys()
    first = run(domain_ds, {'registrar': 'keys', 'domains': [{'name': 'example.com', 'records': [key_spec(old)]}]})
    assert first['changed'] is True
    # dnspython writes the key in chunks; the registrar gets it in one piece
    assert writes(registry)[0] == ('add', 'example.com', 257, 13, key_spec(old)['public_key'].replace(' ', ''))
    assert [r.as_dict() for r in registry.ds['example.com']] == [ds_of('example.com', old)]
    same = run(domain_ds, {'registrar': 'keys', 'domains': [{'name': 'example.com', 'records': [key_spec(old)]}]})
    assert same['changed'] is False and same['registrar_calls']['write'] == 0
    rolled = run(domain_ds, {'registrar': 'keys', 'exclusive': True,
                             'domains': [{'name': 'example.com', 'records': [key_spec(new)]}]})
    assert [c['action'] for c in rolled['changes']] == ['add', 'remove']
    assert writes(registry)[-1] == ('remove', 'example.com', 'id-%d' % dns.dnssec.key_id(old))
    assert [r.as_dict() for r in registry.ds['example.com']] == [ds_of('example.com', new)]


def test_a_dnskey_registrar_refuses_before_any_call_a_ds_without_key_another_digest_or_too_many(keys, registry, run):
    key, other = two_keys()
    without_key = run(domain_ds, {'registrar': 'keys', 'domains': [{'name': 'example.com', 'records': [ds_of('example.com', key)]}]})
    assert without_key['field'] == 'domains[0].records[0]'
    assert 'takes the DNSKEY' in without_key['msg'] and 'registrar keys' in without_key['msg']
    sha384 = run(domain_ds, {'registrar': 'keys', 'domains': [{'name': 'example.com', 'records': [key_spec(key, digest_type=4)]}]})
    assert sha384['field'] == 'domains[0].records[0].digest_type'
    assert 'registrar keys' in sha384['msg'] and 'it takes 2 (SHA-256)' in sha384['msg']
    three = run(domain_ds, {'registrar': 'keys', 'domains': [{'name': 'example.com', 'records': [
        key_spec(k) for k in (key, other, make_key())]}]})
    assert three['field'] == 'domains[0].records' and 'takes at most 2' in three['msg']
    assert three['registrar_calls'] == {'read': 0, 'write': 0}
    assert registry.events == []
    registry.ds['example.com'] = [as_record(ds_of('example.com', make_key()), 'id-x')]
    too_many = run(domain_ds, {'registrar': 'keys', 'domains': [{'name': 'example.com', 'records': [key_spec(key), key_spec(other)]}]})
    assert 'takes at most 2' in too_many['msg'] and 'example.com' in too_many['msg']
    assert writes(registry) == []


# -- input --------------------------------------------------------------------------------------

@pytest.mark.parametrize('args, field, words', [
    ({'domains': []}, 'domains', ['at least one domain']),
    ({'domains': [{'name': 'example.com'}, {'name': 'EXAMPLE.com'}]}, 'domains[1].name', ['listed twice']),
    ({'domains': [{'name': 'not a domain'}]}, 'domains[0].name', []),
    ({'state': 'absent', 'domains': [{'name': 'example.com', 'records': []}]}, 'domains[0].records', ['exclusive=true']),
    ({'state': 'absent', 'exclusive': True, 'domains': [{'name': 'example.com', 'records': [{'key_tag': 1}]}]},
     'exclusive', ['state=present only']),
    ({'domains': [{'name': 'customer.net', 'records': [{'key_tag': 1, 'algorithm': 13, 'digest_type': 1, 'digest': 'ab' * 20}]}]},
     'domains[0].records[0].digest_type', ['SHA-1', '(domain customer.net)']),
])
def test_bad_input_fails_before_any_call(tags, registry, run, args, field, words):
    result = run(domain_ds, dict({'registrar': 'tags'}, **args))
    assert result['failed'] is True
    assert result['field'] == field
    for word in words:
        assert word in result['msg']
    assert result['registrar_calls'] == {'read': 0, 'write': 0}
    assert registry.events == []


def test_a_domain_not_in_the_account_fails_after_the_reads_before_any_write(tags, registry, run):
    key, dummy = two_keys()
    result = run(domain_ds, {'registrar': 'tags', 'domains': [{'name': 'example.com', 'records': [key_spec(key)]},
                                                              {'name': 'nope.example', 'records': [key_spec(key)]}]})
    assert result['failed'] is True and 'nope.example' in result['msg']
    assert writes(registry) == []


def test_a_key_without_sep_is_published_with_a_warning(tags, registry, run):
    result = run(domain_ds, {'registrar': 'tags', 'domains': [{'name': 'example.com', 'records': [key_spec(make_key(256))]}]})
    assert result['changed'] is True
    # ansible-core 2.19 returns warnings as structured summaries: look for the text in them
    assert [w for w in result['warnings'] if 'has no SEP bit' in json.dumps(w) and '(domain example.com)' in json.dumps(w)]


def test_a_registrar_without_ds_records_fails_before_any_call(registry, monkeypatch, run):
    info = MemoryInfo('nods', TagRegistrar, TagLimits(), registry, capabilities=(DELEGATION,))
    monkeypatch.setitem(_providers.PROVIDERS, 'nods', info)
    result = run(domain_ds, {'registrar': 'nods', 'domains': [{'name': 'example.com'}]})
    assert result['msg'] == 'registrar nods (in-memory nods registrar) cannot manage DS records (DNSSEC delegation signers)'
    info_result = run(domain_ds_info, {'registrar': 'nods', 'domains': ['example.com']})
    assert info_result['failed'] is True
    assert registry.events == []


# -- reads ----------------------------------------------------------------------------------------

def test_reads_are_concurrent_and_bounded_by_max_workers(tags, registry, run, monkeypatch):
    for index in range(9):
        registry.ds['d%d.example' % index] = []
    barrier = threading.Barrier(3, timeout=10)
    running = {'now': 0, 'most': 0}
    lock = threading.Lock()
    original = TagRegistrar.list_ds

    def list_ds(self, domain_name):
        with lock:
            running['now'] += 1
            running['most'] = max(running['most'], running['now'])
        barrier.wait()  # three calls at once, or this breaks
        with lock:
            running['now'] -= 1
        return original(self, domain_name)

    monkeypatch.setattr(TagRegistrar, 'list_ds', list_ds)
    result = run(domain_ds_info, {'registrar': 'tags', 'max_workers': 3, 'domains': ['d%d.example' % i for i in range(9)]})
    assert not result.get('failed'), result
    assert running['most'] == 3
    assert [d['name'] for d in result['domains']] == ['d%d.example' % i for i in range(9)]


def test_domain_ds_info_reads_and_reports_missing(tags, registry, run):
    key, dummy = two_keys()
    registry.ds['example.com'] = [as_record(ds_of('example.com', key))]
    result = run(domain_ds_info, {'registrar': 'tags', 'domains': ['example.com', 'nope.example'], 'ignore_missing': True})
    assert result['changed'] is False
    assert result['domains'] == [{'name': 'example.com', 'ds': [ds_of('example.com', key)]}]
    assert result['missing'] == ['nope.example']
    failed = run(domain_ds_info, {'registrar': 'tags', 'domains': ['nope.example']})
    assert failed['failed'] is True and failed['field'] == 'domains'
