# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Route 53 Domains: credentials, endpoint and the botocore client.

Credentials the way amazon.aws users expect them, in this order:

1. the options ``access_key`` / ``secret_key`` (/ ``session_token``); with ``aws_profile`` an error;
2. the profile named by ``aws_profile``, from the shared credentials and config files;
3. botocore's default chain: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` with
   ``AWS_SESSION_TOKEN`` or ``AWS_SECURITY_TOKEN`` (what AWX's Amazon Web Services credential
   type injects), ``AWS_PROFILE``, ``AWS_SHARED_CREDENTIALS_FILE`` / ``AWS_CONFIG_FILE`` (default
   ``~/.aws/credentials`` and ``~/.aws/config``), assume-role and SSO profiles, container and
   instance roles.

The API lives in one region, us-east-1. botocore's own retries are off: the collection's retry
policy (``_http.RetryingClient``) decides, so a write is sent again only when it was refused.
Nothing here puts a secret into an exception or a ``repr()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.dnsops.nameservers.plugins.module_utils._http import (
    as_text as _text,
    normalise_endpoint,
    redact_endpoint,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import RegistrarError

try:
    import botocore
    import botocore.config
    import botocore.exceptions
    import botocore.parsers
    import botocore.session
    HAS_BOTOCORE = True
    BOTOCORE_IMPORT_ERROR = None
except ImportError:
    botocore = None
    HAS_BOTOCORE = False
    BOTOCORE_IMPORT_ERROR = traceback.format_exc()

#: the only region of the Route 53 Domains API
REGION = 'us-east-1'
SERVICE = 'route53domains'
USER_AGENT_EXTRA = 'dnsops.nameservers'

NOTHING_FOUND = (
    'no AWS credentials found for Route 53 Domains. Set the options access_key and secret_key (plus session_token '
    'for temporary credentials) or aws_profile, or the environment variables AWS_ACCESS_KEY_ID and '
    'AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN or AWS_SECURITY_TOKEN) or AWS_PROFILE, or a profile in '
    '~/.aws/credentials or ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), or run where an '
    'instance or container role provides them')


def botocore_exceptions():
    """botocore's exception module (only called once a client exists, so botocore is there)."""
    return botocore.exceptions


def response_parser_error():
    """botocore's error for an answer it cannot read."""
    return botocore.parsers.ResponseParserError


def _value(options, name):
    value = options.get(name)
    if value is None:
        return None
    value = _text(value).strip()
    return value or None


def resolve_endpoint(options):
    """(endpoint URL or None for AWS's own, verify) from ``endpoint``, ``validate_certs``, ``aws_ca_bundle``.

    ``verify`` is what botocore takes: False, a CA bundle path, or None (its default, which also
    reads AWS_CA_BUNDLE).
    """
    validate_certs = options.get('validate_certs')
    validate_certs = True if validate_certs is None else bool(validate_certs)
    endpoint = _value(options, 'endpoint')
    if endpoint is not None:
        endpoint = normalise_endpoint(endpoint)
    if not validate_certs:
        if endpoint is None:
            raise RegistrarError('validate_certs=false is only allowed together with an explicit endpoint; '
                                 "Route 53 Domains' own endpoint is always verified")
        return endpoint, False
    return endpoint, _value(options, 'aws_ca_bundle')


def _session(options):
    """A botocore session whose credentials come from the first source that gives any (see above)."""
    key_id = _value(options, 'access_key')
    secret = _value(options, 'secret_key')
    token = _value(options, 'session_token')
    profile = _value(options, 'aws_profile')
    given = [name for name, value in (('access_key', key_id), ('secret_key', secret), ('session_token', token))
             if value]
    if given and profile:
        raise RegistrarError('aws_profile cannot be combined with %s: give either a profile or the keys themselves'
                             % ' and '.join(given))
    if given and not (key_id and secret):
        missing = [name for name, value in (('access_key', key_id), ('secret_key', secret)) if not value]
        raise RegistrarError('incomplete AWS credentials in the module options: %s set but %s not; the access key '
                             'and its secret (and the session token, if any) must come from the same source'
                             % (' and '.join(given), ' and '.join(missing)))
    session = botocore.session.Session(profile=profile)
    if key_id:
        session.set_credentials(key_id, secret, token)
    return session, profile


def _credentials(session, profile):
    """The session's credentials, or RegistrarError naming where they are looked for."""
    exc = botocore.exceptions
    try:
        credentials = session.get_credentials()
    except exc.ProfileNotFound:
        raise RegistrarError('AWS profile %r (the option aws_profile or AWS_PROFILE) is not in the shared credentials '
                             'or config file' % (profile or session.profile,))
    except exc.PartialCredentialsError as err:
        raise RegistrarError('incomplete AWS credentials: %s (the access key and its secret must come from the same '
                             'source)' % err)
    except exc.BotoCoreError as err:
        # Messages of botocore's credential errors name sources, never values.
        raise RegistrarError('cannot get AWS credentials: %s: %s' % (err.__class__.__name__, err))
    if credentials is None:
        raise RegistrarError(NOTHING_FOUND)
    return credentials


def make_client(options, timeout, pool_size=None):
    """(botocore client, its credentials, endpoint URL) from a dict of module options.

    botocore reads the environment (AWS_*) and the shared files itself.
    """
    if not HAS_BOTOCORE:
        raise RegistrarError('registrar route53domains (Route 53 Domains) needs the Python library botocore '
                             '(pip install botocore, or boto3) where the module runs')
    endpoint, verify = resolve_endpoint(options)
    session, profile = _session(options)
    credentials = _credentials(session, profile)
    config = botocore.config.Config(
        region_name=REGION,
        connect_timeout=timeout,
        read_timeout=timeout,
        # One attempt per call: the collection's retry policy decides what is sent again.
        retries={'total_max_attempts': 1, 'mode': 'standard'},
        max_pool_connections=max(10, pool_size or 0),
        user_agent_extra=USER_AGENT_EXTRA,
    )
    try:
        client = session.create_client(SERVICE, region_name=REGION, endpoint_url=endpoint, verify=verify,
                                       config=config)
    except botocore.exceptions.BotoCoreError as err:
        raise RegistrarError('cannot create the Route 53 Domains client for endpoint %s: %s: %s'
                             % (redact_endpoint(endpoint or 'default'), err.__class__.__name__, err))
    return client, credentials, endpoint or client.meta.endpoint_url
