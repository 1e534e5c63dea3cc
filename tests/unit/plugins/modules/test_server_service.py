# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""server_service against a scripted init system (a shell script that starts and stops a real process) and a
scripted DNS server on loopback that answers for the zones the 'daemon' has loaded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dnsops.nameservers.plugins.modules import server_service
from ansible_collections.dnsops.nameservers.tests.unit.plugins.soa_responder import SoaResponder


def Server(pid_file, served):
    """A SoaResponder serving the zones in ``served`` (AA, serial 7), refusing others, while the pid file names
    a live process (silent otherwise, as a stopped daemon)."""
    def answer(zone):
        if not server_service.running_pid(pid_file):
            return None
        return 'serve' if zone in responder.served else 'refuse'
    responder = SoaResponder(answer)
    responder.served = served  # a test may stop serving a zone
    return responder


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """An init script that starts (a sleeping process, its pid in the pid file) and stops it, logging each."""
    pid_file = tmp_path / 'd.pid'
    script = tmp_path / 'init.sh'
    script.write_text('#!/bin/sh\necho "$1" >> %(log)s\n'
                      'case "$1" in start) sleep 60 >/dev/null 2>&1 & echo $! > %(pid)s ;;\n'
                      ' stop) kill $(cat %(pid)s); rm -f %(pid)s ;; esac\n' % {'log': tmp_path / 'init.log', 'pid': pid_file})
    script.chmod(0o755)
    monkeypatch.setattr(server_service, 'init_command', lambda module, service, action: [str(script), action])
    server = Server(str(pid_file), set(['a.test', 'b.test']))
    yield tmp_path, pid_file, server
    server.stop()
    if server_service.running_pid(str(pid_file)):
        os.kill(server_service.running_pid(str(pid_file)), 15)


def run(capsys, lab, **args):
    tmp_path, pid_file, server = lab
    args = dict(dict(service='d', pid_file=str(pid_file), addresses=['127.0.0.1'], port=server.port, timeout=5), **args)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            server_service.main()
    return json.loads(capsys.readouterr().out)


def init_log(lab):
    path = lab[0] / 'init.log'
    return path.read_text().split() if path.exists() else []


def test_started_starts_a_stopped_daemon_once_and_leaves_a_running_one_alone(capsys, lab):
    result = run(capsys, lab, state='started', zones=['a.test', 'b.test'], wait_for='all')
    assert result['changed'] and result['pid'] and result['zones_waited_for'] == 2
    again = run(capsys, lab, state='started', zones=['a.test', 'b.test'])
    assert not again['changed'] and again['pid'] == result['pid']
    assert init_log(lab) == ['start']


def test_a_restart_stops_starts_and_waits_for_the_zones_served_before(capsys, lab):
    first = run(capsys, lab, state='started', wait_for='none')
    marker = lab[0] / 'before.log'
    # c.test is not served before the restart: it is not waited for.
    result = run(capsys, lab, state='restarted', zones=['a.test', 'b.test', 'c.test'],
                 before_restart=['/bin/sh', '-c', 'echo before >> %s' % marker])
    assert result['changed'] and result['old_pid'] == first['pid'] and result['pid'] not in (0, first['pid'])
    assert result['zones_waited_for'] == 2 and marker.read_text() == 'before\n'
    assert init_log(lab) == ['start', 'stop', 'start']
    assert result['times'][0] <= result['times'][1]


def test_a_zone_that_does_not_come_back_fails_naming_it(capsys, lab):
    run(capsys, lab, state='started', wait_for='none')
    tmp_path, pid_file, server = lab
    server.served.discard('b.test')
    result = run(capsys, lab, state='ready', zones=['a.test', 'b.test'], timeout=1)
    assert result['failed'] and 'does not answer for 1 of its 2 zones' in result['msg'] and 'b.test (rcode 5)' in result['msg']


def test_check_mode_starts_nothing(capsys, lab):
    result = run(capsys, lab, state='restarted', zones=['a.test'], _ansible_check_mode=True)
    assert result['changed'] and init_log(lab) == []
    assert not run(capsys, lab, state='ready', zones=['a.test'], _ansible_check_mode=True)['changed']


def test_a_daemon_without_a_pid_file_is_found_by_its_process_name(tmp_path):
    """Knot DNS run in the foreground by systemd writes no pid file: the daemon is the oldest process of its name
    whose parent is not one too (its own children are not the daemon)."""
    import shutil
    import subprocess
    program = str(tmp_path / 'dnsopsd-unit')
    shutil.copy('/bin/sleep', program)
    parent = subprocess.Popen([program, '30'])
    try:
        missing = str(tmp_path / 'none.pid')
        assert server_service.running_pid(missing) == 0
        assert server_service.running_pid(missing, 'dnsopsd-unit') == parent.pid
        stale = tmp_path / 'stale.pid'
        stale.write_text('999999999\n')
        assert server_service.running_pid(str(stale), 'dnsopsd-unit') == parent.pid
        assert server_service.running_pid(missing, 'no-such-daemon') == 0
    finally:
        parent.kill()
        parent.wait()
    assert server_service.running_pid(str(tmp_path / 'none.pid'), 'dnsopsd-unit') == 0
