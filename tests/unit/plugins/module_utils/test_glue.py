# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import (
    ValidationError,
    check_host_in_domain,
    check_registry_host_limits,
    find_registered_domain,
    normalize_domain,
    normalize_host_name,
    normalize_ips,
    normalize_nameservers,
    relative_label,
    same_nameservers,
)


@pytest.mark.parametrize('value, expected', [
    ('example.com', 'example.com'),
    ('Example.COM.', 'example.com'),
    ('  ns1.example.com  ', 'ns1.example.com'),
    (u'ns1.bücher.example', 'ns1.xn--bcher-kva.example'),
    ('xn--bcher-kva.example', 'xn--bcher-kva.example'),
    ('a' * 63 + '.com', 'a' * 63 + '.com'),
])
def test_normalize_domain_accepts(value, expected):
    assert normalize_domain(value) == expected
    assert normalize_domain(expected) == expected  # idempotent


@pytest.mark.parametrize('value, rule', [
    ('', 'must be a non-empty domain name'),
    (None, 'must be a non-empty domain name'),
    (42, 'must be a non-empty domain name'),
    ('com', 'at least two labels'),
    ('ns1..example.com', 'empty label'),
    ('.example.com', 'empty label'),
    ('under_score.com', "label 'under_score'"),
    ('*.example.com', "label '*'"),
    ('bad name.com', "label 'bad name'"),
    ('-ns.example.com', 'may not start or end with a hyphen'),
    ('ns-.example.com', 'may not start or end with a hyphen'),
    ('ab--cd.example.com', 'positions 3 and 4'),
    ('a' * 64 + '.com', 'longer than 63'),
    ('example.123', 'all-numeric top-level'),
    ('.'.join(['a' * 63] * 4) + '.com', 'longer than 253'),
])
def test_normalize_domain_refuses(value, rule):
    with pytest.raises(ValidationError) as err:
        normalize_domain(value, field='domains')
    assert err.value.field == 'domains'
    assert rule in str(err.value)
    assert str(err.value).startswith('domains: ')


def test_host_name_limit_is_80_characters():
    name80 = 'a' * 40 + '.' + 'b' * 27 + '.example.com'
    assert len(name80) == 80
    assert normalize_host_name(name80) == name80
    with pytest.raises(ValidationError) as err:
        normalize_host_name('x' + name80)
    assert "longer than 80 characters (Alibaba Cloud's limit" in str(err.value)
    assert normalize_domain('x' + name80) == 'x' + name80  # only host names have that limit


def test_ips_are_canonical_sorted_and_order_free():
    ips, warnings = normalize_ips(['2001:DB8:0:0::10', ' 203.0.113.9', '198.51.100.10'])
    assert ips == ['198.51.100.10', '203.0.113.9', '2001:db8::10']
    assert len(warnings) == 3 and all('documentation address' in w for w in warnings)
    for _ in range(20):
        shuffled = ['2001:0db8::10', '203.0.113.9', '198.51.100.10']
        random.shuffle(shuffled)
        assert normalize_ips(shuffled)[0] == ips


def test_public_addresses_give_no_warning_private_ones_do():
    assert normalize_ips(['8.8.8.8', '2606:4700::1111']) == (['8.8.8.8', '2606:4700::1111'], [])
    _, warnings = normalize_ips(['10.0.0.1', '100.64.0.1', 'fd00::1'])
    assert len(warnings) == 3 and all('private address' in w for w in warnings)


@pytest.mark.parametrize('values, rule', [
    ([], 'at least 1 address'),
    ('198.51.100.1', 'must be a list'),
    (['198.51.100.%d' % i for i in range(1, 15)], 'at most 13'),
    (['2001:db8::1', '2001:DB8:0::1'], "duplicate of '2001:db8::1'"),
    (['198.51.100.300'], 'not a valid IPv4 or IPv6 address'),
    (['198.51.100.0/24'], 'is a network'),
    (['fe80::1%eth0'], 'zone index'),
    (['::ffff:198.51.100.1'], 'IPv4-mapped'),
    (['127.0.0.1'], 'loopback'),
    (['::1'], 'loopback'),
    (['0.0.0.0'], 'unspecified'),
    (['::'], 'unspecified'),
    (['224.0.0.5'], 'multicast'),
    (['ff02::1'], 'multicast'),
    (['169.254.1.1'], 'link-local'),
    (['fe80::1'], 'link-local'),
    (['255.255.255.255'], 'broadcast'),
    (['240.0.0.1'], 'reserved'),
    ([''], 'must be an IPv4 or IPv6 address'),
])
def test_ips_refused(values, rule):
    with pytest.raises(ValidationError) as err:
        normalize_ips(values)
    assert err.value.field == 'ips'
    assert rule in str(err.value)


def test_thirteen_addresses_are_fine():
    ips, _ = normalize_ips(['198.51.100.%d' % i for i in range(1, 14)])
    assert len(ips) == 13


def test_host_inside_domain():
    check_host_in_domain('ns1.example.com', 'example.com')
    assert relative_label('a.ns1.example.com', 'example.com') == 'a.ns1'
    for host in ('ns1.other.org', 'example.com', 'ns1.badexample.com'):
        with pytest.raises(ValidationError) as err:
            check_host_in_domain(host, 'example.com')
        assert "is not inside domain 'example.com'" in str(err.value)


def test_longest_registered_domain_wins():
    domains = ['example.com', 'sub.example.com', 'example.net']
    assert find_registered_domain('ns1.sub.example.com', domains) == 'sub.example.com'
    assert find_registered_domain('ns1.example.com', domains) == 'example.com'
    assert find_registered_domain('ns1.example.org', domains) is None
    assert find_registered_domain('example.com', domains) is None


def test_registry_host_limits():
    thirteen = ['ns%d.example.com' % i for i in range(13)]
    check_registry_host_limits('example.com', 'ns12.example.com', thirteen)  # existing: a modify
    with pytest.raises(ValidationError) as err:
        check_registry_host_limits('example.com', 'ns13.example.com', thirteen)
    assert 'at most 13 hosts' in str(err.value)

    six = ['ns%d.example.cn' % i for i in range(6)]
    check_registry_host_limits('example.cn', 'ns5.example.cn', six)
    with pytest.raises(ValidationError) as err:
        check_registry_host_limits('example.cn', 'ns6.example.cn', six)
    assert 'at most 6 hosts per .cn domain' in str(err.value)
    with pytest.raises(ValidationError) as err:
        check_registry_host_limits('example.cn', 'a.ns1.example.cn', [])
    assert 'fourth-level' in str(err.value)
    with pytest.raises(ValidationError) as err:
        check_registry_host_limits('example.hk', 'ns1.example.hk', [])
    assert 'does not support custom DNS hosts for .hk' in str(err.value)


def test_nameservers():
    assert normalize_nameservers(['NS2.example.com.', 'ns1.example.com']) == ['ns2.example.com', 'ns1.example.com']
    assert normalize_nameservers(['ns1.example.com'], allow_single=True) == ['ns1.example.com']
    cases = [
        (['ns1.example.com'], 'allow_single: true'),
        ([], 'at least 2'),
        (['ns%d.example.com' % i for i in range(14)], 'at most 13'),
        (['ns1.example.com', 'NS1.example.com.'], 'duplicate'),
    ]
    for values, rule in cases:
        with pytest.raises(ValidationError) as err:
            normalize_nameservers(values)
        assert rule in str(err.value), values
    assert same_nameservers(['NS1.example.com.', 'ns2.example.com'], ['ns2.example.com', 'ns1.example.com'])
    assert not same_nameservers(['ns1.example.com'], ['ns1.example.com', 'ns2.example.com'])


def test_long_values_are_shortened_in_messages():
    with pytest.raises(ValidationError) as err:
        normalize_domain('x' * 5000)
    assert len(str(err.value)) < 300
