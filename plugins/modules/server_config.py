#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: server_config
short_description: Install a name server's configuration files, checked first, in one task
version_added: 0.1.0
description:
  - Internal to the collection - the C(nameserver) role calls it; its options may change between releases.
  - Creates the O(directories), then compares each of O(files) and O(sensitive_files) with the live file. When any
    file that the checker reads differs, all of them are written to O(staging_dir) with O(check_file) and the
    checker (O(check_command), the staged check file appended) runs; when it fails, nothing is installed and the
    module fails with the checker's message, so the daemon keeps its working configuration.
  - The action plugin of the same name renders each O(files[].src) template on the controller into its content.
  - Then every differing file is replaced atomically (with a backup where asked) and the result says whether the
    daemon needs a restart or a reconfiguration (each file says which, O(files[].apply)).
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports which files would change; writes nothing and does not run the checker.
  diff_mode:
    support: full
    details: One diff per changed file of O(files); none for O(sensitive_files).
  platform:
    platforms: posix
options:
  directories:
    description: Directories to create (when missing) and keep at their owner, group and mode.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The directory.
        type: path
        required: true
      owner:
        description: Its owner.
        type: str
      group:
        description: Its group.
        type: str
      mode:
        description: Its mode, for example V(0750).
        type: str
  files:
    description: The configuration files.
    type: list
    elements: dict
    default: []
    # sensitive_files takes the same suboptions (a YAML alias of these).
    suboptions: &file_suboptions
      path:
        description: Where the file lives.
        type: path
        required: true
      content:
        description: Its text (or give C(src)).
        type: str
      src:
        description: A template (searched in C(templates/) of the role or playbook) rendered on the controller into the content.
        type: path
      vars:
        description: Variables for C(src) besides the task's.
        type: dict
      owner:
        description: Its owner.
        type: str
      group:
        description: Its group.
        type: str
      mode:
        description: Its mode.
        type: str
        default: '0640'
      checked:
        description: The checker reads this file (from O(staging_dir), under the file's own name).
        type: bool
        default: true
      backup:
        description: Keep a backup of the file it replaces.
        type: bool
        default: false
      apply:
        description: What a change of this file needs - V(restart) the daemon or V(reconfig)ure it.
        type: str
        choices: [restart, reconfig]
        default: reconfig
  sensitive_files:
    description:
      - Like O(files), for files holding secrets; their content is never shown, not even in a diff.
      - The checker's message never shows their quoted values either (those no other file holds, such as the secret
        of a key whose name the other files use).
    type: list
    elements: dict
    default: []
    suboptions: *file_suboptions
  staging_dir:
    description: Where the checked files are staged before the checker runs (created when missing).
    type: path
    required: true
  check_file:
    description: The text of the main configuration file the checker reads, including the staged files; written to O(staging_dir) as C(check.conf).
    type: str
    default: ''
  check_src:
    description: A template rendered on the controller into O(check_file).
    type: path
  check_vars:
    description: Variables for O(check_src) besides the task's.
    type: dict
  check_command:
    description:
      - The checker's argv. V({path}) in an argument is replaced by the staged check file; without V({path}) the
        file is appended (V([named-checkconf, -z]), V([knotc, -c, "{path}", conf-check])). Empty - no check.
    type: list
    elements: str
    default: []
seealso:
  - module: dnsops.nameservers.zone_files
'''

EXAMPLES = r'''
- name: Install the checked configuration
  dnsops.nameservers.server_config:
    directories:
      - {path: /etc/nsd/dnsops, owner: root, group: nsd, mode: "0750"}
    files:
      - {path: /etc/nsd/dnsops/options.conf, content: "server:\n  port: 53\n", group: nsd, apply: restart}
    staging_dir: /etc/nsd/dnsops/staged
    check_file: "include: \"/etc/nsd/dnsops/staged/options.conf\"\n"
    check_command: [nsd-checkconf]
  register: config
'''

RETURN = r'''
changed_files:
  description: The files that were (or in check mode would be) replaced.
  returned: always
  type: list
  elements: str
  sample: [/etc/nsd/dnsops/zones.conf]
created_files:
  description: Those of O(files) and O(sensitive_files) that did not exist before (a fresh install).
  returned: always
  type: list
  elements: str
  sample: [/etc/nsd/dnsops/options.conf]
restart:
  description: A changed file needs the daemon restarted.
  returned: always
  type: bool
reconfig:
  description: A changed file needs the daemon to re-read its configuration.
  returned: always
  type: bool
'''

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

CHECK_FILE = 'check.conf'


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _attributes(module, spec, path):
    return module.load_file_common_arguments({'path': path, 'owner': spec.get('owner'), 'group': spec.get('group'),
                                             'mode': spec.get('mode')})


def _write(module, spec, path, data):
    """Replace ``path`` with ``data`` atomically, at the file's owner, group and mode."""
    fd, tmp = tempfile.mkstemp(prefix='.dnsops-', dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        module.set_fs_attributes_if_different(_attributes(module, spec, tmp), False)
        os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _directories(module, directories):
    changed = False
    for spec in directories:
        path = spec['path']
        if not os.path.isdir(path):
            changed = True
            if not module.check_mode:
                os.makedirs(path)
        if os.path.isdir(path):
            changed = module.set_fs_attributes_if_different(_attributes(module, spec, path), changed) or changed
    return changed


def checker_arguments(arguments, path):
    """The checker's arguments with the staged file: in place of {path}, else after the last argument."""
    if any('{path}' in argument for argument in arguments):
        return [argument.replace('{path}', path) for argument in arguments]
    return list(arguments) + [path]


def secret_values(files):
    """The quoted values of the sensitive files that no other file holds (the secrets, not the key's name):
    a checker may quote them in its message (knotc does: ``item 'secret', value '...'``)."""
    public = b''.join(data for _spec, data, secret in files if not secret)
    values = set()
    for _spec, data, secret in files:
        if secret:
            values.update(v for v in re.findall(rb'"([^"\n]+)"', data) if v not in public)
    return sorted((to_native(v) for v in values), key=len, reverse=True)


def scrub(text, secrets):
    for value in secrets:
        text = text.replace(value, '<not shown>')
    return text


def _check(module, files, params):
    """Stage the checked files and run the checker; fail, installing nothing, when it refuses them."""
    staging = params['staging_dir']
    if not os.path.isdir(staging):
        os.makedirs(staging)
    for spec, data, _secret in files:
        if spec['checked']:
            _write(module, dict(spec, mode='0640'), os.path.join(staging, os.path.basename(spec['path'])), data)
    check_path = os.path.join(staging, CHECK_FILE)
    _write(module, {'mode': '0640', 'group': files[0][0].get('group') if files else None}, check_path,
           to_bytes(params['check_file']))
    command = list(params['check_command'])
    executable = module.get_bin_path(command[0])
    if not executable:
        module.fail_json(msg='cannot run %s: not found; nothing was installed' % command[0], changed=False)
    rc, out, err = module.run_command([executable] + checker_arguments(command[1:], check_path))
    if rc != 0:
        module.fail_json(msg='%s refused the staged configuration; nothing was installed: %s'
                         % (command[0], scrub(to_native(out + err).strip(), secret_values(files))), rc=rc, changed=False)


def run_module():
    file_options = dict(
        path=dict(type='path', required=True),
        content=dict(type='str'),
        src=dict(type='path'),
        vars=dict(type='dict'),
        owner=dict(type='str'),
        group=dict(type='str'),
        mode=dict(type='str', default='0640'),
        checked=dict(type='bool', default=True),
        backup=dict(type='bool', default=False),
        apply=dict(type='str', choices=['restart', 'reconfig'], default='reconfig'),
    )
    secret_options = dict(file_options, content=dict(type='str', no_log=True))
    module = AnsibleModule(
        argument_spec=dict(
            directories=dict(type='list', elements='dict', default=[], options=dict(
                path=dict(type='path', required=True),
                owner=dict(type='str'),
                group=dict(type='str'),
                mode=dict(type='str'),
            )),
            files=dict(type='list', elements='dict', default=[], options=file_options),
            sensitive_files=dict(type='list', elements='dict', default=[], options=secret_options),
            staging_dir=dict(type='path', required=True),
            check_file=dict(type='str', default=''),
            check_src=dict(type='path'),
            check_vars=dict(type='dict'),
            check_command=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for spec in params['files'] + params['sensitive_files']:
        if spec['content'] is None:
            module.fail_json(msg='%s: no content; give content, or src through the action plugin (dnsops.nameservers.server_config)'
                             % spec['path'])
    changed = _directories(module, params['directories'])
    files = [(spec, to_bytes(spec['content']), False) for spec in params['files']]
    files += [(spec, to_bytes(spec['content']), True) for spec in params['sensitive_files']]
    differing = []
    diffs = []
    for spec, data, secret in files:
        live = _read(spec['path'])
        if live != data:
            differing.append((spec, data))
            if module._diff and not secret:
                diffs.append({'before_header': spec['path'], 'after_header': spec['path'],
                              'before': (live or b'').decode('utf-8', 'replace'), 'after': data.decode('utf-8', 'replace')})
        elif os.path.exists(spec['path']):
            # Same text: only owner, group or mode may differ.
            if module.check_mode:
                changed = module.set_fs_attributes_if_different(_attributes(module, spec, spec['path']), changed) or changed
            elif module.set_fs_attributes_if_different(_attributes(module, spec, spec['path']), False):
                changed = True
                differing.append((spec, None))
    result = dict(changed=changed or bool(differing),
                  changed_files=[spec['path'] for spec, _data in differing],
                  created_files=[spec['path'] for spec, data in differing if data is not None and not os.path.exists(spec['path'])],
                  restart=any(spec['apply'] == 'restart' for spec, _data in differing),
                  reconfig=any(spec['apply'] == 'reconfig' for spec, _data in differing))
    if module._diff:
        result['diff'] = diffs
    if module.check_mode or not differing:
        module.exit_json(**result)
    to_write = [(spec, data) for spec, data in differing if data is not None]
    if params['check_command'] and any(spec['checked'] for spec, _data in to_write):
        _check(module, files, params)
    for spec, data in to_write:
        if spec['backup'] and os.path.exists(spec['path']):
            result.setdefault('backup_files', []).append(module.backup_local(spec['path']))
        _write(module, spec, spec['path'], data)
    module.exit_json(**result)


def main():
    run_module()


if __name__ == '__main__':
    main()
