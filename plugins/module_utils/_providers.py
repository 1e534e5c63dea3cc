# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The registrars the modules can use, and the options that belong to each.

A new registrar is a ``_<name>.py`` with a ``PROVIDER`` (a ``ProviderInfo``) and one line in
``PROVIDERS``. The imports are static statements because Ansible packs into a module's payload
only the module_utils it can see imported.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.module_utils import _alicloud
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import RegistrarError

#: registrar name -> ProviderInfo
PROVIDERS = dict((info.name, info) for info in (
    _alicloud.PROVIDER,
))

DEFAULT_PROVIDER = 'alicloud'


def provider_info(name):
    """The ProviderInfo of registrar ``name``; RegistrarError for an unknown one."""
    if name not in PROVIDERS:
        raise RegistrarError('registrar %r is not supported; choose one of: %s' % (name, ', '.join(sorted(PROVIDERS))))
    return PROVIDERS[name]


def provider_options():
    """Every provider's own options (argument spec), merged.

    Two providers never share an option name or alias (each is documented once, in its provider's
    doc fragment, and an option tells which provider it belongs to); RegistrarError if they do.
    """
    spec, owners = {}, {}
    for name in sorted(PROVIDERS):
        for option, option_spec in PROVIDERS[name].options.items():
            for word in [option] + list(option_spec.get('aliases', [])):
                if word in owners:
                    raise RegistrarError('registrars %s and %s both define the option %s; provider options must be '
                                         'distinct' % (owners[word], name, word))
                owners[word] = name
            spec[option] = dict(option_spec)
    return spec


def owner_of(option):
    """The provider whose own option ``option`` is, or None for a generic option."""
    for info in PROVIDERS.values():
        if option in info.options:
            return info
    return None


def check_foreign_options(name, params):
    """ValidationError when an option of a provider other than ``name`` is set in ``params``."""
    for option in sorted(provider_options()):
        owner = owner_of(option)
        if owner.name != name and params.get(option) is not None:
            raise ValidationError(option, params[option] if not owner.options[option].get('no_log') else '********',
                                  'is an option of %s, but the selected registrar is %s; remove it (also from '
                                  'module_defaults for group/dnsops.nameservers.registrar)'
                                  % (owner.describe(), name))


def get_registrar(name, options):
    """Instantiate the provider ``name`` with a dict of options (the generic ones and its own).

    Raises RegistrarError for an unknown provider or unusable options
    (for example missing credentials).
    """
    return provider_info(name).create(options)
