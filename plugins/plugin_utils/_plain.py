# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Variables as plain Python data, for the action plugins topology and zone_files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.common.text.converters import to_text


def plain(value):
    """Host variables as plain Python data (lists, dicts, strings, numbers)."""
    if isinstance(value, dict):
        return dict((to_text(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    return to_text(value)


def plain_without_templates(value):
    """``value`` as plain lists, dicts and strings when no template marker is anywhere in it, else None.
    One pass through the JSON encoder in C: far cheaper than visiting thousands of zones in Python, and
    plain data is encoded for a module and passed between Ansible's processes much faster."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return None
    if '{{' in text or '{%' in text or '{#' in text:
        return None
    return json.loads(text)
