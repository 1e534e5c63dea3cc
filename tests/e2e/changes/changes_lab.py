# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The changes suite's view of the lab: the demo's servers and zones, a way to run playbooks and
commands on the hosts, and direct questions to the servers (the fixtures are in conftest.py)."""

import json
import os
import subprocess
import time
import urllib.request

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
LAB = os.path.join(ROOT, 'tests', 'lab')
INVENTORIES = ['-i', os.path.join(LAB, 'inventory.yml'), '-i', os.path.join(LAB, 'demo', 'inventory.yml')]
WORK = '/tmp/dnsops-e2e-changes'
REGISTRY = '198.51.100.2'

with open(os.path.join(LAB, 'inventory.yml')) as _handle:
    _LAB_VARS = yaml.safe_load(_handle)['all']['vars']
# The Alibaba Cloud simulator's administration interface (the demo's domains but customer-d.org).
SIMULATOR_ADMIN = 'http://%s/_admin/' % _LAB_VARS['lab_simulator_endpoint']
ROUTE53_ADMIN = 'http://%s/_admin/' % _LAB_VARS['lab_route53_endpoint']
RESOLVER = _LAB_VARS['lab_resolver_address']  # the lab's validating resolver (Unbound)
ROUTE53_DOMAIN = 'customer-d.org'  # the demo's domain at Route 53 Domains (tests/lab/seed-route53domains.json)
with open(os.path.join(LAB, 'demo', 'inventory.yml')) as _handle:
    _DEMO = yaml.safe_load(_handle)['all']['children']['nameservers']
ZONES = _DEMO['vars']['nameserver_zones']
ZONE_NAMES = [zone['name'] for zone in ZONES]
# {host: {'name', 'software', 'addresses', 'primary'}} as the demo describes its servers.
SERVERS = dict((host, {'name': spec['nameserver_name'], 'software': spec['nameserver_software'],
                       'addresses': list(spec['nameserver_addresses']), 'primary': bool(spec.get('nameserver_primary'))})
               for host, spec in _DEMO['hosts'].items())
DAEMONS = {'bind': {'service': 'named', 'pid_file': '/run/named/named.pid'},
           'nsd': {'service': 'nsd', 'pid_file': '/run/nsd/nsd.pid'}}


def ask(address, name, rdtype='SOA', timeout=2):
    query = dns.message.make_query(name, rdtype)
    query.flags &= ~dns.flags.RD
    return dns.query.udp_with_fallback(query, address, timeout=timeout)[0]


def soa_serial(address, zone, timeout=2):
    """The serial ``address`` serves for ``zone``, or why not ('SERVFAIL', 'not-authoritative', 'timeout')."""
    try:
        response = ask(address, zone, timeout=timeout)
    except dns.exception.Timeout:
        return 'timeout'
    except OSError:
        return 'unreachable'
    if response.rcode() != dns.rcode.NOERROR:
        return dns.rcode.to_text(response.rcode())
    if not response.flags & dns.flags.AA:
        return 'not-authoritative'
    soas = [rrset for rrset in response.answer if rrset.rdtype == dns.rdatatype.SOA]
    return soas[0][0].serial if soas else 'no-soa'


class Lab(object):
    """Playbooks against the lab with the demo's inventory, and commands on its hosts."""

    def __init__(self):
        os.makedirs(WORK, exist_ok=True)
        self.env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_PIPELINING='true')
        if 'ANSIBLE_COLLECTIONS_PATH' not in self.env:  # run alone: this checkout as dnsops.nameservers
            links = os.path.join(ROOT, 'build', 'live')
            link = os.path.join(links, 'ansible_collections', 'dnsops', 'nameservers')
            os.makedirs(os.path.dirname(link), exist_ok=True)
            if not os.path.islink(link):
                os.symlink(ROOT, link)
            self.env['ANSIBLE_COLLECTIONS_PATH'] = links

    def playbook(self, name, extra=None, inventories=(), expect_rc=0, options=()):
        """Run a playbook (the lab's and the demo's inventories first, then ``options`` such as --tags); returns
        its output."""
        cmd = ['ansible-playbook'] + INVENTORIES + list(inventories) + list(options) + [name]
        if extra:
            path = os.path.join(WORK, 'extra.json')
            with open(path, 'w') as handle:
                json.dump(extra, handle)
            cmd += ['-e', '@' + path]
        proc = subprocess.run(cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        with open(os.path.join(WORK, 'last-run.log'), 'w') as handle:
            handle.write(proc.stdout)
        assert proc.returncode == expect_rc, proc.stdout[-6000:]
        return proc.stdout

    def deploy(self, extra=None, inventories=(), expect_rc=0):
        return self.playbook('dnsops.nameservers.deploy', extra, inventories, expect_rc)

    def overlay(self, name, hosts):
        """An inventory over the demo's that changes these hosts' variables ({host: {var: value}}):
        the ``inventories`` argument of deploy(), e.g. ns2 on new addresses."""
        path = os.path.join(WORK, name + '.yml')
        with open(path, 'w') as handle:
            yaml.safe_dump({'all': {'children': {'nameservers': {'hosts': hosts}}}}, handle)
        return ['-i', path]

    def on(self, host, command):
        """Run a shell command on a lab host; its output."""
        proc = subprocess.run(['ansible'] + INVENTORIES + [host, '-m', 'ansible.builtin.shell', '-a', command],
                              cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        assert proc.returncode == 0, proc.stdout
        return proc.stdout

    @staticmethod
    def registry_delegate(domain, nameservers):
        """What a customer does at the registrar (the simulator's administration interface): ``domain`` is
        delegated to ``nameservers``; the lab's registry publishes it within seconds."""
        body = json.dumps({'nameservers': list(nameservers)}).encode()
        request = urllib.request.Request(SIMULATOR_ADMIN + 'domains/' + domain, data=body, method='POST',
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    @staticmethod
    def registry_state(domain):
        """The simulator's record of ``domain`` (name servers, glue hosts), as the registrar has it."""
        endpoint = ROUTE53_ADMIN if domain == ROUTE53_DOMAIN else SIMULATOR_ADMIN
        with urllib.request.urlopen(endpoint + 'state', timeout=10) as answer:
            return json.loads(answer.read().decode())['domains'][domain]

    def registry_nameservers(self, domain):
        return sorted(self.registry_state(domain)['nameservers'])

    def registry_glue(self, domain):
        """The glue host names under ``domain`` at its registrar."""
        return sorted(self.registry_state(domain).get('hosts') or {})

    def service(self, host, action):
        """start, stop or restart the host's name server the way an administrator does."""
        self.on(host, 'service %s %s' % (DAEMONS[SERVERS[host]['software']]['service'], action))

    def pid(self, host):
        """The process id of the host's name server."""
        return int(self.on(host, 'cat %s' % DAEMONS[SERVERS[host]['software']]['pid_file']).split()[-1])

    def crash_and_start(self, host):
        """What a power cut and a boot do to the daemon: every process killed, /run emptied, started."""
        daemon = DAEMONS[SERVERS[host]['software']]
        self.on(host, 'tree() { echo $1; for c in $(ps -o pid= --ppid $1); do tree $c; done; }; '
                      'kill -9 $(tree $(cat %(pid_file)s)); rm -f %(pid_file)s; service %(service)s start' % daemon)

    def serials(self, host, zones=None):
        """{(zone, address): serial or what went wrong} at every address of the host."""
        return dict(((zone, address), soa_serial(address, zone))
                    for zone in zones or ZONE_NAMES for address in SERVERS[host]['addresses'])

    def first_answers(self, host, zones=None, timeout=30):
        """{(zone, address): the first answer that is no timeout}: what a host serves as it comes up."""
        deadline, answers = time.monotonic() + timeout, {}
        pending = [(zone, address) for zone in zones or ZONE_NAMES for address in SERVERS[host]['addresses']]
        while pending and time.monotonic() < deadline:
            for key in list(pending):
                answer = soa_serial(key[1], key[0], timeout=0.5)
                if answer not in ('timeout', 'unreachable'):
                    answers[key] = answer
                    pending.remove(key)
            time.sleep(0.1)
        answers.update((key, 'no answer in %d s' % timeout) for key in pending)
        return answers
