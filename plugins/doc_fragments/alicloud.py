# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options of registrar alicloud (Alibaba Cloud's Domain API) and its limits.
    DOCUMENTATION = r'''
options:
  access_key_id:
    description:
      - Alibaba Cloud (O(registrar=alicloud)). AccessKey ID of the Alibaba Cloud account or RAM user.
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
      - The key ID is not a secret (it names the key, as Alibaba Cloud's own logs do), so an error about the
        credentials shows it, and where it and the secret came from. The secret and the token are never shown.
    type: str
    aliases: [alicloud_access_key]
  access_key_secret:
    description:
      - Alibaba Cloud (O(registrar=alicloud)). AccessKey secret belonging to O(access_key_id). Never logged or returned.
    type: str
    aliases: [alicloud_secret_key]
  security_token:
    description:
      - Alibaba Cloud (O(registrar=alicloud)). STS security token, when the key pair is temporary.
    type: str
    aliases: [alicloud_security_token]
  profile:
    description:
      - Alibaba Cloud (O(registrar=alicloud)). Name of the profile in C(~/.aliyun/config.json) to use.
      - An explicitly set O(profile) takes precedence over credentials in environment variables; only
        O(access_key_id) and O(access_key_secret) come before it. See O(access_key_id) for the full order.
      - When omitted, E(ALIBABA_CLOUD_PROFILE) (or E(ALICLOUD_PROFILE)) names the profile, but only
        when no credentials are found in the environment variables.
    type: str
  site:
    description:
      - Alibaba Cloud (O(registrar=alicloud)). Which Alibaba Cloud site the account belongs to.
        V(china) uses C(domain.aliyuncs.com), V(international) uses C(domain-intl.aliyuncs.com).
      - When not set, V(china).
    type: str
    choices: [china, international]
notes:
  - "Alibaba Cloud's own limits, checked before any call: DNS host names of at most 80 characters; at most
    13 DNS hosts per domain; C(.cn) domains at most 6, and no host names of four or more labels
    (so none under a second-level C(.cn) domain such as C(example.com.cn)); no DNS hosts for C(.hk) domains;
    at most 1,000 domains in one name-server task (larger changes are split); one DS record per key tag and
    domain (so not a key's SHA-256 and SHA-384 DS both)."
requirements:
  - requests (registrar alicloud)
'''
