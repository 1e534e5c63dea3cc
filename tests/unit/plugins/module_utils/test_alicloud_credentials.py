# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where the Alibaba Cloud credentials come from, and what the user reads when they are missing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import (
    AlicloudRegistrar,
    resolve_credentials,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import RegistrarError

OPTIONS = {'access_key_id': 'opt-id', 'access_key_secret': 'opt-secret-value', 'security_token': 'opt-token-value'}
ENV = {
    'ALIBABA_CLOUD_ACCESS_KEY_ID': 'env-id',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'env-secret-value',
    'ALIBABA_CLOUD_SECURITY_TOKEN': 'env-token-value',
}
LEGACY = {
    'ALICLOUD_ACCESS_KEY': 'legacy-id',
    'ALICLOUD_SECRET_KEY': 'legacy-secret-value',
    'ALICLOUD_SECURITY_TOKEN': 'legacy-token-value',
}
PROFILES = {
    'current': 'work',
    'profiles': [
        {'name': 'default', 'mode': 'AK', 'access_key_id': 'default-id', 'access_key_secret': 'default-secret-value'},
        {'name': 'work', 'mode': 'StsToken', 'access_key_id': 'work-id', 'access_key_secret': 'work-secret-value',
         'sts_token': 'work-token-value'},
        {'name': 'ak-with-token', 'mode': 'AK', 'access_key_id': 'akt-id', 'access_key_secret': 'akt-secret-value',
         'sts_token': 'stale-token-value'},
        {'name': 'role', 'mode': 'RamRoleArn', 'access_key_id': 'role-id', 'access_key_secret': 'role-secret-value',
         'ram_role_arn': 'acs:ram::1:role/x'},
        {'name': 'ecs', 'mode': 'EcsRamRole', 'ram_role_name': 'x'},
        {'name': 'broken-sts', 'mode': 'StsToken', 'access_key_id': 'b-id', 'access_key_secret': 'b-secret-value'},
    ],
    'meta_path': '',
}
ALL_SECRETS = [value for value in list(OPTIONS.values()) + list(ENV.values()) + list(LEGACY.values())
               if 'secret' in value or 'token' in value]
ALL_SECRETS += ['default-secret-value', 'work-secret-value', 'work-token-value', 'akt-secret-value', 'stale-token-value',
                'role-secret-value', 'b-secret-value']


@pytest.fixture
def home(tmp_path):
    return str(tmp_path)


def write_config(home, data):
    directory = os.path.join(home, '.aliyun')
    os.makedirs(directory)
    path = os.path.join(directory, 'config.json')
    with open(path, 'w') as config_file:
        config_file.write(data if isinstance(data, str) else json.dumps(data))
    return path


def assert_no_secret(text):
    for secret in ALL_SECRETS:
        assert secret not in text


def resolve_error(options, environ, home):
    with pytest.raises(RegistrarError) as info:
        resolve_credentials(options, environ, home)
    text = str(info.value)
    assert_no_secret(text)
    return text


# ---------------------------------------------------------------------------
# Precedence
# ---------------------------------------------------------------------------

def test_options_come_first(home):
    write_config(home, PROFILES)
    env = dict(ENV, **LEGACY)
    creds = resolve_credentials(OPTIONS, env, home)
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == ('opt-id', 'opt-secret-value',
                                                                                    'opt-token-value')
    assert 'option' in creds.source


def test_then_the_alibaba_cloud_environment(home):
    write_config(home, PROFILES)
    creds = resolve_credentials({'access_key_id': None, 'access_key_secret': ''}, dict(ENV, **LEGACY), home)
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == ('env-id', 'env-secret-value',
                                                                                    'env-token-value')


def test_then_the_legacy_environment(home):
    write_config(home, PROFILES)
    creds = resolve_credentials({}, LEGACY, home)
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == ('legacy-id', 'legacy-secret-value',
                                                                                    'legacy-token-value')


def test_token_is_optional(home):
    creds = resolve_credentials({'access_key_id': 'a', 'access_key_secret': 'b'}, {}, home)
    assert creds.security_token is None
    env = dict(ENV)
    del env['ALIBABA_CLOUD_SECURITY_TOKEN']
    assert resolve_credentials({}, env, home).security_token is None


def test_then_the_current_profile(home):
    path = write_config(home, PROFILES)
    creds = resolve_credentials({}, {}, home)
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == ('work-id', 'work-secret-value',
                                                                                    'work-token-value')
    assert path in creds.source and 'work' in creds.source


def test_profile_option_beats_the_environment_variable_and_current(home):
    write_config(home, PROFILES)
    creds = resolve_credentials({'profile': 'default'}, {'ALIBABA_CLOUD_PROFILE': 'work'}, home)
    assert creds.access_key_id == 'default-id'
    assert creds.security_token is None


@pytest.mark.parametrize('environ', [ENV, LEGACY, dict(ENV, **LEGACY)])
def test_an_explicit_profile_option_beats_keys_in_the_environment(home, environ):
    write_config(home, PROFILES)
    creds = resolve_credentials({'profile': 'default'}, environ, home)
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == ('default-id',
                                                                                    'default-secret-value', None)
    assert "profile 'default'" in creds.source


def test_option_keys_beat_an_explicit_profile_option(home):
    write_config(home, PROFILES)
    creds = resolve_credentials(dict(OPTIONS, profile='default'), ENV, home)
    assert creds.access_key_id == 'opt-id'


def test_partial_option_keys_with_a_profile_option_are_refused(home):
    write_config(home, PROFILES)
    text = resolve_error({'access_key_id': 'opt-id', 'profile': 'default'}, ENV, home)
    assert 'access_key_secret' in text and 'same source' in text


def test_an_explicit_profile_that_cannot_be_used_never_falls_back_to_the_environment(home):
    text = resolve_error({'profile': 'work'}, ENV, home)
    assert 'does not exist' in text and 'the option profile' in text
    write_config(home, PROFILES)
    text = resolve_error({'profile': 'nope'}, ENV, home)
    assert "'nope'" in text and 'the option profile' in text


@pytest.mark.parametrize('variable', ['ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE'])
def test_keys_in_the_environment_beat_a_profile_variable(home, variable):
    write_config(home, PROFILES)
    creds = resolve_credentials({}, dict(ENV, **{variable: 'default'}), home)
    assert creds.access_key_id == 'env-id'
    creds = resolve_credentials({}, dict(LEGACY, **{variable: 'default'}), home)
    assert creds.access_key_id == 'legacy-id'


@pytest.mark.parametrize('variable', ['ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE'])
def test_profile_from_the_environment(home, variable):
    write_config(home, PROFILES)
    creds = resolve_credentials({}, {variable: 'default'}, home)
    assert creds.access_key_id == 'default-id'


def test_ak_profile_ignores_a_stale_sts_token(home):
    write_config(home, PROFILES)
    creds = resolve_credentials({'profile': 'ak-with-token'}, {}, home)
    assert (creds.access_key_id, creds.security_token) == ('akt-id', None)


def test_profile_without_mode_is_ak(home):
    write_config(home, {'current': 'p', 'profiles': [{'name': 'p', 'access_key_id': 'i', 'access_key_secret': 's'}]})
    assert resolve_credentials({}, {}, home).access_key_id == 'i'


def test_file_without_current_uses_the_default_profile(home):
    write_config(home, {'profiles': PROFILES['profiles']})
    assert resolve_credentials({}, {}, home).access_key_id == 'default-id'


def test_the_real_environment_and_home_are_the_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    for name in list(ENV) + list(LEGACY) + ['ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE']:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('ALICLOUD_ACCESS_KEY', 'real-env-id')
    monkeypatch.setenv('ALICLOUD_SECRET_KEY', 'real-env-secret')
    assert resolve_credentials({}).access_key_id == 'real-env-id'


# ---------------------------------------------------------------------------
# No mixing of sources
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('options, environ, named', [
    ({'access_key_id': 'opt-id'}, ENV, ['access_key_secret', 'module options']),
    ({'access_key_secret': 'opt-secret-value'}, ENV, ['access_key_id']),
    ({'security_token': 'opt-token-value'}, ENV, ['access_key_id', 'access_key_secret']),
    ({}, {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'env-id', 'ALICLOUD_SECRET_KEY': 'legacy-secret-value'},
     ['ALIBABA_CLOUD_ACCESS_KEY_SECRET']),
    ({}, {'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'env-secret-value', 'ALICLOUD_ACCESS_KEY': 'legacy-id'},
     ['ALIBABA_CLOUD_ACCESS_KEY_ID']),
    ({}, {'ALICLOUD_ACCESS_KEY': 'legacy-id'}, ['ALICLOUD_SECRET_KEY']),
])
def test_a_partial_source_is_refused_not_completed(home, options, environ, named):
    write_config(home, PROFILES)
    text = resolve_error(options, environ, home)
    for word in named:
        assert word in text
    assert 'same source' in text


# ---------------------------------------------------------------------------
# Profiles that cannot be used
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('profile, mode', [('role', 'RamRoleArn'), ('ecs', 'EcsRamRole')])
def test_unsupported_profile_modes(home, profile, mode):
    write_config(home, PROFILES)
    text = resolve_error({'profile': profile}, {}, home)
    assert mode in text
    assert 'AK and StsToken' in text
    assert profile in text


def test_sts_profile_without_token(home):
    path = write_config(home, PROFILES)
    text = resolve_error({'profile': 'broken-sts'}, {}, home)
    assert 'sts_token' in text and path in text


def test_unknown_profile(home):
    path = write_config(home, PROFILES)
    text = resolve_error({}, {'ALIBABA_CLOUD_PROFILE': 'nope'}, home)
    assert "'nope'" in text and path in text and 'ALIBABA_CLOUD_PROFILE' in text
    assert 'profiles there: ak-with-token, broken-sts, default, ecs, role, work' in text


def test_requested_profile_without_a_file(home):
    text = resolve_error({'profile': 'work'}, {}, home)
    assert 'does not exist' in text
    assert os.path.join(home, '.aliyun', 'config.json') in text


@pytest.mark.parametrize('content, words', [
    ('{"current": "work", "profiles": [', 'not valid JSON'),
    ('["a list"]', 'not valid'),
    ('{"profiles": {"name": "x"}}', 'not valid'),
])
def test_invalid_config_file_names_the_path(home, content, words):
    path = write_config(home, content)
    text = resolve_error({}, {}, home)
    assert words in text
    assert path in text


def test_unreadable_config_file_names_the_path(home):
    path = write_config(home, PROFILES)
    os.remove(path)
    os.makedirs(path)  # a directory where the file should be: cannot be read, even as root
    text = resolve_error({}, {}, home)
    assert 'cannot read' in text
    assert path in text


# ---------------------------------------------------------------------------
# Nothing at all
# ---------------------------------------------------------------------------

def test_nothing_found_names_every_way_to_provide_credentials(home):
    text = resolve_error({'access_key_id': '', 'access_key_secret': None}, {'UNRELATED': 'x'}, home)
    for word in ('access_key_id', 'access_key_secret', 'security_token', 'ALIBABA_CLOUD_ACCESS_KEY_ID',
                 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN', 'ALICLOUD_ACCESS_KEY',
                 'ALICLOUD_SECRET_KEY', 'ALIBABA_CLOUD_PROFILE', os.path.join(home, '.aliyun', 'config.json')):
        assert word in text


def test_the_registrar_refuses_to_start_without_credentials(home):
    with pytest.raises(RegistrarError) as info:
        AlicloudRegistrar({'site': 'china'}, environ={}, home=home)
    assert 'no Alibaba Cloud credentials found' in str(info.value)


def test_credentials_repr_hides_secret_and_token(home):
    creds = resolve_credentials(OPTIONS, {}, home)
    text = repr(creds)
    assert 'opt-id' in text
    assert_no_secret(text)
    registrar = AlicloudRegistrar(OPTIONS, environ={}, home=home)
    assert_no_secret(repr(registrar))
    assert_no_secret(repr(registrar.__dict__))
