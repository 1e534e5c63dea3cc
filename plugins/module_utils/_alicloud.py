# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Alibaba Cloud provider: Domain API (version 2018-01-29).

Everything here knows the Alibaba API and nothing of Ansible:

- ``PROVIDER``: the provider's options (doc fragment ``dnsops.nameservers.alicloud``),
  capabilities and limits (``AlicloudLimits``), read by the modules before any call;
- ``resolve_endpoint()``: ``site`` / ``endpoint`` / ``validate_certs`` rules;
- ``AlicloudClient``: signed RPC calls on the provider-neutral ``HttpClient`` (``_http``),
  Alibaba's error bodies and which of them say a request was refused;
- ``AlicloudRegistrar``: the ``Registrar`` interface on top of the client. Instance ids stay
  in here: a ``Domain`` carries its own in ``facts``.

Signing and credentials are in ``_alicloud_auth``. Secrets (the AccessKey secret and the STS
token) never appear in an exception, a return value or a ``repr()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import time
import uuid

from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud_auth import (
    percent_encode,
    repeat_list,
    resolve_credentials,
    sign_v2,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._http import (
    HAS_REQUESTS,
    UNKNOWN_OUTCOME,
    HttpClient,
    as_text as _text,
    make_session,
    normalise_endpoint,
    number_option,
    retry_options,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import (
    ValidationError,
    _show,
    normalize_name,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    DEFAULT_MAX_WORKERS,
    DELEGATION,
    DS_RECORDS,
    GLUE_HOSTS,
    MAX_WORKERS_BOUNDS,
    Domain,
    DSRecord,
    GlueHost,
    ProviderInfo,
    ProviderLimits,
    Registrar,
    RegistrarError,
    WriteOutcomeUnknown,
    change_in_progress,
)


API_VERSION = '2018-01-29'

SITE_ENDPOINTS = {
    'china': 'https://domain.aliyuncs.com/',
    'international': 'https://domain-intl.aliyuncs.com/',
}
DEFAULT_SITE = 'china'

DOMAIN_LIST_PAGE_SIZE = 100
TASK_DETAIL_PAGE_SIZE = 1000
MAX_PAGES = 10000

#: Alibaba Cloud's limits (see AlicloudLimits)
MAX_IPS_PER_HOST = 13
MAX_NAMESERVERS = 13
MAX_DOMAINS_PER_TASK = 1000
MAX_HOST_NAME_LENGTH = 80
MAX_HOSTS_PER_DOMAIN = 13
MAX_HOSTS_PER_CN_DOMAIN = 6

RETRYABLE_CODES = frozenset([
    'ServiceUnavailable',
    'InternalError',
    'TaskIsBeingProcessed',
    'NetworkIOError',
])

# Error codes of a request that may have been processed (the others say it was refused).
OUTCOME_UNKNOWN_CODES = frozenset([
    'InternalError',
    'NetworkIOError',
    'UnknownError',
])

# Error codes about the credentials, explained with where they came from (see AlicloudClient.explain).
SIGNATURE_CODES = frozenset(['SignatureDoesNotMatch', 'IncompleteSignature', 'InvalidAccessKeySecret'])
UNKNOWN_KEY_CODES = frozenset(['InvalidAccessKeyId.NotFound', 'InvalidAccessKeyId', 'InvalidAccessKeyId.Inactive'])
CLOCK_CODES = frozenset(['InvalidTimeStamp.Expired', 'InvalidTimeStamp.Format', 'RequestTimeTooSkewed'])
TOKEN_CODES = frozenset(['MissingSecurityToken', 'InvalidSecurityToken.Expired', 'InvalidSecurityToken.Mismatch',
                         'InvalidSecurityToken.Malformed', 'InvalidSecurityToken'])

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

#: the provider's own options: argument spec of the doc fragment dnsops.nameservers.alicloud
OPTIONS = dict(
    # The key ID names the key (Alibaba's own logs show it); errors show it to say which key failed.
    access_key_id=dict(type='str', no_log=False, aliases=['alicloud_access_key']),
    access_key_secret=dict(type='str', no_log=True, aliases=['alicloud_secret_key']),
    security_token=dict(type='str', no_log=True, aliases=['alicloud_security_token']),
    profile=dict(type='str'),
    # Default DEFAULT_SITE, applied here: the option is "set" only when the user set it.
    site=dict(type='str', choices=sorted(SITE_ENDPOINTS)),
)


# ---------------------------------------------------------------------------
# What the modules know before any call
# ---------------------------------------------------------------------------

def _is_under(domain, suffix):
    return domain == suffix or domain.endswith('.' + suffix)


class AlicloudLimits(ProviderLimits):
    """Alibaba Cloud's own limits, beyond the generic rules of ``_glue``.

    - DNS host names of at most 80 characters (the console's limit);
    - at most 13 DNS hosts per domain; ``.cn`` at most 6, and no host name of four or more
      labels (CNNIC's rule, as Alibaba applies it); ``.hk`` domains cannot have custom DNS hosts;
    - at most 1,000 domains in one name-server task;
    - one DS record per key tag and domain (its DS calls name a record by ``KeyTag`` alone), so a
      key's SHA-256 and SHA-384 DS cannot both be registered, and a changed record for a key tag is
      one ``SaveSingleTaskForModifyingDSRecord``.

    ``.cn``: "no fourth-level host names" counts the labels of the whole host name, so under
    ``example.cn`` hosts like ``ns1.example.cn`` are fine, while under a second-level ``.cn``
    domain such as ``example.com.cn`` every host has four or more labels and none can be created.
    """

    max_ips_per_host = MAX_IPS_PER_HOST
    max_nameservers = MAX_NAMESERVERS
    max_domains_per_nameserver_change = MAX_DOMAINS_PER_TASK
    ds_one_per_key_tag = True

    def check_host_name(self, name, value, field='name'):
        if len(name) > MAX_HOST_NAME_LENGTH:
            as_given = _text(value).strip().rstrip('.').lower()
            raise ValidationError(field, value, "is %d characters long%s; a DNS host name may have at most %d characters "
                                                "(Alibaba Cloud's limit for DNS host names)"
                                  % (len(name), '' if name == as_given else ' as A-labels', MAX_HOST_NAME_LENGTH))

    def check_new_host(self, domain, host, existing_host_names, field='name'):
        domain = normalize_name(domain)
        name = normalize_name(host)
        if _is_under(domain, 'hk'):
            raise ValidationError(field, host, 'cannot be created: Alibaba Cloud does not support custom DNS hosts for .hk domains')
        existing = set(normalize_name(item) for item in existing_host_names or [])
        if name in existing:
            return
        is_cn = _is_under(domain, 'cn')
        if is_cn and len(name.split('.')) >= 4:
            rule = ('cannot be created: under .cn a fourth-level name (four or more labels) cannot be a DNS host name '
                    '(Alibaba Cloud / CNNIC rule)')
            if len(domain.split('.')) >= 3:
                rule += '; every host under %s has four or more labels, so it can have no custom DNS hosts' % _show(domain)
            raise ValidationError(field, host, rule)
        limit = MAX_HOSTS_PER_CN_DOMAIN if is_cn else MAX_HOSTS_PER_DOMAIN
        if len(existing) >= limit:
            raise ValidationError(field, host, 'cannot be created: domain %s already has %d DNS hosts, the most %s may have '
                                               '(delete one first)'
                                  % (_show(domain), len(existing), 'a .cn domain' if is_cn else 'a domain'))


class AlicloudInfo(ProviderInfo):
    name = 'alicloud'
    title = 'Alibaba Cloud'
    options = OPTIONS
    capabilities = frozenset([GLUE_HOSTS, DELEGATION, DS_RECORDS])
    task_noun = 'registry task'
    limits = AlicloudLimits()

    def create(self, options):
        return AlicloudRegistrar(options)

    def already_exists(self, error_text):
        return bool(error_text) and 'already exist' in _text(error_text).lower()


PROVIDER = AlicloudInfo()


# ---------------------------------------------------------------------------
# Endpoint
# ---------------------------------------------------------------------------

def resolve_endpoint(options):
    """The base URL and the certificate check from ``site``, ``endpoint``, ``validate_certs``."""
    options = options or {}
    validate_certs = options.get('validate_certs')
    validate_certs = True if validate_certs is None else bool(validate_certs)
    endpoint = options.get('endpoint')
    if endpoint is not None and _text(endpoint).strip():
        return normalise_endpoint(endpoint), validate_certs
    site = _text(options.get('site') or DEFAULT_SITE).strip()
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


class AlicloudClient(HttpClient):
    """Signed RPC calls to the Domain API; retries, transport and scrubbing are HttpClient's.

    Requests are POSTs with every parameter (including ``Signature`` and
    ``SecurityToken``) in an ``application/x-www-form-urlencoded`` body, so no
    URL ever carries a secret.
    """

    user_agent = 'dnsops.nameservers (alicloud domain client)'

    def __init__(self, credentials, endpoint, validate_certs=True, session=None, version=API_VERSION, **settings):
        super(AlicloudClient, self).__init__(endpoint, validate_certs=validate_certs, session=session,
                                             library='Alibaba Cloud', **settings)
        self._credentials = credentials
        self.version = version

    def __repr__(self):
        return 'AlicloudClient(endpoint=%r, credentials=%r)' % (self.endpoint, self._credentials)

    def secrets(self):
        return (self._credentials.access_key_secret, self._credentials.security_token)

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

    def call(self, action, params=None):
        """Call ``action`` with ``params``; returns the parsed JSON object, or raises RegistrarError.

        A write is sent again only after an answer that says the registry refused it (throttling,
        a busy domain, ``ServiceUnavailable``, HTTP 429) or when it never left this machine; else
        the error is WriteOutcomeUnknown.
        """
        return self.with_retries(action, lambda: self._attempt(action, params), self.is_write(action))

    def _attempt(self, action, params):
        signed = self.signed_params(action, params)
        body = '&'.join('%s=%s' % (percent_encode(k), percent_encode(v)) for k, v in sorted(signed.items()))
        headers = {
            'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
            'Accept': 'application/json',
        }
        return self._parse(action, self.post(action, body.encode('utf-8'), headers))

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
            raise self.error(action, 'the registry answered with a body that is not a JSON object: %r'
                             % self.excerpt(content.decode('utf-8', 'replace')), status=status, refused=False)
        retry_after = _retry_after(response.headers)
        if not isinstance(data, dict):
            # Not Alibaba's error body: a proxy or gateway answered, maybe after the registry took the request.
            raise self.error(action, 'the registry answered with an error and a body that is not JSON: %r'
                             % self.excerpt(content.decode('utf-8', 'replace')),
                             status=status, retryable=is_retryable(None, status) or retry_after is not None,
                             refused=status == 429, retry_after=retry_after)
        code = _first(data, 'Code', 'code')
        message = _first(data, 'Message', 'message') or 'no message given'
        request_id = _first(data, 'RequestId', 'requestId')
        return_code = self.scrub(code) if code else None
        refused = status == 429 or (code is not None and code not in OUTCOME_UNKNOWN_CODES)
        raise self.error(action, self.explain(code, message), code=return_code, request_id=request_id, status=status,
                         retryable=is_retryable(code, status) or retry_after is not None,
                         refused=refused, retry_after=retry_after)

    def explain(self, code, message):
        """The registry's ``message`` for ``code``; for a credentials error, which credentials (the key ID
        and where each part came from, never a secret) and what to check."""
        credentials = self._credentials
        key = 'AccessKey ID %r (from %s)' % (credentials.access_key_id, credentials.origin('id'))
        said = '; the registry said: ' + _without_string_to_sign(message)
        if code in SIGNATURE_CODES:
            return ('the AccessKey secret from %s does not match %s: check that secret (the whole of it, and that '
                    'it belongs to this key)%s' % (credentials.origin('secret'), key, said))
        if code in UNKNOWN_KEY_CODES:
            return ('%s is not known at %s: check the key ID, and the option site (an account of Alibaba Cloud\'s '
                    'international site needs site: international; china is the default)%s' % (key, self.endpoint, said))
        if code in CLOCK_CODES:
            return ("the registry refused the request's time: check this machine's clock (it must be within 15 "
                    "minutes of the real time)%s" % said)
        if code in TOKEN_CODES:
            return ('the security token (from %s) was refused for %s: check it, and get a new one if it has expired%s'
                    % (credentials.origin('token'), key, said))
        if code and code.startswith('Forbidden'):
            return '%s may not do this: grant its RAM user the Domain permissions it needs%s' % (key, said)
        return message


def _without_string_to_sign(message):
    """The registry's message without the string it signed (a wall of encoded parameters)."""
    cut = message.lower().find('string to sign')
    if cut < 0:
        return message
    text = message[:cut]
    for word in ('server', 'the'):
        if text.rstrip().lower().endswith(word):
            text = text.rstrip()[:-len(word)]
    return text.strip().rstrip(':,;').strip() or 'signature mismatch'


def build_client(options, environ=None, home=None, session=None, sleep=None, clock=None, rand=None, pool_size=None):
    """An AlicloudClient from a dict of module options.

    ``pool_size`` sizes the connection pool for that many concurrent calls.
    """
    options = options or {}
    credentials = resolve_credentials(options, environ=environ, home=home)
    endpoint, validate_certs = resolve_endpoint(options)
    if session is None and HAS_REQUESTS:
        session = make_session(pool_size)
    return AlicloudClient(credentials, endpoint, validate_certs=validate_certs, session=session,
                          sleep=sleep, clock=clock, rand=rand, **retry_options(options))


# ---------------------------------------------------------------------------
# Provider
# ---------------------------------------------------------------------------

def alicloud_domain(name, instance_id, nameservers=None):
    """A Domain as this provider reads it: its instance id in ``facts``."""
    return Domain(name, nameservers, {'instance_id': instance_id})


def normalise_name(name):
    """Lower case, no trailing dot, A-labels: the same form the modules' validation gives, so
    names read from the registry compare equal to the user's (one IDNA standard for both)."""
    return normalize_name(_text(name))


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


class AlicloudRegistrar(Registrar):
    """The Registrar interface on Alibaba Cloud's Domain API 2018-01-29.

    ``options`` is the dict of module options (see ``resolve_credentials`` and
    ``resolve_endpoint``; also ``timeout``, ``max_retries``, ``retry_max_time``,
    ``max_workers``). ``client`` replaces the HTTP client (tests, benchmarks).
    """

    info = PROVIDER
    detail_success = frozenset([TASK_SUCCESS])
    detail_failure = frozenset([TASK_FAILURE])

    def __init__(self, options, client=None, environ=None, home=None):
        options = dict(options or {})
        self.max_workers = number_option(options, 'max_workers', DEFAULT_MAX_WORKERS, MAX_WORKERS_BOUNDS, integer=True)
        if client is None:
            client = build_client(options, environ=environ, home=home, pool_size=self.max_workers)
        self.client = client
        # Shared with the client: {'read': n, 'write': m}, logical calls (retries not counted).
        self.calls = self.client.calls

    def __repr__(self):
        return 'AlicloudRegistrar(%r)' % (self.client,)

    def clock(self):
        return self.client.clock()

    def sleep(self, seconds):
        self.client.sleep(seconds)

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
                domains.append(alicloud_domain(normalise_name(item['DomainName']), _first(item, 'InstanceId')))
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
        return alicloud_domain(normalise_name(answer.get('DomainName') or name), instance_id, nameservers)

    # -- hosts ---------------------------------------------------------------

    @staticmethod
    def _instance_id(domain):
        instance_id = getattr(domain, 'facts', {}).get('instance_id')
        if not instance_id:
            raise RegistrarError('domain %s has no InstanceId; look it up with get_domain() first' % getattr(domain, 'name', domain))
        return instance_id

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

    def _write(self, action, params, subject):
        """Send a write; its TaskNo. A registry busy with another change to ``subject`` says so."""
        try:
            answer = self.client.call(action, params)
        except RegistrarError as exc:
            if exc.code == 'TaskIsBeingProcessed':
                raise change_in_progress(subject, exc)
            raise
        task_no = _first(answer, 'TaskNo', 'taskNo')
        if not task_no:
            # Accepted, but which task carries it is unknown: the change may happen.
            raise WriteOutcomeUnknown('%s was accepted but the answer carries no TaskNo%s' % (action, UNKNOWN_OUTCOME),
                                      request_id=_first(answer, 'RequestId', 'requestId'), refused=False)
        return task_no

    def create_host(self, domain, name, ips):
        return self._write('SaveSingleTaskForCreatingDnsHost', self._host_params(domain, name, ips),
                           'domain %s' % domain.name)

    def modify_host(self, domain, name, ips):
        return self._write('SaveSingleTaskForModifyingDnsHost', self._host_params(domain, name, ips),
                           'domain %s' % domain.name)

    def delete_host(self, domain, name, ips):
        # 2018-01-29 takes no Ip for a deletion (only Domain-intl 2017-12-18 does).
        params = {'InstanceId': self._instance_id(domain), 'DnsName': host_label(domain.name, name)}
        return self._write('SaveSingleTaskForDeletingDnsHost', params, 'domain %s' % domain.name)

    # -- delegation ------------------------------------------------------------

    def write_nameservers(self, domain_names, nameservers):
        params = {'AliyunDns': 'false'}
        params.update(repeat_list('DomainName', domain_names))
        params.update(repeat_list('DomainNameServer', nameservers))
        subject = 'domain %s' % domain_names[0] if len(domain_names) == 1 else 'one of the domains %s' % ', '.join(
            domain_names[:5] + (['...'] if len(domain_names) > 5 else []))
        return self._write('SaveBatchTaskForModifyingDomainDns', params, subject)

    # -- DS records --------------------------------------------------------------
    # The DS calls name the domain by DomainName (not InstanceId) and a record by KeyTag alone.

    def list_ds(self, domain_name):
        name = normalise_name(domain_name)
        try:
            answer = self.client.call('QueryDSRecord', {'DomainName': name})
        except RegistrarError as exc:
            if exc.code in DOMAIN_NOT_FOUND_CODES:
                return None
            raise
        records = []
        for item in _as_list(answer.get('DSRecordList'), 'DSRecord', 'DsRecord'):
            if not isinstance(item, dict):
                continue
            try:
                records.append(DSRecord(item['KeyTag'], item['Algorithm'], item['DigestType'], _text(item['Digest']).strip()))
            except (KeyError, TypeError, ValueError):
                raise RegistrarError('QueryDSRecord answered a DS record of %s that cannot be read: %r' % (name, item))
        records.sort(key=lambda record: record.key())
        return records

    @staticmethod
    def _ds_params(domain_name, record):
        # Upper-case hex, as dnssec-dsfromkey writes it and the console shows it.
        return {'DomainName': normalise_name(domain_name), 'KeyTag': record.key_tag, 'Algorithm': record.algorithm,
                'DigestType': record.digest_type, 'Digest': record.digest.upper()}

    def add_ds(self, domain_name, record):
        return self._write('SaveSingleTaskForAddingDSRecord', self._ds_params(domain_name, record),
                           'domain %s' % normalise_name(domain_name))

    def remove_ds(self, domain_name, record):
        params = {'DomainName': normalise_name(domain_name), 'KeyTag': record.key_tag}
        return self._write('SaveSingleTaskForDeletingDSRecord', params, 'domain %s' % normalise_name(domain_name))

    def replace_ds(self, domain_name, old, new):
        if old.key_tag != new.key_tag:
            raise RegistrarError('Alibaba Cloud replaces a DS record only by one of the same key tag (%d, not %d)'
                                 % (old.key_tag, new.key_tag))
        return self._write('SaveSingleTaskForModifyingDSRecord', self._ds_params(domain_name, new),
                           'domain %s' % normalise_name(domain_name))

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
