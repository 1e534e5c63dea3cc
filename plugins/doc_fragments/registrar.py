# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # What every registrar takes: the choice of registrar, the endpoint, timeouts, retries, workers.
    # Each registrar's own options (credentials...) are in its fragment, e.g. dnsops.nameservers.alicloud.
    DOCUMENTATION = r'''
options:
  registrar:
    description:
      - The registrar whose API manages the domains.
      - Its own options (credentials and the like) are documented with it, for V(alicloud) the options
        O(access_key_id), O(access_key_secret), O(security_token), O(profile) and O(site); for
        V(route53domains) (Amazon Route 53 Domains) O(access_key), O(secret_key), O(session_token),
        O(aws_profile) and O(aws_ca_bundle).
      - An option of a registrar other than the selected one fails the task before any call.
    type: str
    choices: [alicloud, route53domains]
    default: alicloud
  endpoint:
    description:
      - Overrides the registrar's own endpoint (for V(alicloud), the one chosen by O(site); for
        V(route53domains), C(https://route53domains.us-east-1.amazonaws.com)), for example a proxy or the
        registrar simulator.
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
      - How many times a call is retried after throttling, a server-side error, a domain busy with another
        change, a timeout or a dropped connection. Backoff is exponential with jitter.
      - A write (creating, changing or deleting a host, delegating domains) is sent again only when the
        registry said it refused it (throttling, a busy domain, a temporary failure it reports itself) or no
        connection was made. After a timeout or a connection dropped once the request was sent, or an answer
        that is not the registry's own (a gateway's error page, a body that cannot be read), the registry may
        have applied it, so the task fails with C(changed=true) and what was sent (C(sent)), and a rerun reads
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
      - While it waits, the module's action plugin shows a line per polling round (in C(ansible-playbook)'s and
        AWX's output), naming the tasks still pending and their domains; it reads them with
        M(dnsops.nameservers.registry_task_info). With C(async), the module waits alone, without these lines.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the registry's tasks when O(wait=true); at least 1 (checked before anything is written).
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
