# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The provider interface: what any registrar must offer the modules.

A provider is one file, ``_<name>.py``, knowing its API and nothing of Ansible, with:

- a ``ProviderInfo``: the value of the option ``registrar``, its own options (documented in the doc
  fragment ``dnsops.nameservers.<name>``), its capabilities, its limits (``ProviderLimits``) and
  what the registry calls an accepted change (``task_noun``). The modules read it before any call,
  so a provider that cannot do something, or an input beyond its limits, fails before anything is
  sent, naming the provider;
- a ``Registrar`` subclass built by ``ProviderInfo.create(options)``;

and one line in ``_providers.py``. Modules talk to the registrar through this interface alone: a
``Domain`` carries its name, its name servers and ``facts`` (whatever the provider knows beyond them,
Alibaba Cloud's instance id for example), which only the provider reads and the modules return as
they are. Task ids are opaque strings: Alibaba Cloud's task numbers, or the operation ids of a
registrar whose changes are operations. A registrar without host objects (glue as addresses next
to a name server in the parent domain's own name-server list) presents that glue as ``GlueHost``
objects of the parent domain.

DS records (capability ``DS_RECORDS``) cross the interface as ``DSRecord`` objects, keyed by domain
name: ``list_ds``, ``add_ds``, ``remove_ds`` and, for a registry that keeps one DS per key tag,
``replace_ds``. The modules validate and compute them (``_dnssec``), decide what to add and remove,
add before they remove, and wait for a domain's task before its next write. What a registrar takes
to publish a DS is its ``ProviderLimits.ds_input``: the DS fields (Alibaba Cloud), or the DNSKEY
(Route 53 Domains); see ``Registrar.add_ds``.

All names crossing this interface are normalised: lower case, no trailing dot, A-labels
(punycode). Addresses are canonical strings (``ipaddress``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import normalize_name

#: reads sent to a registrar at the same time (option max_workers)
DEFAULT_MAX_WORKERS = 8
MAX_WORKERS_BOUNDS = (1, 64)
DEFAULT_CONCURRENCY = DEFAULT_MAX_WORKERS

#: capabilities a provider may have (``ProviderInfo.capabilities``)
GLUE_HOSTS = 'glue_hosts'
DELEGATION = 'delegation'
DS_RECORDS = 'ds_records'
CAPABILITY_TEXT = {
    GLUE_HOSTS: 'manage glue hosts',
    DELEGATION: 'change the name servers of a domain',
    DS_RECORDS: 'manage DS records (DNSSEC delegation signers)',
}

#: what a registrar takes to publish a DS (ProviderLimits.ds_input): the DS fields, or the DNSKEY
DS_INPUT_DS = 'ds'
DS_INPUT_DNSKEY = 'dnskey'


#: RFC 1034 4.1: every zone needs at least two name servers
MIN_NAMESERVERS = 2
#: the most name servers registries accept for one domain (a referral with 13 fits 512 bytes)
MAX_NAMESERVERS = 13
#: the most addresses registries accept for one host (a provider may allow fewer)
MAX_IPS_PER_HOST = 13

# Polling of asynchronous tasks: the first pause, doubled up to the cap.
POLL_FIRST_DELAY = 0.5
POLL_MAX_DELAY = 10.0


def run_concurrently(func, items, max_workers=DEFAULT_CONCURRENCY):
    """``[func(item) for item in items]`` through a bounded thread pool.

    Results keep the order of ``items``; the first exception is raised, and the calls not
    started yet are cancelled (a wrong key must not be tried a thousand times).
    Registrars have no bulk reads for most things, so reading a thousand
    domains one after another would take minutes.
    """
    items = list(items)
    if len(items) <= 1:
        return [func(item) for item in items]
    executor = ThreadPoolExecutor(max_workers=min(max_workers, len(items)))
    try:
        futures = [executor.submit(func, item) for item in items]
        try:
            return [future.result() for future in futures]
        except Exception:
            for future in futures:
                future.cancel()
            raise
    finally:
        executor.shutdown(wait=True)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

class RegistrarError(Exception):
    """An error reported by the registrar, or a failure to reach it.

    ``code``, ``message`` and ``request_id`` are the registry's own words;
    they never contain credentials. ``retryable``: another attempt may succeed.
    ``refused``: the request certainly had no effect (the registry said it refused
    it, or it never left this machine); only such a write is ever sent again.
    """

    def __init__(self, message, code=None, request_id=None, status=None, retryable=False, refused=True):
        super(RegistrarError, self).__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.status = status
        self.retryable = retryable
        self.refused = refused

    def set_message(self, message):
        self.message = message
        self.args = (message,)

    def __str__(self):
        parts = []
        if self.code:
            parts.append(self.code)
        parts.append(self.message)
        text = ': '.join(parts)
        if self.request_id:
            text += ' (RequestId %s)' % self.request_id
        return text


class WriteOutcomeUnknown(RegistrarError):
    """A write that may have reached the registry: it was sent, and no answer said it was refused
    (a timeout or a connection dropped after sending, an answer that cannot be read, a gateway's
    error page). It is never sent again; ``sent`` (set by the module) says what was sent, and
    ``domains`` the domains of the name-server write whose outcome is unknown."""

    sent = None
    domains = None


class ChangeInProgress(RegistrarError):
    """The registry refused a write because another change to the same domain is being processed."""


def change_in_progress(subject, exc):
    """ChangeInProgress for ``subject`` (e.g. ``domain example.com``), quoting the registry's ``exc``."""
    error = ChangeInProgress(
        'another change to %s is in progress at the registry (another run, a person, or an earlier attempt '
        'whose answer was lost), so this one was refused: run again once it has finished; the registry said: %s'
        % (subject, exc.message), code=exc.code, request_id=exc.request_id, status=exc.status)
    return error


class TaskFailed(RegistrarError):
    """At least one asynchronous registry task ended in failure.

    Raised by ``wait_tasks`` only once every task of the batch has finished (or the
    timeout passed), with ``tasks``: the outcome of every task, as a list of dicts
    ``{'task_id', 'status': 'success' | 'failure' | 'unfinished', 'details': [...]}``
    (``details``: the per-domain dicts of ``task_details``). ``task_id`` and ``details``
    are those of the first failed task.
    """

    tasks = None
    task_id = None
    details = None


class TaskTimeout(RegistrarError):
    """Registry tasks did not finish in time (and none failed); ``tasks`` as in TaskFailed."""

    tasks = None
    task_id = None
    details = None


def tasks_error(tasks, message):
    """The error for a batch whose tasks did not all succeed: TaskFailed when any failed, else
    TaskTimeout, carrying every task's outcome (``tasks``) and the first failed or unfinished one."""
    failed = [t for t in tasks if t['status'] == 'failure']
    first = (failed or [t for t in tasks if t['status'] != 'success'])[0]
    error = (TaskFailed if failed else TaskTimeout)(message)
    error.tasks = tasks
    error.task_id, error.details = first['task_id'], first['details']
    return error


# ---------------------------------------------------------------------------
# What crosses the interface
# ---------------------------------------------------------------------------

class Domain(object):
    """A domain registered in the account.

    ``facts``: what the provider knows of the domain beyond its name and name servers (Alibaba
    Cloud: ``instance_id``). Only the provider reads them; the modules return them as they are.
    """

    def __init__(self, name, nameservers=None, facts=None):
        self.name = name
        # None when the listing did not include name servers (fetch with get_domain).
        self.nameservers = nameservers
        self.facts = dict(facts or {})

    def summary(self):
        """The name and the provider's facts (what glue_host returns as ``domain``)."""
        summary = dict(self.facts)
        summary['name'] = self.name
        return summary

    def as_dict(self):
        result = self.summary()
        result['nameservers'] = list(self.nameservers or [])
        return result

    def __repr__(self):
        return 'Domain(%r, %r, %r)' % (self.name, self.nameservers, self.facts)


class GlueHost(object):
    """A glue host (registry host object): a full name and its addresses."""

    def __init__(self, name, ips):
        self.name = name
        self.ips = list(ips)

    def as_dict(self):
        return {'name': self.name, 'ips': list(self.ips)}

    def __repr__(self):
        return 'GlueHost(%r, %r)' % (self.name, self.ips)


class DSRecord(object):
    """A DS record (RFC 4034 5.1) at the registry, or wanted there: key tag, algorithm, digest type and
    digest (lower-case hex). Two are the same record when these four are equal.

    ``dnskey``: the key the DS was computed from (a ``_dnssec.Dnskey``) when the user gave it; a
    registrar that takes keys (``DS_INPUT_DNSKEY``) sends it. ``record_id``: the registrar's own id of a
    record it returned, when it has one (Route 53's key Id); only the provider reads it.
    """

    def __init__(self, key_tag, algorithm, digest_type, digest, dnskey=None, record_id=None):
        self.key_tag = int(key_tag)
        self.algorithm = int(algorithm)
        self.digest_type = int(digest_type)
        self.digest = str(digest).lower()
        self.dnskey = dnskey
        self.record_id = record_id

    def key(self):
        return (self.key_tag, self.algorithm, self.digest_type, self.digest)

    def as_dict(self):
        return {'key_tag': self.key_tag, 'algorithm': self.algorithm, 'digest_type': self.digest_type,
                'digest': self.digest}

    def text(self):
        """Presentation format without owner: ``2371 13 2 1f98...``."""
        return '%d %d %d %s' % self.key()

    def __eq__(self, other):
        return isinstance(other, DSRecord) and self.key() == other.key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return 'DSRecord(%r)' % self.text()


# ---------------------------------------------------------------------------
# What a provider declares before any call
# ---------------------------------------------------------------------------

class ProviderLimits(object):
    """The limits a registrar sets beyond the RFC and registry-wide rules of ``_glue``.

    The base class has none; a provider subclasses it. Each check raises ValidationError
    (field, value, rule) and is called before anything is sent.
    """

    #: whose limits the counts below are, in messages (None: "the registry")
    owner = None

    #: addresses of one glue host
    max_ips_per_host = MAX_IPS_PER_HOST
    #: name servers of one domain
    max_nameservers = MAX_NAMESERVERS
    #: domains one name-server write may carry
    max_domains_per_nameserver_change = 1

    def check_host_name(self, name, value, field='name'):
        """A glue host name (normalised ``name``, as given ``value``) this registrar cannot take."""

    def check_new_host(self, domain, host, existing_host_names, field='name'):
        """A glue host this registrar would refuse to create under ``domain`` next to the existing ones.

        A host in ``existing_host_names`` is not new (modifying it is fine).
        """

    def check_ips(self, ips, field='ips'):
        """Canonical, sorted addresses of one host (at most ``max_ips_per_host``, already checked) that
        this registrar cannot take, e.g. more than one of an address family."""

    #: what it takes to publish a DS: DS_INPUT_DS (the four DS fields) or DS_INPUT_DNSKEY (the key,
    #: from which it computes the DS itself; a DS given without its key is then refused before any call)
    ds_input = DS_INPUT_DS
    #: the DS digest types it takes (or computes), among those the modules allow (2 SHA-256, 4 SHA-384)
    ds_digest_types = (2, 4)
    #: whether it keeps one DS per key tag per domain (a changed record for a tag is then a replace_ds)
    ds_one_per_key_tag = False

    def check_ds_records(self, domain, records, field='records'):
        """The DS set wanted at ``domain`` (DSRecord objects, valid by the RFC rules, what the domain will
        have once the module has run) that this registrar cannot take, e.g. more records than it allows."""


class ProviderInfo(object):
    """What the modules know of a registrar without calling it. One instance per provider."""

    #: the value of the option registrar
    name = None
    #: the registrar's name in messages
    title = None
    #: argument spec of the provider's own options (doc fragment dnsops.nameservers.<name>)
    options = {}
    #: what it can do (GLUE_HOSTS, DELEGATION)
    capabilities = frozenset()
    #: what the registry calls an accepted change, in messages
    task_noun = 'registry task'
    limits = ProviderLimits()
    #: True when glue exists only as entries of the parent domain's own name-server list (no host
    #: objects): the parent naming a host is then its glue, not a use of it
    glue_in_parent_delegation = False

    def describe(self):
        return 'registrar %s (%s)' % (self.name, self.title)

    def require(self, capability):
        """Raise RegistrarError, before any call, when this registrar cannot do ``capability``."""
        if capability not in self.capabilities:
            raise RegistrarError('%s cannot %s' % (self.describe(), CAPABILITY_TEXT.get(capability, capability)))

    def create(self, options):
        """The Registrar, from a dict of the generic options and this provider's own."""
        raise NotImplementedError

    def already_exists(self, error_text):
        """Whether the registry's ``error_text`` says that an object a create was about already exists."""
        return False


# ---------------------------------------------------------------------------
# The registrar
# ---------------------------------------------------------------------------

class Registrar(object):
    """Base class of the providers. Every method may raise RegistrarError.

    A provider implements the reads, the host writes, ``write_nameservers`` (one batch) and
    ``task_details``; batching, waiting and the reports of failed tasks are done here.
    """

    info = ProviderInfo()
    #: how many reads may run at the same time (option max_workers)
    max_workers = DEFAULT_MAX_WORKERS
    #: the statuses of a task detail that mean it succeeded or failed (anything else: not finished)
    detail_success = frozenset()
    detail_failure = frozenset()

    @property
    def max_domains_per_nameserver_change(self):
        return self.info.limits.max_domains_per_nameserver_change

    def clock(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)

    # -- reads -----------------------------------------------------------------

    def list_domains(self):
        """All domains of the account, as Domain objects (name servers may be None)."""
        raise NotImplementedError

    def get_domain(self, name):
        """One domain with its current name servers, or None when not in the account."""
        raise NotImplementedError

    def get_domains(self, names):
        """Several domains, as a dict name -> Domain or None.

        Providers without a bulk read run get_domain concurrently.
        """
        names = list(names)
        return dict(zip(names, run_concurrently(self.get_domain, names, self.max_workers)))

    def list_hosts(self, domain):
        """The glue hosts registered under ``domain`` (a Domain), as GlueHost objects."""
        raise NotImplementedError

    # -- writes ----------------------------------------------------------------

    def create_host(self, domain, name, ips):
        """Create glue host ``name`` under ``domain``; returns a task id (or None)."""
        raise NotImplementedError

    def modify_host(self, domain, name, ips):
        """Replace the addresses of glue host ``name``; returns a task id (or None)."""
        raise NotImplementedError

    def delete_host(self, domain, name, ips):
        """Delete glue host ``name`` (``ips`` are its current addresses); returns a task id."""
        raise NotImplementedError

    def check_host_change(self, domain, name, ips):
        """ValidationError when the registrar would refuse creating or changing (``ips``) or deleting
        (``ips`` None) host ``name``, given what was read of the registry; called before any write and
        in check mode. Most registrars have no such rule."""

    def already_exists(self, error_text):
        """Whether the registry's ``error_text`` says that an object a create was about already exists
        (``ProviderInfo.already_exists``)."""
        return self.info.already_exists(error_text)

    def write_nameservers(self, domain_names, nameservers):
        """One write delegating ``domain_names`` (at most max_domains_per_nameserver_change) to
        ``nameservers``; returns its task id."""
        raise NotImplementedError

    def set_nameservers(self, domain_names, nameservers):
        """Delegate every domain in ``domain_names`` to ``nameservers``.

        Sends as few writes as the provider allows; returns the list of task ids.
        An error raised after some of the writes were accepted carries their ids in
        ``task_ids``, so the caller can report what was written.
        """
        domains = _unique(normalize_name(name) for name in domain_names)
        servers = _unique(normalize_name(server) for server in nameservers if normalize_name(server))
        if not domains:
            return []
        limit = self.info.limits.max_nameservers
        if not 1 <= len(servers) <= limit:
            raise RegistrarError('a delegation needs 1 to %d name servers, got %d' % (limit, len(servers)))
        task_ids = []
        size = self.max_domains_per_nameserver_change
        for start in range(0, len(domains), size):
            batch = domains[start:start + size]
            try:
                task_ids.append(self.write_nameservers(batch, servers))
            except RegistrarError as exc:
                if isinstance(exc, WriteOutcomeUnknown):
                    exc.domains = batch
                if task_ids:
                    # Earlier batches were accepted: say so, and hand their tasks to the caller.
                    exc.set_message('%s; the %d earlier batch%s of this change %s accepted as task%s %s' % (
                        exc.message, len(task_ids), '' if len(task_ids) == 1 else 'es',
                        'was' if len(task_ids) == 1 else 'were', '' if len(task_ids) == 1 else 's',
                        ', '.join(task_ids)))
                    exc.task_ids = task_ids
                raise
        return task_ids

    # -- DS records ---------------------------------------------------------------
    #
    # A registrar that takes DS fields (Alibaba Cloud) sends the four fields of the record. One that
    # takes DNSKEY data (Route 53 Domains: AssociateDelegationSignerToDomain with Algorithm, Flags and
    # PublicKey) sets ``limits.ds_input = DS_INPUT_DNSKEY`` and ``limits.ds_digest_types`` to the types
    # it computes (``(2,)``); the modules then refuse, before any call, a DS given without its key or of
    # another digest type, and compute the DS from the key themselves to compare it with what
    # ``list_ds`` reads. Its ``add_ds`` sends ``record.dnskey`` (always set then); its ``list_ds``
    # returns the DS records the registry computed, each with ``record_id`` (the registry's id of the
    # key), which its ``remove_ds`` sends. It never needs ``replace_ds``.

    def list_ds(self, domain_name):
        """The DS records of domain ``domain_name`` at the registry (DSRecord objects), or None when the
        domain is not in the account."""
        raise NotImplementedError

    def add_ds(self, domain_name, record):
        """Publish DS ``record`` (a DSRecord) for ``domain_name``; returns a task id."""
        raise NotImplementedError

    def remove_ds(self, domain_name, record):
        """Remove DS ``record`` (as ``list_ds`` returned it) from ``domain_name``; returns a task id."""
        raise NotImplementedError

    def replace_ds(self, domain_name, old, new):
        """Replace DS ``old`` (as ``list_ds`` returned it) with ``new`` of the same key tag in one change;
        returns a task id. Only called when ``limits.ds_one_per_key_tag``: such a registry cannot hold both."""
        raise NotImplementedError

    # -- tasks -----------------------------------------------------------------

    def task_details(self, task_id):
        """The per-domain details of one task, as dicts: domain, status (the registry's word), error."""
        raise NotImplementedError

    def wait_task(self, task_id, timeout):
        """Wait until a task has finished; its details, or TaskFailed / TaskTimeout as wait_tasks."""
        return self.wait_tasks([task_id], timeout)[task_id]

    def wait_tasks(self, task_ids, timeout):
        """Poll every task until all have finished or ``timeout`` passes; their details keyed by task id.

        A failed task does not stop the polling of the others: the error raised at the
        end (TaskFailed when any task failed, else TaskTimeout) names every failure and
        every unfinished domain, and carries the outcome of every task in ``tasks``.
        The rounds are ``TaskWait``'s, which the action plugins also drive (to show each round).
        """
        deadline = self.clock() + timeout
        wait = TaskWait(task_ids)
        delay = POLL_FIRST_DELAY
        while True:
            wait.update(self.task_states(wait.pending))
            remaining = deadline - self.clock()
            if not wait.pending or remaining <= 0:
                break
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, POLL_MAX_DELAY)
        return wait.outcome(self.info.task_noun, timeout)

    def task_states(self, task_ids):
        """One round: the state of each task, as dicts ``task_id``, ``status`` (success, failure,
        unfinished), ``details`` (as task_details) and ``text`` (what failed or is still pending)."""
        states = []
        for task_id in task_ids:
            details = self.task_details(task_id)
            if not details or not all(self._finished(d) for d in details):
                status, text = 'unfinished', self._pending_text(details)
            elif any(d['status'] in self.detail_failure for d in details):
                status, text = 'failure', self._failure_text(details)
            else:
                status, text = 'success', ''
            states.append({'task_id': task_id, 'status': status, 'details': details, 'text': text})
        return states

    def _finished(self, detail):
        return detail['status'] in self.detail_success or detail['status'] in self.detail_failure

    def _failure_text(self, details, limit=20):
        failures = ['%s: %s' % (d['domain'] or '(no domain)', d['error'] or 'no error text given')
                    for d in details if d['status'] in self.detail_failure]
        text = '; '.join(failures[:limit])
        if len(failures) > limit:
            text += ' and %d more' % (len(failures) - limit)
        return text

    def _pending_text(self, details, limit=20):
        if not details:
            return 'no per-domain details reported yet'
        unfinished = ['%s (%s)' % (d['domain'] or '(no domain)', d['status'])
                      for d in details if d['status'] not in self.detail_success]
        text = 'still pending: ' + ', '.join(unfinished[:limit])
        if len(unfinished) > limit:
            text += ' and %d more' % (len(unfinished) - limit)
        return text


class TaskWait(object):
    """A wait for a batch of registry tasks, round by round: ``update`` with a round's
    ``Registrar.task_states``, ``progress`` says what is pending, ``outcome`` ends it.

    Knows nothing of time or of the registry, so ``Registrar.wait_tasks`` (inside a module) and an
    action plugin (polling through the module registry_task_info, showing a line per round) share it.
    """

    def __init__(self, task_ids):
        self.order = _unique(task_id for task_id in task_ids if task_id)
        self.pending = list(self.order)
        self.states = dict((task_id, {'task_id': task_id, 'status': 'unfinished', 'details': [],
                                      'text': 'no per-domain details reported yet'}) for task_id in self.order)

    def update(self, states):
        """Take one round's states; a task that finished (success or failure) is not polled again."""
        for state in states:
            self.states[state['task_id']] = state
            if state['status'] != 'unfinished' and state['task_id'] in self.pending:
                self.pending.remove(state['task_id'])

    def progress(self, noun):
        """One line: how many tasks are pending, and for each what is."""
        return '%d of %d %ss pending: %s' % (
            len(self.pending), len(self.order), noun,
            '; '.join('%s %s' % (task_id, self.states[task_id]['text']) for task_id in self.pending))

    def outcome(self, noun, timeout):
        """The details of every task keyed by task id, once all succeeded; else the error naming every
        failure and every unfinished domain (TaskFailed when any task failed, else TaskTimeout)."""
        tasks = [dict((key, self.states[task_id][key]) for key in ('task_id', 'status', 'details'))
                 for task_id in self.order]
        failed = [self.states[t['task_id']] for t in tasks if t['status'] == 'failure']
        if not failed and not self.pending:
            return dict((t['task_id'], t['details']) for t in tasks)
        texts = ['%s %s failed: %s' % (noun, t['task_id'], t['text']) for t in failed]
        if self.pending:
            texts.append('%s%s not finished after %g s: %s' % (
                noun, '' if len(self.pending) == 1 else 's', timeout,
                '; '.join('%s: %s' % (task_id, self.states[task_id]['text']) for task_id in self.pending)))
        raise tasks_error(tasks, '; '.join(texts))


def _unique(items):
    """``items`` without repeats, in their first order."""
    seen, result = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result
