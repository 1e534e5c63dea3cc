# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter deploy_summary: the deploy and verify playbooks' summary lines (the logic is _summary.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dnsops.nameservers.plugins.module_utils._summary import summary_lines


def deploy_summary(data):
    if not isinstance(data, dict):
        raise AnsibleFilterError('deploy_summary: expects a dictionary (mode, check_mode, plan, registry, checks, '
                                 'servers), not %s' % type(data).__name__)
    return summary_lines(data)


class FilterModule(object):

    def filters(self):
        return {'deploy_summary': deploy_summary}
