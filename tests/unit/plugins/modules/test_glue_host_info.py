# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""glue_host_info on a registrar in memory (conftest's FakeRegistrar)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import ValidationError
from ansible_collections.dnsops.nameservers.plugins.modules import glue_host_info


@pytest.fixture
def account(fake_registrar):
    return fake_registrar({'example.com': ['ns1.example.com', 'ns2.example.com'], 'customer.net': ['ns1.example.com']},
                          {'example.com': {'ns2.example.com': ['192.0.2.2'], 'ns1.example.com': ['192.0.2.1']}})


def test_reads_domains_and_their_hosts_without_writing(account, make_rmod):
    result = glue_host_info.read(make_rmod(account, {'domains': ['Example.COM.', 'customer.net'], 'ignore_missing': False}))
    assert result == {'changed': False, 'missing': [], 'domains': [
        {'name': 'example.com', 'instance_id': 'S-example.com', 'nameservers': ['ns1.example.com', 'ns2.example.com'],
         'hosts': [{'name': 'ns1.example.com', 'ips': ['192.0.2.1']}, {'name': 'ns2.example.com', 'ips': ['192.0.2.2']}]},
        {'name': 'customer.net', 'instance_id': 'S-customer.net', 'nameservers': ['ns1.example.com'], 'hosts': []},
    ]}
    assert account.writes == []


def test_every_domain_of_the_account_when_none_named(account, make_rmod):
    result = glue_host_info.read(make_rmod(account, {'domains': None, 'ignore_missing': False}))
    assert [d['name'] for d in result['domains']] == ['customer.net', 'example.com']


def test_missing_domains_fail_unless_ignored(account, make_rmod):
    with pytest.raises(ValidationError):
        glue_host_info.read(make_rmod(account, {'domains': ['nope.org'], 'ignore_missing': False}))
    result = glue_host_info.read(make_rmod(account, {'domains': ['nope.org', 'customer.net'], 'ignore_missing': True}))
    assert (result['missing'], [d['name'] for d in result['domains']]) == (['nope.org'], ['customer.net'])
