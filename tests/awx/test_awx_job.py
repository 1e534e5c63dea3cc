# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jobs run the way AWX runs them, against the registrar simulator over HTTP.

The collection is built into its Galaxy artifact and installed from the example project's
collections/requirements.yml (what AWX does on project sync); every job gets a fresh directory
with a copy of the project (as AWX gives each job), its inventory from a script, and the kit's
credential types injected as AWX injects them; ansible-runner runs the playbook at -vvvv. No
secret may appear in any job event or in the job's output.
"""

import glob
import hashlib
import json
import os
import socket
import subprocess

import pytest

import awx_model
from conftest import BIN, KIT, load

KEY_ID = 'awx-key-id'
SECRET = 'awx-secret-never-printed-7f3a'
STS_KEY_ID = 'STS.awx-temporary-key'
STS_SECRET = 'awx-sts-secret-never-printed-91c2'
STS_TOKEN = 'awx-sts-token-never-printed-e5d0'
WRONG_TOKEN = 'awx-wrong-token-never-printed-0b8c'
TSIG_SECRET = 'YXd4LXRzaWctc2VjcmV0LW5ldmVyLXByaW50ZWQ='
VAULT_PASSWORD = 'awx-vault-password'

SEED = {
    'credentials': [{'access_key_id': KEY_ID, 'access_key_secret': SECRET},
                    {'access_key_id': STS_KEY_ID, 'access_key_secret': STS_SECRET, 'security_token': STS_TOKEN}],
    'domains': [
        {'name': 'example.com', 'instance_id': 'S20261A0000001', 'nameservers': ['dns1.hichina.com', 'dns2.hichina.com']},
        {'name': 'customer-a.com', 'instance_id': 'S20261A0000002', 'nameservers': ['dns1.hichina.com', 'dns2.hichina.com']},
    ],
}
# A job whose playbook runs on localhost only: AWX's inventory script still prints the _meta part.
NO_HOSTS = {'_meta': {'hostvars': {}}}
SECRETS = (SECRET, STS_SECRET, STS_TOKEN, WRONG_TOKEN, TSIG_SECRET, VAULT_PASSWORD)

# A project playbook as a user would add it to the example project.
REGISTRY_PLAYBOOK = [{
    'name': 'Glue hosts and a delegation, from AWX',
    'hosts': 'localhost',
    'gather_facts': False,
    'module_defaults': {'group/dnsops.nameservers.registrar': {'endpoint': '{{ sim_endpoint }}'}},
    'tasks': [
        {'name': 'Ensure ns1', 'dnsops.nameservers.glue_host': {
            'name': 'ns1.example.com', 'ips': ['198.51.100.10', '2001:db8:100::10']}},
        {'name': 'Ensure ns2', 'dnsops.nameservers.glue_host': {
            'name': 'ns2.example.com', 'ips': ['198.51.100.11']}},
        {'name': 'Delegate customer-a.com', 'dnsops.nameservers.domain_nameservers': {
            'domains': ['customer-a.com'], 'nameservers': ['ns1.example.com', 'ns2.example.com']}},
    ],
}]

# What the name servers' hosts see of the TSIG secret, checked without printing it.
TSIG_PLAYBOOK = [{
    'name': 'The name servers get the TSIG secret',
    'hosts': 'nameservers',
    'gather_facts': False,
    'tasks': [{'name': 'Compare the secret with the expected one', 'ansible.builtin.assert': {
        'that': ["nameserver_tsig_secret | hash('sha256') == expected_sha256"], 'quiet': True}}],
}]
LOCAL_NAMESERVERS = {
    'all': {'children': ['nameservers']},
    'nameservers': {'hosts': ['ns1', 'ns2'], 'vars': {'nameserver_tsig_secret': 'an-older-inventory-value'}},
    '_meta': {'hostvars': dict((h, {'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(BIN, 'python')})
                               for h in ('ns1', 'ns2'))},
}


def credential_type(name):
    return load(os.path.join(KIT, 'credential-types', name))


def alibaba(key_id=KEY_ID, secret=SECRET, token=None):
    inputs = {'access_key_id': key_id, 'access_key_secret': secret}
    if token is not None:
        inputs['security_token'] = token
    return credential_type('alibaba-cloud.yml'), inputs


def tsig(secret=TSIG_SECRET):
    return credential_type('nameserver-tsig-key.yml'), {'tsig_secret': secret}


def assert_no_secret(result, events):
    """Nothing AWX stores or shows of a job holds a secret: its events and its output.

    (ansible-runner's artifacts/<ident>/command holds the environment, credentials included; AWX
    keeps its own copy with secrets masked and deletes the job's directory.)
    """
    stdout = result.stdout.read()
    event_files = glob.glob(os.path.join(result.config.private_data_dir, 'artifacts', '*', 'job_events', '*.json'))
    assert event_files
    for path in event_files:
        with open(path) as handle:
            events = events + [handle.read()]
    for secret in SECRETS:
        assert secret not in json.dumps(events)
        assert secret not in stdout
    return stdout


def succeeded(result, events):
    assert (result.status, result.rc) == ('successful', 0), result.stdout.read()[-4000:]
    return events


def test_a_job_with_the_alibaba_credential_changes_the_registry_and_never_prints_the_secret(job_dir, synced, simulator):
    sim = simulator(SEED)

    def job(name):
        result, events = awx_model.run_job(job_dir(name, {'site.yml': REGISTRY_PLAYBOOK}), 'site.yml', NO_HOSTS,
                                           synced['collections'], credentials=[alibaba()],
                                           extravars={'sim_endpoint': sim['endpoint']}, ident=name)
        succeeded(result, events)
        assert 'Ensure ns1' in assert_no_secret(result, events)
        return result

    first = job('first')
    state = json.loads(sim['state'].read_text())
    assert state['domains']['example.com']['hosts'] == {
        'ns1.example.com': ['198.51.100.10', '2001:db8:100::10'], 'ns2.example.com': ['198.51.100.11']}
    assert state['domains']['customer-a.com']['nameservers'] == ['ns1.example.com', 'ns2.example.com']
    assert first.stats['changed'] == {'localhost': 3}
    # The next job, in its own fresh directory, finds nothing to change.
    assert job('second').stats['changed'] == {}


@pytest.mark.parametrize('token, works', [(STS_TOKEN, True), (WRONG_TOKEN, False), (None, False)])
def test_temporary_credentials_work_only_with_their_security_token(job_dir, synced, simulator, token, works):
    sim = simulator(SEED)
    result, events = awx_model.run_job(job_dir('sts', {'site.yml': REGISTRY_PLAYBOOK}), 'site.yml', NO_HOSTS,
                                       synced['collections'], credentials=[alibaba(STS_KEY_ID, STS_SECRET, token)],
                                       extravars={'sim_endpoint': sim['endpoint']}, ident='sts')
    stdout = assert_no_secret(result, events)
    assert (result.status == 'successful') is works, stdout[-4000:]
    if works:
        assert json.loads(sim['state'].read_text())['domains']['customer-a.com']['nameservers'] == [
            'ns1.example.com', 'ns2.example.com']
    else:
        assert 'SecurityToken' in stdout, stdout[-4000:]


def test_the_tsig_credential_gives_every_name_server_the_same_secret_and_never_prints_it(job_dir, synced):
    # The credential's extra variable wins over anything the inventory says.
    for name in ('first', 'second'):
        result, events = awx_model.run_job(job_dir(name, {'tsig.yml': TSIG_PLAYBOOK}), 'tsig.yml', LOCAL_NAMESERVERS,
                                           synced['collections'], credentials=[tsig()],
                                           extravars={'expected_sha256': hashlib.sha256(TSIG_SECRET.encode()).hexdigest()},
                                           ident=name)
        succeeded(result, events)
        assert result.stats['ok'] == {'ns1': 1, 'ns2': 1}
        assert_no_secret(result, events)


def test_a_vaulted_tsig_secret_next_to_the_playbook_is_decrypted_with_the_jobs_vault_password(job_dir, synced, tmp_path):
    password_file = tmp_path / 'vault-password'
    password_file.write_text(VAULT_PASSWORD)
    vaulted = subprocess.run([os.path.join(BIN, 'ansible-vault'), 'encrypt_string', '--vault-password-file',
                              str(password_file), '--name', 'nameserver_tsig_secret', TSIG_SECRET],
                             check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    inventory = dict(LOCAL_NAMESERVERS, nameservers={'hosts': ['ns1', 'ns2']})
    private = job_dir('vault', {'tsig.yml': TSIG_PLAYBOOK, 'group_vars/nameservers.yml': vaulted})
    # AWX answers the vault password prompt from the job template's Vault credential.
    result, events = awx_model.run_job(private, 'tsig.yml', inventory, synced['collections'],
                                       extravars={'expected_sha256': hashlib.sha256(TSIG_SECRET.encode()).hexdigest()},
                                       cmdline=['--ask-vault-pass'], passwords={r'Vault password:\s*?$': VAULT_PASSWORD})
    succeeded(result, events)
    assert result.stats['ok'] == {'ns1': 1, 'ns2': 1}
    assert_no_secret(result, events)


def closed_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


SURVEY_ANSWERS = [('customer-a.com, example.com', ['customer-a.com', 'example.com']), ('', None)]


@pytest.mark.parametrize('answer, delegated', SURVEY_ANSWERS)
def test_the_wrapper_turns_the_survey_answer_into_registrar_domains(job_dir, synced, simulator, answer, delegated):
    sim = simulator(SEED)
    survey = load(os.path.join(KIT, 'surveys', 'deploy.json'))
    answers = {'survey_registrar_domains': answer}
    assert awx_model.survey_answer_problems(survey, answers) == []
    inventory = awx_model.imported_inventory([os.path.join(KIT, 'project', 'inventory', 'hosts.yml')], synced['project'])
    inventory['all'].setdefault('vars', {})['registrar_connection'] = {'endpoint': sim['endpoint']}
    # deploy must stop right after the survey's play, touching nothing: the registrar refuses the
    # AccessKey, and neither the servers' SSH nor their DNS addresses answer.
    port = closed_port()
    for index, host in enumerate(('ns1', 'ns2')):
        inventory['_meta']['hostvars'][host].update(ansible_host='127.0.0.1', ansible_port=port,
                                                    nameserver_addresses=['127.1.2.%d' % (index + 1)])
    before = json.loads(sim['state'].read_text())['domains']
    result, events = awx_model.run_job(job_dir('survey'), 'deploy.yml', inventory, synced['collections'],
                                       credentials=[alibaba('awx-unknown-key-id')], extravars=answers, verbosity=1)
    assert result.status == 'failed'
    survey_task = [e for e in events if e.get('event_data', {}).get('task') == 'Delegate only the domains the survey names'
                   and e['event'] in ('runner_on_ok', 'runner_on_skipped')]
    assert len(survey_task) == 1, [e['event'] for e in events]
    if delegated is None:
        assert survey_task[0]['event'] == 'runner_on_skipped'
    else:
        assert survey_task[0]['event_data']['res']['ansible_facts'] == {'registrar_domains': delegated}
    assert json.loads(sim['state'].read_text())['domains'] == before
