# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Alibaba Cloud Domain API (version 2018-01-29): signing, client, retries, provider.

Everything here knows the Alibaba API and nothing of Ansible:

- ``sign_v2()`` / ``string_to_sign_v2()``: RPC signature V2 (HMAC-SHA1);
- ``resolve_credentials()``: options, a requested profile, environment, ``~/.aliyun/config.json``;
- ``resolve_endpoint()``: ``site`` / ``endpoint`` / ``validate_certs`` rules;
- ``AlicloudClient``: signed POST requests over ``requests``, error mapping and
  the one retry policy;
- ``AlicloudRegistrar``: the ``Registrar`` interface on top of the client.

Secrets (the AccessKey secret and the STS token) never appear in an exception,
a return value or a ``repr()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import random
import re
import threading
import time
import traceback
import uuid

from concurrent.futures import ThreadPoolExecutor

from urllib.parse import quote, urlsplit

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import comparable_name
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    Domain,
    GlueHost,
    Registrar,
    RegistrarError,
    tasks_error,
)

try:
    import requests
    from urllib3.exceptions import NewConnectionError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    requests = None
    NewConnectionError = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


API_VERSION = '2018-01-29'

SITE_ENDPOINTS = {
    'china': 'https://domain.aliyuncs.com/',
    'international': 'https://domain-intl.aliyuncs.com/',
}
DEFAULT_SITE = 'china'

DEFAULT_TIMEOUT = 30
DEFAULT_MAX_RETRIES = 8
DEFAULT_RETRY_MAX_TIME = 120
DEFAULT_MAX_WORKERS = 8

# Bounds of the numeric options (inclusive).
TIMEOUT_BOUNDS = (1, 600)
MAX_RETRIES_BOUNDS = (0, 30)
RETRY_MAX_TIME_BOUNDS = (0, 3600)
MAX_WORKERS_BOUNDS = (1, 64)

# Backoff of retried calls: full jitter, sleep = U(0, min(cap, base * 2**n)).
RETRY_BASE_DELAY = 0.5
RETRY_MAX_DELAY = 20.0

# Polling of asynchronous tasks.
POLL_FIRST_DELAY = 0.5
POLL_MAX_DELAY = 10.0

DOMAIN_LIST_PAGE_SIZE = 100
TASK_DETAIL_PAGE_SIZE = 1000
MAX_PAGES = 10000

MAX_IPS_PER_HOST = 13
MAX_NAMESERVERS = 13
MAX_DOMAINS_PER_TASK = 1000

RETRYABLE_CODES = frozenset([
    'ServiceUnavailable',
    'InternalError',
    'TaskIsBeingProcessed',
    'NetworkIOError',
])

# Codes meaning "this domain is not in the account" for the lookup actions.
DOMAIN_NOT_FOUND_CODES = frozenset([
    'DomainNotExist',
    'DomainNotExists',
    'DomainNotFound',
    'DomainNotExist.Instance',
])

TASK_STATUS_BY_CODE = {
    0: 'WAITING_EXECUTE',
    1: 'EXECUTING',
    2: 'EXECUTE_SUCCESS',
    3: 'EXECUTE_FAILURE',
}
TASK_SUCCESS = 'EXECUTE_SUCCESS'
TASK_FAILURE = 'EXECUTE_FAILURE'

ENV_SOURCES = (
    ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'),
    ('ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECURITY_TOKEN'),
)
PROFILE_ENV = ('ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE')
SUPPORTED_PROFILE_MODES = ('AK', 'StsToken')

_REDACTED = '********'
# Shorter secrets are scrubbed only where they stand alone (see AlicloudClient.scrub).
_MIN_SUBSTRING_SECRET = 4
_EXCERPT_LENGTH = 200


# ---------------------------------------------------------------------------
# Signing (RPC signature V2, HMAC-SHA1)
# ---------------------------------------------------------------------------

def _text(value):
    """A parameter value as the API expects it on the wire."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, bytes):
        return value.decode('utf-8')
    if isinstance(value, str):
        return value
    return str(value)


def percent_encode(value):
    """RFC 3986 percent-encoding of UTF-8 text, as the V2 signature wants it.

    Unreserved characters (``A-Z a-z 0-9 - _ . ~``) stay literal, everything
    else becomes ``%XY`` with upper-case hex (space is ``%20``, ``*`` is
    ``%2A``, ``/`` is ``%2F``).
    """
    return quote(_text(value).encode('utf-8'), safe='-_.~')


def canonical_query(params):
    """``name=value`` pairs, encoded and sorted by encoded name, joined with ``&``.

    ``Signature`` is left out; empty values are kept.
    """
    pairs = sorted(
        (percent_encode(name), percent_encode(value))
        for name, value in params.items()
        if name != 'Signature'
    )
    return '&'.join('%s=%s' % pair for pair in pairs)


def string_to_sign_v2(method, params):
    """The V2 StringToSign: ``METHOD&%2F&`` + percentEncode(canonical query)."""
    return '%s&%s&%s' % (method.upper(), percent_encode('/'), percent_encode(canonical_query(params)))


def sign_v2(method, params, secret):
    """The V2 ``Signature`` of ``params`` sent with HTTP ``method``.

    Base64(HMAC-SHA1(key=secret + '&', StringToSign)).
    """
    key = (_text(secret) + '&').encode('utf-8')
    digest = hmac.new(key, string_to_sign_v2(method, params).encode('utf-8'), hashlib.sha1).digest()
    return base64.b64encode(digest).decode('ascii')


def repeat_list(name, values):
    """A repeat list: ``{'Ip.1': 'a', 'Ip.2': 'b'}`` for ``repeat_list('Ip', ['a', 'b'])``."""
    return dict(('%s.%d' % (name, index), _text(value)) for index, value in enumerate(values, 1))


# ---------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------

class Credentials(object):
    """An AccessKey pair, optionally with an STS token, and where it came from.

    ``repr()`` shows the key id and the source, never the secret or the token.
    """

    def __init__(self, access_key_id, access_key_secret, security_token=None, source=None):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token or None
        self.source = source

    def __repr__(self):
        return 'Credentials(access_key_id=%r, security_token=%s, source=%r)' % (
            self.access_key_id, 'set' if self.security_token else 'unset', self.source)


def _value(mapping, key):
    """A non-empty, stripped string from a mapping, or None."""
    value = mapping.get(key)
    if value is None:
        return None
    value = _text(value).strip()
    return value or None


def _pair_from(getter, names, source):
    """Credentials from one source, or None when the source gives nothing.

    ``names`` are the (id, secret, token) names in that source. A source that
    gives only part of the key pair is an error: the parts are never completed
    from another source.
    """
    key_id, secret, token = (getter(name) for name in names)
    if not key_id and not secret and not token:
        return None
    if key_id and secret:
        return Credentials(key_id, secret, token, source)
    present = [name for name, value in zip(names, (key_id, secret, token)) if value]
    missing = [name for name, value in zip(names[:2], (key_id, secret)) if not value]
    raise RegistrarError(
        'incomplete Alibaba Cloud credentials in %s: %s %s set but %s %s not; the AccessKey ID and its secret '
        '(and the security token, if any) must come from the same source'
        % (source, ' and '.join(present), 'is' if len(present) == 1 else 'are',
           ' and '.join(missing), 'is' if len(missing) == 1 else 'are'))


def _nothing_found_message(path):
    return (
        'no Alibaba Cloud credentials found. Set the module options access_key_id and access_key_secret '
        '(plus security_token for STS credentials), or the environment variables ALIBABA_CLOUD_ACCESS_KEY_ID '
        'and ALIBABA_CLOUD_ACCESS_KEY_SECRET (plus ALIBABA_CLOUD_SECURITY_TOKEN), or the legacy ALICLOUD_ACCESS_KEY '
        'and ALICLOUD_SECRET_KEY (plus ALICLOUD_SECURITY_TOKEN), or create a profile of mode AK or StsToken in %s '
        '(chosen with the option profile or ALIBABA_CLOUD_PROFILE, else the file\'s current profile)' % path)


def _profile_credentials(path, profile_name, requested_by):
    """Credentials of a profile of the aliyun CLI's config.json (modes AK and StsToken)."""
    try:
        with open(path, 'rb') as config_file:
            data = json.loads(config_file.read().decode('utf-8'))
    except (IOError, OSError) as exc:
        raise RegistrarError('cannot read the Alibaba Cloud CLI configuration %s: %s'
                             % (path, getattr(exc, 'strerror', None) or exc.__class__.__name__))
    except ValueError as exc:
        # json's message names the position only, never the content.
        raise RegistrarError('the Alibaba Cloud CLI configuration %s is not valid JSON: %s' % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get('profiles', []), list):
        raise RegistrarError('the Alibaba Cloud CLI configuration %s is not valid: expected an object with a '
                             'list "profiles"' % path)
    if not profile_name:
        profile_name = _value(data, 'current') or 'default'
        requested_by = 'the file\'s current profile' if _value(data, 'current') else 'the default profile name'
    profiles = [p for p in data.get('profiles', []) if isinstance(p, dict) and p.get('name') == profile_name]
    if not profiles:
        names = sorted(_text(p.get('name')) for p in data.get('profiles', []) if isinstance(p, dict) and p.get('name'))
        raise RegistrarError('profile %r (%s) is not in %s; profiles there: %s'
                             % (profile_name, requested_by, path, ', '.join(names) or 'none'))
    profile = profiles[0]
    mode = _value(profile, 'mode') or 'AK'
    if mode not in SUPPORTED_PROFILE_MODES:
        raise RegistrarError('profile %r in %s has mode %r; only the modes %s are supported'
                             % (profile_name, path, mode, ' and '.join(SUPPORTED_PROFILE_MODES)))
    source = 'profile %r of %s' % (profile_name, path)
    key_id = _value(profile, 'access_key_id')
    secret = _value(profile, 'access_key_secret')
    token = _value(profile, 'sts_token')
    required = ['access_key_id', 'access_key_secret'] + (['sts_token'] if mode == 'StsToken' else [])
    missing = [name for name in required if not _value(profile, name)]
    if missing:
        raise RegistrarError('%s (mode %s) lacks %s' % (source, mode, ', '.join(missing)))
    return Credentials(key_id, secret, token if mode == 'StsToken' else None, source)


def resolve_credentials(options, environ=None, home=None):
    """Find the credentials to use, in the documented order.

    1. module options ``access_key_id`` / ``access_key_secret`` / ``security_token``;
    2. the profile named by the module option ``profile``, from ``<home>/.aliyun/config.json``
       (an explicitly requested profile wins over keys in the environment);
    3. ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``..._SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``;
    4. legacy ``ALICLOUD_ACCESS_KEY`` / ``ALICLOUD_SECRET_KEY`` / ``ALICLOUD_SECURITY_TOKEN``;
    5. a profile of ``<home>/.aliyun/config.json``: ``ALIBABA_CLOUD_PROFILE`` / ``ALICLOUD_PROFILE``,
       else the file's ``current``, else ``default`` (like Alibaba's own default credential chain,
       which puts environment keys before ``ALIBABA_CLOUD_PROFILE``).

    The first source that gives anything must give a complete key pair.
    Raises RegistrarError (naming options, variables or paths, never values).
    """
    options = options or {}
    environ = os.environ if environ is None else environ
    home = os.path.expanduser('~') if home is None else home
    path = os.path.join(home, '.aliyun', 'config.json')

    found = _pair_from(lambda name: _value(options, name),
                       ('access_key_id', 'access_key_secret', 'security_token'), 'the module options')
    if found:
        return found
    profile_name = _value(options, 'profile')
    if profile_name:
        return _requested_profile(path, profile_name, 'the option profile')
    for names in ENV_SOURCES:
        found = _pair_from(lambda name: _value(environ, name), names, 'the environment')
        if found:
            return found
    for name in PROFILE_ENV:
        profile_name = _value(environ, name)
        if profile_name:
            return _requested_profile(path, profile_name, 'the environment variable %s' % name)
    if not os.path.exists(path):
        raise RegistrarError(_nothing_found_message(path))
    return _profile_credentials(path, None, None)


def _requested_profile(path, profile_name, requested_by):
    if not os.path.exists(path):
        raise RegistrarError('profile %r was requested by %s, but %s does not exist'
                             % (profile_name, requested_by, path))
    return _profile_credentials(path, profile_name, requested_by)


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

def _number_option(options, name, default, bounds, integer=False):
    value = options.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        raise RegistrarError('option %s must be a number, got %r' % (name, value))
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise RegistrarError('option %s must be %s, got %r' % (name, 'an integer' if integer else 'a number', value))
    if integer and float(value) != number:
        raise RegistrarError('option %s must be an integer, got %r' % (name, value))
    if not bounds[0] <= number <= bounds[1]:
        raise RegistrarError('option %s must be between %s and %s, got %r' % (name, bounds[0], bounds[1], value))
    return number


def redact_endpoint(endpoint):
    """``endpoint`` as an error may show it: user information and query replaced by ``********``.

    Everything between the scheme and the last ``@`` goes (a password may hold ``/`` or ``#``),
    and so does everything after ``?`` or ``#``.
    """
    text = _text(endpoint)
    scheme_end = text.find('://')
    start = scheme_end + 3 if scheme_end >= 0 else 0
    at = text.rfind('@')
    if at >= start:
        text = text[:start] + _REDACTED + text[at:]
    cut = min([i for i in (text.find('?'), text.find('#')) if i >= 0] or [-1])
    if cut >= 0:
        text = text[:cut + 1] + _REDACTED
    return text


def normalise_endpoint(endpoint):
    """``host``, ``host:port`` or an ``http(s)://`` URL -> a base URL ending in ``/``.

    Error messages show the endpoint through ``redact_endpoint()``: never a password or a query.
    """
    text = _text(endpoint).strip()
    shown = redact_endpoint(text)
    if not text or any(c.isspace() for c in text):
        raise RegistrarError('option endpoint must be a host name, host:port or an http(s) URL, got %r' % shown)
    if '://' not in text:
        text = 'https://' + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ('http', 'https'):
        raise RegistrarError('option endpoint must use http:// or https://, got %r' % shown)
    try:
        port = parts.port
    except ValueError:
        raise RegistrarError('option endpoint has an invalid port: %r' % shown)
    if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password or '@' in parts.netloc:
        raise RegistrarError('option endpoint must be a host name, host:port or an http(s) URL '
                             'without user, query or fragment, got %r' % shown)
    host = parts.hostname
    if ':' in host:
        host = '[%s]' % host
    netloc = host if port is None else '%s:%d' % (host, port)
    path = parts.path or '/'
    if not path.endswith('/'):
        path += '/'
    return '%s://%s%s' % (parts.scheme.lower(), netloc, path)


def resolve_endpoint(options):
    """The base URL and the certificate check from ``site``, ``endpoint``, ``validate_certs``."""
    options = options or {}
    validate_certs = options.get('validate_certs')
    validate_certs = True if validate_certs is None else bool(validate_certs)
    endpoint = _value(options, 'endpoint')
    if endpoint:
        return normalise_endpoint(endpoint), validate_certs
    site = _value(options, 'site') or DEFAULT_SITE
    if site not in SITE_ENDPOINTS:
        raise RegistrarError('option site must be one of %s, got %r' % (', '.join(sorted(SITE_ENDPOINTS)), site))
    if not validate_certs:
        raise RegistrarError('validate_certs=false is only allowed together with an explicit endpoint; '
                             'the Alibaba Cloud endpoint of site %s is always verified' % site)
    return SITE_ENDPOINTS[site], validate_certs


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------

def _timestamp():
    """The current UTC time as the API wants it (a function so tests can move time)."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


def is_retryable(code, status):
    """Whether an error answer is worth another attempt."""
    if code and (code.startswith('Throttling') or code in RETRYABLE_CODES):
        return True
    return status is not None and (status == 429 or 500 <= status <= 599)


def never_sent(exc):
    """Whether a failed request certainly never reached the registry: no connection was made.

    Only then may a write be sent again; after a read timeout or a connection dropped
    mid-request the registry may have taken the change already.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, 'reason', reason)  # urllib3's MaxRetryError carries the cause
    return isinstance(reason, NewConnectionError)


_UNKNOWN_OUTCOME = ('; the registry may have applied this change, so it was not sent again: run the task again '
                    '(it reads the registry first and writes only what still differs)')


def _first(data, *keys):
    for key in keys:
        value = data.get(key)
        if value not in (None, ''):
            return _text(value)
    return None


def _retry_after(headers):
    """Seconds from ``x-acs-retry-after`` (milliseconds, as Alibaba's SDKs read it), or None."""
    raw = headers.get('x-acs-retry-after') if headers is not None else None
    if raw is None:
        return None
    try:
        millis = float(_text(raw).strip())
    except ValueError:
        return None
    if millis <= 0:
        return None
    return millis / 1000.0


class AlicloudClient(object):
    """Signed RPC calls to the Domain API, with the retry policy in one place.

    Requests are POSTs with every parameter (including ``Signature`` and
    ``SecurityToken``) in an ``application/x-www-form-urlencoded`` body, so no
    URL ever carries a secret.

    ``sleep``, ``clock`` and ``rand`` are injectable for tests.
    """

    def __init__(self, credentials, endpoint, validate_certs=True, timeout=DEFAULT_TIMEOUT,
                 max_retries=DEFAULT_MAX_RETRIES, retry_max_time=DEFAULT_RETRY_MAX_TIME,
                 session=None, sleep=None, clock=None, rand=None, version=API_VERSION):
        if session is None:
            if not HAS_REQUESTS:
                raise RegistrarError('the Python library requests is required to talk to the Alibaba Cloud API')
            session = requests.Session()
        self._credentials = credentials
        self.endpoint = endpoint
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_max_time = retry_max_time
        self.session = session
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.rand = rand or random.random
        self.version = version
        self.calls = {'read': 0, 'write': 0}
        self.attempts = 0
        self.retries = 0
        self._lock = threading.Lock()

    def __repr__(self):
        return 'AlicloudClient(endpoint=%r, credentials=%r)' % (self.endpoint, self._credentials)

    # -- helpers ---------------------------------------------------------

    def scrub(self, text):
        """``text`` with the secret and the token (raw or percent-encoded) removed.

        A secret of at least ``_MIN_SUBSTRING_SECRET`` characters is removed wherever it
        occurs. A shorter one (only ever seen in tests and labs) is removed where it stands
        as a token of its own, not inside longer words: replacing every ``a`` of a message
        would leave nothing to read, and a reader cannot tell which letters were the secret.
        """
        text = _text(text)
        for secret in (self._credentials.access_key_secret, self._credentials.security_token):
            if not secret:
                continue
            once = percent_encode(secret)
            forms = set([secret, once, percent_encode(once), quote(secret), quote(secret, safe='')])
            for form in sorted(forms, key=len, reverse=True):
                if len(secret) >= _MIN_SUBSTRING_SECRET:
                    text = text.replace(form, _REDACTED)
                else:
                    text = re.sub(r'(?<![0-9A-Za-z])%s(?![0-9A-Za-z])' % re.escape(form), _REDACTED, text)
        return text

    def _excerpt(self, text):
        text = ' '.join(self.scrub(text).split())
        if len(text) > _EXCERPT_LENGTH:
            text = text[:_EXCERPT_LENGTH] + '...'
        return text

    def signed_params(self, action, params):
        """All parameters of one attempt (fresh nonce and timestamp), signed for POST."""
        signed = dict((name, _text(value)) for name, value in (params or {}).items() if value is not None)
        signed.update({
            'Action': action,
            'Version': self.version,
            'Format': 'JSON',
            'AccessKeyId': self._credentials.access_key_id,
            'SignatureMethod': 'HMAC-SHA1',
            'SignatureVersion': '1.0',
            'SignatureNonce': uuid.uuid4().hex,
            'Timestamp': _timestamp(),
        })
        if self._credentials.security_token:
            signed['SecurityToken'] = self._credentials.security_token
        signed['Signature'] = sign_v2('POST', signed, self._credentials.access_key_secret)
        return signed

    @staticmethod
    def is_write(action):
        return action.startswith('Save') or action in ('CancelTask', 'AcknowledgeTaskResult')

    # -- one attempt -------------------------------------------------------

    def _error(self, action, message, code=None, request_id=None, status=None, retryable=False, retry_after=None):
        detail = action if status is None else '%s, HTTP %d' % (action, status)
        err = RegistrarError('%s (%s)' % (self.scrub(message), detail), code=code, request_id=request_id,
                             status=status, retryable=retryable)
        err.retry_after = retry_after
        err.action = action
        return err

    def _transport_error(self, action, exc, message):
        """A timeout or a dropped connection: reads are retried, writes only when never sent."""
        if not self.is_write(action) or never_sent(exc):
            return self._error(action, message, retryable=True)
        return self._error(action, message + _UNKNOWN_OUTCOME)

    def _attempt(self, action, params):
        signed = self.signed_params(action, params)
        body = '&'.join('%s=%s' % (percent_encode(k), percent_encode(v)) for k, v in sorted(signed.items()))
        headers = {
            'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
            'Accept': 'application/json',
            'User-Agent': 'dnsops.nameservers (alicloud domain client)',
        }
        with self._lock:
            self.attempts += 1
        try:
            response = self.session.post(self.endpoint, data=body.encode('utf-8'), headers=headers,
                                         timeout=self.timeout, verify=self.validate_certs, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise self._error(action, 'TLS connection to %s failed: %s: %s'
                              % (self.endpoint, exc.__class__.__name__, self._excerpt(exc)))
        except requests.exceptions.Timeout as exc:
            raise self._transport_error(action, exc, 'request to %s timed out after %s s (%s)'
                                        % (self.endpoint, self.timeout, exc.__class__.__name__))
        except requests.exceptions.ConnectionError as exc:
            raise self._transport_error(action, exc, 'connection to %s failed: %s: %s'
                                        % (self.endpoint, exc.__class__.__name__, self._excerpt(exc)))
        except requests.exceptions.RequestException as exc:
            raise self._error(action, 'request to %s failed: %s: %s'
                              % (self.endpoint, exc.__class__.__name__, self._excerpt(exc)))
        return self._parse(action, response)

    def _parse(self, action, response):
        status = response.status_code
        content = response.content or b''
        try:
            data = json.loads(content.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            data = None
        if 200 <= status <= 299:
            if isinstance(data, dict):
                return data
            raise self._error(action, 'the registry answered with a body that is not a JSON object: %r'
                              % self._excerpt(content.decode('utf-8', 'replace')), status=status)
        retry_after = _retry_after(response.headers)
        if not isinstance(data, dict):
            raise self._error(action, 'the registry answered with an error and a body that is not JSON: %r'
                              % self._excerpt(content.decode('utf-8', 'replace')),
                              status=status, retryable=is_retryable(None, status) or retry_after is not None,
                              retry_after=retry_after)
        code = _first(data, 'Code', 'code')
        message = _first(data, 'Message', 'message') or 'no message given'
        request_id = _first(data, 'RequestId', 'requestId')
        return_code = self.scrub(code) if code else None
        raise self._error(action, message, code=return_code, request_id=request_id, status=status,
                          retryable=is_retryable(code, status) or retry_after is not None,
                          retry_after=retry_after)

    # -- the call, with retries -------------------------------------------

    def call(self, action, params=None):
        """Call ``action`` with ``params``; returns the parsed JSON object.

        Retries throttling, server-side and transient errors with exponential
        backoff and full jitter, at most ``max_retries`` times and for at most
        ``retry_max_time`` seconds in total; raises RegistrarError otherwise.
        """
        with self._lock:
            self.calls['write' if self.is_write(action) else 'read'] += 1
        start = self.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(action, params)
            except RegistrarError as err:
                if not err.retryable:
                    raise
                last = err
            elapsed = self.clock() - start
            remaining = self.retry_max_time - elapsed
            reason = None
            delay = self.rand() * min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * (2 ** (attempt - 1)))
            if last.retry_after is not None:
                delay = max(delay, last.retry_after)
            if attempt > self.max_retries:
                reason = 'max_retries=%d reached' % self.max_retries
            elif remaining <= 0 or (last.retry_after is not None and last.retry_after > remaining):
                reason = 'retry_max_time=%g s reached' % self.retry_max_time
            if reason:
                raise self._give_up(last, attempt, elapsed, reason)
            with self._lock:
                self.retries += 1
            self.sleep(min(delay, remaining))

    @staticmethod
    def _give_up(last, attempts, elapsed, reason):
        err = RegistrarError('%s; gave up after %d attempt%s in %.1f s (%s)'
                             % (last.message, attempts, '' if attempts == 1 else 's', elapsed, reason),
                             code=last.code, request_id=last.request_id, status=last.status, retryable=True)
        err.action = getattr(last, 'action', None)
        err.retry_after = None
        return err


def build_client(options, environ=None, home=None, session=None, sleep=None, clock=None, rand=None, pool_size=None):
    """An AlicloudClient from a dict of module options.

    ``pool_size`` sizes the connection pool for that many concurrent calls.
    """
    options = options or {}
    credentials = resolve_credentials(options, environ=environ, home=home)
    endpoint, validate_certs = resolve_endpoint(options)
    if session is None and HAS_REQUESTS:
        session = requests.Session()
        if pool_size and pool_size > 10:
            adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
            session.mount('https://', adapter)
            session.mount('http://', adapter)
    return AlicloudClient(
        credentials, endpoint, validate_certs=validate_certs,
        timeout=_number_option(options, 'timeout', DEFAULT_TIMEOUT, TIMEOUT_BOUNDS),
        max_retries=_number_option(options, 'max_retries', DEFAULT_MAX_RETRIES, MAX_RETRIES_BOUNDS, integer=True),
        retry_max_time=_number_option(options, 'retry_max_time', DEFAULT_RETRY_MAX_TIME, RETRY_MAX_TIME_BOUNDS),
        session=session, sleep=sleep, clock=clock, rand=rand)


# ---------------------------------------------------------------------------
# Provider
# ---------------------------------------------------------------------------

def normalise_name(name):
    """Lower case, no trailing dot, A-labels: the same form the modules' validation gives, so
    names read from the registry compare equal to the user's (one IDNA standard for both)."""
    return comparable_name(_text(name))


def canonical_ip(value):
    try:
        return str(ipaddress.ip_address(_text(value).strip()))
    except ValueError:
        raise RegistrarError('%r is not an IPv4 or IPv6 address' % (value,))


def _sorted_ips(ips):
    addresses = set(ipaddress.ip_address(canonical_ip(ip)) for ip in ips)
    return [str(ip) for ip in sorted(addresses, key=lambda ip: (ip.version, int(ip)))]


def _as_list(value, *wrappers):
    """A list from a JSON value that may be a list, a wrapper object or None."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in wrappers:
            if key in value:
                return _as_list(value[key])
        return []
    return [value]


def _ip_list(value):
    items = []
    for item in _as_list(value, 'Ip', 'ip', 'IpList'):
        # The metadata's example joins addresses with commas; accept that too.
        items.extend(part for part in _text(item).replace(';', ',').split(',') if part.strip())
    return items


def host_label(domain_name, host_name):
    """``ns1`` for ``ns1.example.com`` under ``example.com``; RegistrarError outside the domain."""
    domain_name = normalise_name(domain_name)
    host_name = normalise_name(host_name)
    suffix = '.' + domain_name
    if not host_name.endswith(suffix) or len(host_name) == len(suffix):
        raise RegistrarError('glue host %s is not inside the domain %s it would be registered under'
                             % (host_name, domain_name))
    return host_name[:-len(suffix)]


def host_fqdn(domain_name, dns_name):
    """The full host name for a ``DnsName`` answered by QueryDnsHost (a label or already full)."""
    domain_name = normalise_name(domain_name)
    name = normalise_name(dns_name)
    if name == domain_name or name.endswith('.' + domain_name):
        return name
    return '%s.%s' % (name, domain_name)


def _task_status(detail):
    status = detail.get('TaskStatus')
    if status in (TASK_SUCCESS, TASK_FAILURE, 'WAITING_EXECUTE', 'EXECUTING'):
        return status
    code = detail.get('TaskStatusCode')
    try:
        return TASK_STATUS_BY_CODE[int(code)]
    except (KeyError, TypeError, ValueError):
        return _text(status) if status not in (None, '') else 'UNKNOWN'


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class AlicloudRegistrar(Registrar):
    """The Registrar interface on Alibaba Cloud's Domain API 2018-01-29.

    ``options`` is the dict of module options (see ``resolve_credentials`` and
    ``resolve_endpoint``; also ``timeout``, ``max_retries``, ``retry_max_time``,
    ``max_workers``). ``client`` replaces the HTTP client (tests, benchmarks).
    """

    max_domains_per_nameserver_change = MAX_DOMAINS_PER_TASK

    def __init__(self, options, client=None, environ=None, home=None):
        options = dict(options or {})
        self.max_workers = _number_option(options, 'max_workers', DEFAULT_MAX_WORKERS, MAX_WORKERS_BOUNDS, integer=True)
        if client is None:
            client = build_client(options, environ=environ, home=home, pool_size=self.max_workers)
        self.client = client
        # Shared with the client: {'read': n, 'write': m}, logical calls (retries not counted).
        self.calls = self.client.calls

    def __repr__(self):
        return 'AlicloudRegistrar(%r)' % (self.client,)

    def _paged(self, action, params, item_key, page_size):
        items = []
        page = 1
        while page <= MAX_PAGES:
            answer = self.client.call(action, dict(params, PageNum=page, PageSize=page_size))
            batch = _as_list(answer.get('Data'), item_key)
            items.extend(batch)
            total_pages = answer.get('TotalPageNum')
            if not batch:
                break
            if total_pages not in (None, ''):
                try:
                    if page >= int(total_pages):
                        break
                except (TypeError, ValueError):
                    pass
                else:
                    page += 1
                    continue
            if answer.get('NextPage') is False or len(batch) < page_size:
                break
            page += 1
        return items

    # -- domains -----------------------------------------------------------

    def list_domains(self):
        domains = []
        for item in self._paged('QueryDomainList', {}, 'Domain', DOMAIN_LIST_PAGE_SIZE):
            if isinstance(item, dict) and item.get('DomainName'):
                domains.append(Domain(normalise_name(item['DomainName']), _first(item, 'InstanceId'), None))
        return domains

    def get_domain(self, name):
        name = normalise_name(name)
        try:
            answer = self.client.call('QueryDomainByDomainName', {'DomainName': name})
        except RegistrarError as exc:
            if exc.code in DOMAIN_NOT_FOUND_CODES:
                return None
            raise
        instance_id = _first(answer, 'InstanceId')
        if not instance_id:
            return None
        nameservers = [normalise_name(ns) for ns in _as_list(answer.get('DnsList'), 'Dns', 'dns') if _text(ns).strip()]
        return Domain(normalise_name(answer.get('DomainName') or name), instance_id, nameservers)

    def get_domains(self, names):
        unique = []
        for name in names:
            if name not in unique:
                unique.append(name)
        if not unique:
            return {}
        workers = min(self.max_workers, len(unique))
        results = {}
        executor = ThreadPoolExecutor(max_workers=workers)
        try:
            futures = [(name, executor.submit(self.get_domain, name)) for name in unique]
            try:
                for name, future in futures:
                    results[name] = future.result()
            except Exception:
                for dummy, future in futures:
                    future.cancel()
                raise
        finally:
            executor.shutdown(wait=True)
        return results

    # -- hosts ---------------------------------------------------------------

    @staticmethod
    def _instance_id(domain):
        if not getattr(domain, 'instance_id', None):
            raise RegistrarError('domain %s has no InstanceId; look it up with get_domain() first' % getattr(domain, 'name', domain))
        return domain.instance_id

    def list_hosts(self, domain):
        answer = self.client.call('QueryDnsHost', {'InstanceId': self._instance_id(domain)})
        hosts = []
        for item in _as_list(answer.get('DnsHostList'), 'DnsHost'):
            if not isinstance(item, dict) or not _first(item, 'DnsName'):
                continue
            hosts.append(GlueHost(host_fqdn(domain.name, item['DnsName']), _sorted_ips(_ip_list(item.get('IpList')))))
        hosts.sort(key=lambda host: host.name)
        return hosts

    def _host_params(self, domain, name, ips):
        ips = _sorted_ips(ips)
        if not 1 <= len(ips) <= MAX_IPS_PER_HOST:
            raise RegistrarError('glue host %s needs 1 to %d addresses, got %d'
                                 % (normalise_name(name), MAX_IPS_PER_HOST, len(ips)))
        params = {'InstanceId': self._instance_id(domain), 'DnsName': host_label(domain.name, name)}
        params.update(repeat_list('Ip', ips))
        return params

    @staticmethod
    def _task_no(answer, action):
        task_no = _first(answer, 'TaskNo', 'taskNo')
        if not task_no:
            raise RegistrarError('%s was accepted but the answer carries no TaskNo' % action,
                                 request_id=_first(answer, 'RequestId', 'requestId'))
        return task_no

    def create_host(self, domain, name, ips):
        action = 'SaveSingleTaskForCreatingDnsHost'
        return self._task_no(self.client.call(action, self._host_params(domain, name, ips)), action)

    def modify_host(self, domain, name, ips):
        action = 'SaveSingleTaskForModifyingDnsHost'
        return self._task_no(self.client.call(action, self._host_params(domain, name, ips)), action)

    def delete_host(self, domain, name, ips):
        # 2018-01-29 takes no Ip for a deletion (only Domain-intl 2017-12-18 does).
        action = 'SaveSingleTaskForDeletingDnsHost'
        params = {'InstanceId': self._instance_id(domain), 'DnsName': host_label(domain.name, name)}
        return self._task_no(self.client.call(action, params), action)

    # -- delegation ------------------------------------------------------------

    def set_nameservers(self, domain_names, nameservers):
        domains = []
        for name in domain_names:
            name = normalise_name(name)
            if name not in domains:
                domains.append(name)
        servers = []
        for server in nameservers:
            server = normalise_name(server)
            if server and server not in servers:
                servers.append(server)
        if not domains:
            return []
        if not 1 <= len(servers) <= MAX_NAMESERVERS:
            raise RegistrarError('a delegation needs 1 to %d name servers, got %d' % (MAX_NAMESERVERS, len(servers)))
        action = 'SaveBatchTaskForModifyingDomainDns'
        task_ids = []
        for chunk in _chunks(domains, self.max_domains_per_nameserver_change):
            params = {'AliyunDns': 'false'}
            params.update(repeat_list('DomainName', chunk))
            params.update(repeat_list('DomainNameServer', servers))
            try:
                task_ids.append(self._task_no(self.client.call(action, params), action))
            except RegistrarError as exc:
                if task_ids:
                    # Earlier batches were accepted: say so, and hand their tasks to the caller.
                    exc.message = '%s; the %d earlier batch%s of this change %s accepted as task%s %s' % (
                        exc.message, len(task_ids), '' if len(task_ids) == 1 else 'es',
                        'was' if len(task_ids) == 1 else 'were', '' if len(task_ids) == 1 else 's',
                        ', '.join(task_ids))
                    exc.args = (exc.message,)
                    exc.task_ids = task_ids
                raise
        return task_ids

    # -- tasks -------------------------------------------------------------------

    def task_details(self, task_id):
        """The per-domain details of one task, as dicts: domain, status, error."""
        details = []
        for item in self._paged('QueryTaskDetailList', {'TaskNo': task_id}, 'TaskDetail', TASK_DETAIL_PAGE_SIZE):
            if not isinstance(item, dict):
                continue
            details.append({
                'domain': normalise_name(item.get('DomainName') or ''),
                'status': _task_status(item),
                'error': _first(item, 'ErrorMsg') or None,
            })
        return details

    def wait_task(self, task_id, timeout):
        return self.wait_tasks([task_id], timeout)[task_id]

    def wait_tasks(self, task_ids, timeout):
        """Poll every task until all have finished or ``timeout`` passes.

        A failed task does not stop the polling of the others: the error raised at the
        end (TaskFailed when any task failed, else TaskTimeout) names every failure and
        every unfinished domain, and carries the outcome of every task in ``tasks``.
        """
        clock, sleep = self.client.clock, self.client.sleep
        deadline = clock() + timeout
        order = []
        for task_id in task_ids:
            if task_id not in order:
                order.append(task_id)
        pending = list(order)
        last = {}
        delay = POLL_FIRST_DELAY
        while pending:
            for task_id in list(pending):
                details = self.task_details(task_id)
                last[task_id] = details
                if details and all(d['status'] in (TASK_SUCCESS, TASK_FAILURE) for d in details):
                    pending.remove(task_id)
            remaining = deadline - clock()
            if not pending or remaining <= 0:
                break
            sleep(min(delay, remaining))
            delay = min(delay * 2, POLL_MAX_DELAY)

        tasks = []
        for task_id in order:
            details = last.get(task_id, [])
            if task_id in pending:
                status = 'unfinished'
            elif any(d['status'] == TASK_FAILURE for d in details):
                status = 'failure'
            else:
                status = 'success'
            tasks.append({'task_id': task_id, 'status': status, 'details': details})
        failed = [t for t in tasks if t['status'] == 'failure']
        if not failed and not pending:
            return dict((t['task_id'], t['details']) for t in tasks)

        texts = ['registry task %s failed: %s' % (t['task_id'], self._failure_text(t['details'])) for t in failed]
        if pending:
            texts.append('registry task%s not finished after %g s: %s' % (
                '' if len(pending) == 1 else 's', timeout,
                '; '.join('%s: %s' % (task_id, self._pending_text(last.get(task_id))) for task_id in pending)))
        raise tasks_error(tasks, '; '.join(texts))

    @staticmethod
    def _failure_text(details, limit=20):
        failures = ['%s: %s' % (d['domain'] or '(no domain)', d['error'] or 'no error text given')
                    for d in details if d['status'] == TASK_FAILURE]
        text = '; '.join(failures[:limit])
        if len(failures) > limit:
            text += ' and %d more' % (len(failures) - limit)
        return text

    @staticmethod
    def _pending_text(details, limit=20):
        if not details:
            return 'no per-domain details reported yet'
        unfinished = ['%s (%s)' % (d['domain'] or '(no domain)', d['status']) for d in details if d['status'] != TASK_SUCCESS]
        text = 'still pending: ' + ', '.join(unfinished[:limit])
        if len(unfinished) > limit:
            text += ' and %d more' % (len(unfinished) - limit)
        return text
