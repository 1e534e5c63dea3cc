# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fakes for testing the registrar modules' logic without AnsibleModule's stdin plumbing.

The modules' ``manage(rmod)`` / ``read(rmod)`` functions take a RegistrarModule; here it wraps
a FakeModule (params, check mode, diff mode; fail_json and exit_json raise) and is handed a
registrar object directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar_module import RegistrarModule

# The options every registrar module has (doc fragments registrar and registrar.wait), at their defaults.
COMMON_PARAMS = {
    'registrar': 'alicloud', 'access_key_id': None, 'access_key_secret': None, 'security_token': None,
    'profile': None, 'site': 'china', 'endpoint': None, 'validate_certs': True, 'timeout': 30,
    'max_retries': 8, 'retry_max_time': 120, 'max_workers': 8, 'wait': True, 'wait_timeout': 600,
}


class ModuleFailed(Exception):
    def __init__(self, result):
        super(ModuleFailed, self).__init__(result.get('msg'))
        self.result = result


class ModuleExited(Exception):
    def __init__(self, result):
        super(ModuleExited, self).__init__('exit_json')
        self.result = result


class FakeModule(object):
    """The parts of AnsibleModule the registrar modules use."""

    def __init__(self, params, check_mode=False, diff=False):
        self.params = dict(COMMON_PARAMS, **params)
        self.check_mode = check_mode
        self._diff = diff
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)

    def fail_json(self, **result):
        raise ModuleFailed(result)

    def exit_json(self, **result):
        raise ModuleExited(result)


def _make_rmod(registrar, params, check_mode=False, diff=False):
    rmod = RegistrarModule(FakeModule(params, check_mode=check_mode, diff=diff))
    rmod._registrar = registrar  # pylint: disable=protected-access
    return rmod


def _run(rmod, work):
    """``rmod.run(work)``: the result of exit_json, or raises ModuleFailed with fail_json's."""
    with pytest.raises((ModuleExited, ModuleFailed)) as info:
        rmod.run(work)
    if isinstance(info.value, ModuleFailed):
        raise info.value
    return info.value.result


@pytest.fixture
def make_rmod():
    """``make_rmod(registrar, params, check_mode=False, diff=False)``: a RegistrarModule on a FakeModule."""
    return _make_rmod


@pytest.fixture
def run_module():
    """``run_module(rmod, work)``: exit_json's result, or ModuleFailed raised with fail_json's."""
    return _run


@pytest.fixture
def module_failed():
    return ModuleFailed
