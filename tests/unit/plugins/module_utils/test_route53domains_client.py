# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Route 53 Domains client: the collection's retry policy over botocore (scripted answers and
botocore's own exceptions), secrets scrubbed, and where the credentials come from."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

botocore = pytest.importorskip('botocore')

# pylint: disable=wrong-import-position
from botocore.exceptions import (  # noqa: E402
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (  # noqa: E402
    ChangeInProgress,
    RegistrarError,
    WriteOutcomeUnknown,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._route53domains import (  # noqa: E402
    Route53DomainsClient,
    Route53DomainsRegistrar,
    build_client,
)

SECRET = 'unit/Secret+Value=never-shown'
TOKEN = 'unit-session-token-never-shown'


class Creds(object):
    access_key = 'AKIDUNIT'
    secret_key = SECRET
    token = TOKEN


class ScriptedBoto(object):
    """A stand-in for a botocore client: each call takes the next reply (a dict, or an exception raised)."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.sent = []

    def __getattr__(self, method):
        if method.startswith('_'):
            raise AttributeError(method)

        def call(**params):
            self.sent.append((method, params))
            reply = self.replies.pop(0)
            if isinstance(reply, Exception):
                raise reply
            return reply
        return call


def client_error(code, message, status=400, operation='UpdateDomainNameservers'):
    return ClientError({'Error': {'Code': code, 'Message': message},
                        'ResponseMetadata': {'HTTPStatusCode': status, 'RequestId': 'req-%s' % code}}, operation)


def make(*replies, **retry):
    boto = ScriptedBoto(*replies)
    retry.setdefault('max_retries', 3)
    sleeps = []
    client = Route53DomainsClient(boto, Creds(), 'https://route53domains.test/', sleep=sleeps.append, rand=lambda: 0.5,
                                  **retry)
    return client, boto, sleeps


UPDATE = dict(DomainName='example.com', Nameservers=[{'Name': 'ns1.example.net'}])


def test_a_throttled_read_is_retried_with_backoff():
    client, boto, sleeps = make(client_error('ThrottlingException', 'Rate exceeded'), {'Domains': []})
    assert client.call('ListDomains', MaxItems=100) == {'Domains': []}
    assert [m for m, p in boto.sent] == ['list_domains', 'list_domains']
    assert sleeps == [0.25] and client.calls == {'read': 1, 'write': 0} and client.attempts == 2


@pytest.mark.parametrize('error', [
    client_error('ServiceUnavailable', 'Service unavailable', 503),
    client_error('Throttling', 'Rate exceeded'),
    client_error('OperationLimitExceeded', 'too many operations'),
    EndpointConnectionError(endpoint_url='https://route53domains.test/'),
])
def test_a_write_the_registry_refused_or_never_received_is_sent_again(error):
    client, boto, sleeps = make(error, {'OperationId': 'op-1'})
    assert client.call('UpdateDomainNameservers', **UPDATE) == {'OperationId': 'op-1'}
    assert len(boto.sent) == 2 and client.calls == {'read': 0, 'write': 1}


@pytest.mark.parametrize('error', [
    ReadTimeoutError(endpoint_url='https://route53domains.test/'),
    ConnectionClosedError(endpoint_url='https://route53domains.test/'),
])
def test_a_write_that_may_have_arrived_is_not_sent_again_and_says_so(error):
    client, boto, sleeps = make(error, {'OperationId': 'op-1'})
    with pytest.raises(RegistrarError) as err:
        client.call('UpdateDomainNameservers', **UPDATE)
    assert len(boto.sent) == 1 and not err.value.refused and isinstance(err.value, WriteOutcomeUnknown)
    assert 'may have applied this change' in str(err.value) and 'UpdateDomainNameservers' in str(err.value)


def test_an_internal_failure_is_retried_for_a_read_but_a_write_behind_it_may_have_happened():
    client, boto, sleeps = make(client_error('InternalFailure', 'internal', 500, 'ListDomains'), {'Domains': []})
    assert client.call('ListDomains') == {'Domains': []}
    client, boto, sleeps = make(client_error('InternalFailure', 'internal', 500), {'OperationId': 'op-1'})
    with pytest.raises(WriteOutcomeUnknown) as err:
        client.call('UpdateDomainNameservers', **UPDATE)
    assert len(boto.sent) == 1 and err.value.code == 'InternalFailure'


def test_a_gateways_5xx_without_a_request_id_is_not_the_registrys_refusal():
    page = ClientError({'Error': {'Code': '502', 'Message': 'Bad Gateway'}, 'ResponseMetadata': {'HTTPStatusCode': 502}},
                       'UpdateDomainNameservers')
    client, boto, sleeps = make(page, {'OperationId': 'op-1'})
    with pytest.raises(WriteOutcomeUnknown):
        client.call('UpdateDomainNameservers', **UPDATE)
    assert len(boto.sent) == 1
    client, boto, sleeps = make(page, {'Domains': []})
    assert client.call('ListDomains') == {'Domains': []}


def test_a_read_after_a_dropped_connection_is_retried():
    client, boto, sleeps = make(ConnectionClosedError(endpoint_url='https://route53domains.test/'), {'Domains': []})
    assert client.call('ListDomains') == {'Domains': []}
    assert len(boto.sent) == 2


def test_another_change_in_progress_is_retried_then_reported_plainly():
    busy = [client_error('DuplicateRequest', 'The request is already in progress for the domain.') for dummy in range(3)]
    client, boto, sleeps = make(*busy, max_retries=2)
    registrar = Route53DomainsRegistrar({}, client=client)
    registrar._lists['example.com'] = []
    with pytest.raises(ChangeInProgress) as err:
        registrar.write_nameservers(['example.com'], ['ns1.example.net', 'ns2.example.net'])
    assert len(boto.sent) == 3 and err.value.code == 'DuplicateRequest' and err.value.refused
    assert 'another change to domain example.com is in progress' in str(err.value)
    assert 'one operation per domain' in str(err.value) and 'max_retries=2 reached' in str(err.value)


def test_input_the_registry_rejects_is_not_retried():
    client, boto, sleeps = make(client_error('InvalidInput', 'Nameservers has 7 entries'))
    with pytest.raises(RegistrarError) as err:
        client.call('UpdateDomainNameservers', **UPDATE)
    assert len(boto.sent) == 1 and err.value.code == 'InvalidInput' and err.value.status == 400
    assert err.value.request_id == 'req-InvalidInput'


def test_secrets_are_scrubbed_from_the_registrys_message_before_it_is_cut():
    text = 'canonical request x-amz-security-token:%s\n\nsecret %s ' % (TOKEN, SECRET) + 'x' * 2000
    client, boto, sleeps = make(client_error('InvalidSignatureException', text))
    with pytest.raises(RegistrarError) as err:
        client.call('ListDomains')
    shown = str(err.value)
    assert TOKEN not in shown and SECRET not in shown and '********' in shown
    assert TOKEN[:10] not in shown and len(shown) < 1200 and '\n' not in shown
    assert SECRET not in repr(client) and TOKEN not in repr(client)


def test_an_operation_id_missing_from_an_accepted_write_is_a_write_that_may_have_happened():
    registrar = Route53DomainsRegistrar({}, client=make({'DomainName': 'example.com', 'Nameservers': []}, {})[0])
    with pytest.raises(WriteOutcomeUnknown) as err:
        registrar.write_nameservers(['example.com'], ['ns1.example.net', 'ns2.example.net'])
    assert not err.value.refused and 'no OperationId' in str(err.value)


# ---------------------------------------------------------------------------
# Credentials and endpoint
# ---------------------------------------------------------------------------

@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith('AWS_'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('AWS_CONFIG_FILE', str(tmp_path / 'config'))
    monkeypatch.setenv('AWS_SHARED_CREDENTIALS_FILE', str(tmp_path / 'credentials'))
    monkeypatch.setenv('AWS_EC2_METADATA_DISABLED', 'true')
    return tmp_path


def credentials_of(options):
    client = build_client(dict({'endpoint': 'http://127.0.0.1:9'}, **options))
    return client._credentials.get_frozen_credentials(), client


def test_keys_from_the_options(clean_env):
    creds, client = credentials_of({'access_key': 'AKIDOPT', 'secret_key': SECRET, 'session_token': TOKEN})
    assert (creds.access_key, creds.secret_key, creds.token) == ('AKIDOPT', SECRET, TOKEN)
    assert client.boto.meta.region_name == 'us-east-1'
    assert client.boto.meta.endpoint_url == 'http://127.0.0.1:9/'
    assert client.boto.meta.config.retries['total_max_attempts'] == 1
    assert set(client.secrets()) == set([SECRET, TOKEN])


def test_the_environment_as_awx_injects_it(clean_env, monkeypatch):
    # AWX's Amazon Web Services credential type: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SECURITY_TOKEN.
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'AKIDENV')
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', SECRET)
    monkeypatch.setenv('AWS_SECURITY_TOKEN', TOKEN)
    creds, client = credentials_of({})
    assert (creds.access_key, creds.secret_key, creds.token) == ('AKIDENV', SECRET, TOKEN)


def test_a_named_profile_from_the_shared_credentials_file(clean_env, monkeypatch):
    (clean_env / 'credentials').write_text('[work]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = %s\n' % SECRET)
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'AKIDENV')
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', 'env-secret')
    creds, client = credentials_of({'aws_profile': 'work'})
    assert creds.access_key == 'AKIDPROFILE'
    monkeypatch.delenv('AWS_ACCESS_KEY_ID')
    monkeypatch.delenv('AWS_SECRET_ACCESS_KEY')
    monkeypatch.setenv('AWS_PROFILE', 'work')
    assert credentials_of({})[0].access_key == 'AKIDPROFILE'


@pytest.mark.parametrize('options, words', [
    ({'access_key': 'AKID'}, ['access_key', 'secret_key', 'same source']),
    ({'secret_key': SECRET}, ['secret_key', 'access_key']),
    ({'access_key': 'AKID', 'secret_key': SECRET, 'aws_profile': 'work'}, ['aws_profile', 'access_key']),
    ({'aws_profile': 'missing'}, ["'missing'", 'not in the shared credentials']),
    ({}, ['no AWS credentials found', 'AWS_ACCESS_KEY_ID', 'AWS_SECURITY_TOKEN', 'aws_profile', 'instance']),
    ({'validate_certs': False, 'endpoint': None, 'access_key': 'AKID', 'secret_key': SECRET}, ['validate_certs']),
])
def test_unusable_credentials_fail_naming_what_to_set_and_never_the_secret(clean_env, options, words):
    options = dict({'endpoint': 'http://127.0.0.1:9'}, **options)
    with pytest.raises(RegistrarError) as err:
        build_client(options)
    assert [word for word in words if word not in str(err.value)] == []
    assert SECRET not in str(err.value)


def test_partial_keys_in_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'AKIDENV')
    with pytest.raises(RegistrarError) as err:
        build_client({'endpoint': 'http://127.0.0.1:9'})
    assert 'incomplete AWS credentials' in str(err.value)


def test_certificates_can_be_skipped_only_for_an_explicit_endpoint(clean_env):
    client = build_client({'endpoint': 'https://proxy.test:8443', 'validate_certs': False,
                           'access_key': 'AKID', 'secret_key': SECRET})
    assert client.boto.meta.endpoint_url == 'https://proxy.test:8443/'
    default = build_client({'access_key': 'AKID', 'secret_key': SECRET})
    assert default.boto.meta.endpoint_url == 'https://route53domains.us-east-1.amazonaws.com'
