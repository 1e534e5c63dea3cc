# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin glue_host: with wait=true, shows a line per round while it waits for the registry's tasks
(plugin_utils._registry_wait); the result is the module's own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.plugin_utils._registry_wait import RegistryWaitAction
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import explain_glue_race


class ActionModule(RegistryWaitAction):

    MODULE = 'dnsops.nameservers.glue_host'

    @staticmethod
    def task_ids(answer):
        return [answer['task_id']] if answer.get('task_id') else []

    def explain(self, exc, answer, args):
        info = self.provider(args)
        if info is not None and not answer.get('before') and answer.get('after'):  # a create
            explain_glue_race(info, exc, answer['after']['name'], answer['domain']['name'])

    def failure_keys(self, answer):
        return {'task_ids': [answer['task_id']], 'host': (answer.get('after') or answer.get('before'))['name']}
