# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""server_config through its entry point: a temporary configuration directory and a checker script."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dnsops.nameservers.plugins.modules import server_config


@pytest.fixture
def checker(tmp_path):
    """A configuration checker that refuses any configuration whose staged files say 'BROKEN'."""
    script = tmp_path / 'checkconf.sh'
    script.write_text('#!/bin/sh\necho "$1" >> %s/checked.log\n'
                      'if grep -q BROKEN "$(dirname "$1")"/*.conf; then echo "line 3: BROKEN is not an option"; exit 1; fi\n'
                      % tmp_path)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def run(capsys, tmp_path, checker, options='port 53;', keys='secret "c2VjcmV0";', main='include x;', check_mode=False, diff=False):
    conf = tmp_path / 'conf'
    args = dict(
        directories=[{'path': str(conf), 'mode': '0750'}, {'path': str(tmp_path / 'zones'), 'mode': '0755'}],
        files=[{'path': str(conf / 'options.conf'), 'content': options, 'apply': 'restart'},
               {'path': str(tmp_path / 'main.conf'), 'content': main, 'mode': '0644', 'checked': False,
                'backup': True, 'apply': 'restart'}],
        sensitive_files=[{'path': str(conf / 'keys.conf'), 'content': keys}],
        staging_dir=str(conf / 'staged'), check_file='include staged;', check_command=[checker],
        _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            server_config.main()
    return json.loads(capsys.readouterr().out)


def test_first_run_creates_directories_checks_and_installs(tmp_path, capsys, checker):
    result = run(capsys, tmp_path, checker)
    assert result['changed'] and result['restart'] and result['reconfig']
    # What did not exist before: the role tells a fresh install by them.
    assert sorted(result['created_files']) == sorted(str(p) for p in (tmp_path / 'conf' / 'options.conf', tmp_path / 'main.conf',
                                                                      tmp_path / 'conf' / 'keys.conf'))
    assert (tmp_path / 'conf' / 'options.conf').read_text() == 'port 53;'
    assert stat.S_IMODE(os.stat(str(tmp_path / 'conf')).st_mode) == 0o750
    assert stat.S_IMODE(os.stat(str(tmp_path / 'main.conf')).st_mode) == 0o644
    assert (tmp_path / 'conf' / 'staged' / 'check.conf').read_text() == 'include staged;'
    assert (tmp_path / 'checked.log').read_text().split() == [str(tmp_path / 'conf' / 'staged' / 'check.conf')]


def test_a_rerun_changes_nothing_and_runs_no_checker(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker)
    result = run(capsys, tmp_path, checker)
    assert not result['changed'] and result['changed_files'] == [] and not result['restart'] and not result['reconfig']
    assert len((tmp_path / 'checked.log').read_text().split()) == 1


def test_a_changed_key_reconfigures_and_is_never_shown(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker)
    result = run(capsys, tmp_path, checker, keys='secret "bmV3c2VjcmV0";', diff=True)
    assert result['changed_files'] == [str(tmp_path / 'conf' / 'keys.conf')] and result['created_files'] == []
    assert result['reconfig'] and not result['restart'] and result['diff'] == []
    assert 'bmV3c2VjcmV0' not in json.dumps(result)


def test_a_refused_configuration_installs_nothing(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker)
    result = run(capsys, tmp_path, checker, options='BROKEN;', main='include y;')
    assert result['failed'] and 'nothing was installed' in result['msg'] and 'BROKEN is not an option' in result['msg']
    assert (tmp_path / 'conf' / 'options.conf').read_text() == 'port 53;'
    assert (tmp_path / 'main.conf').read_text() == 'include x;'


def test_check_mode_reports_with_a_diff_and_writes_nothing(tmp_path, capsys, checker):
    result = run(capsys, tmp_path, checker, check_mode=True, diff=True)
    assert result['changed'] and len(result['changed_files']) == 3
    assert [d['after'] for d in result['diff']] == ['port 53;', 'include x;']
    assert not (tmp_path / 'conf').exists() and not (tmp_path / 'checked.log').exists()


def test_the_main_file_is_backed_up_when_replaced(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker)
    result = run(capsys, tmp_path, checker, main='include z;')
    assert result['restart'] and (tmp_path / 'main.conf').read_text() == 'include z;'
    [backup] = result['backup_files']
    assert open(backup).read() == 'include x;'


def test_the_checker_takes_the_file_where_path_stands(tmp_path, capsys):
    """knotc wants the file before its action: [knotc, -c, "{path}", conf-check]."""
    script = tmp_path / 'knotc.sh'
    script.write_text('#!/bin/sh\necho "$@" > %s/argv.log\n' % tmp_path)
    script.chmod(0o755)
    conf = tmp_path / 'conf'
    args = dict(files=[{'path': str(conf / 'options.conf'), 'content': 'server:', 'apply': 'restart'}],
                directories=[{'path': str(conf)}], staging_dir=str(conf / 'staged'), check_file='include',
                check_command=[str(script), '-c', '{path}', 'conf-check'])
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            server_config.main()
    assert json.loads(capsys.readouterr().out)['changed']
    assert (tmp_path / 'argv.log').read_text().split() == ['-c', str(conf / 'staged' / 'check.conf'), 'conf-check']


def test_a_checker_quoting_the_secret_never_shows_it(tmp_path, capsys):
    """A checker that quotes the refused value, as knotc does, shows the key's name but not its secret."""
    script = tmp_path / 'knotc.sh'
    script.write_text("#!/bin/sh\necho \"error: item 'secret', value '$(sed -n 's/.*secret \"\\(.*\\)\".*/\\1/p' "
                      "\"$(dirname \"$1\")\"/keys.conf)' in key $(sed -n 's/.*key \"\\(.*\\)\" .*/\\1/p' "
                      "\"$(dirname \"$1\")\"/keys.conf)\"; exit 1\n")
    script.chmod(0o755)
    conf = tmp_path / 'conf'
    args = dict(files=[{'path': str(conf / 'zones.conf'), 'content': 'remote: {key: "dnsops"}'}],
                sensitive_files=[{'path': str(conf / 'keys.conf'), 'content': 'key "dnsops" { secret "not base64!"; };'}],
                directories=[{'path': str(conf)}], staging_dir=str(conf / 'staged'), check_command=[str(script)])
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            server_config.main()
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] and "value '<not shown>' in key dnsops" in result['msg'], result['msg']
    assert 'base64!' not in json.dumps(result)
