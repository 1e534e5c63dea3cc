# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the AWX tests: the collection's artifact, the example project after AWX's project
sync, fresh job directories, and the registrar simulator."""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
KIT = os.path.join(ROOT, 'awx')
SIMULATOR = os.path.join(ROOT, 'tests', 'simulators', 'alicloud_domain.py')
BIN = os.path.dirname(sys.executable)


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False, **kwargs)
    assert proc.returncode == 0, '%s\n%s' % (' '.join(cmd), proc.stdout[-4000:])
    return proc.stdout


def galaxy_version():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)['version']


def load(path):
    with open(path) as handle:
        return json.load(handle) if path.endswith('.json') else yaml.safe_load(handle)


@pytest.fixture(scope='session')
def artifact(tmp_path_factory):
    """The Galaxy artifact, as `ansible-galaxy collection build` makes it from this source tree."""
    out = tmp_path_factory.mktemp('artifact')
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(out)])
    found = glob.glob(str(out / 'dnsops-nameservers-*.tar.gz'))
    assert found == [str(out / ('dnsops-nameservers-%s.tar.gz' % galaxy_version()))], found
    return found[0]


@pytest.fixture(scope='session')
def synced(tmp_path_factory, artifact):
    """The example project (awx/project) with the artifact built into its collections/, after an AWX
    project sync: `ansible-galaxy collection install -r collections/requirements.yml` run in the project."""
    work = tmp_path_factory.mktemp('sync')
    project = work / 'project'
    shutil.copytree(os.path.join(KIT, 'project'), str(project))
    shutil.copy(artifact, str(project / 'collections'))
    collections = work / 'requirements_collections'
    # Only the sync's own path, so no copy installed elsewhere on this machine counts.
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'collections/requirements.yml',
         '-p', str(collections)], cwd=str(project), env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)))
    return {'project': project, 'collections': collections}


@pytest.fixture
def job_dir(tmp_path, synced):
    """A fresh directory per job, as AWX gives every job: the synced project copied into it."""
    def make(name, files=None):
        private = tmp_path / name
        shutil.copytree(str(synced['project']), str(private / 'project'))
        for relative, content in (files or {}).items():
            path = private / 'project' / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
        return private
    return make


@pytest.fixture
def simulator(tmp_path):
    """Start the registrar simulator with a seed; stopped after the test."""
    procs = []

    def start(seed):
        state = tmp_path / ('state-%d.json' % len(procs))
        seed_path = tmp_path / ('seed-%d.json' % len(procs))
        seed_path.write_text(json.dumps(seed))
        proc = subprocess.Popen([sys.executable, SIMULATOR, '--listen', '127.0.0.1:0', '--state', str(state),
                                 '--seed', str(seed_path), '--task-delay', '0.2'],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        procs.append(proc)
        line = proc.stdout.readline()
        assert line.startswith('listening on http://'), line
        return {'endpoint': line.strip()[len('listening on '):], 'state': state}

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
