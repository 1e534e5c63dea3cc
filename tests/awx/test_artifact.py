# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Galaxy artifact and the README's two ways to install: from the tarball and from git."""

import json
import os
import subprocess
import tarfile

import pytest

from conftest import BIN, ROOT, galaxy_version, run

# What users run and read: the artifact must hold every tracked file under these...
KEPT_DIRS = ('awx/', 'changelogs/', 'docs/', 'meta/', 'playbooks/', 'plugins/', 'roles/')
KEPT_FILES = ('COPYING', 'README.md')
# ...and nothing that only develops or tests the collection.
DROPPED = ('tests/', 'bench/', '.ci/', 'build/', 'Makefile', '.ansible-lint', '.gitignore')
GENERATED = ('MANIFEST.json', 'FILES.json')


def source_files():
    """The source tree's files as `make collection` takes them: tracked, and new but not ignored."""
    output = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'], cwd=ROOT, check=True,
                            stdout=subprocess.PIPE, universal_newlines=True).stdout
    return [path for path in output.splitlines() if os.path.isfile(os.path.join(ROOT, path))]


def check_contents(files):
    """Problems with a collection's file list (an artifact's members or an installed tree)."""
    kept = set(path for path in source_files() if path.startswith(KEPT_DIRS) or path in KEPT_FILES)
    problems = ['missing: ' + path for path in sorted(kept - set(files))]
    problems += ['not for users: ' + path for path in sorted(files) if path.startswith(DROPPED) or path in DROPPED]
    problems += ['unexpected: ' + path for path in sorted(files)
                 if not (path.startswith(KEPT_DIRS) or path in KEPT_FILES or path in GENERATED or path.startswith(DROPPED))]
    return problems


def installed_files(collections):
    top = os.path.join(str(collections), 'ansible_collections', 'dnsops', 'nameservers')
    found = []
    for directory, _dirs, names in os.walk(top):
        found += [os.path.relpath(os.path.join(directory, name), top) for name in names]
    return found


def check_installed(collections):
    """The installed collection works: its docs render and the deploy playbook resolves."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections))
    assert 'dnsops.nameservers.glue_host' in run([os.path.join(BIN, 'ansible-doc'), 'dnsops.nameservers.glue_host'], env=env)
    assert 'nameserver_zones' in run([os.path.join(BIN, 'ansible-doc'), '-t', 'role', 'dnsops.nameservers.nameserver'], env=env)
    run([os.path.join(BIN, 'ansible-playbook'), '--syntax-check', '-i', 'localhost,', 'dnsops.nameservers.deploy'], env=env)


def test_the_artifact_holds_what_users_need_and_none_of_the_test_machinery(artifact):
    with tarfile.open(artifact) as tar:
        members = [m.name for m in tar.getmembers() if m.isfile()]
        manifest = json.load(tar.extractfile('MANIFEST.json'))
    assert check_contents(members) == []
    assert 'awx/project/deploy.yml' in members and 'plugins/modules/glue_host.py' in members
    info = manifest['collection_info']
    assert (info['namespace'], info['name'], info['version']) == ('dnsops', 'nameservers', galaxy_version())
    assert info['license'] == ['GPL-3.0-or-later'] and info['dependencies'] == {}
    # No invented home: the optional addresses are absent rather than placeholders.
    assert [info[key] for key in ('repository', 'documentation', 'homepage', 'issues')] == [None] * 4


def test_installing_the_tarball(artifact, tmp_path):
    collections = tmp_path / 'collections'
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', artifact, '-p', str(collections)],
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)))
    assert check_contents(installed_files(collections)) == []
    check_installed(collections)


@pytest.fixture
def clone(tmp_path):
    """A git repository holding this source tree's files, committed (the state a user clones)."""
    repo = tmp_path / 'clone'
    repo.mkdir()
    files = source_files()
    subprocess.run(['tar', '-cf', '-', '-T', '-'], cwd=ROOT, input='\n'.join(files).encode(), check=True,
                   stdout=open(str(tmp_path / 'tree.tar'), 'wb'))
    run(['tar', '-xf', str(tmp_path / 'tree.tar'), '-C', str(repo)])
    git = ['git', '-c', 'user.name=test', '-c', 'user.email=test@example.org', '-c', 'init.defaultBranch=main']
    run(git + ['init', '-q'], cwd=str(repo))
    run(git + ['add', '-A'], cwd=str(repo))
    run(git + ['commit', '-q', '-m', 'snapshot'], cwd=str(repo))
    return repo


def test_installing_from_a_git_url(clone, tmp_path):
    collections = tmp_path / 'collections'
    output = run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', 'git+file://%s,main' % clone,
                  '-p', str(collections)], env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)))
    assert 'dnsops.nameservers:%s was installed successfully' % galaxy_version() in output
    assert check_contents(installed_files(collections)) == []
    check_installed(collections)
