# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A job run the way AWX runs one, against the registrar simulator over HTTP.

The collection is built into its Galaxy artifact and installed from a project's
collections/requirements.yml (what AWX does on project sync), ansible-builder reads the
artifact's dependencies (what it puts into an execution environment), and ansible-runner runs a
project playbook with the credentials injected as environment variables (what an AWX credential
type does), at -vvvv. The secret must appear in no job event and not in the job's output.
"""

import glob
import json
import os
import subprocess
import sys

import ansible_runner
import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
SIMULATOR = os.path.join(ROOT, 'tests', 'simulators', 'alicloud_domain.py')
BIN = os.path.dirname(sys.executable)
KEY_ID = 'awx-key-id'
SECRET = 'awx-secret-never-printed-7f3a'

SEED = {
    'credentials': [{'access_key_id': KEY_ID, 'access_key_secret': SECRET}],
    'domains': [
        {'name': 'example.com', 'instance_id': 'S20261A0000001', 'nameservers': ['dns1.hichina.com', 'dns2.hichina.com']},
        {'name': 'customer.net', 'instance_id': 'S20261A0000002', 'nameservers': ['dns1.hichina.com', 'dns2.hichina.com']},
    ],
}

# A project playbook as a user would keep it in the repository AWX syncs.
PLAYBOOK = [{
    'name': 'Glue hosts and a delegation, from AWX',
    'hosts': 'localhost',
    'gather_facts': False,
    'module_defaults': {'group/dnsops.nameservers.registrar': {'endpoint': '{{ sim_endpoint }}'}},
    'tasks': [
        {'name': 'Ensure ns1', 'dnsops.nameservers.glue_host': {
            'name': 'ns1.example.com', 'ips': ['198.51.100.10', '2001:db8:100::10']}},
        {'name': 'Ensure ns2', 'dnsops.nameservers.glue_host': {
            'name': 'ns2.example.com', 'ips': ['198.51.100.11']}},
        {'name': 'Delegate customer.net', 'dnsops.nameservers.domain_nameservers': {
            'domains': ['customer.net'], 'nameservers': ['ns1.example.com', 'ns2.example.com']}},
    ],
}]


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kwargs).stdout


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """A project directory with the collection installed from its Galaxy artifact."""
    work = tmp_path_factory.mktemp('awx')
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(work)])
    artifact = glob.glob(str(work / 'dnsops-nameservers-*.tar.gz'))
    assert len(artifact) == 1, artifact
    project_dir = work / 'private' / 'project'
    (project_dir / 'collections').mkdir(parents=True)
    with open(str(project_dir / 'collections' / 'requirements.yml'), 'w') as handle:
        yaml.safe_dump({'collections': [{'name': artifact[0], 'type': 'file'}]}, handle)
    # Only the project's own collections path, so no copy installed elsewhere on this machine counts.
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
    proc = subprocess.Popen([sys.executable, SIMULATOR, '--listen', '127.0.0.1:0', '--state', str(tmp_path / 'state.json'),
                             '--seed', str(seed), '--task-delay', '0.2'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    line = proc.stdout.readline()
    assert line.startswith('listening on http://'), line
    yield {'endpoint': line.strip()[len('listening on '):], 'state': tmp_path / 'state.json'}
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def test_the_artifact_declares_its_python_dependencies_for_ansible_builder(project):
    report = yaml.safe_load(run([os.path.join(BIN, 'ansible-builder'), 'introspect', '--sanitize',
                                 str(project / 'private' / 'project' / 'collections')]))
    names = sorted(entry.split('>=')[0] for entry in report['python'])
    assert names == ['botocore', 'dnspython', 'requests'], report


def test_a_job_with_injected_credentials_changes_the_registry_and_never_prints_the_secret(project, simulator):
    private = project / 'private'
    (private / 'env').mkdir(exist_ok=True)
    # What an AWX credential type injects, plus where project sync put the collections.
    envvars = {'ALIBABA_CLOUD_ACCESS_KEY_ID': KEY_ID, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': SECRET,
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

    first, events = job('first')
    state = json.loads(simulator['state'].read_text())
    assert state['domains']['example.com']['hosts'] == {
        'ns1.example.com': ['198.51.100.10', '2001:db8:100::10'], 'ns2.example.com': ['198.51.100.11']}
    assert state['domains']['customer.net']['nameservers'] == ['ns1.example.com', 'ns2.example.com']
    assert first.stats['changed'] == {'localhost': 3}

    second, events_again = job('second')
    assert second.stats['changed'] == {}, second.stats

    # The job's events and output, everything AWX stores and shows, at -vvvv.
    for result, job_events in ((first, events), (second, events_again)):
        assert SECRET not in json.dumps(job_events)
        stdout = result.stdout.read()
        assert 'dnsops.nameservers.glue_host' in stdout or 'Ensure ns1' in stdout
        assert SECRET not in stdout
    for path in glob.glob(str(private / 'artifacts' / '*' / 'job_events' / '*.json')):
        with open(path) as handle:
            assert SECRET not in handle.read(), path
