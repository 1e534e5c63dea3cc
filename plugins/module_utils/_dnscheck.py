# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Delegation checks: dnspython queries and the pure comparison logic.

Three layers, each usable on its own:

* ``DnsTransport`` sends one query (``dns.message`` + ``dns.query``; UDP, retried once
  after a timeout, with a fallback to TCP on truncation) and returns an ``Exchange``. Works with
  dnspython 2.3 (Debian 12) and later; no ``resolve_at``.
* ``summarize_*`` turn responses into plain dicts, and the checks turn those dicts into
  findings: one function per test id (``check_basic01`` ...), registered with ``@check`` together
  with the queries it needs; ``evaluate_zone`` runs them. No network: unit tests feed canned answers.
* ``Checker`` sends the queries the checks that run need, for many zones at once through a
  bounded thread pool, and ``check_until_converged`` repeats it with backoff (clock and sleep
  are injectable).

Every finding is ``{test, level, zone, server, message}``; ``test`` is the
Zonemaster test case id (``EXPECTED01`` is ours: the expected name servers).
Names are lower case A-labels (``xn--bcher-kva.cn``) without the trailing dot; addresses are
canonical strings.

This file imports with the standard library only (dnspython is optional at
import time; ``HAS_DNSPYTHON`` says whether it is there).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import (
    ValidationError,
    normalize_name as _normalize_any,
    normalize_zone_name,
)

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.resolver
except ImportError:
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None

LEVELS = ('ok', 'info', 'warning', 'error')

DEFAULT_CONCURRENCY = 32
DEFAULT_TIMEOUT = 3.0
#: UDP queries that time out are sent this many times in all
UDP_TRIES = 2
EDNS_PAYLOAD = 1232


# --------------------------------------------------------------------------- names and servers

def normalize_name(name):
    """``Example.COM.`` -> ``example.com``, ``Bücher.cn`` -> ``xn--bcher-kva.cn`` (A-labels, as on
    the wire; the collection's one normaliser, _names); accepts text or a dns.name.Name.
    Raises ValueError for a name IDNA rejects."""
    if HAS_DNSPYTHON and isinstance(name, dns.name.Name):
        name = name.to_text()
    name = name.strip()
    if not name.isascii():
        try:
            return normalize_zone_name(name)
        except ValidationError as exc:
            raise ValueError('%r is not a valid domain name: %s' % (name, exc.rule))
    return _normalize_any(name)


def normalize_address(address):
    return str(ipaddress.ip_address(address.strip()))


def in_bailiwick(name, zone):
    """True when ``name`` is ``zone`` or below it (its glue is mandatory)."""
    name, zone = normalize_name(name), normalize_name(zone)
    return name == zone or name.endswith('.' + zone)


def parse_server(spec, default_port=53):
    """``192.0.2.1``, ``192.0.2.1@5353`` or ``2001:db8::1@5353`` -> (address, port)."""
    spec = str(spec).strip()
    port = default_port
    if '@' in spec:
        spec, port_text = spec.rsplit('@', 1)
        try:
            port = int(port_text)
        except ValueError:
            raise ValueError('%r: the port after "@" must be a number' % port_text)
        if not 0 < port < 65536:
            raise ValueError('%r: the port must be between 1 and 65535' % port_text)
    if spec.startswith('[') and spec.endswith(']'):
        spec = spec[1:-1]
    try:
        address = normalize_address(spec)
    except ValueError:
        raise ValueError('%r is not an IPv4 or IPv6 address' % spec)
    return address, port


def server_label(address, port, names=None):
    """``ns1.example.com (192.0.2.1)``, with ``@port`` only when it is not 53."""
    where = address if port == 53 else '%s@%s' % (address, port)
    if names:
        return '%s (%s)' % ('/'.join(names), where)
    return where


# --------------------------------------------------------------------------- one query

class Exchange(object):
    """The outcome of one query: a response or an error text."""

    __slots__ = ('response', 'error', 'transport', 'truncated')

    def __init__(self, response=None, error=None, transport='udp', truncated=False):
        self.response = response
        self.error = error
        self.transport = transport
        self.truncated = truncated


class DnsTransport(object):
    """Sends single queries with dnspython; thread-safe, one socket per query."""

    def __init__(self, timeout=DEFAULT_TIMEOUT, source=None):
        self.timeout = timeout
        self.source = source
        self.count = 0
        self._lock = threading.Lock()

    def _count(self):
        with self._lock:
            self.count += 1

    def make_query(self, qname, rdtype, rd=False):
        query = dns.message.make_query(qname, rdtype, use_edns=0, payload=EDNS_PAYLOAD)
        if not rd:
            query.flags &= ~dns.flags.RD
        return query

    def query(self, qname, rdtype, address, port=53, tcp=False, rd=False):
        """Ask ``address``: UDP (sent twice when the first times out), then TCP when the answer is truncated."""
        query = self.make_query(qname, rdtype, rd=rd)
        if tcp:
            return self._tcp(query, address, port)
        response, failure = self._udp(query, address, port)
        if failure is not None:
            return failure
        if response is not None and not response.flags & dns.flags.TC:
            return Exchange(response=response, transport='udp')
        result = self._tcp(query, address, port)
        result.truncated = True
        return result

    def _udp(self, query, address, port):
        """``(response, None)``, ``(None, None)`` when truncated, or ``(None, failed Exchange)``.

        A query that timed out is sent once more: one lost packet is not a server that does not answer.
        """
        for _attempt in range(UDP_TRIES):
            self._count()
            try:
                return dns.query.udp(query, address, timeout=self.timeout, port=port, source=self.source,
                                     raise_on_truncation=True), None
            except dns.message.Truncated:
                return None, None
            except dns.exception.Timeout:
                continue
            except (OSError, dns.exception.DNSException) as exc:
                return None, Exchange(error='UDP query failed: %s' % (exc or type(exc).__name__), transport='udp')
        return None, Exchange(error='no answer over UDP within %ss, asked %d times' % (self.timeout, UDP_TRIES),
                              transport='udp')

    def _tcp(self, query, address, port):
        self._count()
        try:
            response = dns.query.tcp(query, address, timeout=self.timeout, port=port, source=self.source)
        except dns.exception.Timeout:
            return Exchange(error='no answer over TCP within %ss' % self.timeout, transport='tcp')
        except EOFError:
            return Exchange(error='the server closed the TCP connection without answering', transport='tcp')
        except (OSError, dns.exception.DNSException) as exc:
            return Exchange(error='TCP query failed: %s' % (exc or type(exc).__name__), transport='tcp')
        return Exchange(response=response, transport='tcp')


# --------------------------------------------------------------------------- responses -> dicts

def _rrsets(section, name, rdtype):
    name = normalize_name(name)
    return [rrset for rrset in section
            if rrset.rdtype == rdtype and normalize_name(rrset.name) == name]


def summarize(exchange):
    """What every check needs of any answer: error, rcode, AA, RA, transport."""
    if exchange.error is not None or exchange.response is None:
        result = {'error': exchange.error or 'no answer', 'transport': exchange.transport}
        if exchange.truncated:
            result['truncated'] = True
        return result
    response = exchange.response
    return {
        'error': None,
        'rcode': dns.rcode.to_text(response.rcode()),
        'aa': bool(response.flags & dns.flags.AA),
        'ra': bool(response.flags & dns.flags.RA),
        'transport': exchange.transport,
        'truncated': exchange.truncated,
    }


def summarize_soa(exchange, zone):
    result = summarize(exchange)
    if result['error'] is None:
        rrsets = _rrsets(exchange.response.answer, zone, dns.rdatatype.SOA)
        result['serial'] = rrsets[0][0].serial if rrsets and len(rrsets[0]) else None
    return result


def summarize_ns(exchange, zone):
    result = summarize(exchange)
    if result['error'] is None:
        rrsets = _rrsets(exchange.response.answer, zone, dns.rdatatype.NS)
        result['ns'] = sorted(set(normalize_name(rd.target) for rrset in rrsets for rd in rrset)) if rrsets else None
    return result


def summarize_addresses(exchange, name, rdtype):
    result = summarize(exchange)
    if result['error'] is None:
        rdtype = dns.rdatatype.from_text(rdtype) if not isinstance(rdtype, int) else rdtype
        result['addresses'] = sorted(normalize_address(rd.address)
                                     for rrset in _rrsets(exchange.response.answer, name, rdtype) for rd in rrset)
    return result


def summarize_axfr(exchange, zone):
    """``open`` is True when the first message of the transfer carries the zone's SOA."""
    result = summarize(exchange)
    if result['error'] is None:
        result['open'] = (result['rcode'] == 'NOERROR'
                          and bool(_rrsets(exchange.response.answer, zone, dns.rdatatype.SOA)))
    return result


def summarize_referral(exchange, zone):
    """A parent server's answer to ``zone NS`` (RD unset): its NS names and the glue.

    ``kind`` is ``referral`` (NS in the authority section), ``answer`` (the server is
    itself authoritative for the zone) or ``none``. ``glue`` holds every A/AAAA of the
    additional section that belongs to one of the NS names, in- or out-of-bailiwick.
    """
    result = summarize(exchange)
    if result['error'] is not None:
        return result
    response = exchange.response
    rrsets = _rrsets(response.authority, zone, dns.rdatatype.NS)
    kind = 'referral'
    if not rrsets:
        rrsets = _rrsets(response.answer, zone, dns.rdatatype.NS)
        kind = 'answer' if rrsets else 'none'
    names = sorted(set(normalize_name(rd.target) for rrset in rrsets for rd in rrset))
    glue = {}
    for rrset in response.additional:
        if rrset.rdtype not in (dns.rdatatype.A, dns.rdatatype.AAAA):
            continue
        owner = normalize_name(rrset.name)
        if owner in names:
            glue.setdefault(owner, set()).update(normalize_address(rd.address) for rd in rrset)
    result.update(kind=kind, ns=names, glue=dict((k, sorted(v)) for k, v in glue.items()))
    return result


# --------------------------------------------------------------------------- the checks (pure)
#
# One function per test id, registered in the order its findings appear. A check gets the zone's
# gathered facts (``data``, see ``evaluate_zone``) and a ``ZoneContext`` with what several checks
# derive from them, and returns ``(level, message)`` or ``(level, message, server)`` tuples. It
# declares the queries it needs (``QUERIES``); the collector sends the union of those of the
# checks that run, once per server, so a skipped check costs no query.

#: what the collector can ask, by the name a check declares
QUERIES = {
    'soa': 'the zone\'s SOA from every name server address (always sent)',
    'ns': 'the zone\'s NS set from every name server address (always sent)',
    'tcp': 'one query over TCP to every name server address (the AXFR attempt, when sent, counts)',
    'axfr': 'a zone transfer (AXFR) attempt to every name server address',
    'own': 'A and AAAA of the name servers inside the zone, from every name server address',
    'recursion': 'one recursive SOA query per server address, for every zone together',
    'resolve': 'the addresses of name servers outside the zone, also when the referral has glue for them',
}
ALWAYS_ASKED = frozenset(['soa', 'ns'])


class Check(object):
    """A registered check: test id, description, the queries it needs, its function."""

    __slots__ = ('test', 'description', 'queries', 'function', 'needs_delegation')

    def __init__(self, test, description, queries, function, needs_delegation):
        self.test = test
        self.description = description
        self.queries = frozenset(queries)
        self.function = function
        self.needs_delegation = needs_delegation


#: every check in the order its findings appear
CHECKS = []
#: every check this module knows: test id -> what it verifies
TESTS = {}


def check(test, description, queries=(), needs_delegation=True):
    """Registers ``function(data, context)`` as the check ``test``. ``needs_delegation``: it runs only
    when the zone has name servers (from the parent, or the expected ones)."""
    unknown = set(queries) - set(QUERIES)
    if unknown:
        raise ValueError('%s: unknown queries %s' % (test, ', '.join(sorted(unknown))))

    def register(function):
        if test in TESTS:
            raise ValueError('%s is registered twice' % test)
        CHECKS.append(Check(test, description, queries, function, needs_delegation))
        TESTS[test] = description
        return function
    return register


def needed_queries(skip=()):
    """The queries the checks not in ``skip`` need, with those always sent."""
    needed = set(ALWAYS_ASKED)
    for registered in CHECKS:
        if registered.test not in skip:
            needed.update(registered.queries)
    return frozenset(needed)


def _finding(test, level, zone, message, server=None):
    return {'test': test, 'level': level, 'zone': zone, 'server': server, 'message': message}


def _join(items):
    items = sorted(items)
    return ', '.join(items) if items else 'none'


def merge_referrals(referrals):
    """NS names and glue as the parent publishes them (union over the parent's servers)."""
    names, glue = set(), {}
    for referral in referrals:
        if referral.get('error') is None and referral.get('kind') in ('referral', 'answer'):
            names.update(referral['ns'])
            for name, addresses in referral.get('glue', {}).items():
                glue.setdefault(name, set()).update(addresses)
    return sorted(names), dict((k, sorted(v)) for k, v in glue.items())


def lame_reason(server, zone, label):
    """Why ``server``'s SOA or NS answer is not an authoritative answer for ``zone``, or None."""
    for what, answer in (('SOA', server.get('soa') or {}), ('NS', server.get('ns') or {})):
        if not answer or answer.get('error'):
            continue
        if answer.get('rcode') != 'NOERROR' or not answer.get('aa'):
            return ('%s answered the %s query for %s with %s%s; it does not serve the zone (lame delegation)'
                    % (label, what, zone, answer.get('rcode'), '' if answer.get('aa') else ' and without the AA flag'))
        if (what == 'SOA' and answer.get('serial') is None) or (what == 'NS' and not answer.get('ns')):
            return '%s answered authoritatively but with no %s record for %s' % (label, what, zone)
    return None


class ZoneContext(object):
    """What several checks derive from one zone's facts, computed once."""

    def __init__(self, data, expected=None):
        self.zone = data['zone']
        self.referrals = data.get('referrals', [])
        self.parent_ns, self.glue = merge_referrals(self.referrals)
        self.servers = data.get('servers', [])
        self.addresses = data.get('addresses', {})
        self.expected = expected
        self.authoritative = [s for s in self.servers if not self.failed_answers(s)
                              and lame_reason(s, self.zone, self.label(s)) is None]
        # NS set -> the servers that return it, in the order of the servers
        self.child_sets = {}
        for server in self.authoritative:
            self.child_sets.setdefault(tuple(server['ns']['ns']), []).append(self.label(server))
        self.child_ns = sorted(set(name for names in self.child_sets for name in names))

    @staticmethod
    def label(server):
        return server_label(server['address'], server.get('port', 53), server.get('names'))

    @staticmethod
    def failed_answers(server):
        """The SOA and NS summaries of ``server`` that carry an error (no answer)."""
        return [s for s in (server.get('soa') or {}, server.get('ns') or {}) if s and s.get('error')]


@check('BASIC01', 'the parent delegates the zone (referral with NS records)', needs_delegation=False)
def check_basic01(data, context):
    zone, referrals = context.zone, context.referrals
    findings = []
    answered = [r for r in referrals if r.get('error') is None]
    for referral in referrals:
        if referral.get('error') is not None:
            findings.append(('warning', 'parent server %s: %s' % (referral['server'], referral['error']),
                             referral['server']))
    delegated = [r for r in answered if r.get('kind') in ('referral', 'answer')]
    if not referrals:
        findings.append(('error', 'no parent server to ask for the delegation of %s' % zone))
    elif not answered:
        findings.append(('error', 'none of the parent servers answered; the delegation of %s is unknown' % zone))
    elif not delegated:
        codes = _join(set(r.get('rcode') for r in answered))
        findings.append(('error', 'the parent does not delegate %s: its servers answered %s without NS records '
                                  'for the zone' % (zone, codes)))
    else:
        parent_ns, glue = context.parent_ns, context.glue
        for referral in answered:
            if referral.get('kind') not in ('referral', 'answer'):
                findings.append(('error', 'parent server %s does not delegate %s (answered %s without NS records)'
                                 % (referral['server'], zone, referral.get('rcode')), referral['server']))
            elif referral['ns'] != parent_ns or referral.get('glue', {}) != dict((n, glue[n]) for n in referral.get('glue', {})):
                findings.append(('warning', 'parent server %s publishes NS %s, the other parent servers together %s; '
                                 'the registry change may still be propagating'
                                 % (referral['server'], _join(referral['ns']), _join(parent_ns)), referral['server']))
        if not findings:
            findings.append(('ok', 'the parent delegates %s to %s' % (zone, _join(parent_ns))))
    return findings


@check('CONNECTIVITY01', 'every name server answers over UDP', queries=['soa', 'ns'])
def check_connectivity01(data, context):
    findings = []
    for name in context.parent_ns:
        info = context.addresses.get(name) or {}
        if not info.get('addresses') and not in_bailiwick(name, context.zone):
            findings.append(('error', 'the addresses of %s could not be found: %s'
                             % (name, info.get('error') or 'no A/AAAA records')))
    answering = 0
    for server in context.servers:
        # an error over TCP here means UDP answered, truncated, and the TCP retry failed
        udp_errors = [s['error'] for s in context.failed_answers(server) if s.get('transport') != 'tcp']
        if udp_errors:
            label = context.label(server)
            findings.append(('error', '%s: %s' % (label, udp_errors[0]), label))
        else:
            answering += 1
    if answering and answering == len(context.servers):
        findings.append(('ok', 'all %d name server addresses answer over UDP' % answering))
    return findings


@check('CONNECTIVITY02', 'every name server answers over TCP', queries=['tcp'])
def check_connectivity02(data, context):
    findings = []
    answering = 0
    for server in context.servers:
        label = context.label(server)
        tcp_errors = [s['error'] for s in context.failed_answers(server) if s.get('transport') == 'tcp']
        tcp = server.get('tcp')
        if tcp_errors:
            findings.append(('error', '%s: the answer over UDP was truncated and the query over TCP failed: %s'
                             % (label, tcp_errors[0]), label))
        elif tcp is not None:
            if tcp.get('error'):
                findings.append(('error', '%s: %s' % (label, tcp['error']), label))
            else:
                answering += 1
    if answering and answering == len(context.servers):
        findings.append(('ok', 'all %d name server addresses answer over TCP' % answering))
    return findings


@check('BASIC02', 'every name server answers authoritatively (AA) for SOA and NS', queries=['soa', 'ns'])
def check_basic02(data, context):
    findings = []
    for server in context.servers:
        label = context.label(server)
        reason = lame_reason(server, context.zone, label)
        if reason:
            findings.append(('error', reason, label))
    if context.servers:
        if not context.authoritative:
            findings.append(('error', 'no name server of %s answers authoritatively' % context.zone))
        elif len(context.authoritative) == len(context.servers):
            findings.append(('ok', 'all %d name server addresses answer authoritatively' % len(context.servers)))
    return findings


@check('CONSISTENCY04', 'every name server returns the same NS set', queries=['ns'])
def check_consistency04(data, context):
    if len(context.child_sets) > 1:
        detail = '; '.join('%s say %s' % (_join(labels), _join(names))
                           for names, labels in sorted(context.child_sets.items()))
        return [('error', 'the name servers disagree on the NS set of %s: %s' % (context.zone, detail))]
    if context.child_sets:
        return [('ok', 'all name servers return the same NS set')]
    return []


@check('DELEGATION07', 'the NS set at the parent equals the NS set in the zone', queries=['ns'])
def check_delegation07(data, context):
    if not context.child_sets:
        return []
    findings = []
    parent_ns, child_ns = context.parent_ns, context.child_ns
    missing = sorted(set(parent_ns) - set(child_ns))
    extra = sorted(set(child_ns) - set(parent_ns))
    if missing:
        findings.append(('error', 'the parent delegates to %s, which the zone\'s own NS records do not list '
                                  '(zone has %s)' % (_join(missing), _join(child_ns))))
    if extra:
        findings.append(('warning', 'the zone lists %s as name servers, which the parent does not publish; '
                                    'resolvers will not use them' % _join(extra)))
    if not missing and not extra:
        findings.append(('ok', 'the parent and the zone name the same name servers: %s' % _join(parent_ns)))
    return findings


@check('DELEGATION01', 'at least two name servers, at the parent and in the zone', queries=['ns'])
def check_delegation01(data, context):
    findings = []
    parent_ns, child_ns = context.parent_ns, context.child_ns
    if len(parent_ns) < 2:
        findings.append(('error', 'the parent names only %s; at least two name servers are required' % _join(parent_ns)))
    if context.child_sets and len(child_ns) < 2:
        findings.append(('error', 'the zone lists only %s in its NS records; at least two are required' % _join(child_ns)))
    if len(parent_ns) >= 2 and (not context.child_sets or len(child_ns) >= 2):
        findings.append(('ok', '%d name servers' % len(parent_ns)))
    return findings


@check('DELEGATION02', 'the name servers have distinct addresses')
def check_delegation02(data, context):
    findings = []
    owners = {}
    for name in context.parent_ns:
        for address in (context.addresses.get(name) or {}).get('addresses', []):
            owners.setdefault(address, []).append(name)
    shared = dict((a, n) for a, n in owners.items() if len(n) > 1)
    for address, names in sorted(shared.items()):
        findings.append(('error', '%s share the address %s; a failure of that one host takes them all down'
                         % (_join(names), address)))
    if owners and len(owners) < 2:
        findings.append(('error', 'all name servers of %s are on one address (%s)' % (context.zone, _join(owners))))
    if owners and not shared and len(owners) >= 2:
        findings.append(('ok', '%d distinct name server addresses' % len(owners)))
    return findings


@check('CONSISTENCY05', 'glue at the parent equals the A/AAAA records in the zone', queries=['own', 'resolve'])
def check_consistency05(data, context):
    zone, glue = context.zone, context.glue
    findings = []
    for name in context.parent_ns:
        if in_bailiwick(name, zone) and not (context.addresses.get(name) or {}).get('addresses'):
            findings.append(('error', '%s is inside %s but the parent gives no glue for it, so resolvers '
                                      'cannot reach it; register its addresses as a glue host' % (name, zone)))
    checked = False
    # names inside the zone: the glue = their A/AAAA records in the zone, on every server
    for name in context.parent_ns:
        if not in_bailiwick(name, zone) or name not in glue:
            continue
        for server in context.authoritative:
            own = (server.get('own') or {}).get(name)
            if not own:
                continue
            if any(own.get(t, {}).get('error') for t in ('A', 'AAAA')):
                continue      # CONNECTIVITY reports unreachable servers
            records = sorted(set(a for t in ('A', 'AAAA') for a in own.get(t, {}).get('addresses') or []))
            checked = True
            if records != glue[name]:
                label = context.label(server)
                findings.append(('error', 'glue for %s at the parent is %s, the zone\'s own A/AAAA records on %s '
                                          'say %s' % (name, _join(glue[name]), label, _join(records)), label))
    # names outside the zone: the glue = their addresses resolved without this glue
    for name, info in sorted(data.get('out_of_zone', {}).items()):
        if name not in glue or in_bailiwick(name, zone):
            continue
        if not info.get('addresses'):
            findings.append(('info', 'glue for %s at the parent is %s; its own addresses could not be found to '
                             'compare: %s' % (name, _join(glue[name]), info.get('error') or 'no A/AAAA records'), name))
            continue
        checked = True
        if info['addresses'] != glue[name]:
            findings.append(('error', 'glue for %s at the parent is %s, but its own A/AAAA records (resolved without '
                             'that glue) say %s; update the glue host %s at its domain\'s registrar'
                             % (name, _join(glue[name]), _join(info['addresses']), name), name))
    if checked and not [f for f in findings if f[0] not in ('ok', 'info')]:
        findings.append(('ok', 'glue matches the name servers\' own A/AAAA records'))
    return findings


@check('CONSISTENCY01', 'one SOA serial on every name server', queries=['soa'])
def check_consistency01(data, context):
    serials = {}
    for server in context.authoritative:
        serials.setdefault(server['soa']['serial'], []).append(context.label(server))
    if len(serials) > 1:
        detail = '; '.join('%s on %s' % (serial, _join(labels)) for serial, labels in sorted(serials.items()))
        return [('error', 'SOA serials differ: %s (a secondary has not transferred the latest version yet, or a '
                          'primary was changed without its secondaries)' % detail)]
    if serials:
        return [('ok', 'SOA serial %s on every name server' % list(serials)[0])]
    return []


@check('NAMESERVER01', 'no name server offers recursion', queries=['recursion'])
def check_nameserver01(data, context):
    findings = []
    checked = 0
    for server in context.servers:
        recursion = server.get('recursion')
        if recursion and not recursion.get('error'):
            checked += 1
            if recursion.get('ra'):
                label = context.label(server)
                findings.append(('error', '%s offers recursion (RA flag set in its answer to a recursive query); '
                                          'an authoritative server should not' % label, label))
    if checked and not findings:
        findings.append(('ok', 'no name server offers recursion'))
    return findings


@check('NAMESERVER03', 'no name server allows zone transfer (AXFR) to us', queries=['axfr'])
def check_nameserver03(data, context):
    findings = []
    checked = 0
    for server in context.servers:
        axfr = server.get('axfr')
        if axfr and not axfr.get('error'):
            checked += 1
            if axfr.get('open'):
                label = context.label(server)
                findings.append(('error', '%s allows anyone to transfer %s (AXFR); restrict transfers to the '
                                          'secondaries, with TSIG' % (label, context.zone), label))
    if checked and not findings:
        findings.append(('ok', 'zone transfer refused by every name server'))
    return findings


@check('EXPECTED01', 'the parent publishes the expected name servers and addresses')
def check_expected01(data, context):
    if not context.expected:
        return []
    parent_ns = context.parent_ns
    want = dict((normalize_name(e['name']), sorted(normalize_address(a) for a in e.get('addresses') or []))
                for e in context.expected)
    findings = []
    missing = sorted(set(want) - set(parent_ns))
    extra = sorted(set(parent_ns) - set(want))
    if missing:
        findings.append(('error', 'the parent does not publish %s (it publishes %s)' % (_join(missing), _join(parent_ns))))
    if extra:
        findings.append(('error', 'the parent publishes %s, which is not expected' % _join(extra)))
    for name, wanted in sorted(want.items()):
        if not wanted or name not in parent_ns:
            continue
        info = context.addresses.get(name) or {}
        have = info.get('addresses') or []
        source = 'glue at the parent' if info.get('source') == 'glue' else 'addresses resolved for it'
        if have != wanted:
            findings.append(('error', '%s: expected %s, the %s %s %s' % (
                name, _join(wanted), source, 'is' if len(have) == 1 else 'are', _join(have))))
    if not findings:
        findings.append(('ok', 'the parent publishes the expected name servers and addresses'))
    return findings


def evaluate_zone(data, skip=(), expected=None):
    """Findings for one zone from gathered facts; no network: every registered check not in ``skip``,
    in the order of ``CHECKS`` (without name servers, only those that need none).

    ``data`` holds ``zone``, ``referrals`` (summaries of ``summarize_referral`` with a
    ``server`` label), ``addresses`` (NS name -> ``{addresses, source, error}``), ``out_of_zone``
    (NS name outside the zone that has glue -> ``{addresses, error}`` resolved without it) and
    ``servers``: one entry per address queried, ``{address, port, names, soa, ns, tcp,
    axfr, recursion, own}`` whose values come from the ``summarize_*`` functions
    (``own`` maps an in-bailiwick NS name to ``{'A': summary, 'AAAA': summary}``).
    ``expected`` is a list of ``{name, addresses}``.
    """
    context = ZoneContext(data, expected=expected)
    findings = []
    for registered in CHECKS:
        if registered.test in skip or (registered.needs_delegation and not context.parent_ns):
            continue
        for item in registered.function(data, context):
            findings.append(_finding(registered.test, item[0], context.zone, item[1], item[2] if len(item) > 2 else None))
    return findings


def zone_report(data, findings, fail_on='error'):
    """The per-zone result the module returns."""
    parent_ns, glue = merge_referrals(data.get('referrals', []))
    child_ns, serials = set(), {}
    for server in data.get('servers', []):
        label = server_label(server['address'], server.get('port', 53), server.get('names'))
        ns, soa = server.get('ns') or {}, server.get('soa') or {}
        if ns.get('aa') and ns.get('ns'):
            child_ns.update(ns['ns'])
        if soa.get('aa') and soa.get('serial') is not None:
            serials[label] = soa['serial']
    return {
        'zone': data['zone'],
        'parent_ns': parent_ns,
        'glue': glue,
        'child_ns': sorted(child_ns),
        'serials': serials,
        'addresses': dict((n, i.get('addresses') or []) for n, i in data.get('addresses', {}).items()),
        'findings': findings,
        'ok': not failing(findings, fail_on),
    }


def failing(findings, fail_on='error'):
    """Findings that fail the task: at ``fail_on`` level or above (``never``: warnings and errors)."""
    threshold = LEVELS.index('warning' if fail_on == 'never' else fail_on)
    return [f for f in findings if LEVELS.index(f['level']) >= threshold]


# --------------------------------------------------------------------------- gathering facts

def _default_resolver():
    resolver = dns.resolver.Resolver()
    return resolver


def resolve_addresses(name, resolver, timeout):
    """A and AAAA of ``name`` through the system resolver -> (addresses, error)."""
    found, errors = [], []
    for rdtype in ('A', 'AAAA'):
        try:
            answer = resolver.resolve(name, rdtype, lifetime=timeout * 2, search=False)
            found.extend(normalize_address(rd.address) for rd in answer)
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN) as exc:
            if isinstance(exc, dns.resolver.NXDOMAIN):
                errors.append('%s does not exist' % name)
        except dns.exception.DNSException as exc:
            errors.append('resolving %s %s failed: %s' % (name, rdtype, exc))
    return sorted(set(found)), ('; '.join(errors) if errors and not found else None)


def discover_parent_servers(name, resolver, timeout):
    """The servers of the zone that holds ``name`` (a zone's parent name: ``com`` for ``example.com``)
    through the system resolver -> (that zone, [(address, 53)])."""
    parent = dns.resolver.zone_for_name(dns.name.from_text(name), resolver=resolver)
    answer = resolver.resolve(parent, 'NS', lifetime=timeout * 2)
    servers = []
    for rd in answer:
        addresses, _error = resolve_addresses(normalize_name(rd.target), resolver, timeout)
        servers.extend((a, 53) for a in addresses)
    return normalize_name(parent), sorted(set(servers))


class Checker(object):
    """Gathers the facts for many zones through one bounded thread pool.

    ``transport`` needs ``query(qname, rdtype, address, port, tcp=False, rd=False)``
    returning an ``Exchange``; ``resolver`` needs dnspython's ``resolve(name, rdtype, ...)``.
    Both are injectable so unit tests run without a network.
    """

    def __init__(self, parent_servers=None, port=53, timeout=DEFAULT_TIMEOUT, concurrency=DEFAULT_CONCURRENCY,
                 skip=(), expected=None, transport=None, resolver=None, source=None, nameservers_from='parent'):
        self.parent_servers = parent_servers          # [(address, port)] or None: discover
        # 'expected': ask no parent; the expected name servers stand in for its referral (a check
        # of the servers themselves before any delegation points at them).
        self.nameservers_from = nameservers_from
        self.port = port
        self.timeout = timeout
        self.concurrency = max(1, int(concurrency))
        self.skip = frozenset(skip)
        self.expected = expected
        self.transport = transport if transport is not None else DnsTransport(timeout=timeout, source=source)
        self._resolver = resolver
        self._parents = {}

    @property
    def resolver(self):
        if self._resolver is None:
            self._resolver = _default_resolver()
        return self._resolver

    def _map(self, pool, func, items):
        return list(pool.map(lambda item: func(*item), items))

    def parents_for(self, pool, zones):
        """zone -> (parent servers, error). Without given parent servers, each parent name (``com`` for
        every ``*.com``) is discovered once, in the pool; what was found is kept for later rounds of
        ``wait``, a failure or an empty answer is not (the next round asks again)."""
        if self.parent_servers:
            return dict((zone, (self.parent_servers, None)) for zone in zones)
        keys = dict((zone, normalize_name(dns.name.from_text(zone).parent())) for zone in zones)
        resolver = self.resolver      # created here, not by racing threads
        todo = sorted(set(keys.values()) - set(self._parents))
        found = dict(zip(todo, self._map(pool, self._discover_parent, [(key, resolver) for key in todo])))
        for key, (servers, _error) in found.items():
            if servers:
                self._parents[key] = servers
        return dict((zone, (self._parents[key], None) if key in self._parents else ([], found[key][1]))
                    for zone, key in keys.items())

    def _discover_parent(self, name, resolver):
        try:
            servers = discover_parent_servers(name, resolver, self.timeout)[1]
        except dns.exception.DNSException as exc:
            return [], 'the parent zone\'s name servers could not be found: %s' % exc
        if not servers:
            return [], 'the parent zone\'s name servers could not be found: no addresses for the NS names of %s' % name
        return servers, None

    def resolve(self, name):
        """Addresses of an out-of-bailiwick name server -> (addresses, error).

        With explicit parent servers (a private registry, a lab) the system resolver may not
        know the name: follow the parent's referral for it to its own servers first.
        """
        if self.parent_servers:
            found = self.resolve_through_parents(name)
            if found:
                return found, None
        return resolve_addresses(name, self.resolver, self.timeout)

    def resolve_through_parents(self, name):
        """A and AAAA of ``name`` asked of the servers the parent servers refer to (no recursion)."""
        for address, port in self.parent_servers:
            exchange = self.transport.query(name, 'A', address, port)
            if exchange.error is not None:
                continue
            response = exchange.response
            referred = set(normalize_name(rd.target) for rrset in response.authority
                           if rrset.rdtype == dns.rdatatype.NS for rd in rrset)
            servers = sorted(set(normalize_address(rd.address) for rrset in response.additional
                                 if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)
                                 and normalize_name(rrset.name) in referred for rd in rrset))
            for server in [address] if response.flags & dns.flags.AA else servers:
                found = set()
                for rdtype in ('A', 'AAAA'):
                    answer = self.transport.query(name, rdtype, server, port if server == address else self.port)
                    if answer.error is None and answer.response.flags & dns.flags.AA:
                        found.update(normalize_address(rd.address) for rrset in answer.response.answer
                                     if rrset.rdtype == dns.rdatatype.from_text(rdtype) for rd in rrset)
                if found:
                    return sorted(found)
        return []

    def expected_referral(self):
        """The expected name servers in the shape of a parent's referral."""
        entries = self.expected or []
        return {'server': 'expected_nameservers', 'error': None, 'kind': 'referral',
                'ns': sorted(normalize_name(e['name']) for e in entries),
                'glue': dict((normalize_name(e['name']), sorted(normalize_address(a) for a in e['addresses']))
                             for e in entries if e['addresses'])}

    def check(self, zones):
        """``[(data, findings)]`` for ``zones``, in order."""
        zones = [normalize_name(z) for z in zones]
        needed = needed_queries(self.skip)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            referrals, discovery_errors = self._referrals(pool, zones)
            addresses, out_of_zone = self._addresses(pool, zones, referrals, needed)
            servers, probed = self._ask_servers(pool, zones, addresses, needed)
        results = []
        for zone in zones:
            for server in servers[zone]:
                if 'recursion' in needed:
                    server['recursion'] = probed.get((server['address'], server['port']))
            data = {'zone': zone, 'referrals': referrals[zone], 'addresses': addresses[zone], 'servers': servers[zone],
                    'out_of_zone': out_of_zone[zone]}
            findings = evaluate_zone(data, skip=self.skip, expected=self.expected)
            if zone in discovery_errors:
                findings.insert(0, _finding('BASIC01', 'error', zone, discovery_errors[zone]))
            results.append((data, findings))
        return results

    def _referrals(self, pool, zones):
        """1. The referral from every parent server -> (zone -> [summary], zone -> discovery error)."""
        referrals = dict((z, []) for z in zones)
        if self.nameservers_from == 'expected':
            for zone in zones:
                referrals[zone].append(self.expected_referral())
            return referrals, {}
        jobs, discovery_errors = [], {}
        parents_of = self.parents_for(pool, zones)
        for zone in zones:
            parents, error = parents_of[zone]
            if error:
                discovery_errors[zone] = error
            for address, port in parents:
                jobs.append((zone, address, port))

        def ask_parent(zone, address, port):
            summary = summarize_referral(self.transport.query(zone, 'NS', address, port), zone)
            summary['server'] = server_label(address, port)
            return zone, summary
        for zone, summary in self._map(pool, ask_parent, jobs):
            referrals[zone].append(summary)
        return referrals, discovery_errors

    def _addresses(self, pool, zones, referrals, needed):
        """2. The addresses of the name servers: glue, else resolved without it (once per name). Names
        outside the zone are resolved even with glue when a check compares that glue ('resolve'; not
        in 'expected' mode: there the "glue" is the inventory, the truth before delegation).
        -> (zone -> name -> {addresses, source, error}, zone -> name -> {addresses, error})."""
        compare_glue = 'resolve' in needed and self.nameservers_from == 'parent'
        addresses, to_resolve = {}, set()
        for zone in zones:
            names, glue = merge_referrals(referrals[zone])
            addresses[zone] = {}
            for name in names:
                if glue.get(name):
                    addresses[zone][name] = {'addresses': glue[name], 'source': 'glue', 'error': None}
                if not in_bailiwick(name, zone) and (compare_glue or not glue.get(name)):
                    to_resolve.add(name)
        resolved = dict(zip(sorted(to_resolve), self._map(pool, self.resolve, [(n,) for n in sorted(to_resolve)])))
        out_of_zone = {}
        for zone in zones:
            out_of_zone[zone] = {}
            for name in merge_referrals(referrals[zone])[0]:
                if name not in resolved:
                    continue
                found, error = resolved[name]
                if name in addresses[zone]:
                    # the glue stays what this zone's servers are asked at; CONSISTENCY05 compares
                    out_of_zone[zone][name] = {'addresses': found, 'error': error}
                else:
                    addresses[zone][name] = {'addresses': found, 'source': 'resolver', 'error': error}
        return addresses, out_of_zone

    def _ask_servers(self, pool, zones, addresses, needed):
        """3. Every address of every name server, once per zone, the queries in ``needed``
        -> (zone -> [server], (address, port) -> recursion probe summary)."""
        servers, jobs, probed = {}, [], {}
        for zone in zones:
            by_address = {}
            for name, info in sorted(addresses[zone].items()):
                for address in info['addresses']:
                    by_address.setdefault(address, []).append(name)
            servers[zone] = []
            own_names = [n for n in addresses[zone] if in_bailiwick(n, zone)]
            for address, names in sorted(by_address.items()):
                server = {'address': address, 'port': self.port, 'names': names, 'own': {}}
                servers[zone].append(server)
                jobs.append((server, 'soa', zone, 'SOA'))
                jobs.append((server, 'ns', zone, 'NS'))
                if 'axfr' in needed:
                    # any answer to the AXFR query (REFUSED too) also proves TCP for CONNECTIVITY02
                    jobs.append((server, 'axfr', zone, 'AXFR'))
                elif 'tcp' in needed:
                    jobs.append((server, 'tcp', zone, 'SOA'))
                if 'own' in needed:
                    for name in own_names:
                        jobs.append((server, ('own', name, 'A'), name, 'A'))
                        jobs.append((server, ('own', name, 'AAAA'), name, 'AAAA'))
                if 'recursion' in needed and (address, self.port) not in probed:
                    # one probe per address: recursion is a property of the server, not the zone
                    probed[(address, self.port)] = None
                    jobs.append((server, 'recursion', zone, 'SOA'))
        for server, key, summary in self._map(pool, self._ask_server, jobs):
            if isinstance(key, tuple):
                server['own'].setdefault(key[1], {})[key[2]] = summary
            elif key == 'recursion':
                probed[(server['address'], server['port'])] = summary
            else:
                server[key] = summary
        if 'tcp' in needed and 'axfr' in needed:
            # servers that dropped the AXFR query get a plain SOA query over TCP
            retry = []
            for zone in zones:
                for server in servers[zone]:
                    if server['axfr'].get('error') is None:
                        server['tcp'] = dict(server['axfr'], via='AXFR')
                    else:
                        retry.append((server, 'tcp', zone, 'SOA'))
            for server, key, summary in self._map(pool, self._ask_server, retry):
                server[key] = summary
        return servers, probed

    def _ask_server(self, server, key, qname, rdtype):
        """One query of ``_ask_servers`` -> (server, key, summary)."""
        kind = key[0] if isinstance(key, tuple) else key
        exchange = self.transport.query(qname, rdtype, server['address'], server['port'],
                                        tcp=kind in ('axfr', 'tcp'), rd=(kind == 'recursion'))
        if kind in ('soa', 'tcp'):
            return server, key, summarize_soa(exchange, qname)
        if kind == 'ns':
            return server, key, summarize_ns(exchange, qname)
        if kind == 'axfr':
            return server, key, summarize_axfr(exchange, qname)
        if kind == 'recursion':
            return server, key, summarize(exchange)
        return server, key, summarize_addresses(exchange, qname, rdtype)


# --------------------------------------------------------------------------- waiting

def backoff_delays(initial=2.0, factor=2.0, maximum=60.0):
    """2, 4, 8, ... seconds, capped at ``maximum``."""
    delay = initial
    while True:
        yield min(delay, maximum)
        delay = min(delay * factor, maximum)


def describe_pending(pending, limit=10):
    """``a.com: CONSISTENCY01; b.com: BASIC01, DELEGATION07 (and 3 more zones)`` from a round's ``pending``."""
    items = sorted(pending.items())
    text = '; '.join('%s: %s' % (zone, ', '.join(tests)) for zone, tests in items[:limit])
    if len(items) > limit:
        text += ' (and %d more zone%s)' % (len(items) - limit, '' if len(items) - limit == 1 else 's')
    return text


def check_until_converged(check, zones, fail_on='error', wait=False, wait_timeout=900.0,
                          clock=time.monotonic, sleep=time.sleep, delays=None, on_round=None):
    """Run ``check(zones) -> [(data, findings)]``; with ``wait``, repeat for the zones that
    still have failing findings, with backoff, until none is left or ``wait_timeout`` passes.

    Returns ``(reports, rounds)``: one report per zone (``zone_report``) in input order, and
    per round ``{round, elapsed, checked, pending}`` where ``pending`` maps each zone that
    still fails to the test ids that fail.
    """
    start = clock()
    delays = delays if delays is not None else backoff_delays()
    reports, rounds, pending = {}, [], list(zones)
    while True:
        for data, findings in check(pending):
            reports[data['zone']] = zone_report(data, findings, fail_on)
        checked = len(pending)
        pending = [z for z in (normalize_name(z) for z in pending) if not reports[z]['ok']]
        elapsed = clock() - start
        rounds.append({
            'round': len(rounds) + 1,
            'elapsed': round(elapsed, 3),
            'checked': checked,
            'pending': dict((z, sorted(set(f['test'] for f in failing(reports[z]['findings'], fail_on)))) for z in pending),
        })
        if on_round is not None:
            on_round(rounds[-1])
        if not wait or not pending:
            break
        delay = next(delays)
        if elapsed + delay > wait_timeout:
            delay = wait_timeout - elapsed
            if delay <= 0:
                break
        sleep(delay)
    return [reports[normalize_name(z)] for z in zones], rounds
