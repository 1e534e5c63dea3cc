# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX does with the kit's files, for the tests of tests/awx.

AWX itself cannot run here. The rules its API applies when a custom credential type or a survey is
saved are checked below, so a file that fails here would be refused by AWX. ``injected`` renders a
credential the way AWX does before a job: environment variables, and extra variables passed as
``-e @file`` with every string marked ``!unsafe``. ``offered_playbook`` and ``listed_inventory``
say which of a project's files AWX offers as a job template's playbook and lists as inventory files.
"""

import json
import os
import re
import shlex
import stat
import subprocess
import sys

import ansible_runner
import yaml
from jinja2 import StrictUndefined
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

BIN = os.path.dirname(sys.executable)
IDENTIFIER = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*$')
FIELD_KEYS = {'id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'}
STRING_ONLY_KEYS = ('choices', 'multiline', 'format', 'secret')
# Environment variables AWX refuses in injectors (besides every ANSIBLE_* one): its own job settings.
AWX_ENV_BLOCKLIST = {'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID',
                     'INVENTORY_UPDATE_ID', 'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES',
                     'CALLBACK_QUEUE', 'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS',
                     'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH'}
SURVEY_TYPES = {'text': str, 'textarea': str, 'password': str, 'multiplechoice': str, 'multiselect': str,
                'integer': int, 'float': (float, int)}
# AWX passes its own variables with these prefixes (awx_job_id, tower_user_name, ...).
AWX_VARIABLE_PREFIXES = ('awx_', 'tower_')


def credential_type_problems(definition):
    """Every reason AWX would refuse this custom credential type (empty: accepted)."""
    problems = []
    unknown = set(definition) - {'name', 'description', 'kind', 'inputs', 'injectors'}
    if unknown:
        problems.append('unknown keys %s' % sorted(unknown))
    if not isinstance(definition.get('name'), str) or not definition['name'].strip():
        problems.append('name must be a non-empty string')
    if definition.get('kind') not in ('cloud', 'net'):
        problems.append('kind must be cloud or net for a custom type, not %r' % definition.get('kind'))
    inputs = definition.get('inputs', {})
    problems.extend(_input_problems(inputs))
    fields = [f['id'] for f in inputs.get('fields', []) if isinstance(f, dict) and 'id' in f]
    problems.extend(_injector_problems(definition.get('injectors', {}), fields))
    return problems


def _input_problems(inputs):
    problems = []
    if set(inputs) - {'fields', 'required'}:
        problems.append('inputs: unknown keys %s' % sorted(set(inputs) - {'fields', 'required'}))
    ids, labels = [], []
    for index, field in enumerate(inputs.get('fields', [])):
        where = 'inputs.fields[%d]' % index
        if not isinstance(field, dict):
            problems.append('%s is not a mapping' % where)
            continue
        if set(field) - FIELD_KEYS:
            problems.append('%s: unknown keys %s' % (where, sorted(set(field) - FIELD_KEYS)))
        field_id, label, kind = field.get('id'), field.get('label'), field.get('type', 'string')
        if not isinstance(field_id, str) or not IDENTIFIER.match(field_id) or field_id == 'tower':
            problems.append('%s: id %r is not a variable name (or is the reserved "tower")' % (where, field_id))
        if not isinstance(label, str) or not label:
            problems.append('%s: label is required' % where)
        if kind not in ('string', 'boolean'):
            problems.append('%s: type %r is not string or boolean' % (where, kind))
        for key in STRING_ONLY_KEYS:
            if key in field and kind != 'string':
                problems.append('%s: %s is only allowed for strings' % (where, key))
        for key in ('secret', 'multiline', 'ask_at_runtime'):
            if key in field and not isinstance(field[key], bool):
                problems.append('%s: %s must be true or false' % (where, key))
        if 'format' in field and field['format'] not in ('ssh_private_key', 'url'):
            problems.append('%s: format %r is unknown' % (where, field['format']))
        if 'default' in field and not isinstance(field['default'], {'string': str, 'boolean': bool}.get(kind, str)):
            problems.append('%s: default is not a %s' % (where, kind))
        ids.append(field_id)
        labels.append(label)
    for name, values in (('id', ids), ('label', labels)):
        duplicates = sorted(set(v for v in values if values.count(v) > 1))
        if duplicates:
            problems.append('inputs.fields: duplicate %s %s' % (name, duplicates))
    missing = [r for r in inputs.get('required', []) if r not in ids]
    if missing:
        problems.append('inputs.required names no field: %s' % missing)
    return problems


def _injector_problems(injectors, fields):
    problems = []
    if set(injectors) - {'file', 'env', 'extra_vars'}:
        problems.append('injectors: unknown keys %s' % sorted(set(injectors) - {'file', 'env', 'extra_vars'}))
    for name, template in injectors.get('env', {}).items():
        if not IDENTIFIER.match(name):
            problems.append('injectors.env: %r is not an environment variable name' % name)
        elif name.startswith('ANSIBLE_') or name in AWX_ENV_BLOCKLIST:
            problems.append('injectors.env: AWX does not allow %s in credentials' % name)
        if not isinstance(template, str) or not all(ord(c) < 128 for c in template):
            problems.append('injectors.env.%s must be an ASCII string' % name)
    for path, template in _extra_var_templates(injectors.get('extra_vars', {})):
        if not IDENTIFIER.match(path.split('.')[-1]):
            problems.append('injectors.extra_vars: %r is not a variable name' % path)
        if not isinstance(template, str):
            problems.append('injectors.extra_vars.%s must be a string' % path)
    for name in injectors.get('file', {}):
        if not re.match(r'^template(\.[a-zA-Z_][a-zA-Z0-9_]*)?$', name):
            problems.append('injectors.file: %r is not template or template.NAME' % name)
    # Every template must render with the defined fields only (AWX renders each with StrictUndefined).
    namespace = dict((field, 'EXAMPLE') for field in fields)
    templates = [('env.' + k, v) for k, v in injectors.get('env', {}).items()]
    templates += [('extra_vars.' + k, v) for k, v in _extra_var_templates(injectors.get('extra_vars', {}))]
    for where, template in templates:
        try:
            ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(str(template)).render(namespace)
        except TemplateError as exc:
            problems.append('injectors.%s: %s' % (where, exc))
    return problems


def _extra_var_templates(node, prefix=''):
    """(dotted path, template) for every leaf of an extra_vars injector."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _extra_var_templates(value, prefix + '.' + key if prefix else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _extra_var_templates(value, '%s[%d]' % (prefix, index))
    else:
        yield prefix, node


def injected(definition, inputs):
    """(environment, extra variables) that AWX injects into a job for a credential with ``inputs``.

    Fields left empty are undefined in the templates (so they render empty); boolean fields not
    given are false.
    """
    if definition.get('injectors', {}).get('file'):
        raise NotImplementedError('file injectors are not used by the kit')
    namespace = dict((k, v) for k, v in inputs.items() if isinstance(v, bool) or len(v))
    for field in definition['inputs'].get('fields', []):
        if field.get('type') == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = False
    sandbox = ImmutableSandboxedEnvironment()

    def render(node):
        if isinstance(node, dict):
            return dict((render(k), render(v)) for k, v in node.items())
        if isinstance(node, list):
            return [render(v) for v in node]
        return sandbox.from_string(node).render(**namespace)

    env = dict((k, render(v)) for k, v in definition['injectors'].get('env', {}).items())
    return env, render(definition['injectors'].get('extra_vars', {}))


class _Unsafe(str):
    pass


class _UnsafeDumper(yaml.SafeDumper):
    pass


_UnsafeDumper.add_representer(_Unsafe, lambda dumper, data: dumper.represent_scalar('!unsafe', str(data)))


def write_extra_vars_file(extra_vars, directory):
    """The file AWX passes as ``-e @file``: strings tagged !unsafe, so Ansible never templates them."""
    def mark(node):
        if isinstance(node, dict):
            return dict((k, mark(v)) for k, v in node.items())
        if isinstance(node, list):
            return [mark(v) for v in node]
        return _Unsafe(node) if isinstance(node, str) else node

    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, 'credential-extra-vars-%d.yml' % len(os.listdir(directory)))
    with open(path, 'w') as handle:
        yaml.dump(mark(extra_vars), handle, Dumper=_UnsafeDumper)
    os.chmod(path, stat.S_IRUSR)
    return path


def write_inventory_script(inventory, directory):
    """A job's inventory as AWX gives it: an executable script that prints the imported JSON."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, 'hosts')
    with open(path, 'w') as handle:
        handle.write('#! /usr/bin/env python3\nimport sys\nsys.stdout.write(%r)\n' % json.dumps(inventory))
    os.chmod(path, stat.S_IRWXU)
    return path


def survey_problems(survey):
    """Every reason AWX would refuse this survey spec (empty: accepted)."""
    problems = []
    for key, kind in (('name', str), ('description', str), ('spec', list)):
        if not isinstance(survey.get(key), kind):
            problems.append('%s must be a %s' % (key, kind.__name__))
    if problems:
        return problems
    if not survey['spec']:
        problems.append('spec has no questions')
    seen = set()
    for index, question in enumerate(survey['spec']):
        where = 'spec[%d]' % index
        if not isinstance(question, dict):
            problems.append('%s is not an object' % where)
            continue
        for key, kind in (('type', str), ('question_name', str), ('variable', str), ('required', bool)):
            if not isinstance(question.get(key), kind):
                problems.append('%s: %s must be a %s' % (where, key, kind.__name__))
        variable, qtype = question.get('variable'), question.get('type')
        if variable in seen:
            problems.append('%s: variable %r is asked twice' % (where, variable))
        seen.add(variable)
        if not isinstance(variable, str) or not IDENTIFIER.match(variable) or variable.startswith(AWX_VARIABLE_PREFIXES):
            problems.append('%s: variable %r is not a variable name of the playbook\'s own' % (where, variable))
        if qtype not in SURVEY_TYPES:
            problems.append('%s: type %r is not one of %s' % (where, qtype, sorted(SURVEY_TYPES)))
            continue
        default = question.get('default', '')
        if default != '' and not isinstance(default, SURVEY_TYPES[qtype]):
            problems.append('%s: default %r is not a %s answer' % (where, default, qtype))
        for key in ('min', 'max'):
            if question.get(key) is not None and not isinstance(question[key], int):
                problems.append('%s: %s must be an integer' % (where, key))
        if qtype in ('multiplechoice', 'multiselect') and not question.get('choices'):
            problems.append('%s: a %s question needs choices' % (where, qtype))
    return problems


def survey_answer_problems(survey, answers):
    """Why AWX would refuse to launch with these survey answers (empty: accepted)."""
    problems = []
    for question in survey['spec']:
        variable = question['variable']
        if variable not in answers:
            if question['required']:
                problems.append('%s is required' % variable)
            continue
        value = answers[variable]
        if not isinstance(value, SURVEY_TYPES[question['type']]):
            problems.append('%s must be a %s answer' % (variable, question['type']))
        elif question['type'] in ('text', 'textarea', 'password'):
            if question.get('min') not in ('', None) and len(value) < question['min']:
                problems.append('%s is shorter than %d' % (variable, question['min']))
            if question.get('max') not in ('', None) and len(value) > question['max']:
                problems.append('%s is longer than %d' % (variable, question['max']))
    return problems


_PLAYBOOK_LINE = re.compile(r'^\s*-?\s*(hosts|(ansible\.builtin\.)?include|(ansible\.builtin\.)?import_playbook)\s*:')


def offered_playbook(project, path):
    """Whether AWX offers ``path`` (relative to the project) as a job template's playbook.

    A .yml/.yaml file outside roles/, tasks/, group_vars/, host_vars/ and dot directories, with a
    line that starts a play (hosts:) or imports one.
    """
    parts = path.split('/')
    if os.path.splitext(path)[1] not in ('.yml', '.yaml'):
        return False
    if any(p in ('roles', 'tasks', 'group_vars', 'host_vars') or p.startswith('.') for p in parts[:-1]):
        return False
    with open(os.path.join(project, path), encoding='utf-8', errors='ignore') as handle:
        return any(_PLAYBOOK_LINE.match(line) for line in handle)


def listed_inventory(path):
    """Whether AWX lists ``path`` among a project's inventory files (otherwise it must be typed in)."""
    name = os.path.basename(path)
    return name in ('hosts', 'inventory') or name.endswith('.ini') or '.' not in name


def imported_inventory(sources, project):
    """The inventory as AWX imports it from a project (ansible-inventory, no vault password)."""
    cmd = [os.path.join(BIN, 'ansible-inventory'), '--list', '--export', '--playbook-dir', str(project)]
    for source in sources:
        cmd += ['-i', str(source)]
    output = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    return json.loads(output)


def run_job(private, playbook, inventory, collections, credentials=(), extravars=None, passwords=None,
            cmdline=(), verbosity=4, ident='job'):
    """A job run the way AWX runs one, by ansible-runner in the job's own directory ``private``.

    ``private``/project holds the project (the playbook's directory), ``inventory`` is the imported
    inventory (served by a script, as AWX does), ``collections`` where the project sync installed
    them, ``credentials`` (credential type, inputs) pairs injected as AWX injects them, ``extravars``
    the job template's and the survey's. Returns (result, events).
    """
    private = str(private)
    env = {'ANSIBLE_COLLECTIONS_PATH': str(collections), 'PATH': BIN + os.pathsep + os.environ.get('PATH', '')}
    args = list(cmdline)
    for definition, inputs in credentials:
        credential_env, credential_vars = injected(definition, inputs)
        env.update(credential_env)
        if credential_vars:
            args += ['-e', '@' + write_extra_vars_file(credential_vars, os.path.join(private, 'env'))]
    os.makedirs(os.path.join(private, 'env'), exist_ok=True)
    with open(os.path.join(private, 'env', 'envvars'), 'w') as handle:
        yaml.safe_dump(env, handle)
    result = ansible_runner.run(private_data_dir=private, playbook=playbook,
                                inventory=write_inventory_script(inventory, os.path.join(private, 'inventory')),
                                extravars=extravars or {}, passwords=passwords or {},
                                cmdline=' '.join(shlex.quote(a) for a in args) or None,
                                verbosity=verbosity, ident=ident, quiet=True)
    return result, list(result.events)
