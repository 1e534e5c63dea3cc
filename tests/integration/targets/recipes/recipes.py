# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write every playbook of docs/recipes.md to WORK/<its file name>.yml, as the recipe names it in its
first comment line ("# registry-only.yml: ..."); print their paths. Other YAML blocks (inventory
fragments) must at least parse."""

import os
import re
import sys

import yaml

recipes, work = sys.argv[1], sys.argv[2]
with open(recipes) as handle:
    text = handle.read()
blocks = re.findall(r'^( *)```yaml\n(.*?)^\1```', text, re.S | re.M)
assert blocks, 'no YAML block in %s' % recipes
for indent, block in blocks:
    block = '\n'.join(line[len(indent):] for line in block.splitlines())
    data = yaml.safe_load(block)
    name = re.match(r'# ([\w.-]+\.yml):', block)
    if isinstance(data, list) and all('hosts' in play for play in data):
        assert name, 'a playbook of the recipes names no file in its first line: %s' % block[:80]
        path = os.path.join(work, name.group(1))
        with open(path, 'w') as handle:
            handle.write(block + '\n')
        print(path)
