# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end: the one playbook (dnsops.nameservers.deploy) against the lab, with the demo's
inventory. Real SSH to the lab hosts, real BIND and NSD, two registrar accounts (the Alibaba
Cloud and the Route 53 Domains simulators over HTTP, one run for both), the registry's NSD serving
the referrals of both, and dnspython asking all of them.

The lab must be up with fresh hosts (make e2e-test brings it up and down). The tests run in
order and share the lab's state.
"""

import json
import os
import re
import subprocess
import time
import urllib.request

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
LAB = os.path.join(ROOT, 'tests', 'lab')
INVENTORIES = ['-i', os.path.join(LAB, 'inventory.yml'), '-i', os.path.join(LAB, 'demo', 'inventory.yml')]
REGISTRY = '198.51.100.2'
SERVERS = {'ns1.example.com': '198.51.100.10', 'ns2.example.com': '198.51.100.11', 'ns3.example.com': '198.51.100.12'}
NS_NAMES = sorted(SERVERS)
NS2_NEW = '198.51.100.21'
SIMULATOR_LOG = '/run/dnsops-lab/sim/requests.jsonl'
ROUTE53_LOG = '/run/dnsops-lab/sim/route53domains-requests.jsonl'
ROUTE53_DOMAIN = 'customer-d.org'  # the demo's domain at Route 53 Domains (tests/lab/seed-route53domains.json)
CUSTOMER_E = {'name': 'customer-e.com', 'records': [{'name': '@', 'type': 'A', 'value': '198.51.100.87'}]}
WORK = '/tmp/dnsops-e2e-deploy'

with open(os.path.join(LAB, 'inventory.yml')) as _handle:
    LAB_VARS = yaml.safe_load(_handle)['all']['vars']
SIMULATOR = 'http://' + LAB_VARS['lab_simulator_endpoint']
ROUTE53 = 'http://' + LAB_VARS['lab_route53_endpoint']
with open(os.path.join(LAB, 'demo', 'inventory.yml')) as _handle:
    DEMO = yaml.safe_load(_handle)['all']['children']['nameservers']
ZONES = DEMO['vars']['nameserver_zones']
ZONE_NAMES = [zone['name'] for zone in ZONES]


def ns2_moved_inventory():
    """An inventory layered over the demo's: ns2 now has another IPv4 address."""
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, 'ns2-moved.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump({'all': {'children': {'nameservers': {'hosts': {'ns2': {
            'nameserver_addresses': [NS2_NEW, '2001:db8:100::11']}}}}}}, handle)
    return ['-i', path]


def playbook(name, extra=None, expect_rc=0, inventories=(), options=()):
    """Run a playbook with the lab's and the demo's inventories; returns (recap, output)."""
    os.makedirs(WORK, exist_ok=True)
    cmd = ['ansible-playbook'] + INVENTORIES + list(inventories) + list(options) + [name]
    if extra:
        path = os.path.join(WORK, 'extra.json')
        with open(path, 'w') as handle:
            json.dump(extra, handle)
        cmd += ['-e', '@' + path]
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_PIPELINING='true')
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    for log in ('last-run.log', 'run-%s.log' % time.strftime('%H%M%S')):
        with open(os.path.join(WORK, log), 'w') as handle:
            handle.write(' '.join(cmd) + '\n' + proc.stdout)
    assert proc.returncode in (expect_rc if isinstance(expect_rc, tuple) else (expect_rc,)), proc.stdout[-6000:]
    recap = dict((host, dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', stats)))
                 for host, stats in re.findall(r'^(\S+)\s+:\s+(ok=.*)$', proc.stdout, re.M))
    return recap, proc.stdout


def deploy(extra=None, expect_rc=0, inventories=(), options=()):
    return playbook('dnsops.nameservers.deploy', extra, expect_rc, inventories, options)


def dry_run():
    """deploy --check --diff; returns (recap, output) and records how long it took (figures, not assertions)."""
    started = time.monotonic()
    recap, output = playbook('dnsops.nameservers.deploy', options=['--check', '--diff'])
    with open(os.path.join(WORK, 'check-mode-seconds.txt'), 'a') as handle:
        handle.write('%.1f\n' % (time.monotonic() - started))
    return recap, output


def server_files():
    """Every file of the servers' software and the installed packages, with their checksums, per host."""
    command = ('dpkg-query -W -f "${Package} ${Version}\\n" 2>/dev/null | sort; '
               'find /etc/bind /etc/nsd /var/lib/bind /var/lib/nsd /var/cache/bind -type f 2>/dev/null '
               '| sort | xargs -r sha256sum')
    proc = subprocess.run(['ansible'] + INVENTORIES + ['nameservers', '-m', 'ansible.builtin.shell', '-a', command],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=True, env=dict(os.environ, ANSIBLE_NOCOLOR='1'))
    return sorted(proc.stdout.split('\n'))


def summary(output):
    """The lines of the playbook's summary (the Summary task's msg)."""
    start = output.index('TASK [dnsops.nameservers.registrar : Summary]')
    body = output[output.index('=> {', start) + 3:]
    return json.loads(body[:body.index('\n}\n') + 2])['msg']


def registry_snapshot():
    """Both simulators' domains (name servers, glue, DS) and how many writes each accepted (their states also
    hold the signed requests' nonces, which every read adds to)."""
    return (admin('state')['domains'], admin('state', simulator=ROUTE53)['domains'],
            len(write_count()), len(write_count(ROUTE53_LOG)))


def admin(path, body=None, simulator=SIMULATOR):
    request = urllib.request.Request(simulator + '/_admin/' + path, method='POST' if body is not None else 'GET',
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read().decode())


def write_count(log=SIMULATOR_LOG):
    """The writes a simulator (by default Alibaba Cloud's) accepted so far, from its request log."""
    with open(log) as handle:
        return [entry for entry in map(json.loads, handle) if entry['write']]


def registrar_domain(zone):
    """A zone's record in the state of the simulator holding it."""
    return admin('state', simulator=ROUTE53 if zone == ROUTE53_DOMAIN else SIMULATOR)['domains'][zone]


def ask(server, name, rdtype):
    query = dns.message.make_query(name, rdtype)
    query.flags &= ~dns.flags.RD
    return dns.query.udp(query, server, timeout=3)


def referral(name):
    """NS names and glue the registry publishes for ``name``."""
    answer = ask(REGISTRY, name, 'NS')
    names = sorted(str(rd.target).rstrip('.') for rrset in answer.authority if rrset.rdtype == dns.rdatatype.NS
                   for rd in rrset)
    glue = {}
    for rrset in answer.additional:
        if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            glue.setdefault(str(rrset.name).rstrip('.'), set()).update(rd.address for rd in rrset)
    return names, glue


def serial(server, zone):
    answer = ask(server, zone, 'SOA')
    assert answer.flags & dns.flags.AA, '%s is not authoritative for %s' % (server, zone)
    return answer.answer[0][0].serial


def wait_for(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(0.5)


def test_check_mode_on_fresh_hosts_shows_the_plan_and_changes_nothing():
    registry, files = registry_snapshot(), server_files()
    recap, output = dry_run()
    assert all(stats['failed'] == 0 for stats in recap.values()), recap
    assert registry_snapshot() == registry
    assert server_files() == files
    # the plan: what each server, glue host and delegation would become
    lines = summary(output)
    assert 'CHECK MODE: nothing was changed' in lines[0]
    for host in ('ns1', 'ns2', 'ns3'):
        assert any(line.startswith('  %s.example.com (host %s, ' % (host, host)) for line in lines), host
    assert any(line.startswith('    zone files would be added: customer-a.com') for line in lines)
    assert 'customer-a.com  (Alibaba Cloud, account alibaba): delegation would change' in lines
    assert 'customer-d.org  (Route 53 Domains, account aws): delegation would change' in lines
    assert lines.count('  would be set to: ns1.example.com, ns2.example.com, ns3.example.com') == len(ZONE_NAMES)
    assert any(line.split() == ['glue', 'ns2.example.com', 'would', 'be', '198.51.100.11', '2001:db8:100::11']
               for line in lines)
    # no wait for what check mode did not do
    assert 'delegation_check round' not in output


def test_deploy_from_scratch():
    recap = deploy()[0]
    assert recap['localhost']['failed'] == 0
    state = admin('state')
    hosts = state['domains']['example.com']['hosts']
    assert sorted(hosts) == NS_NAMES
    for name, address in SERVERS.items():
        assert address in hosts[name]
    assert ROUTE53_DOMAIN in ZONE_NAMES and ROUTE53_DOMAIN not in state['domains']
    for zone in ZONE_NAMES:
        assert sorted(registrar_domain(zone)['nameservers']) == NS_NAMES
        # the registry's DNS publishes it, and every server answers for it with one serial
        names, glue = wait_for(lambda z=zone: referral(z) if referral(z)[0] == NS_NAMES else None, 'referral of ' + zone)
        if zone.endswith('.com'):
            # a registry publishes glue only for hosts inside its own zone: com's referrals carry
            # the example.com hosts' addresses, net's and cn's do not (a resolver asks com for them)
            assert glue['ns2.example.com'] == set(['198.51.100.11', '2001:db8:100::11'])
        assert len(set(serial(address, zone) for address in SERVERS.values())) == 1


def test_the_route53_domain_is_delegated_at_route53_in_the_same_run():
    # One operation for it, at Route 53 Domains; the glue it needs is com's (Alibaba Cloud's example.com).
    writes = write_count(ROUTE53_LOG)
    assert [(w['action'], w['params']['DomainName']) for w in writes] == [('UpdateDomainNameservers', ROUTE53_DOMAIN)]
    assert sorted(n['Name'] for n in writes[0]['params']['Nameservers']) == NS_NAMES
    assert not any('GlueIps' in n for n in writes[0]['params']['Nameservers'])
    # The registry (its org zone, from the Route 53 state) refers to the servers, which answer for it.
    names, glue = referral(ROUTE53_DOMAIN)
    assert names == NS_NAMES and glue == {}  # org has no glue for names under com
    for address in SERVERS.values():
        assert ask(address, ROUTE53_DOMAIN, 'A').answer[0][0].address == '198.51.100.86'
    # Nothing the Alibaba Cloud account was asked to write is about it.
    assert ROUTE53_DOMAIN not in json.dumps(write_count())


def test_second_run_changes_nothing_and_writes_nothing():
    before = (len(write_count()), len(write_count(ROUTE53_LOG)))
    recap = deploy()[0]
    assert all(stats['changed'] == 0 for stats in recap.values()), recap
    assert (len(write_count()), len(write_count(ROUTE53_LOG))) == before


def test_check_mode_on_converged_hosts_changes_nothing_and_says_so():
    registry, files = registry_snapshot(), server_files()
    recap, output = dry_run()
    assert all(stats['changed'] == 0 and stats['failed'] == 0 for stats in recap.values()), recap
    assert registry_snapshot() == registry
    assert server_files() == files
    lines = summary(output)
    for zone in ZONE_NAMES:
        assert any(line.startswith(zone + '  (') and line.endswith('): delegation OK') for line in lines), zone
    assert not any('would be' in line for line in lines[1:]), lines
    assert '    5 zone file(s) and the configuration unchanged' in lines  # ns1, the primary
    assert lines.count('    configuration unchanged') == 2  # the secondaries


def test_the_summary_after_a_real_run():
    output = deploy()[1]
    lines = summary(output)
    assert 'CHECK MODE' not in lines[0]
    for zone in ZONE_NAMES:
        assert any(line.startswith(zone + '  (') and line.endswith('): delegation OK') for line in lines), zone
    # ns1's serial of every zone, as ns1 answers it
    for zone in ZONE_NAMES:
        start = next(i for i, line in enumerate(lines) if line.startswith(zone + '  ('))
        assert ['serial', 'ns1.example.com', '(198.51.100.10)', str(serial(SERVERS['ns1.example.com'], zone))] in \
            [line.split() for line in lines[start + 1:start + 8]], zone
    assert ['glue', 'ns1.example.com', '198.51.100.10', '2001:db8:100::10'] in [line.split() for line in lines]


def with_new_mx():
    """The demo's zones with example.com's MX changed: a change step 1 would make."""
    zones = [dict(zone) for zone in ZONES]
    zones[0]['records'] = [r for r in zones[0]['records'] if r['type'] != 'MX'] + [
        {'name': '@', 'type': 'MX', 'value': '20 mail'}]
    return zones


def test_a_run_limited_to_some_servers_is_refused_before_anything_changes():
    serial_before = serial(SERVERS['ns1.example.com'], 'example.com')
    before = (len(write_count()), len(write_count(ROUTE53_LOG)))
    for limit, left_out in (('ns1', 'ns2, ns3, localhost'), ('ns1:localhost', 'ns2, ns3'),
                            ('nameservers', 'localhost')):
        output = deploy({'nameserver_zones': with_new_mx()}, expect_rc=2, options=['--limit', limit])[1]
        assert 'this run leaves out %s (--limit %s)' % (left_out, limit) in output, output[-3000:]
        assert 'Step 1: name servers converge' not in output
    assert serial(SERVERS['ns1.example.com'], 'example.com') == serial_before
    assert (len(write_count()), len(write_count(ROUTE53_LOG))) == before


def test_an_unreachable_name_server_stops_the_run_before_any_change():
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, 'ns3-unreachable.yml')
    with open(path, 'w') as handle:  # nothing answers SSH there
        yaml.safe_dump({'all': {'children': {'nameservers': {'hosts': {'ns3': {'ansible_host': '198.51.100.99'}}}}}}, handle)
    serial_before = serial(SERVERS['ns1.example.com'], 'example.com')
    before = (len(write_count()), len(write_count(ROUTE53_LOG)))
    recap, output = deploy({'nameserver_zones': with_new_mx()}, expect_rc=(2, 4), inventories=['-i', path])
    assert recap['ns3']['unreachable'] == 1, recap
    assert 'Step 1: name servers converge' not in output
    assert serial(SERVERS['ns1.example.com'], 'example.com') == serial_before
    assert (len(write_count()), len(write_count(ROUTE53_LOG))) == before


def test_a_new_customer_domain_changes_only_that_domain():
    admin('domains/customer-e.com', {'instance_id': 'S20261W0000005',
                                     'nameservers': ['dns1.hichina.com', 'dns2.hichina.com']})
    serials = dict((zone, serial(SERVERS['ns1.example.com'], zone)) for zone in ZONE_NAMES)
    before = (len(write_count()), len(write_count(ROUTE53_LOG)))
    deploy({'nameserver_zones': ZONES + [CUSTOMER_E]})
    new_writes = write_count()[before[0]:]
    assert [w['action'] for w in new_writes] == ['SaveBatchTaskForModifyingDomainDns']
    assert [v for k, v in new_writes[0]['params'].items() if k.startswith('DomainName.')] == ['customer-e.com']
    assert len(write_count(ROUTE53_LOG)) == before[1]
    assert dict((zone, serial(SERVERS['ns1.example.com'], zone)) for zone in ZONE_NAMES) == serials
    wait_for(lambda: referral('customer-e.com')[0] == NS_NAMES, 'referral of customer-e.com')
    for address in SERVERS.values():
        wait_for(lambda a=address: ask(a, 'customer-e.com', 'A').flags & dns.flags.AA, 'customer-e.com on ' + address)


def test_changing_the_address_of_ns2():
    # The new address exists on ns2 first, as it would when a provider assigns one.
    subprocess.run(['ansible'] + INVENTORIES + ['ns2', '-m', 'ansible.builtin.command',
                                                '-a', 'ip addr replace %s/24 dev eth0' % NS2_NEW],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    output = deploy({'nameserver_zones': ZONES + [CUSTOMER_E]}, inventories=ns2_moved_inventory())[1]
    # The pre-delegation check asked the new address before the glue changed at the registry.
    precheck = output.index('Ask every published name server for every zone')
    glue_change = output.index('Ensure a glue host for every published name server')
    assert precheck < glue_change
    assert admin('state')['domains']['example.com']['hosts']['ns2.example.com'] == [NS2_NEW, '2001:db8:100::11']
    names, glue = wait_for(lambda: referral('customer-a.com') if NS2_NEW in referral('customer-a.com')[1].get(
        'ns2.example.com', ()) else None, 'the new glue of ns2')
    assert names == NS_NAMES
    assert '198.51.100.11' not in glue['ns2.example.com']
    assert serial(NS2_NEW, 'customer-a.com') == serial(SERVERS['ns1.example.com'], 'customer-a.com')
    # ns2 kept answering on the address the old glue named while that glue was published.
    assert serial('198.51.100.11', 'customer-a.com') == serial(NS2_NEW, 'customer-a.com')


def test_wrong_glue_is_found_and_repaired():
    extra = {'nameserver_zones': ZONES + [CUSTOMER_E]}
    moved = ns2_moved_inventory()
    # Someone sets ns1's glue to a wrong address by hand at the registry.
    admin('domains/example.com', {'hosts': dict(admin('state')['domains']['example.com']['hosts'],
                                                **{'ns1.example.com': ['198.51.100.99', '2001:db8:100::10']})})
    wait_for(lambda: '198.51.100.99' in referral('customer-a.com')[1].get('ns1.example.com', ()), 'the wrong glue')
    # The quick health check: one round, no wait; the summary still comes, with the failing finding.
    output = playbook('dnsops.nameservers.verify', dict(extra, registrar_verify_wait=False), expect_rc=2,
                      inventories=moved)[1]
    assert 'CONSISTENCY05' in output
    assert '198.51.100.99' in output
    lines = summary(output)
    assert 'customer-a.com  (Alibaba Cloud, account alibaba): delegation NOT OK' in lines
    assert any(line.startswith('  ERROR CONSISTENCY05: ') and '198.51.100.99' in line for line in lines)
    assert 'delegation_check round' not in output
    # A hold-down of 1 s (the lab registry's TTL, 60 s, by default): ns2's new glue is older than that.
    deploy(dict(extra, nameserver_move_hold_down=1), inventories=moved)
    assert admin('state')['domains']['example.com']['hosts']['ns1.example.com'] == ['198.51.100.10', '2001:db8:100::10']
    playbook('dnsops.nameservers.verify', extra, inventories=moved)
    # This run found ns2's glue at its new address for longer than the hold-down: ns2 retired its old address.
    with pytest.raises(dns.exception.Timeout):
        ask('198.51.100.11', 'customer-a.com', 'SOA')


@pytest.fixture(scope='module', autouse=True)
def collection_path():
    """ansible-playbook finds this checkout as dnsops.nameservers."""
    link_root = os.path.join(ROOT, 'build', 'live')
    os.makedirs(os.path.join(link_root, 'ansible_collections', 'dnsops'), exist_ok=True)
    link = os.path.join(link_root, 'ansible_collections', 'dnsops', 'nameservers')
    if not os.path.islink(link):
        os.symlink(ROOT, link)
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = link_root
    yield
