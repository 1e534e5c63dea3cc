# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Alibaba Cloud's own limits (AlicloudLimits), checked by the modules before any call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import PROVIDER, AlicloudLimits
from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import (
    ValidationError,
    normalize_domain,
    normalize_host_name,
)

LIMITS = AlicloudLimits()


def error_of(func, *args, **kwargs):
    with pytest.raises(ValidationError) as err:
        func(*args, **kwargs)
    return err.value


def alicloud_host_name(value, field='name'):
    """What glue_host does with a host name when the registrar is alicloud."""
    name = normalize_host_name(value, field=field)
    LIMITS.check_host_name(name, value, field=field)
    return name


def test_the_provider_declares_these_limits():
    assert isinstance(PROVIDER.limits, AlicloudLimits)
    assert (PROVIDER.limits.max_ips_per_host, PROVIDER.limits.max_nameservers,
            PROVIDER.limits.max_domains_per_nameserver_change) == (13, 13, 1000)


# ---------------------------------------------------------------------------
# Host names: 80 characters
# ---------------------------------------------------------------------------

HOST80 = 'a' * 40 + '.' + 'b' * 27 + '.example.com'
HOST81 = 'x' + HOST80


def test_host_name_of_80_characters_is_fine_81_is_not():
    assert len(HOST80) == 80 and len(HOST81) == 81
    assert alicloud_host_name(HOST80) == HOST80
    assert alicloud_host_name(HOST80.upper() + '.') == HOST80
    exc = error_of(alicloud_host_name, HOST81)
    assert str(exc) == ("name: '%s' is 81 characters long; a DNS host name may have at most 80 characters "
                        "(Alibaba Cloud's limit for DNS host names)" % HOST81)
    assert normalize_domain(HOST81) == HOST81  # only host names we create have that limit


def test_host_name_limit_counts_a_labels():
    name = 'ns1.' + 'ü' * 30 + '.' + 'ü' * 30 + '.example.com'  # 77 characters as typed, 89 as punycode
    assert len(name) == 77
    exc = error_of(alicloud_host_name, name)
    assert exc.rule == ("is 89 characters long as A-labels; a DNS host name may have at most 80 characters "
                        "(Alibaba Cloud's limit for DNS host names)")


def test_long_names_give_short_messages():
    assert len(str(error_of(alicloud_host_name, 'x' * 5000))) < 300
    assert len(str(error_of(alicloud_host_name, 'x.' * 2000 + 'com'))) < 300


# ---------------------------------------------------------------------------
# Hosts per domain, .cn and .hk
# ---------------------------------------------------------------------------

def names(domain, count):
    return ['ns%d.%s' % (i, domain) for i in range(1, count + 1)]


@pytest.mark.parametrize('domain, host, existing', [
    ('example.com', 'ns13.example.com', names('example.com', 12)),      # the 13th
    ('example.com', 'ns13.example.com', names('example.com', 13)),      # modifying the 13th
    ('example.com', 'a.b.ns1.example.com', []),                         # deep names are fine outside .cn
    ('example.cn', 'ns6.example.cn', names('example.cn', 5)),           # the 6th
    ('example.cn', 'ns6.example.cn', names('example.cn', 6)),           # modifying the 6th
    ('example.cn', 'NS6.Example.CN.', names('example.cn', 6)),          # spelled differently, still existing
    ('example.cn', 'ns1.example.cn', []),                               # third-level: fine
    ('example.net', 'ns1.example.net', None),
])
def test_registry_host_limits_accept(domain, host, existing):
    LIMITS.check_new_host(domain, host, existing)


@pytest.mark.parametrize('domain, host, existing, rule', [
    ('example.com', 'ns14.example.com', names('example.com', 13),
     "cannot be created: domain 'example.com' already has 13 DNS hosts, the most a domain may have (delete one first)"),
    ('example.cn', 'ns7.example.cn', names('example.cn', 6),
     "cannot be created: domain 'example.cn' already has 6 DNS hosts, the most a .cn domain may have (delete one first)"),
    ('EXAMPLE.CN.', 'ns7.example.cn', names('example.cn', 6),
     "cannot be created: domain 'example.cn' already has 6 DNS hosts, the most a .cn domain may have (delete one first)"),
    ('example.cn', 'a.ns1.example.cn', [],
     'cannot be created: under .cn a fourth-level name (four or more labels) cannot be a DNS host name (Alibaba Cloud / CNNIC rule)'),
    ('example.com.cn', 'ns1.example.com.cn', [],
     'cannot be created: under .cn a fourth-level name (four or more labels) cannot be a DNS host name (Alibaba Cloud / CNNIC rule); '
     "every host under 'example.com.cn' has four or more labels, so it can have no custom DNS hosts"),
    ('example.hk', 'ns1.example.hk', [],
     'cannot be created: Alibaba Cloud does not support custom DNS hosts for .hk domains'),
    ('example.com.hk', 'ns1.example.com.hk', names('example.com.hk', 1),
     'cannot be created: Alibaba Cloud does not support custom DNS hosts for .hk domains'),
])
def test_registry_host_limits_refuse(domain, host, existing, rule):
    exc = error_of(LIMITS.check_new_host, domain, host, existing)
    assert (exc.field, exc.value, exc.rule) == ('name', host, rule)


def test_registry_host_limits_duplicates_in_existing_count_once():
    LIMITS.check_new_host('example.cn', 'ns6.example.cn', names('example.cn', 5) + ['NS1.example.cn.'])


def test_registry_host_limits_field():
    assert error_of(LIMITS.check_new_host, 'example.hk', 'ns1.example.hk', [], field='nameserver_name').field == 'nameserver_name'
