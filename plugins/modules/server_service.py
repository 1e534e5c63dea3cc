#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: server_service
short_description: Start or restart a name server and wait until it answers for its zones
version_added: 0.1.0
description:
  - Internal to the collection - the C(nameserver) role calls it; its options may change between releases.
  - V(started) starts the daemon when it does not run, then waits until it answers for every zone of O(zones); a
    daemon that runs already is left alone (not changed, nothing asked).
  - V(ready) starts nothing; it waits until the daemon answers for every zone of O(zones) (not changed).
  - V(restarted) asks the running daemon for the SOA of each zone once (at the first of O(addresses) where it
    answers), runs O(before_restart), stops the daemon, waits until its process is gone, starts it, then waits until
    it answers again for the zones it answered for before, each with at least the serial it had
    (O(wait_for=served_before); every zone when it answered for none), or for every zone (O(wait_for=all)).
    With the task keyword C(throttle) set to 1, one server of the play restarts at a time and the next only once this one
    serves again.
  - Waiting asks the daemon at the first of O(addresses) for the SOA of the zones, without recursion, from the host
    itself, until each answers authoritatively, or fails after O(timeout) seconds naming the zones that do not and
    why.
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports whether it would start or restart; starts, stops and asks nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  service:
    description: The init system's name of the daemon.
    type: str
    required: true
  state:
    description: V(started), V(restarted) or V(ready).
    type: str
    choices: [started, restarted, ready]
    required: true
  pid_file:
    description: The daemon's pid file; it tells whether the daemon runs, and which process must be gone before the start.
    type: path
    required: true
  process:
    description:
      - The name of the daemon's process (C(named), C(nsd), C(knotd)), for a daemon that writes no pid file when
        its init system runs it in the foreground (Knot DNS under systemd); the oldest such process whose parent
        is not one too is the daemon. Empty - the pid file alone.
    type: str
    default: ''
  before_restart:
    description: A command (argv) to run before the daemon is stopped, e.g. to write transferred zones to disk.
    type: list
    elements: str
    default: []
  addresses:
    description:
      - Where the daemon listens with its new configuration (the first is asked after a start). Before a restart the
        running daemon may still listen elsewhere (new addresses added in this run); it is asked at the first of them
        where it answers.
    type: list
    elements: str
    required: true
  port:
    description: Its DNS port.
    type: int
    default: 53
  zones:
    description: Every zone the daemon serves.
    type: list
    elements: str
    default: []
  wait_for:
    description:
      - After a restart, wait for the zones the daemon answered for before it (V(served_before)), or for every zone
        of O(zones) (V(all)); after a start, for every zone (V(all) and V(served_before)) or not at all (V(none),
        so that the servers of a play start together and a later task with O(state=ready) waits; secondaries then
        transfer from primaries started in the same task).
    type: str
    choices: [all, served_before, none]
    default: served_before
  timeout:
    description: Seconds to wait for the zones.
    type: int
    default: 300
seealso:
  - module: dnsops.nameservers.server_config
'''

EXAMPLES = r'''
- name: Restart, one server at a time, each serving its zones again before the next
  dnsops.nameservers.server_service:
    service: nsd
    state: restarted
    pid_file: /run/nsd/nsd.pid
    addresses: [198.51.100.11]
    zones: [example.com, example.net]
  throttle: 1
'''

RETURN = r'''
old_pid:
  description: The daemon's process before (0 when it did not run).
  returned: always
  type: int
pid:
  description: Its process afterwards.
  returned: always
  type: int
zones_waited_for:
  description: How many zones it waited for.
  returned: when it started, restarted or waited
  type: int
seconds:
  description: How long the daemon took, from its start (or the task's), to answer for those zones.
  returned: when it started, restarted or waited
  type: float
times:
  description: When the stop (or start) began and when the daemon answered for its zones again (seconds since the epoch).
  returned: when it started or restarted the daemon
  type: list
  elements: float
'''

import errno
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._soa_probe import ask_all, wait_until_served

# Zones named in a failure, at most.
SHOWN = 10


def alive(pid):
    """The process exists and is no zombie (a zombie holds no socket; nobody may reap it soon)."""
    try:
        os.kill(pid, 0)
    except OSError as exc:
        if exc.errno != errno.EPERM:  # EPERM: it runs, as another user
            return False
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (IOError, OSError, IndexError):
        return True


def running_pid(pid_file, process=''):
    """The pid in ``pid_file`` when that process runs, else the daemon found by its process name, else 0."""
    try:
        with open(pid_file) as handle:
            pid = int(handle.read().split()[0])
    except (IOError, OSError, ValueError, IndexError):
        pid = 0
    if pid and alive(pid):
        return pid
    return daemon_by_name(process) if process else 0


def process_status(pid):
    """(name, parent pid) of a process, from /proc/PID/stat; None when it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            head, tail = handle.read().rsplit(')', 1)
    except (IOError, OSError, ValueError):
        return None
    fields = tail.split()
    return head.split('(', 1)[1], int(fields[1]), fields[0]


def daemon_by_name(process):
    """The oldest live process named ``process`` whose parent is not one too (NSD's children are 'nsd' too)."""
    for pid in sorted(int(entry) for entry in os.listdir('/proc') if entry.isdigit()):
        status = process_status(pid)
        if status and status[0] == process and status[2] != 'Z':
            parent = process_status(status[1])
            if not parent or parent[0] != process:
                return pid
    return 0


def init_command(module, service, action):
    if os.path.isdir('/run/systemd/system'):
        return [module.get_bin_path('systemctl', required=True), action, service]
    return [module.get_bin_path('service', required=True, opt_dirs=['/usr/sbin', '/sbin']), service, action]


def run(module, argv, what, result):
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg='%s failed (%s, rc %d): %s' % (what, ' '.join(argv), rc, (out + err).strip()), **result)


def served_now(params):
    """{zone: serial} of the zones the running daemon answers for authoritatively, asked once, at the first
    address where it answers for any."""
    for address in params['addresses']:
        answers = ask_all(address, params['port'], params['zones'])
        served = dict((zone, serial) for zone, (authoritative, rcode, serial) in answers.items()
                      if authoritative and rcode == 0 and serial is not None)
        if served:
            return served
    return {}


def stop(module, params, pid, result, deadline=60):
    """Stop the daemon and wait until its process is gone (a new one could not bind its addresses)."""
    run(module, init_command(module, params['service'], 'stop'), 'stopping %s' % params['service'], result)
    end = time.monotonic() + deadline
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    if alive(pid):
        module.fail_json(msg='%s (pid %d) still runs %d s after it was told to stop; not started again'
                         % (params['service'], pid, deadline), **result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type='str', required=True),
            state=dict(type='str', required=True, choices=['started', 'restarted', 'ready']),
            pid_file=dict(type='path', required=True),
            process=dict(type='str', default=''),
            before_restart=dict(type='list', elements='str', default=[]),
            addresses=dict(type='list', elements='str', required=True),
            port=dict(type='int', default=53),
            zones=dict(type='list', elements='str', default=[]),
            wait_for=dict(type='str', choices=['all', 'served_before', 'none'], default='served_before'),
            timeout=dict(type='int', default=300),
        ),
        supports_check_mode=True,
    )
    params = module.params
    old_pid = running_pid(params['pid_file'], params['process'])
    result = dict(changed=False, old_pid=old_pid, pid=old_pid)
    if params['state'] == 'ready' and not module.check_mode:
        wait(module, params, params['zones'], {}, time.monotonic(), result)
        module.exit_json(**result)
    if params['state'] == 'ready' or (params['state'] == 'started' and old_pid):
        module.exit_json(**result)
    result['changed'] = True
    if module.check_mode:
        module.exit_json(**result)
    began = time.time()
    # After a restart, the zones it served before, each at least at the serial it had; else every zone.
    as_before = params['state'] == 'restarted' and old_pid and params['wait_for'] == 'served_before'
    minimum = served_now(params) if as_before else {}
    zones = sorted(minimum) if minimum else [] if params['wait_for'] == 'none' else params['zones']
    if params['state'] == 'restarted' and old_pid:
        if params['before_restart']:
            rc, out, err = module.run_command(params['before_restart'])
            if rc != 0:
                module.warn('before the restart, %s failed (rc %d): %s' % (params['before_restart'][0], rc, (out + err).strip()))
        stop(module, params, old_pid, result)
    started = time.monotonic()
    run(module, init_command(module, params['service'], 'start'), 'starting %s' % params['service'], result)
    wait(module, params, zones, minimum, started, result)
    result.update(pid=running_pid(params['pid_file'], params['process']), times=[began, time.time()])
    module.exit_json(**result)


def wait(module, params, zones, minimum, started, result):
    """Until the daemon answers authoritatively for ``zones`` (each at least at its ``minimum`` serial)."""
    address = params['addresses'][0]
    elapsed, waiting = wait_until_served(address, params['port'], zones, minimum, params['timeout'])
    result.update(zones_waited_for=len(zones), seconds=round(time.monotonic() - started, 2))
    if waiting:
        shown = ', '.join('%s (%s)' % item for item in sorted(waiting.items())[:SHOWN])
        module.fail_json(msg='%s does not answer for %d of its %d zones at %s after %d s: %s%s' % (
            params['service'], len(waiting), len(zones), address, elapsed, shown,
            ' ...' if len(waiting) > SHOWN else ''), waiting=sorted(waiting), **result)


if __name__ == '__main__':
    main()
