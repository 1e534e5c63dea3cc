# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""delegation_check against real daemons: an NSD parent for com. with referrals and
glue, an NSD and a BIND child, and a BIND that offers recursion.

Run (as root, installs nsd/bind9/dnsutils when missing):
    tests/dnscheck/setup.sh && python3 -m pytest -q tests/dnscheck
"""

import json
import os
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from checkout import import_module_utils  # noqa: E402
from servers import Lab, zone_text  # noqa: E402

PARENT, NS1, NS2, NS3 = '127.53.0.10', '127.53.0.11', '127.53.0.12', '127.53.0.13'

dnscheck = import_module_utils('_dnscheck')

# zone -> (parent NS names, parent glue, child NS names, own A records, {server: serial})
DELEGATIONS = {
    'good.com': (['ns1.good.com', 'ns2.good.com'], {'ns1.good.com': [NS1], 'ns2.good.com': [NS2]}),
    'badglue.com': (['ns1.badglue.com', 'ns2.badglue.com'], {'ns1.badglue.com': [NS1], 'ns2.badglue.com': [NS2]}),
    'serial.com': (['ns1.serial.com', 'ns2.serial.com'], {'ns1.serial.com': [NS1], 'ns2.serial.com': [NS2]}),
    'lame.com': (['ns1.lame.com', 'ns2.lame.com'], {'ns1.lame.com': [NS1], 'ns2.lame.com': [NS2]}),
    'rec.com': (['ns1.rec.com', 'ns3.rec.com'], {'ns1.rec.com': [NS1], 'ns3.rec.com': [NS3]}),
    'axfr.com': (['ns1.axfr.com', 'ns2.axfr.com'], {'ns1.axfr.com': [NS1], 'ns2.axfr.com': [NS2]}),
    'extra.com': (['ns1.extra.com', 'ns2.extra.com'], {'ns1.extra.com': [NS1], 'ns2.extra.com': [NS2]}),
    'single.com': (['ns1.single.com'], {'ns1.single.com': [NS1]}),
    # served by other zones' name servers: the com parent adds their glue to the referral
    'hosted.com': (['ns1.good.com', 'ns2.good.com'], {}),
    'other.com': (['ns1.other.com', 'ns2.other.com'], {'ns1.other.com': [NS1], 'ns2.other.com': [NS2]}),
    'client.com': (['ns1.other.com', 'ns2.other.com'], {}),
}


@pytest.fixture(scope='module')
def lab():
    lab = Lab([PARENT, NS1, NS2, NS3])
    parent = lab.nsd(PARENT)
    nsd = lab.nsd(NS1)
    bind = lab.bind(NS2)
    recursor = lab.bind(NS3, recursion=True)

    com = [zone_text('com', 1, ['ns.nic.com'], {'ns.nic.com': [PARENT]})]
    for zone, (names, glue) in sorted(DELEGATIONS.items()):
        com.append(''.join('%s. IN NS %s.\n' % (zone, n) for n in names))
        com.append(''.join('%s. IN A %s\n' % (n, ip) for n, ips in sorted(glue.items()) for ip in ips))
    parent.add_zone('com', ''.join(com))
    # outside.net is served by ns1/ns2.good.com: the net parent can give no glue for them
    parent.add_zone('net', zone_text('net', 1, ['ns.nic.com'], {}, 'outside.net. IN NS ns1.good.com.\n'
                                     'outside.net. IN NS ns2.good.com.\n'))

    def child(zone, serial=1, ns=None, own=None):
        names, glue = DELEGATIONS[zone]
        return zone_text(zone, serial, ns or names, own or glue)

    for server in (nsd, bind):
        server.add_zone('good.com', child('good.com'))
        server.add_zone('outside.net', zone_text('outside.net', 1, ['ns1.good.com', 'ns2.good.com']))
        server.add_zone('badglue.com', child('badglue.com', own={
            'ns1.badglue.com': [NS1], 'ns2.badglue.com': ['127.53.0.22']}))
        extra_own = {'ns1.extra.com': [NS1], 'ns2.extra.com': [NS2], 'ns9.extra.com': ['127.53.0.19']}
        server.add_zone('extra.com', child('extra.com', ns=sorted(extra_own), own=extra_own))
        server.add_zone('hosted.com', child('hosted.com'))
        # other.com's own record for ns2.other.com is not its glue (127.53.0.12) at the parent
        server.add_zone('other.com', child('other.com', own={'ns1.other.com': [NS1], 'ns2.other.com': [NS3]}))
        server.add_zone('client.com', child('client.com'))
    nsd.add_zone('serial.com', child('serial.com', serial=2024010101))
    bind.add_zone('serial.com', child('serial.com', serial=2024010102))
    nsd.add_zone('lame.com', child('lame.com'))            # the BIND on NS2 does not serve it: REFUSED
    nsd.add_zone('rec.com', child('rec.com'))
    recursor.add_zone('rec.com', child('rec.com'))
    nsd.add_zone('axfr.com', child('axfr.com'), allow_axfr=True)
    bind.add_zone('axfr.com', child('axfr.com'))
    nsd.add_zone('single.com', child('single.com'))
    lab.start()
    yield lab
    lab.stop()


def run(lab, zones, **kwargs):
    checker = dnscheck.Checker(parent_servers=[(PARENT, lab.port)], port=lab.port, timeout=2,
                               concurrency=16, **kwargs)
    return dict((data['zone'], findings) for data, findings in checker.check(zones))


def problems(findings):
    return sorted((f['test'], f['level']) for f in findings if f['level'] in ('warning', 'error'))


def messages(findings, test):
    return ' | '.join(f['message'] for f in findings if f['test'] == test)


def test_healthy_delegation_passes_every_check(lab):
    findings = run(lab, ['good.com'])['good.com']
    assert problems(findings) == []
    passed = set(f['test'] for f in findings if f['level'] == 'ok')
    assert passed == set(['BASIC01', 'BASIC02', 'CONNECTIVITY01', 'CONNECTIVITY02', 'CONSISTENCY01',
                          'CONSISTENCY04', 'CONSISTENCY05', 'DELEGATION01', 'DELEGATION02', 'DELEGATION07',
                          'NAMESERVER01', 'NAMESERVER03'])


def test_wrong_glue_is_consistency05(lab):
    findings = run(lab, ['badglue.com'])['badglue.com']
    assert problems(findings) == [('CONSISTENCY05', 'error'), ('CONSISTENCY05', 'error')]
    text = messages(findings, 'CONSISTENCY05')
    assert 'glue for ns2.badglue.com at the parent is 127.53.0.12' in text
    assert 'say 127.53.0.22' in text


def test_out_of_zone_glue_is_compared_with_the_names_own_addresses(lab):
    results = run(lab, ['hosted.com', 'client.com'])
    assert problems(results['hosted.com']) == []
    assert 'glue matches' in messages(results['hosted.com'], 'CONSISTENCY05')
    assert problems(results['client.com']) == [('CONSISTENCY05', 'error')]
    assert messages(results['client.com'], 'CONSISTENCY05') == (
        'glue for ns2.other.com at the parent is 127.53.0.12, but its own A/AAAA records (resolved without that '
        'glue) say 127.53.0.13; update the glue host ns2.other.com at its domain\'s registrar')


def expected_run(lab, zones, expected):
    checker = dnscheck.Checker(port=lab.port, timeout=2, concurrency=16, nameservers_from='expected',
                               expected=expected)
    return dict((data['zone'], (data, findings)) for data, findings in checker.check(zones))


def test_expected_mode_checks_the_servers_before_any_delegation(lab):
    expected = [{'name': 'ns1.good.com', 'addresses': [NS1]}, {'name': 'ns2.good.com', 'addresses': [NS2]}]
    data, findings = expected_run(lab, ['good.com'], expected)['good.com']
    assert problems(findings) == []
    # no parent was asked: the only "referral" is the expected name servers
    assert [r['server'] for r in data['referrals']] == ['expected_nameservers']
    assert set(s['address'] for s in data['servers']) == set([NS1, NS2])


def test_expected_mode_finds_a_server_that_does_not_serve_the_zone(lab):
    expected = [{'name': 'ns1.lame.com', 'addresses': [NS1]}, {'name': 'ns2.lame.com', 'addresses': [NS2]}]
    data, findings = expected_run(lab, ['lame.com'], expected)['lame.com']
    assert ('BASIC02', 'error') in problems(findings)
    # and the zone's own A records disagreeing with the inventory's addresses are CONSISTENCY05
    expected = [{'name': 'ns1.badglue.com', 'addresses': [NS1]}, {'name': 'ns2.badglue.com', 'addresses': [NS2]}]
    data, findings = expected_run(lab, ['badglue.com'], expected)['badglue.com']
    assert ('CONSISTENCY05', 'error') in problems(findings)


def test_name_servers_without_glue_are_found_through_the_parent_servers(lab):
    # The system resolver knows nothing of good.com here: the addresses come from following the
    # parent's referral for ns1.good.com to good.com's own servers.
    checker = dnscheck.Checker(parent_servers=[(PARENT, lab.port)], port=lab.port, timeout=2, concurrency=16)
    (data, findings), = checker.check(['outside.net'])
    assert problems(findings) == []
    assert data['addresses']['ns1.good.com'] == {'addresses': [NS1], 'source': 'resolver', 'error': None}
    assert data['addresses']['ns2.good.com']['addresses'] == [NS2]


def test_parent_discovery_through_a_resolver(lab):
    # dnspython's resolver API as each supported version has it (zone_for_name, resolve with lifetime and
    # search), pointed at the com parent, which answers authoritatively for com itself.
    import dns.resolver
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [PARENT]
    resolver.port = lab.port
    assert dnscheck.discover_parent_servers('com', resolver, 2) == ('com', [(PARENT, 53)])


def test_serial_mismatch_is_consistency01(lab):
    findings = run(lab, ['serial.com'])['serial.com']
    assert problems(findings) == [('CONSISTENCY01', 'error')]
    text = messages(findings, 'CONSISTENCY01')
    assert '2024010101 on ns1.serial.com (127.53.0.11@%d)' % lab.port in text
    assert '2024010102 on ns2.serial.com' in text


def test_server_without_the_zone_is_basic02(lab):
    findings = run(lab, ['lame.com'])['lame.com']
    assert ('BASIC02', 'error') in problems(findings)
    assert 'ns2.lame.com (127.53.0.12@%d) answered the SOA query for lame.com with REFUSED' % lab.port \
        in messages(findings, 'BASIC02')


def test_open_recursion_is_nameserver01(lab):
    findings = run(lab, ['rec.com'])['rec.com']
    assert problems(findings) == [('NAMESERVER01', 'error')]
    assert 'ns3.rec.com (127.53.0.13@%d) offers recursion' % lab.port in messages(findings, 'NAMESERVER01')


def test_open_axfr_is_nameserver03(lab):
    findings = run(lab, ['axfr.com'])['axfr.com']
    assert problems(findings) == [('NAMESERVER03', 'error')]
    text = messages(findings, 'NAMESERVER03')
    assert 'ns1.axfr.com (127.53.0.11@%d) allows anyone to transfer axfr.com' % lab.port in text
    assert 'ns2.axfr.com' not in text


def test_skipping_axfr_sends_no_transfer(lab):
    findings = run(lab, ['axfr.com'], skip=['NAMESERVER03'])['axfr.com']
    assert problems(findings) == []
    assert not [f for f in findings if f['test'] == 'NAMESERVER03']


def test_child_lists_extra_name_server_is_delegation07(lab):
    findings = run(lab, ['extra.com'])['extra.com']
    assert problems(findings) == [('DELEGATION07', 'warning')]
    assert 'ns9.extra.com' in messages(findings, 'DELEGATION07')


def test_one_name_server_is_delegation01(lab):
    findings = run(lab, ['single.com'])['single.com']
    assert ('DELEGATION01', 'error') in problems(findings)
    assert ('DELEGATION02', 'error') in problems(findings)


def test_undelegated_zone_is_basic01(lab):
    findings = run(lab, ['missing.com'])['missing.com']
    assert problems(findings) == [('BASIC01', 'error')]
    assert 'NXDOMAIN' in messages(findings, 'BASIC01')


def test_expected_nameservers(lab):
    good = [{'name': 'ns1.good.com', 'addresses': [NS1]}, {'name': 'NS2.good.com.', 'addresses': [NS2]}]
    assert problems(run(lab, ['good.com'], expected=good)['good.com']) == []
    wrong = [{'name': 'ns1.good.com', 'addresses': ['127.53.0.99']}, {'name': 'ns3.good.com', 'addresses': []}]
    findings = run(lab, ['good.com'], expected=wrong)['good.com']
    text = messages(findings, 'EXPECTED01')
    assert 'the parent does not publish ns3.good.com' in text
    assert 'ns1.good.com: expected 127.53.0.99, the glue at the parent is 127.53.0.11' in text


def test_many_zones_at_once_in_order(lab):
    zones = sorted(DELEGATIONS) + ['missing.com']
    results = run(lab, zones)
    assert list(results) == zones
    assert problems(results['good.com']) == []
    assert ('CONSISTENCY01', 'error') in problems(results['serial.com'])


def test_wait_reports_what_did_not_converge(lab):
    checker = dnscheck.Checker(parent_servers=[(PARENT, lab.port)], port=lab.port, timeout=2)
    reports, rounds = dnscheck.check_until_converged(
        checker.check, ['good.com', 'serial.com'], wait=True, wait_timeout=1.5,
        delays=iter([0.5] * 10))
    assert [r['ok'] for r in reports] == [True, False]
    assert len(rounds) >= 3
    assert rounds[0]['checked'] == 2 and rounds[1]['checked'] == 1
    assert rounds[-1]['pending'] == {'serial.com': ['CONSISTENCY01']}


def run_module(lab, **args):
    """The module as a user runs it: ansible localhost -m dnsops.nameservers.delegation_check -> (rc, result)."""
    ansible = os.path.join(os.path.dirname(sys.executable), 'ansible')
    if not os.path.exists(ansible):
        pytest.skip('ansible is not installed next to %s' % sys.executable)
    tree = tempfile.mkdtemp(prefix='dnscheck-coll-')
    os.makedirs(os.path.join(tree, 'ansible_collections', 'dnsops'))
    os.symlink(ROOT, os.path.join(tree, 'ansible_collections', 'dnsops', 'nameservers'))
    args = dict({'parent_servers': ['%s@%d' % (PARENT, lab.port)], 'port': lab.port, 'timeout': 2}, **args)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=tree, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_NOCOLOR='1')
    proc = subprocess.run([ansible, 'localhost', '-m', 'dnsops.nameservers.delegation_check', '-a', json.dumps(args)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tree, check=False)
    stdout = proc.stdout.decode()
    assert ' => ' in stdout, stdout + proc.stderr.decode()
    return proc.returncode, json.loads(stdout.split(' => ', 1)[1])


def test_module_through_ansible(lab):
    rc, result = run_module(lab, zones=['good.com', 'serial.com'])
    assert rc == 2 and result.get('failed', True) is True and result['failed_checks'] == 1
    assert 'serial.com: CONSISTENCY01' in result['msg']
    assert [z['zone'] for z in result['zones']] == ['good.com', 'serial.com']
    assert result['zones'][0]['ok'] is True
    assert result['zones'][1]['serials'] == {'ns1.serial.com (127.53.0.11@%d)' % lab.port: 2024010101,
                                             'ns2.serial.com (127.53.0.12@%d)' % lab.port: 2024010102}


def test_module_wait_says_what_did_not_converge(lab):
    rc, result = run_module(lab, zones=['good.com', 'serial.com', 'lame.com'], wait=True, wait_timeout=3)
    assert rc == 2 and result['converged'] is False
    assert result['not_converged'] == {'lame.com': ['BASIC02'], 'serial.com': ['CONSISTENCY01']}
    assert result['msg'].startswith('2 zone(s) did not converge within wait_timeout=3s (%d rounds over '
                                    % len(result['rounds']))
    assert 's): lame.com: BASIC02; serial.com: CONSISTENCY01. 2 finding(s) at error level or above: ' in result['msg']
    # every round's pending zones are in the result: the first checked all three, the later ones two
    assert len(result['rounds']) >= 2 and [r['checked'] for r in result['rounds']][:2] == [3, 2]
    assert all(r['pending'] == result['not_converged'] for r in result['rounds'])
