# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The deploy_summary filter: the summary's lines (tests/unit/plugins/module_utils/test_summary.py), from a dict only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.dnsops.nameservers.plugins.filter.deploy_summary import FilterModule, deploy_summary


def test_the_filter_gives_the_summary_lines():
    assert FilterModule().filters()['deploy_summary'] is deploy_summary
    assert deploy_summary({'mode': 'verify', 'check_mode': True})[0].startswith('dnsops.nameservers verify, CHECK MODE')


def test_the_filter_takes_a_dictionary_only():
    with pytest.raises(AnsibleFilterError, match='expects a dictionary'):
        deploy_summary(['not', 'a', 'dict'])
