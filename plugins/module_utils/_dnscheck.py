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
    import dns.dnssec
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.resolver
    import dns.rrset
except ImportError:
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None

try:
    import cryptography  # noqa: F401, pylint: disable=unused-import
except ImportError:
    HAS_CRYPTOGRAPHY = False      # dnspython verifies no signature without it (DNSSEC02, 08, 09 say so)
else:
    HAS_CRYPTOGRAPHY = True

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

    def make_query(self, qname, rdtype, rd=False, dnssec=False):
        query = dns.message.make_query(qname, rdtype, use_edns=0, payload=EDNS_PAYLOAD, want_dnssec=dnssec)
        if not rd:
            query.flags &= ~dns.flags.RD
        return query

    def query(self, qname, rdtype, address, port=53, tcp=False, rd=False, dnssec=False):
        """Ask ``address``: UDP (sent twice when the first times out), then TCP when the answer is truncated.
        ``dnssec`` sets the DO bit: the answer carries the RRSIG records."""
        query = self.make_query(qname, rdtype, rd=rd, dnssec=dnssec)
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


def _rrsigs(section, name, covered):
    """The RRSIG records at ``name`` that cover ``covered`` (a type number)."""
    name = normalize_name(name)
    return [rd for rrset in section if rrset.rdtype == dns.rdatatype.RRSIG and rrset.covers == covered
            and normalize_name(rrset.name) == name for rd in rrset]


def summarize(exchange):
    """What every check needs of any answer: error, rcode, AA, RA, transport; ``edns`` and ``do``: the
    answer has an OPT record, with the DO bit (it understood a DNSSEC query)."""
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
        'edns': response.edns >= 0,
        'do': bool(response.ednsflags & dns.flags.DO),
        'transport': exchange.transport,
        'truncated': exchange.truncated,
    }


def summarize_signed(exchange, zone, rdtype):
    """An answer for ``zone`` and ``rdtype``: the summary, ``rrset`` (the records, or None) and
    ``rrsigs`` (the RRSIG records covering them; there are some only when the query set the DO bit)."""
    result = summarize(exchange)
    if result['error'] is None:
        rdtype = dns.rdatatype.from_text(rdtype) if not isinstance(rdtype, int) else rdtype
        rrsets = _rrsets(exchange.response.answer, zone, rdtype)
        result['rrset'] = rrsets[0] if rrsets and len(rrsets[0]) else None
        result['rrsigs'] = _rrsigs(exchange.response.answer, zone, rdtype)
    return result


def summarize_soa(exchange, zone):
    result = summarize_signed(exchange, zone, dns.rdatatype.SOA)
    if result['error'] is None:
        result['serial'] = result['rrset'][0].serial if result['rrset'] else None
    return result


def summarize_ns(exchange, zone):
    result = summarize_signed(exchange, zone, dns.rdatatype.NS)
    if result['error'] is None:
        rrset = result['rrset']
        result['ns'] = sorted(set(normalize_name(rd.target) for rd in rrset)) if rrset else None
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
    # How long a resolver may keep this referral: the longest TTL of its NS set and glue.
    ttls = [rrset.ttl for rrset in rrsets]
    for rrset in response.additional:
        if rrset.rdtype not in (dns.rdatatype.A, dns.rdatatype.AAAA):
            continue
        owner = normalize_name(rrset.name)
        if owner in names:
            glue.setdefault(owner, set()).update(normalize_address(rd.address) for rd in rrset)
            ttls.append(rrset.ttl)
    result.update(kind=kind, ns=names, glue=dict((k, sorted(v)) for k, v in glue.items()),
                  ttl=max(ttls) if ttls else None)
    return result


# --------------------------------------------------------------------------- DNSSEC (pure)

#: DS digest types as Zonemaster's DNSSEC01 classifies the IANA registry: number -> (class, name)
DS_DIGESTS = {
    0: ('not-ds', 'reserved'), 1: ('deprecated', 'SHA-1'), 2: ('ok', 'SHA-256'), 3: ('deprecated', 'GOST R 34.11-94'),
    4: ('ok', 'SHA-384'), 5: ('ok', 'GOST R 34.11-2012'), 6: ('ok', 'SM3'),
}

#: DNSKEY algorithms as Zonemaster's DNSSEC05 classifies the IANA registry: number -> (class, mnemonic)
DNSKEY_ALGORITHMS = {
    0: ('not-zone-sign', 'DELETE'), 1: ('deprecated', 'RSAMD5'), 2: ('not-zone-sign', 'DH'), 3: ('deprecated', 'DSA'),
    5: ('deprecated', 'RSASHA1'), 6: ('deprecated', 'DSA-NSEC3-SHA1'), 7: ('deprecated', 'RSASHA1-NSEC3-SHA1'),
    8: ('ok', 'RSASHA256'), 10: ('not-recommended', 'RSASHA512'), 12: ('deprecated', 'ECC-GOST'),
    13: ('ok', 'ECDSAP256SHA256'), 14: ('ok', 'ECDSAP384SHA384'), 15: ('ok', 'ED25519'), 16: ('ok', 'ED448'),
    17: ('ok', 'SM2SM3'), 23: ('ok', 'ECC-GOST12'), 252: ('not-zone-sign', 'INDIRECT'), 253: ('private', 'PRIVATEDNS'),
    254: ('private', 'PRIVATEOID'),
}

#: the signature algorithms this module verifies (dnspython 2.3 and later with cryptography): RSA, ECDSA, EdDSA
VERIFIABLE_ALGORITHMS = frozenset([5, 7, 8, 10, 13, 14, 15, 16])


def ds_digest(number):
    """A DS digest type -> (class, name); class is ok, deprecated, not-ds, unassigned, reserved or private."""
    if number in DS_DIGESTS:
        return DS_DIGESTS[number]
    if 128 <= number <= 252:
        return 'reserved', 'reserved'
    if number in (253, 254):
        return 'private', 'private use'
    return 'unassigned', 'unassigned'


def dnskey_algorithm(number):
    """A DNSKEY algorithm -> (class, mnemonic); class is ok, not-recommended, deprecated, not-zone-sign,
    reserved, unassigned or private."""
    if number in DNSKEY_ALGORITHMS:
        return DNSKEY_ALGORITHMS[number]
    if number in (4, 9, 11, 255) or 123 <= number <= 251:
        return 'reserved', 'RESERVED'
    return 'unassigned', 'UNASSIGNED'


def key_tag(dnskey):
    return dns.dnssec.key_id(dnskey)


def ds_matches_key(ds, dnskey, zone):
    """True when ``ds`` is the digest of ``dnskey`` (algorithm and digest), False when not, None when
    its digest type cannot be computed here (GOST, SM3...): only the key tag and algorithm matched."""
    if ds.algorithm != dnskey.algorithm:
        return False
    try:
        made = dns.dnssec.make_ds(dns.name.from_text(zone), dnskey, ds.digest_type,
                                  policy=dns.dnssec.allow_all_policy, validating=True)
    except (dns.dnssec.UnsupportedAlgorithm, ValueError):
        return None
    return made.digest == ds.digest


def unverifiable_reason(algorithm):
    """Why signatures of ``algorithm`` cannot be verified here, or None."""
    if not HAS_CRYPTOGRAPHY:
        return 'the Python package cryptography, which dnspython needs to verify signatures, is missing'
    if algorithm not in VERIFIABLE_ALGORITHMS:
        return 'algorithm %d (%s) is not verified by this module' % (algorithm, dnskey_algorithm(algorithm)[1])
    return None


def signature_valid(rrset, rrsig, keys, zone, cache=None):
    """Whether ``rrsig`` over ``rrset`` validates with one of ``keys`` (its validity period aside):
    True, False, or None when it cannot be verified here (``unverifiable_reason``). ``cache`` (a dict)
    keeps the outcomes: a secondary serves its primary's signatures, verified once per zone."""
    if unverifiable_reason(rrsig.algorithm):
        return None
    key = (rrset.name, rrset.rdtype, frozenset(rrset), rrsig, frozenset(keys))
    if cache is not None and key in cache:
        return cache[key]
    try:
        dns.dnssec.validate_rrsig(rrset, rrsig, {dns.name.from_text(zone): keys}, now=rrsig.inception,
                                  policy=dns.dnssec.allow_all_policy)
        valid = True
    except dns.dnssec.UnsupportedAlgorithm:
        valid = None
    except dns.dnssec.ValidationFailure:
        valid = False
    if cache is not None:
        cache[key] = valid
    return valid


def check_rrsig(rrset, rrsig, keys, zone, now, cache=None):
    """One RRSIG over ``rrset`` judged as Zonemaster's DNSSEC08 and DNSSEC09 do, in their order:
    ``not-yet-valid``, ``expired``, ``unverifiable``, ``no-key`` (no DNSKEY of ``keys`` has its key
    tag and algorithm), ``invalid`` or ``valid``."""
    if rrsig.inception > now:
        return 'not-yet-valid'
    if rrsig.expiration < now:
        return 'expired'
    if unverifiable_reason(rrsig.algorithm):
        return 'unverifiable'
    candidates = [k for k in keys if k.algorithm == rrsig.algorithm and key_tag(k) == rrsig.key_tag]
    if not candidates or normalize_name(rrsig.signer) != normalize_name(zone):
        return 'no-key'
    outcome = signature_valid(rrset, rrsig, dns.rrset.from_rdata_list(dns.name.from_text(zone), 0, candidates), zone,
                              cache)
    return {True: 'valid', False: 'invalid', None: 'unverifiable'}[outcome]


def utc(timestamp):
    return time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(timestamp))


def answered_authoritatively(answer, dnssec=False):
    """An answer Zonemaster's DNSSEC test cases use: NOERROR with the AA flag (``dnssec``: and an OPT
    record with the DO bit, as its "DNSSEC Response")."""
    if not answer or answer.get('error') is not None or answer.get('rcode') != 'NOERROR' or not answer.get('aa'):
        return False
    return not dnssec or bool(answer.get('edns') and answer.get('do'))


def why_not_authoritative(answer, what):
    """What is wrong with ``answer`` (a summary) when it is no authoritative NOERROR answer."""
    if not answer:
        return 'not asked'
    if answer.get('error') is not None:
        return answer['error']
    if answer.get('rcode') != 'NOERROR':
        return 'answered the %s query with %s' % (what, answer.get('rcode'))
    return 'answered the %s query without the AA flag' % what


def _by_key(items):
    """``[(key, label)]`` -> ``{key: sorted labels}``."""
    grouped = {}
    for key, label in items:
        grouped.setdefault(key, set()).add(label)
    return dict((key, sorted(labels)) for key, labels in grouped.items())


def _key_tags(records):
    """``key tag 12345`` or ``key tags 12345, 23456`` for DS records."""
    tags = sorted(set(record.key_tag for record in records))
    return 'key tag%s %s' % ('' if len(tags) == 1 else 's', ', '.join(str(tag) for tag in tags))


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
    'ds': 'the zone\'s DS records from every parent server (DO bit set)',
    'dnskey': 'the zone\'s DNSKEY records from every name server address (DO bit set)',
    'rrsig': 'the SOA and NS queries set the DO bit, so their answers carry the RRSIGs',
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

    def __init__(self, data, expected=None, expected_ds=None, now=None):
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
        # DNSSEC: the DS answers of the parent servers (none with nameservers_from=expected)
        self.parent_ds = data.get('ds', [])
        self.expected_ds = expected_ds
        self.now = time.time() if now is None else now
        self._dnssec_states = {}
        self.signatures = {}          # signature_valid's cache

    @property
    def signed(self):
        """Some name server returns DNSKEY records with an RRSIG (DNSSEC07's "signed"): the DNSSEC
        checks other than DNSSEC07 and DNSSEC11 have something to check."""
        return bool(self.dnssec_states()['signed'])

    def dnssec_states(self, rrsig_required=True):
        """The name servers that answered the zone's SOA authoritatively, by their DNSKEY answer:
        ``signed`` (DNSKEY records, with an RRSIG over them when ``rrsig_required``), ``unsigned``
        (none), ``no-answer`` (with the ``errors``), ``not-aa`` and ``rcodes`` (rcode -> labels)."""
        if rrsig_required not in self._dnssec_states:
            state = {'signed': [], 'unsigned': [], 'no-answer': [], 'errors': [], 'not-aa': [], 'rcodes': {}}
            for server in self.servers:
                soa = server.get('soa')
                if not answered_authoritatively(soa) or soa.get('serial') is None or 'dnskey' not in server:
                    continue
                answer, label = server['dnskey'], self.label(server)
                if answer.get('error') is not None:
                    state['no-answer'].append(label)
                    state['errors'].append(answer['error'])
                elif not answer.get('aa'):
                    state['not-aa'].append(label)
                elif answer.get('rcode') != 'NOERROR':
                    state['rcodes'].setdefault(answer['rcode'], []).append(label)
                elif answer.get('rrset') and (answer.get('rrsigs') or not rrsig_required):
                    state['signed'].append(label)
                else:
                    state['unsigned'].append(label)
            self._dnssec_states[rrsig_required] = state
        return self._dnssec_states[rrsig_required]

    def parent_ds_records(self, dnssec=True):
        """The DS records the parent servers publish (their union), from answers that are
        authoritative NOERROR (``dnssec``: with an OPT record and the DO bit)."""
        records = []
        for answer in self.parent_ds:
            if answered_authoritatively(answer, dnssec=dnssec) and answer.get('rrset'):
                records.extend(ds for ds in answer['rrset'] if ds not in records)
        return sorted(records, key=lambda ds: (ds.key_tag, ds.algorithm, ds.digest_type, ds.digest))

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


# The DNSSEC checks follow Zonemaster's test case specifications (DNSSEC07 first: its "signed"
# decides whether DNSSEC01, 02, 05, 08, 09 and 13 say anything). Their levels map ERROR to
# error, WARNING to warning, NOTICE to info and INFO to ok; a check that passes says so once,
# with one ok finding, and messages about several servers are one finding that lists them.
# Where a check deviates from its specification, its docstring says how and why.


def _signed_ds_at_parent(context):
    """The parent servers that answered the DS query properly (DNSSEC07's criteria), by what they
    publish -> (with a signed DS, without DS, with a DS that has no RRSIG)."""
    with_ds, without_ds, unsigned_ds = [], [], []
    for answer in context.parent_ds:
        if not answered_authoritatively(answer, dnssec=True):
            continue                           # DNSSEC01 and BASIC01 report parent servers that fail
        if answer.get('rrset') and answer.get('rrsigs'):
            with_ds.append(answer['server'])
        elif answer.get('rrset'):
            unsigned_ds.append(answer['server'])
        else:
            without_ds.append(answer['server'])
    return with_ds, without_ds, unsigned_ds


@check('DNSSEC07', 'the zone is signed (DNSKEY with RRSIG), and the parent publishes signed DS for it',
       queries=['dnskey', 'ds'])
def check_dnssec07(data, context):
    """Deviation: a zone that no name server serves signed is ``info``, not Zonemaster's WARNING
    (DS07_NOT_SIGNED): an unsigned zone without DS is a working insecure delegation, and a warning
    would fail ``fail_on=warning`` and keep ``wait`` with ``fail_on=never`` waiting for every zone
    that is not signed yet. The per-server lists (DS07_SIGNED_ON_SERVER, DS07_NOT_SIGNED_ON_SERVER)
    are part of the finding that needs them."""
    zone = context.zone
    findings = []
    state = context.dnssec_states()
    no_answer, not_auth, rcodes = state['no-answer'], state['not-aa'], state['rcodes']
    signed, unsigned = state['signed'], state['unsigned']
    if no_answer:
        findings.append(('warning', '%s did not answer the DNSKEY query (DO bit set): %s'
                         % (_join(no_answer), '; '.join(sorted(set(state['errors']))))))
    if not_auth:
        findings.append(('warning', '%s answered the DNSKEY query (DO bit set) without the AA flag' % _join(not_auth)))
    for rcode, labels in sorted(rcodes.items()):
        findings.append(('warning', '%s answered the DNSKEY query (DO bit set) with %s instead of NOERROR'
                         % (_join(labels), rcode)))
    if signed and unsigned:
        findings.append(('error', 'the name servers disagree on whether %s is signed: %s return DNSKEY records '
                         'with an RRSIG, %s do not (a secondary has not transferred the signed zone yet, or '
                         'serves an unsigned copy)' % (zone, _join(signed), _join(unsigned))))
        return findings
    if not signed:
        if unsigned:
            findings.append(('info', '%s is not signed: no name server returns DNSKEY records with an RRSIG; '
                                     'resolvers treat it as insecure' % zone))
        elif context.servers:
            findings.append(('info', 'whether %s is signed is unknown: no name server answered the DNSKEY query '
                                     'authoritatively' % zone))
        return findings
    if not context.parent_ds:                  # nameservers_from=expected: no parent asked
        if not findings:
            findings.append(('ok', '%s is signed on every name server' % zone))
        return findings
    with_ds, without_ds, unsigned_ds = _signed_ds_at_parent(context)
    if with_ds and (without_ds or unsigned_ds):
        findings.append(('error', 'the parent servers disagree on the DS of %s: %s publish a signed DS, %s do not '
                                  '(the registry change may still be propagating)'
                         % (zone, _join(with_ds), _join(without_ds + unsigned_ds))))
    elif unsigned_ds and not without_ds:
        findings.append(('warning', '%s is signed, but its DS at the parent carries no RRSIG (parent servers %s): '
                                    'the parent zone is not signed, so no chain of trust reaches %s'
                         % (zone, _join(unsigned_ds), zone)))
    elif without_ds or unsigned_ds:
        findings.append(('warning', '%s is signed, but the parent publishes no DS for it (parent servers %s): '
                                    'resolvers treat it as insecure until its DS is submitted to the registrar'
                         % (zone, _join(without_ds + unsigned_ds))))
    if not findings:      # without any DS answer from the parent, DNSSEC01 warns
        findings.append(('ok', '%s is signed and the parent publishes a signed DS for it' % zone if with_ds
                         else '%s is signed on every name server' % zone))
    return findings


@check('DNSSEC11', 'a zone with DS at the parent is signed', queries=['ds', 'dnskey'])
def check_dnssec11(data, context):
    """Deviation: when the parent publishes DS and every name server returns DNSKEY, one ``ok``
    finding says so (Zonemaster outputs nothing); without DS at the parent there is nothing to
    check and no finding, as in Zonemaster."""
    zone = context.zone
    if not context.parent_ds:
        return []
    undetermined, without_ds, with_ds = [], [], []
    for answer in context.parent_ds:
        if not answered_authoritatively(answer):
            undetermined.append('%s: %s' % (answer['server'], why_not_authoritative(answer, 'DS')))
        elif answer.get('rrset'):
            with_ds.append(answer['server'])
        else:
            without_ds.append(answer['server'])
    if undetermined and not without_ds and not with_ds:
        return [('error', 'whether the parent publishes DS for %s is unknown: %s' % (zone, '; '.join(sorted(undetermined))))]
    if not with_ds:
        return []
    findings = []
    if without_ds:
        findings.append(('warning', 'the parent servers disagree on whether %s has DS: %s publish it, %s do not'
                         % (zone, _join(with_ds), _join(without_ds))))
    state = context.dnssec_states(rrsig_required=False)
    has_key, no_key = state['signed'], state['unsigned']
    if no_key and has_key:
        findings.append(('error', 'the parent publishes DS for %s, and %s serve it signed, but %s return no DNSKEY: '
                                  'validating resolvers fail (SERVFAIL) on the unsigned copy'
                         % (zone, _join(has_key), _join(no_key))))
    elif no_key:
        findings.append(('error', 'the parent publishes DS for %s, but the zone is not signed (no DNSKEY on %s): '
                                  'validating resolvers fail every query for it (SERVFAIL); remove the DS at the '
                                  'registrar or sign the zone' % (zone, _join(no_key))))
    elif not has_key:
        findings.append(('error', 'the parent publishes DS for %s, but whether the zone is signed is unknown: no name '
                                  'server answered the DNSKEY query authoritatively' % zone))
    elif not findings:
        findings.append(('ok', 'the parent publishes DS for %s and every name server serves it signed' % zone))
    return findings


@check('DNSSEC01', 'the DS records use a digest algorithm meant for DS (SHA-256, SHA-384 ...)', queries=['ds', 'dnskey'])
def check_dnssec01(data, context):
    zone = context.zone
    if not context.signed or not context.parent_ds:
        return []
    ignored, without_ds, with_ds, seen = [], [], [], []
    for answer in context.parent_ds:
        if not answered_authoritatively(answer, dnssec=True):
            ignored.append('%s: %s' % (answer['server'], why_not_authoritative(answer, 'DS')))
        elif not answer.get('rrset'):
            without_ds.append(answer['server'])
        else:
            with_ds.append(answer['server'])
            seen.extend(((ds.key_tag, ds.digest_type), answer['server']) for ds in answer['rrset'])
    by_ds = _by_key(seen)
    findings = []
    texts = {
        'deprecated': 'uses the deprecated digest algorithm %d (%s)',
        'not-ds': 'uses digest algorithm %d (%s), which is not meant for DS records',
        'private': 'uses digest algorithm %d, reserved for private use%.0s',
        'reserved': 'uses the reserved digest algorithm %d%.0s',
        'unassigned': 'uses the unassigned digest algorithm %d%.0s',
    }
    for (tag, digest), labels in sorted(by_ds.items()):
        kind, name = ds_digest(digest)
        if kind != 'ok':
            findings.append(('error', 'the DS with key tag %d %s (parent servers %s)'
                             % (tag, texts[kind] % (digest, name), _join(labels))))
    for tag in sorted(set(tag for tag, _digest in by_ds)):
        lacking = set(label for (t, digest), labels in by_ds.items() if t == tag and digest != 2 for label in labels)
        lacking -= set(by_ds.get((tag, 2), []))
        if lacking:
            findings.append(('info', 'there is a DS with key tag %d but none with digest algorithm 2 (SHA-256), which '
                                     'RFC 8624 recommends (parent servers %s)' % (tag, _join(lacking))))
    if ignored and not with_ds and not without_ds:
        findings.append(('warning', 'no parent server answered the DS query for %s: %s' % (zone, '; '.join(sorted(ignored)))))
    if without_ds and with_ds:
        findings.append(('error', 'parent servers %s publish no DS for %s, while %s do'
                         % (_join(without_ds), zone, _join(with_ds))))
    elif without_ds:
        findings.append(('info', 'the parent publishes no DS for %s (parent servers %s)' % (zone, _join(without_ds))))
    if by_ds and not [f for f in findings if f[0] in ('warning', 'error')]:
        findings.append(('ok', 'the DS records of %s use %s' % (zone, ', '.join(
            '%s (key tag %d)' % (ds_digest(digest)[1], tag) for tag, digest in sorted(by_ds)))))
    return findings


def _key_of_ds(ds, keys, zone):
    """The DNSKEY of ``keys`` (one server's DNSKEY RRset) that ``ds`` points to, as DNSSEC02 judges it
    -> (that key, or None when the DS is no link to ``keys``; [(level, text)] with %d for the key tag,
    then %s for the zone and the servers)."""
    candidates = [k for k in keys if key_tag(k) == ds.key_tag]
    if not candidates:
        return None, [('warning', 'the DS with key tag %d at the parent matches no DNSKEY of %s on %s')]
    verdicts = [(k, ds_matches_key(ds, k, zone)) for k in candidates]
    key = next((k for k, verdict in verdicts if verdict), None) or next(
        (k for k, verdict in verdicts if verdict is None), None)        # None: digest type not computable here
    if key is None:
        return None, [('error', 'the DS with key tag %d at the parent does not match the DNSKEY with that tag of %s '
                                '(algorithm or digest differs) on %s')]
    if not key.flags & 0x0100:
        return None, [('error', 'the DNSKEY with tag %d, which a DS at the parent points to, is no zone key (ZONE '
                                'flag unset) in %s on %s')]
    if not key.flags & 0x0001:
        return key, [('info', 'the DNSKEY with tag %d, which a DS at the parent points to, has no SEP flag in %s '
                              'on %s')]
    return key, []


def _signs_dnskey_rrset(key, keys, rrsigs, zone, cache):
    """Whether ``key`` signs the DNSKEY RRset ``keys`` (``rrsigs`` its RRSIGs), as DNSSEC02 judges it,
    the validity period aside -> (True/False, [(level, text)] as ``_key_of_ds``'s)."""
    own = [s for s in rrsigs if s.key_tag == key_tag(key) and s.algorithm == key.algorithm]
    if not own:
        return False, [('warning', 'the DNSKEY RRset is not signed by the key with tag %d, which a DS at the '
                                   'parent points to, in %s on %s')]
    one_key = dns.rrset.from_rdata_list(dns.name.from_text(zone), 0, [key])
    verdicts = [signature_valid(keys, rrsig, one_key, zone, cache) for rrsig in own]
    if True in verdicts:
        return True, []
    if None in verdicts:
        return True, [('info', 'the RRSIG of the DNSKEY RRset by key tag %%d was not verified in %%s on %%s: %s'
                       % unverifiable_reason(key.algorithm))]
    return False, [('error', 'the RRSIG of the DNSKEY RRset by key tag %d does not validate with that key in %s '
                             'on %s')]


@check('DNSSEC02', 'a DS at the parent matches a DNSKEY that signs the DNSKEY RRset on every name server',
       queries=['ds', 'dnskey'])
def check_dnssec02(data, context):
    """Deviations: a DS whose digest does not match the DNSKEY with its key tag is reported
    (DS02_NO_MATCH_DS_DNSKEY) and does not count as matching that key, so when no other DS matches,
    DS02_NO_VALID_DNSKEY_FOR_ANY_DS follows (Zonemaster counts the key as matched after the error,
    though no resolver would). An RRSIG this module cannot verify (algorithm, or no cryptography)
    is ``info`` and is not held against the key (Zonemaster then also reports
    DS02_DNSKEY_NOT_SIGNED_BY_ANY_DS, an error about its own installation)."""
    zone = context.zone
    ds_records = context.parent_ds_records()
    if not ds_records or not context.signed:
        return []
    problems = []          # ((level, text, key tag), server label): one finding per (level, text, key tag)
    responding, matched, signed = [], set(), set()
    for server in context.servers:
        answer = server.get('dnskey')
        if not answered_authoritatively(answer, dnssec=True) or not answer.get('rrset'):
            continue
        label = context.label(server)
        responding.append(label)
        keys, matching = answer['rrset'], []
        for ds in ds_records:
            key, said = _key_of_ds(ds, keys, zone)
            problems.extend(((level, text, ds.key_tag), label) for level, text in said)
            if key is not None:
                matched.add(label)
                if key not in matching:
                    matching.append(key)
        for key in matching:
            ok, said = _signs_dnskey_rrset(key, keys, answer.get('rrsigs') or [], zone, context.signatures)
            problems.extend(((level, text, key_tag(key)), label) for level, text in said)
            if ok:
                signed.add(label)
    findings = []
    for (level, text, tag), labels in sorted(_by_key(problems).items(),
                                             key=lambda item: (-LEVELS.index(item[0][0]), item[0][2], item[0][1])):
        findings.append((level, text % (tag, zone, _join(labels))))
    tags = _key_tags(ds_records)
    unmatched = sorted(set(responding) - matched)
    unsigned = sorted(set(responding) - signed)
    if unmatched:
        findings.append(('error', 'no DS at the parent (%s) matches a DNSKEY of %s on %s: validating '
                                  'resolvers cannot build the chain of trust and fail every query for %s (SERVFAIL); '
                                  'the DS at the registrar must be that of the zone\'s current key'
                         % (tags, zone, _join(unmatched), zone)))
    elif unsigned:
        findings.append(('error', 'the DNSKEY RRset of %s is not signed by a key a DS at the parent points to, on %s: '
                                  'the chain of trust is broken' % (zone, _join(unsigned))))
    if responding and not [f for f in findings if f[0] in ('warning', 'error')]:
        findings.append(('ok', 'the DS at the parent (%s) matches a DNSKEY of %s that signs the DNSKEY RRset '
                               'on every name server' % (tags, zone)))
    return findings


@check('DNSSEC05', 'the DNSKEY records use algorithms meant for zone signing', queries=['dnskey'])
def check_dnssec05(data, context):
    zone = context.zone
    if not context.signed:
        return []
    ignored, without, with_key, seen = [], [], [], []
    for server in context.servers:
        answer, label = server.get('dnskey'), context.label(server)
        if not answered_authoritatively(answer):
            ignored.append('%s: %s' % (label, why_not_authoritative(answer, 'DNSKEY')))
        elif not answer.get('rrset'):
            without.append(label)
        else:
            with_key.append(label)
            seen.extend(((key_tag(k), k.algorithm), label) for k in answer['rrset'])
    texts = {
        'deprecated': ('error', 'uses the deprecated algorithm %d (%s)'),
        'not-recommended': ('warning', 'uses algorithm %d (%s), which is not recommended'),
        'not-zone-sign': ('error', 'uses algorithm %d (%s), which is not meant for zone signing'),
        'private': ('error', 'uses algorithm %d, reserved for private use%.0s'),
        'reserved': ('error', 'uses the reserved algorithm %d%.0s'),
        'unassigned': ('error', 'uses the unassigned algorithm %d%.0s'),
    }
    findings, used = [], set()
    for (tag, algorithm), labels in sorted(_by_key(seen).items()):
        kind, mnemonic = dnskey_algorithm(algorithm)
        used.add('%d (%s)' % (algorithm, mnemonic))
        if kind != 'ok':
            level, text = texts[kind]
            findings.append((level, 'the DNSKEY with tag %d of %s %s, on %s'
                             % (tag, zone, text % (algorithm, mnemonic), _join(labels))))
    if ignored and not with_key and not without:
        findings.append(('warning', 'no name server answered the DNSKEY query for %s: %s' % (zone, '; '.join(sorted(ignored)))))
    if without and with_key:
        findings.append(('error', '%s return no DNSKEY for %s, while %s do' % (_join(without), zone, _join(with_key))))
    if with_key and not [f for f in findings if f[0] in ('warning', 'error')]:
        findings.append(('ok', 'the DNSKEY records of %s use algorithm %s' % (zone, ', '.join(sorted(used)))))
    return findings


def _signature_findings(context, what, pick):
    """DNSSEC08 and DNSSEC09: the RRSIGs over the RRset ``pick(server)`` returns, ``(rrset, rrsigs)`` or
    None, judged with ``check_rrsig`` against the DNSKEY RRset of the same server."""
    zone = context.zone
    missing, outcomes, checked, valid_until = [], [], 0, []
    for server in context.servers:
        answer = server.get('dnskey')
        if not answered_authoritatively(answer) or not answer.get('rrset'):
            continue
        picked = pick(server)
        if picked is None:
            continue
        rrset, rrsigs = picked
        label = context.label(server)
        checked += 1
        if not rrsigs:
            missing.append(label)
        for rrsig in rrsigs:
            outcome = check_rrsig(rrset, rrsig, answer['rrset'], zone, context.now, context.signatures)
            # one finding per outcome, key and, for the times the message shows, time
            shown = {'not-yet-valid': rrsig.inception, 'expired': rrsig.expiration}.get(outcome)
            outcomes.append(((outcome, rrsig.key_tag, rrsig.algorithm, shown), label))
            if outcome == 'valid':
                valid_until.append(rrsig.expiration)
    findings = []
    if missing:
        findings.append(('error', 'the %s RRset of %s is not signed (no RRSIG) on %s' % (what, zone, _join(missing))))
    texts = {
        'not-yet-valid': ('error', 'is not valid before %(time)s'),
        'expired': ('error', 'expired at %(time)s'),
        'no-key': ('error', 'names no DNSKEY of the zone (none has that key tag and algorithm)'),
        'invalid': ('error', 'does not validate with the DNSKEY with that tag'),
        'unverifiable': ('info', 'was not verified: %(reason)s'),
    }
    for (outcome, tag, algorithm, shown), labels in sorted(_by_key(outcomes).items()):
        if outcome == 'valid':
            continue
        level, text = texts[outcome]
        detail = text % {'time': utc(shown) if shown else None, 'reason': unverifiable_reason(algorithm)}
        findings.append((level, 'the RRSIG of the %s RRset of %s by key tag %d %s, on %s'
                         % (what, zone, tag, detail, _join(labels))))
    if checked and not [f for f in findings if f[0] in ('warning', 'error')] and valid_until:
        findings.append(('ok', 'the %s RRset of %s carries a valid RRSIG on every name server (valid until %s)'
                         % (what, zone, utc(min(valid_until)))))
    return findings


@check('DNSSEC08', 'the DNSKEY RRset carries a valid RRSIG by one of its keys', queries=['dnskey'])
def check_dnssec08(data, context):
    if not context.signed:
        return []
    return _signature_findings(context, 'DNSKEY', lambda server: (server['dnskey']['rrset'],
                                                                  server['dnskey'].get('rrsigs') or []))


@check('DNSSEC09', 'the SOA carries a valid RRSIG by a DNSKEY of the zone', queries=['dnskey', 'rrsig'])
def check_dnssec09(data, context):
    if not context.signed:
        return []

    def soa(server):
        answer = server.get('soa')
        if not answered_authoritatively(answer) or not answer.get('rrset'):
            return None
        return answer['rrset'], answer.get('rrsigs') or []
    return _signature_findings(context, 'SOA', soa)


@check('DNSSEC13', 'the DNSKEY, SOA and NS RRsets are signed with every algorithm of the DNSKEY RRset',
       queries=['dnskey', 'rrsig'])
def check_dnssec13(data, context):
    zone = context.zone
    if not context.signed:
        return []
    missing, checked, algorithms_seen = [], 0, set()
    for server in context.servers:
        answer = server.get('dnskey')
        if not answered_authoritatively(answer) or not answer.get('rrset') or not answer.get('rrsigs'):
            continue
        label = context.label(server)
        algorithms = sorted(set(k.algorithm for k in answer['rrset']))
        algorithms_seen.update(algorithms)
        checked += 1
        for what, signed in (('DNSKEY', answer), ('SOA', server.get('soa')), ('NS', server.get('ns'))):
            if not answered_authoritatively(signed) or not signed.get('rrset') or not signed.get('rrsigs'):
                break                          # DNSSEC09 and the connectivity checks report these
            used = set(s.algorithm for s in signed['rrsigs'])
            missing.extend(((what, algorithm), label) for algorithm in algorithms if algorithm not in used)
    findings = []
    for (what, algorithm), labels in sorted(_by_key(missing).items()):
        findings.append(('warning', 'the %s RRset of %s is not signed with algorithm %d (%s), which its DNSKEY RRset '
                                    'has, on %s; every algorithm of the DNSKEY RRset must sign the zone (RFC 6840)'
                         % (what, zone, algorithm, dnskey_algorithm(algorithm)[1], _join(labels))))
    if checked and not findings:
        findings.append(('ok', 'the DNSKEY, SOA and NS RRsets of %s are signed with every algorithm of its DNSKEY '
                               'RRset: %s' % (zone, ', '.join('%d (%s)' % (a, dnskey_algorithm(a)[1])
                                                              for a in sorted(algorithms_seen)))))
    return findings


@check('EXPECTED02', 'the parent publishes DS matching a DNSKEY of the zone, or none (expected_ds)', queries=['ds', 'dnskey'])
def check_expected02(data, context):
    zone, expected = context.zone, context.expected_ds
    if expected not in ('present', 'absent') or not context.parent_ds:
        return []
    findings, with_ds, without_ds = [], [], []
    for answer in context.parent_ds:
        if not answered_authoritatively(answer):
            findings.append(('error', 'parent server %s: %s; whether it publishes DS for %s is unknown'
                             % (answer['server'], why_not_authoritative(answer, 'DS'), zone), answer['server']))
        elif answer.get('rrset'):
            with_ds.append(answer['server'])
        else:
            without_ds.append(answer['server'])
    tags = _key_tags(context.parent_ds_records(dnssec=False))
    if expected == 'absent':
        if with_ds:
            findings.append(('error', 'parent servers %s still publish DS for %s (%s); expected none'
                             % (_join(with_ds), zone, tags)))
        elif not findings:
            findings.append(('ok', 'no parent server publishes DS for %s, as expected' % zone))
        return findings
    if without_ds:
        findings.append(('error', 'parent servers %s publish no DS for %s yet; expected DS matching a DNSKEY of the zone'
                         % (_join(without_ds), zone)))
    if with_ds:
        ds_records = context.parent_ds_records(dnssec=False)
        unmatched = []
        for server in context.servers:
            answer = server.get('dnskey')
            keys = answer.get('rrset') if answered_authoritatively(answer) else None
            if not keys or not any(ds_matches_key(ds, k, zone) is not False for ds in ds_records for k in keys
                                   if key_tag(k) == ds.key_tag):
                unmatched.append(context.label(server))
        if unmatched:
            findings.append(('error', 'no DS at the parent (%s) matches a DNSKEY of %s on %s'
                             % (tags, zone, _join(unmatched))))
    if not findings:
        findings.append(('ok', 'the parent publishes DS for %s (%s), matching a DNSKEY on every name server'
                         % (zone, tags)))
    return findings


def evaluate_zone(data, skip=(), expected=None, expected_ds=None, now=None):
    """Findings for one zone from gathered facts; no network: every registered check not in ``skip``,
    in the order of ``CHECKS`` (without name servers, only those that need none).

    ``data`` holds ``zone``, ``referrals`` (summaries of ``summarize_referral`` with a
    ``server`` label), ``addresses`` (NS name -> ``{addresses, source, error}``), ``out_of_zone``
    (NS name outside the zone that has glue -> ``{addresses, error}`` resolved without it) and
    ``servers``: one entry per address queried, ``{address, port, names, soa, ns, tcp,
    axfr, recursion, own}`` whose values come from the ``summarize_*`` functions
    (``own`` maps an in-bailiwick NS name to ``{'A': summary, 'AAAA': summary}``).
    ``expected`` is a list of ``{name, addresses}``, ``expected_ds`` ``present``, ``absent`` or None.
    For the DNSSEC checks, ``data`` also holds ``ds`` (the parent servers' ``summarize_signed`` DS
    answers, with a ``server`` label) and each server ``dnskey`` (its DNSKEY answer); ``soa`` and
    ``ns`` then carry their RRSIGs. ``now`` (seconds since the epoch) judges the RRSIGs' validity.
    """
    context = ZoneContext(data, expected=expected, expected_ds=expected_ds, now=now)
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
    ds = set()
    for answer in data.get('ds', []):
        if answer.get('error') is None and answer.get('rrset'):
            ds.update(rd.to_text() for rd in answer['rrset'])
    ttls = [r['ttl'] for r in data.get('referrals', []) if r.get('error') is None and r.get('ttl') is not None]
    return {
        'zone': data['zone'],
        'parent_ns': parent_ns,
        'glue': glue,
        'parent_ttl': max(ttls) if ttls else None,
        'child_ns': sorted(child_ns),
        'serials': serials,
        'addresses': dict((n, i.get('addresses') or []) for n, i in data.get('addresses', {}).items()),
        'ds': sorted(ds),
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

    ``transport`` needs ``query(qname, rdtype, address, port, tcp=False, rd=False, dnssec=False)``
    returning an ``Exchange``; ``resolver`` needs dnspython's ``resolve(name, rdtype, ...)``.
    Both are injectable so unit tests run without a network.
    """

    def __init__(self, parent_servers=None, port=53, timeout=DEFAULT_TIMEOUT, concurrency=DEFAULT_CONCURRENCY,
                 skip=(), expected=None, transport=None, resolver=None, source=None, nameservers_from='parent',
                 expected_ds=None):
        self.parent_servers = parent_servers          # [(address, port)] or None: discover
        # 'expected': ask no parent; the expected name servers stand in for its referral (a check
        # of the servers themselves before any delegation points at them).
        self.nameservers_from = nameservers_from
        self.port = port
        self.timeout = timeout
        self.concurrency = max(1, int(concurrency))
        self.skip = frozenset(skip)
        self.expected = expected
        self.expected_ds = expected_ds
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
            referrals, ds, discovery_errors = self._referrals(pool, zones, needed)
            addresses, out_of_zone = self._addresses(pool, zones, referrals, needed)
            servers, probed = self._ask_servers(pool, zones, addresses, needed)
        results = []
        for zone in zones:
            for server in servers[zone]:
                if 'recursion' in needed:
                    server['recursion'] = probed.get((server['address'], server['port']))
            data = {'zone': zone, 'referrals': referrals[zone], 'addresses': addresses[zone], 'servers': servers[zone],
                    'out_of_zone': out_of_zone[zone], 'ds': ds[zone]}
            findings = evaluate_zone(data, skip=self.skip, expected=self.expected, expected_ds=self.expected_ds)
            if zone in discovery_errors:
                findings.insert(0, _finding('BASIC01', 'error', zone, discovery_errors[zone]))
            results.append((data, findings))
        return results

    def _referrals(self, pool, zones, needed):
        """1. The referral from every parent server, and its DS answer when a check needs it ('ds')
        -> (zone -> [referral summary], zone -> [DS summary], zone -> discovery error)."""
        referrals, ds = dict((z, []) for z in zones), dict((z, []) for z in zones)
        if self.nameservers_from == 'expected':
            for zone in zones:
                referrals[zone].append(self.expected_referral())
            return referrals, ds, {}
        jobs, discovery_errors = [], {}
        parents_of = self.parents_for(pool, zones)
        for zone in zones:
            parents, error = parents_of[zone]
            if error:
                discovery_errors[zone] = error
            for address, port in parents:
                jobs.append((zone, 'NS', address, port))
                if 'ds' in needed:
                    jobs.append((zone, 'DS', address, port))

        def ask_parent(zone, rdtype, address, port):
            if rdtype == 'DS':
                summary = summarize_signed(self.transport.query(zone, 'DS', address, port, dnssec=True), zone, 'DS')
            else:
                summary = summarize_referral(self.transport.query(zone, 'NS', address, port), zone)
            summary['server'] = server_label(address, port)
            return zone, rdtype, summary
        for zone, rdtype, summary in self._map(pool, ask_parent, jobs):
            (ds if rdtype == 'DS' else referrals)[zone].append(summary)
        return referrals, ds, discovery_errors

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
                if 'dnskey' in needed:
                    jobs.append((server, 'dnskey', zone, 'DNSKEY'))
                if 'recursion' in needed and (address, self.port) not in probed:
                    # one probe per address: recursion is a property of the server, not the zone
                    probed[(address, self.port)] = None
                    jobs.append((server, 'recursion', zone, 'SOA'))
        dnssec = 'rrsig' in needed
        for server, key, summary in self._map(pool, lambda *job: self._ask_server(*job, dnssec=dnssec), jobs):
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

    def _ask_server(self, server, key, qname, rdtype, dnssec=False):
        """One query of ``_ask_servers`` -> (server, key, summary); ``dnssec``: SOA and NS with the DO bit."""
        kind = key[0] if isinstance(key, tuple) else key
        exchange = self.transport.query(qname, rdtype, server['address'], server['port'],
                                        tcp=kind in ('axfr', 'tcp'), rd=(kind == 'recursion'),
                                        dnssec=kind == 'dnskey' or (dnssec and kind in ('soa', 'ns')))
        if kind in ('soa', 'tcp'):
            return server, key, summarize_soa(exchange, qname)
        if kind == 'ns':
            return server, key, summarize_ns(exchange, qname)
        if kind == 'axfr':
            return server, key, summarize_axfr(exchange, qname)
        if kind == 'recursion':
            return server, key, summarize(exchange)
        if kind == 'dnskey':
            return server, key, summarize_signed(exchange, qname, 'DNSKEY')
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


def next_pause(delays, elapsed, wait_timeout):
    """Seconds to pause before the next round: the next of ``delays``, shortened so that the round starts by
    ``wait_timeout`` (seconds since the first round started); None when that time has passed."""
    delay = next(delays)
    if elapsed + delay > wait_timeout:
        delay = wait_timeout - elapsed
        if delay <= 0:
            return None
    return delay


def check_result(reports, rounds, fail_on, wait, wait_timeout, queries):
    """delegation_check's result from its reports and rounds, with ``msg`` when findings fail the task (also
    built by its action plugin, which runs the rounds of a wait one by one)."""
    summary = dict((level, 0) for level in LEVELS)
    failures = []
    for report in reports:
        for finding in report['findings']:
            summary[finding['level']] += 1
        failures.extend(failing(report['findings'], fail_on))
    not_converged = rounds[-1]['pending']
    result = dict(
        changed=False,
        zones=reports,
        failed_checks=len(failures),
        summary=summary,
        converged=not not_converged,
        not_converged=not_converged,
        rounds=rounds,
        queries=queries,
    )
    if failures and fail_on != 'never':
        head = ''
        if wait:
            head = '%d zone(s) did not converge within wait_timeout=%ss (%d rounds over %ss): %s. ' % (
                len(not_converged), wait_timeout, len(rounds), int(rounds[-1]['elapsed']),
                describe_pending(not_converged))
        shown = failures[:10]
        more = ' (and %d more)' % (len(failures) - len(shown)) if len(failures) > len(shown) else ''
        result['msg'] = '%s%d finding(s) at %s level or above: %s%s' % (
            head, len(failures), fail_on,
            '; '.join('%s: %s: %s' % (f['zone'], f['test'], f['message']) for f in shown), more)
    return result


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
        delay = next_pause(delays, elapsed, wait_timeout)
        if delay is None:
            break
        sleep(delay)
    return [reports[normalize_name(z)] for z in zones], rounds
