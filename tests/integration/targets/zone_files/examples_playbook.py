# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write WORK/examples.yml: the EXAMPLES of zone_files, as ansible-doc shows them, in a play on the host ns1 (a local connection).

Only what must differ on a test machine is replaced: the zone directories (under WORK), the files' group
(the current user's), rndc and nsd-control (scripts that log their arguments to WORK/reloads.log).
"""

import grp
import json
import os
import subprocess
import sys

import yaml

work = sys.argv[1]
doc = json.loads(subprocess.check_output(['ansible-doc', '--json', 'dnsops.nameservers.zone_files']))
examples = doc['dnsops.nameservers.zone_files']['examples']
text = (examples.replace('/var/lib/bind/dnsops', os.path.join(work, 'bind'))
        .replace('/var/lib/nsd/dnsops', os.path.join(work, 'nsd'))
        .replace('group: bind', 'group: %s' % grp.getgrgid(os.getgid()).gr_name))
for command in ('rndc', 'nsd-control'):
    script = os.path.join(work, command)
    with open(script, 'w') as handle:
        handle.write('#!/bin/sh\necho "%s $*" >> %s/reloads.log\n' % (command, work))
    os.chmod(script, 0o755)
    text = text.replace('argv: [%s,' % command, 'argv: [%s,' % script)
tasks = yaml.safe_load(text)
assert tasks and all(isinstance(task, dict) for task in tasks), text
with open(os.path.join(work, 'examples.yml'), 'w') as handle:
    # The host ns1 is this machine: the Python that runs Ansible runs the module.
    yaml.safe_dump([{'name': 'The EXAMPLES of zone_files', 'hosts': 'ns1', 'gather_facts': False,
                     'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
                     'tasks': tasks}], handle, sort_keys=False)
