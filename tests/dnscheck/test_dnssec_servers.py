# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""delegation_check's DNSSEC checks against real daemons: a BIND that signs the zones itself
(dnssec-policy default, inline signing), an NSD secondary that transfers the signed zones from it,
and a BIND for the parent org., signed the same way, whose delegations carry DS records that
match, carry a wrong key tag or digest, are missing, or belong to a zone that is not signed.

Run (as root, installs nsd/bind9/dnsutils when missing):
    tests/dnscheck/setup.sh && python3 -m pytest -q tests/dnscheck
"""

import os
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from checkout import import_module_utils  # noqa: E402
from servers import Lab, zone_text  # noqa: E402

dnscheck = import_module_utils('_dnscheck')

import dns.dnssec  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdata  # noqa: E402
import dns.rdatatype  # noqa: E402

pytestmark = pytest.mark.skipif(not dnscheck.HAS_CRYPTOGRAPHY, reason='the Python package cryptography is not '
                                                                      'installed: dnspython verifies no signature')

PARENT, NS1, NS2 = '127.55.0.10', '127.55.0.11', '127.55.0.12'
SIGNED = ['good.org', 'badtag.org', 'baddigest.org', 'nods.org']
UNSIGNED = ['plain.org', 'dsonly.org']
EXPIRED = 'expired.org'
#: a DS of no key of dsonly.org (that zone is not signed)
STRAY_DS = '12345 13 2 ' + '3490a6806d47f17a34c29e2ce80e8a999ffbe4be49a3f0c5ab2c4e1ed3f64d51'


def names(zone):
    return ['ns1.' + zone, 'ns2.' + zone]


def child_zone(zone, serial=1):
    return zone_text(zone, serial, names(zone), {'ns1.' + zone: [NS1], 'ns2.' + zone: [NS2]},
                     'www IN A 192.0.2.80\n')


def ask(address, port, zone, rdtype):
    query = dns.message.make_query(zone, rdtype, want_dnssec=True)
    query.flags &= ~dns.flags.RD
    return dns.query.tcp(query, address, port=port, timeout=2)


def wait_signed(address, port, zone, timeout=60):
    """The DNSKEY RRset of ``zone`` once ``address`` serves it signed (and its SOA signed too)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            keys = ask(address, port, zone, 'DNSKEY')
            soa = ask(address, port, zone, 'SOA')
            dnskeys = [r for r in keys.answer if r.rdtype == dns.rdatatype.DNSKEY]
            if dnskeys and [r for r in keys.answer if r.rdtype == dns.rdatatype.RRSIG] \
                    and [r for r in soa.answer if r.rdtype == dns.rdatatype.RRSIG]:
                return dnskeys[0]
        except (OSError, dns.exception.DNSException):
            pass
        time.sleep(0.2)
    raise RuntimeError('%s is not served signed by %s@%d within %ss' % (zone, address, port, timeout))


def wait_transferred(zone, port, timeout=60):
    """Until the secondary (NS2) serves the primary's (NS1) serial of ``zone``."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        serials = set()
        for address in (NS1, NS2):
            try:
                serials.update(r[0].serial for r in ask(address, port, zone, 'SOA').answer
                               if r.rdtype == dns.rdatatype.SOA)
            except (OSError, dns.exception.DNSException):
                serials.add(None)
        if len(serials) == 1 and None not in serials:
            return
        time.sleep(0.2)
    raise RuntimeError('%s: the secondary does not serve the primary\'s serial within %ss' % (zone, timeout))


def ds_of(zone, dnskeys, digest='SHA256'):
    """The DS of the key with the SEP flag (BIND's CSK) in ``dnskeys``."""
    key = [k for k in dnskeys if k.flags & 0x0001][0]
    return dns.dnssec.make_ds(zone + '.', key, digest)


def utc_stamp(seconds):
    """YYYYMMDDHHMMSS (UTC) ``seconds`` from now, as dnssec-signzone takes its times."""
    return time.strftime('%Y%m%d%H%M%S', time.gmtime(time.time() + seconds))


def presigned_expired(zone, workdir):
    """``zone`` signed by dnssec-signzone with signatures that expired a day ago (keys in ``workdir``)."""
    keys = tempfile.mkdtemp(prefix='keys-', dir=workdir)
    unsigned = os.path.join(keys, zone + '.zone')
    with open(unsigned, 'w') as handle:
        handle.write(child_zone(zone))
    subprocess.run(['dnssec-keygen', '-q', '-K', keys, '-a', 'ECDSAP256SHA256', '-f', 'KSK', '-n', 'ZONE', zone],
                   check=True, stdout=subprocess.DEVNULL)
    signed = unsigned + '.signed'
    # -P: no verification after signing (it rejects the expired signatures); -d: the dsset file's directory
    subprocess.run(['dnssec-signzone', '-q', '-P', '-z', '-S', '-K', keys, '-d', keys, '-s', utc_stamp(-30 * 86400),
                    '-e', utc_stamp(-86400), '-o', zone, '-f', signed, unsigned], check=True, stdout=subprocess.DEVNULL)
    with open(signed) as handle:
        return handle.read()


@pytest.fixture(scope='module')
def lab():
    lab = Lab([PARENT, NS1, NS2])
    primary = lab.bind(NS1)
    secondary = lab.nsd(NS2)
    parent = lab.bind(PARENT)
    for zone in SIGNED:
        primary.add_zone(zone, child_zone(zone), signed=True, secondaries=[NS2])
    for zone in UNSIGNED:
        primary.add_zone(zone, child_zone(zone), secondaries=[NS2])
    primary.add_zone(EXPIRED, presigned_expired(EXPIRED, lab.workdir), secondaries=[NS2])
    for zone in SIGNED + UNSIGNED + [EXPIRED]:
        secondary.add_zone(zone, None, primary=(NS1, lab.port))
    try:
        # 1. BIND signs the zones, 2. NSD transfers them signed, 3. the parent gets their DS, signed by it
        lab.start([primary])
        keys = dict((zone, wait_signed(NS1, lab.port, zone)) for zone in SIGNED + [EXPIRED])
        lab.start([secondary])
        for zone in SIGNED + UNSIGNED + [EXPIRED]:
            wait_transferred(zone, lab.port)
        ds = {
            'good.org': [ds_of('good.org', keys['good.org'])],
            'badtag.org': [ds_of('badtag.org', keys['badtag.org']).replace(
                key_tag=(dns.dnssec.key_id([k for k in keys['badtag.org'] if k.flags & 1][0]) + 1) % 65536)],
            'baddigest.org': [ds_of('baddigest.org', keys['baddigest.org']).replace(digest=bytes(32))],
            'expired.org': [ds_of('expired.org', keys['expired.org'])],
            'dsonly.org': [dns.rdata.from_text('IN', 'DS', STRAY_DS)],
        }
        org = [zone_text('org', 1, ['ns.nic.org'], {'ns.nic.org': [PARENT]})]
        for zone in SIGNED + UNSIGNED + [EXPIRED]:
            org.append(''.join('%s. IN NS %s.\n' % (zone, n) for n in names(zone)))
            org.append('ns1.%s. IN A %s\nns2.%s. IN A %s\n' % (zone, NS1, zone, NS2))
            org.append(''.join('%s. IN DS %s\n' % (zone, record.to_text()) for record in ds.get(zone, [])))
        parent.add_zone('org', ''.join(org), signed=True)
        lab.start([parent])
        wait_signed(PARENT, lab.port, 'org')
    except Exception:
        lab.stop()
        raise
    lab.keys = keys
    yield lab
    lab.stop()


def run(lab, zones, **kwargs):
    """zone -> findings."""
    checker = dnscheck.Checker(parent_servers=[(PARENT, lab.port)], port=lab.port, timeout=2, concurrency=16,
                               **kwargs)
    return dict((data['zone'], findings) for data, findings in checker.check(zones))


def problems(findings):
    return sorted((f['test'], f['level']) for f in findings if f['level'] in ('warning', 'error'))


def dnssec(findings):
    return sorted((f['test'], f['level']) for f in findings if f['test'].startswith('DNSSEC'))


def messages(findings, test, level=None):
    return ' | '.join(f['message'] for f in findings if f['test'] == test and level in (None, f['level']))


def servers(zone, port):
    return 'ns1.%s (%s@%d), ns2.%s (%s@%d)' % (zone, NS1, port, zone, NS2, port)


def test_signed_zone_with_its_ds_passes_every_check(lab):
    findings = run(lab, ['good.org'])['good.org']
    assert problems(findings) == []
    assert dnssec(findings) == [(test, 'ok') for test in ('DNSSEC01', 'DNSSEC02', 'DNSSEC05', 'DNSSEC07', 'DNSSEC08',
                                                          'DNSSEC09', 'DNSSEC11', 'DNSSEC13')]
    tag = dns.dnssec.key_id([k for k in lab.keys['good.org'] if k.flags & 1][0])
    assert messages(findings, 'DNSSEC02') == ('the DS at the parent (key tag %d) matches a DNSKEY of good.org that '
                                              'signs the DNSKEY RRset on every name server' % tag)
    assert messages(findings, 'DNSSEC07') == 'good.org is signed and the parent publishes a signed DS for it'


def test_ds_with_a_wrong_key_tag(lab):
    findings = run(lab, ['badtag.org'])['badtag.org']
    assert problems(findings) == [('DNSSEC02', 'error'), ('DNSSEC02', 'warning')]
    assert 'matches no DNSKEY of badtag.org on %s' % servers('badtag.org', lab.port) in messages(findings, 'DNSSEC02')
    assert messages(findings, 'DNSSEC02', 'error').startswith('no DS at the parent (key tag ')


def test_ds_with_a_wrong_digest(lab):
    findings = run(lab, ['baddigest.org'])['baddigest.org']
    assert problems(findings) == [('DNSSEC02', 'error'), ('DNSSEC02', 'error')]
    assert 'does not match the DNSKEY with that tag of baddigest.org (algorithm or digest differs) on %s' % servers(
        'baddigest.org', lab.port) in messages(findings, 'DNSSEC02')


def test_ds_for_a_zone_that_is_not_signed(lab):
    findings = run(lab, ['dsonly.org'])['dsonly.org']
    assert problems(findings) == [('DNSSEC11', 'error')]
    assert messages(findings, 'DNSSEC11') == (
        'the parent publishes DS for dsonly.org, but the zone is not signed (no DNSKEY on %s): validating resolvers '
        'fail every query for it (SERVFAIL); remove the DS at the registrar or sign the zone'
        % servers('dsonly.org', lab.port))


def test_signed_zone_without_ds(lab):
    findings = run(lab, ['nods.org'])['nods.org']
    assert problems(findings) == [('DNSSEC07', 'warning')]
    assert messages(findings, 'DNSSEC07').startswith('nods.org is signed, but the parent publishes no DS for it')


def test_unsigned_zone_without_ds_is_only_an_info(lab):
    findings = run(lab, ['plain.org'])['plain.org']
    assert problems(findings) == []
    assert dnssec(findings) == [('DNSSEC07', 'info')]


def test_expired_signatures(lab):
    findings = run(lab, [EXPIRED])[EXPIRED]
    assert problems(findings) == [('DNSSEC08', 'error'), ('DNSSEC09', 'error')]
    assert ' expired at ' in messages(findings, 'DNSSEC09') and servers(EXPIRED, lab.port) in messages(
        findings, 'DNSSEC09')
    assert ('DNSSEC02', 'ok') in dnssec(findings)       # the key and the DS match; only the time is wrong


def test_expected_ds(lab):
    findings = run(lab, ['good.org', 'nods.org', 'plain.org'], expected_ds='present')
    assert problems(findings['good.org']) == []
    assert ('EXPECTED02', 'error') in problems(findings['nods.org'])
    findings = run(lab, ['good.org', 'plain.org'], expected_ds='absent')
    assert messages(findings['good.org'], 'EXPECTED02', 'error').startswith(
        'parent servers %s@%d still publish DS for good.org (key tag ' % (PARENT, lab.port))
    assert messages(findings['plain.org'], 'EXPECTED02') == 'no parent server publishes DS for plain.org, as expected'


def test_all_zones_at_once_and_the_dnssec_queries(lab):
    zones = SIGNED + UNSIGNED + [EXPIRED]
    checker = dnscheck.Checker(parent_servers=[(PARENT, lab.port)], port=lab.port, timeout=2, concurrency=16)
    results = dict((data['zone'], (data, findings)) for data, findings in checker.check(zones))
    assert sorted(results) == sorted(zones)
    # one DS query per zone at the parent, one DNSKEY query per zone at each of the two servers
    data = results['good.org'][0]
    assert [answer['server'] for answer in data['ds']] == ['%s@%d' % (PARENT, lab.port)]
    assert all(server['dnskey']['do'] and server['dnskey']['aa'] for server in data['servers'])
    skipped = dnscheck.Checker(parent_servers=[(PARENT, lab.port)], port=lab.port, timeout=2, concurrency=16,
                               skip=[t for t in dnscheck.TESTS if t.startswith('DNSSEC')] + ['EXPECTED02'])
    skipped.check(zones)
    assert checker.transport.count - skipped.transport.count == 3 * len(zones)
