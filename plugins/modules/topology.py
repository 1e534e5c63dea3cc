#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: topology
short_description: The name servers of a group, their zones and their delegations, worked out once
version_added: 0.1.0
description:
  - Internal to the collection - the C(nameserver) and C(registrar) roles and the C(deploy) playbook call it; its
    options and results may change between releases.
  - Reads the variables of every host of O(group) (C(nameserver_name), C(nameserver_addresses) or the default
    addresses from facts, C(nameserver_hidden), C(nameserver_port), C(nameserver_software), C(nameserver_primary),
    C(nameserver_primary_group)) and the zone list, checks them, and returns the topology - every rule lives in the
    collection's topology model, so both roles reach the same verdict on the same inventory.
  - The servers of a zone are its C(primaries) (else the default primaries - hosts with
    C(nameserver_primary=true) or in group O(primary_group)) and its C(secondaries) (else every other host of
    the group); a zone with its own secondaries is delegated to the published ones among its servers only, and is
    never in a catalog.
  - Bad input fails naming the variable (with the host or zone), the value and the rule; nothing is contacted.
  - Runs on the controller; changes nothing.
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads variables only.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  view:
    description: V(host) - this host's configuration (nameserver role); V(registry) - glue and delegations (registrar role).
    type: str
    choices: [host, registry]
    default: host
  group:
    description: The inventory group of the name servers.
    type: str
    default: nameservers
  primary_group:
    description: Hosts of this group are default primaries (a host's own C(nameserver_primary_group) wins).
    type: str
    default: nameserver_primaries
  zones:
    description:
      - The zones, in the form of the role's C(nameserver_zones).
      - Default - with O(view=host) this host's C(nameserver_zones), with O(view=registry) every host's, each zone
        once; read without templating each zone unless a zone holds a template, which is much faster for
        thousands of zones than passing them here.
    type: list
    elements: dict
  catalog:
    description: Catalog zones are on (C(nameserver_catalog)).
    type: bool
    default: false
  catalog_zone_suffix:
    description: Catalog zones are named C(<primary inventory name>.<suffix>).
    type: str
    default: catalog.invalid
  softwares:
    description: The server software a host may name in C(nameserver_software) (the role's profiles); any when unset.
    type: list
    elements: str
  host:
    description: With O(view=host), the host whose configuration is returned.
    type: str
    default: the current host
  catalog_consumer:
    description:
      - With O(view=host), how this host consumes catalogs - V(many) (every other primary's), V(one) (the first other
        primary's) or V(none) (member zones configured one by one).
    type: str
    choices: [many, one, none]
    default: none
  zone_entry:
    description:
      - With O(view=host), printf-style formats of a zone's entry in the daemon's zone list, by zone type
        (V(primary), V(secondary), V(consumer)), with C(%(name\)s), C(%(peers\)s) and the O(zone_entry_values);
        the entries are returned joined in C(plan.zone_entries). The server profiles of the nameserver role give them.
    type: dict
  zone_entry_values:
    description: Further values for O(zone_entry), such as the zone directories.
    type: dict
  require_addresses:
    description: Every server of the group must have addresses.
    type: bool
    default: true
  settings:
    description: Role variables to check by their declared type and format (addresses, algorithms, ranges, lists, dicts).
    type: dict
  moved:
    description:
      - With O(view=host), what this server recorded of a move - C(kept) (its old glue addresses), C(since) (when
        the new glue was found published, epoch seconds, or null) - and C(hold_down) (seconds, default 172800). The
        registry's glue now is the setting C(nameserver_previous_addresses). The old addresses are kept (and listened
        on, where the host has them) until C(hold_down) seconds after the new glue was published; RV(move) says what.
    type: dict
  renamed:
    description:
      - With O(found), the servers' old names after a rename - for each old name the C(host), its new C(name) and the
        hold-down seconds C(left) (null - not started). The domains that name an old name are delegated to the new
        one (RV(plan) C(renames)), and its glue host is deleted (C(glue_delete)) once no domain names it and C(left)
        is 0; C(renamed_done) lists the old names a server may forget. A rename onto a name another server has, or
        onto a glue host the registry has for other addresses, is refused.
    type: dict
  renamed_found:
    description:
      - With O(renamed), every domain of each account (in the order of RV(accounts)), as
        M(dnsops.nameservers.glue_host_info) returns them without O(dnsops.nameservers.glue_host_info#module:domains).
    type: list
    elements: list
  registrar_domains:
    description: With O(view=registry), the domains to delegate; each must be a zone the servers serve.
    type: list
    elements: str
  allow_single:
    description:
      - With O(view=registry), when set, the delegation is checked - at least 2 published servers (1 when V(true)),
        each with addresses.
    type: bool
  registered:
    description: With O(view=registry), the domains registered in the registrar account; the plan is returned for them.
    type: list
    elements: str
  current_glue:
    description:
      - With O(view=registry), the registry's glue hosts now, as M(dnsops.nameservers.glue_host_info) returns them
        (C(name), C(ips)); each host's addresses there are returned in RV(previous_addresses).
    type: list
    elements: dict
  accounts:
    description:
      - With O(view=registry), read the registrar accounts from the variables C(registrar_accounts) (a list of
        C(name), C(connection)) and C(registrar_connection) (the one account V(default) when C(registrar_accounts)
        is empty), check them, and return them in RV(accounts). The connections are read from the variables, never
        given as an option, and no message shows them.
    type: bool
    default: false
  found:
    description:
      - With O(accounts=true), what each account holds, in the order of RV(accounts) - for each account the
        C(domains) M(dnsops.nameservers.glue_host_info) returned with O(dnsops.nameservers.glue_host_info#module:ignore_missing=true)
        for the zones and the name servers' parent domains. The plan is then worked out account by account
        (RV(plan)), a domain two accounts hold is an error naming both, and each served zone no account holds is
        a warning naming the name servers to set at its registrar.
    type: list
    elements: list
  delete_orphans:
    description:
      - With O(found), also delete the glue hosts no server of the group describes (orphans), once no domain read
        names them (C(registrar_delete_orphan_glue)). Orphans are reported as warnings either way.
    type: bool
    default: false
  restore:
    description:
      - With O(accounts=true), a snapshot of the registry as the registrar role saves it (C(registrar_snapshot)); how
        to put it back is returned in RV(restore) - C(glue) hosts and C(delegations) (C(account), C(nameservers),
        C(expected), C(domains)).
    type: dict
  deployed:
    description:
      - With O(view=registry), the zones the servers have now (the nameserver role's C(deployed) entry point); the
        zones this run removes from them (C(state=absent), or among these and no longer listed) are returned in
        RV(removing).
    type: list
    elements: str
  removal_found:
    description:
      - With O(deployed), the domains M(dnsops.nameservers.glue_host_info) returned for RV(removing) from every
        registrar account, each with its C(nameservers). A zone to remove that the registry still delegates to a
        server of the group is refused, naming the domain and its name servers; a zone no account holds is a warning.
    type: list
    elements: dict
  remove_allowed:
    description: With O(removal_found), the domains to remove even though the registry still delegates them here.
    type: list
    elements: str
  dnssec:
    description: Whether a zone without its own C(dnssec) is signed on its primaries (C(nameserver_dnssec)).
    type: bool
    default: false
  dnssec_policies:
    description:
      - The signing policies (C(nameserver_dnssec_policies)), policy name to settings; checked, every setting
        filled in, and V(dnsops) (algorithm 13, one CSK that never rolls, the signer's timings) added unless given.
        A zone's C(dnssec_policy) must name one.
    type: dict
  signers:
    description:
      - The server softwares that sign zones (the profiles with C(inline_signing)); a signed zone with a primary
        running another one is refused, naming the zone and the host. Not checked when unset.
    type: list
    elements: str
  signed_before:
    description:
      - With O(view=host), the zones this host keeps signing keys for. A zone among them with C(dnssec=false) is
        unsigned at the signer's pace (C(plan.unsigning)), never at once.
    type: list
    elements: str
seealso:
  - module: dnsops.nameservers.zone_files
'''

EXAMPLES = r'''
- name: Work out this server's zones and peers
  dnsops.nameservers.topology:
    group: nameservers
    zones: "{{ nameserver_zones }}"
    catalog_consumer: many
  register: topology

- name: Glue hosts and delegations for the registered domains
  dnsops.nameservers.topology:
    view: registry
    registered: [example.com, example.net]
  register: registry_plan
'''

RETURN = r'''
default_primaries:
  description: The hosts that are primaries of zones that do not name their own.
  returned: always
  type: list
  elements: str
  sample: [ns1]
servers:
  description: With O(view=host), every server of the group - C(host), C(name), C(addresses), C(hidden).
  returned: success
  type: list
  elements: dict
hostinfo:
  description: With O(view=host), each host's C(port) and C(software).
  returned: success
  type: dict
plan:
  description:
    - With O(view=host), this host's C(zones) (C(name), C(type) V(primary), V(secondary) or V(consumer), C(peers)),
      C(peersets), C(producers), C(consumed), C(catalog_zone) and, with O(zone_entry), C(zone_entries).
    - With O(view=host), the primary zones this host C(signing) and C(unsigning) (signed before, now C(dnssec=false)),
      and the C(policies) they use (name to settings); a signing zone of C(zones) has C(dnssec) (V(sign) or
      V(unsign)) and C(policy).
    - With O(view=registry) and O(registered), the C(glue), C(delegated) domains and C(delegations).
    - With O(found), also the C(account) of each C(glue) host and each of the C(delegations), the C(accounts), the
      C(registered) domains with the C(account) holding each, the C(unregistered) served zones (C(zone),
      C(nameservers)) no account holds, the C(glue_delete) hosts (C(account), C(name), C(domain)) of servers with
      C(nameserver_state=absent) (and of orphans with O(delete_orphans), and renamed servers' old names after their
      hold-down) that no domain names, the C(orphans) (C(account), C(name), C(domain), C(ips), C(used_by)) no server
      of the group describes, and with O(renamed) the C(renames) (C(account), C(nameservers), C(domains)) and
      C(renamed_done).
  returned: success
  type: dict
move:
  description:
    - With O(view=host), the hold-down of a moved server's old addresses - C(kept) (to keep answering on), C(since)
      (when the new glue was found published; null while the registry publishes old glue), C(left) (seconds of the
      hold-down left, null when there is none) and C(retired) (the old addresses this run stops answering on).
  returned: success
  type: dict
  sample: {"kept": ["198.51.100.11"], "since": 1764700000, "left": 42, "retired": []}
listen:
  description: With O(view=host), the addresses to listen on (empty - all).
  returned: success
  type: list
  elements: str
primary_zone_count:
  description: With O(view=host), how many zones this host is a primary of.
  returned: success
  type: int
inventory:
  description:
    - With O(view=registry), the published C(servers) (with the C(parents) their glue may live in), C(expected),
      the C(zones) served and the C(groups) of zones by the published servers that serve them.
  returned: success
  type: dict
restore:
  description: With O(restore), the C(glue) hosts and the C(delegations) that put the snapshot back.
  returned: success
  type: dict
removing:
  description: With O(deployed), the zones this run removes from the name servers.
  returned: success
  type: list
  elements: str
delegated:
  description: With O(view=registry) and O(registrar_domains), those domains, normalised.
  returned: success
  type: list
  elements: str
previous_addresses:
  description: With O(current_glue), each host's addresses in the registry's glue now.
  returned: success
  type: dict
accounts:
  description: With O(accounts=true), the registrar accounts in their order - C(name), C(registrar), C(title).
  returned: success
  type: list
  elements: dict
  sample: [{"name": "alibaba", "registrar": "alicloud", "title": "Alibaba Cloud"}]
'''
