# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The retry policy and an HTTP client on ``requests``, for any registrar.

Nothing here knows a registrar's API; a provider subclasses ``HttpClient`` (or, when an SDK
sends the requests, ``RetryingClient``) and adds how a request is signed and how an answer is
read. The rules kept here:

- backoff: exponential with full jitter, at most ``max_retries`` retries and ``retry_max_time``
  seconds per call, longer when the registry asks for it (``retry_after``);
- a read is retried after any transient error; a write only when it certainly had no effect
  (``RegistrarError.refused``: the registry said it refused it, or it never left this machine),
  because sending again a write that may have arrived could apply it twice;
- secrets (``secrets()``) never appear in an error, raw or URL-encoded;
- the endpoint option: ``host``, ``host:port`` or an ``http(s)://`` URL, shown only redacted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import re
import threading
import time
import traceback

from urllib.parse import quote, urlsplit

from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import RegistrarError, WriteOutcomeUnknown

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


DEFAULT_TIMEOUT = 30
DEFAULT_MAX_RETRIES = 8
DEFAULT_RETRY_MAX_TIME = 120

# Bounds of the numeric options (inclusive).
TIMEOUT_BOUNDS = (1, 600)
MAX_RETRIES_BOUNDS = (0, 30)
RETRY_MAX_TIME_BOUNDS = (0, 3600)

# Backoff of retried calls: full jitter, sleep = U(0, min(cap, base * 2**n)).
RETRY_BASE_DELAY = 0.5
RETRY_MAX_DELAY = 20.0

REDACTED = '********'
# Shorter secrets are scrubbed only where they stand alone (see scrub).
MIN_SUBSTRING_SECRET = 4
EXCERPT_LENGTH = 200

UNKNOWN_OUTCOME = ('; the registry may have applied this change, so it was not sent again: run the task again '
                   '(it reads the registry first and writes only what still differs)')


def as_text(value):
    """A value as text: booleans as the APIs write them, bytes decoded as UTF-8."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, bytes):
        return value.decode('utf-8')
    if isinstance(value, str):
        return value
    return str(value)


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

def number_option(options, name, default, bounds, integer=False):
    """Option ``name`` of ``options`` as a number within ``bounds`` (inclusive), or ``default``."""
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


def retry_options(options):
    """``timeout``, ``max_retries`` and ``retry_max_time`` of ``options``, checked, as keyword arguments."""
    return dict(
        timeout=number_option(options, 'timeout', DEFAULT_TIMEOUT, TIMEOUT_BOUNDS),
        max_retries=number_option(options, 'max_retries', DEFAULT_MAX_RETRIES, MAX_RETRIES_BOUNDS, integer=True),
        retry_max_time=number_option(options, 'retry_max_time', DEFAULT_RETRY_MAX_TIME, RETRY_MAX_TIME_BOUNDS),
    )


def redact_endpoint(endpoint):
    """``endpoint`` as an error may show it: user information and query replaced by ``********``.

    Everything between the scheme and the last ``@`` goes (a password may hold ``/`` or ``#``),
    and so does everything after ``?`` or ``#``.
    """
    text = as_text(endpoint)
    scheme_end = text.find('://')
    start = scheme_end + 3 if scheme_end >= 0 else 0
    at = text.rfind('@')
    if at >= start:
        text = text[:start] + REDACTED + text[at:]
    cut = min([i for i in (text.find('?'), text.find('#')) if i >= 0] or [-1])
    if cut >= 0:
        text = text[:cut + 1] + REDACTED
    return text


def normalise_endpoint(endpoint):
    """``host``, ``host:port`` or an ``http(s)://`` URL -> a base URL ending in ``/``.

    Error messages show the endpoint through ``redact_endpoint()``: never a password or a query.
    """
    text = as_text(endpoint).strip()
    shown = redact_endpoint(text)
    if not text or any(c.isspace() for c in text):
        raise RegistrarError('option endpoint must be a host name, host:port or an http(s) URL, got %r' % shown)
    if '://' not in text:
        text = 'https://' + text
    try:
        parts = urlsplit(text)
    except ValueError:
        # Brackets that do not enclose a valid IPv6 address ('http://[::1', 'http://[name]').
        raise RegistrarError('option endpoint is not a valid URL: an IPv6 address must be complete and in brackets, '
                             "such as 'http://[2001:db8::1]:8080', got %r" % shown)
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


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------

def scrub(text, secrets):
    """``text`` with every secret of ``secrets`` (raw or URL-encoded, once or twice) replaced by ``********``.

    A secret of at least ``MIN_SUBSTRING_SECRET`` characters is removed wherever it occurs. A
    shorter one (only ever seen in tests and labs) is removed where it stands as a token of its
    own, not inside longer words: replacing every ``a`` of a message would leave nothing to read,
    and a reader cannot tell which letters were the secret.
    """
    text = as_text(text)
    for secret in secrets:
        if not secret:
            continue
        once = quote(as_text(secret).encode('utf-8'), safe='-_.~')
        forms = set([secret, once, quote(once, safe='-_.~'), quote(secret), quote(secret, safe='')])
        for form in sorted(forms, key=len, reverse=True):
            if len(secret) >= MIN_SUBSTRING_SECRET:
                text = text.replace(form, REDACTED)
            else:
                text = re.sub(r'(?<![0-9A-Za-z])%s(?![0-9A-Za-z])' % re.escape(form), REDACTED, text)
    return text


# ---------------------------------------------------------------------------
# The retry policy
# ---------------------------------------------------------------------------

class RetryingClient(object):
    """Calls with the retry policy in one place; a provider supplies each attempt.

    ``sleep``, ``clock`` and ``rand`` are injectable for tests. ``calls`` counts logical
    calls ({'read': n, 'write': m}, retries not counted), ``attempts`` and ``retries`` the
    requests sent and the pauses between them.
    """

    def __init__(self, max_retries=DEFAULT_MAX_RETRIES, retry_max_time=DEFAULT_RETRY_MAX_TIME,
                 sleep=None, clock=None, rand=None):
        self.max_retries = max_retries
        self.retry_max_time = retry_max_time
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.rand = rand or random.random
        self.calls = {'read': 0, 'write': 0}
        self.attempts = 0
        self.retries = 0
        self._lock = threading.Lock()

    def secrets(self):
        """The secrets no message may show."""
        return ()

    def scrub(self, text):
        return scrub(text, self.secrets())

    def excerpt(self, text):
        """``text`` scrubbed, on one line, at most EXCERPT_LENGTH characters."""
        text = ' '.join(self.scrub(text).split())
        if len(text) > EXCERPT_LENGTH:
            text = text[:EXCERPT_LENGTH] + '...'
        return text

    def error(self, operation, message, code=None, request_id=None, status=None, retryable=False, refused=True,
              retry_after=None):
        """A RegistrarError for one attempt of ``operation``: the message scrubbed, the operation named."""
        detail = operation if status is None else '%s, HTTP %d' % (operation, status)
        err = RegistrarError('%s (%s)' % (self.scrub(message), detail), code=code, request_id=request_id,
                             status=status, retryable=retryable, refused=refused)
        err.retry_after = retry_after
        err.operation = operation
        return err

    def count_attempt(self):
        with self._lock:
            self.attempts += 1

    def with_retries(self, operation, attempt, write):
        """``attempt()``, retried after transient errors; its result, or RegistrarError.

        Retries with exponential backoff and full jitter, at most ``max_retries`` times and for
        at most ``retry_max_time`` seconds in total. A write is retried only when the failed
        attempt certainly had no effect (``refused``).
        """
        with self._lock:
            self.calls['write' if write else 'read'] += 1
        start = self.clock()
        attempts = 0
        while True:
            attempts += 1
            try:
                return attempt()
            except RegistrarError as err:
                if write and not err.refused:
                    raise self._outcome_unknown(err)
                if not err.retryable:
                    raise
                last = err
            elapsed = self.clock() - start
            remaining = self.retry_max_time - elapsed
            retry_after = getattr(last, 'retry_after', None)
            delay = self.rand() * min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * (2 ** (attempts - 1)))
            if retry_after is not None:
                delay = max(delay, retry_after)
            reason = None
            if attempts > self.max_retries:
                reason = 'max_retries=%d reached' % self.max_retries
            elif remaining <= 0 or (retry_after is not None and retry_after > remaining):
                reason = 'retry_max_time=%g s reached' % self.retry_max_time
            if reason:
                raise self._give_up(last, attempts, elapsed, reason)
            with self._lock:
                self.retries += 1
            self.sleep(min(delay, remaining))

    @staticmethod
    def _outcome_unknown(err):
        """``err``, of a write that may have arrived, as WriteOutcomeUnknown (never sent again)."""
        unknown = WriteOutcomeUnknown(err.message + UNKNOWN_OUTCOME, code=err.code, request_id=err.request_id,
                                      status=err.status, refused=False)
        unknown.operation = getattr(err, 'operation', None)
        return unknown

    @staticmethod
    def _give_up(last, attempts, elapsed, reason):
        err = RegistrarError('%s; gave up after %d attempt%s in %.1f s (%s)'
                             % (last.message, attempts, '' if attempts == 1 else 's', elapsed, reason),
                             code=last.code, request_id=last.request_id, status=last.status, retryable=True,
                             refused=last.refused)
        err.operation = getattr(last, 'operation', None)
        err.retry_after = None
        return err


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def never_sent(exc):
    """Whether a failed request certainly never reached the server: no connection was made.

    Only then may a write be sent again; after a read timeout or a connection dropped
    mid-request the registry may have taken the change already.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, 'reason', reason)  # urllib3's MaxRetryError carries the cause
    return isinstance(reason, NewConnectionError)


def make_session(pool_size=None):
    """A requests Session whose connection pool holds ``pool_size`` connections (for concurrent reads)."""
    session = requests.Session()
    if pool_size and pool_size > 10:
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
    return session


class HttpClient(RetryingClient):
    """POSTs to one endpoint over ``requests``; transport failures become RegistrarError.

    ``library`` names the registrar in the error raised when ``requests`` is missing.
    """

    user_agent = 'dnsops.nameservers'

    def __init__(self, endpoint, validate_certs=True, timeout=DEFAULT_TIMEOUT, session=None, library='the registrar',
                 **retry):
        super(HttpClient, self).__init__(**retry)
        if session is None:
            if not HAS_REQUESTS:
                raise RegistrarError('the Python library requests is required to talk to the %s API' % library)
            session = requests.Session()
        self.endpoint = endpoint
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.session = session

    def post(self, operation, body, headers):
        """One POST of ``body``; the response, whatever its status, or RegistrarError.

        A timeout or a dropped connection is retryable; ``refused`` only when no connection was
        made (else a write may have reached the registry).
        """
        headers = dict(headers, **{'User-Agent': self.user_agent})
        self.count_attempt()
        try:
            return self.session.post(self.endpoint, data=body, headers=headers, timeout=self.timeout,
                                     verify=self.validate_certs, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise self.error(operation, 'TLS connection to %s failed: %s: %s'
                             % (self.endpoint, exc.__class__.__name__, self.excerpt(exc)))
        except requests.exceptions.Timeout as exc:
            raise self._transport_error(operation, exc, 'request to %s timed out after %s s (%s)'
                                        % (self.endpoint, self.timeout, exc.__class__.__name__))
        except requests.exceptions.ConnectionError as exc:
            raise self._transport_error(operation, exc, 'connection to %s failed: %s: %s'
                                        % (self.endpoint, exc.__class__.__name__, self.excerpt(exc)))
        except requests.exceptions.RequestException as exc:
            # Raised while the answer was read, too: a write may have arrived.
            raise self.error(operation, 'request to %s failed: %s: %s'
                             % (self.endpoint, exc.__class__.__name__, self.excerpt(exc)), refused=False)

    def _transport_error(self, operation, exc, message):
        """A timeout or a dropped connection: retried; a write only when it was never sent."""
        return self.error(operation, message, retryable=True, refused=never_sent(exc))
