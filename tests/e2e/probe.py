# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A resolver-like probe: does every domain answer, at every address a resolver may have cached?

Every round (each ``interval`` seconds, 0.25 by default; a slow round does not delay the next) the
probe does what a resolver does, all queries of a phase concurrently, without recursion:

1. asks the registry for each domain's referral (its NS names and their glue), and, for name
   servers whose glue is not in that referral (``ns1.example.com`` serving ``customer.net``), the
   registry's referral for the name server's own name, which carries its glue;
2. asks the SOA of each domain at every address ever seen published for any name server the
   domain was ever delegated to, and at the addresses given up front, since resolvers cache old
   NS sets and glue for days. UDP, TCP when truncated, ``timeout`` seconds per query.

What counts as what, per answer:

- correct: NOERROR, the AA bit, the domain's own SOA in the answer, and a serial no older (RFC 1982)
  than the highest this address has served for this domain;
- wrong (a failure): an rcode other than NOERROR (SERVFAIL, REFUSED, NXDOMAIN, ...: the rcode's
  name), ``not-authoritative`` (no AA bit), ``no-soa`` (no SOA in the answer), ``other-zone`` (the
  SOA of another zone), ``serial-regressed`` (this address served a newer serial before: it lost
  data), ``malformed`` (an answer dnspython cannot parse); from the registry: an rcode other than
  NOERROR, or ``no-referral`` (no NS records for the domain). A name server's own referral without
  its glue (``no-glue``: its host has none, a resolver asks the name's zone) is not wrong;
- no answer (a figure, not a failure: a server may be down, a retired address may be gone):
  ``timeout``, ``unreachable`` (ICMP errors such as port unreachable);
- a dark moment (a failure): a round in which no address of the domain's current delegation (the
  latest referral's names and glue) answered correctly. A serial behind another server's is normal
  (a secondary transfers after the NOTIFY) and not counted.

A library (``Probe``: ``start``, ``mark``, ``report``, ``stop``; run in a background thread) and a
command line::

    python3 tests/e2e/probe.py --registry 198.51.100.2 customer-a.com customer-b.net --duration 60 --json out.json

It prints a summary and exits 1 when there was a wrong answer or a dark moment.

With ``validating`` (``--validating 198.51.100.3``), every round also asks that validating resolver for each
domain's SOA (recursion desired, DO bit), as a user's resolver would: ``secure`` (NOERROR with the AD bit),
``insecure`` (NOERROR without it), or the rcode (SERVFAIL: the chain of trust is broken, e.g. a DS that names no
key). These are in ``Report.resolver_answers`` and judged apart (``resolver_failures()``), so a suite chooses to.
"""

import argparse
import asyncio
import collections
import json
import signal
import sys
import threading
import time

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

CORRECT = 'ok'
NO_ANSWER = ('timeout', 'unreachable')
REFERRAL = 'referral'
# The registry's referral for a name server's own name without its glue: the name lies outside the
# registry's zones, or its host has no glue (a resolver then asks the name's zone): not wrong.
NO_GLUE = 'no-glue'
# The validating resolver's answers: validated (AD bit), or a working insecure answer.
SECURE, INSECURE = 'secure', 'insecure'

# One query's outcome: when (seconds since the probe started), which round, the name asked, the
# address, the outcome's kind, the SOA serial (or None), the round-trip time, over TCP or not.
Answer = collections.namedtuple('Answer', 'time round domain address kind serial rtt tcp')
# One round's verdict per domain: {domain: (current addresses, addresses that answered correctly)}.
Round = collections.namedtuple('Round', 'number time verdicts')
Mark = collections.namedtuple('Mark', 'time label')


def canonical(name):
    """Lower case, no trailing dot: the form domains and name server names are kept in."""
    return dns.name.from_text(name).to_text(omit_final_dot=True).lower()


def serial_older(serial, than):
    """RFC 1982: is ``serial`` older than ``than``?"""
    return serial != than and (than - serial) % 2 ** 32 < 2 ** 31


class Probe(object):
    """Ask like a resolver every ``interval`` seconds until ``stop()``; results in ``report()``.

    ``addresses``: {name server name: [addresses]} known up front, the name '' for addresses to ask
    for every domain. ``query``: an async function (message, address, port, timeout) -> (response,
    tcp) replacing the network (tests).
    """

    def __init__(self, registry, domains, interval=0.25, timeout=1.0, port=53, registry_port=53,
                 addresses=None, query=None, max_rounds_in_flight=8, clock=time.monotonic, validating=None,
                 validating_port=53):
        self.registry = registry
        self.domains = [canonical(d) for d in domains]
        self.interval, self.timeout = float(interval), float(timeout)
        self.port, self.registry_port = int(port), int(registry_port)
        self.max_rounds_in_flight = max_rounds_in_flight
        self._query = query or _network_query
        self._clock = clock
        self._origin = clock()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = None
        self._error = None
        self.answers = []         # every SOA answer
        self.validating, self.validating_port = validating, int(validating_port)
        self.resolver_answers = []  # every answer of the validating resolver
        self.registry_answers = []  # every answer of the registry
        self.rounds = []
        self.marks = []
        self.skipped_rounds = 0
        self.stopped_at = None
        self.names_seen = dict((d, set()) for d in self.domains)   # every NS name ever delegated to
        self.glue_seen = collections.defaultdict(set)              # every address ever published
        self.glue_now = {}                                         # the latest glue of each name
        self.delegation_now = dict((d, ()) for d in self.domains)  # the latest NS names
        self.given = collections.defaultdict(set)
        for name, values in (addresses or {}).items():
            self.given[canonical(name) if name else ''].update(values)
        self.highest_serial = {}

    # -- running ---------------------------------------------------------------------------------

    def now(self):
        return self._clock() - self._origin

    def start(self):
        """Run rounds in a background thread until ``stop()``."""
        self._thread = threading.Thread(target=self._thread_main, name='dns-probe', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop after the rounds in flight; returns the whole run's report."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        if self.stopped_at is None:
            self.stopped_at = self.now()
        if self._error is not None:
            raise RuntimeError('the probe failed: %r' % (self._error,))
        return self.report()

    def mark(self, label):
        """Note a moment (a change begins); reports are split at marks. Returns its time."""
        with self._lock:
            mark = Mark(self.now(), label)
            self.marks.append(mark)
        return mark.time

    def wait_rounds(self, count=1, timeout=60):
        """Wait until ``count`` rounds that began after this call have completed."""
        since, deadline = self.now(), time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if sum(1 for r in self.rounds if r.time >= since) >= count:
                    return True
            if self._error is not None:
                raise RuntimeError('the probe failed: %r' % (self._error,))
            time.sleep(self.interval / 2)
        return False

    def _thread_main(self):
        try:
            asyncio.run(self._run())
        except Exception as error:  # reported by stop(), not lost in a thread
            self._error = error

    async def _run(self):
        in_flight, number = set(), 0
        next_start = self._clock()
        while not self._stopping.is_set():
            in_flight = set(task for task in in_flight if not task.done())
            if len(in_flight) < self.max_rounds_in_flight:
                number += 1
                in_flight.add(asyncio.ensure_future(self.run_round(number)))
            else:
                self.skipped_rounds += 1  # the probe itself is overloaded: said in the report
            next_start += self.interval
            delay = next_start - self._clock()
            if delay < 0:  # far behind (a stalled machine): restart the schedule from now
                next_start, delay = self._clock(), 0
            await asyncio.sleep(delay)
        if in_flight:
            await asyncio.gather(*in_flight)
        self.stopped_at = self.now()

    # -- one round --------------------------------------------------------------------------------

    async def run_round(self, number):
        """One round: referrals, then the SOA at every address. Recorded, also returned."""
        started = self.now()
        glued = await asyncio.gather(*[self._ask_referral(domain, number) for domain in self.domains])
        fresh = set().union(*glued)
        without_glue = sorted(set(name for domain in self.domains for name in self.delegation_now[domain]) - fresh)
        await asyncio.gather(*[self._ask_referral(name, number, host=True) for name in without_glue])
        jobs = []
        for domain in self.domains:
            jobs += [self._ask_soa(domain, address, number) for address in sorted(self.addresses_of(domain))]
        if self.validating:
            jobs += [self._ask_resolver(domain, number) for domain in self.domains]
        results = [a for a in await asyncio.gather(*jobs) if a is not None]
        verdicts = {}
        for domain in self.domains:
            current = frozenset(address for name in self.delegation_now[domain]
                                for address in self.glue_now.get(name, ()))
            answered = frozenset(answer.address for answer in results
                                 if answer.domain == domain and answer.kind == CORRECT)
            verdicts[domain] = (current, answered)
        result = Round(number, started, verdicts)
        with self._lock:
            self.rounds.append(result)
        return result

    def addresses_of(self, domain):
        """Every address ever published for a name server the domain was ever delegated to."""
        addresses = set(self.given.get('', ()))
        for name in self.names_seen[domain]:
            addresses |= self.glue_seen.get(name, set()) | self.given.get(name, set())
        return addresses

    async def _ask_referral(self, name, number, host=False):
        """The registry's referral for a domain (or, ``host``, for a name server's own name)."""
        query = dns.message.make_query(name, 'A' if host else 'NS')
        query.flags &= ~dns.flags.RD
        started = self.now()
        response, tcp, kind = await self._exchange(query, self.registry, self.registry_port)
        glued = set()
        if response is not None:
            kind, glued = self._read_referral(name, response, host)
        self._record(self.registry_answers, Answer(started, number, name, self.registry, kind, None,
                                                   self.now() - started, tcp))
        return glued

    def _read_referral(self, name, response, host):
        """(kind, names whose glue it carried); remembers the delegation and the glue."""
        if response.rcode() != dns.rcode.NOERROR:
            return dns.rcode.to_text(response.rcode()), set()
        glue = collections.defaultdict(set)
        for rrset in response.additional:
            if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                glue[canonical(rrset.name.to_text())].update(rd.address for rd in rrset)
        for glued, addresses in glue.items():
            self.glue_now[glued] = addresses
            self.glue_seen[glued] |= addresses
        if host:
            return (REFERRAL if glue.get(name) else NO_GLUE), set(glue)
        owner = dns.name.from_text(name)
        names = tuple(sorted(set(canonical(rd.target.to_text()) for rrset in response.authority + response.answer
                                 if rrset.rdtype == dns.rdatatype.NS and rrset.name == owner for rd in rrset)))
        if not names:
            return 'no-referral', set(glue)
        self.delegation_now[name] = names
        self.names_seen[name].update(names)
        return REFERRAL, set(glue)

    async def _ask_soa(self, domain, address, number):
        query = dns.message.make_query(domain, 'SOA')
        query.flags &= ~dns.flags.RD
        started = self.now()
        response, tcp, kind = await self._exchange(query, address, self.port)
        serial = None
        if response is not None:
            kind, serial = self._judge_soa(domain, address, response)
        answer = Answer(started, number, domain, address, kind, serial, self.now() - started, tcp)
        self._record(self.answers, answer)
        return answer

    async def _ask_resolver(self, domain, number):
        """The validating resolver's answer for the domain's SOA: recorded apart, returns None."""
        query = dns.message.make_query(domain, 'SOA', want_dnssec=True)
        started = self.now()
        response, tcp, kind = await self._exchange(query, self.validating, self.validating_port)
        if response is not None:
            if response.rcode() != dns.rcode.NOERROR:
                kind = dns.rcode.to_text(response.rcode())
            else:
                kind = SECURE if response.flags & dns.flags.AD else INSECURE
        self._record(self.resolver_answers, Answer(started, number, domain, self.validating, kind, None,
                                                   self.now() - started, tcp))

    def _judge_soa(self, domain, address, response):
        if response.rcode() != dns.rcode.NOERROR:
            return dns.rcode.to_text(response.rcode()), None
        if not response.flags & dns.flags.AA:
            return 'not-authoritative', None
        soas = [rrset for rrset in response.answer if rrset.rdtype == dns.rdatatype.SOA]
        if not soas:
            return 'no-soa', None
        if soas[0].name != dns.name.from_text(domain):
            return 'other-zone', None
        serial = soas[0][0].serial
        key = (address, domain)
        with self._lock:
            highest = self.highest_serial.get(key)
            if highest is not None and serial_older(serial, highest):
                return 'serial-regressed', serial
            self.highest_serial[key] = serial
        return CORRECT, serial

    async def _exchange(self, query, address, port):
        """(response, over TCP, kind of failure): the response is None when there was none."""
        try:
            response, tcp = await self._query(query, address, port, self.timeout)
            return response, tcp, None
        except dns.exception.Timeout:
            return None, False, 'timeout'
        except OSError:
            return None, False, 'unreachable'
        except dns.exception.DNSException:
            return None, False, 'malformed'

    def _record(self, where, answer):
        with self._lock:
            where.append(answer)

    # -- results ----------------------------------------------------------------------------------

    def report(self, since=None, until=None):
        """What happened between ``since`` and ``until`` (probe seconds, e.g. from ``mark()``)."""
        with self._lock:
            def within(items):
                return [i for i in items if (since is None or i.time >= since) and (until is None or i.time < until)]
            return Report(within(self.answers), within(self.registry_answers), within(self.rounds),
                          list(self.marks), self.skipped_rounds, self._names_of_addresses(),
                          until if until is not None else (self.stopped_at if self.stopped_at is not None else self.now()),
                          within(self.resolver_answers))

    def _names_of_addresses(self):
        names = collections.defaultdict(set)
        for name, addresses in list(self.glue_seen.items()) + list(self.given.items()):
            for address in addresses:
                names[address].add(name or '(given)')
        return dict((address, sorted(n)) for address, n in names.items())


class Report(object):
    """The answers of a stretch of time, judged: ``failures()`` is empty when all went well."""

    def __init__(self, answers, registry_answers, rounds, marks, skipped_rounds, names_of, end, resolver_answers=()):
        self.answers, self.registry_answers = answers, registry_answers
        self.resolver_answers = list(resolver_answers)
        self.rounds = sorted(rounds, key=lambda r: r.time)
        self.marks, self.skipped_rounds, self.names_of, self.end = marks, skipped_rounds, names_of, end

    @property
    def queries(self):
        return len(self.answers) + len(self.registry_answers)

    def wrong(self):
        """Wrong answers from the servers and the registry (not timeouts)."""
        servers = [a for a in self.answers if a.kind != CORRECT and a.kind not in NO_ANSWER]
        registry = [a for a in self.registry_answers if a.kind not in (REFERRAL, NO_GLUE) + NO_ANSWER]
        return servers + registry

    def resolver_failures(self):
        """The validating resolver's answers that were neither secure nor insecure (SERVFAIL, timeouts...)."""
        return [a for a in self.resolver_answers if a.kind not in (SECURE, INSECURE)]

    def resolver_kinds(self, domain=None):
        """{kind: count} of the validating resolver's answers (for one domain)."""
        return dict(collections.Counter(a.kind for a in self.resolver_answers if domain in (None, a.domain)))

    def no_answers(self):
        return [a for a in self.answers + self.registry_answers if a.kind in NO_ANSWER]

    def dark(self):
        """{domain: [(start, end, rounds)]}: stretches of rounds in which no current address answered."""
        stretches = {}
        for domain in sorted(set(d for r in self.rounds for d in r.verdicts)):
            found, start, count = [], None, 0
            for rnd in self.rounds:
                if domain not in rnd.verdicts:  # a round that does not judge this domain (it left the servers)
                    if start is not None:
                        found.append((start, rnd.time, count))
                    start, count = None, 0
                    continue
                current, answered = rnd.verdicts[domain]
                if current & answered:
                    if start is not None:
                        found.append((start, rnd.time, count))
                    start, count = None, 0
                else:
                    start = rnd.time if start is None else start
                    count += 1
            if start is not None:
                found.append((start, self.end, count))
            stretches[domain] = found
        return stretches

    def failures(self):
        """One line per kind of failure: empty when every answer was right and no domain went dark."""
        lines = []
        for (kind, address, domain), count in sorted(collections.Counter(
                (a.kind, a.address, a.domain) for a in self.wrong()).items()):
            first = min(a.time for a in self.wrong() if (a.kind, a.address, a.domain) == (kind, address, domain))
            lines.append('%d x %s from %s for %s (first at %.2f s)' % (count, kind, self._server(address), domain, first))
        for domain, stretches in self.dark().items():
            for start, end, count in stretches:
                lines.append('%s: no current address answered from %.2f s to %.2f s (%d rounds)'
                             % (domain, start, end, count))
        return lines

    def _server(self, address):
        return '%s (%s)' % (address, ', '.join(self.names_of.get(address, ['?'])))

    def as_dict(self):
        dark = self.dark()
        return {
            'queries': self.queries,
            'rounds': len(self.rounds),
            'skipped_rounds': self.skipped_rounds,
            'wrong': [a._asdict() for a in self.wrong()],
            'wrong_by_kind': dict(collections.Counter(a.kind for a in self.wrong())),
            'no_answer_by_address': dict(collections.Counter('%s %s' % (a.address, a.kind) for a in self.no_answers())),
            'timeouts': sum(1 for a in self.no_answers() if a.kind == 'timeout'),
            'unreachable': sum(1 for a in self.no_answers() if a.kind == 'unreachable'),
            'dark': dict((d, [{'start': s, 'end': e, 'rounds': n} for s, e, n in stretches])
                         for d, stretches in dark.items()),
            'longest_dark': dict((d, max([e - s for s, e, _n in stretches] or [0.0])) for d, stretches in dark.items()),
            'marks': [m._asdict() for m in self.marks],
            'names_of': self.names_of,
            'failures': self.failures(),
            'answers': [a._asdict() for a in self.answers],
            'registry_answers': [a._asdict() for a in self.registry_answers],
            'resolver_by_kind': self.resolver_kinds(),
            'resolver_answers': [a._asdict() for a in self.resolver_answers],
        }

    def summary(self):
        data = self.as_dict()
        counts = (data['queries'], data['rounds'], data['skipped_rounds'], len(data['wrong']), data['timeouts'],
                  data['unreachable'])
        lines = ['%d queries in %d rounds (%d rounds skipped: the probe was overloaded), %d wrong answers, '
                 '%d timeouts, %d unreachable' % counts]
        for kind, count in sorted(data['wrong_by_kind'].items()):
            lines.append('  wrong: %-18s %d' % (kind, count))
        for what, count in sorted(collections.Counter((a.address, a.kind) for a in self.no_answers()).items()):
            lines.append('  no answer: %s %s %d' % (self._server(what[0]), what[1], count))
        if self.resolver_answers:
            lines.append('  validating resolver: %s' % ', '.join('%s %d' % item for item in sorted(data['resolver_by_kind'].items())))
        for domain, longest in sorted(data['longest_dark'].items()):
            lines.append('  %-24s longest time without an answering address: %.2f s' % (domain, longest))
        lines += ['  FAILURE: ' + line for line in data['failures']]
        return '\n'.join(lines)

    def phases(self):
        """[(mark label, Report)] for each stretch between marks (the first is 'start')."""
        edges = [Mark(0.0, 'start')] + sorted(self.marks, key=lambda m: m.time)
        out = []
        for index, mark in enumerate(edges):
            until = edges[index + 1].time if index + 1 < len(edges) else None

            def within(items, start=mark.time, stop=until):
                return [i for i in items if i.time >= start and (stop is None or i.time < stop)]
            out.append((mark.label, Report(within(self.answers), within(self.registry_answers), within(self.rounds),
                                           [], 0, self.names_of, until if until is not None else self.end,
                                           within(self.resolver_answers))))
        return out


async def _network_query(query, address, port, timeout):
    return await dns.asyncquery.udp_with_fallback(query, address, timeout=timeout, port=port)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('domains', nargs='+', help='the domains to watch')
    parser.add_argument('--registry', required=True, help="the registry's address (it serves the domains' parents)")
    parser.add_argument('--registry-port', type=int, default=53)
    parser.add_argument('--port', type=int, default=53, help="the name servers' port")
    parser.add_argument('--interval', type=float, default=0.25, help='seconds between rounds (default 0.25)')
    parser.add_argument('--timeout', type=float, default=1.0, help='seconds per query (default 1.0)')
    parser.add_argument('--duration', type=float, help='seconds to run (default: until interrupted)')
    parser.add_argument('--address', action='append', default=[], metavar='[NAME=]ADDRESS',
                        help='also ask this address (for every domain, or for the domains NAME serves)')
    parser.add_argument('--json', help='write every answer and the summary to this file')
    parser.add_argument('--validating', help="also ask this validating resolver (RD and DO set) for each domain's SOA")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    given = collections.defaultdict(list)
    for item in args.address:
        name, _sep, address = item.rpartition('=')
        given[name].append(address)
    probe = Probe(args.registry, args.domains, interval=args.interval, timeout=args.timeout, port=args.port,
                  registry_port=args.registry_port, addresses=given, validating=args.validating)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_ignored: done.set())
    probe.start()
    done.wait(args.duration)
    report = probe.stop()
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(report.as_dict(), handle, indent=1)
    print(report.summary())
    for label, phase in report.phases() if report.marks else ():
        print('-- %s\n%s' % (label, phase.summary()))
    return 1 if report.failures() else 0


if __name__ == '__main__':
    sys.exit(main())
