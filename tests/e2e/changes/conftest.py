# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared set-up of the changes suite: the demo deployed once, and the resolver-like probe
(tests/e2e/probe.py) asking its domains every 0.25 s from the first test to the last.

A test of a change takes the ``watched`` fixture: the probe is marked with the test's name when
it begins, and when it ends every answer of the test's time (up to ``watched.stop_judging()``, for
restoring the lab afterwards) must have been right and every domain must have had an answering
address at every moment (timeouts are figures, printed at the end of
the run and written to /tmp/dnsops-e2e-changes/figures.json). ``lab`` runs playbooks and
commands on the lab's hosts (changes_lab.py).

A later scenario (move, rename, retire, zone removal) is one more test function in test_changes.py
taking ``lab`` and ``watched``: the deploy and the probe are shared.
"""

import collections
import json
import os
import sys

import pytest

from changes_lab import REGISTRY, RESOLVER, SERVERS, WORK, ZONE_NAMES, Lab

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import probe as dns_probe  # noqa: E402  (tests/e2e/probe.py; tests/e2e is no package)

FIGURES = {}


@pytest.fixture(scope='session')
def lab():
    return Lab()


@pytest.fixture(scope='session')
def demo(lab):
    """The demo deployed once for the whole suite; every server answers every zone."""
    lab.deploy()
    for host in SERVERS:
        answers = lab.first_answers(host)
        assert all(isinstance(serial, int) for serial in answers.values()), (host, answers)
    return SERVERS


@pytest.fixture(scope='session')
def probe(demo):
    """The probe from the deploy to the end of the suite; its whole record in WORK/probe.json."""
    running = dns_probe.Probe(REGISTRY, ZONE_NAMES, validating=RESOLVER).start()
    assert running.wait_rounds(4), 'the probe does not run'
    yield running
    report = running.stop()
    with open(os.path.join(WORK, 'probe.json'), 'w') as handle:
        json.dump(report.as_dict(), handle)
    with open(os.path.join(WORK, 'figures.json'), 'w') as handle:
        json.dump(FIGURES, handle, indent=1)


class Watch(object):
    """The probe during one test: judged from the test's start to its end, or to stop_judging()."""

    def __init__(self, probe, name):
        self.probe, self.since, self.until = probe, probe.mark(name), None
        self.left = {}  # {domain: when it left these servers}

    def mark(self, label):
        """A phase of the test begins (the figures are per phase)."""
        return self.probe.mark(label)

    def wait_rounds(self, count=1, timeout=60):
        return self.probe.wait_rounds(count, timeout)

    def stop_judging(self, reason):
        """What follows is restoring the lab, not the change under test: its answers are figures only."""
        self.until = self.probe.mark('not judged: ' + reason)

    def leave(self, domain, nameservers=()):
        """``domain`` leaves these servers for another provider's ``nameservers``: from now on the answers about
        it and about those names (the registry's referrals for them) are figures only, the lab having no other
        provider to answer; the other domains stay judged."""
        since = self.probe.mark('%s leaves (not judged)' % domain)
        for name in (domain,) + tuple(nameservers):
            self.left[dns_probe.canonical(name)] = since

    def judged(self):
        """The report this test is judged by: its time, without the domains that left."""
        report = self.probe.report(since=self.since, until=self.until)
        if not self.left:
            return report

        def kept(item):
            return not (item.domain in self.left and item.time >= self.left[item.domain])

        def judged_verdicts(rnd):
            return dict((d, v) for d, v in rnd.verdicts.items() if not (d in self.left and rnd.time >= self.left[d]))
        rounds = [dns_probe.Round(r.number, r.time, judged_verdicts(r)) for r in report.rounds]
        return dns_probe.Report([a for a in report.answers if kept(a)], [a for a in report.registry_answers if kept(a)],
                                rounds, report.marks, report.skipped_rounds, report.names_of, report.end)


@pytest.fixture
def watched(probe, request):
    """The probe, judging the test's time: no wrong answer, no moment without an answering address."""
    watch = Watch(probe, request.node.name)
    yield watch
    assert probe.wait_rounds(2), 'the probe stopped'
    FIGURES[request.node.name] = figures(probe.report(since=watch.since))
    judged = watch.judged()
    assert judged.failures() == [], '\n' + judged.summary()


def by_server(report, answers):
    """{'ns1.example.com timeout': count}: who answered what (or did not answer)."""
    return dict(collections.Counter('%s %s' % (' '.join(report.names_of.get(a.address, [a.address])), a.kind)
                                    for a in answers))


def figures(report):
    """The test's figures: queries, wrong answers, and per phase (between marks) who answered wrong or not."""
    data = report.as_dict()
    phases = [{'phase': label, 'queries': phase.queries, 'wrong': by_server(phase, phase.wrong()),
               'no_answer': by_server(phase, phase.no_answers())}
              for label, phase in report.phases() if phase.queries]
    return {'queries': data['queries'], 'wrong': len(data['wrong']), 'timeouts': data['timeouts'],
            'unreachable': data['unreachable'], 'longest_dark': data['longest_dark'], 'phases': phases}


def pytest_terminal_summary(terminalreporter):
    """The probe's figures per test: what a resolver saw during each change."""
    if not FIGURES:
        return
    terminalreporter.section('what the probe saw')
    for test, data in FIGURES.items():
        terminalreporter.write_line('%s: %d queries, %d wrong, %d timeouts, %d unreachable, longest without an '
                                    'answering address %.2f s' % (test, data['queries'], data['wrong'], data['timeouts'],
                                                                  data['unreachable'], max(data['longest_dark'].values() or [0])))
        for phase in data['phases']:
            wrong, no_answer = (', '.join('%s %d' % item for item in sorted(phase[key].items())) or 'none'
                                for key in ('wrong', 'no_answer'))
            terminalreporter.write_line('    %-36s %5d queries; wrong: %s; no answer: %s' % (
                phase['phase'][:36], phase['queries'], wrong, no_answer))
