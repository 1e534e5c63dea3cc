# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin for server_config: renders the files' templates on the controller, as the template action does.

The ``template`` lookup copies every variable in scope (deepcopy) for each file: seconds when thousands of
zones are in scope. This renders with a shallow copy, like the ``template`` action.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.template import generate_ansible_template_vars, trust_as_template


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _render(self, src, extra_vars, task_vars):
        source = self._find_needle('templates', src)
        text = trust_as_template(self._loader.get_text_file_contents(source))
        searchpath = list(task_vars.get('ansible_search_path', [])) + [self._loader._basedir, os.path.dirname(source)]
        searchpath = [q for p in searchpath for q in (os.path.join(p, 'templates'), p)]
        variables = task_vars.copy()
        if 'ansible_managed' not in variables:
            variables.update(generate_ansible_template_vars(path=src, fullpath=source))
        variables.update(extra_vars or {})
        templar = self._templar.copy_with_new_env(searchpath=searchpath, available_variables=variables)
        return to_text(templar.template(text, escape_backslashes=False) or '')

    def _rendered(self, spec, task_vars):
        if not isinstance(spec, dict) or spec.get('src') is None:
            return spec
        spec = dict(spec)
        spec['content'] = self._render(spec.pop('src'), spec.pop('vars', None), task_vars)
        return spec

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        try:
            for key in ('files', 'sensitive_files'):
                args[key] = [self._rendered(spec, task_vars) for spec in args.get(key) or []]
            if args.get('check_src') is not None:
                args['check_file'] = self._render(args.pop('check_src'), args.pop('check_vars', None), task_vars)
        except AnsibleError as exc:
            result.update(failed=True, msg='cannot render a template: %s' % to_text(exc))
            return result
        result.update(self._execute_module(module_name='dnsops.nameservers.server_config', module_args=args, task_vars=task_vars))
        return result
