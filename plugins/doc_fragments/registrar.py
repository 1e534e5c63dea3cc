# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The registrar connection and its credentials, shared by every registrar module.
    DOCUMENTATION = r'''
options:
  registrar:
    description:
      - The registrar whose API manages the domains.
    type: str
    choices: [alicloud]
    default: alicloud
  access_key_id:
    description:
      - AccessKey ID of the Alibaba Cloud account or RAM user.
      - "Credentials are taken from the first of these sources that gives any of them:
        1. the options O(access_key_id), O(access_key_secret) and O(security_token);
        2. the profile named by O(profile), from C(~/.aliyun/config.json);
        3. the environment variables E(ALIBABA_CLOUD_ACCESS_KEY_ID), E(ALIBABA_CLOUD_ACCESS_KEY_SECRET)
        and E(ALIBABA_CLOUD_SECURITY_TOKEN);
        4. the legacy E(ALICLOUD_ACCESS_KEY), E(ALICLOUD_SECRET_KEY) and E(ALICLOUD_SECURITY_TOKEN);
        5. a profile of C(~/.aliyun/config.json) named by E(ALIBABA_CLOUD_PROFILE) (or E(ALICLOUD_PROFILE)),
        else the file's current profile, else the profile C(default)."
      - Profiles of modes C(AK) and C(StsToken) are supported.
      - The key ID and its secret always come from the same source; a source that gives only part of
        them is an error, never completed from a later source.
    type: str
    aliases: [alicloud_access_key]
  access_key_secret:
    description:
      - AccessKey secret belonging to O(access_key_id). Never logged or returned.
    type: str
    aliases: [alicloud_secret_key]
  security_token:
    description:
      - STS security token, when the key pair is temporary.
    type: str
    aliases: [alicloud_security_token]
  profile:
    description:
      - Name of the profile in C(~/.aliyun/config.json) to use.
      - An explicitly set O(profile) takes precedence over credentials in environment variables; only
        O(access_key_id) and O(access_key_secret) come before it. See O(access_key_id) for the full order.
      - When omitted, E(ALIBABA_CLOUD_PROFILE) (or E(ALICLOUD_PROFILE)) names the profile, but only
        when no credentials are found in the environment variables.
    type: str
  site:
    description:
      - Which Alibaba Cloud site the account belongs to. V(china) uses C(domain.aliyuncs.com),
        V(international) uses C(domain-intl.aliyuncs.com).
    type: str
    choices: [china, international]
    default: china
  endpoint:
    description:
      - Overrides the endpoint chosen by O(site), for example a proxy or the registrar simulator.
      - A host name, C(host:port), or a URL with C(http://) or C(https://). A bare host uses HTTPS.
    type: str
  validate_certs:
    description:
      - Whether to verify the endpoint's TLS certificate.
      - Can only be turned off together with an explicit O(endpoint).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for one API answer.
    type: float
    default: 30
  max_retries:
    description:
      - How many times a call is retried after throttling, a server-side error, C(TaskIsBeingProcessed),
        a timeout or a dropped connection. Backoff is exponential with jitter.
      - A write (creating, changing or deleting a host, delegating domains) is sent again only when the
        registry rejected it or no connection was made; after a timeout or a connection dropped
        mid-request the registry may have applied it, so the task fails saying so, and a rerun reads
        the registry first and writes only what still differs.
    type: int
    default: 8
  retry_max_time:
    description:
      - Upper bound, in seconds, on the time spent retrying one call.
    type: float
    default: 120
  max_workers:
    description:
      - How many read calls are sent to the registrar at the same time, for example when the name servers
        of many domains are read (the API reads them one domain at a time) or the glue hosts of several domains.
      - Between 1 and 64. Writes are never sent concurrently.
    type: int
    default: 8
notes:
  - Secrets given as options or found in the environment are never printed, not even at C(-vvvv).
  - All modules of this group can get their connection options at once with
    C(module_defaults) for C(group/dnsops.nameservers.registrar).
requirements:
  - requests
'''

    # Waiting for the registry's asynchronous tasks.
    WAIT = r'''
options:
  wait:
    description:
      - Wait until the registry reports the change as done (or failed).
      - A failed registry task fails the module with the registry's error text. All tasks of the run are
        waited for first, and the failure reports C(changed=true), the task ids and how every task ended
        (RV(tasks)), because the registry accepted the change.
      - With V(false), the module returns as soon as the registry has accepted the task; the change
        may still fail later, and a rerun made before the task has finished sees the old state.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the registry's tasks when O(wait=true).
    type: int
    default: 600
'''

    ATTRIBUTES = r'''
attributes:
  action_group:
    description: Use C(group/dnsops.nameservers.registrar) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - dnsops.nameservers.registrar
'''
