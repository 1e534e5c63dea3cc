#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: domain_ds
short_description: Manage the DS records (DNSSEC delegation signers) of domains at the registrar
version_added: 0.1.0
description:
  - Publishes or removes the DS records of one or many registered domains, the records the parent zone
    serves to link it to the zone's DNSSEC key.
  - A DS is given by its fields (O(domains[].records[].key_tag), O(domains[].records[].algorithm),
    O(domains[].records[].digest_type), O(domains[].records[].digest)) or computed from the zone's key
    (O(domains[].records[].flags), O(domains[].records[].algorithm), O(domains[].records[].public_key)),
    as C(dnssec-dsfromkey) does (RFC 4034 5.1.4). The registrar gets what it takes - Alibaba Cloud the DS, Amazon
    Route 53 Domains the key (it computes the SHA-256 DS itself, so a DS given without its key, or another digest type,
    is refused before any call).
  - Every domain and record is validated before any call, the DS sets of all domains are read (concurrently)
    before anything is written, and only what differs is written. A second run changes nothing and writes nothing.
  - A new DS must use the digest type SHA-256 (2, the default) or SHA-384 (4); SHA-1 (1) and GOST R 34.11-94 (3)
    are refused (RFC 8624 3.3). Its algorithm must be one RFC 8624 3.1 allows for signing (8 RSASHA256,
    13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519, 16 ED448; 10 RSASHA512 with a warning); RSAMD5, DSA,
    RSASHA1, ECC-GOST and unassigned numbers are refused.
  - New records are published before old ones are removed, and a domain's next write waits until the registry
    has finished its previous task, so a key rollover (O(exclusive=true) with the new key's DS) never leaves
    the domain without the new DS. The progress lines of O(wait) cover the last of these rounds; the module
    waits for the earlier ones itself, without a line.
  - A DS the registry has that is not listed is kept, and returned in RV(unlisted), unless O(exclusive=true).
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dnsops.nameservers.registrar
  - dnsops.nameservers.alicloud
  - dnsops.nameservers.route53domains
  - dnsops.nameservers.registrar.wait
  - dnsops.nameservers.registrar.attributes
attributes:
  platform:
    platforms: posix
  check_mode:
    support: full
    details: Reads the registry and predicts C(changed), RV(changed_domains) and RV(changes); writes nothing.
  diff_mode:
    support: full
    details: Shows, per domain that changes, its DS records before and after, in presentation format.
options:
  domains:
    description:
      - The registered domains and, for each, the DS records to publish (or, with O(state=absent), to remove).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The registered domain, for example C(example.com).
        type: str
        required: true
      records:
        description:
          - The DS records, each given by its four DS fields or by the DNSKEY it is computed from (then
            O(domains[].records[].key_tag) and O(domains[].records[].digest) may be given too, and must match the key).
          - With O(state=present) and O(exclusive=true), these are all the domain's DS records; V([]) removes every one.
          - With O(state=absent), the records to remove; O(domains[].records[].key_tag) alone names every DS of that
            key tag, and any further field narrows it. A SHA-1 DS, or one of a deprecated algorithm, can be removed.
          - When omitted, V([]).
        type: list
        elements: dict
        suboptions:
          key_tag:
            description:
              - The key tag of the key the DS names, 0 to 65535 (RFC 4034 Appendix B).
            type: int
          algorithm:
            description:
              - The DNSSEC algorithm number of the key, for example V(13) (ECDSAP256SHA256).
            type: int
          digest_type:
            description:
              - The DS digest type, V(2) (SHA-256) or V(4) (SHA-384). Default V(2) when the DS is computed from a key.
            type: int
          digest:
            description:
              - The digest, in hexadecimal (64 digits for SHA-256, 96 for SHA-384); case and whitespace are ignored.
            type: str
          flags:
            description:
              - The DNSKEY flags, V(257) for a key-signing key. V(256) (no SEP bit) is accepted with a warning; a key
                without the ZONE bit (256), a revoked key (bit 128) and reserved bits are refused.
            type: int
          protocol:
            description:
              - The DNSKEY protocol; only V(3) exists (RFC 4034 2.1.2), and it is the default.
            type: int
          public_key:
            description:
              - The DNSKEY's public key, its base64 text as in the zone or C(dnssec-keygen)'s C(.key) file
                (whitespace inside is ignored). Its length is checked against the algorithm.
            type: str
  state:
    description:
      - V(present) publishes the records; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove every DS of the listed domains that is not in O(domains[].records)
        (after the new ones are published). Without it such records are kept and returned in RV(unlisted).
    type: bool
    default: false
notes:
  - A DS makes validating resolvers require signatures. Publish it only when every name server of the zone
    serves it signed with the key the DS names, and remove it before the zone goes unsigned.
    M(dnsops.nameservers.delegation_check) (its DNSSEC checks and O(dnsops.nameservers.delegation_check#module:expected_ds))
    shows when the parent publishes it.
  - "A KSK rollover: publish the new key in the zone, then run this module with both DS records (or with the new one
    and O(exclusive=false)), wait until the new DS has propagated (the parent's DS TTL), then run it with the new DS
    alone and O(exclusive=true)."
  - Alibaba Cloud keeps one DS record per key tag and domain, so a key's SHA-256 and SHA-384 DS cannot both be
    registered, and a changed record for a key tag the domain has replaces it in one task, only with O(exclusive=true).
  - Amazon Route 53 Domains (O(registrar=route53domains)) takes the DNSKEY, computes a SHA-256 DS from it, and removes
    a DS by the id it gave the key; it takes at most 13 keys for C(.com) and C(.net) domains and 4 for other TLDs
    (more listed records fail before any call) and one change per domain at a time (each is waited for).
seealso:
  - module: dnsops.nameservers.domain_ds_info
  - module: dnsops.nameservers.delegation_check
  - module: dnsops.nameservers.domain_nameservers
'''

EXAMPLES = r'''
- name: Publish the DS of example.com's key-signing key, computed from the key
  dnsops.nameservers.domain_ds:
    domains:
      - name: example.com
        records:
          - flags: 257
            algorithm: 13
            public_key: "{{ lookup('ansible.builtin.file', 'Kexample.com.+013+02371.key').split()[-1] }}"

- name: Publish a DS given by its fields (dnssec-dsfromkey's output)
  dnsops.nameservers.domain_ds:
    domains:
      - name: customer.net
        records:
          - key_tag: 2371
            algorithm: 13
            digest_type: 2
            digest: 1F987CC6583E92DF0890718C42B7A6E6E93A40E7E5A2C9FB3DBEA6D6C0E7E5C6

- name: Finish a KSK rollover, the new key's DS only (the old one is removed after the new one is in place)
  dnsops.nameservers.domain_ds:
    domains:
      - name: example.com
        records:
          - {flags: 257, algorithm: 13, public_key: "{{ new_ksk_public_key }}"}
    exclusive: true

- name: Remove every DS of a domain before its zone goes unsigned
  dnsops.nameservers.domain_ds:
    domains:
      - name: example.com
        records: []
    exclusive: true

- name: Remove the SHA-1 DS of key 2371
  dnsops.nameservers.domain_ds:
    domains:
      - name: example.com
        records:
          - {key_tag: 2371, digest_type: 1}
    state: absent
'''

RETURN = r'''
changed_domains:
  description: The domains whose DS records were (or in check mode would be) changed.
  returned: success
  type: list
  elements: str
  sample: [example.com]
changes:
  description:
    - Every change, in the order sent (or in check mode, that would be sent).
    - C(action) is V(add), V(remove) or V(replace) (a registrar that keeps one DS per key tag replaces the
      record of that tag); C(replaces) is the record replaced; C(task_id) the registry task (null in check mode).
  returned: success
  type: list
  elements: dict
  sample:
    - {"domain": "example.com", "action": "add", "task_id": "d7a5c3e2-1",
       "ds": {"key_tag": 2371, "algorithm": 13, "digest_type": 2, "digest": "1f98...e5c6"}}
    - {"domain": "example.com", "action": "remove", "task_id": "d7a5c3e2-2",
       "ds": {"key_tag": 61000, "algorithm": 13, "digest_type": 2, "digest": "0b1c...77aa"}}
before:
  description: The DS records of every listed domain before the module ran, by domain.
  returned: success
  type: dict
  sample: {"example.com": [{"key_tag": 61000, "algorithm": 13, "digest_type": 2, "digest": "0b1c...77aa"}]}
after:
  description: The DS records of every listed domain after the module ran (in check mode, would have), by domain.
  returned: success
  type: dict
  sample: {"example.com": [{"key_tag": 2371, "algorithm": 13, "digest_type": 2, "digest": "1f98...e5c6"}]}
unlisted:
  description: The DS records the registry has that were not listed and were kept (O(exclusive=false)), by domain.
  returned: success
  type: dict
  sample: {"example.com": [{"key_tag": 61000, "algorithm": 13, "digest_type": 2, "digest": "0b1c...77aa"}]}
task_ids:
  description:
    - The registry tasks that carry the changes.
    - Also returned when the module fails after the registry accepted some of them (a task failed, O(wait_timeout)
      passed, or a later write was refused); the failure then reports C(changed=true) and the RV(changes) sent.
  returned: success, and on a failure after the registry accepted a change
  type: list
  elements: str
  sample: [d7a5c3e2-1, d7a5c3e2-2]
sent:
  description:
    - The change that was sent when no answer says whether the registry took it (the connection dropped or
      timed out after sending, or the answer was a gateway's error page or not readable), with C(action), C(domain),
      C(ds) (and C(replaces)). The failure then reports C(changed=true); the write is not sent again, and a
      rerun reads the registry and converges.
  returned: when the module fails after sending a write whose outcome is unknown
  type: dict
  sample: {"action": "add", "domain": "example.com", "ds": {"key_tag": 2371, "algorithm": 13, "digest_type": 2, "digest": "1f98"}}
tasks:
  description:
    - How every registry task of the round ended, when waiting found a failed or unfinished task. A domain whose
      task failed gets no further write (an old DS is never removed after the new one failed).
  returned: when a registry task failed or did not finish within O(wait_timeout)
  type: list
  elements: dict
  contains:
    task_id:
      description: The registry task.
      type: str
    status:
      description: V(success), V(failure) or V(unfinished).
      type: str
    details:
      description: Per domain, the registry's status and error text.
      type: list
      elements: dict
      sample: [{"domain": "example.com", "status": "EXECUTE_FAILURE", "error": "domain has an update-prohibition lock"}]
registrar_calls:
  description: How many registrar API calls the module made, split into reads and writes.
  returned: always
  type: dict
  sample: {"read": 3, "write": 2}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._dnssec import (
    PUBLISH_DIGEST_TYPES,
    digest_type_text,
    removal_matcher,
    wanted_ds,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError, normalize_domain
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    DS_INPUT_DNSKEY,
    DS_RECORDS,
    DSRecord,
    RegistrarError,
    TaskFailed,
    run_concurrently,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    RegistrarModule,
    explain_ds_race,
    registrar_argument_spec,
    wait_argument_spec,
)

RECORD_OPTIONS = dict(
    key_tag=dict(type='int', no_log=False),  # a key's tag, public like the key
    algorithm=dict(type='int'),
    digest_type=dict(type='int'),
    digest=dict(type='str'),
    flags=dict(type='int'),
    protocol=dict(type='int'),
    public_key=dict(type='str', no_log=False),
)


class Request(object):
    """One entry of ``domains``, validated: its name, and the DS records wanted (state present) or the
    matchers of the records to remove (state absent)."""

    def __init__(self, name, field, wanted=None, matchers=None, fields=None):
        self.name = name
        self.field = field
        self.wanted = wanted or []
        self.matchers = matchers or []
        self.fields = fields or {}  # record key -> the option it came from

    def field_of(self, record):
        return self.fields.get(record.key(), '%s.records' % self.field)


class Step(object):
    """One write: ``action`` add, remove or replace (``old`` is the record replaced)."""

    def __init__(self, action, record, old=None):
        self.action = action
        self.record = record
        self.old = old
        self.task_id = None

    def as_dict(self, domain):
        change = {'domain': domain, 'action': self.action, 'ds': self.record.as_dict(), 'task_id': self.task_id}
        if self.old is not None:
            change['replaces'] = self.old.as_dict()
        return change


class Plan(object):
    """What one domain has, will have, and the writes that get it there (adds and replaces first)."""

    def __init__(self, name, before, after, steps, unlisted):
        self.name = name
        self.before = before
        self.after = after
        self.steps = steps
        self.unlisted = unlisted


def _sorted(records):
    return sorted(records, key=lambda record: record.key())


def _in_domain(exc, name):
    """``exc`` with the domain named, so a message about one of a thousand domains says which."""
    return ValidationError(exc.field, exc.value, '%s (domain %s)' % (exc.rule, name))


# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------

def validate_input(rmod):
    """Every domain and record, checked against the RFC rules and the registrar's; raises ValidationError."""
    module, info = rmod.module, rmod.info
    params = module.params
    if not params['domains']:
        raise ValidationError('domains', params['domains'], 'must list at least one domain')
    if params['state'] == 'absent' and params['exclusive']:
        raise ValidationError('exclusive', True, 'applies to state=present only (the records listed are all the '
                                                 'domain has); state=absent removes only the records listed')
    requests, seen = [], {}
    for index, entry in enumerate(params['domains']):
        field = 'domains[%d]' % index
        name = normalize_domain(entry.get('name'), field=field + '.name')
        if name in seen:
            raise ValidationError(field + '.name', entry.get('name'), 'is listed twice (also %s); list each domain once '
                                                                      'with all its records' % seen[name])
        seen[name] = field
        try:
            requests.append(_request(rmod, info, name, field, entry.get('records') or []))
        except ValidationError as exc:
            raise _in_domain(exc, name)
    return requests


def _wanted_ds(info, name, spec, field):
    """``wanted_ds`` with the registrar's digest types; a type the RFC rules allow but the registrar does
    not take is refused naming the registrar."""
    digest_types = info.limits.ds_digest_types
    try:
        return wanted_ds(name, spec, field, digest_types=digest_types)
    except ValidationError as exc:
        if exc.field.endswith('.digest_type') and spec.get('digest_type') in PUBLISH_DIGEST_TYPES:
            raise ValidationError(exc.field, exc.value, 'is a digest type %s does not take; it takes %s'
                                  % (info.describe(), ' or '.join(digest_type_text(t) for t in digest_types)))
        raise


def _request(rmod, info, name, field, specs):
    if rmod.module.params['state'] == 'absent':
        if not specs:
            raise ValidationError(field + '.records', specs, 'lists no DS record to remove; to remove every DS of the '
                                                             'domain use state=present, exclusive=true and records: []')
        return Request(name, field, matchers=[removal_matcher(name, spec, '%s.records[%d]' % (field, index))
                                              for index, spec in enumerate(specs)])
    limits, wanted, fields = info.limits, [], {}
    for index, spec in enumerate(specs):
        record_field = '%s.records[%d]' % (field, index)
        ds, dnskey, warnings = _wanted_ds(info, name, spec, record_field)
        for warning in warnings:
            rmod.module.warn('%s (domain %s)' % (warning, name))
        record = DSRecord(dnskey=dnskey, **ds)
        if limits.ds_input == DS_INPUT_DNSKEY and dnskey is None:
            raise ValidationError(record_field, record.text(), 'is a DS without its key; %s takes the DNSKEY and computes '
                                                               'the DS itself: give flags, algorithm and public_key'
                                  % info.describe())
        same = [other for other in wanted if other == record]
        if same:
            if same[0].dnskey is None:
                same[0].dnskey = dnskey
            continue
        clash = [other for other in wanted if other.key_tag == record.key_tag]
        if clash and limits.ds_one_per_key_tag:
            raise ValidationError(record_field, record.text(), 'has key tag %d, like %s; %s keeps one DS per key tag and '
                                                               'domain, so list one of them'
                                  % (record.key_tag, clash[0].text(), info.describe()))
        wanted.append(record)
        fields[record.key()] = record_field
    # More records than the registrar takes for the domain fail here, before any call; with the records it
    # already has (kept unless exclusive) the set is checked again once they are read.
    limits.check_ds_records(name, wanted, '%s.records' % field)
    return Request(name, field, wanted=wanted, fields=fields)


# ---------------------------------------------------------------------------
# Plan: what each domain gets, decided before anything is written
# ---------------------------------------------------------------------------

def plan_domain(rmod, request, current):
    params, info = rmod.module.params, rmod.info
    current = _sorted(current)
    if params['state'] == 'absent':
        gone = [record for record in current if any(m.matches(*record.key()) for m in request.matchers)]
        after = [record for record in current if record not in gone]
        return Plan(request.name, current, after, [Step('remove', record) for record in gone], [])

    exclusive = params['exclusive']
    extra = [record for record in current if record not in request.wanted]
    steps, removals = [], list(extra) if exclusive else []
    for record in _sorted(record for record in request.wanted if record not in current):
        old = next((other for other in extra if other.key_tag == record.key_tag), None)
        if old is None or not info.limits.ds_one_per_key_tag:
            steps.append(Step('add', record))
        elif exclusive:
            steps.append(Step('replace', record, old))
            removals.remove(old)
        else:
            raise _in_domain(ValidationError(
                request.field_of(record), record.text(),
                'has key tag %d, and the registry has DS %s for that tag; %s keeps one DS per key tag, so publishing it '
                'replaces that one: set exclusive=true to replace it' % (record.key_tag, old.text(), info.describe())),
                request.name)
    steps.extend(Step('remove', record) for record in removals)
    after = _sorted(list(request.wanted) + ([] if exclusive else extra))
    try:
        info.limits.check_ds_records(request.name, after, '%s.records' % request.field)
    except ValidationError as exc:
        raise _in_domain(exc, request.name)
    return Plan(request.name, current, after, steps, [] if exclusive else extra)


# ---------------------------------------------------------------------------
# Writes: in rounds, a domain's next write after its previous task has finished
# ---------------------------------------------------------------------------

def send(rmod, domain, step):
    registrar = rmod.registrar
    sent = step.as_dict(domain)
    del sent['task_id']
    summary = '%s of DS %s %s %s' % ({'add': 'the addition', 'remove': 'the removal', 'replace': 'the replacement'}[step.action],
                                     step.record.text(), 'to' if step.action == 'add' else 'of', domain)
    if step.action == 'add':
        return rmod.write(sent, summary, registrar.add_ds, domain, step.record)
    if step.action == 'remove':
        return rmod.write(sent, summary, registrar.remove_ds, domain, step.record)
    return rmod.write(sent, summary, registrar.replace_ds, domain, step.old, step.record)


def execute(rmod, plans):
    """Send every plan's steps: round N sends each domain's Nth write. The registry takes one change per
    domain at a time, and an old DS goes only once the new one is in: so every round but the last is
    waited for (the last only with wait=true), and a failed task stops the run before the next round."""
    params, registrar = rmod.module.params, rmod.registrar
    deadline = registrar.clock() + params['wait_timeout']
    rounds = max([len(plan.steps) for plan in plans] or [0])
    done = []
    for number in range(rounds):
        task_ids = []
        for plan in plans:
            if number >= len(plan.steps):
                continue
            step = plan.steps[number]
            try:
                step.task_id = send(rmod, plan.name, step)
            except RegistrarError as exc:
                explain_ds_race(rmod.info, exc)
                raise
            done.append(step.as_dict(plan.name))
            rmod.wrote([step.task_id], changes=list(done))
            task_ids.append(step.task_id)
        task_ids = [task_id for task_id in task_ids if task_id]
        if task_ids and (number < rounds - 1 or params['wait']):
            try:
                registrar.wait_tasks(task_ids, max(deadline - registrar.clock(), 0))
            except TaskFailed as exc:
                explain_ds_race(rmod.info, exc)
                raise


# ---------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------

def _by_domain(plans, attribute, only_changed=False, as_text=False):
    return dict((plan.name, [record.text() if as_text else record.as_dict() for record in getattr(plan, attribute)])
                for plan in plans if plan.steps or not only_changed)


def manage(rmod):
    module = rmod.module
    rmod.require(DS_RECORDS)
    requests = validate_input(rmod)

    registrar = rmod.registrar
    names = [request.name for request in requests]
    found = dict(zip(names, run_concurrently(registrar.list_ds, names, registrar.max_workers)))
    missing = [name for name in names if found[name] is None]
    if missing:
        raise ValidationError('domains', ', '.join(missing), 'is not a domain of this registrar account; nothing was changed')
    plans = [plan_domain(rmod, request, found[request.name]) for request in requests]

    if not module.check_mode:
        execute(rmod, plans)

    changed = [plan for plan in plans if plan.steps]
    result = dict(
        changed=bool(changed),
        changed_domains=[plan.name for plan in changed],
        changes=[step.as_dict(plan.name) for plan in plans for step in plan.steps],
        before=_by_domain(plans, 'before'),
        after=_by_domain(plans, 'after'),
        unlisted=dict((plan.name, [record.as_dict() for record in plan.unlisted]) for plan in plans if plan.unlisted),
        task_ids=list(rmod.task_ids),
    )
    if module._diff:
        result['diff'] = {'before': _by_domain(plans, 'before', True, True),
                          'after': _by_domain(plans, 'after', True, True)}
    return result


def main():
    argument_spec = dict(
        domains=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            records=dict(type='list', elements='dict', options=RECORD_OPTIONS),
        )),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        exclusive=dict(type='bool', default=False),
    )
    argument_spec.update(registrar_argument_spec())
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    rmod = RegistrarModule(module)
    rmod.run(lambda: manage(rmod))


if __name__ == '__main__':
    main()
