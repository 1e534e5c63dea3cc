#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: registry_task_info
short_description: Read how registry tasks stand (Alibaba Cloud task numbers, Route 53 Domains operations)
version_added: 0.1.0
description:
  - Reads, once, the state of registry tasks that M(dnsops.nameservers.glue_host),
    M(dnsops.nameservers.domain_nameservers) or M(dnsops.nameservers.domain_ds) returned in C(task_ids), for
    example after they ran with O(dnsops.nameservers.glue_host#module:wait=false).
  - Makes no change and does not wait. Those modules' action plugins run it once per round while they wait, to show
    what is still pending.
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dnsops.nameservers.registrar
  - dnsops.nameservers.alicloud
  - dnsops.nameservers.route53domains
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
  task_ids:
    description:
      - The tasks to read (the registry's ids, as the modules return them). Repeats are read once.
    type: list
    elements: str
    required: true
seealso:
  - module: dnsops.nameservers.glue_host
  - module: dnsops.nameservers.domain_nameservers
  - module: dnsops.nameservers.domain_ds
'''

EXAMPLES = r'''
- name: Delegate many domains without waiting
  dnsops.nameservers.domain_nameservers:
    domains: "{{ customer_domains }}"
    nameservers: [ns1.example.com, ns2.example.com]
    wait: false
  register: delegation

- name: Later, how do their tasks stand?
  dnsops.nameservers.registry_task_info:
    task_ids: "{{ delegation.task_ids }}"
  register: tasks

- name: Show the tasks still pending
  ansible.builtin.debug:
    msg: "{{ tasks.pending }}"
'''

RETURN = r'''
tasks:
  description: One entry per task, in the order asked.
  returned: success
  type: list
  elements: dict
  contains:
    task_id:
      description: The registry task.
      type: str
      sample: d7a5c3e2-1
    status:
      description: V(success), V(failure) or V(unfinished) (a task with any domain not finished yet).
      type: str
      sample: unfinished
    details:
      description: Per domain, the registry's status and error text.
      type: list
      elements: dict
      sample: [{"domain": "example.com", "status": "EXECUTING", "error": null}]
    text:
      description: What failed, or which domains are still pending and in which state; empty for a success.
      type: str
      sample: "still pending: example.com (EXECUTING)"
pending:
  description: The tasks not finished yet.
  returned: success
  type: list
  elements: str
  sample: [d7a5c3e2-1]
task_noun:
  description: What the registrar calls a task, for messages.
  returned: success
  type: str
  sample: registry task
registrar_calls:
  description: How many registrar API calls the module made.
  returned: always
  type: dict
  sample: {"read": 2, "write": 0}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import TaskWait
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import (
    RegistrarModule,
    registrar_argument_spec,
)


def read(rmod):
    task_ids = [task_id.strip() for task_id in rmod.module.params['task_ids']]
    empty = [str(number) for number, task_id in enumerate(task_ids) if not task_id]
    if empty:
        raise ValidationError('task_ids', '', 'is empty at position %s; give the ids the modules returned in task_ids'
                              % ', '.join(empty))
    wait = TaskWait(task_ids)
    states = rmod.registrar.task_states(wait.order)
    wait.update(states)
    return dict(changed=False, tasks=states, pending=list(wait.pending), task_noun=rmod.info.task_noun)


def main():
    argument_spec = dict(task_ids=dict(type='list', elements='str', required=True))
    argument_spec.update(registrar_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    rmod = RegistrarModule(module)
    rmod.run(lambda: read(rmod))


if __name__ == '__main__':
    main()
