# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A job run the way AWX runs one, with registrar route53domains against the Route 53 Domains simulator.

The collection is built into its Galaxy artifact and installed from a project's
collections/requirements.yml, ansible-builder reads the artifact's Python dependencies (botocore
among them, and an execution environment can leave it out), and ansible-runner runs a project
playbook at -vvvv with temporary AWS credentials injected as environment variables exactly as AWX's
Amazon Web Services credential type injects them: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SECURITY_TOKEN. Neither the secret nor the token may appear in any job event or output; a
second job changes nothing and sends no write.
"""

import glob
import json
import os
import subprocess
import sys

import ansible_runner
import pytest
import yaml

pytest.importorskip('botocore')

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
SIMULATOR = os.path.join(ROOT, 'tests', 'simulators', 'route53domains.py')
BIN = os.path.dirname(sys.executable)
KEY_ID = 'ASIAAWXROUTE53TEMP'
SECRET = 'awx-r53-secret-never-printed-91c2'
TOKEN = 'awx-r53-session-token-never-printed-5d7e'

AWS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.com']
SEED = {
    'credentials': [{'access_key_id': KEY_ID, 'secret_access_key': SECRET, 'session_token': TOKEN}],
    'domains': [
        {'name': 'example.com', 'nameservers': AWS},
        {'name': 'customer.net', 'nameservers': AWS},
        {'name': 'customer.org', 'nameservers': AWS},
    ],
}

# A project playbook as a user would keep it in the repository AWX syncs.
PLAYBOOK = [{
    'name': 'Glue hosts and delegations at Route 53 Domains, from AWX',
    'hosts': 'localhost',
    'gather_facts': False,
    'module_defaults': {'group/dnsops.nameservers.registrar': {
        'registrar': 'route53domains', 'endpoint': '{{ sim_endpoint }}'}},
    'tasks': [
        {'name': 'Ensure ns1', 'dnsops.nameservers.glue_host': {
            'name': 'ns1.example.com', 'ips': ['198.51.100.10', '2001:db8:100::10']}},
        {'name': 'Ensure ns2', 'dnsops.nameservers.glue_host': {
            'name': 'ns2.example.com', 'ips': ['198.51.100.11']}},
        {'name': 'Delegate the customer domains', 'dnsops.nameservers.domain_nameservers': {
            'domains': ['customer.net', 'customer.org'], 'nameservers': ['ns1.example.com', 'ns2.example.com']}},
    ],
}]


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kwargs).stdout


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """A project directory with the collection installed from its Galaxy artifact."""
    work = tmp_path_factory.mktemp('awx-route53')
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(work)])
    artifact = glob.glob(str(work / 'dnsops-nameservers-*.tar.gz'))
    assert len(artifact) == 1, artifact
    project_dir = work / 'private' / 'project'
    (project_dir / 'collections').mkdir(parents=True)
    with open(str(project_dir / 'collections' / 'requirements.yml'), 'w') as handle:
        yaml.safe_dump({'collections': [{'name': artifact[0], 'type': 'file'}]}, handle)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'collections/requirements.yml',
         '-p', 'collections'], cwd=str(project_dir),
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(project_dir / 'collections')))
    with open(str(project_dir / 'site.yml'), 'w') as handle:
        yaml.safe_dump(PLAYBOOK, handle, sort_keys=False)
    return work


@pytest.fixture
def simulator(tmp_path):
    seed = tmp_path / 'seed.json'
    seed.write_text(json.dumps(SEED))
    log = tmp_path / 'requests.log.jsonl'
    proc = subprocess.Popen([sys.executable, SIMULATOR, '--listen', '127.0.0.1:0', '--state', str(tmp_path / 'state.json'),
                             '--seed', str(seed), '--log', str(log), '--operation-delay', '0.2'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    line = proc.stdout.readline()
    assert line.startswith('listening on http://'), line
    yield {'endpoint': line.strip()[len('listening on '):], 'state': tmp_path / 'state.json', 'log': log}
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def introspect(project, *extra):
    report = yaml.safe_load(run([os.path.join(BIN, 'ansible-builder'), 'introspect', '--sanitize'] + list(extra)
                                + [str(project / 'private' / 'project' / 'collections')]))
    return sorted(entry.split('>=')[0] for entry in report['python'])


def test_ansible_builder_puts_botocore_in_the_ee_and_an_ee_can_leave_it_out(project, tmp_path):
    assert introspect(project) == ['botocore', 'dnspython', 'requests']
    exclude = tmp_path / 'exclude.txt'
    exclude.write_text('botocore\n')
    assert introspect(project, '--exclude-pip-reqs', str(exclude)) == ['dnspython', 'requests']


def writes(log):
    with open(str(log)) as handle:
        return [json.loads(line) for line in handle if json.loads(line)['write']]


def test_a_job_with_awx_aws_credentials_changes_the_registry_once_and_never_prints_secrets(project, simulator):
    private = project / 'private'
    (private / 'env').mkdir(exist_ok=True)
    # What AWX's Amazon Web Services credential type injects (with a token: AWS_SECURITY_TOKEN),
    # and where project sync put the collections. No profile, file or instance role may help.
    envvars = {'AWS_ACCESS_KEY_ID': KEY_ID, 'AWS_SECRET_ACCESS_KEY': SECRET, 'AWS_SECURITY_TOKEN': TOKEN,
               'AWS_EC2_METADATA_DISABLED': 'true', 'AWS_CONFIG_FILE': str(private / 'no-aws-config'),
               'AWS_SHARED_CREDENTIALS_FILE': str(private / 'no-aws-credentials'),
               'ANSIBLE_COLLECTIONS_PATH': str(private / 'project' / 'collections'),
               'PATH': BIN + os.pathsep + os.environ.get('PATH', '')}
    with open(str(private / 'env' / 'envvars'), 'w') as handle:
        yaml.safe_dump(envvars, handle)
    extravars = {'sim_endpoint': simulator['endpoint'], 'ansible_python_interpreter': sys.executable}

    def job(ident):
        result = ansible_runner.run(private_data_dir=str(private), playbook='site.yml', inventory='localhost,',
                                    extravars=extravars, verbosity=4, ident=ident, quiet=True)
        events = list(result.events)
        assert (result.status, result.rc) == ('successful', 0), result.stdout.read()[-4000:]
        return result, events

    first, events = job('route53-first')
    state = json.loads(simulator['state'].read_text())
    assert state['domains']['example.com']['nameservers'] == AWS + ['ns1.example.com', 'ns2.example.com']
    assert state['domains']['example.com']['hosts'] == {
        'ns1.example.com': ['198.51.100.10', '2001:db8:100::10'], 'ns2.example.com': ['198.51.100.11']}
    for name in ('customer.net', 'customer.org'):
        assert state['domains'][name]['nameservers'] == ['ns1.example.com', 'ns2.example.com']
    assert first.stats['changed'] == {'localhost': 3}
    written = len(writes(simulator['log']))
    assert written == 4  # ns1, ns2, and one operation per customer domain
    assert set(entry['access_key_id'] for entry in writes(simulator['log'])) == set([KEY_ID])

    second, events_again = job('route53-second')
    assert second.stats['changed'] == {}, second.stats
    assert len(writes(simulator['log'])) == written

    # The job's events and output, everything AWX stores and shows, at -vvvv.
    for result, job_events in ((first, events), (second, events_again)):
        dumped = json.dumps(job_events)
        assert SECRET not in dumped and TOKEN not in dumped
        stdout = result.stdout.read()
        assert 'Ensure ns1' in stdout
        assert SECRET not in stdout and TOKEN not in stdout
    for path in glob.glob(str(private / 'artifacts' / '*' / 'job_events' / '*.json')):
        with open(path) as handle:
            text = handle.read()
            assert SECRET not in text and TOKEN not in text, path
