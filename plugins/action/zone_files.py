# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin for zone_files: reads shipped zone files on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.dnsops.nameservers.plugins.plugin_utils._plain import plain_without_templates


# "{{ nameserver_zones }}": an option that names one variable and nothing else.
_BARE_VARIABLE = re.compile(r'^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$')


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    @classmethod
    def finalize_task_arg(cls, name, value, templar, context):
        """``zones: "{{ nameserver_zones }}"`` is taken as the variable holds it when no zone holds a template:
        templating thousands of zones element by element costs about a millisecond per zone, for the same
        result. Anything else is templated as usual (also where ansible-core does not call this hook)."""
        if name == 'zones' and isinstance(value, str):
            match = _BARE_VARIABLE.match(value.strip())
            variables = getattr(templar, 'available_variables', None) or {}
            raw = variables.get(match.group(1)) if match else None
            plain = plain_without_templates(raw) if isinstance(raw, list) else None
            if plain is not None:
                return plain
        return super(ActionModule, cls).finalize_task_arg(name, value, templar, context)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        zones = []
        for zone in args.get('zones') or []:
            if isinstance(zone, dict) and zone.get('file') and zone.get('content') is None \
                    and zone.get('state', 'present') != 'absent':
                zone = dict(zone)
                try:
                    path = self._find_needle('files', zone['file'])
                    with open(path, 'rb') as handle:
                        zone['content'] = to_text(handle.read(), errors='surrogate_or_strict')
                except (AnsibleError, IOError, OSError) as exc:
                    result.update(failed=True, msg='zone %s: cannot read file %s: %s' % (zone.get('name'), zone['file'], to_text(exc)))
                    return result
                del zone['file']
            zones.append(zone)
        args['zones'] = zones
        result.update(self._execute_module(module_name='dnsops.nameservers.zone_files', module_args=args, task_vars=task_vars))
        return result
