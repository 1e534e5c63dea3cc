# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end tests of the nameserver role in the lab (the lab must be up: make lab-up).

ns1 (Debian 12, BIND 9.18) is the default primary; ns2 (Debian 12, NSD 4.6) is the primary of
delta.test and epsilon.test; ns3 (Debian 13, NSD 4.12) is a secondary of everything. Catalog zones
are on: ns3 consumes ns1's catalog, ns1 consumes ns2's; ns2 (no catalog support) gets explicit zones.
The tests run in order and share the lab's state.
"""

import base64
import copy
import json
import os
import re
import subprocess
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
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

with open(os.path.join(HERE, 'zones.yml')) as _handle:
    BASE = yaml.safe_load(_handle)['nameserver_zones']
BASE_NAMES = [z['name'] for z in BASE]


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
           '-e', '@' + path, os.path.join(HERE, 'site.yml')]
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


CLEAN = ('service named stop; service nsd stop; rm -rf /etc/bind/dnsops /var/lib/bind/dnsops /var/cache/bind/dnsops '
         '/var/cache/bind/dnsops-catalog /var/cache/bind/_default.nz* /etc/nsd/dnsops /var/lib/nsd/dnsops '
         '/var/lib/nsd/dnsops-secondary /var/lib/nsd/dnsops-catalog /var/lib/nsd/zone.list /var/lib/nsd/nsd.db '
         '/etc/dnsops-nameservers; true')


def test_00_clean_slate():
    """Start from servers without the role's state (the benchmark or older runs may have left other zones)."""
    proc = subprocess.run(['ansible', '-i', LAB_INVENTORY, 'nameservers', '-m', 'ansible.builtin.shell', '-a', CLEAN],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout


def test_01_converges():
    run_play(zones_with())


def test_02_every_server_answers_with_authority_and_one_serial():
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
                  ('www.epsilon.test', 'A', '198.51.100.86')]
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


def on_host(host, module, args):
    return subprocess.run(['ansible', '-i', LAB_INVENTORY, host, '-m', module, '-a', args],
                          stdout=subprocess.PIPE, universal_newlines=True, cwd=ROOT, check=False).stdout


def test_03_axfr_needs_a_secondary_and_the_key():
    ring, secret = keyring()
    for server in SERVERS:
        with pytest.raises(Exception):
            dns.zone.from_xfr(dns.query.xfr(SERVERS[server], 'alpha.test', timeout=5))
    # The key alone is not enough: the controller is no secondary, so BIND and NSD primaries refuse it.
    for server, zone in (('ns1', 'alpha.test'), ('ns2', 'delta.test')):
        with pytest.raises(dns.query.TransferError):
            dns.zone.from_xfr(dns.query.xfr(SERVERS[server], zone, keyring=ring, keyname='dnsops-transfer', timeout=5))
    # From a secondary with the key it works: ns3 (NSD, given dig) asks ns1 (BIND), ns1 asks ns2 (NSD).
    on_host('ns3', 'ansible.builtin.apt', 'name=bind9-dnsutils')
    dig = 'dig +noall +answer -y hmac-sha256:dnsops-transfer:%s @%s %s AXFR'
    out = on_host('ns3', 'ansible.builtin.command', dig % (secret, SERVERS['ns1'], 'alpha.test'))
    assert 'www.alpha.test.' in out and 'CNAME' in out and 'SOA' in out, out
    out = on_host('ns1', 'ansible.builtin.command', dig % (secret, SERVERS['ns2'], 'delta.test'))
    assert 'delta.test.' in out and 'SOA' in out, out


def test_04_no_recursion():
    for server in SERVERS:
        resp = query(server, 'www.example.org', 'A', rd=True)
        assert resp.rcode() == dns.rcode.REFUSED and not resp.answer, (server, resp)
        resp = query(server, 'version.bind', 'TXT')
        assert not any(b'9.' in s or b'4.' in s for rr in resp.answer for r in rr for s in r.strings), resp


def test_05_second_run_changes_nothing():
    before = all_serials(BASE_NAMES)
    _rc, data = run_play(zones_with())
    assert all(s['changed'] == 0 for s in data['stats'].values()), data['stats']
    assert all_serials(BASE_NAMES) == before


def test_05_every_server_keeps_the_one_key_for_root_only_and_the_output_never_shows_it():
    kept = kept_secrets()
    assert len(set(secret for secret, _mode in kept.values())) == 1, 'the servers keep different secrets'
    assert all(mode == '600 root' for _secret, mode in kept.values()), kept.values()
    secret = kept['ns1'][0]
    rc, data = run_play(zones_with())
    assert secret not in json.dumps(data) and secret not in last_output(), 'the TSIG secret was printed'


def test_05_a_server_keeping_another_key_fails_the_run_before_anything_changes():
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


def test_05_rotating_gives_every_server_one_new_key_and_the_next_run_keeps_it():
    _ring, old = keyring()
    run_play(zones_with(), extra={'nameserver_tsig_rotate': True})
    ring, new = keyring()
    assert new != old and new not in last_output()
    dig = 'dig +noall +answer -y hmac-sha256:dnsops-transfer:%s @%s alpha.test AXFR'
    on_host('ns3', 'ansible.builtin.apt', 'name=bind9-dnsutils')
    assert 'SOA' in on_host('ns3', 'ansible.builtin.command', dig % (new, SERVERS['ns1']))
    assert 'SOA' not in on_host('ns3', 'ansible.builtin.command', dig % (old, SERVERS['ns1']))
    _rc, data = run_play(zones_with())
    assert all(s['changed'] == 0 for s in data['stats'].values()), data['stats']
    assert keyring()[1] == new


def test_06_one_record_changed_reloads_only_that_zone():
    before = all_serials(BASE_NAMES)
    changes = {'beta.test': {'records': BASE[1]['records'] + [{'name': 'new', 'type': 'A', 'value': '198.51.100.99'}]}}
    _rc, data = run_play(zones_with(changes))
    result = task_results(data, 'Write the zone files of the zones this host is a primary of')
    assert result['ns1']['changed_zones'] == ['beta.test'] and result['ns1']['added_zones'] == [], result['ns1']
    assert not result['ns2']['changed'], result['ns2']
    reloads = task_results(data, 'Reload the changed zones one by one')
    assert reloads['ns1'].get('changed') and 'ns2' not in reloads and 'ns3' not in reloads, reloads
    assert 'ns1' not in task_results(data, 'Restart the name server'), 'a zone change restarted the server'

    def propagated():
        return all(query(s, 'new.beta.test', 'A').answer for s in SERVERS)
    assert wait_for(propagated)
    after = all_serials(BASE_NAMES)
    for (server, zone), value in after.items():
        if zone == 'beta.test':
            assert value > before[(server, zone)], (server, zone)
        else:
            assert value == before[(server, zone)], (server, zone)
    run_play(zones_with(changes))  # keep the new record for the next tests
    BASE[1]['records'] = changes['beta.test']['records']


def test_07_a_broken_zone_fails_and_old_data_stays():
    before = all_serials(BASE_NAMES)
    changes = {'beta.test': {'records': BASE[1]['records'] + [{'name': 'bad', 'type': 'A', 'value': '300.1.2.3'}]}}
    rc, data = run_play(zones_with(changes), check=False)
    assert rc != 0
    failed = task_results(data, 'Write the zone files of the zones this host is a primary of')['ns1']
    assert 'nothing was written' in failed['msg'] and 'beta.test' in failed['msg'] and 'bad dotted quad' in failed['msg'], failed
    assert all_serials(BASE_NAMES) == before
    assert all(query(s, 'new.beta.test', 'A').answer for s in SERVERS)


def test_07_a_zone_written_by_a_failed_run_is_loaded_by_the_next():
    changes = {'beta.test': {'records': BASE[1]['records'] + [{'name': 'later', 'type': 'A', 'value': '198.51.100.98'}]}}
    # The zone file is written, then the play fails on a daemon setting only the daemon's checker refuses
    # (a TSIG secret that is not base64) before any handler runs.
    rc, data = run_play(zones_with(changes), check=False, limit='ns1', extra={'nameserver_tsig_secret': 'not base64!'})
    assert 'refused the staged configuration' in task_results(data, 'Install the checked configuration')['ns1']['msg']
    assert rc != 0
    assert task_results(data, 'Write the zone files of the zones this host is a primary of')['ns1']['changed_zones'] == ['beta.test']
    assert not query('ns1', 'later.beta.test', 'A').answer
    # The next run finds the files as wanted, yet knows the zone was never loaded.
    _rc, data = run_play(zones_with(changes))
    assert task_results(data, 'Write the zone files of the zones this host is a primary of')['ns1']['changed_zones'] == ['beta.test']
    assert wait_for(lambda: all(query(s, 'later.beta.test', 'A').answer for s in SERVERS))
    BASE[1]['records'] = changes['beta.test']['records']
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
])
def test_07_bad_input_fails_before_any_host_is_touched(extra, zones, failing, message):
    before = all_serials(BASE_NAMES)
    rc, data = run_play(zones_with(extra=zones) if zones else zones_with(), check=False, extra=extra)
    assert rc != 0
    task = ("Check the role's variables and the group's topology" if failing == 'topology' else
            next(name for name in data['tasks'] if name.startswith('Validating arguments against arg spec')))
    results = task_results(data, task)
    assert sorted(results) == sorted(SERVERS) and all(message in r.get('msg', '') for r in results.values()), results
    assert 'Gather the facts the role needs' not in data['tasks'], 'a host was contacted'
    assert all_serials(BASE_NAMES) == before


def test_08_removed_zone_disappears_everywhere():
    run_play(zones_with({'epsilon.test': {'state': 'absent'}, 'gamma.test': {'state': 'absent'}}))

    def gone():
        return all(query(s, z, 'SOA').rcode() == dns.rcode.REFUSED for s in SERVERS for z in ('epsilon.test', 'gamma.test'))
    assert wait_for(gone), [(s, z, dns.rcode.to_text(query(s, z, 'SOA').rcode())) for s in SERVERS for z in ('epsilon.test', 'gamma.test')]
    assert serial('ns3', 'alpha.test')


def test_09_catalog_zone_added_on_the_primary_alone():
    zeta = {'name': 'zeta.test', 'records': [{'name': 'www', 'type': 'A', 'value': '198.51.100.70'}]}
    eta = {'name': 'eta.test', 'primaries': ['ns2'], 'records': [{'name': 'www', 'type': 'A', 'value': '198.51.100.71'}]}
    zones = zones_with(extra=[zeta, eta])
    run_play(zones, limit='ns1')
    # ns3 (NSD 4.12) follows ns1's catalog without being configured.
    assert wait_for(lambda: query('ns3', 'www.zeta.test', 'A').answer), 'ns3 does not serve zeta.test'
    run_play(zones, limit='ns2')
    # ns1 (BIND 9.18) follows ns2's catalog.
    assert wait_for(lambda: query('ns1', 'www.eta.test', 'A').answer), 'ns1 does not serve eta.test'
    assert query('ns3', 'www.zeta.test', 'A').flags & dns.flags.AA


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


def restarts(daemon, pid_file):
    """An administrator's restart, then a crash and a start as after a power cut."""
    return ['service %s restart' % daemon,
            'tree() { echo $1; for c in $(ps -o pid= --ppid $1); do tree $c; done; }; '
            'kill -9 $(tree $(cat %s)); rm -f %s; service %s start' % (pid_file, pid_file, daemon)]


def shell(server, command):
    out = on_host(server, 'ansible.builtin.shell', command)
    assert '| CHANGED |' in out, out
    return out


def test_10_secondaries_keep_their_zones_with_the_primaries_down():
    """ns3 (NSD 4.12: ns1's catalog members, delta.test configured) and ns1 (BIND 9.18: ns2's catalog
    members), restarted and crashed while their primaries are stopped, serve every zone they had
    from their first answer, with the serial they had."""
    candidates = BASE_NAMES + ['zeta.test', 'eta.test']
    on_ns3 = dict((z, serial('ns3', z)) for z in candidates if serial('ns3', z))
    from_ns2 = dict((z, serial('ns1', z)) for z in ('delta.test', 'epsilon.test', 'eta.test') if serial('ns1', z))
    assert set(['alpha.test', 'zeta.test', 'delta.test']) <= set(on_ns3) and 'eta.test' in from_ns2, (on_ns3, from_ns2)
    time.sleep(11)  # NSD writes transferred zones to disk within 10 s (zonefiles-write)
    try:
        shell('ns2', 'service nsd stop')
        shell('ns1', 'service named stop')
        for command in restarts('nsd', '/run/nsd/nsd.pid'):
            shell('ns3', command)
            assert first_serials('ns3', on_ns3) == on_ns3, command
        shell('ns1', 'service named start')
        assert first_serials('ns1', from_ns2) == from_ns2
        for command in restarts('named', '/run/named/named.pid'):
            shell('ns1', command)
            assert first_serials('ns1', from_ns2) == from_ns2, command
    finally:
        on_host('ns1', 'ansible.builtin.shell', 'service named start')
        on_host('ns2', 'ansible.builtin.shell', 'service nsd start')
    assert wait_for(lambda: serial('ns2', 'delta.test') and serial('ns1', 'alpha.test'))
