#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: zone_files
short_description: Write the zone files of a primary name server, all zones in one task
version_added: 0.1.0
description:
  - Renders the text of every zone this host is a primary for, from structured records or from a zone file
    the user ships, compares it with the file on disk ignoring the SOA serial, and writes only the zones
    whose content changed.
  - The zone's own NS records and the A/AAAA records of its in-zone name servers are derived from O(servers),
    so they always match the glue the registrar side registers.
  - Keeps per-zone serial state on the host (a small JSON file, O(state_file)). A serial is raised only when
    the zone's content changes, never goes backwards (not even when a file was edited by hand), and takes the
    form C(YYYYMMDDnn) when that is ahead of the previous serial.
  - Every changed zone is written to a staging directory first and checked with C(named-checkzone) or
    C(nsd-checkzone); when any check fails the module fails with the checker's message and no zone file is
    replaced, so the server keeps serving the old data.
  - Optionally produces an RFC 9432 catalog zone listing the zones this host is the first primary of.
  - The action plugin of the same name reads the O(zones[].file) of each zone on the controller
    (searching the role's or playbook's C(files/)) and sends its content.
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.files
attributes:
  check_mode:
    support: full
    details: Renders and compares every zone and reports what would change; writes nothing.
  diff_mode:
    support: full
    details: One diff per changed, added or removed zone file.
  platform:
    platforms: posix
options:
  zones:
    description:
      - Every zone of the name server group, in the form of the role's C(nameserver_zones). Zones this host is not
        a primary of are ignored (and their files removed when O(purge=true) and they were written here before).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The zone's name, for example C(example.com).
        type: str
        required: true
      state:
        description: V(absent) removes the zone.
        type: str
        choices: [present, absent]
        default: present
      records:
        description:
          - Records as dicts with C(name) (V(@), relative, or absolute ending in a dot), C(type), C(value)
            (presentation form, a string or a list of strings) and an optional C(ttl).
          - TXT values that do not start with a double quote are quoted and split into strings of 255 octets.
        type: list
        elements: dict
        default: []
      content:
        description:
          - The text of a zone file the user ships, instead of O(zones[].records). Its SOA serial is managed like a
            rendered zone's when it can be recognised.
        type: str
      file:
        description: Path of a zone file on the controller; the action plugin turns it into O(zones[].content).
        type: path
      ttl:
        description: Default TTL of the zone's records.
        type: int
        default: 3600
      soa:
        description: SOA fields C(mname), C(rname), C(refresh), C(retry), C(expire), C(minimum); defaults are sane.
        type: dict
        default: {}
      primaries:
        description: Inventory names of the zone's primaries; defaults to O(default_primaries).
        type: list
        elements: str
      secondaries:
        description: Inventory names of the zone's secondaries; defaults to every other server of O(servers).
        type: list
        elements: str
      catalog:
        description: List the zone in the catalog zone (when O(catalog_zone) is set).
        type: bool
        default: true
      dnssec:
        description:
          - Whether the zone is signed on its primaries (the nameserver role's C(nameserver_zones[].dnssec)); the file
            written here is the unsigned zone either way (the signer keeps the signed one), so it changes nothing here.
        type: bool
      dnssec_policy:
        description: The zone's signing policy (the nameserver role's); not used here.
        type: str
  servers:
    description: The name servers, with their inventory name, public name, addresses and whether they are hidden.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: Inventory name.
        type: str
        required: true
      name:
        description: Public name, for example C(ns1.example.com).
        type: str
        required: true
      addresses:
        description: Public IPv4 and IPv6 addresses.
        type: list
        elements: str
        default: []
      hidden:
        description: Not published in NS records.
        type: bool
        default: false
      state:
        description:
          - The server's C(nameserver_state) - V(retiring) keeps its address records but leaves the NS records,
            V(absent) leaves both and serves nothing.
        type: str
        choices: [present, retiring, absent]
        default: present
  host:
    description: This host's inventory name; the zones it is a primary of are written.
    type: str
    required: true
  default_primaries:
    description: Inventory names of the primaries of zones that do not name their own.
    type: list
    elements: str
    default: []
  directory:
    description: Directory of the zone files (created when missing).
    type: path
    required: true
  state_file:
    description: The serial state file; defaults to C(.serials.json) in O(directory).
    type: path
  checker:
    description: The zone checker to run on every changed zone before it is written (unless O(check_command) is given).
    type: str
    choices: [named-checkzone, nsd-checkzone, none]
    default: named-checkzone
  check_command:
    description:
      - The zone checker as an argv list, in which V({zone}) and V({path}) are replaced by the zone's name and the
        staged file; takes the place of O(checker). The nameserver role passes its server profile's checker.
      - A zero exit status means the zone is good.
    type: list
    elements: str
  catalog_zone:
    description:
      - Name of a catalog zone (RFC 9432) to produce, listing the zones whose first primary is this host, that keep
        the default secondaries and do not set O(zones[].catalog=false). Empty for none.
    type: str
    default: ''
  purge:
    description: Remove zone files this module wrote before for zones this host no longer is a primary of.
    type: bool
    default: true
  track_reloads:
    description:
      - Remember the zones written until the caller confirms their reload, so that a reload that never happened
        (a later task or the reload itself failed) is not forgotten.
      - V(true) - every written zone is listed in the file C(.reload-pending) in O(directory); each run reports
        the zones listed there again in RV(changed_zones) and RV(pending_reload), and is C(changed), until the
        caller deletes that file after reloading (see EXAMPLES). The nameserver role does this in its handlers.
      - V(false) - no such file; a zone is reported only in the run that writes it, and a run that writes nothing
        is not C(changed).
    type: bool
    default: false
notes:
  - One task for any number of zones; a no-op run reads each file once and writes nothing.
  - The module writes files; it does not reload the daemon. Reload the zones in RV(pending_reload) after it
    (C(rndc reload <zone>), C(nsd-control reload <zone>)), as EXAMPLES show.
seealso:
  - name: RFC 9432, DNS catalog zones
    description: The catalog zone format.
    link: https://www.rfc-editor.org/rfc/rfc9432
'''

EXAMPLES = r'''
# Used alone: write the zones, then reload the ones written. A second run with the same zones writes
# nothing, reloads nothing and reports ok.
- name: Write the zones this host is a primary of
  dnsops.nameservers.zone_files:
    host: "{{ inventory_hostname }}"
    default_primaries: [ns1]
    directory: /var/lib/bind/dnsops
    checker: named-checkzone
    owner: root
    group: bind
    mode: "0644"
    servers:
      - {host: ns1, name: ns1.example.com, addresses: [198.51.100.10, "2001:db8::10"]}
      - {host: ns2, name: ns2.example.net, addresses: [198.51.100.11]}
    zones:
      - name: example.com
        records:
          - {name: www, type: A, value: 198.51.100.80}
          - {name: "@", type: MX, value: "10 mail"}
          - {name: "@", type: TXT, value: "v=spf1 mx -all"}
      - name: old.example
        state: absent
  register: zone_result

# A zone new to BIND must first be added to its configuration (zone "example.com" { type primary;
# file "/var/lib/bind/dnsops/example.com.zone"; };); rndc reload then loads it.
- name: Reload the zones just written
  ansible.builtin.command:
    argv: [rndc, reload, "{{ item }}"]
  loop: "{{ zone_result.pending_reload }}"
  changed_when: true

# On an NSD primary, with track_reloads: a failed reload is not forgotten, the next run reports the zone
# again, until the file .reload-pending is deleted after the reloads succeeded.
- name: Write the zones, remembering them until they are reloaded
  dnsops.nameservers.zone_files:
    host: "{{ inventory_hostname }}"
    default_primaries: [ns1]
    directory: /var/lib/nsd/dnsops
    checker: nsd-checkzone
    track_reloads: true
    servers:
      - {host: ns1, name: ns1.example.com, addresses: [198.51.100.10]}
    zones:
      - name: example.com
        records:
          - {name: www, type: A, value: 198.51.100.80}
  register: tracked_result

- name: Reload the zones written now or by an earlier run whose reload failed
  ansible.builtin.command:
    argv: [nsd-control, reload, "{{ item }}"]
  loop: "{{ tracked_result.pending_reload }}"
  changed_when: true

- name: Forget them once reloaded
  ansible.builtin.file:
    path: /var/lib/nsd/dnsops/.reload-pending
    state: absent
'''

RETURN = r'''
changed_zones:
  description:
    - Zones that existed and whose content (and serial) changed; these need a reload.
    - With O(track_reloads=true), also zones an earlier run wrote whose reload was never confirmed (see
      O(track_reloads)).
  returned: always
  type: list
  elements: str
  sample: [example.com]
added_zones:
  description: Zones written for the first time.
  returned: always
  type: list
  elements: str
  sample: [example.org]
pending_reload:
  description:
    - The zones the daemon must load or reload now - RV(changed_zones) and RV(added_zones) together, in order.
    - Empty when nothing was written (and, with O(track_reloads=true), no earlier reload is pending).
  returned: always
  type: list
  elements: str
  sample: [example.com, example.org]
removed_zones:
  description: Zones whose files were removed.
  returned: always
  type: list
  elements: str
  sample: [old.example]
serials:
  description: The serial of every zone this host is a primary of.
  returned: always
  type: dict
  sample: {"example.com": 2026010101}
zone_count:
  description: How many zones this host is a primary of (the catalog zone included).
  returned: always
  type: int
  sample: 2
'''

import json
import os
import shutil
import tempfile

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._topology import Topology
from ansible_collections.dnsops.nameservers.plugins.module_utils._zone import (
    ZoneError,
    check_zone_name,
    content_hash,
    fill_serial,
    next_serial,
    normalize_name,
    render_catalog_zone,
    render_records_zone,
    serial_in_text,
    template_from_file_text,
    zone_file_name,
)

STATE_VERSION = 1
# With track_reloads: zones written but not yet reloaded, one per line; the caller removes the file after reloading.
PENDING_FILE = '.reload-pending'
# The checkers the option checker names; check_command gives any other.
CHECKERS = {
    # -i local: integrity checks inside the zone only, as named does; no lookups of other zones' names.
    'named-checkzone': ['named-checkzone', '-i', 'local', '-k', 'fail', '-n', 'fail', '{zone}', '{path}'],
    'nsd-checkzone': ['nsd-checkzone', '{zone}', '{path}'],
    'none': [],
}


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8', 'replace')
    except (IOError, OSError):
        return None


def _load_state(path):
    text = _read(path)
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    zones = data.get('zones') if isinstance(data, dict) else None
    return zones if isinstance(zones, dict) else {}


def _topology(params):
    """The group's servers and zones as the topology model sees them (the one place of its rules)."""
    hosts = [{'host': s['host'], 'nameserver_name': s['name'], 'nameserver_addresses': s['addresses'] or [],
              'nameserver_hidden': s['hidden'], 'nameserver_primary': s['host'] in params['default_primaries'],
              'nameserver_state': s['state']}
             for s in params['servers']]
    known = set(h['host'] for h in hosts)
    for host in params['default_primaries']:
        if host not in known:
            raise ZoneError('default_primaries: %r is not the host of any of servers' % host)
    try:
        return Topology(hosts, params['zones'], catalog=bool(params['catalog_zone']), group='servers',
                        require_addresses=False, zones_field='zones')
    except ValidationError as exc:
        raise ZoneError(str(exc))


def _plan(module):
    """(wanted, catalog members): wanted maps zone -> template text, for the zones this host is a primary of."""
    params = module.params
    host = params['host']
    topology = _topology(params)
    # Address records for every server that keeps its glue; NS records for those in the zone's NS set.
    group = [{'name': s.name, 'addresses': s.addresses, 'hidden': not s.glued} for s in topology.servers]
    by_host = dict((s.host, {'name': s.name, 'addresses': s.addresses, 'hidden': False}) for s in topology.servers)
    wanted = {}
    for zone in topology.primary_zones(host):
        spec = zone.spec
        if spec['content'] is not None:
            if spec['records']:
                raise ZoneError('zone %s has both records and a file; give one' % zone.name)
            template = template_from_file_text(zone.name, spec['content'])[0]
        else:
            serving = [by_host[server.host] for server in topology.ns_servers(zone)]
            template = render_records_zone(zone.name, spec['records'], serving, soa=spec['soa'], ttl=spec['ttl'], group=group)
        wanted[zone.name] = template
    members = topology.catalog_members(host) if params['catalog_zone'] else []
    if params['catalog_zone']:
        catalog = check_zone_name(params['catalog_zone'])
        if catalog in wanted:
            raise ZoneError('catalog zone %s is also listed as a zone' % catalog)
        wanted[catalog] = render_catalog_zone(catalog, members)
    return wanted, members


def _check_command(params):
    """The checker's argv with {zone} and {path} placeholders, from check_command or the named checker."""
    if params['check_command']:
        return list(params['check_command'])
    return CHECKERS[params['checker']]


def _check_zone(module, command, zone, path):
    if not command:
        return None
    executable = module.get_bin_path(command[0])
    if not executable:
        return '%s: cannot run %s: not found' % (zone, command[0])
    argv = [executable] + [arg.replace('{zone}', zone).replace('{path}', path) for arg in command[1:]]
    rc, out, err = module.run_command(argv)
    if rc != 0:
        return '%s: %s' % (zone, to_native(out + err).strip().replace(path, zone_file_name(zone)))
    return None


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            zones=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                records=dict(type='list', elements='dict', default=[]),
                content=dict(type='str'),
                file=dict(type='path'),
                ttl=dict(type='int', default=3600),
                soa=dict(type='dict', default={}),
                primaries=dict(type='list', elements='str'),
                secondaries=dict(type='list', elements='str'),
                catalog=dict(type='bool', default=True),
                dnssec=dict(type='bool'),
                dnssec_policy=dict(type='str'),
            )),
            servers=dict(type='list', elements='dict', required=True, options=dict(
                host=dict(type='str', required=True),
                name=dict(type='str', required=True),
                addresses=dict(type='list', elements='str', default=[]),
                hidden=dict(type='bool', default=False),
                state=dict(type='str', choices=['present', 'retiring', 'absent'], default='present'),
            )),
            host=dict(type='str', required=True),
            default_primaries=dict(type='list', elements='str', default=[]),
            directory=dict(type='path', required=True),
            state_file=dict(type='path'),
            checker=dict(type='str', choices=['named-checkzone', 'nsd-checkzone', 'none'], default='named-checkzone'),
            check_command=dict(type='list', elements='str'),
            catalog_zone=dict(type='str', default=''),
            purge=dict(type='bool', default=True),
            track_reloads=dict(type='bool', default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    directory = params['directory']
    state_file = params['state_file'] or os.path.join(directory, '.serials.json')

    for zone in params['zones']:
        if zone['file'] is not None and zone['content'] is None and zone['state'] == 'present':
            module.fail_json(msg='zone %s: file %s was not read; run the module through its action plugin '
                             '(dnsops.nameservers.zone_files) or give content' % (zone['name'], zone['file']))
    try:
        wanted, members = _plan(module)
    except ZoneError as exc:
        module.fail_json(msg=to_native(exc))

    state = _load_state(state_file)
    # Zones written by an earlier run whose reload never happened (a later task or the reload failed):
    # the files match now, so only this record says the daemon still serves the old data.
    # Without track_reloads there is no such record: a caller that reloads after each run needs none.
    pending_file = os.path.join(directory, PENDING_FILE)
    tracking = params['track_reloads']
    pending_before = set((_read(pending_file) or '').split()) if tracking else set()
    # Zones no longer served keep their last serial, so a zone that comes back never goes backwards.
    new_state = dict((zone, {'serial': int(entry.get('serial') or 0), 'removed': True})
                     for zone, entry in state.items() if isinstance(entry, dict))
    writes = {}      # zone -> (text, existed)
    serials = {}
    diffs = []
    for zone, template in wanted.items():
        path = os.path.join(directory, zone_file_name(zone))
        entry = state.get(zone) or {}
        digest = content_hash(template)
        on_disk = _read(path)
        old_serial = int(entry.get('serial') or 0)
        if on_disk is not None:
            disk_serial = serial_in_text(on_disk) or 0
            if disk_serial >= old_serial and on_disk == fill_serial(template, disk_serial):
                # Unchanged (or state lost and the file is ours): keep its serial.
                serials[zone] = disk_serial
                new_state[zone] = {'serial': disk_serial, 'hash': digest}
                continue
            old_serial = max(old_serial, disk_serial)
        if '@@SERIAL@@' in template:
            serial = next_serial(old_serial)
        else:
            serial = serial_in_text(template) or 0
        text = fill_serial(template, serial)
        serials[zone] = serial
        new_state[zone] = {'serial': serial, 'hash': digest}
        writes[zone] = (text, on_disk is not None)
        if module._diff:
            diffs.append({'before_header': path, 'after_header': path,
                          'before': on_disk or '', 'after': text})

    removed = []
    if params['purge']:
        for zone in sorted(state):
            if zone not in wanted and os.path.exists(os.path.join(directory, zone_file_name(zone))):
                removed.append(zone)
    for zone in params['zones']:
        name = normalize_name(zone['name'])
        if name not in wanted and name not in removed and name not in state \
                and os.path.exists(os.path.join(directory, zone_file_name(name))):
            removed.append(name)
    if module._diff:
        for zone in removed:
            path = os.path.join(directory, zone_file_name(zone))
            diffs.append({'before_header': path, 'after_header': path, 'before': _read(path) or '', 'after': ''})

    unreloaded = set(z for z in pending_before if z in wanted and z not in writes)
    changed_zones = sorted(set(z for z, (_t, existed) in writes.items() if existed) | unreloaded)
    added_zones = sorted(z for z, (_t, existed) in writes.items() if not existed)
    pending = sorted(set(writes) | unreloaded)
    state_changed = new_state != state
    changed = bool(writes or removed or unreloaded)
    result = dict(changed=changed, changed_zones=changed_zones, added_zones=added_zones,
                  pending_reload=sorted(set(changed_zones) | set(added_zones)),
                  removed_zones=sorted(removed), serials=serials, zone_count=len(wanted))
    if module._diff:
        result['diff'] = diffs

    if module.check_mode:
        _exit(module, result)

    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
        result['changed'] = True
    if writes:
        staging = tempfile.mkdtemp(prefix='.staging-', dir=directory)
        try:
            staged = {}
            for zone, (text, _existed) in writes.items():
                path = os.path.join(staging, zone_file_name(zone))
                with open(path, 'wb') as handle:
                    handle.write(text.encode('utf-8'))
                staged[zone] = path
            command = _check_command(params)
            with ThreadPoolExecutor(max_workers=4) as pool:
                errors = [e for e in pool.map(lambda item: _check_zone(module, command, item[0], item[1]), sorted(staged.items())) if e]
            if errors:
                module.fail_json(msg='%d zone(s) failed %s; nothing was written: %s' % (len(errors), command[0], ' | '.join(errors)),
                                 errors=errors, changed=False)
            for zone, path in staged.items():
                final = os.path.join(directory, zone_file_name(zone))
                module.set_fs_attributes_if_different(module.load_file_common_arguments(params, path=path), False)
                os.rename(path, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    for zone in removed:
        try:
            os.unlink(os.path.join(directory, zone_file_name(zone)))
        except OSError:
            pass
    if tracking and pending:
        _write_atomically(pending_file, ''.join(zone + '\n' for zone in pending))
    if state_changed or not os.path.exists(state_file):
        _write_atomically(state_file, json.dumps({'version': STATE_VERSION, 'zones': new_state},
                                                 sort_keys=True, separators=(',', ':')))
    _exit(module, result)


def _exit(module, result):
    """Exit with the invocation listing each zone by name: the records of thousands of zones would make the
    result megabytes, sent back and processed for nothing."""
    args = dict(module.params, zones=['%s (%s)' % (z['name'], z['state']) for z in module.params['zones']])
    module.exit_json(invocation={'module_args': args}, **result)


def _write_atomically(path, text):
    fd, tmp = tempfile.mkstemp(prefix='.dnsops-', dir=os.path.dirname(path) or '.')
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


def main():
    run_module()


if __name__ == '__main__':
    main()
