#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: glue_host_info
short_description: Read the glue hosts and name servers of domains at the registrar
version_added: 0.1.0
description:
  - Returns, for one or several registered domains, its current name servers (its delegation), the glue
    hosts registered under it with their addresses, and what the registrar knows of it besides (Alibaba
    Cloud's instance id).
  - Makes no change. Domains are read concurrently.
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
        instead of failing. Useful to find which of many names are registered in the account.
    type: bool
    default: false
seealso:
  - module: dnsops.nameservers.glue_host
'''

EXAMPLES = r'''
- name: Read the glue hosts of example.com
  dnsops.nameservers.glue_host_info:
    domain: example.com
  register: glue

- name: Which of our zones are registered in this account?
  dnsops.nameservers.glue_host_info:
    domains: [example.com, example.org, customer.net]
    ignore_missing: true
  register: registered

- name: Show the addresses of ns1
  ansible.builtin.debug:
    msg: "{{ (glue.domains[0].hosts | selectattr('name', '==', 'ns1.example.com') | first).ips }}"
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
    instance_id:
      description: Alibaba Cloud's instance id of the domain (only with O(registrar=alicloud)).
      returned: when the registrar is Alibaba Cloud
      type: str
      sample: S20261234567890
    nameservers:
      description: The name servers the domain is delegated to.
      type: list
      elements: str
      sample: [ns1.example.com, ns2.example.com]
    hosts:
      description: The glue hosts registered under the domain.
      type: list
      elements: dict
      sample: [{"name": "ns1.example.com", "ips": ["203.0.113.10", "2001:db8::10"]}]
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
  sample: {"read": 3, "write": 0}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import ValidationError, normalize_domain
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import GLUE_HOSTS, run_concurrently
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    RegistrarModule,
    registrar_argument_spec,
)


def read(rmod):
    rmod.require(GLUE_HOSTS)
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

    found = registrar.get_domains(names)
    missing = [name for name in names if found.get(name) is None]
    if missing and not rmod.module.params['ignore_missing']:
        raise ValidationError('domains', ', '.join(missing), 'is not a domain of this registrar account')

    domains = [found[name] for name in names if found.get(name) is not None]
    hosts = run_concurrently(registrar.list_hosts, domains, registrar.max_workers)
    result = []
    for domain, domain_hosts in zip(domains, hosts):
        entry = domain.as_dict()
        entry['hosts'] = [h.as_dict() for h in sorted(domain_hosts, key=lambda h: h.name)]
        result.append(entry)
    return dict(changed=False, domains=result, missing=missing)


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
