#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: domain_nameservers
short_description: Delegate domains to a set of name servers at the registrar
version_added: 0.1.0
description:
  - Sets the name servers (the delegation) of one or many registered domains.
  - Reads every domain's current name servers (concurrently, as the registrar has no bulk read),
    compares them as sets of normalised names, and changes only the domains that differ, in as few
    write calls as the registrar allows (Alibaba Cloud takes up to 1,000 domains in one call).
  - All domains and name servers are validated, and all domains read, before anything is written; a
    domain that is not in the account fails the task with nothing changed.
  - A name server inside a domain of the account (the nearest enclosing one) must be a glue host of that
    domain, or the registry would fail the delegation; one that is not fails the task with nothing changed
    (in check mode, a warning, since M(dnsops.nameservers.glue_host) may create it first).
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dnsops.nameservers.registrar
  - dnsops.nameservers.alicloud
  - dnsops.nameservers.registrar.wait
  - dnsops.nameservers.registrar.attributes
attributes:
  platform:
    platforms: posix
  check_mode:
    support: full
    details: Reads the registry and predicts C(changed) and RV(changed_domains); writes nothing.
  diff_mode:
    support: full
    details: Shows, per domain that changes, its name servers before and after.
options:
  domains:
    description:
      - The registered domains to delegate.
    type: list
    elements: str
    required: true
    aliases: [domain]
  nameservers:
    description:
      - The name servers every domain in O(domains) should be delegated to, 2 to 13 host names.
      - Name servers inside one of your domains need a glue host first (M(dnsops.nameservers.glue_host)), and
        its registry task must have finished.
      - The order is kept as given, but a domain whose name servers differ only in order is not changed.
    type: list
    elements: str
    required: true
  allow_single:
    description:
      - Allow a delegation to a single name server. A single server is a single point of failure, and
        many registries refuse it; without this option fewer than two name servers is an error.
    type: bool
    default: false
notes:
  - A new delegation takes minutes inside Alibaba Cloud and up to 48 hours to be seen worldwide. Point a
    domain only at servers that already answer for it (the playbook C(dnsops.nameservers.deploy) keeps
    that order).
seealso:
  - module: dnsops.nameservers.glue_host
  - module: dnsops.nameservers.glue_host_info
'''

EXAMPLES = r'''
- name: Delegate the customer domains to our own name servers
  dnsops.nameservers.domain_nameservers:
    domains:
      - customer-one.com
      - customer-two.net
    nameservers:
      - ns1.example.com
      - ns2.example.com

- name: Preview which domains would change
  dnsops.nameservers.domain_nameservers:
    domains: "{{ customer_domains }}"
    nameservers: [ns1.example.com, ns2.example.com]
  check_mode: true
  diff: true
  register: preview
'''

RETURN = r'''
changed_domains:
  description: The domains whose name servers were (or in check mode would be) changed.
  returned: success
  type: list
  elements: str
  sample: [customer-two.net]
nameservers:
  description: The normalised name servers the domains are delegated to.
  returned: success
  type: list
  elements: str
  sample: [ns1.example.com, ns2.example.com]
before:
  description: The name servers of every changed domain before the module ran.
  returned: success
  type: dict
  sample: {"customer-two.net": ["dns1.hichina.com", "dns2.hichina.com"]}
task_ids:
  description:
    - The registry tasks that carry the change, one per batch of up to 1,000 domains.
    - Also returned when the module fails after the registry accepted some of the change (a task failed,
      O(wait_timeout) passed, or a later batch was refused); the failure then reports C(changed=true).
  returned: success, and on a failure after the registry accepted a change
  type: list
  elements: str
  sample: [e9b8e8b4-7334-4548-9cec-c30b6891f292]
sent:
  description:
    - The delegation that was sent when no answer says whether the registry took it (the connection dropped or
      timed out after sending, or the answer was a gateway's error page or not readable), with
      C(action=delegate), the C(domains) of that write and the C(nameservers). The failure then reports C(changed=true); the write
      is not sent again, and a rerun reads the registry and converges.
  returned: when the module fails after sending a write whose outcome is unknown
  type: dict
  sample: {"action": "delegate", "domains": ["customer-two.net"], "nameservers": ["ns1.example.com", "ns2.example.com"]}
tasks:
  description:
    - How every registry task of the batch ended, when waiting found a failed or unfinished task; all
      tasks are waited for before the module fails, and the message lists every failure.
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
      description: Per domain, the registry's status and error text.
      type: list
      elements: dict
      sample: [{"domain": "customer-two.net", "status": "EXECUTE_FAILURE", "error": "domain has an update-prohibition lock"}]
registrar_calls:
  description: How many registrar API calls the module made, split into reads and writes.
  returned: always
  type: dict
  sample: {"read": 2, "write": 1}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import (
    ValidationError,
    normalize_domain,
    normalize_nameservers,
    same_nameservers,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import DELEGATION, run_concurrently
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    RegistrarModule,
    registrar_argument_spec,
    wait_argument_spec,
)


def _some(names, limit=5):
    """``a, b, c`` or ``a, b, c, d, e and 95 more``."""
    if len(names) <= limit:
        return ', '.join(names)
    return '%s and %d more' % (', '.join(names[:limit]), len(names) - limit)


def validate_input(params, limits):
    domains = []
    for value in params['domains']:
        name = normalize_domain(value, field='domains')
        if name not in domains:
            domains.append(name)
    if not domains:
        raise ValidationError('domains', params['domains'], 'must name at least one domain')
    nameservers = normalize_nameservers(params['nameservers'], allow_single=params['allow_single'], field='nameservers',
                                        max_nameservers=limits.max_nameservers)
    return domains, nameservers


def enclosing_names(name):
    """The names ``name`` lies in that could be registered domains, nearest first (two labels or more)."""
    labels = name.split('.')
    return ['.'.join(labels[index:]) for index in range(1, len(labels) - 1)]


def check_glue(rmod, nameservers, known):
    """Every name server inside a domain of the account (the nearest enclosing one) must be a glue host
    of that domain, or the registry fails the delegation. ``known``: domains already read (name -> Domain
    or None). Raises ValidationError; in check mode it warns, as glue_host may create the host first."""
    registrar = rmod.registrar
    candidates = dict((server, enclosing_names(server)) for server in nameservers)
    unread = sorted(set(sum(candidates.values(), [])) - set(known))
    found = dict(known)
    found.update(registrar.get_domains(unread))
    owners = {}
    for server in nameservers:
        owner = next((name for name in candidates[server] if found.get(name) is not None), None)
        if owner is not None:
            owners.setdefault(owner, []).append(server)
    owner_names = sorted(owners)
    hosts = run_concurrently(lambda owner: registrar.list_hosts(found[owner]), owner_names, registrar.max_workers)
    missing = []
    for owner, glue in zip(owner_names, hosts):
        glued = set(host.name for host in glue)
        missing.extend((server, owner) for server in owners[owner] if server not in glued)
    if not missing:
        return
    missing.sort(key=lambda item: nameservers.index(item[0]))
    where = ', '.join('%s in %s' % item for item in missing)
    if rmod.module.check_mode:
        rmod.module.warn('nameservers: no glue host yet for %s (a domain of this registrar account); a real run '
                         'fails here unless dnsops.nameservers.glue_host creates it first' % where)
        return
    servers = [server for server, dummy in missing]
    raise ValidationError('nameservers', servers[0] if len(servers) == 1 else servers,
                          '%s inside a domain of this registrar account without being a glue host of it (%s), so '
                          'the registry would fail the delegation; create %s first with dnsops.nameservers.glue_host '
                          'and let its task finish (wait: true); nothing was changed'
                          % ('is' if len(servers) == 1 else 'are', where, 'it' if len(servers) == 1 else 'them'))


def manage(rmod):
    module = rmod.module
    rmod.require(DELEGATION)
    domains, nameservers = validate_input(module.params, rmod.info.limits)

    registrar = rmod.registrar
    current = registrar.get_domains(domains)
    missing = [name for name in domains if current.get(name) is None]
    if missing:
        raise ValidationError('domains', ', '.join(missing), 'is not a domain of this registrar account; nothing was changed')

    differ = [name for name in domains if not same_nameservers(current[name].nameservers or [], nameservers)]
    before = dict((name, list(current[name].nameservers or [])) for name in differ)

    if differ:
        check_glue(rmod, nameservers, current)

    task_ids = []
    if differ and not module.check_mode:
        sent = {'action': 'delegate', 'domains': differ, 'nameservers': nameservers}
        summary = 'the delegation of %s to %s' % (_some(differ), ', '.join(nameservers))
        task_ids = rmod.write(sent, summary, registrar.set_nameservers, differ, nameservers)
        rmod.wait_for(task_ids)

    result = dict(
        changed=bool(differ),
        changed_domains=differ,
        nameservers=nameservers,
        before=before,
        task_ids=task_ids,
    )
    if module._diff:
        result['diff'] = {
            'before': before,
            'after': dict((name, nameservers) for name in differ),
        }
    return result


def main():
    argument_spec = dict(
        domains=dict(type='list', elements='str', required=True, aliases=['domain']),
        nameservers=dict(type='list', elements='str', required=True),
        allow_single=dict(type='bool', default=False),
    )
    argument_spec.update(registrar_argument_spec())
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    rmod = RegistrarModule(module)
    rmod.run(lambda: manage(rmod))


if __name__ == '__main__':
    main()
