# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zone_files through its entry point: scripted parameters, a temporary zone directory, a checker script."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dnsops.nameservers.plugins.modules import zone_files

SERVERS = [
    {'host': 'ns1', 'name': 'ns1.example.com', 'addresses': ['198.51.100.10']},
    {'host': 'ns2', 'name': 'ns2.example.net', 'addresses': ['198.51.100.11']},
]
ZONES = [
    {'name': 'example.com', 'records': [{'name': 'www', 'type': 'A', 'value': '198.51.100.80'}]},
    {'name': 'example.org', 'records': [{'name': '@', 'type': 'MX', 'value': '10 mail.example.com.'}]},
    {'name': 'other.test', 'primaries': ['ns2']},
]


@pytest.fixture
def checker(tmp_path):
    """A zone checker that refuses any zone whose file contains 'BROKEN', and logs what it checked."""
    log = tmp_path / 'checked.log'
    script = tmp_path / 'checker.sh'
    script.write_text('#!/bin/sh\necho "$1" >> %s\nif grep -q BROKEN "$2"; then echo "$1: bad record BROKEN"; exit 1; fi\n' % log)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {'command': [str(script), '{zone}', '{path}'], 'log': log}


def run(capsys, directory, checker, zones=None, check_mode=False, diff=False, **params):
    args = dict(host='ns1', servers=SERVERS, zones=ZONES if zones is None else zones, default_primaries=['ns1'],
                directory=str(directory), check_command=checker['command'], _ansible_check_mode=check_mode,
                _ansible_diff=diff)
    args.update(params)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            zone_files.main()
    return json.loads(capsys.readouterr().out)


def files(directory):
    return sorted(name for name in os.listdir(str(directory)) if name.endswith('.zone'))


def test_first_run_writes_the_zones_this_host_is_a_primary_of(tmp_path, capsys, checker):
    result = run(capsys, tmp_path / 'zones', checker)
    assert result['changed'] and result['added_zones'] == ['example.com', 'example.org'] and result['changed_zones'] == []
    assert result['pending_reload'] == ['example.com', 'example.org']
    assert files(tmp_path / 'zones') == ['example.com.zone', 'example.org.zone']  # other.test is ns2's
    text = (tmp_path / 'zones' / 'example.com.zone').read_text()
    assert 'www\tIN\tA\t198.51.100.80' in text and '@\tIN\tNS\tns2.example.net.' in text
    assert sorted(checker['log'].read_text().split()) == ['example.com', 'example.org']


def test_used_alone_a_rerun_changes_nothing_and_leaves_no_marker(tmp_path, capsys, checker):
    first = run(capsys, tmp_path, checker)
    again = run(capsys, tmp_path, checker)
    assert not again['changed'] and again['changed_zones'] == [] and again['added_zones'] == []
    assert again['pending_reload'] == [] and again['serials'] == first['serials']
    assert not (tmp_path / '.reload-pending').exists()


def test_used_alone_a_changed_zone_is_reported_once(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker)
    zones = [dict(ZONES[0], records=[{'name': 'www', 'type': 'A', 'value': '198.51.100.99'}])] + ZONES[1:]
    changed = run(capsys, tmp_path, checker, zones=zones)
    assert changed['changed'] and changed['pending_reload'] == ['example.com']
    assert not run(capsys, tmp_path, checker, zones=zones)['changed']


def test_tracked_reloads_are_reported_again_until_the_caller_confirms_them(tmp_path, capsys, checker):
    first = run(capsys, tmp_path, checker, track_reloads=True)
    assert (tmp_path / '.reload-pending').read_text().split() == ['example.com', 'example.org']
    again = run(capsys, tmp_path, checker, track_reloads=True)
    assert again['changed'] and again['changed_zones'] == ['example.com', 'example.org'] and again['added_zones'] == []
    assert again['pending_reload'] == ['example.com', 'example.org'] and again['serials'] == first['serials']
    (tmp_path / '.reload-pending').unlink()  # what the role's handlers do after reloading
    quiet = run(capsys, tmp_path, checker, track_reloads=True)
    assert not quiet['changed'] and quiet['changed_zones'] == [] and quiet['pending_reload'] == []
    assert not (tmp_path / '.reload-pending').exists()


def test_a_marker_left_by_tracked_runs_does_not_concern_an_untracked_run(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker, track_reloads=True)
    alone = run(capsys, tmp_path, checker)
    assert not alone['changed'] and alone['pending_reload'] == []


def test_a_changed_zone_gets_a_higher_serial_and_a_diff(tmp_path, capsys, checker):
    first = run(capsys, tmp_path, checker)
    zones = [dict(ZONES[0], records=ZONES[0]['records'] + [{'name': 'new', 'type': 'A', 'value': '198.51.100.81'}])] + ZONES[1:]
    result = run(capsys, tmp_path, checker, zones=zones, diff=True)
    assert result['changed_zones'] == ['example.com']
    assert result['serials']['example.com'] > first['serials']['example.com']
    assert result['serials']['example.org'] == first['serials']['example.org']
    [diff] = result['diff']
    assert 'new\tIN\tA' in diff['after'] and 'new\tIN\tA' not in diff['before']


def test_check_mode_reports_and_writes_nothing(tmp_path, capsys, checker):
    result = run(capsys, tmp_path / 'zones', checker, check_mode=True, diff=True)
    assert result['changed'] and result['added_zones'] == ['example.com', 'example.org']
    assert len(result['diff']) == 2 and not (tmp_path / 'zones').exists()


def test_a_checker_failure_writes_nothing_and_names_the_zone(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker)
    before = dict((name, (tmp_path / name).read_text()) for name in files(tmp_path))
    zones = [dict(ZONES[0], records=[{'name': 'good', 'type': 'A', 'value': '198.51.100.82'}]),
             dict(ZONES[1], records=[{'name': 'x', 'type': 'TXT', 'value': 'BROKEN'}]), ZONES[2]]
    result = run(capsys, tmp_path, checker, zones=zones)
    assert result['failed'] and 'nothing was written' in result['msg'] and 'example.org: bad record BROKEN' in result['msg']
    assert dict((name, (tmp_path / name).read_text()) for name in files(tmp_path)) == before
    assert not [n for n in os.listdir(str(tmp_path)) if n.startswith('.staging-')]


def test_purge_removes_the_files_of_zones_no_longer_served_here(tmp_path, capsys, checker):
    run(capsys, tmp_path, checker)
    zones = [ZONES[0], dict(ZONES[1], state='absent'), ZONES[2]]
    result = run(capsys, tmp_path, checker, zones=zones, purge=True)
    assert result['removed_zones'] == ['example.org'] and files(tmp_path) == ['example.com.zone']
    kept = run(capsys, tmp_path / 'kept', checker)
    assert kept['added_zones']
    result = run(capsys, tmp_path / 'kept', checker, zones=[ZONES[0]], purge=False)
    assert result['removed_zones'] == [] and files(tmp_path / 'kept') == ['example.com.zone', 'example.org.zone']


def test_the_catalog_lists_the_zones_this_host_is_the_first_primary_of(tmp_path, capsys, checker):
    zones = ZONES + [{'name': 'own.test', 'secondaries': ['ns2']}, {'name': 'off.test', 'catalog': False}]
    result = run(capsys, tmp_path, checker, zones=zones, catalog_zone='ns1.catalog.invalid')
    assert 'ns1.catalog.invalid' in result['added_zones'] and result['zone_count'] == 5
    catalog = (tmp_path / 'ns1.catalog.invalid.zone').read_text()
    assert 'PTR\texample.com.' in catalog and 'PTR\texample.org.' in catalog
    assert 'own.test' not in catalog and 'off.test' not in catalog and 'other.test' not in catalog


@pytest.mark.parametrize('zones, message', [
    ([{'name': 'example.com'}, {'name': 'EXAMPLE.com.'}], "zones[1].name: 'EXAMPLE.com.' is the same zone as 'example.com'"),
    ([{'name': 'example.com', 'secondaries': ['ns7']}], "zones (zone example.com) secondaries: 'ns7' is not a host"),
    ([{'name': 'exa mple.com'}], 'contains a space'),
])
def test_bad_zones_fail_before_anything_is_written(tmp_path, capsys, checker, zones, message):
    result = run(capsys, tmp_path / 'zones', checker, zones=zones)
    assert result['failed'] and message in result['msg'], result['msg']
    assert not (tmp_path / 'zones').exists()


def test_a_retiring_server_leaves_the_ns_records_but_keeps_its_address_records(tmp_path, capsys, checker):
    servers = SERVERS + [{'host': 'ns3', 'name': 'ns3.example.com', 'addresses': ['198.51.100.12'], 'state': 'retiring'},
                         {'host': 'ns4', 'name': 'ns4.example.com', 'addresses': ['198.51.100.13'], 'state': 'absent'}]
    run(capsys, tmp_path, checker, servers=servers)
    text = (tmp_path / 'example.com.zone').read_text()
    ns_records = sorted(line.split()[-1] for line in text.splitlines() if '\tNS\t' in line)
    assert ns_records == ['ns1.example.com.', 'ns2.example.net.']
    assert 'ns3.example.com.\tIN\tA\t198.51.100.12' in text  # resolvers may still ask ns3 until the hold-down has passed
    assert 'ns4' not in text
