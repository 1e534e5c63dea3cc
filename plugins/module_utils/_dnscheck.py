# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Delegation checks: dnspython queries and the pure comparison logic.

Three layers, each usable on its own:

* ``DnsTransport`` sends one query (``dns.message`` + ``dns.query``; UDP, retried once
  after a timeout, with a fallback to TCP on truncation) and returns an ``Exchange``. Works with
  dnspython 2.3 (Debian 12) and later; no ``resolve_at``.
* ``summarize_*`` turn responses into plain dicts, and ``evaluate_zone`` turns
  those dicts into findings. No network: unit tests feed canned answers.
* ``Checker`` gathers what ``evaluate_zone`` needs for many zones at once
  through a bounded thread pool, and ``wait_for_convergence`` repeats it with
  backoff (clock and sleep are injectable).

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

#: every check this module knows: test id -> what it verifies
TESTS = {
    'BASIC01': 'the parent delegates the zone (referral with NS records)',
    'BASIC02': 'every name server answers authoritatively (AA) for SOA and NS',
    'CONNECTIVITY01': 'every name server answers over UDP',
    'CONNECTIVITY02': 'every name server answers over TCP',
    'CONSISTENCY01': 'one SOA serial on every name server',
    'CONSISTENCY04': 'every name server returns the same NS set',
    'CONSISTENCY05': 'glue at the parent equals the A/AAAA records in the zone',
    'DELEGATION01': 'at least two name servers, at the parent and in the zone',
    'DELEGATION02': 'the name servers have distinct addresses',
    'DELEGATION07': 'the NS set at the parent equals the NS set in the zone',
    'NAMESERVER01': 'no name server offers recursion',
    'NAMESERVER03': 'no name server allows zone transfer (AXFR) to us',
    'EXPECTED01': 'the parent publishes the expected name servers and addresses',
}

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


# --------------------------------------------------------------------------- the comparison (pure)

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


def evaluate_zone(data, skip=(), expected=None):
    """Findings for one zone from gathered facts; no network.

    ``data`` holds ``zone``, ``referrals`` (summaries of ``summarize_referral`` with a
    ``server`` label), ``addresses`` (NS name -> ``{addresses, source, error}``), ``out_of_zone``
    (NS name outside the zone that has glue -> ``{addresses, error}`` resolved without it) and
    ``servers``: one entry per address queried, ``{address, port, names, soa, ns, tcp,
    axfr, recursion, own}`` whose values come from the ``summarize_*`` functions
    (``own`` maps an in-bailiwick NS name to ``{'A': summary, 'AAAA': summary}``).
    ``expected`` is a list of ``{name, addresses}``. Skipped tests produce nothing.
    """
    zone = data['zone']
    findings = []

    def add(test, level, message, server=None):
        if test not in skip:
            findings.append(_finding(test, level, zone, message, server))

    referrals = data.get('referrals', [])
    parent_ns, glue = merge_referrals(referrals)

    # BASIC01: the parent delegates.
    answered = [r for r in referrals if r.get('error') is None]
    for referral in referrals:
        if referral.get('error') is not None:
            add('BASIC01', 'warning', 'parent server %s: %s' % (referral['server'], referral['error']), referral['server'])
    delegated = [r for r in answered if r.get('kind') in ('referral', 'answer')]
    if not referrals:
        add('BASIC01', 'error', 'no parent server to ask for the delegation of %s' % zone)
    elif not answered:
        add('BASIC01', 'error', 'none of the parent servers answered; the delegation of %s is unknown' % zone)
    elif not delegated:
        codes = _join(set(r.get('rcode') for r in answered))
        add('BASIC01', 'error', 'the parent does not delegate %s: its servers answered %s without NS records '
                                'for the zone' % (zone, codes))
    else:
        for referral in answered:
            if referral.get('kind') not in ('referral', 'answer'):
                add('BASIC01', 'error', 'parent server %s does not delegate %s (answered %s without NS records)'
                    % (referral['server'], zone, referral.get('rcode')), referral['server'])
            elif referral['ns'] != parent_ns or referral.get('glue', {}) != dict((n, glue[n]) for n in referral.get('glue', {})):
                add('BASIC01', 'warning', 'parent server %s publishes NS %s, the other parent servers together %s; '
                    'the registry change may still be propagating'
                    % (referral['server'], _join(referral['ns']), _join(parent_ns)), referral['server'])
        if not findings or all(f['level'] == 'ok' for f in findings):
            add('BASIC01', 'ok', 'the parent delegates %s to %s' % (zone, _join(parent_ns)))

    if not parent_ns:
        return findings

    servers = data.get('servers', [])
    addresses = data.get('addresses', {})

    # Addresses of the name servers.
    for name in parent_ns:
        info = addresses.get(name) or {}
        if not info.get('addresses'):
            if in_bailiwick(name, zone):
                add('CONSISTENCY05', 'error', '%s is inside %s but the parent gives no glue for it, so resolvers '
                                              'cannot reach it; register its addresses as a glue host' % (name, zone))
            else:
                add('CONNECTIVITY01', 'error', 'the addresses of %s could not be found: %s'
                    % (name, info.get('error') or 'no A/AAAA records'))

    # CONNECTIVITY01/02 and BASIC02 per server.
    udp_ok, tcp_ok, authoritative = [], [], []
    for server in servers:
        label = server_label(server['address'], server.get('port', 53), server.get('names'))
        soa, ns = server.get('soa') or {}, server.get('ns') or {}
        failed = [s for s in (soa, ns) if s and s.get('error')]
        # an error over TCP here means UDP answered, truncated, and the TCP retry failed
        udp_errors = [s['error'] for s in failed if s.get('transport') != 'tcp']
        tcp_errors = [s['error'] for s in failed if s.get('transport') == 'tcp']
        if udp_errors:
            add('CONNECTIVITY01', 'error', '%s: %s' % (label, udp_errors[0]), label)
        else:
            udp_ok.append(label)
        tcp = server.get('tcp')
        if tcp_errors:
            add('CONNECTIVITY02', 'error', '%s: the answer over UDP was truncated and the query over TCP failed: %s'
                % (label, tcp_errors[0]), label)
        elif tcp is not None:
            if tcp.get('error'):
                add('CONNECTIVITY02', 'error', '%s: %s' % (label, tcp['error']), label)
            else:
                tcp_ok.append(label)
        for what, answer in (('SOA', soa), ('NS', ns)):
            if not answer or answer.get('error'):
                continue
            if answer.get('rcode') != 'NOERROR' or not answer.get('aa'):
                add('BASIC02', 'error', '%s answered the %s query for %s with %s%s; it does not serve the zone '
                    '(lame delegation)' % (label, what, zone, answer.get('rcode'),
                                           '' if answer.get('aa') else ' and without the AA flag'), label)
                break
            if (what == 'SOA' and answer.get('serial') is None) or (what == 'NS' and not answer.get('ns')):
                add('BASIC02', 'error', '%s answered authoritatively but with no %s record for %s' % (label, what, zone), label)
                break
        else:
            if not failed:
                authoritative.append(server)
    if servers:
        if udp_ok and len(udp_ok) == len(servers):
            add('CONNECTIVITY01', 'ok', 'all %d name server addresses answer over UDP' % len(servers))
        if tcp_ok and len(tcp_ok) == len(servers):
            add('CONNECTIVITY02', 'ok', 'all %d name server addresses answer over TCP' % len(servers))
        if not authoritative:
            add('BASIC02', 'error', 'no name server of %s answers authoritatively' % zone)
        elif len(authoritative) == len(servers):
            add('BASIC02', 'ok', 'all %d name server addresses answer authoritatively' % len(servers))

    # DELEGATION07 and CONSISTENCY04: NS sets.
    child_sets = {}
    for server in authoritative:
        child_sets.setdefault(tuple(server['ns']['ns']), []).append(
            server_label(server['address'], server.get('port', 53), server.get('names')))
    if len(child_sets) > 1:
        detail = '; '.join('%s say %s' % (_join(labels), _join(names)) for names, labels in sorted(child_sets.items()))
        add('CONSISTENCY04', 'error', 'the name servers disagree on the NS set of %s: %s' % (zone, detail))
    elif child_sets:
        add('CONSISTENCY04', 'ok', 'all name servers return the same NS set')
    child_ns = sorted(set(name for names in child_sets for name in names))
    if child_sets:
        missing = sorted(set(parent_ns) - set(child_ns))
        extra = sorted(set(child_ns) - set(parent_ns))
        if missing:
            add('DELEGATION07', 'error', 'the parent delegates to %s, which the zone\'s own NS records do not list '
                                         '(zone has %s)' % (_join(missing), _join(child_ns)))
        if extra:
            add('DELEGATION07', 'warning', 'the zone lists %s as name servers, which the parent does not publish; '
                                           'resolvers will not use them' % _join(extra))
        if not missing and not extra:
            add('DELEGATION07', 'ok', 'the parent and the zone name the same name servers: %s' % _join(parent_ns))

    # DELEGATION01 / DELEGATION02.
    if len(parent_ns) < 2:
        add('DELEGATION01', 'error', 'the parent names only %s; at least two name servers are required' % _join(parent_ns))
    if child_sets and len(child_ns) < 2:
        add('DELEGATION01', 'error', 'the zone lists only %s in its NS records; at least two are required' % _join(child_ns))
    if len(parent_ns) >= 2 and (not child_sets or len(child_ns) >= 2):
        add('DELEGATION01', 'ok', '%d name servers' % len(parent_ns))
    owners = {}
    for name in parent_ns:
        for address in (addresses.get(name) or {}).get('addresses', []):
            owners.setdefault(address, []).append(name)
    shared = dict((a, n) for a, n in owners.items() if len(n) > 1)
    for address, names in sorted(shared.items()):
        add('DELEGATION02', 'error', '%s share the address %s; a failure of that one host takes them all down'
            % (_join(names), address))
    if owners and len(owners) < 2:
        add('DELEGATION02', 'error', 'all name servers of %s are on one address (%s)' % (zone, _join(owners)))
    if owners and not shared and len(owners) >= 2:
        add('DELEGATION02', 'ok', '%d distinct name server addresses' % len(owners))

    # CONSISTENCY05: glue = the zone's own A/AAAA.
    glue_checked = False
    for name in parent_ns:
        if not in_bailiwick(name, zone) or name not in glue:
            continue
        for server in authoritative:
            own = (server.get('own') or {}).get(name)
            if not own:
                continue
            label = server_label(server['address'], server.get('port', 53), server.get('names'))
            if any(own.get(t, {}).get('error') for t in ('A', 'AAAA')):
                continue      # CONNECTIVITY reports unreachable servers
            records = sorted(set(a for t in ('A', 'AAAA') for a in own.get(t, {}).get('addresses') or []))
            glue_checked = True
            if records != glue[name]:
                add('CONSISTENCY05', 'error', 'glue for %s at the parent is %s, the zone\'s own A/AAAA records on %s '
                    'say %s' % (name, _join(glue[name]), label, _join(records)), label)
    # ... and for names outside the zone: glue = their addresses resolved without this glue.
    for name, info in sorted(data.get('out_of_zone', {}).items()):
        if name not in glue or in_bailiwick(name, zone):
            continue
        if not info.get('addresses'):
            add('CONSISTENCY05', 'info', 'glue for %s at the parent is %s; its own addresses could not be found to '
                'compare: %s' % (name, _join(glue[name]), info.get('error') or 'no A/AAAA records'), name)
            continue
        glue_checked = True
        if info['addresses'] != glue[name]:
            add('CONSISTENCY05', 'error', 'glue for %s at the parent is %s, but its own A/AAAA records (resolved without '
                'that glue) say %s; update the glue host %s at its domain\'s registrar'
                % (name, _join(glue[name]), _join(info['addresses']), name), name)
    if glue_checked and not [f for f in findings if f['test'] == 'CONSISTENCY05' and f['level'] not in ('ok', 'info')]:
        add('CONSISTENCY05', 'ok', 'glue matches the name servers\' own A/AAAA records')

    # CONSISTENCY01: one serial.
    serials = {}
    for server in authoritative:
        serials.setdefault(server['soa']['serial'], []).append(
            server_label(server['address'], server.get('port', 53), server.get('names')))
    if len(serials) > 1:
        detail = '; '.join('%s on %s' % (serial, _join(labels)) for serial, labels in sorted(serials.items()))
        add('CONSISTENCY01', 'error', 'SOA serials differ: %s (a secondary has not transferred the latest '
                                      'version yet, or a primary was changed without its secondaries)' % detail)
    elif serials:
        add('CONSISTENCY01', 'ok', 'SOA serial %s on every name server' % list(serials)[0])

    # NAMESERVER01 / NAMESERVER03.
    recursive, axfr_open, recursion_checked, axfr_checked = [], [], 0, 0
    for server in servers:
        label = server_label(server['address'], server.get('port', 53), server.get('names'))
        recursion = server.get('recursion')
        if recursion and not recursion.get('error'):
            recursion_checked += 1
            if recursion.get('ra'):
                recursive.append(label)
                add('NAMESERVER01', 'error', '%s offers recursion (RA flag set in its answer to a recursive query); '
                                             'an authoritative server should not' % label, label)
        axfr = server.get('axfr')
        if axfr and not axfr.get('error'):
            axfr_checked += 1
            if axfr.get('open'):
                axfr_open.append(label)
                add('NAMESERVER03', 'error', '%s allows anyone to transfer %s (AXFR); restrict transfers to the '
                                             'secondaries, with TSIG' % (label, zone), label)
    if recursion_checked and not recursive:
        add('NAMESERVER01', 'ok', 'no name server offers recursion')
    if axfr_checked and not axfr_open:
        add('NAMESERVER03', 'ok', 'zone transfer refused by every name server')

    # EXPECTED01: what the parent publishes is what the user expects.
    if expected:
        want = dict((normalize_name(e['name']), sorted(normalize_address(a) for a in e.get('addresses') or []))
                    for e in expected)
        before = len(findings)
        missing = sorted(set(want) - set(parent_ns))
        extra = sorted(set(parent_ns) - set(want))
        if missing:
            add('EXPECTED01', 'error', 'the parent does not publish %s (it publishes %s)' % (_join(missing), _join(parent_ns)))
        if extra:
            add('EXPECTED01', 'error', 'the parent publishes %s, which is not expected' % _join(extra))
        for name, wanted in sorted(want.items()):
            if not wanted or name not in parent_ns:
                continue
            info = addresses.get(name) or {}
            have = info.get('addresses') or []
            source = 'glue at the parent' if info.get('source') == 'glue' else 'addresses resolved for it'
            if have != wanted:
                add('EXPECTED01', 'error', '%s: expected %s, the %s %s %s' % (
                    name, _join(wanted), source, 'is' if len(have) == 1 else 'are', _join(have)))
        if len(findings) == before:
            add('EXPECTED01', 'ok', 'the parent publishes the expected name servers and addresses')
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
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            # 1. Referrals from every parent server.
            referral_jobs, discovery_errors = [], {}
            parents_of = self.parents_for(pool, zones) if self.nameservers_from == 'parent' else {}
            for zone in zones if self.nameservers_from == 'parent' else []:
                parents, error = parents_of[zone]
                if error:
                    discovery_errors[zone] = error
                for address, port in parents:
                    referral_jobs.append((zone, address, port))

            def ask_parent(zone, address, port):
                summary = summarize_referral(self.transport.query(zone, 'NS', address, port), zone)
                summary['server'] = server_label(address, port)
                return zone, summary
            referrals = dict((z, []) for z in zones)
            for zone, summary in self._map(pool, ask_parent, referral_jobs):
                referrals[zone].append(summary)
            if self.nameservers_from == 'expected':
                for zone in zones:
                    referrals[zone].append(self.expected_referral())

            # 2. Addresses of the name servers: glue, else resolved without it (once per name). Names
            # outside the zone are resolved even with glue, for CONSISTENCY05 to compare that glue
            # (not in 'expected' mode: there the "glue" is the inventory, the truth before delegation).
            compare_glue = 'CONSISTENCY05' not in self.skip and self.nameservers_from == 'parent'
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
                names, glue = merge_referrals(referrals[zone])
                out_of_zone[zone] = {}
                for name in names:
                    if name not in resolved:
                        continue
                    found, error = resolved[name]
                    if name in addresses[zone]:
                        # the glue stays what this zone's servers are asked at; CONSISTENCY05 compares
                        out_of_zone[zone][name] = {'addresses': found, 'error': error}
                    else:
                        addresses[zone][name] = {'addresses': found, 'source': 'resolver', 'error': error}

            # 3. Every address of every name server, once per zone.
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
                    jobs.append((server, 'soa', zone, 'SOA', False))
                    jobs.append((server, 'ns', zone, 'NS', False))
                    if 'NAMESERVER03' not in self.skip:
                        # any answer to the AXFR query (REFUSED too) also proves TCP for CONNECTIVITY02
                        jobs.append((server, 'axfr', zone, 'AXFR', True))
                    elif 'CONNECTIVITY02' not in self.skip:
                        jobs.append((server, 'tcp', zone, 'SOA', True))
                    if 'CONSISTENCY05' not in self.skip:
                        for name in own_names:
                            jobs.append((server, ('own', name, 'A'), name, 'A', False))
                            jobs.append((server, ('own', name, 'AAAA'), name, 'AAAA', False))
                    if 'NAMESERVER01' not in self.skip and (address, self.port) not in probed:
                        # one probe per address: recursion is a property of the server, not the zone
                        probed[(address, self.port)] = None
                        jobs.append((server, 'recursion', zone, 'SOA', False))

            def ask_server(server, key, qname, rdtype, tcp):
                exchange = self.transport.query(qname, rdtype, server['address'], server['port'], tcp=tcp,
                                                rd=(key == 'recursion'))
                if key in ('soa', 'tcp'):
                    return server, key, summarize_soa(exchange, qname)
                if key == 'ns':
                    return server, key, summarize_ns(exchange, qname)
                if key == 'axfr':
                    return server, key, summarize_axfr(exchange, qname)
                if key == 'recursion':
                    return server, key, summarize(exchange)
                return server, key, summarize_addresses(exchange, qname, rdtype)
            for server, key, summary in self._map(pool, ask_server, jobs):
                if isinstance(key, tuple):
                    server['own'].setdefault(key[1], {})[key[2]] = summary
                elif key == 'recursion':
                    probed[(server['address'], server['port'])] = summary
                else:
                    server[key] = summary
            if 'CONNECTIVITY02' not in self.skip and 'NAMESERVER03' not in self.skip:
                # servers that dropped the AXFR query get a plain SOA query over TCP
                retry = []
                for zone in zones:
                    for server in servers[zone]:
                        if server['axfr'].get('error') is None:
                            server['tcp'] = dict(server['axfr'], via='AXFR')
                        else:
                            retry.append((server, 'tcp', zone, 'SOA', True))
                for server, key, summary in self._map(pool, ask_server, retry):
                    server[key] = summary
        results = []
        for zone in zones:
            for server in servers[zone]:
                if 'NAMESERVER01' not in self.skip:
                    server['recursion'] = probed.get((server['address'], server['port']))
            data = {'zone': zone, 'referrals': referrals[zone], 'addresses': addresses[zone], 'servers': servers[zone],
                    'out_of_zone': out_of_zone[zone]}
            findings = evaluate_zone(data, skip=self.skip, expected=self.expected)
            if zone in discovery_errors:
                findings.insert(0, _finding('BASIC01', 'error', zone, discovery_errors[zone]))
            results.append((data, findings))
        return results


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
