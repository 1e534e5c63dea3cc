# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Alibaba Domain API client and provider, against scripted HTTP answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import threading
import time

from urllib.parse import parse_qsl, urlsplit

import pytest

requests = pytest.importorskip('requests')

# pylint: disable=wrong-import-position
from requests.adapters import BaseAdapter  # noqa: E402
from requests.structures import CaseInsensitiveDict  # noqa: E402
from urllib3.exceptions import MaxRetryError, NewConnectionError  # noqa: E402

from ansible_collections.dnsops.nameservers.plugins.module_utils import _alicloud, _alicloud_auth, _http  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import (  # noqa: E402
    AlicloudClient,
    AlicloudRegistrar,
    alicloud_domain,
    build_client,
    resolve_endpoint,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud_auth import Credentials, sign_v2  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.module_utils._http import normalise_endpoint  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.module_utils._providers import get_registrar  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (  # noqa: E402
    ChangeInProgress,
    RegistrarError,
    TaskFailed,
    TaskTimeout,
    WriteOutcomeUnknown,
)

ENDPOINT = 'https://domain.example.test/'
KEY_ID = 'LTAI-test-id'
SECRET = 'S3cr3t/With+Odd=Chars&*'
TOKEN = 'STS.Tok3n/+=secret-token-value'


# ---------------------------------------------------------------------------
# A scripted transport: a requests adapter mounted on a real Session.
# ---------------------------------------------------------------------------

class Sent(object):
    def __init__(self, request, kwargs):
        self.method = request.method
        self.url = request.url
        self.headers = request.headers
        body = request.body or b''
        if isinstance(body, str):
            body = body.encode('utf-8')
        self.body = body
        self.params = dict(parse_qsl(body.decode('utf-8'), keep_blank_values=True))
        self.verify = kwargs.get('verify')
        self.timeout = kwargs.get('timeout')


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted reply, or with ``responder(params)``.

    A reply is an exception instance (raised) or a tuple (status, body, headers);
    body may be a dict (sent as JSON) or a string/bytes.
    """

    def __init__(self, replies=None, responder=None):
        super(ScriptedAdapter, self).__init__()
        self.replies = list(replies or [])
        self.responder = responder
        self.sent = []
        self.lock = threading.Lock()

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        sent = Sent(request, kwargs)
        with self.lock:
            self.sent.append(sent)
            reply = self.replies.pop(0) if self.replies else None
        if reply is None:
            assert self.responder is not None, 'unexpected request %r' % sent.params.get('Action')
            reply = self.responder(sent.params)
        if isinstance(reply, Exception):
            raise reply
        status, body, headers = (tuple(reply) + (None, None))[:3]
        response = requests.Response()
        response.status_code = status
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        response._content = body.encode('utf-8') if isinstance(body, str) else (body or b'')
        response.headers = CaseInsensitiveDict(headers or {})
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass

    def actions(self):
        return [sent.params.get('Action') for sent in self.sent]


class FakeClock(object):
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(replies=None, responder=None, token=None, rand=lambda: 1.0, **kwargs):
    adapter = ScriptedAdapter(replies, responder)
    session = requests.Session()
    session.mount('https://', adapter)
    session.mount('http://', adapter)
    fake = FakeClock()
    client = AlicloudClient(Credentials(KEY_ID, SECRET, token, 'test'), ENDPOINT, session=session,
                            sleep=fake.sleep, clock=fake.clock, rand=rand, **kwargs)
    return client, adapter, fake


def make_registrar(replies=None, responder=None, **kwargs):
    client, adapter, fake = make_client(replies, responder, **kwargs)
    return AlicloudRegistrar({}, client=client), adapter, fake


def refused():
    """What requests raises when nothing listens: the request never left this machine."""
    cause = NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] Connection refused')
    return requests.exceptions.ConnectionError(MaxRetryError(None, ENDPOINT, reason=cause))


def ok(body=None):
    data = {'RequestId': 'req-ok'}
    data.update(body or {})
    return (200, data)


def error(status, code, message, request_id='req-err', headers=None):
    return (status, {'Code': code, 'Message': message, 'RequestId': request_id, 'HostId': 'domain.aliyuncs.com'}, headers)


DOMAIN = alicloud_domain('example.com', 'S1234567890')


# ---------------------------------------------------------------------------
# The request on the wire
# ---------------------------------------------------------------------------

def test_request_is_a_signed_post_with_common_parameters():
    client, adapter, dummy = make_client([ok({'Answer': 1})], token=TOKEN, timeout=7)
    assert client.call('QueryDnsHost', {'InstanceId': 'S1', 'Lang': 'en'}) == {'RequestId': 'req-ok', 'Answer': 1}
    sent = adapter.sent[0]
    assert sent.method == 'POST'
    assert sent.url == ENDPOINT  # nothing in the URL: no secret can leak through it
    assert sent.headers['Content-Type'].startswith('application/x-www-form-urlencoded')
    assert sent.verify not in (False, None)  # True, or the CA bundle requests found in the environment
    assert sent.timeout == 7
    params = sent.params
    assert params['Action'] == 'QueryDnsHost'
    assert params['Version'] == '2018-01-29'
    assert params['Format'] == 'JSON'
    assert params['AccessKeyId'] == KEY_ID
    assert params['SignatureMethod'] == 'HMAC-SHA1'
    assert params['SignatureVersion'] == '1.0'
    assert params['SecurityToken'] == TOKEN
    assert params['InstanceId'] == 'S1'
    assert re.match(r'^[0-9a-f]{32}$', params['SignatureNonce'])
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', params['Timestamp'])
    signature = params.pop('Signature')
    assert signature == sign_v2('POST', params, SECRET)
    # The body is encoded as the signature encodes: space %20, '*' %2A, '/' %2F.
    assert b'+' not in sent.body


def test_no_security_token_without_sts():
    client, adapter, dummy = make_client([ok()])
    client.call('QueryDomainList', {'PageNum': 1, 'PageSize': 100})
    assert 'SecurityToken' not in adapter.sent[0].params
    assert adapter.sent[0].params['PageNum'] == '1'


def test_values_with_special_characters_survive_the_form_body():
    client, adapter, dummy = make_client([ok()])
    client.call('X', {'A': u'a b*c~d/e+f=g&h\u00e9', 'Empty': ''})
    params = adapter.sent[0].params
    assert params['A'] == u'a b*c~d/e+f=g&h\u00e9'
    assert params['Empty'] == ''
    signature = params.pop('Signature')
    assert signature == sign_v2('POST', params, SECRET)


# ---------------------------------------------------------------------------
# Retries
# ---------------------------------------------------------------------------

def test_retries_transient_errors_then_succeeds(monkeypatch):
    stamps = iter('2026-01-01T00:00:%02dZ' % n for n in range(60))
    monkeypatch.setattr(_alicloud, '_timestamp', lambda: next(stamps))
    replies = [
        error(400, 'Throttling.User', 'Request was denied due to user flow control.'),
        (503, '<html>Service Unavailable</html>'),
        error(400, 'TaskIsBeingProcessed', 'another operation is running on this domain'),
        error(500, 'InternalError', 'oops'),
        error(400, 'NetworkIOError', 'backend network problem'),
        refused(),
        requests.exceptions.ConnectTimeout('connect timed out'),
        ok({'TotalItemNum': 0}),
    ]
    client, adapter, fake = make_client(replies)
    assert client.call('QueryDomainList', {'PageNum': 1})['TotalItemNum'] == 0
    assert len(adapter.sent) == 8
    assert len(fake.sleeps) == 7
    assert client.retries == 7
    assert client.calls == {'read': 1, 'write': 0}
    nonces = [sent.params['SignatureNonce'] for sent in adapter.sent]
    assert len(set(nonces)) == 8
    stamps_sent = [sent.params['Timestamp'] for sent in adapter.sent]
    assert len(set(stamps_sent)) == 8
    for sent in adapter.sent:  # every attempt is signed afresh
        params = dict(sent.params)
        assert params.pop('Signature') == sign_v2('POST', params, SECRET)


def test_a_write_is_sent_again_only_after_the_registry_refused_it():
    replies = [
        error(400, 'Throttling.User', 'Request was denied due to user flow control.'),
        error(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
        error(400, 'TaskIsBeingProcessed', 'another operation is running on this domain'),
        (429, 'Too Many Requests'),
        refused(),
        requests.exceptions.ConnectTimeout('connect timed out'),
        ok({'TaskNo': 't-1'}),
    ]
    client, adapter, fake = make_client(replies)
    assert client.call('SaveSingleTaskForCreatingDnsHost', {'InstanceId': 'S1'})['TaskNo'] == 't-1'
    assert (len(adapter.sent), client.retries, client.calls) == (7, 6, {'read': 0, 'write': 1})


@pytest.mark.parametrize('reply, words', [
    ((502, '<html><head><title>502 Bad Gateway</title></head></html>'), ['HTTP 502', '502 Bad Gateway']),
    ((503, '<html>Service Unavailable</html>'), ['HTTP 503']),
    (error(500, 'InternalError', 'The request processing has failed due to some unknown error.'), ['InternalError']),
    (error(400, 'NetworkIOError', 'backend network problem'), ['NetworkIOError']),
    ((200, '<html>OK</html>'), ['HTTP 200', 'not a JSON object']),
    (requests.exceptions.ChunkedEncodingError('connection broken while reading the answer'), ['ChunkedEncodingError']),
])
def test_a_write_the_registry_may_have_taken_is_not_sent_again(reply, words):
    client, adapter, fake = make_client([reply, ok({'TaskNo': 't-2'})])
    with pytest.raises(WriteOutcomeUnknown) as info:
        client.call('SaveSingleTaskForCreatingDnsHost', {'InstanceId': 'S1'})
    assert (len(adapter.sent), fake.sleeps) == (1, [])
    text = str(info.value)
    assert 'the registry may have applied this change, so it was not sent again' in text
    for word in words:
        assert word in text


def test_reads_are_retried_after_timeouts_and_dropped_connections():
    replies = [requests.exceptions.ConnectionError('connection reset by peer'),
               requests.exceptions.ReadTimeout('read timed out'), ok({'TotalItemNum': 0})]
    client, adapter, fake = make_client(replies)
    assert client.call('QueryDomainList')['TotalItemNum'] == 0
    assert len(adapter.sent) == 3
    assert client.retries == 2


@pytest.mark.parametrize('failure', [
    requests.exceptions.ReadTimeout('read timed out'),
    requests.exceptions.ConnectionError('connection reset by peer'),
])
def test_a_write_that_may_have_arrived_is_not_sent_twice(failure):
    client, adapter, fake = make_client([failure, ok({'TaskNo': 't-2'})])
    with pytest.raises(WriteOutcomeUnknown) as info:
        client.call('SaveSingleTaskForCreatingDnsHost', {'InstanceId': 'S1'})
    assert len(adapter.sent) == 1
    assert fake.sleeps == []
    assert 'the registry may have applied this change, so it was not sent again' in str(info.value)
    assert 'run the task again' in str(info.value)


def test_backoff_is_exponential_with_full_jitter():
    replies = [error(400, 'Throttling', 'slow down')] * 5 + [ok()]
    client, dummy, fake = make_client(replies, rand=lambda: 1.0)
    client.call('QueryDomainList')
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]
    client, dummy, fake = make_client(list(replies), rand=lambda: 0.25)
    client.call('QueryDomainList')
    assert fake.sleeps == [0.125, 0.25, 0.5, 1.0, 2.0]


def test_backoff_is_capped():
    replies = [error(503, 'ServiceUnavailable', 'busy')] * 8 + [ok()]
    client, dummy, fake = make_client(replies, retry_max_time=1000)
    client.call('QueryDomainList')
    assert max(fake.sleeps) == _http.RETRY_MAX_DELAY


def test_gives_up_after_max_retries_with_a_clear_message():
    replies = [error(400, 'Throttling.Api', 'Request was denied due to api flow control.', 'req-%d' % n) for n in range(10)]
    client, adapter, fake = make_client(replies, max_retries=3)
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost', {'InstanceId': 'S1'})
    assert len(adapter.sent) == 4
    assert len(fake.sleeps) == 3
    text = str(info.value)
    assert 'Throttling.Api' in text
    assert 'Request was denied due to api flow control.' in text
    assert 'req-3' in text  # the last attempt's RequestId
    assert 'gave up after 4 attempts' in text
    assert 'max_retries=3' in text
    assert 'QueryDnsHost' in text
    assert info.value.code == 'Throttling.Api'
    assert info.value.status == 400


def test_gives_up_when_retry_max_time_is_spent():
    replies = [error(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.')] * 30
    client, adapter, fake = make_client(replies, max_retries=30, retry_max_time=5)
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDomainList')
    assert sum(fake.sleeps) <= 5
    assert 'retry_max_time=5 s reached' in str(info.value)
    assert 'ServiceUnavailable' in str(info.value)
    assert len(adapter.sent) < 30


def test_max_retries_zero_means_one_attempt():
    client, adapter, fake = make_client([error(400, 'Throttling', 'slow down')], max_retries=0)
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDomainList')
    assert len(adapter.sent) == 1
    assert fake.sleeps == []
    assert 'gave up after 1 attempt ' in str(info.value)


def test_honours_x_acs_retry_after_in_milliseconds():
    replies = [error(400, 'Throttling', 'slow down', headers={'x-acs-retry-after': '3000'}), ok()]
    client, dummy, fake = make_client(replies, rand=lambda: 0.0)
    client.call('QueryDomainList')
    assert fake.sleeps == [3.0]


def test_retry_after_longer_than_the_time_left_gives_up_at_once():
    replies = [error(400, 'Throttling', 'slow down', headers={'x-acs-retry-after': '600000'}), ok()]
    client, adapter, fake = make_client(replies, retry_max_time=60)
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDomainList')
    assert fake.sleeps == []
    assert len(adapter.sent) == 1
    assert 'retry_max_time' in str(info.value)


@pytest.mark.parametrize('reply, code', [
    (error(400, 'InvalidParameter', 'Specified parameter Ip is not valid.', 'req-77'), 'InvalidParameter'),
    (error(400, 'DomainNotExist', 'The domain does not exist.', 'req-77'), 'DomainNotExist'),
    (error(403, 'Forbidden.RAM', 'User not authorized to operate on the specified resource.', 'req-77'), 'Forbidden.RAM'),
    (error(404, 'InvalidApi.NotFound', 'Specified api is not found.', 'req-77'), 'InvalidApi.NotFound'),
])
def test_other_errors_fail_at_once_with_code_message_and_request_id(reply, code):
    client, adapter, fake = make_client([reply, ok()])
    with pytest.raises(RegistrarError) as info:
        client.call('SaveSingleTaskForCreatingDnsHost', {'InstanceId': 'S1'})
    assert len(adapter.sent) == 1
    assert fake.sleeps == []
    text = str(info.value)
    assert text.startswith(code + ': ')
    assert reply[1]['Message'] in text
    assert 'RequestId req-77' in text
    assert info.value.code == code
    assert info.value.request_id == 'req-77'
    assert info.value.status == reply[0]
    assert not info.value.retryable


def test_lower_camel_error_keys_are_understood():
    client, dummy, dummy2 = make_client([(400, {'code': 'ParameterIllegal', 'message': 'bad parameter', 'requestId': 'r-9'})])
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost')
    assert (info.value.code, info.value.request_id) == ('ParameterIllegal', 'r-9')
    assert 'bad parameter' in str(info.value)


def test_non_json_error_body_gives_status_and_short_excerpt():
    body = '<html><body>' + 'Bad Gateway ' * 100 + '</body></html>'
    client, adapter, dummy = make_client([(418, body)])
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost')
    text = str(info.value)
    assert 'HTTP 418' in text
    assert 'not JSON' in text
    assert '<html><body>Bad Gateway' in text
    assert len(text) < 400
    assert info.value.status == 418
    assert len(adapter.sent) == 1


def test_success_with_non_json_body_is_an_error():
    client, dummy, dummy2 = make_client([(200, 'OK')])
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost')
    assert 'not a JSON object' in str(info.value)
    assert 'HTTP 200' in str(info.value)


def test_tls_errors_are_not_retried():
    client, adapter, fake = make_client([requests.exceptions.SSLError('certificate verify failed'), ok()])
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost')
    assert len(adapter.sent) == 1
    assert 'certificate verify failed' in str(info.value)


def test_connection_errors_give_up_with_the_endpoint_and_error_class():
    client, dummy, dummy2 = make_client([requests.exceptions.ConnectionError('Name or service not known')] * 3, max_retries=2)
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost')
    text = str(info.value)
    assert 'connection to %s failed: ConnectionError' % ENDPOINT in text
    assert 'gave up after 3 attempts' in text


# ---------------------------------------------------------------------------
# Secrets never leak
# ---------------------------------------------------------------------------

def _assert_no_secret(text):
    from urllib.parse import quote
    for secret in (SECRET, TOKEN):
        for form in (secret, quote(secret, safe=''), quote(quote(secret, safe=''), safe='')):
            assert form not in text


def test_secret_and_token_never_appear_in_error_messages():
    echoed = ('Specified signature is not matched with our calculation. server string to sign is:POST&%%2F&'
              'AccessKeyId%%3D%s%%26SecurityToken%%3D%s' % (KEY_ID, _alicloud_auth.percent_encode(_alicloud_auth.percent_encode(TOKEN))))
    replies = [
        error(400, 'InvalidParameter', echoed + ' raw token ' + TOKEN),
        requests.exceptions.ConnectionError('HTTPSConnectionPool: Max retries exceeded with url: /?SecurityToken=%s&x=%s'
                                            % (_alicloud_auth.percent_encode(TOKEN), SECRET)),
        (502, 'proxy says ' + SECRET + ' and ' + TOKEN),
        (200, 'not json ' + TOKEN),
    ]
    messages = []
    for reply in replies:
        client, dummy, dummy2 = make_client([reply], token=TOKEN, max_retries=0)
        with pytest.raises(RegistrarError) as info:
            client.call('QueryDnsHost')
        messages.append(str(info.value))
        messages.append(repr(info.value.args))
    messages.append(repr(client))
    messages.append(repr(AlicloudRegistrar({}, client=client)))
    for text in messages:
        _assert_no_secret(text)
    assert 'InvalidParameter' in messages[0]
    assert '********' in messages[0]
    assert 'ConnectionError' in messages[2]


@pytest.mark.parametrize('secret, text, expected', [
    # short secrets: only where they stand alone
    ('ab', 'about tabs and a drab cab', 'about tabs and a drab cab'),
    ('ab', 'secret=ab&next', 'secret=********&next'),
    ('ab', 'ab', '********'),
    ('a', 'a timeout at a.example', '******** timeout at ********.example'),
    ('x/y', 'sent x%2Fy and x%252Fy, not xx%2Fyy', 'sent ******** and ********, not xx%2Fyy'),
    # four characters and more: wherever they occur
    ('abcd', 'xabcdx abcd', 'x********x ********'),
    ('S3cr3t+/=', 'S3cr3t%2B%2F%3D in S3cr3t+/=', '******** in ********'),
])
def test_scrub_removes_secrets_sensibly(secret, text, expected):
    client, dummy, dummy2 = make_client()
    client._credentials = Credentials(KEY_ID, secret, None, 'test')  # pylint: disable=protected-access
    assert client.scrub(text) == expected


def test_a_short_secret_in_a_registry_error_is_scrubbed_as_a_token_only():
    client, dummy, dummy2 = make_client([error(400, 'SignatureDoesNotMatch', 'Signature mismatch for key s in request')],
                                        max_retries=0)
    client._credentials = Credentials(KEY_ID, 's', None, 'test')  # pylint: disable=protected-access
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost')
    assert 'Signature mismatch for key ******** in request' in str(info.value)


# ---------------------------------------------------------------------------
# Endpoint, site, validate_certs, numeric options
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('options, url, verify', [
    ({}, 'https://domain.aliyuncs.com/', True),
    ({'site': 'china'}, 'https://domain.aliyuncs.com/', True),
    ({'site': 'international'}, 'https://domain-intl.aliyuncs.com/', True),
    ({'site': 'international', 'endpoint': 'sim.lab'}, 'https://sim.lab/', True),
    ({'endpoint': 'localhost:8443'}, 'https://localhost:8443/', True),
    ({'endpoint': 'http://127.0.0.1:8080', 'validate_certs': False}, 'http://127.0.0.1:8080/', False),
    ({'endpoint': 'HTTPS://Sim.Lab:9443/api', 'validate_certs': False}, 'https://sim.lab:9443/api/', False),
    ({'endpoint': 'http://[2001:db8::1]:8080/'}, 'http://[2001:db8::1]:8080/', True),
])
def test_endpoint_rules(options, url, verify):
    assert resolve_endpoint(options) == (url, verify)


def test_validate_certs_false_needs_an_explicit_endpoint():
    with pytest.raises(RegistrarError) as info:
        resolve_endpoint({'site': 'international', 'validate_certs': False})
    assert 'validate_certs' in str(info.value)
    assert 'endpoint' in str(info.value)


@pytest.mark.parametrize('endpoint', ['ftp://sim.lab', 'http://', 'sim lab', 'https://sim.lab:99999', 'https://u:p@sim.lab',
                                      'https://sim.lab/?a=b'])
def test_bad_endpoints_are_refused(endpoint):
    with pytest.raises(RegistrarError) as info:
        normalise_endpoint(endpoint)
    assert 'endpoint' in str(info.value)


@pytest.mark.parametrize('endpoint', [
    'https://alice:hunter2pw@sim.lab',
    'u:hunter2pw@sim.lab',
    'http://u:hunter2pw@sim.lab:99999',
    'ftp://u:hunter2pw@sim.lab',
    'https://u:hunter2pw@sim lab',
    'https://u:hun/ter2pw#x@sim.lab',
    'https://:hunter2pw@sim.lab/',
    'https://hunter2pw@sim.lab/',
    'https://sim.lab/?AccessKeySecret=hunter2pw',
    'https://sim.lab/#hunter2pw',
])
def test_endpoint_errors_never_show_user_information_or_a_query(endpoint):
    for call in (lambda: normalise_endpoint(endpoint), lambda: resolve_endpoint({'endpoint': endpoint})):
        with pytest.raises(RegistrarError) as info:
            call()
        text = str(info.value)
        assert 'endpoint' in text
        for secret in ('hunter2pw', 'hun/ter2pw', 'ter2pw', 'alice'):
            assert secret not in text
        assert 'sim' in text and '********' in text


def test_redact_endpoint_leaves_plain_endpoints_alone():
    assert _http.redact_endpoint('https://sim.lab:8443/api/') == 'https://sim.lab:8443/api/'
    assert _http.redact_endpoint('https://u:p@sim.lab:8443/api') == 'https://********@sim.lab:8443/api'
    assert _http.redact_endpoint('https://sim.lab/?a=b') == 'https://sim.lab/?********'


def test_unknown_site_is_refused():
    with pytest.raises(RegistrarError) as info:
        resolve_endpoint({'site': 'mars'})
    assert 'site' in str(info.value) and 'international' in str(info.value)


def test_the_client_uses_the_endpoint_and_verify_setting(tmp_path):
    client = build_client({'access_key_id': 'id', 'access_key_secret': 'sec', 'endpoint': 'http://127.0.0.1:1',
                           'validate_certs': False, 'timeout': 5, 'max_retries': 2, 'retry_max_time': 10},
                          environ={}, home=str(tmp_path))
    adapter = ScriptedAdapter([ok()])
    client.session.mount('http://', adapter)
    client.call('QueryDomainList')
    assert urlsplit(adapter.sent[0].url).netloc == '127.0.0.1:1'
    assert adapter.sent[0].verify is False
    assert adapter.sent[0].timeout == 5
    assert (client.max_retries, client.retry_max_time) == (2, 10)


def test_option_defaults(tmp_path):
    client = build_client({'access_key_id': 'id', 'access_key_secret': 'sec'}, environ={}, home=str(tmp_path))
    assert (client.endpoint, client.validate_certs, client.timeout, client.max_retries, client.retry_max_time) == \
        ('https://domain.aliyuncs.com/', True, 30, 8, 120)


@pytest.mark.parametrize('name, value', [
    ('max_retries', -1), ('max_retries', 31), ('max_retries', 2.5), ('max_retries', 'many'),
    ('retry_max_time', -5), ('retry_max_time', 100000), ('timeout', 0), ('timeout', True), ('max_workers', 0),
    ('max_workers', 65), ('max_workers', 2.5),
])
def test_numeric_options_are_bounded(tmp_path, name, value):
    options = {'access_key_id': 'id', 'access_key_secret': 'sec', name: value}
    with pytest.raises(RegistrarError) as info:
        AlicloudRegistrar(options, environ={}, home=str(tmp_path))
    assert 'option %s' % name in str(info.value)


def test_get_registrar_builds_the_alicloud_provider(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    for name in ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY'):
        monkeypatch.delenv(name, raising=False)
    registrar = get_registrar('alicloud', {'access_key_id': 'id', 'access_key_secret': 'sec', 'site': 'international'})
    assert isinstance(registrar, AlicloudRegistrar)
    assert registrar.client.endpoint == 'https://domain-intl.aliyuncs.com/'
    assert registrar.calls == {'read': 0, 'write': 0}
    assert registrar.max_domains_per_nameserver_change == 1000


# ---------------------------------------------------------------------------
# The provider: domains
# ---------------------------------------------------------------------------

def _domain_page(names, page, total_pages):
    return ok({'CurrentPageNum': page, 'TotalPageNum': total_pages, 'PageSize': 100, 'TotalItemNum': 250,
               'Data': {'Domain': [{'DomainName': name, 'InstanceId': 'S-' + name} for name in names]}})


def test_list_domains_reads_every_page():
    names = ['d%03d.example' % n for n in range(250)]
    replies = [_domain_page(names[0:100], 1, 3), _domain_page(names[100:200], 2, 3), _domain_page(names[200:], 3, 3)]
    registrar, adapter, dummy = make_registrar(replies)
    domains = registrar.list_domains()
    assert [d.name for d in domains] == names
    assert domains[7].facts['instance_id'] == 'S-d007.example'
    assert domains[7].nameservers is None
    assert [(s.params['PageNum'], s.params['PageSize']) for s in adapter.sent] == [('1', '100'), ('2', '100'), ('3', '100')]
    assert registrar.calls == {'read': 3, 'write': 0}


def test_list_domains_without_page_totals_stops_at_a_short_page():
    first = ok({'Data': {'Domain': [{'DomainName': 'A%d.Example.' % n, 'InstanceId': 'S%d' % n} for n in range(100)]}})
    second = ok({'Data': {'Domain': [{'DomainName': 'last.example', 'InstanceId': 'S-last'}]}})
    registrar, adapter, dummy = make_registrar([first, second])
    domains = registrar.list_domains()
    assert len(domains) == 101
    assert domains[0].name == 'a0.example'
    assert len(adapter.sent) == 2


def test_get_domain_normalises_name_servers():
    reply = ok({'DomainName': 'Example.COM', 'InstanceId': 'S1234567890',
                'DnsList': {'Dns': ['NS1.Example.COM.', 'ns2.example.com']}})
    registrar, adapter, dummy = make_registrar([reply])
    domain = registrar.get_domain('EXAMPLE.com.')
    assert (domain.name, domain.facts['instance_id'], domain.nameservers) == (
        'example.com', 'S1234567890', ['ns1.example.com', 'ns2.example.com'])
    assert adapter.sent[0].params['DomainName'] == 'example.com'


def test_get_domain_not_in_the_account_is_none():
    registrar, adapter, dummy = make_registrar([error(400, 'DomainNotExist', 'The domain does not exist.')])
    assert registrar.get_domain('absent.example') is None
    assert len(adapter.sent) == 1


def test_get_domain_other_errors_propagate():
    registrar, dummy, dummy2 = make_registrar([error(403, 'Forbidden.RAM', 'User not authorized.')])
    with pytest.raises(RegistrarError) as info:
        registrar.get_domain('example.com')
    assert info.value.code == 'Forbidden.RAM'


def test_get_domains_runs_concurrently_and_bounded():
    state = {'now': 0, 'max': 0}
    lock = threading.Lock()

    def responder(params):
        with lock:
            state['now'] += 1
            state['max'] = max(state['max'], state['now'])
        time.sleep(0.05)
        with lock:
            state['now'] -= 1
        name = params['DomainName']
        if name.startswith('missing'):
            return error(400, 'DomainNotExist', 'The domain does not exist.')
        return ok({'DomainName': name, 'InstanceId': 'S-' + name, 'DnsList': {'Dns': ['ns1.' + name]}})

    client, adapter, dummy = make_client(responder=responder)
    registrar = AlicloudRegistrar({'max_workers': 4}, client=client)
    names = ['d%d.example' % n for n in range(20)] + ['missing.example']
    started = time.time()
    result = registrar.get_domains(names)
    elapsed = time.time() - started
    assert set(result) == set(names)
    assert result['missing.example'] is None
    assert result['d3.example'].nameservers == ['ns1.d3.example']
    assert 1 < state['max'] <= 4
    assert elapsed < 21 * 0.05  # faster than one after the other
    assert registrar.calls['read'] == 21


def test_get_domains_propagates_errors():
    def responder(params):
        if params['DomainName'] == 'bad.example':
            return error(403, 'Forbidden', 'no access')
        return ok({'DomainName': params['DomainName'], 'InstanceId': 'S'})

    registrar, dummy, dummy2 = make_registrar(responder=responder)
    with pytest.raises(RegistrarError) as info:
        registrar.get_domains(['a.example', 'bad.example', 'c.example'])
    assert info.value.code == 'Forbidden'


# ---------------------------------------------------------------------------
# The provider: glue hosts
# ---------------------------------------------------------------------------

def test_list_hosts_gives_full_names_and_canonical_sorted_addresses():
    reply = ok({'DnsHostList': [
        {'DnsName': 'NS2', 'IpList': ['2001:DB8:0:0::0001', '198.51.100.20', '198.51.100.3']},
        {'DnsName': 'ns1.example.com', 'IpList': ['198.51.100.1']},
        {'DnsName': 'dns.sub', 'IpList': '198.51.100.9,198.51.100.8'},
    ]})
    registrar, adapter, dummy = make_registrar([reply])
    hosts = registrar.list_hosts(DOMAIN)
    assert [h.as_dict() for h in hosts] == [
        {'name': 'dns.sub.example.com', 'ips': ['198.51.100.8', '198.51.100.9']},
        {'name': 'ns1.example.com', 'ips': ['198.51.100.1']},
        {'name': 'ns2.example.com', 'ips': ['198.51.100.3', '198.51.100.20', '2001:db8::1']},
    ]
    assert adapter.sent[0].params['InstanceId'] == 'S1234567890'
    assert adapter.sent[0].params['Action'] == 'QueryDnsHost'


def test_list_hosts_of_a_domain_without_hosts():
    registrar, dummy, dummy2 = make_registrar([ok({'DnsHostList': []})])
    assert registrar.list_hosts(DOMAIN) == []


@pytest.mark.parametrize('method, action', [
    ('create_host', 'SaveSingleTaskForCreatingDnsHost'),
    ('modify_host', 'SaveSingleTaskForModifyingDnsHost'),
])
def test_create_and_modify_send_the_label_and_a_repeat_list(method, action):
    registrar, adapter, dummy = make_registrar([ok({'TaskNo': 'task-42'})])
    task = getattr(registrar, method)(DOMAIN, 'NS1.Example.com.', ['2001:db8::0:1', '198.51.100.1'])
    assert task == 'task-42'
    params = adapter.sent[0].params
    assert params['Action'] == action
    assert params['InstanceId'] == 'S1234567890'
    assert params['DnsName'] == 'ns1'
    assert (params['Ip.1'], params['Ip.2']) == ('198.51.100.1', '2001:db8::1')
    assert 'Ip.3' not in params
    assert registrar.calls == {'read': 0, 'write': 1}


def test_deeper_host_names_keep_their_relative_label():
    registrar, adapter, dummy = make_registrar([ok({'TaskNo': 't'})])
    registrar.create_host(DOMAIN, 'ns1.dns.example.com', ['198.51.100.1'])
    assert adapter.sent[0].params['DnsName'] == 'ns1.dns'


def test_delete_sends_no_addresses():
    registrar, adapter, dummy = make_registrar([ok({'TaskNo': 'task-del'})])
    assert registrar.delete_host(DOMAIN, 'ns3.example.com', ['198.51.100.3']) == 'task-del'
    params = adapter.sent[0].params
    assert params['Action'] == 'SaveSingleTaskForDeletingDnsHost'
    assert params['DnsName'] == 'ns3'
    assert not [name for name in params if name.startswith('Ip')]


@pytest.mark.parametrize('name, ips, words', [
    ('ns1.other.org', ['198.51.100.1'], 'not inside the domain'),
    ('example.com', ['198.51.100.1'], 'not inside the domain'),
    ('ns1.badexample.com', ['198.51.100.1'], 'not inside the domain'),
    ('ns1.example.com', [], '1 to 13 addresses'),
    ('ns1.example.com', ['198.51.100.%d' % n for n in range(1, 15)], '1 to 13 addresses'),
    ('ns1.example.com', ['not-an-ip'], 'not an IPv4 or IPv6 address'),
])
def test_bad_hosts_never_reach_the_registry(name, ips, words):
    registrar, adapter, dummy = make_registrar([ok({'TaskNo': 't'})])
    with pytest.raises(RegistrarError) as info:
        registrar.create_host(DOMAIN, name, ips)
    assert words in str(info.value)
    assert adapter.sent == []


def test_a_save_without_task_number_is_an_error():
    registrar, dummy, dummy2 = make_registrar([ok({})])
    with pytest.raises(RegistrarError) as info:
        registrar.create_host(DOMAIN, 'ns1.example.com', ['198.51.100.1'])
    assert 'TaskNo' in str(info.value)


# ---------------------------------------------------------------------------
# The provider: delegation
# ---------------------------------------------------------------------------

def test_set_nameservers_in_chunks_of_1000():
    counter = {'n': 0}

    def responder(params):
        counter['n'] += 1
        return ok({'TaskNo': 'task-%d' % counter['n']})

    registrar, adapter, dummy = make_registrar(responder=responder)
    domains = ['d%04d.example' % n for n in range(2500)]
    tasks = registrar.set_nameservers(domains, ['NS1.example.com.', 'ns2.example.com'])
    assert tasks == ['task-1', 'task-2', 'task-3']
    sizes = [len([k for k in sent.params if k.startswith('DomainName.')]) for sent in adapter.sent]
    assert sizes == [1000, 1000, 500]
    first = adapter.sent[0].params
    assert first['Action'] == 'SaveBatchTaskForModifyingDomainDns'
    assert first['AliyunDns'] == 'false'
    assert (first['DomainName.1'], first['DomainName.1000']) == ('d0000.example', 'd0999.example')
    assert adapter.sent[2].params['DomainName.500'] == 'd2499.example'
    assert (first['DomainNameServer.1'], first['DomainNameServer.2']) == ('ns1.example.com', 'ns2.example.com')
    assert 'DomainNameServer.3' not in first
    assert registrar.calls == {'read': 0, 'write': 3}


def test_set_nameservers_for_no_domain_writes_nothing():
    registrar, adapter, dummy = make_registrar([])
    assert registrar.set_nameservers([], ['ns1.example.com']) == []
    assert adapter.sent == []


def test_set_nameservers_needs_name_servers():
    registrar, adapter, dummy = make_registrar([])
    with pytest.raises(RegistrarError) as info:
        registrar.set_nameservers(['example.com'], [])
    assert '1 to 13 name servers' in str(info.value)
    assert adapter.sent == []


# ---------------------------------------------------------------------------
# The provider: asynchronous tasks
# ---------------------------------------------------------------------------

def _details(task, *items, **paging):
    data = {'Data': {'TaskDetail': [dict(TaskNo=task, DomainName=d, TaskStatus=s, ErrorMsg=e) for d, s, e in items]}}
    data.update(paging)
    return ok(data)


def test_wait_task_polls_with_backoff_until_success():
    replies = [
        _details('t1'),  # no details yet: pending
        _details('t1', ('example.com', 'WAITING_EXECUTE', '')),
        _details('t1', ('example.com', 'EXECUTING', '')),
        _details('t1', ('Example.com', 'EXECUTE_SUCCESS', '')),
    ]
    registrar, adapter, fake = make_registrar(replies)
    result = registrar.wait_task('t1', 600)
    assert result == [{'domain': 'example.com', 'status': 'EXECUTE_SUCCESS', 'error': None}]
    assert fake.sleeps == [0.5, 1.0, 2.0]
    assert all(s.params['TaskNo'] == 't1' for s in adapter.sent)
    assert registrar.calls == {'read': 4, 'write': 0}


def test_wait_task_backoff_is_capped():
    replies = [_details('t1', ('example.com', 'EXECUTING', ''))] * 8 + [_details('t1', ('example.com', 'EXECUTE_SUCCESS', ''))]
    registrar, dummy, fake = make_registrar(replies)
    registrar.wait_task('t1', 600)
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]


def test_wait_task_reads_every_page_of_details():
    page1 = ok({'CurrentPageNum': 1, 'TotalPageNum': 2,
                'Data': {'TaskDetail': [{'DomainName': 'd%d.example' % n, 'TaskStatusCode': 2} for n in range(1000)]}})
    page2 = ok({'CurrentPageNum': 2, 'TotalPageNum': 2,
                'Data': {'TaskDetail': [{'DomainName': 'last.example', 'TaskStatus': 'EXECUTE_SUCCESS'}]}})
    registrar, adapter, fake = make_registrar([page1, page2])
    result = registrar.wait_task('t9', 60)
    assert len(result) == 1001
    assert result[0] == {'domain': 'd0.example', 'status': 'EXECUTE_SUCCESS', 'error': None}
    assert [s.params['PageNum'] for s in adapter.sent] == ['1', '2']
    assert fake.sleeps == []


def test_a_pending_domain_on_a_later_page_keeps_the_task_pending():
    page1 = ok({'TotalPageNum': 2, 'Data': {'TaskDetail': [{'DomainName': 'a.example', 'TaskStatus': 'EXECUTE_SUCCESS'}]}})
    page2 = ok({'TotalPageNum': 2, 'Data': {'TaskDetail': [{'DomainName': 'b.example', 'TaskStatus': 'EXECUTING'}]}})
    done2 = ok({'TotalPageNum': 2, 'Data': {'TaskDetail': [{'DomainName': 'b.example', 'TaskStatus': 'EXECUTE_SUCCESS'}]}})
    registrar, adapter, fake = make_registrar([page1, page2, page1, done2])
    assert [d['domain'] for d in registrar.wait_task('t', 60)] == ['a.example', 'b.example']
    assert len(fake.sleeps) == 1


def test_wait_task_failure_carries_the_registry_text_and_domain():
    replies = [_details('t2', ('ok.example', 'EXECUTE_SUCCESS', ''),
                        ('locked.example', 'EXECUTE_FAILURE', 'domain has an update-prohibition lock'))]
    registrar, dummy, dummy2 = make_registrar(replies)
    with pytest.raises(TaskFailed) as info:
        registrar.wait_task('t2', 600)
    text = str(info.value)
    assert 't2' in text
    assert 'locked.example: domain has an update-prohibition lock' in text
    assert 'ok.example' not in text


def test_wait_task_timeout_names_the_pending_domains():
    def responder(params):
        return _details(params['TaskNo'], ('a.example', 'EXECUTE_SUCCESS', ''), ('b.example', 'EXECUTING', ''),
                        ('c.example', 'WAITING_EXECUTE', ''))

    registrar, adapter, fake = make_registrar(responder=responder)
    with pytest.raises(TaskTimeout) as info:
        registrar.wait_task('t3', 30)
    text = str(info.value)
    assert 'not finished after 30 s' in text
    assert 'b.example (EXECUTING)' in text
    assert 'c.example (WAITING_EXECUTE)' in text
    assert 'a.example' not in text
    assert sum(fake.sleeps) == pytest.approx(30)


def test_wait_task_timeout_without_details():
    registrar, dummy, dummy2 = make_registrar(responder=lambda params: _details(params['TaskNo']))
    with pytest.raises(TaskTimeout) as info:
        registrar.wait_task('t4', 5)
    assert 'no per-domain details reported yet' in str(info.value)


def test_wait_tasks_polls_several_tasks_in_one_loop():
    polls = {'a': 0, 'b': 0}

    def responder(params):
        task = params['TaskNo']
        polls[task] += 1
        status = 'EXECUTE_SUCCESS' if polls[task] >= (2 if task == 'a' else 4) else 'EXECUTING'
        return _details(task, (task + '.example', status, ''))

    registrar, dummy, fake = make_registrar(responder=responder)
    result = registrar.wait_tasks(['a', 'b'], 600)
    assert result == {
        'a': [{'domain': 'a.example', 'status': 'EXECUTE_SUCCESS', 'error': None}],
        'b': [{'domain': 'b.example', 'status': 'EXECUTE_SUCCESS', 'error': None}],
    }
    assert polls == {'a': 2, 'b': 4}  # a finished task is no longer polled
    assert fake.sleeps == [0.5, 1.0, 2.0]


def test_http_429_without_a_json_body_is_retried():
    client, adapter, fake = make_client([(429, 'Too Many Requests'), ok()])
    client.call('QueryDomainList')
    assert len(adapter.sent) == 2
    assert len(fake.sleeps) == 1


def test_a_domain_without_instance_id_never_reaches_the_registry():
    registrar, adapter, dummy = make_registrar([ok({'DnsHostList': []})])
    with pytest.raises(RegistrarError) as info:
        registrar.list_hosts(alicloud_domain('example.com', None))
    assert 'example.com has no InstanceId' in str(info.value)
    assert adapter.sent == []


def test_task_failure_keeps_the_details_for_the_caller():
    replies = [_details('t5', ('a.example', 'EXECUTE_FAILURE', 'the host is in use'))]
    registrar, dummy, dummy2 = make_registrar(replies)
    with pytest.raises(TaskFailed) as info:
        registrar.wait_tasks(['t5'], 60)
    assert info.value.task_id == 't5'
    assert info.value.details == [{'domain': 'a.example', 'status': 'EXECUTE_FAILURE', 'error': 'the host is in use'}]


def _polled(script):
    """A responder answering task ``t`` with script[t][n] on its n-th poll (the last one repeats)."""
    polls = dict((task, 0) for task in script)

    def responder(params):
        task = params['TaskNo']
        answers = script[task]
        items = answers[min(polls[task], len(answers) - 1)]
        polls[task] += 1
        return _details(task, *items)

    return responder, polls


def test_a_failed_task_does_not_stop_the_others_from_being_reported():
    responder, polls = _polled({
        'a': [[('a.example', 'EXECUTE_FAILURE', 'domain has an update-prohibition lock')]],
        'b': [[('b.example', 'EXECUTING', '')], [('b.example', 'EXECUTING', '')], [('b.example', 'EXECUTE_SUCCESS', '')]],
        'c': [[('c.example', 'EXECUTING', '')], [('c.example', 'EXECUTE_FAILURE', 'registry says no')]],
    })
    registrar, dummy, dummy2 = make_registrar(responder=responder)
    with pytest.raises(TaskFailed) as info:
        registrar.wait_tasks(['a', 'b', 'c'], 600)
    assert polls == {'a': 1, 'b': 3, 'c': 2}  # every task polled until it finished
    text = str(info.value)
    assert 'registry task a failed: a.example: domain has an update-prohibition lock' in text
    assert 'registry task c failed: c.example: registry says no' in text
    assert 'b.example' not in text
    assert info.value.tasks == [
        {'task_id': 'a', 'status': 'failure',
         'details': [{'domain': 'a.example', 'status': 'EXECUTE_FAILURE', 'error': 'domain has an update-prohibition lock'}]},
        {'task_id': 'b', 'status': 'success', 'details': [{'domain': 'b.example', 'status': 'EXECUTE_SUCCESS', 'error': None}]},
        {'task_id': 'c', 'status': 'failure',
         'details': [{'domain': 'c.example', 'status': 'EXECUTE_FAILURE', 'error': 'registry says no'}]},
    ]
    assert (info.value.task_id, info.value.details[0]['domain']) == ('a', 'a.example')


def test_a_task_with_one_failed_domain_is_polled_until_every_domain_finished():
    responder, polls = _polled({'t': [
        [('a.example', 'EXECUTE_FAILURE', 'locked'), ('b.example', 'EXECUTING', '')],
        [('a.example', 'EXECUTE_FAILURE', 'locked'), ('b.example', 'EXECUTE_SUCCESS', '')],
    ]})
    registrar, dummy, dummy2 = make_registrar(responder=responder)
    with pytest.raises(TaskFailed) as info:
        registrar.wait_task('t', 600)
    assert polls == {'t': 2}
    assert [(d['domain'], d['status']) for d in info.value.tasks[0]['details']] == [
        ('a.example', 'EXECUTE_FAILURE'), ('b.example', 'EXECUTE_SUCCESS')]
    assert 'a.example: locked' in str(info.value) and 'b.example' not in str(info.value)


def test_a_failure_and_an_unfinished_task_are_both_reported_at_the_timeout():
    responder, dummy = _polled({
        'a': [[('a.example', 'EXECUTE_FAILURE', 'locked')]],
        'b': [[('b.example', 'EXECUTING', '')]],
    })
    registrar, dummy2, fake = make_registrar(responder=responder)
    with pytest.raises(TaskFailed) as info:
        registrar.wait_tasks(['a', 'b'], 30)
    text = str(info.value)
    assert 'registry task a failed: a.example: locked' in text
    assert 'not finished after 30 s: b: still pending: b.example (EXECUTING)' in text
    assert [(t['task_id'], t['status']) for t in info.value.tasks] == [('a', 'failure'), ('b', 'unfinished')]
    assert sum(fake.sleeps) == pytest.approx(30)


def test_a_timeout_reports_every_task():
    responder, dummy = _polled({
        'a': [[('a.example', 'EXECUTE_SUCCESS', '')]],
        'b': [[('b.example', 'WAITING_EXECUTE', '')]],
    })
    registrar, dummy2, dummy3 = make_registrar(responder=responder)
    with pytest.raises(TaskTimeout) as info:
        registrar.wait_tasks(['a', 'b'], 5)
    assert [(t['task_id'], t['status']) for t in info.value.tasks] == [('a', 'success'), ('b', 'unfinished')]
    assert info.value.task_id == 'b'
    assert 'a.example' not in str(info.value)


def test_many_failed_domains_are_summed_up_in_the_message_but_all_kept_in_tasks():
    items = [('d%02d.example' % n, 'EXECUTE_FAILURE', 'locked') for n in range(30)]
    registrar, dummy, dummy2 = make_registrar([_details('t', *items)])
    with pytest.raises(TaskFailed) as info:
        registrar.wait_task('t', 60)
    assert 'd19.example: locked and 10 more' in str(info.value)
    assert 'd20.example' not in str(info.value)
    assert len(info.value.tasks[0]['details']) == 30


def test_a_refused_later_batch_reports_the_batches_already_accepted():
    replies = [ok({'TaskNo': 'task-1'}), error(400, 'InvalidParameter', 'The DomainName is invalid.')]
    registrar, dummy, dummy2 = make_registrar(replies)
    with pytest.raises(RegistrarError) as info:
        registrar.set_nameservers(['d%04d.example' % n for n in range(1500)], ['ns1.example.com', 'ns2.example.com'])
    assert info.value.task_ids == ['task-1']
    assert info.value.code == 'InvalidParameter'
    assert 'the 1 earlier batch of this change was accepted as task task-1' in str(info.value)


def test_a_refused_first_batch_reports_no_task():
    registrar, dummy, dummy2 = make_registrar([error(400, 'InvalidParameter', 'The DomainName is invalid.')])
    with pytest.raises(RegistrarError) as info:
        registrar.set_nameservers(['a.example'], ['ns1.example.com', 'ns2.example.com'])
    assert getattr(info.value, 'task_ids', None) is None


def test_the_connection_pool_fits_the_workers(tmp_path):
    registrar = AlicloudRegistrar({'access_key_id': 'id', 'access_key_secret': 'sec', 'max_workers': 32},
                                  environ={}, home=str(tmp_path))
    adapter = registrar.client.session.get_adapter('https://domain.aliyuncs.com/')
    assert adapter._pool_maxsize == 32  # pylint: disable=protected-access


# ---------------------------------------------------------------------------
# Over a real socket: a local HTTP server that checks the signature the way
# Alibaba's own SDK computes it.
# ---------------------------------------------------------------------------

def _serve(handler_answer):
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  pylint: disable=invalid-name
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length).decode('utf-8')
            params = dict(parse_qsl(body, keep_blank_values=True))
            params.update(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            seen.append(params)
            status, answer = handler_answer(params)
            data = json.dumps(answer).encode('utf-8')
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    server = HTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    return server, seen


def _expected_signature(params, secret):
    try:
        from aliyunsdkcore.auth.composer import rpc_signature_composer
    except ImportError:
        return sign_v2('POST', params, secret)
    compose = getattr(rpc_signature_composer, '__compose_string_to_sign')
    return getattr(rpc_signature_composer, '__get_signature')(compose('POST', params), secret)


def test_real_http_round_trip_is_verifiable_by_the_sdk_signer(tmp_path):
    def answer(params):
        params = dict(params)
        signature = params.pop('Signature')
        if signature != _expected_signature(params, SECRET):
            return 400, {'Code': 'SignatureDoesNotMatch', 'Message': 'bad signature', 'RequestId': 'r'}
        return 200, {'RequestId': 'r', 'DnsHostList': [{'DnsName': 'ns1', 'IpList': ['198.51.100.1']}]}

    server, seen = _serve(answer)
    try:
        options = {'access_key_id': KEY_ID, 'access_key_secret': SECRET, 'security_token': TOKEN,
                   'endpoint': 'http://127.0.0.1:%d' % server.server_port, 'validate_certs': False}
        registrar = AlicloudRegistrar(options, environ={}, home=str(tmp_path))
        hosts = registrar.list_hosts(alicloud_domain(u'example.com', u'S1 with space*~/+=&\u00e9'))
    finally:
        server.shutdown()
        server.server_close()
    assert [h.as_dict() for h in hosts] == [{'name': 'ns1.example.com', 'ips': ['198.51.100.1']}]
    assert seen[0]['InstanceId'] == u'S1 with space*~/+=&\u00e9'
    assert seen[0]['SecurityToken'] == TOKEN


def test_connection_refused_gives_up_without_leaking_secrets(tmp_path):
    import socket
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    options = {'access_key_id': KEY_ID, 'access_key_secret': SECRET, 'security_token': TOKEN,
               'endpoint': 'http://127.0.0.1:%d' % port, 'max_retries': 2, 'timeout': 5}
    registrar = AlicloudRegistrar(options, environ={}, home=str(tmp_path))
    registrar.client.sleep = lambda seconds: None
    with pytest.raises(RegistrarError) as info:
        registrar.get_domain('example.com')
    text = str(info.value)
    assert 'connection to http://127.0.0.1:%d/ failed' % port in text
    assert 'gave up after 3 attempts' in text
    _assert_no_secret(text)


# ---------------------------------------------------------------------------
# What a credentials error says: which key, from where, what to check
# ---------------------------------------------------------------------------

STRING_TO_SIGN = ('Specified signature is not matched with our calculation. server string to sign is:'
                  'POST&%2F&AccessKeyId%3DLTAI-test-id%26Action%3DQueryDnsHost')


def _credentials_error(reply, credentials):
    client, dummy, dummy2 = make_client([reply], max_retries=0)
    client._credentials = credentials  # pylint: disable=protected-access
    with pytest.raises(RegistrarError) as info:
        client.call('QueryDnsHost')
    return info.value


def test_a_wrong_secret_names_the_key_and_where_the_secret_came_from(tmp_path):
    credentials = _alicloud_auth.resolve_credentials({}, {'ALIBABA_CLOUD_ACCESS_KEY_ID': KEY_ID,
                                                          'ALIBABA_CLOUD_ACCESS_KEY_SECRET': SECRET}, str(tmp_path))
    exc = _credentials_error(error(400, 'SignatureDoesNotMatch', STRING_TO_SIGN), credentials)
    text = str(exc)
    assert exc.code == 'SignatureDoesNotMatch'
    assert 'string to sign' not in text and 'POST&' not in text
    assert ("the AccessKey secret from the environment variable ALIBABA_CLOUD_ACCESS_KEY_SECRET does not match "
            "AccessKey ID 'LTAI-test-id' (from the environment variable ALIBABA_CLOUD_ACCESS_KEY_ID): check that secret") in text
    assert 'the registry said: Specified signature is not matched with our calculation.' in text


def test_an_unknown_key_names_the_key_its_source_and_the_site(tmp_path):
    path = tmp_path / '.aliyun'
    path.mkdir()
    (path / 'config.json').write_text(json.dumps({'profiles': [
        {'name': 'work', 'mode': 'AK', 'access_key_id': 'LTAI-unknown', 'access_key_secret': SECRET}]}))
    credentials = _alicloud_auth.resolve_credentials({'profile': 'work'}, {}, str(tmp_path))
    exc = _credentials_error(error(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'), credentials)
    text = str(exc)
    assert "AccessKey ID 'LTAI-unknown' (from access_key_id of profile 'work' of %s) is not known at %s" % (
        path / 'config.json', ENDPOINT) in text
    assert 'option site' in text and 'site: international' in text


@pytest.mark.parametrize('code, words', [
    ('InvalidTimeStamp.Expired', ["check this machine's clock"]),
    ('InvalidSecurityToken.Expired', ['security token (from the option security_token)', 'expired']),
    ('Forbidden.RAM', ["AccessKey ID 'LTAI-test-id' (from the option access_key_id) may not do this"]),
])
def test_other_credentials_errors_say_what_to_check(code, words):
    credentials = _alicloud_auth.resolve_credentials(
        {'access_key_id': KEY_ID, 'access_key_secret': SECRET, 'security_token': TOKEN}, {}, '/nonexistent')
    text = str(_credentials_error(error(400, code, 'the registry text'), credentials))
    for word in words + ['the registry said: the registry text']:
        assert word in text
    _assert_no_secret(text)


# ---------------------------------------------------------------------------
# Another change in progress; a write accepted without a task
# ---------------------------------------------------------------------------

def test_a_busy_domain_says_that_another_change_is_in_progress():
    replies = [error(400, 'TaskIsBeingProcessed', 'The domain example.com has a task in progress; try again later.')]
    client, adapter, fake = make_client(replies, max_retries=0)
    registrar = AlicloudRegistrar({}, client=client)
    with pytest.raises(ChangeInProgress) as info:
        registrar.modify_host(DOMAIN, 'ns1.example.com', ['198.51.100.1'])
    text = str(info.value)
    assert info.value.code == 'TaskIsBeingProcessed'
    assert text.startswith('TaskIsBeingProcessed: another change to domain example.com is in progress at the registry')
    assert 'the registry said: The domain example.com has a task in progress' in text


def test_the_provider_recognises_its_already_exists():
    registrar, dummy, dummy2 = make_registrar()
    assert registrar.already_exists('The DNS host ns1.example.com already exists.')
    assert not registrar.already_exists('The DNS host ns1.example.com does not exist.')
    assert not registrar.already_exists(None)


def test_a_write_accepted_without_a_task_number_may_still_happen():
    registrar, dummy, dummy2 = make_registrar([ok({})])
    with pytest.raises(WriteOutcomeUnknown) as info:
        registrar.create_host(DOMAIN, 'ns1.example.com', ['198.51.100.1'])
    assert 'carries no TaskNo' in str(info.value)


@pytest.mark.parametrize('endpoint', ['http://[::1', 'http://[not-an-address]:80', 'https://u:hunter2pw@[::1'])
def test_an_endpoint_with_broken_brackets_is_an_error_not_a_crash(endpoint):
    with pytest.raises(RegistrarError) as info:
        normalise_endpoint(endpoint)
    text = str(info.value)
    assert text.startswith('option endpoint is not a valid URL')
    assert 'hunter2pw' not in text
