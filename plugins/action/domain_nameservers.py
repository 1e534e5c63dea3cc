# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin domain_nameservers: with wait=true, shows a line per round while it waits for the registry's tasks
(plugin_utils._registry_wait); the result is the module's own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.plugin_utils._registry_wait import RegistryWaitAction


class ActionModule(RegistryWaitAction):

    MODULE = 'dnsops.nameservers.domain_nameservers'
