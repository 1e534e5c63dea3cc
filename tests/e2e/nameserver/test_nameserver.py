# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end tests of the nameserver role in the lab (the lab must be up: make lab-up).

The suite runs twice, once per layout of the three daemons (the ``layout`` fixture, module-scoped:
every test of the first layout runs, then every test of the second, each from a clean slate):

- ``knot34``: ns1 BIND 9.18 (Debian 12), ns2 NSD 4.6 (Debian 12), ns3 Knot DNS 3.4 (Debian 13);
- ``knot32``: ns1 BIND 9.18, ns2 Knot DNS 3.2 (Debian 12), ns3 NSD 4.12 (Debian 13).

ns1 is the default primary (alpha, beta, the reverse zone, gamma); ns2 the primary of delta.test and
epsilon.test; ns3 the primary of kappa.test; every server is a secondary of the others' zones, so each
daemon is primary and secondary in each layout and Knot serves BIND's and NSD's zones and the reverse.
beta.test is signed by BIND and the Knot host's own zone (kappa or delta) by Knot, from the first run on, so
every later test (second run, restarts, primaries down) also runs with signed zones.
Catalog zones are on: BIND and Knot consume every other primary's catalog, NSD 4.12 the first other
one's (ns1's); NSD 4.6 gets explicit zones. The tests of a layout run in order and share the lab's state.
What the role does whatever the daemons (the input checks, the TSIG key it keeps, which zones a change
reloads, a zone written by a failed run) is tested in the first layout only (only_in_the_first_layout); the
second layout reruns what depends on the daemons' versions: converging and answering (test_01-04), idempotent
templates (test_05, Knot's configuration differs before 3.4), kzonecheck's message (test_07), catalogs
consumed by NSD 4.12 and Knot 3.2 (test_08, test_09), and restarts and crashes of NSD 4.12 on Debian 13 and
Knot 3.2 on Debian 12 (test_10, test_11).
"""

import base64
import copy
import json
import os
import re
import shlex
import subprocess
import time

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.zone
import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
LAB_INVENTORY = os.path.join(ROOT, 'tests', 'lab', 'inventory.yml')
SERVERS = {'ns1': '198.51.100.10', 'ns2': '198.51.100.11', 'ns3': '198.51.100.12'}
# Where each server keeps the TSIG secret (nameserver_tsig_store_dir): the controller keeps nothing.
KEPT_SECRET = '/etc/dnsops-nameservers/dnsops-transfer.secret'
WORK = '/tmp/dnsops-e2e-nameserver'

# The software of each host, per layout; the inventory (inventory.yml) gives the rest.
LAYOUTS = {
    'knot34': {'ns1': 'bind', 'ns2': 'nsd', 'ns3': 'knot'},
    'knot32': {'ns1': 'bind', 'ns2': 'knot', 'ns3': 'nsd'},
}
# What each software's daemon is called by the init system, and where its pid is.
DAEMONS = {'bind': {'service': 'named', 'pid_file': '/run/named/named.pid'},
           'nsd': {'service': 'nsd', 'pid_file': '/run/nsd/nsd.pid'},
           'knot': {'service': 'knot', 'pid_file': '/run/knot/knot.pid'}}
# The zone each host is the (only) primary of, besides ns1's default ones.
OWN_ZONE = {'ns1': 'beta.test', 'ns2': 'delta.test', 'ns3': 'kappa.test'}

with open(os.path.join(HERE, 'zones.yml')) as _handle:
    ORIGINAL = yaml.safe_load(_handle)['nameserver_zones']
BASE = copy.deepcopy(ORIGINAL)
BASE_NAMES = [z['name'] for z in ORIGINAL]


class Layout(object):
    """The daemons of this run: ``software`` {host: software}, ``inventory`` (an overlay for -i)."""

    def __init__(self, name):
        self.name = name
        self.software = LAYOUTS[name]
        os.makedirs(WORK, exist_ok=True)
        self.inventory = os.path.join(WORK, 'layout-%s.yml' % name)
        hosts = dict((host, {'nameserver_software': software}) for host, software in self.software.items())
        with open(self.inventory, 'w') as handle:
            yaml.safe_dump({'all': {'children': {'nameservers': {'hosts': hosts}}}}, handle)

    def hosts_of(self, software):
        return sorted(h for h, s in self.software.items() if s == software)

    @property
    def knot(self):
        """The host that runs Knot DNS in this layout."""
        return self.hosts_of('knot')[0]


CURRENT = {}
FIRST_LAYOUT = sorted(LAYOUTS, reverse=True)[0]


def only_in_the_first_layout(layout):
    """For what the role does the same whatever the daemons (input checks, the TSIG key it keeps): once is enough."""
    if layout.name != FIRST_LAYOUT:
        pytest.skip('the same for every layout: run in %s' % FIRST_LAYOUT)


@pytest.fixture(scope='module', params=sorted(LAYOUTS, reverse=True))
def layout(request):
    """One layout for every test of the module, from a clean slate, with the zones as zones.yml has them."""
    current = Layout(request.param)
    BASE[:] = copy.deepcopy(ORIGINAL)
    # The Knot host's own zone is signed by Knot (BIND signs beta.test, zones.yml).
    next(z for z in BASE if z['name'] == OWN_ZONE[current.knot]).update(dnssec=True, dnssec_policy='lab', ttl=10)
    CURRENT['layout'] = current
    clean_slate()
    return current


LAST_OUTPUT = ['']


def last_output():
    """Everything the last run_play printed."""
    return LAST_OUTPUT[0]


def run_play(zones, limit=None, check=True, extra=None):
    """Apply the role with these zones (and extra variables); returns (rc, per-host stats, output)."""
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, 'zones.json')
    with open(path, 'w') as handle:
        json.dump(dict(extra or {}, nameserver_zones=zones), handle)
    env = dict(os.environ)
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.abspath(os.path.join(ROOT, '..', '..', '..')))
    env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.builtin.default'
    env['ANSIBLE_CALLBACK_RESULT_FORMAT'] = 'json'
    env['ANSIBLE_CALLBACK_FORMAT_PRETTY'] = 'false'
    env['ANSIBLE_PIPELINING'] = 'true'
    env['ANSIBLE_NOCOLOR'] = '1'
    cmd = ['ansible-playbook', '-v', '-i', LAB_INVENTORY, '-i', os.path.join(HERE, 'inventory.yml'),
           '-i', CURRENT['layout'].inventory, '-e', '@' + path, os.path.join(HERE, 'site.yml')]
    if limit:
        cmd += ['--limit', limit]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    data = parse_output(proc.stdout)
    LAST_OUTPUT[:] = [proc.stdout + proc.stderr]
    if check:
        assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]
    return proc.returncode, data


def parse_output(text):
    """{'stats': {host: {...}}, 'tasks': {task name: {host: result}}} from the default callback's -v output."""
    stats, tasks, current = {}, {}, None
    for line in text.splitlines():
        match = re.match(r'^(?:TASK|RUNNING HANDLER) \[(.*)\] \*+', line)
        if match:
            current = tasks.setdefault(match.group(1).split(' : ')[-1], {})
            continue
        match = re.match(r'^(ok|changed|fatal|failed|skipping): \[([^]]+)\](?:: FAILED!)?(?: => (\{.*\}))?$', line)
        if match and current is not None:
            try:
                current[match.group(2)] = json.loads(match.group(3) or '{}')
            except ValueError:
                current[match.group(2)] = {}
            continue
        match = re.match(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', line)
        if match:
            stats[match.group(1)] = {'changed': int(match.group(3)), 'failed': int(match.group(5))}
    return {'stats': stats, 'tasks': tasks}


def task_results(data, name):
    return data['tasks'].get(name, {})


def query(server, name, rtype, rd=False):
    msg = dns.message.make_query(name, rtype)
    if not rd:
        msg.flags &= ~dns.flags.RD
    return dns.query.udp(msg, SERVERS[server], timeout=3)


def serial(server, zone):
    resp = query(server, zone, 'SOA')
    if resp.rcode() != dns.rcode.NOERROR or not resp.answer:
        return None
    return resp.answer[0][0].serial


def wait_for(predicate, timeout=60):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(1)


def kept_secrets():
    """{server: (the secret it keeps, its mode and owner)}."""
    kept = {}
    for server in SERVERS:
        out = on_host(server, 'ansible.builtin.shell', 'stat -c "%%a %%U" %s && cat %s' % (KEPT_SECRET, KEPT_SECRET))
        lines = out.strip().splitlines()
        assert '| CHANGED |' in lines[0], out
        kept[server] = (lines[2].strip(), lines[1].strip())
    return kept


def keyring():
    kept = kept_secrets()
    assert len(set(secret for secret, _mode in kept.values())) == 1, 'the servers keep different secrets'
    secret = kept['ns1'][0]
    base64.b64decode(secret, validate=True)
    return dns.tsigkeyring.from_text({'dnsops-transfer': ('hmac-sha256', secret)}), secret


def zones_with(changes=None, drop=(), extra=()):
    zones = [copy.deepcopy(z) for z in BASE if z['name'] not in drop]
    for zone in zones:
        zone.update((changes or {}).get(zone['name'], {}))
    return zones + list(extra)


def all_serials(zones):
    return dict(((s, z), serial(s, z)) for s in SERVERS for z in zones)


CLEAN = ('service named stop; service nsd stop; service knot stop; '
         'rm -rf /etc/bind/dnsops /var/lib/bind/dnsops /var/cache/bind/dnsops /var/cache/bind/dnsops-catalog '
         '/var/cache/bind/_default.nz* /etc/nsd/dnsops /var/lib/nsd/dnsops /var/lib/nsd/dnsops-secondary '
         '/var/lib/nsd/dnsops-catalog /var/lib/nsd/zone.list /var/lib/nsd/nsd.db /etc/knot/dnsops /var/lib/knot/dnsops '
         '/var/lib/knot/dnsops-secondary /var/lib/knot/dnsops-catalog /var/lib/knot/journal /var/lib/knot/timers '
         '/var/lib/knot/catalog /var/lib/knot/keys /etc/dnsops-nameservers; true')


def clean_slate():
    """Servers without the role's state and no daemon running (an earlier layout, the benchmark or older
    runs may have left other zones and another daemon on port 53)."""
    proc = subprocess.run(['ansible', '-i', LAB_INVENTORY, 'nameservers', '-m', 'ansible.builtin.shell', '-a', CLEAN],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout


def on_host(host, module, args):
    return subprocess.run(['ansible', '-i', LAB_INVENTORY, host, '-m', module, '-a', args],
                          stdout=subprocess.PIPE, universal_newlines=True, cwd=ROOT, check=False).stdout


def shell(server, command):
    out = on_host(server, 'ansible.builtin.shell', command)
    assert '| CHANGED |' in out, out
    return out


def changed_hosts(data, task):
    return sorted(h for h, r in task_results(data, task).items() if r.get('changed'))


def test_01_converges(layout):
    """From servers without the role's configuration (the package may have started its daemon with its own): each
    is started once with its whole configuration, and the run ends only when every server answers for every zone
    it serves (no restart at the end)."""
    _rc, data = run_play(zones_with())
    started = task_results(data, 'Start the server with its configuration')
    assert changed_hosts(data, 'Start the server with its configuration') == sorted(SERVERS), started
    assert changed_hosts(data, 'Restart the name server') == [], task_results(data, 'Restart the name server')
    assert changed_hosts(data, 'Reconfigure the name server') == []
    ready = task_results(data, 'Wait until the started server answers for every zone')
    # Every zone of zones.yml, and the catalog it produces.
    assert all(r['zones_waited_for'] == len(BASE_NAMES) + 1 for r in ready.values()) and sorted(ready) == sorted(SERVERS), ready
    assert all(serial(s, z) for s in SERVERS for z in BASE_NAMES)


def test_02_every_server_answers_with_authority_and_one_serial(layout):
    def consistent():
        serials = all_serials(BASE_NAMES)
        return all(serials.values()) and all(len(set(serials[(s, z)] for s in SERVERS)) == 1 for z in BASE_NAMES)
    assert wait_for(consistent), all_serials(BASE_NAMES)
    for server in SERVERS:
        for zone in BASE_NAMES:
            for rtype in ('SOA', 'NS'):
                resp = query(server, zone, rtype)
                assert resp.rcode() == dns.rcode.NOERROR and resp.flags & dns.flags.AA, (server, zone, rtype, resp)
            ns = sorted(r.target.to_text() for r in query(server, zone, 'NS').answer[0])
            assert ns == ['ns1.alpha.test.', 'ns2.nsd-lab.test.', 'ns3.alpha.test.'], (server, zone, ns)
        checks = [('www.alpha.test', 'CNAME', 'alpha.test.'), ('mail.alpha.test', 'AAAA', '2001:db8:100::81'),
                  ('ns1.alpha.test', 'A', '198.51.100.10'), ('ns1.alpha.test', 'AAAA', '2001:db8:100::10'),
                  ('ns3.alpha.test', 'A', '198.51.100.12'), ('x.apps.alpha.test', 'A', '198.51.100.90'),
                  ('_sip._tcp.alpha.test', 'SRV', '10 5 5060 sip.alpha.test.'),
                  ('80.100.51.198.in-addr.arpa', 'PTR', 'alpha.test.'), ('www.gamma.test', 'A', '198.51.100.87'),
                  ('www.epsilon.test', 'A', '198.51.100.86'), ('www.kappa.test', 'A', '198.51.100.88')]
        for name, rtype, want in checks:
            resp = query(server, name, rtype)
            assert resp.flags & dns.flags.AA and resp.answer, (server, name, rtype, resp)
            assert want in [r.to_text() for r in resp.answer[-1]], (server, name, rtype, resp)
        resp = query(server, 'mail.alpha.test', 'A')
        assert resp.answer[0].ttl == 300
        txt = query(server, 'long.alpha.test', 'TXT').answer[0][0]
        assert b''.join(txt.strings) == b'x' * 300 and len(txt.strings) == 2
        resp = query(server, 'www.sub.alpha.test', 'A')
        assert not resp.flags & dns.flags.AA and resp.authority, (server, 'delegation', resp)


def signed_zones(layout):
    """{zone: the host that signs it}: beta.test by BIND on ns1, the Knot host's own zone by Knot."""
    return {'beta.test': 'ns1', OWN_ZONE[layout.knot]: layout.knot}


def dnssec_query(server, name, rtype):
    msg = dns.message.make_query(name, rtype, want_dnssec=True)
    msg.flags &= ~dns.flags.RD
    return dns.query.tcp(msg, SERVERS[server], timeout=3)


def test_02_signed_zones_are_served_signed_by_every_server(layout):
    """BIND and Knot sign their zones; NSD, Knot and BIND secondaries serve them as transferred (the Knot secondary
    does not sign them again): every server has the signer's DNSKEY set, its RRSIG validates (dnspython), the SOA is
    signed and the signer publishes CDS and CDNSKEY for its key, about 12 s after signing with the lab's policy."""
    for zone, signer in sorted(signed_zones(layout).items()):
        name = dns.name.from_text(zone)

        def published():
            return all(dnssec_query(s, zone, 'CDS').answer and dnssec_query(s, zone, 'CDNSKEY').answer for s in SERVERS)
        assert wait_for(published, 60), (zone, layout.software[signer], 'no CDS/CDNSKEY on every server')
        keys = {}
        for server in SERVERS:
            resp = dnssec_query(server, zone, 'DNSKEY')
            dnskey = resp.get_rrset(resp.answer, name, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
            sigs = resp.get_rrset(resp.answer, name, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
            assert dnskey and sigs, (server, zone, resp)
            dns.dnssec.validate(dnskey, sigs, {name: dnskey})
            keys[server] = sorted(r.to_text() for r in dnskey)
            soa = dnssec_query(server, zone, 'SOA')
            assert [r for r in soa.answer if r.rdtype == dns.rdatatype.RRSIG], (server, zone, soa)
            dns.dnssec.validate(soa.answer[0], soa.answer[1], {name: dnskey})
            # CDS names a key of the DNSKEY set with the SEP bit (the CSK), digest SHA-256.
            cds = dnssec_query(server, zone, 'CDS').answer[0]
            sep = [k for k in dnskey if k.flags & 0x0001]
            wanted = set((ds.key_tag, ds.algorithm, ds.digest_type, ds.digest)
                         for ds in (dns.dnssec.make_ds(name, k, 'SHA256') for k in sep))
            assert sep and set((c.key_tag, c.algorithm, c.digest_type, c.digest) for c in cds) <= wanted, (server, zone, cds)
        # Every server has the signer's keys: no secondary signed the zone with keys of its own.
        assert len(set(map(tuple, keys.values()))) == 1, keys
    # The BIND signer's keys are named's own (key-directory under the zone directory), the private keys unreadable by
    # others; its signed zone and journals lie next to the role's unsigned file, which stays as the role wrote it.
    out = shell('ns1', 'stat -c "%a %U %G %n" /var/lib/bind/dnsops /var/lib/bind/dnsops/keys /var/lib/bind/dnsops/keys/*.private; '
                       'ls /var/lib/bind/dnsops; grep -c RRSIG /var/lib/bind/dnsops/beta.test.zone || true')
    assert '775 root bind /var/lib/bind/dnsops\n' in out and '750 bind bind /var/lib/bind/dnsops/keys\n' in out, out
    assert re.search(r'^600 bind bind /var/lib/bind/dnsops/keys/Kbeta\.test\.\+013\+\d+\.private$', out, re.M), out
    assert 'beta.test.zone.signed' in out and out.strip().endswith('\n0'), out


def test_03_axfr_needs_a_secondary_and_the_key(layout):
    ring, secret = keyring()
    for server in SERVERS:
        with pytest.raises(Exception):
            dns.zone.from_xfr(dns.query.xfr(SERVERS[server], 'alpha.test', timeout=5))
    # The key alone is not enough: the controller is no secondary, so every primary refuses it (Knot 3.2 says
    # so with a TSIG error, BADKEY, as it does for a key it does not know).
    for server, zone in sorted(OWN_ZONE.items()):
        with pytest.raises((dns.query.TransferError, dns.tsig.PeerError)):
            dns.zone.from_xfr(dns.query.xfr(SERVERS[server], zone, keyring=ring, keyname='dnsops-transfer', timeout=5))
    # From a secondary with the key it works, without the key it does not: each primary asked by the next host.
    for server in SERVERS:
        on_host(server, 'ansible.builtin.apt', 'name=bind9-dnsutils')
    dig = 'dig +noall +answer %s @%s %s AXFR'
    key = '-y hmac-sha256:dnsops-transfer:%s' % secret
    for primary, secondary in (('ns1', 'ns3'), ('ns2', 'ns1'), ('ns3', 'ns2')):
        zone = OWN_ZONE[primary]
        out = on_host(secondary, 'ansible.builtin.command', dig % (key, SERVERS[primary], zone))
        assert zone + '.' in out and 'SOA' in out and 'NS' in out, (layout.software[primary], out)
        out = on_host(secondary, 'ansible.builtin.command', dig % ('', SERVERS[primary], zone))
        assert 'SOA' not in out, (layout.software[primary], 'AXFR without the key', out)


def test_04_no_recursion_no_version(layout):
    for server in SERVERS:
        resp = query(server, 'www.example.org', 'A', rd=True)
        assert resp.rcode() == dns.rcode.REFUSED and not resp.answer, (server, resp)
        for name in ('version.bind', 'version.server', 'hostname.bind', 'id.server'):
            msg = dns.message.make_query(name, 'TXT', rdclass=dns.rdataclass.CH)
            resp = dns.query.udp(msg, SERVERS[server], timeout=3)
            texts = [s for rr in resp.answer for r in rr for s in r.strings]
            assert not any(re.search(br'\d+\.\d+|ns\d|localhost', t) for t in texts), (server, name, texts)


def test_05_second_run_changes_nothing(layout):
    before = all_serials(BASE_NAMES)
    _rc, data = run_play(zones_with())
    assert all(s['changed'] == 0 for s in data['stats'].values()), data['stats']
    assert all_serials(BASE_NAMES) == before


def test_05_every_server_keeps_the_one_key_for_root_only_and_the_output_never_shows_it(layout):
    only_in_the_first_layout(layout)
    kept = kept_secrets()
    assert len(set(secret for secret, _mode in kept.values())) == 1, 'the servers keep different secrets'
    assert all(mode == '600 root' for _secret, mode in kept.values()), kept.values()
    secret = kept['ns1'][0]
    _rc, data = run_play(zones_with())
    assert secret not in json.dumps(data) and secret not in last_output(), 'the TSIG secret was printed'


def test_05_a_server_keeping_another_key_fails_the_run_before_anything_changes(layout):
    only_in_the_first_layout(layout)
    before = all_serials(BASE_NAMES)
    original = kept_secrets()['ns3'][0]
    other = base64.b64encode(b'another key kept on ns3 by hand 0').decode()
    shell('ns3', 'printf "%%s\\n" %s > %s' % (other, KEPT_SECRET))
    try:
        rc, data = run_play(zones_with(), check=False)
        assert rc != 0
        [failed] = task_results(data, 'Check that the servers keep one TSIG secret').values()
        assert 'ns1, ns2 (key 1); ns3 (key 2)' in failed['msg'] and 'nameserver_tsig_rotate=true' in failed['msg'], failed
        assert other not in last_output() and original not in last_output()
        assert 'Gather the facts the role needs' not in data['tasks'], 'a host was changed'
    finally:
        shell('ns3', 'printf "%%s\\n" %s > %s' % (original, KEPT_SECRET))
    assert all_serials(BASE_NAMES) == before


def test_05_rotating_gives_every_server_one_new_key_and_the_next_run_keeps_it(layout):
    only_in_the_first_layout(layout)
    _ring, old = keyring()
    run_play(zones_with(), extra={'nameserver_tsig_rotate': True})
    _ring, new = keyring()
    assert new != old and new not in last_output()
    dig = 'dig +noall +answer -y hmac-sha256:dnsops-transfer:%s @%s alpha.test AXFR'
    on_host('ns3', 'ansible.builtin.apt', 'name=bind9-dnsutils')
    assert 'SOA' in on_host('ns3', 'ansible.builtin.command', dig % (new, SERVERS['ns1']))
    assert 'SOA' not in on_host('ns3', 'ansible.builtin.command', dig % (old, SERVERS['ns1']))
    _rc, data = run_play(zones_with())
    assert all(s['changed'] == 0 for s in data['stats'].values()), data['stats']
    assert keyring()[1] == new


def add_record(zone, name, value):
    """The zones with one A record added to ``zone``."""
    records = next(z for z in BASE if z['name'] == zone)['records']
    return {zone: {'records': records + [{'name': name, 'type': 'A', 'value': value}]}}


def keep(changes):
    """Make changes part of the base zones for the next tests."""
    for zone in BASE:
        zone.update(changes.get(zone['name'], {}))


def test_06_one_record_changed_reloads_only_that_zone(layout):
    """A record added to beta.test (BIND primary ns1) and to the zone of the Knot primary: each primary
    reloads that zone alone, no server restarts, and every server serves the new serial of those zones only.

    First layout only: which zones are written and reloaded is the role's plan, the same whatever the daemons; the
    reload commands (rndc reload ZONE, knotc zone-reload ZONE) are the same in Knot 3.2 and 3.4, and a NOTIFY then a
    transfer to NSD 4.12 and Knot 3.2 secondaries is proven in the second layout by test_02, test_08 and test_09."""
    only_in_the_first_layout(layout)
    before = all_serials(BASE_NAMES)
    knot_zone = OWN_ZONE[layout.knot]
    changes = dict(add_record('beta.test', 'new', '198.51.100.99'), **add_record(knot_zone, 'new', '198.51.100.99'))
    _rc, data = run_play(zones_with(changes))
    result = task_results(data, 'Write the zone files of the zones this host is a primary of')
    assert result['ns1']['changed_zones'] == ['beta.test'] and result['ns1']['added_zones'] == [], result['ns1']
    assert result[layout.knot]['changed_zones'] == [knot_zone], result[layout.knot]
    others = [h for h in SERVERS if h not in ('ns1', layout.knot)]
    assert all(not result[h]['changed'] for h in others), result
    reloads = task_results(data, 'Reload the changed zones one by one')
    assert sorted(reloads) == sorted(['ns1', layout.knot]) and all(r.get('changed') for r in reloads.values()), reloads
    assert not task_results(data, 'Restart the name server'), 'a zone change restarted a server'

    def propagated():
        return all(query(s, 'new.' + z, 'A').answer for s in SERVERS for z in ('beta.test', knot_zone))
    assert wait_for(propagated)
    # Both zones are signed (by BIND and by Knot): every server serves the new record with the signer's RRSIG.
    for server in SERVERS:
        for zone in signed_zones(layout):
            resp = dnssec_query(server, 'new.' + zone, 'A')
            assert [r for r in resp.answer if r.rdtype == dns.rdatatype.RRSIG], (server, zone, resp)
    after = all_serials(BASE_NAMES)
    for (server, zone), value in after.items():
        if zone in ('beta.test', knot_zone):
            assert value > before[(server, zone)], (server, zone)
        else:
            assert value == before[(server, zone)], (server, zone)
    keep(changes)


def test_07_a_broken_zone_fails_and_old_data_stays(layout):
    before = all_serials(BASE_NAMES)
    knot_zone = OWN_ZONE[layout.knot]
    changes = dict(add_record('beta.test', 'bad', '300.1.2.3'), **add_record(knot_zone, 'bad', '300.1.2.3'))
    rc, data = run_play(zones_with(changes), check=False)
    assert rc != 0
    failed = task_results(data, 'Write the zone files of the zones this host is a primary of')
    assert 'nothing was written' in failed['ns1']['msg'] and 'beta.test' in failed['ns1']['msg'] \
        and 'bad dotted quad' in failed['ns1']['msg'], failed['ns1']
    # kzonecheck names the zone and the line.
    assert 'nothing was written' in failed[layout.knot]['msg'] and knot_zone in failed[layout.knot]['msg'] \
        and 'invalid IPv4 address' in failed[layout.knot]['msg'], failed[layout.knot]
    assert all_serials(BASE_NAMES) == before
    assert not any(query(s, 'bad.' + z, 'A').answer for s in SERVERS for z in ('beta.test', knot_zone))
    assert all(query(s, z, 'SOA').answer for s in SERVERS for z in ('beta.test', knot_zone))


def test_07_a_zone_written_by_a_failed_run_is_loaded_by_the_next(layout):
    """A zone file written by a run that failed before its handlers is loaded by the next run.

    First layout only: what is proven is the role's own record of zones written but not loaded (the same
    whatever the daemons); the checkers refusing a secret that is not base64 only make the run fail here (every
    run checks the configuration with them, in both layouts), and the second run's changed=0 is test_05's, also
    run in both."""
    only_in_the_first_layout(layout)
    knot_zone = OWN_ZONE[layout.knot]
    changes = dict(add_record('beta.test', 'later', '198.51.100.98'), **add_record(knot_zone, 'later', '198.51.100.98'))
    limit = 'ns1,' + layout.knot
    # The zone files are written, then the play fails on a daemon setting only the daemons' checkers refuse
    # (a TSIG secret that is not base64) before any handler runs.
    rc, data = run_play(zones_with(changes), check=False, limit=limit, extra={'nameserver_tsig_secret': 'not base64!'})
    refused = task_results(data, 'Install the checked configuration')
    assert rc != 0
    for host, zone in (('ns1', 'beta.test'), (layout.knot, knot_zone)):
        assert 'refused the staged configuration' in refused[host]['msg'], refused[host]
        assert task_results(data, 'Write the zone files of the zones this host is a primary of')[host]['changed_zones'] == [zone]
        assert not query(host, 'later.' + zone, 'A').answer
    # The next run finds the files as wanted, yet knows the zones were never loaded.
    _rc, data = run_play(zones_with(changes))
    written = task_results(data, 'Write the zone files of the zones this host is a primary of')
    assert written['ns1']['changed_zones'] == ['beta.test'] and written[layout.knot]['changed_zones'] == [knot_zone]
    assert wait_for(lambda: all(query(s, 'later.' + z, 'A').answer for s in SERVERS for z in ('beta.test', knot_zone)))
    keep(changes)
    _rc, data = run_play(zones_with())
    assert all(s['changed'] == 0 for s in data['stats'].values()), data['stats']


@pytest.mark.parametrize('extra, zones, failing, message', [
    ({'nameserver_listen_addresses': ['not-an-ip']}, None, 'topology',
     "nameserver_listen_addresses: 'not-an-ip' is not an IPv4 or IPv6 address"),
    ({'nameserver_addresses': ['127.0.0.1']}, None, 'topology', "nameserver_addresses of ns1: '127.0.0.1' is a loopback address"),
    ({'nameserver_port': 70000}, None, 'topology', 'nameserver_port of ns1: 70000 is out of range; give a number from 1 to 65535'),
    ({'nameserver_tsig_algorithm': 'hmac-sha257'}, None, 'spec', 'hmac-sha257'),
    ({}, [{'name': 'bad zone.test'}], 'topology', "name: 'bad zone.test' contains a space"),
    ({}, [{'name': 'ttl.test', 'ttl': -1}], 'topology', 'nameserver_zones (zone ttl.test) ttl: -1 is out of range'),
    ({}, [{'name': 'Alpha.test.'}], 'topology', "name: 'Alpha.test.' is the same zone as 'alpha.test'"),
    # In the first layout ns2 runs NSD, which does not sign.
    ({}, [{'name': 'signed.test', 'primaries': ['ns2'], 'dnssec': True}], 'topology',
     'nameserver_zones (zone signed.test) dnssec: True cannot be signed on its primary ns2: nsd does not sign zones'),
])
def test_07_bad_input_fails_before_any_host_is_touched(layout, extra, zones, failing, message):
    only_in_the_first_layout(layout)
    before = all_serials(BASE_NAMES)
    rc, data = run_play(zones_with(extra=zones) if zones else zones_with(), check=False, extra=extra)
    assert rc != 0
    task = ("Check the role's variables and the group's topology" if failing == 'topology' else
            next(name for name in data['tasks'] if name.startswith('Validating arguments against arg spec')))
    results = task_results(data, task)
    assert sorted(results) == sorted(SERVERS) and all(message in r.get('msg', '') for r in results.values()), results
    assert 'Gather the facts the role needs' not in data['tasks'], 'a host was contacted'
    assert all_serials(BASE_NAMES) == before


def test_08_removed_zone_disappears_everywhere(layout):
    gone_zones = ('epsilon.test', 'gamma.test')
    run_play(zones_with(dict((z, {'state': 'absent'}) for z in gone_zones)))

    def gone():
        return all(query(s, z, 'SOA').rcode() == dns.rcode.REFUSED for s in SERVERS for z in gone_zones)
    assert wait_for(gone), [(s, z, dns.rcode.to_text(query(s, z, 'SOA').rcode())) for s in SERVERS for z in gone_zones]
    assert all(serial(s, 'alpha.test') and serial(s, 'delta.test') for s in SERVERS)
    for zone in BASE:
        if zone['name'] in gone_zones:
            zone['state'] = 'absent'


def test_09_catalog_zone_added_on_the_primary_alone(layout):
    """A zone added on its primary alone reaches the secondaries that consume the primary's catalog."""
    zeta = {'name': 'zeta.test', 'records': [{'name': 'www', 'type': 'A', 'value': '198.51.100.70'}]}
    eta = {'name': 'eta.test', 'primaries': ['ns2'], 'records': [{'name': 'www', 'type': 'A', 'value': '198.51.100.71'}]}
    iota = {'name': 'iota.test', 'primaries': ['ns3'], 'records': [{'name': 'www', 'type': 'A', 'value': '198.51.100.72'}]}
    zones = zones_with(extra=[zeta, eta, iota])
    run_play(zones, limit='ns1')
    # Knot and NSD 4.12 (ns3) follow ns1's catalog without being configured; so does Knot 3.2 on ns2.
    followers = ['ns3'] + layout.hosts_of('knot')
    for host in sorted(set(followers)):
        assert wait_for(lambda h=host: query(h, 'www.zeta.test', 'A').answer), '%s does not serve zeta.test' % host
    run_play(zones, limit='ns2')
    # BIND (ns1) and Knot follow ns2's catalog.
    for host in sorted(set(['ns1'] + [h for h in layout.hosts_of('knot') if h != 'ns2'])):
        assert wait_for(lambda h=host: query(h, 'www.eta.test', 'A').answer), '%s does not serve eta.test' % host
    run_play(zones, limit='ns3')
    # BIND (ns1) and Knot follow ns3's catalog.
    for host in sorted(set(['ns1'] + [h for h in layout.hosts_of('knot') if h != 'ns3'])):
        assert wait_for(lambda h=host: query(h, 'www.iota.test', 'A').answer), '%s does not serve iota.test' % host
    for host in followers:
        assert query(host, 'www.zeta.test', 'A').flags & dns.flags.AA
    run_play(zones)
    BASE.extend([zeta, eta, iota])


def first_serials(server, zones, timeout=30):
    """{zone: the first answer that is no timeout}: what a server serves as it comes up."""
    deadline, answers, pending = time.time() + timeout, {}, list(zones)
    while pending and time.time() < deadline:
        for zone in list(pending):
            try:
                resp = dns.query.udp(dns.message.make_query(zone, 'SOA', flags=0), SERVERS[server], timeout=0.5)
            except (dns.exception.Timeout, OSError):
                continue
            ok = resp.rcode() == dns.rcode.NOERROR and resp.flags & dns.flags.AA and resp.answer
            answers[zone] = resp.answer[0][0].serial if ok else dns.rcode.to_text(resp.rcode())
            pending.remove(zone)
        time.sleep(0.1)
    answers.update((zone, 'no answer') for zone in pending)
    return answers


def restarts(software):
    """An administrator's restart, then a crash and a start as after a power cut."""
    daemon = DAEMONS[software]
    return ['service %(service)s restart' % daemon,
            'tree() { echo $1; for c in $(ps -o pid= --ppid $1); do tree $c; done; }; '
            'kill -9 $(tree $(cat %(pid_file)s)); rm -f %(pid_file)s; service %(service)s start' % daemon]


def test_10_secondaries_keep_their_zones_with_the_primaries_down(layout):
    """Each server, restarted and crashed while the other two (the primaries of every zone it is a secondary
    of) are stopped, serves every zone it had from its first answer, with the serial it had: BIND, NSD and
    Knot, explicit zones and catalog members alike."""
    present = [z['name'] for z in BASE if z.get('state', 'present') == 'present']
    everything = all_serials(present)
    assert all(everything.values()), everything
    time.sleep(11)  # NSD writes transferred zones to disk within 10 s (zonefiles-write)
    for host in sorted(SERVERS):
        others = [h for h in sorted(SERVERS) if h != host]
        secondary_zones = [z['name'] for z in BASE if z['name'] in present and host not in z.get('primaries', ['ns1'])]
        had = dict((z, serial(host, z)) for z in secondary_zones)
        assert all(had.values()), (host, had)
        try:
            for other in others:
                shell(other, 'service %s stop' % DAEMONS[layout.software[other]]['service'])
            for command in restarts(layout.software[host]):
                shell(host, command)
                assert first_serials(host, secondary_zones) == had, (host, layout.software[host], command)
        finally:
            for other in others:
                on_host(other, 'ansible.builtin.shell', 'service %s start' % DAEMONS[layout.software[other]]['service'])
        # The others come back with every zone before the next server's turn. A signing primary may have
        # re-signed its signed zones meanwhile (the lab policy's short timings): their serials only go up.
        wait_until_caught_up(layout, present, everything)
        everything = all_serials(present)


def behind(now, before, signed):
    """{(server, zone): (serial now, serial before)} where a server does not have a zone at the serial it had, or
    for a signed zone at least that one and the signer's."""
    late = {}
    for (server, zone), value in now.items():
        had = before[(server, zone)]
        if zone in signed:
            ok = value and value >= had and value == now[(signed[zone], zone)]
        else:
            ok = value == had
        if not ok:
            late[(server, zone)] = (value, had)
    return late


def notify_again(layout):
    """Each signer sends NOTIFY for its signed zones again. One sent while a secondary was stopped met a closed
    port and was lost, and NSD and Knot keep their refresh timers across a restart rather than ask their
    primaries as they start: without it they would catch up only at the SOA refresh (2 h)."""
    for zone, signer in sorted(signed_zones(layout).items()):
        command = profile(layout.software[signer])['commands']['notify_zone'] + [zone]
        # Not shell(): a signer still starting refuses the command, and the next round sends it again.
        on_host(signer, 'ansible.builtin.shell', ' '.join(shlex.quote(word) for word in command))


def profile(software):
    """The role's profile of a daemon (roles/nameserver/vars/software): its commands as the role runs them."""
    with open(os.path.join(ROOT, 'roles', 'nameserver', 'vars', 'software', software + '.yml')) as handle:
        return yaml.safe_load(handle)['_nameserver_profile']


def wait_until_caught_up(layout, present, before):
    late = {}

    def caught_up():
        late.clear()
        late.update(behind(all_serials(present), before, signed_zones(layout)))
        if late:
            notify_again(layout)
        return not late
    assert wait_for(caught_up), sorted(late.items())


def pid_of(host, software):
    """The daemon's pid: its pid file, else its process (Knot started by systemd's way writes none)."""
    process = {'bind': 'named', 'nsd': 'nsd', 'knot': 'knotd'}[software]
    return int(shell(host, 'cat %s 2>/dev/null || for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = %s ] '
                           '&& echo ${d#/proc/}; done | sort -n | head -n 1' % (DAEMONS[software]['pid_file'], process)
                     ).split()[-1])


def test_11_an_option_change_restarts_only_what_must_one_server_at_a_time(layout):
    """Rate limiting turned off: BIND takes it with rndc reconfig (no restart); NSD and Knot restart, one after
    the other, the second only once the first answers again for every zone it served; all zones stay served."""
    pids = dict((h, pid_of(h, layout.software[h])) for h in SERVERS)
    present = [z['name'] for z in BASE if z.get('state', 'present') == 'present']
    everything = all_serials(present)
    _rc, data = run_play(zones_with(), extra={'nameserver_rate_limit': False})
    restarting = sorted(h for h in SERVERS if layout.software[h] != 'bind')
    assert changed_hosts(data, 'Restart the name server') == restarting, task_results(data, 'Restart the name server')
    assert changed_hosts(data, 'Reconfigure the name server') == layout.hosts_of('bind')
    assert pid_of('ns1', 'bind') == pids['ns1']
    assert all(pid_of(h, layout.software[h]) != pids[h] for h in restarting)
    results = [task_results(data, 'Restart the name server')[h] for h in restarting]
    first, second = sorted(results, key=lambda r: r['times'][0])
    # The second stopped only after the first answered again for every zone it had answered for.
    assert first['times'][1] <= second['times'][0], (first['times'], second['times'])
    assert all(r['zones_waited_for'] >= len(present) for r in results), results
    wait_until_caught_up(layout, present, everything)
