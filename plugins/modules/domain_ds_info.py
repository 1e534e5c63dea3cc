#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: domain_ds_info
short_description: Read the DS records (DNSSEC delegation signers) of domains at the registrar
version_added: 0.1.0
description:
  - Returns the DS records the registrar has for one or several registered domains, which the registry
    publishes in the parent zone once its tasks have finished (M(dnsops.nameservers.delegation_check) asks
    the parent zone itself).
  - Makes no change. Domains are read concurrently (O(max_workers)).
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dnsops.nameservers.registrar
  - dnsops.nameservers.alicloud
  - dnsops.nameservers.registrar.attributes
attributes:
  platform:
    platforms: posix
  check_mode:
    support: full
    details: This module never changes anything.
  diff_mode:
    support: N/A
    details: This module never changes anything.
options:
  domains:
    description:
      - The registered domains to read. When omitted, every domain of the account is read.
    type: list
    elements: str
    aliases: [domain]
  ignore_missing:
    description:
      - Leave out the names of O(domains) that are not domains of the account, and list them in RV(missing),
        instead of failing.
    type: bool
    default: false
seealso:
  - module: dnsops.nameservers.domain_ds
  - module: dnsops.nameservers.delegation_check
'''

EXAMPLES = r'''
- name: Read the DS records of example.com
  dnsops.nameservers.domain_ds_info:
    domain: example.com
  register: ds

- name: Is any DS registered for a zone that is about to go unsigned?
  ansible.builtin.assert:
    that: ds.domains[0].ds | length == 0
    fail_msg: "remove the DS first: {{ ds.domains[0].ds }}"
'''

RETURN = r'''
domains:
  description: One entry per domain, in the order asked (or the account's order).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The domain, lower case, punycode.
      type: str
      sample: example.com
    ds:
      description: Its DS records, sorted by key tag, algorithm, digest type and digest; the digest in lower-case hex.
      type: list
      elements: dict
      sample: [{"key_tag": 2371, "algorithm": 13, "digest_type": 2, "digest": "1f987cc6583e92df0890718c42b7a6e6e93a40e7e5a2c9fb3dbea6d6c0e7e5c6"}]
missing:
  description: The names of O(domains) that are not domains of the account (only with O(ignore_missing=true)).
  returned: success
  type: list
  elements: str
  sample: [not-registered-here.org]
registrar_calls:
  description: How many registrar API calls the module made.
  returned: always
  type: dict
  sample: {"read": 2, "write": 0}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError, normalize_domain
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import DS_RECORDS, run_concurrently
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    RegistrarModule,
    registrar_argument_spec,
)


def read(rmod):
    rmod.require(DS_RECORDS)
    registrar = rmod.registrar
    wanted = rmod.module.params['domains']
    if wanted:
        names = []
        for value in wanted:
            name = normalize_domain(value, field='domains')
            if name not in names:
                names.append(name)
    else:
        names = [d.name for d in registrar.list_domains()]

    records = run_concurrently(registrar.list_ds, names, registrar.max_workers)
    missing = [name for name, found in zip(names, records) if found is None]
    if missing and not rmod.module.params['ignore_missing']:
        raise ValidationError('domains', ', '.join(missing), 'is not a domain of this registrar account')
    domains = [{'name': name, 'ds': [record.as_dict() for record in sorted(found, key=lambda record: record.key())]}
               for name, found in zip(names, records) if found is not None]
    return dict(changed=False, domains=domains, missing=missing)


def main():
    argument_spec = dict(
        domains=dict(type='list', elements='str', aliases=['domain']),
        ignore_missing=dict(type='bool', default=False),
    )
    argument_spec.update(registrar_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    rmod = RegistrarModule(module)
    rmod.run(lambda: read(rmod))


if __name__ == '__main__':
    main()
