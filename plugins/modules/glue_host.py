#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: glue_host
short_description: Manage a glue host (custom DNS host) at the registrar
version_added: 0.1.0
description:
  - Creates, changes or deletes one glue host, the registry's record of a name server under your own
    domain (C(ns1.example.com)) and its IPv4/IPv6 addresses. Alibaba Cloud calls these I(custom DNS hosts).
  - With O(registrar=route53domains) (Amazon Route 53 Domains, which has no host objects) the glue host is
    the C(GlueIps) of that name server in the parent domain's own name-server list. Creating it adds the
    host to that list, so the parent domain is then delegated to it as well; changing it rewrites that one
    entry; deleting it drops it from the list. The other entries, their order and their glue stay as they
    are. The parent naming the host does not count as a use of it (O(force)).
  - Reads the domain's hosts once, compares names and addresses in normalised form, and writes only
    when they differ. The address list is replaced as a whole, so the order and notation of O(ips)
    never cause a write.
  - Every input is validated before any call that writes; a bad input fails with a message naming the
    option, the value and the rule, and nothing reaches the registrar.
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
    details: Reads the registry and predicts C(changed); writes nothing.
  diff_mode:
    support: full
    details: Shows the host's addresses before and after.
options:
  name:
    description:
      - Full name of the glue host, for example C(ns1.example.com). Case and a trailing dot are ignored;
        internationalised names are converted to punycode.
      - Labels of at most 63 characters, and the registrar's own limit on the whole name (80 characters with
        Alibaba Cloud, 255 with Route 53 Domains).
    type: str
    required: true
  ips:
    description:
      - The host's addresses, IPv4 and IPv6, 1 to 13 (Route 53 Domains, one IPv4 and one IPv6). Required when
        O(state=present).
      - Loopback, unspecified, multicast, link-local and reserved addresses are refused; private and
        documentation addresses are accepted with a warning.
    type: list
    elements: str
  domain:
    description:
      - The registered domain the host lives under, for example C(example.com).
      - When omitted, the account's domain that is the longest suffix of O(name) is used.
    type: str
  state:
    description:
      - V(present) creates the host or sets its addresses; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Delete the host even when domains in the account still use it as a name server (with Route 53
        Domains, domains other than its parent).
      - Without it, such a deletion is refused and the domains are named, because deleting the host
        would break their delegation.
    type: bool
    default: false
notes:
  - Glue changes take minutes to reach the registry and up to 48 hours to propagate worldwide.
  - Renaming a host is a delete plus a create; do it only after no domain names the old host.
  - When the registry refuses a change because another change to the same domain is in progress, or says
    that a host this run did not find already exists, the failure says that another change is in progress;
    run again once it has finished.
seealso:
  - module: dnsops.nameservers.glue_host_info
  - module: dnsops.nameservers.domain_nameservers
'''

EXAMPLES = r'''
- name: Register ns1.example.com with an IPv4 and an IPv6 address
  dnsops.nameservers.glue_host:
    name: ns1.example.com
    ips:
      - 203.0.113.10
      - 2001:db8::10

- name: Credentials once for every registrar module of the play
  module_defaults:
    group/dnsops.nameservers.registrar:
      site: international
      access_key_id: "{{ vault_alicloud_key_id }}"
      access_key_secret: "{{ vault_alicloud_key_secret }}"
  block:
    - name: Move ns2 to its new address
      dnsops.nameservers.glue_host:
        name: ns2.example.com
        domain: example.com
        ips: [198.51.100.20]

- name: Delete an unused glue host without waiting for the registry
  dnsops.nameservers.glue_host:
    name: ns9.example.com
    state: absent
    wait: false

- name: Glue at Amazon Route 53 Domains (credentials from AWS_* variables, a profile or an instance role)
  dnsops.nameservers.glue_host:
    registrar: route53domains
    name: ns1.example.com
    ips:
      - 203.0.113.10
      - 2001:db8::10

- name: Route 53 Domains with a named AWS profile
  dnsops.nameservers.glue_host:
    registrar: route53domains
    aws_profile: registrar
    name: ns2.example.com
    ips: [198.51.100.20]
'''

RETURN = r'''
before:
  description: The host as the registry had it before the module ran; empty when it did not exist.
  returned: always
  type: dict
  sample: {"name": "ns1.example.com", "ips": ["203.0.113.9"]}
after:
  description: The host as it is (or, in check mode, would be) after the module ran; empty when deleted.
  returned: always
  type: dict
  sample: {"name": "ns1.example.com", "ips": ["203.0.113.10", "2001:db8::10"]}
domain:
  description:
    - The registered domain the host lives under, C(name), and what the registrar knows of it besides
      (Alibaba Cloud, O(registrar=alicloud), its C(instance_id)).
  returned: success
  type: dict
  sample: {"name": "example.com", "instance_id": "S20261234567890"}
task_id:
  description:
    - The registry task that carries the change; null when nothing was written.
    - Also returned when the module fails after the registry accepted the change (the task failed or
      O(wait_timeout) passed); the failure then reports C(changed=true).
  returned: always
  type: str
  sample: e9b8e8b4-7334-4548-9cec-c30b6891f292
host:
  description: The glue host the failed or unfinished task was about.
  returned: when the module fails after the registry accepted a change
  type: str
  sample: ns1.example.com
task_ids:
  description: The registry tasks written before the module failed (here at most one).
  returned: when the module fails after the registry accepted a change
  type: list
  elements: str
  sample: [e9b8e8b4-7334-4548-9cec-c30b6891f292]
sent:
  description:
    - The change that was sent when no answer says whether the registry took it (the connection dropped or
      timed out after sending, or the answer was a gateway's error page or not readable). The failure then
      reports C(changed=true); the write is not sent again, and a rerun reads the registry and converges.
    - C(action) is V(create), V(modify) or V(delete).
  returned: when the module fails after sending a write whose outcome is unknown
  type: dict
  sample: {"action": "create", "host": "ns1.example.com", "domain": "example.com", "ips": ["203.0.113.10"]}
tasks:
  description:
    - How every registry task ended, when waiting found a failed or unfinished task.
    - C(ignore_errors) or C(failed_when) lets a play read it.
  returned: when a registry task failed or did not finish within O(wait_timeout)
  type: list
  elements: dict
  contains:
    task_id:
      description: The registry task.
      type: str
    status:
      description: V(success), V(failure) (at least one domain failed) or V(unfinished).
      type: str
    details:
      description:
        - Per domain, the registry's status and error text. Route 53 Domains reports one domain per operation,
          with its status (C(SUCCESSFUL), C(FAILED), C(ERROR), C(IN_PROGRESS) or C(SUBMITTED)).
      type: list
      elements: dict
      sample: [{"domain": "example.com", "status": "EXECUTE_FAILURE", "error": "domain has an update-prohibition lock"}]
registrar_calls:
  description: How many registrar API calls the module made, split into reads and writes.
  returned: always
  type: dict
  sample: {"read": 2, "write": 0}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import (
    ValidationError,
    check_host_in_domain,
    find_registered_domain,
    normalize_domain,
    normalize_host_name,
    normalize_ips,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import GLUE_HOSTS, RegistrarError
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    RegistrarModule,
    explain_glue_race,
    registrar_argument_spec,
    wait_argument_spec,
)


def validate_input(rmod):
    """Everything that can be checked without the registrar; raises ValidationError."""
    module, limits = rmod.module, rmod.info.limits
    params = module.params
    name = normalize_host_name(params['name'], field='name')
    limits.check_host_name(name, params['name'], field='name')
    domain = None
    if params['domain'] is not None:
        domain = normalize_domain(params['domain'], field='domain')
        check_host_in_domain(name, domain, field='name')
    ips = None
    if params['state'] == 'present':
        if domain is not None:
            # The registrar's rules that need no registry state; the host count is checked later.
            limits.check_new_host(domain, name, [], field='name')
        ips, warnings = normalize_ips(params['ips'], field='ips', max_ips=limits.max_ips_per_host,
                                      limit_owner=limits.owner)
        limits.check_ips(ips, field='ips')
        for warning in warnings:
            module.warn(warning)
    return name, domain, ips


def find_domain(registrar, name, domain_name):
    """The Domain the host lives under (one read when the user named it)."""
    if domain_name is not None:
        domain = registrar.get_domain(domain_name)
        if domain is None:
            raise ValidationError('domain', domain_name, 'is not a domain of this registrar account')
        return domain
    domains = registrar.list_domains()
    match = find_registered_domain(name, [d.name for d in domains])
    if match is None:
        raise ValidationError('name', name, 'is not under any domain of this registrar account; '
                                            'set domain to the registered domain it belongs to')
    return [d for d in domains if d.name == match][0]


def domains_using(registrar, host_name, parent=None):
    """Names of the account's domains that delegate to ``host_name`` (other than ``parent``, when given)."""
    names = [d.name for d in registrar.list_domains() if d.name != parent]
    found = registrar.get_domains(names)
    return sorted(name for name, domain in found.items()
                  if domain is not None and host_name in (domain.nameservers or []))


def write(rmod, action, domain, name, ips):
    """Send the change (and wait for it when asked to); its task id.

    A create that the registry refuses because the host already exists, although this run read the
    domain's hosts just before and did not find it, lost a race: another change is in progress.
    """
    registrar = rmod.registrar
    sent = {'action': action, 'host': name, 'domain': domain.name, 'ips': list(ips)}
    summary = '%s glue host %s (%s) under %s' % (action, name, ', '.join(ips), domain.name)
    func = {'create': registrar.create_host, 'modify': registrar.modify_host, 'delete': registrar.delete_host}[action]
    try:
        task_id = rmod.write(sent, summary, func, domain, name, ips)
        rmod.wait_for([task_id], task_id=task_id, host=name)
    except RegistrarError as exc:
        if action == 'create':
            explain_glue_race(rmod.info, exc, name, domain.name)
        raise
    return task_id


def manage(rmod):
    module = rmod.module
    params = module.params
    rmod.require(GLUE_HOSTS)
    name, domain_name, ips = validate_input(rmod)

    registrar = rmod.registrar
    domain = find_domain(registrar, name, domain_name)
    hosts = registrar.list_hosts(domain)
    current = next((h for h in hosts if h.name == name), None)
    before = current.as_dict() if current else {}

    action, after = None, before
    if params['state'] == 'present':
        after = {'name': name, 'ips': ips}
        if current is None:
            rmod.info.limits.check_new_host(domain.name, name, [h.name for h in hosts], field='name')
            action = 'create'
        elif sorted(current.ips) != sorted(ips):
            action = 'modify'
        if action is not None:
            registrar.check_host_change(domain, name, ips)
    elif current is not None:
        after = {}
        registrar.check_host_change(domain, name, None)
        if not params['force']:
            # Without host objects the parent's own list holds the glue: only other domains use it.
            parent = domain.name if rmod.info.glue_in_parent_delegation else None
            users = domains_using(registrar, name, parent)
            if users:
                raise ValidationError('name', name, 'is still a name server of %s; point those domains elsewhere '
                                                    'first, or set force=true to delete it anyway' % ', '.join(users))
        action = 'delete'
        ips = current.ips

    task_id = None
    if action is not None and not module.check_mode:
        task_id = write(rmod, action, domain, name, ips)

    result = dict(
        changed=action is not None,
        before=before,
        after=after,
        domain=domain.summary(),
        task_id=task_id,
    )
    if module._diff:
        result['diff'] = {'before': before, 'after': after,
                          'before_header': name, 'after_header': name}
    return result


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        ips=dict(type='list', elements='str'),
        domain=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        force=dict(type='bool', default=False),
    )
    argument_spec.update(registrar_argument_spec())
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[('state', 'present', ['ips'])],
        supports_check_mode=True,
    )
    rmod = RegistrarModule(module)
    rmod.run(lambda: manage(rmod))


if __name__ == '__main__':
    main()
