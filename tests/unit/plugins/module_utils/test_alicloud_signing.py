# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""RPC signature V2: the published vectors and a differential test against Alibaba's own SDK."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud_auth import (
    canonical_query,
    percent_encode,
    repeat_list,
    sign_v2,
    string_to_sign_v2,
)

SECRET = 'testsecret'

# Reference §6.3, vector A (ECS DescribeRegions example).
VECTOR_A = {
    'AccessKeyId': 'testid',
    'Action': 'DescribeRegions',
    'Format': 'XML',
    'SignatureMethod': 'HMAC-SHA1',
    'SignatureNonce': '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    'SignatureVersion': '1.0',
    'Timestamp': '2016-02-23T12:46:24Z',
    'Version': '2014-05-26',
}
VECTOR_A_STRING_TO_SIGN = (
    'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1'
    '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0'
    '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26'
)

# Reference §6.3, vector B (current V2 documentation example).
VECTOR_B = {
    'AccessKeyId': 'testid',
    'Action': 'DescribeDedicatedHosts',
    'Format': 'JSON',
    'RegionId': 'cn-beijing',
    'SignatureMethod': 'HMAC-SHA1',
    'SignatureNonce': 'edb2b34af0af9a6d14deaf7c1a5315eb',
    'SignatureVersion': '1.0',
    'Timestamp': '2023-03-13T08:34:30Z',
    'Version': '2014-05-26',
}


@pytest.mark.parametrize('params, method, expected', [
    (VECTOR_A, 'GET', 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='),
    (VECTOR_A, 'POST', 'MxbnVAM4w6sft9xjVpe/GCKueuk='),
    (VECTOR_B, 'GET', '9NaGiOspFP5UPcwX8Iwt2YJXXuk='),
    (VECTOR_B, 'POST', 'ZvQ9xGiFnquSJRvj+WE6kdSpTwU='),
])
def test_published_vectors(params, method, expected):
    assert sign_v2(method, dict(params), SECRET) == expected


def test_vector_a_string_to_sign():
    assert string_to_sign_v2('GET', VECTOR_A) == VECTOR_A_STRING_TO_SIGN


def test_signature_parameter_is_not_signed():
    params = dict(VECTOR_A, Signature='anything')
    assert sign_v2('GET', params, SECRET) == 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='


def test_method_is_part_of_the_signature():
    assert string_to_sign_v2('post', VECTOR_A).startswith('POST&%2F&')
    assert sign_v2('GET', VECTOR_A, SECRET) != sign_v2('POST', VECTOR_A, SECRET)


@pytest.mark.parametrize('raw, encoded', [
    ('a b', 'a%20b'),
    ('*', '%2A'),
    ('~', '~'),
    ('/', '%2F'),
    ('+', '%2B'),
    ('=', '%3D'),
    ('&', '%26'),
    ('-_.', '-_.'),
    (u'\u00e9', '%C3%A9'),
    (u'\u4e2d', '%E4%B8%AD'),
    ('', ''),
])
def test_percent_encoding(raw, encoded):
    assert percent_encode(raw) == encoded


def test_empty_values_are_kept_and_names_sorted_after_encoding():
    assert canonical_query({'b': '', 'a': 'x y', 'SignatureType': ''}) == 'SignatureType=&a=x%20y&b='


def test_repeat_list():
    assert repeat_list('Ip', ['192.0.2.1', '2001:db8::1']) == {'Ip.1': '192.0.2.1', 'Ip.2': '2001:db8::1'}
    assert repeat_list('DomainName', []) == {}


def test_repeat_list_signs_like_explicit_keys():
    ips = ['192.0.2.%d' % n for n in range(1, 11)]
    built = {'Action': 'X'}
    built.update(repeat_list('Ip', ips))
    explicit = dict(('Ip.%d' % n, '192.0.2.%d' % n) for n in range(1, 11))
    explicit['Action'] = 'X'
    assert sign_v2('POST', built, SECRET) == sign_v2('POST', explicit, SECRET)
    # Byte order of the encoded names: Ip.10 sorts before Ip.2.
    query = canonical_query(built)
    assert query.index('Ip.10=') < query.index('Ip.2=')


# ---------------------------------------------------------------------------
# Differential test against aliyun-python-sdk-core's own composer.
# ---------------------------------------------------------------------------

try:
    from hypothesis import given, settings, strategies as st
    HAS_HYPOTHESIS = True
except ImportError:
    HAS_HYPOTHESIS = False

try:
    from aliyunsdkcore.auth.composer import rpc_signature_composer
    HAS_SDK = True
except ImportError:
    HAS_SDK = False

needs_sdk = pytest.mark.skipif(not HAS_SDK, reason='aliyun-python-sdk-core is not installed')


def _sdk_signature(method, params, secret):
    # The SDK's module-level helpers (double underscore names are not mangled at module level).
    compose = getattr(rpc_signature_composer, '__compose_string_to_sign')
    get_signature = getattr(rpc_signature_composer, '__get_signature')
    return get_signature(compose(method, dict(params)), secret)


@needs_sdk
def test_differential_sdk_is_really_compared():
    """The SDK helper reproduces vector A and notices a change (the comparison is not vacuous)."""
    params = dict(VECTOR_A)
    assert _sdk_signature('GET', params, SECRET) == 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='
    params['Format'] = 'JSON'
    assert _sdk_signature('GET', params, SECRET) != 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='


if HAS_HYPOTHESIS:
    # Parameter names as the API uses them (ASCII letters, digits, '.', '_', '-').
    # The SDK sorts raw names while the reference sorts encoded names; the two
    # orders agree for these characters, which is what real requests carry.
    # 'Signature' itself is never signed (test_signature_parameter_is_not_signed), so it is no input here.
    NAME = st.text(alphabet='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-', min_size=1,
                   max_size=20).filter(lambda name: name != 'Signature')
    # Values: any Unicode text except lone surrogates, with the troublesome characters made likely.
    VALUE = st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=30),
        st.text(alphabet=u' *~/+=&%:?#@!$\'()[],;\u00e9\u4e2d\U0001F600', max_size=15),
        st.just(''),
    )
    IP_LIST = st.lists(st.text(alphabet='0123456789abcdef.:', min_size=1, max_size=39), max_size=13)

    @needs_sdk
    @settings(max_examples=300, deadline=None, database=None)
    @given(params=st.dictionaries(NAME, VALUE, max_size=12), ips=IP_LIST,
           secret=st.text(alphabet=st.characters(blacklist_categories=('Cs',)), min_size=1, max_size=40))
    def test_differential_against_sdk_composer(params, ips, secret):
        params = dict(params)
        params.update(repeat_list('Ip', ips))
        for method in ('GET', 'POST'):
            assert sign_v2(method, params, secret) == _sdk_signature(method, params, secret)
else:
    @pytest.mark.skip(reason='hypothesis is not installed')
    def test_differential_against_sdk_composer():
        pass
