#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ds_signal
short_description: Tell a signing name server that the parent publishes, or has withdrawn, the DS of its keys
version_added: 0.1.0
description:
  - Runs on a signing primary. For each zone of O(zones) it compares the DS records the parent publishes
    (the C(parent) of each of O(zones)) with the key states of the signer and tells the signer what changed, once.
  - "BIND (O(software=bind), C(dnssec-policy)): reads C(rndc dnssec -status ZONE); a key-signing key that wants its
    DS (goal omnipresent) whose DS state is hidden, and whose DS the parent publishes, gets
    C(rndc dnssec -checkds -key ID -alg ALG published ZONE); a key leaving (goal hidden) whose DS state is rumoured
    or omnipresent, and whose DS the parent no longer publishes, gets C(... withdrawn ZONE). BIND then moves the
    key's DS state on, which lets a KSK rollover, or a zone going insecure, go on."
  - "Knot (O(software=knot)): reads C(keymgr ZONE list); a KSK in the ready state (waiting for its DS) whose DS the
    parent publishes gets C(knotc zone-ksk-submitted ZONE). Knot needs no word when a DS is withdrawn."
  - A zone the server does not sign (a secondary, or no policy) is left alone. Other software (NSD) signs nothing.
  - The daemon's tools must be on the host; in check mode a host without them (a dry run before the software is
    installed) is told nothing and the module says so.
  - O(rollover) starts a KSK (or CSK) rollover of the zones it names, once - C(rndc dnssec -rollover -key ID ZONE)
    for the one key whose DS the parent publishes (DS state omnipresent) when no successor is on its way yet, or
    C(knotc zone-key-rollover ZONE ksk); asking again while the rollover runs starts nothing. The next runs of
    the deploy playbook add the new DS, tell the signer, remove the old DS and tell the signer again.
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the key states and reports what it would tell; tells nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  software:
    description: The name server software of this host.
    type: str
    required: true
    choices: [bind, knot, nsd]
  zones:
    description:
      - The zones, each a dict with C(name) and C(parent), the DS records the parent publishes
        (a list of C(key_tag), C(algorithm), C(digest_type), C(digest); null when unknown, then nothing is told).
        Other keys are ignored,
        so the domains of M(dnsops.nameservers.ds_plan) can be given as they are.
    type: list
    elements: dict
    required: true
  rollover:
    description: Zones whose key-signing key to roll now (see above); zones of O(zones) only.
    type: list
    elements: str
    default: []
  rndc:
    description: The rndc command (BIND).
    type: str
    default: rndc
  named_checkconf:
    description:
      - The named-checkconf command (BIND), whose C(-p) output names the key directory, where each key's state file
        says whether BIND was already told (its C(DSPublish) and C(DSRemoved) times).
    type: str
    default: named-checkconf
  knotc:
    description: The knotc command (Knot).
    type: str
    default: knotc
  keymgr:
    description: The keymgr command (Knot).
    type: str
    default: keymgr
seealso:
  - module: dnsops.nameservers.ds_plan
'''

EXAMPLES = r'''
- name: Tell BIND the parent publishes the DS of example.com's KSK
  dnsops.nameservers.ds_signal:
    software: bind
    zones:
      - name: example.com
        parent: [{key_tag: 2371, algorithm: 13, digest_type: 2, digest: 1f987cc6583e92df0890718c42b7a6e6e93a40e7e5a2c9fb3dbea6d6c0e7e5c6}]
'''

RETURN = r'''
told:
  description: What was told (in check mode, what would be), one entry per key.
  returned: always
  type: list
  elements: dict
  sample: [{"zone": "example.com", "key_tag": 2371, "ds": "published"}]
rolled:
  description: The zones whose key rollover was (in check mode, would be) started, with the key rolled.
  returned: always
  type: list
  elements: dict
  sample: [{"zone": "example.com", "key_tag": 2371}]
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dnsops.nameservers.plugins.module_utils._ds_plan import (
    bind_key_directory,
    knot_submitted,
    parse_bind_key_state,
    parse_bind_status,
    parse_knot_keys,
    rollover_key,
    signer_actions,
)


def key_states(module, zone, keys):
    """Whether BIND was told of each key's DS (DSPublish, DSRemoved in its state file; None when not found)."""
    if not hasattr(module, 'dnsops_key_directory'):      # asked once per run
        rc, out, _err = module.run_command([module.params['named_checkconf'], '-p'])
        module.dnsops_key_directory = bind_key_directory(out) if rc == 0 else None
    directory = module.dnsops_key_directory
    for key in keys:
        key['ds_published'] = key['ds_removed'] = None
        if not directory or not key['algorithm']:
            continue
        path = os.path.join(directory, 'K%s.+%03d+%05d.state' % (zone, key['algorithm'], key['key_tag']))
        try:
            with open(path) as handle:
                key['ds_published'], key['ds_removed'] = parse_bind_key_state(handle.read())
        except (IOError, OSError):
            continue


def bind_zone(module, zone, parent, told, rolled, roll):
    rc, out, _err = module.run_command([module.params['rndc'], 'dnssec', '-status', zone])
    if rc != 0:
        return                      # not a zone with a dnssec-policy here (a secondary, or unsigned)
    keys = parse_bind_status(out)
    key_states(module, zone, keys)
    if roll:
        key = rollover_key(keys)
        if key is not None:
            rolled.append({'zone': zone, 'key_tag': key['key_tag']})
            if not module.check_mode:
                module.run_command([module.params['rndc'], 'dnssec', '-rollover', '-key', str(key['key_tag']), zone],
                                   check_rc=True)
    algorithms = dict((k['key_tag'], k['algorithm']) for k in keys)
    for key in keys:
        if key['algorithm'] is None:   # an algorithm named as this module does not know: take the parent's
            key['algorithm'] = next((int(d['algorithm']) for d in parent or [] if int(d['key_tag']) == key['key_tag']), 0)
    for key_tag, what in signer_actions(parent, keys):
        told.append({'zone': zone, 'key_tag': key_tag, 'ds': what})
        if module.check_mode:
            continue
        command = [module.params['rndc'], 'dnssec', '-checkds', '-key', str(key_tag)]
        if algorithms.get(key_tag):
            command += ['-alg', str(algorithms[key_tag])]
        module.run_command(command + [what, zone], check_rc=True)


def knot_zone(module, zone, parent, told, rolled, roll):
    rc, out, _err = module.run_command([module.params['keymgr'], zone, 'list'])
    if rc != 0:
        return
    keys = parse_knot_keys(out)
    active = [k for k in keys if k['ksk'] and k['active']]
    if roll and len(active) == 1 and not [k for k in keys if k['ksk'] and not k['active']]:
        rolled.append({'zone': zone, 'key_tag': active[0]['key_tag']})
        if not module.check_mode:
            module.run_command([module.params['knotc'], 'zone-key-rollover', zone, 'ksk'], check_rc=True)
    if knot_submitted(parent, keys):
        told.append({'zone': zone, 'key_tag': None, 'ds': 'submitted'})
        if not module.check_mode:
            module.run_command([module.params['knotc'], 'zone-ksk-submitted', zone], check_rc=True)


TOOLS = {'bind': ('rndc', 'named_checkconf'), 'knot': ('knotc', 'keymgr')}


def find_tools(module):
    """The full path of each of the daemon's tools; None in check mode on a host that does not have them yet (a dry
    run on a fresh host: step 1 would install the software, so nothing signs there). Missing in a real run: fails."""
    missing = []
    for option in TOOLS.get(module.params['software'], ()):
        path = module.get_bin_path(module.params[option])
        if path is None:
            missing.append('%s: %r' % (option, module.params[option]))
        else:
            module.params[option] = path
    if missing and not module.check_mode:
        module.fail_json(msg='%s not found on this host: is %s installed (step 1 of the deploy playbook, the '
                             'dnsops.nameservers.nameserver role)?' % (', '.join(missing), module.params['software']))
    return not missing


def main():
    module = AnsibleModule(
        argument_spec=dict(
            software=dict(type='str', required=True, choices=['bind', 'knot', 'nsd']),
            zones=dict(type='list', elements='dict', required=True),
            rollover=dict(type='list', elements='str', default=[]),
            rndc=dict(type='str', default='rndc'),
            named_checkconf=dict(type='str', default='named-checkconf'),
            knotc=dict(type='str', default='knotc'),
            keymgr=dict(type='str', default='keymgr', no_log=False),
        ),
        supports_check_mode=True,
    )
    told, rolled = [], []
    roll = set(z.rstrip('.').lower() for z in module.params['rollover'])
    handler = {'bind': bind_zone, 'knot': knot_zone}.get(module.params['software'])
    for index, zone in enumerate(module.params['zones']):
        if not zone.get('name') or not isinstance(zone.get('parent') or [], list):
            module.fail_json(msg='zones[%d]: %r needs a name and parent (a list of DS records, or null)' % (index, zone))
    if handler is not None and not find_tools(module):
        module.exit_json(changed=False, told=told, rolled=rolled,
                         msg='check mode: %s is not installed here yet, so it signs nothing to tell'
                             % module.params['software'])
    if handler is not None:
        for zone in module.params['zones']:
            name = str(zone['name']).rstrip('.').lower()
            handler(module, name, zone.get('parent'), told, rolled, name in roll)
    module.exit_json(changed=bool(told or rolled), told=told, rolled=rolled)


if __name__ == '__main__':
    main()
