# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's one name normaliser: every module meets names in the same form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils import _dnscheck, _glue, _zone
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import (
    ValidationError,
    in_zone,
    normalize_name,
    normalize_zone_name,
)


@pytest.mark.parametrize('given, expected', [
    ('Example.COM.', 'example.com'),
    ('example.com', 'example.com'),
    (u'B\u00fccher.CN.', 'xn--bcher-kva.cn'),
    (u'ns1.b\u00fccher.cn', 'ns1.xn--bcher-kva.cn'),
    ('XN--BCHER-KVA.cn', 'xn--bcher-kva.cn'),
    (u'example\u3002com', 'example.com'),
    ('com', 'com'),
    ('_domainkey.Example.com', '_domainkey.example.com'),
])
def test_every_part_of_the_collection_normalises_names_alike(given, expected):
    assert normalize_name(given) == expected
    assert _zone.normalize_name(given) == expected
    assert _dnscheck.normalize_name(given) == expected
    assert _glue.comparable_name(given) == expected


def test_lenient_normaliser_never_raises():
    assert normalize_name(None) == ''
    assert normalize_name('.') == '.'
    assert normalize_name('not a name.') == 'not a name'
    assert _zone.normalize_name('.') == '.'


def test_zone_names_allow_single_labels_and_underscores_but_not_spaces():
    assert normalize_zone_name('COM.') == 'com'
    assert normalize_zone_name('_dmarc.example.com') == '_dmarc.example.com'
    with pytest.raises(ValidationError) as err:
        normalize_zone_name('exa mple.com', field='nameserver_zones[0].name')
    assert str(err.value).startswith("nameserver_zones[0].name: 'exa mple.com' contains a space")
    with pytest.raises(_zone.ZoneError, match='contains a space'):
        _zone.check_zone_name('exa mple.com')


def test_in_zone():
    assert in_zone('ns1.Example.com.', 'example.com')
    assert in_zone('example.com', 'EXAMPLE.com.')
    assert not in_zone('badexample.com', 'example.com')
    assert in_zone(u'ns1.b\u00fccher.cn', 'xn--bcher-kva.cn')
