#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ds_plan
short_description: Work out which DS records to add or remove at the registrar for signed zones, or why to wait
version_added: 0.1.0
description:
  - The deploy playbook's DNSSEC step. For each zone of O(groups) that the inventory signs (O(dnssec)), or that a
    name server still serves signed or the parent still publishes DS for, asks every address of every published
    name server of the zone for its DNSKEY RRset (with the RRSIGs), CDS and CDNSKEY records, and the parent zone's
    servers for the DS, and compares them with the DS records the registrar has (O(registry)).
  - A DS is added only when every server serves the key it names and that key signs the DNSKEY RRset validly now.
    The DS set wanted is the signer's CDS set (or the DS of its CDNSKEY records), the same on every server. A DS the
    signer no longer wants is removed once the parent publishes every DS wanted (add before remove) and one of them
    names a key that signs the DNSKEY RRset on every server (never the last working DS); a zone going
    unsigned (V(false) in O(dnssec), or a CDS DELETE record) has every DS removed first; a DS that names no key on
    any server is removed. Otherwise the domain waits, and RV(domains[].wait) says why.
  - Makes no change. The registrar writes are M(dnsops.nameservers.domain_ds)'s, from RV(writes).
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only sends DNS queries; in check mode it does not wait.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  groups:
    description:
      - The zones and the published name servers that serve them, as the topology module's C(inventory.groups)
        gives them ([{zones, expected [{name, addresses}]}]).
    type: list
    elements: dict
    required: true
  dnssec:
    description:
      - Whether the inventory signs each zone, by zone name (C(dnssec) of the zone entry, or C(nameserver_dnssec)).
        V(false) makes a zone that is still signed go unsigned (its DS removed first). Zones not listed are left
        alone, and not asked (an inventory without DNSSEC costs no query).
    type: dict
    default: {}
  registered:
    description:
      - Which registrar account holds each domain ([{name, account}]). A zone no account holds gets a line saying
        which DS to set at its registrar by hand (RV(domains[].manual)).
    type: list
    elements: dict
    default: []
  manual_accounts:
    description:
      - Accounts whose registrar takes no DS records through an API; their domains get RV(domains[].manual) too.
    type: list
    elements: str
    default: []
  registry:
    description:
      - The DS records the registrar has, per domain ([{name, ds}], as M(dnsops.nameservers.domain_ds_info) returns
        them). When omitted, only RV(read) is worked out (which domains to read).
    type: list
    elements: dict
  parent_servers:
    description:
      - Addresses of the parent zone's name servers to ask for the DS (C(address) or C(address@port)). When omitted,
        found through the system resolver.
    type: list
    elements: str
    default: []
  port:
    description: The port the zones' name servers answer on.
    type: int
    default: 53
  timeout:
    description: Seconds to wait for one answer.
    type: float
    default: 3
  wait:
    description:
      - Ask again, with backoff, while a domain waits for something that passes by itself (the signer's CDS, a
        zone transfer, the registry publishing), until every domain is settled or has a write to make, or
        O(wait_timeout) passes. Never in check mode.
    type: bool
    default: false
  wait_timeout:
    description: Seconds O(wait) may take; the plan is then returned as it stands.
    type: int
    default: 300
seealso:
  - module: dnsops.nameservers.domain_ds
  - module: dnsops.nameservers.domain_ds_info
  - module: dnsops.nameservers.delegation_check
  - module: dnsops.nameservers.ds_signal
'''

EXAMPLES = r'''
- name: Plan the DS records of the signed zones
  dnsops.nameservers.ds_plan:
    groups: "{{ registrar_inventory.groups }}"
    dnssec: {example.com: true}
    registered: [{name: example.com, account: default}]
    registry: "{{ ds_info.domains }}"
    parent_servers: [198.51.100.2]
  register: ds
'''

RETURN = r'''
domains:
  description: One plan per zone managed (signed, or going unsigned).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The zone.
      type: str
    account:
      description: The registrar account holding it, or null.
      type: str
    wanted:
      description: V(signed) or V(unsigned).
      type: str
    state:
      description: V(secure), V(insecure), V(signing), V(unsigning), V(rollover), V(waiting) or V(manual).
      type: str
    add:
      description: DS records to add now.
      type: list
      elements: dict
    remove:
      description: DS records to remove now.
      type: list
      elements: dict
    target:
      description: The DS set the signer wants (null while unknown).
      type: list
      elements: dict
    registrar:
      description: The DS records at the registrar (null when not read).
      type: list
      elements: dict
    parent:
      description: The DS records the parent publishes (null when unknown).
      type: list
      elements: dict
    wait:
      description: Why the domain waits ([] when it does not).
      type: list
      elements: str
    settled:
      description: Registrar, parent and signer agree; nothing to do.
      type: bool
    manual:
      description: What to set at a registrar without a DS API, or null.
      type: str
read:
  description: The domains whose DS records to read, by account.
  returned: always
  type: dict
  sample: {"alibaba": ["customer-a.com"]}
writes:
  description: The domain_ds calls to make, C(add) then C(remove), each [{account, domains [{name, records}]}].
  returned: always
  type: dict
settled:
  description: Every domain is settled.
  returned: always
  type: bool
rounds:
  description: How many times the servers were asked.
  returned: always
  type: int
queries:
  description: How many DNS queries were sent.
  returned: always
  type: int
'''

import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dnsops.nameservers.plugins.module_utils import _dnscheck
from ansible_collections.dnsops.nameservers.plugins.module_utils._ds_plan import plan_domain
from ansible_collections.dnsops.nameservers.plugins.module_utils._ds_query import DsQuery

ARGUMENT_SPEC = dict(
    groups=dict(type='list', elements='dict', required=True),
    dnssec=dict(type='dict', default={}),
    registered=dict(type='list', elements='dict', default=[]),
    manual_accounts=dict(type='list', elements='str', default=[]),
    registry=dict(type='list', elements='dict'),
    parent_servers=dict(type='list', elements='str', default=[]),
    port=dict(type='int', default=53),
    timeout=dict(type='float', default=3.0),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
)


def _flag(value, zone):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('yes', 'on', '1', 'true'):
        return True
    if text in ('no', 'off', '0', 'false', ''):
        return False
    raise ValueError('dnssec: %s: %r is not a boolean; give true or false' % (zone, value))


def inputs(module):
    params = module.params
    dnssec = {}
    for zone, value in (params['dnssec'] or {}).items():
        dnssec[_dnscheck.normalize_name(zone)] = _flag(value, zone)
    zones = []
    for group in params['groups']:
        servers = [{'name': _dnscheck.normalize_name(e['name']),
                    'addresses': [_dnscheck.normalize_address(a) for a in e.get('addresses') or []]}
                   for e in group.get('expected') or []]
        for zone in group.get('zones') or []:
            if _dnscheck.normalize_name(zone) in dnssec:
                zones.append((_dnscheck.normalize_name(zone), servers))
    accounts = dict((_dnscheck.normalize_name(d['name']), d.get('account')) for d in params['registered'])
    parents = [_dnscheck.parse_server(spec) for spec in params['parent_servers']] or None
    return zones, dnssec, accounts, parents


def make_plan(zones, dnssec, accounts, manual_accounts, registry, seen):
    """The module's result from what was asked (``seen``: zone -> {servers, parent})."""
    have = None if registry is None else dict((_dnscheck.normalize_name(d['name']), d.get('ds') or []) for d in registry)
    domains, read = [], {}
    adds, removes = {}, {}
    for zone, _servers in zones:
        facts = seen[zone]
        wanted = dnssec.get(zone, False)
        account = accounts.get(zone)
        if not wanted and not facts['signed'] and not facts['parent'] and not (have or {}).get(zone):
            continue                     # unsigned, and nothing anywhere says otherwise
        manual = None
        if account is None:
            manual = 'no registrar account of the inventory holds it'
        elif account in manual_accounts:
            manual = 'the registrar of account %s takes no DS through an API' % account
        else:
            read.setdefault(account, []).append(zone)
        registrar = None if have is None or manual else have.get(zone)
        if have is None and not manual:
            continue
        plan = plan_domain(zone, 'signed' if wanted else 'unsigned', facts['servers'], registrar, facts['parent'],
                           manual)
        plan['account'] = account
        domains.append(plan)
        if plan['add']:
            adds.setdefault(account, []).append({'name': zone, 'records': plan['add']})
        if plan['remove']:
            removes.setdefault(account, []).append({'name': zone, 'records': plan['remove']})
    writes = {'add': [{'account': a, 'domains': d} for a, d in sorted(adds.items())],
              'remove': [{'account': a, 'domains': d} for a, d in sorted(removes.items())]}
    return {'domains': domains, 'read': read, 'writes': writes,
            'settled': all(d['settled'] for d in domains)}


def run_module(module, transport=None, clock=time.monotonic, sleep=time.sleep):
    if not _dnscheck.HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib('dnspython'), exception=_dnscheck.DNSPYTHON_IMPORT_ERROR)
    params = module.params
    try:
        zones, dnssec, accounts, parents = inputs(module)
    except (ValueError, KeyError, TypeError) as exc:
        module.fail_json(msg='%s' % exc)
    query = DsQuery(parent_servers=parents, port=params['port'], timeout=params['timeout'], transport=transport)
    wait = params['wait'] and params['registry'] is not None and not module.check_mode
    start, rounds = clock(), 0
    delays = _dnscheck.backoff_delays(initial=2.0, maximum=15.0)
    while True:
        rounds += 1
        try:
            seen = query.ask(zones)
        except Exception as exc:  # pylint: disable=broad-except
            module.fail_json(msg='asking the name servers failed: %s' % exc, exception=traceback.format_exc())
        result = make_plan(zones, dnssec, accounts, params['manual_accounts'], params['registry'], seen)
        busy = [d for d in result['domains'] if not d['settled'] and not d['add'] and not d['remove']]
        if not wait or not busy:
            break
        pause = _dnscheck.next_pause(delays, clock() - start, params['wait_timeout'])
        if pause is None:
            break
        sleep(pause)
    result.update(changed=False, rounds=rounds, queries=query.transport.count)
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == '__main__':
    main()
