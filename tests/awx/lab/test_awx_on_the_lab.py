# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The example AWX project's deploy job, run the way AWX runs it, against the lab.

The example inventory (awx/project/inventory/hosts.yml) as AWX imports it, plus what connects
it to the lab (SSH settings, the simulator's endpoint, the registry as parent); the kit's two
credential types injected; every job in a fresh directory, so nothing the role keeps beside the
inventory survives from one job to the next. With the TSIG credential, the second job changes
nothing on the servers and the registry, and both servers answer queries signed with its key.

Needs the lab up with fresh hosts (make awx-lab-test brings it up and down).
"""

import base64
import json
import os
import shutil

import dns.message
import dns.query
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import pytest
import yaml

import awx_model
from conftest import KIT, ROOT, load

with open(os.path.join(ROOT, 'tests', 'lab', 'inventory.yml')) as _handle:
    LAB = yaml.safe_load(_handle)['all']
SERVERS = {'ns1': '198.51.100.10', 'ns2': '198.51.100.11'}
TSIG_SECRET = base64.b64encode(b'dnsops-awx-lab-tsig-secret-0123456789').decode()
SIMULATOR_LOG = '/run/dnsops-lab/sim/requests.jsonl'


def lab_inventory(project):
    """The example inventory as AWX imports it, with the lab's connection settings on top."""
    inventory = awx_model.imported_inventory([os.path.join(KIT, 'project', 'inventory', 'hosts.yml')], project)
    inventory['all'].setdefault('vars', {}).update(
        registrar_connection={'endpoint': 'http://' + LAB['vars']['lab_simulator_endpoint']},
        registrar_parent_servers=[LAB['vars']['lab_registry_address']],
        # the lab's registry publishes within seconds; a real one takes minutes
        registrar_verify_timeout=120)
    names = ('ansible_user', 'ansible_ssh_private_key_file', 'ansible_ssh_common_args', 'ansible_python_interpreter')
    connection = dict((k, LAB['vars'][k]) for k in names)
    for host in SERVERS:
        assert inventory['_meta']['hostvars'][host]['ansible_host'] == LAB['children']['nameservers']['hosts'][host]['ansible_host']
        # the lab connects as root, where the example asks for sudo
        inventory['_meta']['hostvars'][host].update(connection, ansible_become=False)
    # answer exactly where the glue points (a lab host's wildcard socket may answer from another address)
    inventory['nameservers'].setdefault('vars', {})['nameserver_listen_addresses'] = '{{ nameserver_addresses }}'
    return inventory


def credentials():
    return [(load(os.path.join(KIT, 'credential-types', 'alibaba-cloud.yml')),
             {'access_key_id': LAB['vars']['lab_access_key_id'], 'access_key_secret': LAB['vars']['lab_access_key_secret']}),
            (load(os.path.join(KIT, 'credential-types', 'nameserver-tsig-key.yml')), {'tsig_secret': TSIG_SECRET})]


def writes():
    with open(SIMULATOR_LOG) as handle:
        return [entry for entry in map(json.loads, handle) if entry['write']]


def signed_soa(address, zone, secret):
    """An SOA query signed with the TSIG key; dnspython checks the answer's signature."""
    keyring = dns.tsigkeyring.from_text({'dnsops-transfer': ('hmac-sha256', secret)})
    query = dns.message.make_query(zone, 'SOA')
    query.use_tsig(keyring, keyname='dnsops-transfer', algorithm='hmac-sha256')
    return dns.query.udp(query, address, timeout=3)


@pytest.fixture(scope='module')
def jobs(synced, tmp_path_factory):
    """Two deploy jobs of the example project, each in its own fresh directory."""
    inventory = lab_inventory(synced['project'])
    base = tmp_path_factory.mktemp('lab-jobs')
    results = []
    for name in ('first', 'second'):
        private = base / name
        shutil.copytree(str(synced['project']), str(private / 'project'))
        before = len(writes())
        result, _events = awx_model.run_job(private, 'deploy.yml', inventory, synced['collections'],
                                            credentials=credentials(), verbosity=1, ident=name)
        output = result.stdout.read()
        results.append({'result': result, 'output': output, 'writes': len(writes()) - before})
    return results


def test_the_first_job_deploys_the_example(jobs):
    first = jobs[0]
    assert (first['result'].status, first['result'].rc) == ('successful', 0), first['output'][-6000:]
    assert first['writes'] > 0
    for address in SERVERS.values():
        for zone in ('example.com', 'customer-a.com'):
            answer = signed_soa(address, zone, TSIG_SECRET)
            assert answer.rcode() == dns.rcode.NOERROR and answer.answer, (address, zone)


def test_a_second_job_in_a_fresh_directory_changes_nothing(jobs):
    second = jobs[1]
    assert (second['result'].status, second['result'].rc) == ('successful', 0), second['output'][-6000:]
    assert all(changed == 0 for changed in second['result'].stats.get('changed', {}).values()), second['result'].stats
    assert second['writes'] == 0


def test_the_servers_refuse_a_query_signed_with_another_key(jobs):
    assert jobs[0]['result'].status == 'successful'
    other = base64.b64encode(b'not-the-credential-s-tsig-secret-000').decode()
    for address in SERVERS.values():
        with pytest.raises(dns.tsig.PeerError):
            signed_soa(address, 'example.com', other)
