# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin for zone_files: reads shipped zone files on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

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
