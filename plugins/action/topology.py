# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin topology: gathers the group's host variables and asks the topology model (_topology.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.dnsops.nameservers.plugins.module_utils._accounts import AccountPlan, accounts_from, restore_plan
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._topology import (
    Topology,
    as_bool,
    as_int,
    as_list,
    check_settings,
    listen_addresses,
    move_hold_down,
    zone_names,
)
from ansible_collections.dnsops.nameservers.plugins.plugin_utils._plain import plain as _plain, plain_without_templates

# The host variables the model reads, as the role's defaults would give them.
HOST_VARIABLES = ('nameserver_name', 'nameserver_addresses', 'nameserver_hidden', 'nameserver_port',
                  'nameserver_software', 'nameserver_primary', 'nameserver_state')

ARGS = ('view', 'group', 'primary_group', 'zones', 'catalog', 'catalog_zone_suffix', 'softwares', 'host',
        'catalog_consumer', 'require_addresses', 'settings', 'registered', 'registrar_domains', 'allow_single',
        'current_glue', 'zone_entry', 'zone_entry_values', 'accounts', 'found', 'deployed', 'removal_found',
        'remove_allowed', 'delete_orphans', 'hold_down_left', 'restore', 'moved', 'renamed', 'renamed_found',
        'dnssec', 'dnssec_policies', 'signers', 'signed_before')


def _fact_addresses(facts):
    facts = facts or {}
    return [(facts.get(key) or {}).get('address') for key in ('default_ipv4', 'default_ipv6')]


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        unknown = sorted(set(args) - set(ARGS))
        if unknown:
            return dict(result, failed=True, msg='topology: unknown option(s) %s' % ', '.join(unknown))
        try:
            result.update(self._run(args, task_vars))
        except ValidationError as exc:
            result.update(failed=True, msg=to_text(exc), field=exc.field)
        return result

    def _hosts(self, group, primary_group, task_vars):
        groups = task_vars.get('groups') or {}
        hostvars = task_vars.get('hostvars') or {}
        out = []
        for host in groups.get(group) or []:
            hv = hostvars[host]
            entry = {'host': host}
            for name in HOST_VARIABLES:
                if name in hv:
                    entry[name] = _plain(hv[name])
            own_group = _plain(hv['nameserver_primary_group']) if 'nameserver_primary_group' in hv else primary_group
            entry['primary_group_member'] = host in (groups.get(own_group) or [])
            entry['fact_addresses'] = _fact_addresses(_plain(hv['ansible_facts']) if 'ansible_facts' in hv else {})
            out.append(entry)
        return out

    def _resolve(self, value):
        """A variable's value, templated only where it holds a template: thousands of zones are read as they
        are, where templating every element would cost about a millisecond per zone."""
        plain = plain_without_templates(value)
        if plain is not None:
            return plain
        return _plain(self._templar.template(value))

    def _own_zones(self, task_vars):
        """The nameserver role's view: this host's nameserver_zones."""
        return self._resolve(task_vars.get('nameserver_zones', []))

    def _group_zones(self, group, task_vars):
        """The registry's view: every host's nameserver_zones, each zone once (the first spelling)."""
        groups = task_vars.get('groups') or {}
        hostvars = task_vars.get('hostvars') or {}
        lists = []
        for host in groups.get(group) or []:
            raw = hostvars.raw_get(host) if hasattr(hostvars, 'raw_get') else hostvars[host]
            if 'nameserver_zones' in raw:
                zones = self._resolve(raw['nameserver_zones'])
                if zones not in lists:
                    lists.append(zones)
        if len(lists) <= 1:
            return lists[0] if lists else []
        merged, seen = [], set()
        for zones in lists:
            # Each list is checked on its own first, so a duplicate inside one is named.
            for name, zone in zone_names(zones):
                if name not in seen:
                    seen.add(name)
                    merged.append(zone)
        return merged

    def _run(self, args, task_vars):
        view = args.get('view', 'host')
        group = args.get('group') or 'nameservers'
        primary_group = args.get('primary_group') or 'nameserver_primaries'
        if group not in (task_vars.get('groups') or {}):
            raise ValidationError('nameserver_group', group, 'is not a group of the inventory')
        if args.get('settings'):
            check_settings(_plain(args['settings']))
        hosts = self._hosts(group, primary_group, task_vars)
        if args.get('zones') is not None:
            zones = _plain(args['zones'])
        elif view == 'host':
            zones = self._own_zones(task_vars)
        else:
            zones = self._group_zones(group, task_vars)
        topology = Topology(hosts, zones, catalog=args.get('catalog', False),
                            catalog_zone_suffix=args.get('catalog_zone_suffix') or 'catalog.invalid',
                            softwares=args.get('softwares'), group=group, primary_group=primary_group,
                            require_addresses=as_bool(args.get('require_addresses', True), 'require_addresses'),
                            dnssec=args.get('dnssec', False), dnssec_policies=_plain(args.get('dnssec_policies')),
                            signers=_plain(args['signers']) if args.get('signers') is not None else None)
        out = {'changed': False, 'default_primaries': topology.default_primaries}
        if view == 'host':
            out.update(self._host_view(topology, args, task_vars))
        elif view == 'registry':
            out.update(self._registry_view(topology, args))
            if args.get('accounts') is not None and as_bool(args['accounts'], 'accounts'):
                out.update(self._accounts_view(topology, args, task_vars))
        else:
            raise ValidationError('view', view, 'is not host or registry')
        return out

    def _host_view(self, topology, args, task_vars):
        host = args.get('host') or task_vars.get('inventory_hostname')
        plan = topology.host_plan(host, args.get('catalog_consumer') or 'none',
                                  as_list(_plain(args.get('signed_before') or []), 'signed_before', "['example.com']"))
        if args.get('zone_entry'):
            plan['zone_entries'] = topology.zone_entries(plan, _plain(args['zone_entry']), _plain(args.get('zone_entry_values') or {}))
        facts = task_vars.get('ansible_facts') or {}
        settings = _plain(args.get('settings') or {})
        # A moved server's old glue addresses: kept until the hold-down after the new glue was published.
        moved = _plain(args.get('moved') or {})
        own = next((s.addresses for s in topology.servers if s.host == host), [])
        move = move_hold_down(moved.get('kept'), moved.get('since'), own,
                              settings.get('nameserver_previous_addresses') or [],
                              as_int(moved.get('hold_down', 172800), 'nameserver_move_hold_down', 0), time.time())
        listen = listen_addresses(settings.get('nameserver_listen_addresses') or [], move['kept'],
                                  list(facts.get('all_ipv4_addresses') or []) + list(facts.get('all_ipv6_addresses') or []))
        return {'move': move,
                'servers': [{'host': s.host, 'name': s.name, 'addresses': s.addresses, 'hidden': s.hidden,
                             'state': s.state} for s in topology.servers],
                'hostinfo': dict((s.host, {'port': s.port, 'software': s.software}) for s in topology.servers),
                'plan': plan, 'listen': listen,
                'primary_zone_count': len(topology.primary_zones(host))}

    def _accounts_view(self, topology, args, task_vars):
        """The registrar accounts, read from the role's variables here so that their connections (secrets) are
        never a task argument; with ``found`` (each account's glue_host_info domains, in the accounts' order),
        the plan account by account, and a warning per served zone no account holds."""
        accounts = accounts_from(self._resolve(task_vars.get('registrar_accounts') or []),
                                 self._resolve(task_vars.get('registrar_connection') or {}))
        out = {'accounts': [account.as_dict() for account in accounts]}
        if args.get('restore') is not None:
            out['restore'] = restore_plan(_plain(args['restore']), accounts)
        if args.get('found') is not None:
            found = as_list(_plain(args['found']), 'found', '[[{name: example.com}]]')
            domains = as_list(_plain(args.get('registrar_domains') or []), 'registrar_domains', "['example.com']")
            renamed_found = _plain(args.get('renamed_found') or [])
            plan = AccountPlan(topology, accounts, found, domains,
                               delete_orphans=as_bool(args.get('delete_orphans', False), 'registrar_delete_orphan_glue'),
                               renamed=_plain(args.get('renamed') or {}),
                               renamed_found=as_list(renamed_found, 'renamed_found', '[[{name: example.com}]]'))
            out['plan'] = plan.as_dict()
            out['warnings'] = plan.warnings()
        return out

    def _registry_view(self, topology, args):
        out = {'inventory': topology.registrar_inventory()}
        domains = as_list(_plain(args.get('registrar_domains') or []), 'registrar_domains', "['example.com']")
        # A domain no server serves is refused before the registry is asked anything.
        out['delegated'] = topology.delegated_domains(domains, [])
        if args.get('allow_single') is not None:
            topology.check_delegable(as_bool(args['allow_single'], 'registrar_allow_single'))
        if args.get('registered') is not None:
            out['plan'] = topology.registrar_plan(as_list(_plain(args['registered']), 'registered', "['example.com']"), domains)
        if args.get('deployed') is not None:
            out['removing'] = topology.zones_to_remove(as_list(_plain(args['deployed']), 'deployed', "['example.com']"))
            out['absent_servers'] = [s.host for s in topology.absent_servers]
            if args.get('removal_found') is not None:
                found = as_list(_plain(args['removal_found']), 'removal_found', '[{name: example.com}]')
                delegations = dict((domain.get('name'), domain.get('nameservers') or []) for domain in found)
                topology.check_absent_servers(_plain(args.get('hold_down_left') or {}), delegations)
                removed = dict((d, ns) for d, ns in delegations.items() if d in out['removing'])
                unknown = topology.check_zone_removals(out['removing'], removed, _plain(args.get('remove_allowed') or []))
                out['warnings'] = ['%s is removed from the name servers; no registrar account holds it, so its delegation '
                                   'is not checked: make sure its registrar no longer points it at them' % zone
                                   for zone in unknown]
        if args.get('current_glue') is not None:
            glue = dict((host.get('name'), host.get('ips')) for host in as_list(_plain(args['current_glue']), 'current_glue', '[]'))
            out['previous_addresses'] = topology.previous_addresses(glue)
        return out
