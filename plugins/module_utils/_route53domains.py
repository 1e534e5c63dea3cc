# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Amazon Route 53 Domains provider (API 2014-05-15, through botocore).

Everything here knows Route 53 Domains and nothing of Ansible:

- ``PROVIDER``: the provider's options (doc fragment ``dnsops.nameservers.route53domains``),
  capabilities and limits (``Route53DomainsLimits``), read by the modules before any call;
- ``Route53DomainsClient``: botocore calls under the collection's one retry policy (``_http``),
  botocore's own retries off; which failures mean a request was refused;
- ``Route53DomainsRegistrar``: the ``Registrar`` interface on top of the client.

Route 53 Domains has no host objects. Glue is the ``GlueIps`` of a name server in its parent
domain's own name-server list, and ``UpdateDomainNameservers`` replaces that list whole. So here:

- the glue hosts of a domain are the entries of its own list that lie inside it (they always
  have glue: the registry requires it for such names);
- creating or changing a glue host rewrites the parent's list with that one entry added or
  changed, every other entry (its order, its glue) as it was. A new glue host is therefore also a
  new name server of its parent domain: the registry keeps glue only there;
- deleting one drops it from the parent's list; the parent naming it is the glue itself, not a use
  of it (``glue_in_parent_delegation``), so only other domains naming it keep it in use;
- a delegation keeps the glue of the domain's own in-domain name servers as it is, and cannot name
  an in-domain server that has no glue yet;
- every change is an operation (the seam's task), polled with ``GetOperationDetail``;
- a DS is published by submitting the DNSKEY it is computed from (``ds_input`` DNSKEY, SHA-256 only),
  and removed by the key Id the registry gave it; .com and .net take 13 keys, other TLDs 4.

Credentials and the endpoint are in ``_route53domains_auth``. Secrets never appear in an
exception, a return value or a ``repr()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import ipaddress
import threading

from ansible_collections.dnsops.nameservers.plugins.module_utils._http import (
    RetryingClient,
    UNKNOWN_OUTCOME,
    as_text as _text,
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
    MIN_NAMESERVERS,
    DSRecord,
    DS_INPUT_DNSKEY,
    Domain,
    GlueHost,
    ProviderInfo,
    ProviderLimits,
    Registrar,
    RegistrarError,
    WriteOutcomeUnknown,
    change_in_progress,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._route53domains_auth import (
    botocore_exceptions,
    make_client,
    response_parser_error,
)

TITLE = 'Route 53 Domains'

#: Route 53 Domains' limits (see Route53DomainsLimits)
MAX_NAMESERVERS = 6
MAX_IPS_PER_HOST = 2
MAX_NAME_LENGTH = 255
#: DNSSEC keys of one domain: 13 for .com and .net, 4 elsewhere
MAX_DNSSEC_KEYS = {'com': 13, 'net': 13}
DEFAULT_MAX_DNSSEC_KEYS = 4

LIST_DOMAINS_PAGE_SIZE = 100
#: the longest error message of the registry shown (signature errors run to kilobytes)
MESSAGE_LENGTH = 1000
MAX_PAGES = 10000

OPERATION_SUCCESS = frozenset(['SUCCESSFUL'])
OPERATION_FAILURE = frozenset(['FAILED', 'ERROR'])

#: error codes worth another attempt (the request was refused, so a write too)
THROTTLING_CODES = frozenset([
    'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException',
    'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown', 'PriorRequestNotComplete',
])
#: an error inside AWS while it processed the request: a write may have been applied
INTERNAL_CODES = frozenset(['InternalFailure', 'InternalError', 'InternalServerError', 'InternalServiceError'])
RETRYABLE_CODES = THROTTLING_CODES | INTERNAL_CODES | frozenset([
    'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'RequestTimeoutException',
    # One change per domain at a time: the domain's running operation will finish.
    'DuplicateRequest',
    # Too many operations running in the account.
    'OperationLimitExceeded',
])
#: what the registry's codes mean, added to its own message
CODE_EXPLANATIONS = {
    'DuplicateRequest': 'Route 53 Domains runs one operation per domain at a time; ListOperations shows the '
                        'running one',
    'OperationLimitExceeded': 'too many operations are running in this AWS account; wait until some have '
                              'finished and run again',
    'UnsupportedTLD': 'Route 53 Domains does not support this top-level domain',
    'TLDRulesViolation': "the top-level domain's registry does not allow this change",
}

#: the provider's own options: argument spec of the doc fragment dnsops.nameservers.route53domains.
#: Named the amazon.aws way; ``profile`` and ``security_token`` are Alibaba Cloud's, so the
#: profile is ``aws_profile`` only and the token ``session_token`` / ``aws_session_token``.
OPTIONS = dict(
    access_key=dict(type='str', no_log=False, aliases=['aws_access_key_id', 'aws_access_key']),
    secret_key=dict(type='str', no_log=True, aliases=['aws_secret_access_key', 'aws_secret_key']),
    session_token=dict(type='str', no_log=True, aliases=['aws_session_token']),
    aws_profile=dict(type='str'),
    aws_ca_bundle=dict(type='path'),
)


# ---------------------------------------------------------------------------
# What the modules know before any call
# ---------------------------------------------------------------------------

def inside(name, domain):
    """True when ``name`` is ``domain`` or under it (the names that need glue in its list)."""
    return name == domain or name.endswith('.' + domain)


def _family(ip):
    return 'IPv6' if ':' in ip else 'IPv4'


class Route53DomainsLimits(ProviderLimits):
    """Route 53 Domains' own limits, beyond the generic rules of ``_glue``.

    - at most 6 name servers per domain (so at most 6 glue hosts under it, in that same list);
    - glue: one IPv4 and one IPv6 address per name server;
    - one domain per ``UpdateDomainNameservers``;
    - names of at most 255 characters.
    """

    owner = TITLE
    max_ips_per_host = MAX_IPS_PER_HOST
    max_nameservers = MAX_NAMESERVERS
    max_domains_per_nameserver_change = 1

    def check_host_name(self, name, value, field='name'):
        if len(name) > MAX_NAME_LENGTH:
            raise ValidationError(field, value, 'is %d characters long; Route 53 Domains takes name server names of '
                                                'at most %d' % (len(name), MAX_NAME_LENGTH))

    def check_new_host(self, domain, host, existing_host_names, field='name'):
        existing = set(normalize_name(item) for item in existing_host_names or [])
        if normalize_name(host) not in existing and len(existing) >= MAX_NAMESERVERS:
            raise ValidationError(field, host, 'cannot be created: Route 53 Domains keeps glue only in the name-server '
                                               'list of %s, which already has %d glue hosts, the most a domain may '
                                               'have (%d name servers)'
                                  % (_show(normalize_name(domain)), len(existing), MAX_NAMESERVERS))

    ds_input = DS_INPUT_DNSKEY
    #: the DS Route 53 Domains computes from a key is SHA-256's
    ds_digest_types = (2,)

    def check_ds_records(self, domain, records, field='records'):
        limit = max_dnssec_keys(domain)
        if len(records) > limit:
            raise ValidationError(field, [record.text() for record in records],
                                  'has %d DS records; Route 53 Domains takes at most %d for %s (13 for .com and '
                                  '.net, 4 for other TLDs)' % (len(records), limit, _show(normalize_name(domain))))

    def check_ips(self, ips, field='ips'):
        for family in ('IPv4', 'IPv6'):
            same = [ip for ip in ips if _family(ip) == family]
            if len(same) > 1:
                raise ValidationError(field, ips, 'has %d %s addresses; Route 53 Domains takes one IPv4 and one IPv6 '
                                                  'address per name server' % (len(same), family))


class Route53DomainsInfo(ProviderInfo):
    name = 'route53domains'
    title = TITLE
    options = OPTIONS
    capabilities = frozenset([GLUE_HOSTS, DELEGATION, DS_RECORDS])
    task_noun = 'Route 53 Domains operation'
    limits = Route53DomainsLimits()
    #: glue exists only in the parent domain's own name-server list (see the module docstring)
    glue_in_parent_delegation = True

    def create(self, options):
        return Route53DomainsRegistrar(options)


PROVIDER = Route53DomainsInfo()


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------

def is_retryable(code, status):
    if code in RETRYABLE_CODES:
        return True
    return status is not None and (status == 429 or 500 <= status <= 599)


class Route53DomainsClient(RetryingClient):
    """botocore calls with the collection's retry policy; errors become RegistrarError.

    ``boto`` is a botocore client (its own retries off); ``credentials`` the botocore credentials
    it signs with (only read to scrub their secrets from messages).
    """

    #: the operations that change something
    WRITES = frozenset(['UpdateDomainNameservers', 'AssociateDelegationSignerToDomain',
                        'DisassociateDelegationSignerFromDomain'])

    def __init__(self, boto, credentials=None, endpoint=None, **retry):
        super(Route53DomainsClient, self).__init__(**retry)
        self.boto = boto
        self._credentials = credentials
        self.endpoint = endpoint or getattr(getattr(boto, 'meta', None), 'endpoint_url', None)

    def __repr__(self):
        return 'Route53DomainsClient(endpoint=%r)' % (self.endpoint,)

    def secrets(self):
        creds = self._credentials
        if creds is None:
            return ()
        return tuple(value for value in (getattr(creds, 'secret_key', None), getattr(creds, 'token', None)) if value)

    def call(self, operation, **params):
        """Call ``operation`` (its API name) with ``params``; the parsed answer, or RegistrarError."""
        write = operation in self.WRITES
        method = getattr(self.boto, _snake(operation))
        return self.with_retries(operation, lambda: self._attempt(operation, method, params), write)

    def _attempt(self, operation, method, params):
        self.count_attempt()
        exc = botocore_exceptions()
        try:
            return method(**params)
        except exc.ClientError as err:
            raise self._client_error(operation, err)
        except (exc.ConnectTimeoutError, exc.EndpointConnectionError) as err:
            # No connection was made: nothing reached the registry.
            raise self.error(operation, 'connection to %s failed: %s: %s'
                             % (self.endpoint, err.__class__.__name__, self.excerpt(err)), retryable=True)
        except exc.SSLError as err:
            raise self.error(operation, 'TLS connection to %s failed: %s' % (self.endpoint, self.excerpt(err)))
        except (exc.HTTPClientError, response_parser_error()) as err:
            # A timeout, a dropped connection or an unreadable answer after the request went out.
            # A read is sent again; a write never (with_retries makes it WriteOutcomeUnknown).
            raise self.error(operation, 'request to %s failed: %s: %s'
                             % (self.endpoint, err.__class__.__name__, self.excerpt(err)), retryable=True, refused=False)
        except exc.ParamValidationError as err:
            raise self.error(operation, 'botocore refused the request before sending it: %s' % self.excerpt(err))
        except exc.NoCredentialsError:
            raise self.error(operation, 'no AWS credentials found (see the option access_key)')
        except exc.BotoCoreError as err:
            raise self.error(operation, '%s: %s' % (err.__class__.__name__, self.excerpt(err)))

    def _client_error(self, operation, err):
        """An error answer: the registry refused the request, so it had no effect (unless it is not the
        registry's own answer)."""
        response = getattr(err, 'response', None) or {}
        error = response.get('Error') or {}
        meta = response.get('ResponseMetadata') or {}
        code = _text(error.get('Code') or '') or None
        if code and '#' in code:
            code = code.split('#')[-1]
        # One line (AWS's signature errors carry the whole canonical request), at most MESSAGE_LENGTH;
        # scrubbed before it is cut, so no part of a secret is left.
        message = ' '.join(self.scrub(error.get('Message') or error.get('message') or 'no message given').split())
        if len(message) > MESSAGE_LENGTH:
            message = message[:MESSAGE_LENGTH] + '...'
        if code in CODE_EXPLANATIONS:
            message = '%s (%s)' % (message, CODE_EXPLANATIONS[code])
        status = meta.get('HTTPStatusCode')
        request_id = meta.get('RequestId') or None
        # A refusal is the registry's own answer saying so (throttling, a busy domain, 503). A 500
        # (an internal failure while it processed the request) or a 5xx without AWS's request id (a
        # gateway's page) is not: a write behind it may have been applied.
        internal = code in INTERNAL_CODES or status == 500
        gateway = request_id is None and status is not None and status >= 500
        refused = not internal and not gateway
        return self.error(operation, message, code=self.scrub(code) if code else None, request_id=request_id,
                          status=status, retryable=is_retryable(code, status), refused=refused)


def _snake(operation):
    """botocore's method name of an API operation (``GetDomainDetail`` -> ``get_domain_detail``)."""
    out = []
    for char in operation:
        if char.isupper() and out:
            out.append('_')
        out.append(char.lower())
    return ''.join(out)


def build_client(options, pool_size=None):
    """A Route53DomainsClient from a dict of module options."""
    options = options or {}
    retry = retry_options(options)
    boto, credentials, endpoint = make_client(options, timeout=retry['timeout'], pool_size=pool_size)
    return Route53DomainsClient(boto, credentials, endpoint, max_retries=retry['max_retries'],
                                retry_max_time=retry['retry_max_time'])


# ---------------------------------------------------------------------------
# Provider
# ---------------------------------------------------------------------------

def canonical_ip(value):
    try:
        return str(ipaddress.ip_address(_text(value).strip()))
    except ValueError:
        raise RegistrarError('%r is not an IPv4 or IPv6 address' % (value,))


def _sorted_ips(ips):
    addresses = set(ipaddress.ip_address(canonical_ip(ip)) for ip in ips or [])
    return [str(ip) for ip in sorted(addresses, key=lambda ip: (ip.version, int(ip)))]


def _entries(answer):
    """A GetDomainDetail answer's name-server list as [(name, [glue ips])], in the registry's order."""
    entries = []
    for item in answer.get('Nameservers') or []:
        name = normalize_name(item.get('Name'))
        if name:
            entries.append((name, _sorted_ips(item.get('GlueIps'))))
    return entries


def _payload(entries):
    """[(name, ips)] as UpdateDomainNameservers' ``Nameservers``."""
    payload = []
    for name, ips in entries:
        entry = {'Name': name}
        if ips:
            entry['GlueIps'] = list(ips)
        payload.append(entry)
    return payload


def _not_in_account(exc):
    """Whether a GetDomainDetail error says the domain is not in the account (an unsupported TLD cannot be)."""
    if exc.code == 'UnsupportedTLD':
        return True
    return exc.code == 'InvalidInput' and 'not found' in (exc.message or '').lower()


class Route53DomainsRegistrar(Registrar):
    """The Registrar interface on Route 53 Domains.

    ``options`` is the dict of module options (see ``_route53domains_auth.make_client``; also
    ``timeout``, ``max_retries``, ``retry_max_time``, ``max_workers``). ``client`` replaces the
    client (tests). Each domain's name-server list is read once per run and kept (``_lists``)
    until this run writes it, so a change rewrites the list as it was read.
    """

    info = PROVIDER
    detail_success = OPERATION_SUCCESS
    detail_failure = OPERATION_FAILURE

    def __init__(self, options, client=None):
        options = dict(options or {})
        self.max_workers = number_option(options, 'max_workers', DEFAULT_MAX_WORKERS, MAX_WORKERS_BOUNDS, integer=True)
        if client is None:
            client = build_client(options, pool_size=self.max_workers)
        self.client = client
        self.calls = self.client.calls
        self._lists = {}
        self._lock = threading.Lock()

    def __repr__(self):
        return 'Route53DomainsRegistrar(%r)' % (self.client,)

    def clock(self):
        return self.client.clock()

    def sleep(self, seconds):
        self.client.sleep(seconds)

    # -- domains -----------------------------------------------------------

    def list_domains(self):
        domains, marker = [], None
        for dummy in range(MAX_PAGES):
            params = {'MaxItems': LIST_DOMAINS_PAGE_SIZE}
            if marker:
                params['Marker'] = marker
            answer = self.client.call('ListDomains', **params)
            for item in answer.get('Domains') or []:
                if item.get('DomainName'):
                    domains.append(Domain(normalize_name(item['DomainName'])))
            marker = answer.get('NextPageMarker')
            if not marker:
                break
        return domains

    def _read(self, name):
        """The domain's name-server list [(name, ips)] from the registry, or None when not in the account."""
        try:
            answer = self.client.call('GetDomainDetail', DomainName=name)
        except RegistrarError as exc:
            if _not_in_account(exc):
                return None
            raise
        entries = _entries(answer)
        with self._lock:
            self._lists[name] = entries
        return entries

    def _current(self, name):
        """The domain's list as read in this run (read now if it was not)."""
        with self._lock:
            entries = self._lists.get(name)
        if entries is None:
            entries = self._read(name)
            if entries is None:
                raise RegistrarError('domain %s is not in this AWS account (Route 53 Domains)' % name)
        return list(entries)

    def get_domain(self, name):
        name = normalize_name(name)
        entries = self._read(name)
        if entries is None:
            return None
        return Domain(name, [entry[0] for entry in entries])

    # -- hosts ---------------------------------------------------------------

    def list_hosts(self, domain):
        entries = self._current(domain.name)
        if domain.nameservers is None:
            domain.nameservers = [entry[0] for entry in entries]
        hosts = [GlueHost(name, ips) for name, ips in entries if ips and inside(name, domain.name)]
        hosts.sort(key=lambda host: host.name)
        return hosts

    def check_host_change(self, domain, name, ips):
        """Route 53 Domains' rules on the parent's list, before any write (and in check mode).

        ``ips`` None: deleting the host, which must leave the parent at least two name servers;
        else creating or changing it, which must fit the parent's 6 name servers.
        """
        name = normalize_name(name)
        entries = self._current(domain.name)
        names = [entry[0] for entry in entries]
        if ips is None:
            left = len([n for n in names if n != name])
            if name in names and left < MIN_NAMESERVERS:
                raise ValidationError('name', name, 'cannot be deleted: Route 53 Domains keeps glue only in the '
                                                    'name-server list of %s, and dropping it would leave %d name '
                                                    'server%s there; delegate %s to other name servers first'
                                      % (domain.name, left, '' if left == 1 else 's', domain.name))
        elif name not in names and len(names) >= MAX_NAMESERVERS:
            raise ValidationError('name', name, 'cannot be created: Route 53 Domains keeps glue only in the '
                                                'name-server list of %s, which already has %d name servers, the most '
                                                'it takes; remove one from that list first'
                                  % (domain.name, len(names)))

    def _write_list(self, domain_name, entries):
        with self._lock:
            # The registry's list changes when the operation completes: read it again if needed.
            self._lists.pop(domain_name, None)
        answer = self._change(domain_name, 'UpdateDomainNameservers', DomainName=domain_name,
                              Nameservers=_payload(entries))
        return self._operation_id(answer, 'UpdateDomainNameservers')

    def _change(self, domain_name, operation, **params):
        """One write; a domain still busy with another operation after the retries is ChangeInProgress."""
        try:
            return self.client.call(operation, **params)
        except RegistrarError as exc:
            if exc.code == 'DuplicateRequest':
                raise change_in_progress('domain %s' % domain_name, exc)
            raise

    @staticmethod
    def _operation_id(answer, operation):
        operation_id = answer.get('OperationId')
        if not operation_id:
            raise WriteOutcomeUnknown('%s was accepted but the answer carries no OperationId%s'
                                      % (operation, UNKNOWN_OUTCOME), refused=False)
        return _text(operation_id)

    def _host_entries(self, domain, name, ips):
        name = normalize_name(name)
        if not inside(name, domain.name):
            raise RegistrarError('glue host %s is not inside the domain %s it would be registered under'
                                 % (name, domain.name))
        ips = _sorted_ips(ips)
        self.info.limits.check_ips(ips)
        if not 1 <= len(ips) <= MAX_IPS_PER_HOST:
            raise RegistrarError('glue host %s needs 1 to %d addresses, got %d' % (name, MAX_IPS_PER_HOST, len(ips)))
        self.check_host_change(domain, name, ips)
        entries = self._current(domain.name)
        if any(entry[0] == name for entry in entries):
            return [(entry[0], ips if entry[0] == name else entry[1]) for entry in entries]
        return entries + [(name, ips)]

    def create_host(self, domain, name, ips):
        # No host objects: the glue is an entry of the parent's own list, added at its end.
        return self._write_list(domain.name, self._host_entries(domain, name, ips))

    def modify_host(self, domain, name, ips):
        return self._write_list(domain.name, self._host_entries(domain, name, ips))

    def delete_host(self, domain, name, ips):
        name = normalize_name(name)
        self.check_host_change(domain, name, None)
        entries = self._current(domain.name)
        if not any(entry[0] == name for entry in entries):
            raise RegistrarError('glue host %s is not in the name-server list of %s' % (name, domain.name))
        return self._write_list(domain.name, [entry for entry in entries if entry[0] != name])

    # -- delegation ------------------------------------------------------------

    def _delegation_entries(self, domain_name, nameservers):
        """The new list of ``domain_name``: the glue of its own in-domain servers kept as it is."""
        glue = dict((name, ips) for name, ips in self._current(domain_name) if ips)
        entries = []
        for server in nameservers:
            server = normalize_name(server)
            if inside(server, domain_name) and server not in glue:
                raise ValidationError('nameservers', server, 'is inside %s but is no glue host of it; with Route 53 '
                                                             'Domains an in-domain name server needs its glue first: '
                                                             'create it with dnsops.nameservers.glue_host (which also '
                                                             'adds it to the name servers of %s)'
                                      % (domain_name, domain_name))
            entries.append((server, glue.get(server) if inside(server, domain_name) else []))
        return entries

    def set_nameservers(self, domain_names, nameservers):
        # Every domain's new list is built (and checked) before the first write.
        for domain_name in domain_names:
            self._delegation_entries(normalize_name(domain_name), nameservers)
        return super(Route53DomainsRegistrar, self).set_nameservers(domain_names, nameservers)

    def write_nameservers(self, domain_names, nameservers):
        if len(domain_names) != 1:
            raise RegistrarError('Route 53 Domains changes the name servers of one domain per call, got %d'
                                 % len(domain_names))
        domain_name = normalize_name(domain_names[0])
        return self._write_list(domain_name, self._delegation_entries(domain_name, nameservers))

    # -- operations --------------------------------------------------------------

    def task_details(self, task_id):
        """One operation as the seam's per-domain details: [{domain, status, error}]."""
        answer = self.client.call('GetOperationDetail', OperationId=task_id)
        status = _text(answer.get('Status') or 'UNKNOWN')
        return [{
            'domain': normalize_name(answer.get('DomainName') or ''),
            'status': status,
            'error': _text(answer['Message']) if answer.get('Message') else None,
        }]

    # -- DS records (DNSSEC) ---------------------------------------------------------------
    #
    # Route 53 Domains takes a DNSKEY (AssociateDelegationSignerToDomain) and computes the DS itself
    # (SHA-256); a DS is removed by the Id GetDomainDetail gives it. One key change per domain at a
    # time: the modules wait for a domain's operation before its next write.

    def list_ds(self, domain_name):
        domain_name = normalize_name(domain_name)
        try:
            answer = self.client.call('GetDomainDetail', DomainName=domain_name)
        except RegistrarError as exc:
            if _not_in_account(exc):
                return None
            raise
        with self._lock:
            self._lists[domain_name] = _entries(answer)
        return [DSRecord(key['KeyTag'], key['Algorithm'], key['DigestType'], _text(key['Digest']),
                         record_id=_text(key['Id']))
                for key in answer.get('DnssecKeys') or []
                if all(key.get(member) is not None for member in ('KeyTag', 'Algorithm', 'DigestType', 'Digest', 'Id'))]

    def add_ds(self, domain_name, record):
        """Submit the DNSKEY ``record`` was computed from; returns the operation id."""
        domain_name = normalize_name(domain_name)
        key = getattr(record, 'dnskey', None)
        if key is None:
            raise RegistrarError('Route 53 Domains takes the DNSKEY a DS is computed from, not the DS alone (%s)'
                                 % record.text())
        answer = self._change(domain_name, 'AssociateDelegationSignerToDomain', DomainName=domain_name,
                              SigningAttributes={'Algorithm': int(key.algorithm), 'Flags': int(key.flags),
                                                 'PublicKey': base64.b64encode(bytes(key.public_key)).decode('ascii')})
        return self._operation_id(answer, 'AssociateDelegationSignerToDomain')

    def remove_ds(self, domain_name, record):
        """Remove a DS as ``list_ds`` returned it (by its Id); returns the operation id."""
        domain_name = normalize_name(domain_name)
        if not getattr(record, 'record_id', None):
            raise RegistrarError('DS %s of %s has no Route 53 Domains Id; read it with list_ds first'
                                 % (record.text(), domain_name))
        answer = self._change(domain_name, 'DisassociateDelegationSignerFromDomain', DomainName=domain_name,
                              Id=record.record_id)
        return self._operation_id(answer, 'DisassociateDelegationSignerFromDomain')


def max_dnssec_keys(domain_name):
    """How many DNSSEC keys Route 53 Domains takes for a domain (by its TLD)."""
    return MAX_DNSSEC_KEYS.get(normalize_name(domain_name).rsplit('.', 1)[-1], DEFAULT_MAX_DNSSEC_KEYS)
