# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX kit (awx/): every file is one AWX or ansible-builder accepts, and says what the
collection reads.

ansible-builder's `build` needs a container engine, which this machine does not have: the
execution environment is checked by `ansible-builder create` (the build context) and by running
the context's own galaxy and dependency steps here, as the Containerfile runs them.
"""

import copy
import glob
import os
import re
import shutil

import pytest

import awx_model
from conftest import BIN, KIT, ROOT, galaxy_version, load, run

CREDENTIAL_TYPES = sorted(glob.glob(os.path.join(KIT, 'credential-types', '*.yml')))
SURVEY = os.path.join(KIT, 'surveys', 'deploy.json')


def credential_type(name):
    return load(os.path.join(KIT, 'credential-types', name))


@pytest.mark.parametrize('path', CREDENTIAL_TYPES, ids=os.path.basename)
def test_awx_accepts_the_credential_type(path):
    assert awx_model.credential_type_problems(load(path)) == []


@pytest.mark.parametrize('mutate, problem', [
    (lambda d: d['injectors']['env'].update(X='{{ no_such_field }}'), "'no_such_field' is undefined"),
    (lambda d: d['injectors']['env'].update(ANSIBLE_CONFIG='x'), 'does not allow ANSIBLE_CONFIG'),
    (lambda d: d['inputs']['fields'].append({'id': 'flag', 'label': 'Flag', 'type': 'boolean', 'secret': True}),
     'secret is only allowed for strings'),
    (lambda d: d['inputs']['fields'].append(dict(d['inputs']['fields'][0])), 'duplicate id'),
    (lambda d: d['inputs']['required'].append('missing'), 'names no field'),
    (lambda d: d.update(kind='ssh'), 'kind must be cloud or net'),
])
def test_the_credential_type_check_finds_what_awx_refuses(mutate, problem):
    definition = copy.deepcopy(credential_type('alibaba-cloud.yml'))
    mutate(definition)
    assert any(problem in p for p in awx_model.credential_type_problems(definition)), problem


def test_the_alibaba_credential_injects_the_variables_the_modules_read(synced):
    env, extra_vars = awx_model.injected(credential_type('alibaba-cloud.yml'),
                                         {'access_key_id': 'id', 'access_key_secret': 's', 'security_token': 't'})
    assert env == {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'id', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 's',
                   'ALIBABA_CLOUD_SECURITY_TOKEN': 't'} and extra_vars == {}
    # Left empty (a RAM user's AccessKey), the token is injected empty.
    env = awx_model.injected(credential_type('alibaba-cloud.yml'), {'access_key_id': 'id', 'access_key_secret': 's'})[0]
    assert env['ALIBABA_CLOUD_SECURITY_TOKEN'] == ''
    docs = run([os.path.join(BIN, 'ansible-doc'), 'dnsops.nameservers.glue_host'],
               env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(synced['collections'])))
    for name in env:
        assert name in docs, name


def test_the_tsig_credential_sets_the_nameserver_roles_secret():
    env, extra_vars = awx_model.injected(credential_type('nameserver-tsig-key.yml'), {'tsig_secret': 'c2VjcmV0'})
    assert (env, extra_vars) == ({}, {'nameserver_tsig_secret': 'c2VjcmV0'})
    # The variable is the role's, and the role never logs it.
    options = load(os.path.join(ROOT, 'roles', 'nameserver', 'meta', 'argument_specs.yml'))['argument_specs']['main']['options']
    assert options['nameserver_tsig_secret']['no_log'] is True


def test_awx_accepts_the_survey_and_the_wrapper_reads_its_answer():
    survey = load(SURVEY)
    assert awx_model.survey_problems(survey) == []
    assert awx_model.survey_answer_problems(survey, {}) == []
    assert awx_model.survey_answer_problems(survey, {'survey_registrar_domains': 'customer-a.com example.com'}) == []
    with open(os.path.join(KIT, 'project', 'deploy.yml')) as handle:
        wrapper = handle.read()
    for question in survey['spec']:
        assert question['variable'] in wrapper


@pytest.mark.parametrize('mutate, problem', [
    (lambda s: s['spec'].append(dict(s['spec'][0])), 'asked twice'),
    (lambda s: s['spec'][0].update(required='no'), 'required must be a bool'),
    (lambda s: s['spec'][0].update(type='list'), "type 'list' is not one of"),
    (lambda s: s['spec'][0].update(variable='awx_domains'), 'not a variable name of the playbook'),
    (lambda s: s['spec'][0].update(type='multiplechoice'), 'needs choices'),
    (lambda s: s.update(spec=[]), 'no questions'),
])
def test_the_survey_check_finds_what_awx_refuses(mutate, problem):
    survey = load(SURVEY)
    mutate(survey)
    assert any(problem in p for p in awx_model.survey_problems(survey)), problem


def test_awx_offers_the_wrappers_as_the_projects_playbooks():
    project = os.path.join(KIT, 'project')
    files = [os.path.relpath(os.path.join(d, n), project) for d, _dirs, names in os.walk(project) for n in names]
    # AWX offers every YAML file with a `hosts:` line, so the inventory is offered too (docs/awx.md).
    assert sorted(f for f in files if awx_model.offered_playbook(project, f)) == ['deploy.yml', 'inventory/hosts.yml', 'verify.yml']
    # AWX does not list an inventory file with an extension: docs/awx.md says to type the path in.
    assert not awx_model.listed_inventory('inventory/hosts.yml')


def test_the_project_requirements_name_the_artifact_of_this_version():
    requirements = load(os.path.join(KIT, 'project', 'collections', 'requirements.yml'))
    assert requirements['collections'] == [
        {'name': 'collections/dnsops-nameservers-%s.tar.gz' % galaxy_version(), 'type': 'file'}]


def listed_plays(output):
    """(name, hosts) of every play in the output of ansible-playbook --list-hosts."""
    plays = []
    for line in output.splitlines():
        play = re.match(r'\s+play #\d+ \(.*?\): (.*?)\tTAGS', line)
        if play:
            plays.append((play.group(1), []))
        elif plays and re.match(r'^ {6}\S+$', line):
            plays[-1][1].append(line.strip())
    return plays


def test_the_wrappers_and_the_example_inventory_load_as_an_awx_job_loads_them(job_dir, synced):
    inventory = awx_model.imported_inventory([os.path.join(KIT, 'project', 'inventory', 'hosts.yml')], synced['project'])
    assert inventory['nameservers']['hosts'] == ['ns1', 'ns2']
    for playbook in ('deploy.yml', 'verify.yml'):
        private = job_dir('list-' + playbook)
        result, _events = awx_model.run_job(private, playbook, inventory, synced['collections'],
                                            cmdline=['--list-hosts'], verbosity=0, ident='list')
        output = result.stdout.read()
        assert (result.status, result.rc) == ('successful', 0), output[-4000:]
        plays = listed_plays(output)
        hosts = dict((name, sorted(listed)) for name, listed in plays)
        every_host = set(host for listed in hosts.values() for host in listed)
        if playbook == 'deploy.yml':
            # The survey's play, then deploy's: the registry's plays on localhost (inside the EE),
            # the servers' on every host of group nameservers.
            assert plays[0] == ("Take the survey's answers", ['localhost']), output
            assert every_host == {'localhost', 'ns1', 'ns2'} and ['ns1', 'ns2'] in hosts.values(), output
        else:
            assert every_host == {'localhost'}, output


@pytest.fixture
def ee_kit(tmp_path, artifact):
    """A copy of the kit with the artifact built into the project, as docs/awx.md says."""
    kit = tmp_path / 'awx'
    shutil.copytree(KIT, str(kit))
    shutil.copy(artifact, str(kit / 'project' / 'collections'))
    return kit


def ee_python_requirements(kit, tmp_path):
    """ansible-builder create, then the context's galaxy and dependency steps as its Containerfile runs them."""
    context = tmp_path / 'context'
    run([os.path.join(BIN, 'ansible-builder'), 'create', '-f', 'execution-environment.yml', '-c', str(context)],
        cwd=str(kit / 'execution-environment'))
    containerfile = (context / 'Dockerfile').read_text()
    assert 'ARG EE_BASE_IMAGE="docker.io/redhat/ubi9:latest"' in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.19,<2.20 ansible-runner>=2.4"' in containerfile
    assert 'WORKDIR /build' in containerfile
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    assert 'introspect.py introspect --user-pip=requirements.txt' in containerfile
    build = context / '_build'
    assert os.path.isfile(str(build / 'collections' / ('dnsops-nameservers-%s.tar.gz' % galaxy_version())))
    collections = tmp_path / 'ee-collections'
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml',
         '--collections-path', str(collections)], cwd=str(build),
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)))
    pip = tmp_path / 'ee-requirements.txt'
    run([os.path.join(BIN, 'python'), 'scripts/introspect.py', 'introspect', '--user-pip=requirements.txt',
         '--write-pip=%s' % pip, str(collections)], cwd=str(build))
    return sorted(re.split(r'[<>=!~ #]', line, maxsplit=1)[0] for line in pip.read_text().splitlines() if line.strip())


def test_the_execution_environment_holds_the_collection_and_its_python_dependencies(ee_kit, tmp_path):
    assert ee_python_requirements(ee_kit, tmp_path) == ['botocore', 'dnspython', 'requests']


def test_the_execution_environment_takes_optional_packages_from_its_requirements(ee_kit, tmp_path):
    requirements = ee_kit / 'execution-environment' / 'requirements.txt'
    requirements.write_text(requirements.read_text().replace('# jmespath', 'jmespath'))
    assert ee_python_requirements(ee_kit, tmp_path) == ['botocore', 'dnspython', 'jmespath', 'requests']
