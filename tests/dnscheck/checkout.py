# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's Python code imported straight from this checkout, without ansible-galaxy or
ansible-test: module_utils import each other as ``ansible_collections.dnsops.nameservers...``, so
a temporary directory holds ``ansible_collections/dnsops/nameservers`` as a link to the checkout."""

import atexit
import importlib
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def import_module_utils(name):
    """``import_module_utils('_dnscheck')`` -> that module of this checkout (not of an installed copy)."""
    if not any(os.path.realpath(os.path.join(entry, 'ansible_collections', 'dnsops', 'nameservers')) == os.path.realpath(ROOT)
               for entry in sys.path if entry):
        tree = tempfile.mkdtemp(prefix='dnsops-checkout-')
        atexit.register(shutil.rmtree, tree, True)
        os.makedirs(os.path.join(tree, 'ansible_collections', 'dnsops'))
        os.symlink(ROOT, os.path.join(tree, 'ansible_collections', 'dnsops', 'nameservers'))
        sys.path.insert(0, tree)
    return importlib.import_module('ansible_collections.dnsops.nameservers.plugins.module_utils.' + name)
