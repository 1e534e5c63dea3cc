# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin domain_ds: with wait=true, shows a line per round while it waits for the registry's tasks
(plugin_utils._registry_wait); the result is the module's own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.plugin_utils._registry_wait import RegistryWaitAction
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import explain_ds_race


class ActionModule(RegistryWaitAction):

    MODULE = 'dnsops.nameservers.domain_ds'
    # The module's wait_timeout covers the waits between its rounds and the last one.
    DEADLINE_FROM_START = True

    def explain(self, exc, answer, args):
        info = self.provider(args)
        if info is not None:
            explain_ds_race(info, exc)

    @staticmethod
    def task_ids(answer):
        """The tasks of the module's last round (each domain's last change, in the round all domains reach):
        the module waited for the earlier rounds itself, as it must before a domain's next write."""
        steps = {}
        for change in answer.get('changes') or []:
            steps.setdefault(change['domain'], []).append(change.get('task_id'))
        rounds = max([len(ids) for ids in steps.values()] or [0])
        return [ids[rounds - 1] for ids in steps.values() if len(ids) == rounds and ids[rounds - 1]]
