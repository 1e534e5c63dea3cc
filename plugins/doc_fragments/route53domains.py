# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options of registrar route53domains (Amazon Route 53 Domains) and its limits.
    DOCUMENTATION = r'''
options:
  access_key:
    description:
      - Amazon Route 53 Domains (O(registrar=route53domains)). AWS access key ID.
      - "Credentials are taken from the first of these sources that gives any of them:
        1. the options O(access_key), O(secret_key) and O(session_token);
        2. the profile named by O(aws_profile), from the shared credentials and config files;
        3. botocore's default chain: the environment variables E(AWS_ACCESS_KEY_ID), E(AWS_SECRET_ACCESS_KEY)
        and E(AWS_SESSION_TOKEN) or E(AWS_SECURITY_TOKEN) (which the Amazon Web Services credential type
        of AWX injects), then the profile named by E(AWS_PROFILE) or C(default), from
        C(~/.aws/credentials) and C(~/.aws/config) (E(AWS_SHARED_CREDENTIALS_FILE), E(AWS_CONFIG_FILE)),
        then a container or EC2 instance role."
      - O(access_key) and O(secret_key) are given together; O(aws_profile) cannot be combined with them.
      - The API lives in one region, C(us-east-1); there is no region option.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - Amazon Route 53 Domains (O(registrar=route53domains)). AWS secret access key belonging to O(access_key).
        Never logged or returned.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - Amazon Route 53 Domains (O(registrar=route53domains)). AWS STS session token, for temporary credentials.
        Never logged or returned.
    type: str
    aliases: [aws_session_token]
  aws_profile:
    description:
      - Amazon Route 53 Domains (O(registrar=route53domains)). A named profile of the AWS shared credentials
        and config files.
      - "Named C(aws_profile), not C(profile) as in amazon.aws: O(profile) is Alibaba Cloud's option, and two
        registrars never share an option."
      - When omitted, E(AWS_PROFILE) names the profile, but only when no keys are found in the environment.
    type: str
  aws_ca_bundle:
    description:
      - Amazon Route 53 Domains (O(registrar=route53domains)). A CA bundle to verify the endpoint's
        certificate with. E(AWS_CA_BUNDLE) may also be used.
    type: path
notes:
  - "Amazon Route 53 Domains has no host objects: a glue host is the C(GlueIps) of a name server in its parent
    domain's own name-server list. Creating one adds it to that list, so the parent domain is then also delegated
    to it (make sure it answers for the parent first); deleting one removes it from that list. A glue host can
    only exist while its parent domain names it."
  - "Its limits, checked before any call: at most 6 name servers per domain (so at most 6 glue hosts under one
    domain); one IPv4 and one IPv6 glue address per name server; one domain per name-server change (many
    domains are changed one after another); names of at most 255 characters. A delegation cannot name a
    server inside the domain that has no glue there yet; a glue host is not deleted when that would leave its
    parent domain fewer than 2 name servers."
  - "Changes are operations polled with C(GetOperationDetail); C(task_id) and C(task_ids) are operation ids.
    Route 53 Domains takes one change per domain at a time: a change while another is running is refused
    (C(DuplicateRequest)) and retried within O(max_retries) and O(retry_max_time)."
requirements:
  - botocore >= 1.31 (registrar route53domains; boto3 brings it)
'''
