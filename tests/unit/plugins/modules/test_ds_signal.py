# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ds_signal: what a signing primary is told, from rndc's and keymgr's output (scripted)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.modules import ds_signal
from ansible_collections.dnsops.nameservers.tests.unit.plugins.module_utils.test_ds_plan import BIND_STATUS


class Shell(object):
    """run_command from a table: command prefix -> (rc, out); records the commands."""

    def __init__(self, table, check_mode=False, rollover=()):
        self.table, self.ran, self.check_mode = table, [], check_mode
        self.params = {'rndc': 'rndc', 'knotc': 'knotc', 'keymgr': 'keymgr', 'rollover': list(rollover),
                       'named_checkconf': 'named-checkconf'}

    def run_command(self, command, check_rc=False):
        self.ran.append(' '.join(command))
        for prefix, answer in self.table.items():
            if ' '.join(command).startswith(prefix):
                return answer[0], answer[1], ''
        return 0, '', ''


PARENT = [{'key_tag': 2371, 'algorithm': 13, 'digest_type': 2, 'digest': 'aa' * 32}]


def test_bind_hears_published_and_withdrawn_once_each():
    shell = Shell({'rndc dnssec -status example.com': (0, BIND_STATUS)})
    told, rolled = [], []
    ds_signal.bind_zone(shell, 'example.com', PARENT, told, rolled, False)
    assert told == [{'zone': 'example.com', 'key_tag': 2371, 'ds': 'published'},
                    {'zone': 'example.com', 'key_tag': 4000, 'ds': 'withdrawn'}]
    assert 'rndc dnssec -checkds -key 2371 -alg 13 published example.com' in shell.ran
    assert 'rndc dnssec -checkds -key 4000 -alg 13 withdrawn example.com' in shell.ran


def test_check_mode_and_zones_bind_does_not_sign_here_tell_nothing():
    shell = Shell({'rndc dnssec -status example.com': (0, BIND_STATUS)}, check_mode=True)
    told = []
    ds_signal.bind_zone(shell, 'example.com', PARENT, told, [], False)
    assert len(told) == 2 and not [c for c in shell.ran if '-checkds' in c]
    shell = Shell({'rndc dnssec -status': (1, 'zone not found')})
    told = []
    ds_signal.bind_zone(shell, 'example.com', PARENT, told, [], False)
    assert told == [] and shell.ran == ['rndc dnssec -status example.com']


def test_rollover_starts_once():
    secure = BIND_STATUS.replace('ds:             hidden', 'ds:             omnipresent')
    secure = secure[:secure.index('key: 4000')]
    shell = Shell({'rndc dnssec -status example.com': (0, secure)})
    rolled = []
    ds_signal.bind_zone(shell, 'example.com', PARENT, [], rolled, True)
    assert rolled == [{'zone': 'example.com', 'key_tag': 2371}]
    assert 'rndc dnssec -rollover -key 2371 example.com' in shell.ran
    successor = secure + 'key: 5000 (ECDSAP256SHA256), KSK\n  - goal:           omnipresent\n  - ds:             hidden\n'
    shell = Shell({'rndc dnssec -status example.com': (0, successor)})
    rolled = []
    ds_signal.bind_zone(shell, 'example.com', PARENT, [], rolled, True)
    assert rolled == [] and not [c for c in shell.ran if '-rollover' in c]


def test_knot_ksk_submitted():
    listing = 'a ksk=yes zsk=no tag=2371 algorithm=13 ready=1700000000 active=0\n'
    shell = Shell({'keymgr example.com list': (0, listing)})
    told = []
    ds_signal.knot_zone(shell, 'example.com', PARENT, told, [], False)
    assert told == [{'zone': 'example.com', 'key_tag': None, 'ds': 'submitted'}]
    assert 'knotc zone-ksk-submitted example.com' in shell.ran


def test_bind_told_once_even_while_the_ds_state_is_rumoured(tmp_path):
    """BIND 9.18 moves a new key's DS state to rumoured when it publishes the CDS: the state file's DSPublish says
    whether it was told."""
    status = BIND_STATUS.replace('ds:             hidden', 'ds:             rumoured')
    status = status[:status.index('key: 4000')]
    state = tmp_path / 'Kexample.com.+013+02371.state'
    state.write_text('; This is the state of key 2371, for example.com.\nAlgorithm: 13\nGoal: omnipresent\n')
    table = {'rndc dnssec -status example.com': (0, status),
             'named-checkconf -p': (0, 'options {\n\tkey-directory "%s";\n};\n' % tmp_path)}
    shell, told = Shell(table), []
    ds_signal.bind_zone(shell, 'example.com', PARENT, told, [], False)
    assert told == [{'zone': 'example.com', 'key_tag': 2371, 'ds': 'published'}]
    state.write_text(state.read_text() + 'DSPublish: 20261202200000 (Wed Dec  2 20:00:00 2026)\n')
    shell, told = Shell(table), []
    ds_signal.bind_zone(shell, 'example.com', PARENT, told, [], False)
    assert told == [] and not [c for c in shell.ran if '-checkds' in c]


class Module(object):
    """Just enough of AnsibleModule for find_tools: tools found from a set of names."""

    def __init__(self, software, installed, check_mode):
        self.params = {'software': software, 'rndc': 'rndc', 'named_checkconf': 'named-checkconf',
                       'knotc': 'knotc', 'keymgr': 'keymgr'}
        self.installed, self.check_mode, self.failed = installed, check_mode, None

    def get_bin_path(self, name):
        return '/usr/sbin/' + name if name in self.installed else None

    def fail_json(self, msg):
        self.failed = msg
        raise SystemExit(1)


def test_the_tools_are_found_and_a_dry_run_on_a_fresh_host_tells_nothing():
    module = Module('bind', {'rndc', 'named-checkconf'}, check_mode=False)
    assert ds_signal.find_tools(module) and module.params['rndc'] == '/usr/sbin/rndc'
    # Check mode before step 1 installed BIND: nothing signs here yet.
    assert not ds_signal.find_tools(Module('bind', set(), check_mode=True))
    # A real run without them fails and names what is missing.
    module = Module('knot', {'knotc'}, check_mode=False)
    try:
        ds_signal.find_tools(module)
    except SystemExit:
        pass
    assert module.failed.startswith("keymgr: 'keymgr' not found on this host: is knot installed")
    assert ds_signal.find_tools(Module('nsd', set(), check_mode=False))
