# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Alibaba Cloud: the RPC signature V2 and where the credentials come from.

- ``sign_v2()`` / ``string_to_sign_v2()``: RPC signature V2 (HMAC-SHA1);
- ``resolve_credentials()``: options, a requested profile, environment, ``~/.aliyun/config.json``.

Secrets (the AccessKey secret and the STS token) never appear in an exception or a ``repr()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import json
import os

from urllib.parse import quote

from ansible_collections.dnsops.nameservers.plugins.module_utils._http import as_text as _text
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import RegistrarError

ENV_SOURCES = (
    ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'),
    ('ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECURITY_TOKEN'),
)
PROFILE_ENV = ('ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE')
SUPPORTED_PROFILE_MODES = ('AK', 'StsToken')


# ---------------------------------------------------------------------------
# Signing (RPC signature V2, HMAC-SHA1)
# ---------------------------------------------------------------------------

def percent_encode(value):
    """RFC 3986 percent-encoding of UTF-8 text, as the V2 signature wants it.

    Unreserved characters (``A-Z a-z 0-9 - _ . ~``) stay literal, everything
    else becomes ``%XY`` with upper-case hex (space is ``%20``, ``*`` is
    ``%2A``, ``/`` is ``%2F``).
    """
    return quote(_text(value).encode('utf-8'), safe='-_.~')


def canonical_query(params):
    """``name=value`` pairs, encoded and sorted by encoded name, joined with ``&``.

    ``Signature`` is left out; empty values are kept.
    """
    pairs = sorted(
        (percent_encode(name), percent_encode(value))
        for name, value in params.items()
        if name != 'Signature'
    )
    return '&'.join('%s=%s' % pair for pair in pairs)


def string_to_sign_v2(method, params):
    """The V2 StringToSign: ``METHOD&%2F&`` + percentEncode(canonical query)."""
    return '%s&%s&%s' % (method.upper(), percent_encode('/'), percent_encode(canonical_query(params)))


def sign_v2(method, params, secret):
    """The V2 ``Signature`` of ``params`` sent with HTTP ``method``.

    Base64(HMAC-SHA1(key=secret + '&', StringToSign)).
    """
    key = (_text(secret) + '&').encode('utf-8')
    digest = hmac.new(key, string_to_sign_v2(method, params).encode('utf-8'), hashlib.sha1).digest()
    return base64.b64encode(digest).decode('ascii')


def repeat_list(name, values):
    """A repeat list: ``{'Ip.1': 'a', 'Ip.2': 'b'}`` for ``repeat_list('Ip', ['a', 'b'])``."""
    return dict(('%s.%d' % (name, index), _text(value)) for index, value in enumerate(values, 1))


# ---------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------

class Credentials(object):
    """An AccessKey pair, optionally with an STS token, and where it came from.

    ``repr()`` shows the key id and the source, never the secret or the token.
    """

    def __init__(self, access_key_id, access_key_secret, security_token=None, source=None, origins=None):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token or None
        self.source = source
        # Where the key ID, the secret and the token came from, for messages (never the values).
        self.origins = tuple(origins or (source, source, source))

    def origin(self, part):
        """Where ``part`` (``'id'``, ``'secret'`` or ``'token'``) came from, e.g. 'the option access_key_secret'."""
        return self.origins[('id', 'secret', 'token').index(part)] or 'unknown'

    def __repr__(self):
        return 'Credentials(access_key_id=%r, security_token=%s, source=%r)' % (
            self.access_key_id, 'set' if self.security_token else 'unset', self.source)


def _value(mapping, key):
    """A non-empty, stripped string from a mapping, or None."""
    value = mapping.get(key)
    if value is None:
        return None
    value = _text(value).strip()
    return value or None


def _pair_from(getter, names, source, kind):
    """Credentials from one source, or None when the source gives nothing.

    ``names`` are the (id, secret, token) names in that source, a ``kind`` of thing
    ('option', 'environment variable'). A source that gives only part of the key pair
    is an error: the parts are never completed from another source.
    """
    key_id, secret, token = (getter(name) for name in names)
    if not key_id and not secret and not token:
        return None
    if key_id and secret:
        return Credentials(key_id, secret, token, source, ['the %s %s' % (kind, name) for name in names])
    present = [name for name, value in zip(names, (key_id, secret, token)) if value]
    missing = [name for name, value in zip(names[:2], (key_id, secret)) if not value]
    raise RegistrarError(
        'incomplete Alibaba Cloud credentials in %s: %s %s set but %s %s not; the AccessKey ID and its secret '
        '(and the security token, if any) must come from the same source'
        % (source, ' and '.join(present), 'is' if len(present) == 1 else 'are',
           ' and '.join(missing), 'is' if len(missing) == 1 else 'are'))


def _nothing_found_message(path):
    return (
        'no Alibaba Cloud credentials found. Set the module options access_key_id and access_key_secret '
        '(plus security_token for STS credentials), or the environment variables ALIBABA_CLOUD_ACCESS_KEY_ID '
        'and ALIBABA_CLOUD_ACCESS_KEY_SECRET (plus ALIBABA_CLOUD_SECURITY_TOKEN), or the legacy ALICLOUD_ACCESS_KEY '
        'and ALICLOUD_SECRET_KEY (plus ALICLOUD_SECURITY_TOKEN), or create a profile of mode AK or StsToken in %s '
        '(chosen with the option profile or ALIBABA_CLOUD_PROFILE, else the file\'s current profile)' % path)


def _profile_credentials(path, profile_name, requested_by):
    """Credentials of a profile of the aliyun CLI's config.json (modes AK and StsToken)."""
    try:
        with open(path, 'rb') as config_file:
            data = json.loads(config_file.read().decode('utf-8'))
    except (IOError, OSError) as exc:
        raise RegistrarError('cannot read the Alibaba Cloud CLI configuration %s: %s'
                             % (path, getattr(exc, 'strerror', None) or exc.__class__.__name__))
    except ValueError as exc:
        # json's message names the position only, never the content.
        raise RegistrarError('the Alibaba Cloud CLI configuration %s is not valid JSON: %s' % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get('profiles', []), list):
        raise RegistrarError('the Alibaba Cloud CLI configuration %s is not valid: expected an object with a '
                             'list "profiles"' % path)
    if not profile_name:
        profile_name = _value(data, 'current') or 'default'
        requested_by = 'the file\'s current profile' if _value(data, 'current') else 'the default profile name'
    profiles = [p for p in data.get('profiles', []) if isinstance(p, dict) and p.get('name') == profile_name]
    if not profiles:
        names = sorted(_text(p.get('name')) for p in data.get('profiles', []) if isinstance(p, dict) and p.get('name'))
        raise RegistrarError('profile %r (%s) is not in %s; profiles there: %s'
                             % (profile_name, requested_by, path, ', '.join(names) or 'none'))
    profile = profiles[0]
    mode = _value(profile, 'mode') or 'AK'
    if mode not in SUPPORTED_PROFILE_MODES:
        raise RegistrarError('profile %r in %s has mode %r; only the modes %s are supported'
                             % (profile_name, path, mode, ' and '.join(SUPPORTED_PROFILE_MODES)))
    source = 'profile %r of %s' % (profile_name, path)
    key_id = _value(profile, 'access_key_id')
    secret = _value(profile, 'access_key_secret')
    token = _value(profile, 'sts_token')
    required = ['access_key_id', 'access_key_secret'] + (['sts_token'] if mode == 'StsToken' else [])
    missing = [name for name in required if not _value(profile, name)]
    if missing:
        raise RegistrarError('%s (mode %s) lacks %s' % (source, mode, ', '.join(missing)))
    return Credentials(key_id, secret, token if mode == 'StsToken' else None, source,
                       ['%s of %s' % (name, source) for name in ('access_key_id', 'access_key_secret', 'sts_token')])


def resolve_credentials(options, environ=None, home=None):
    """Find the credentials to use, in the documented order.

    1. module options ``access_key_id`` / ``access_key_secret`` / ``security_token``;
    2. the profile named by the module option ``profile``, from ``<home>/.aliyun/config.json``
       (an explicitly requested profile wins over keys in the environment);
    3. ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``..._SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``;
    4. legacy ``ALICLOUD_ACCESS_KEY`` / ``ALICLOUD_SECRET_KEY`` / ``ALICLOUD_SECURITY_TOKEN``;
    5. a profile of ``<home>/.aliyun/config.json``: ``ALIBABA_CLOUD_PROFILE`` / ``ALICLOUD_PROFILE``,
       else the file's ``current``, else ``default`` (like Alibaba's own default credential chain,
       which puts environment keys before ``ALIBABA_CLOUD_PROFILE``).

    The first source that gives anything must give a complete key pair.
    Raises RegistrarError (naming options, variables or paths, never values).
    """
    options = options or {}
    environ = os.environ if environ is None else environ
    home = os.path.expanduser('~') if home is None else home
    path = os.path.join(home, '.aliyun', 'config.json')

    found = _pair_from(lambda name: _value(options, name),
                       ('access_key_id', 'access_key_secret', 'security_token'), 'the module options', 'option')
    if found:
        return found
    profile_name = _value(options, 'profile')
    if profile_name:
        return _requested_profile(path, profile_name, 'the option profile')
    for names in ENV_SOURCES:
        found = _pair_from(lambda name: _value(environ, name), names, 'the environment', 'environment variable')
        if found:
            return found
    for name in PROFILE_ENV:
        profile_name = _value(environ, name)
        if profile_name:
            return _requested_profile(path, profile_name, 'the environment variable %s' % name)
    if not os.path.exists(path):
        raise RegistrarError(_nothing_found_message(path))
    return _profile_credentials(path, None, None)


def _requested_profile(path, profile_name, requested_by):
    if not os.path.exists(path):
        raise RegistrarError('profile %r was requested by %s, but %s does not exist'
                             % (profile_name, requested_by, path))
    return _profile_credentials(path, profile_name, requested_by)
