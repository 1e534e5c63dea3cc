# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The registrar accounts of an inventory, and what the registrar role writes in each.

An inventory names one registrar account (``registrar_connection``, the account ``default``) or several
(``registrar_accounts``: ``[{name, connection}]``, e.g. one at Alibaba Cloud and one at Route 53 Domains).
The role reads every account (``glue_host_info`` with ``ignore_missing``) for the zones the name servers
serve and for their names' parent domains; from what each returned, this module decides, before anything
is written:

- the account holding each domain: the one that returned it; a domain two accounts return is an error
  naming both (a domain has one registrar);
- each published server's glue home: the longest parent domain of its name that some account holds; its
  glue host is written in that account (servers whose domain no account holds get none here);
- each domain to delegate: in the account holding it, to the published servers that serve it;
- the served zones no account holds: reported with the name servers to set at their registrar, never
  skipped silently; a ``registrar_domains`` entry no account holds is an error;
- one registrar's own rules on that plan (how many name servers a domain takes, glue addresses, glue
  living in the parent domain's own name-server list), each error naming the registrar and the account.

Only each account's name and registrar are read from the connections, and no message shows a
connection: they hold the secrets. Plain data in and out; no Ansible, no I/O. Bad input raises
``ValidationError`` naming the variable, the value and the rule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import normalize_ips
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import (
    ValidationError,
    normalize_name,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._providers import DEFAULT_PROVIDER, PROVIDERS
from ansible_collections.dnsops.nameservers.plugins.module_utils._topology import parent_domains

#: the account registrar_connection describes when registrar_accounts is empty
DEFAULT_ACCOUNT = 'default'
ACCOUNT_FIELDS = ('name', 'connection')
_ACCOUNT_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$')
_HIDDEN = '<not shown>'


class Account(object):
    """One registrar account: its ``name`` (the inventory's) and its provider (``ProviderInfo``)."""

    def __init__(self, name, info):
        self.name = name
        self.info = info

    def describe(self):
        return 'account %s at %s' % (self.name, self.info.describe())

    def as_dict(self):
        return {'name': self.name, 'registrar': self.info.name, 'title': self.info.title}


def _registrar_of(connection, field):
    name = connection.get('registrar') or DEFAULT_PROVIDER
    if name not in PROVIDERS:
        raise ValidationError(field + '.registrar', name, 'is not a registrar of the collection; one of %s'
                              % ', '.join(sorted(PROVIDERS)))
    return PROVIDERS[name]


def _connection(value, field):
    if not isinstance(value, dict):
        raise ValidationError(field, _HIDDEN, "is not a mapping (dict) of the registrar modules' options; give one, "
                                              "e.g. {registrar: route53domains, access_key: ...}")
    return value


def accounts_from(registrar_accounts, registrar_connection):
    """The accounts the variables describe, as Account objects in their order.

    ``registrar_accounts`` empty (or None): one account, ``default``, described by ``registrar_connection``.
    Else every entry is ``{name, connection}`` with a unique name, and ``registrar_connection`` must be empty
    (an inventory has one way of saying where its domains are).
    """
    if registrar_connection is None:
        registrar_connection = {}
    _connection(registrar_connection, 'registrar_connection')
    if not registrar_accounts:
        return [Account(DEFAULT_ACCOUNT, _registrar_of(registrar_connection, 'registrar_connection'))]
    if not isinstance(registrar_accounts, (list, tuple)):
        raise ValidationError('registrar_accounts', _HIDDEN, 'is not a list; give a list of accounts, e.g. '
                                                             '[{name: alibaba, connection: {...}}, {name: aws, '
                                                             'connection: {registrar: route53domains, ...}}]')
    if registrar_connection:
        raise ValidationError('registrar_connection', _HIDDEN, 'is set, and so is registrar_accounts; with several '
                                                               'accounts give each its connection in registrar_accounts '
                                                               'and leave registrar_connection empty')
    accounts, seen = [], {}
    for index, entry in enumerate(registrar_accounts):
        field = 'registrar_accounts[%d]' % index
        if not isinstance(entry, dict):
            raise ValidationError(field, _HIDDEN, 'is not a mapping; each account is {name: ..., connection: {...}}')
        for key in entry:
            if key not in ACCOUNT_FIELDS:
                raise ValidationError(field, key, 'is not a field of an account; the fields are name and connection')
        name = entry.get('name')
        if not isinstance(name, str) or not _ACCOUNT_NAME_RE.match(name):
            raise ValidationError(field + '.name', name, 'is not an account name: 1 to 63 letters, digits, '
                                                         "'-', '_' or '.', starting with a letter or digit")
        if name in seen:
            raise ValidationError(field + '.name', name, 'is also the name of %s; give each account its own name'
                                  % seen[name])
        seen[name] = field
        connection = _connection(entry.get('connection'), field + '.connection')
        accounts.append(Account(name, _registrar_of(connection, field + '.connection')))
    return accounts


def _account_list(accounts):
    return ', '.join(account.describe() for account in accounts)


class AccountPlan(object):
    """What the registrar role writes, account by account.

    ``topology``: the Topology of the name servers. ``accounts``: the Account objects. ``found``: what each
    account returned, a list in the accounts' order, each a list of domains as ``glue_host_info`` returns
    them (``name``, ``nameservers``, ``hosts`` [{name, ips}]). ``registrar_domains``: the role variable.
    """

    def __init__(self, topology, accounts, found, registrar_domains=(), delete_orphans=False, renamed=None,
                 renamed_found=None):
        if len(found) != len(accounts):
            raise ValidationError('found', len(found), 'has the reads of %d accounts, not of the %d accounts (%s)'
                                  % (len(found), len(accounts), _account_list(accounts)))
        self.topology = topology
        self.accounts = accounts
        self.by_name = dict((account.name, account) for account in accounts)
        self.domains = {}  # domain -> what its account returned
        self.holders = self._holders(found)
        self.delegated = self._delegated(registrar_domains)
        self.renamed = self._renamed(renamed or {})
        # Every domain of the accounts (read when a server is renamed): {domain: (account, name servers)}.
        self.all_domains = self._all_domains(renamed_found)
        self.glue = self._glue()
        self.delegations = self._delegations()
        self.renames = self._rename_delegations()
        self.glue_delete, self.orphans, self.kept = self._glue_to_delete(delete_orphans)
        self.renamed_done = self._renamed_done()

    # -- who holds what ------------------------------------------------------

    def _holders(self, found):
        holders = {}
        for account, domains in zip(self.accounts, found):
            for domain in domains or []:
                name = normalize_name(domain.get('name'))
                if name in holders:
                    raise ValidationError('registrar_accounts', name, 'is a domain of two registrar accounts, %s and %s; '
                                                                      'a domain is held by one account at one registrar, '
                                                                      'so these are probably one account listed twice in '
                                                                      'registrar_accounts: list each account once'
                                          % (self.by_name[holders[name]].describe(), account.describe()))
                holders[name] = account.name
                self.domains[name] = domain
        return holders

    def holder(self, domain):
        """The Account holding ``domain``, or None."""
        name = self.holders.get(normalize_name(domain))
        return self.by_name[name] if name else None

    def _delegated(self, registrar_domains):
        delegated = self.topology.delegated_domains(registrar_domains, list(self.holders))
        for name in delegated:
            if name not in self.holders:
                raise ValidationError('registrar_domains', name, 'is a domain of none of the registrar accounts (%s); '
                                                                 'delegate it at its registrar, or add its account to '
                                                                 'registrar_accounts' % _account_list(self.accounts))
        return delegated

    @property
    def unregistered(self):
        """The served zones no account holds, [{zone, nameservers}]: their delegation is set elsewhere."""
        out = []
        for group in self.topology.delegation_groups():
            for zone in group['zones']:
                if zone not in self.holders:
                    out.append({'zone': zone, 'nameservers': list(group['nameservers'])})
        return out

    # -- renamed servers ------------------------------------------------------------

    def _renamed(self, renamed):
        """{old name: {host, name, left}}: the names the servers had before a rename (kept on each server), the
        new name and the hold-down seconds left (None: not started). A server renamed onto a name that is another
        server's, or another server's old name whose glue host is still to be deleted, is refused."""
        out = {}
        names = dict((s.name, s.host) for s in self.topology.servers)
        for old, entry in renamed.items():
            old, entry = normalize_name(old), dict(entry or {})
            entry['name'] = normalize_name(entry.get('name'))
            if old == entry['name']:
                continue
            if old in names:
                raise ValidationError('nameserver_name of %s' % names[old], old,
                                      'is the old name of %s (renamed to %s), whose glue host is deleted after the '
                                      'hold-down; a rename onto a name another host has is refused: give %s another '
                                      'name, or wait until %s is gone from the registry'
                                      % (entry.get('host'), entry['name'], names[old], old))
            out[old] = entry
        # The new name may not be a glue host the registry has for another host's addresses.
        glue = dict((normalize_name(h.get('name')), list(h.get('ips') or []))
                    for found in self.domains.values() for h in found.get('hosts') or [])
        for old, entry in out.items():
            server = next((s for s in self.topology.servers if s.name == entry['name']), None)
            theirs = glue.get(entry['name'])
            if server is not None and theirs and not set(theirs) & set(server.addresses):
                raise ValidationError('nameserver_name of %s' % server.host, entry['name'],
                                      'is a glue host at the registry already, for %s (not an address of %s): a rename '
                                      'of %s onto a name another host has is refused; pick a free name, or delete that '
                                      'glue host first' % (', '.join(theirs), server.host, old))
        return out

    def _all_domains(self, renamed_found):
        out = {}
        for account, domains in zip(self.accounts, renamed_found or []):
            for found in domains or []:
                out[normalize_name(found.get('name'))] = (account.name, [normalize_name(n) for n in found.get('nameservers') or []])
        for name, found in self.domains.items():
            out.setdefault(name, (self.holders[name], [normalize_name(n) for n in found.get('nameservers') or []]))
        return out

    def _rename_delegations(self, batch=50):
        """The domains of the accounts that name a renamed server's old name and that the plan does not delegate
        already: each to its name servers with the new name instead of the old, grouped by name servers, in batches
        ([{account, nameservers, domains}])."""
        if not self.renamed:
            return []
        groups = {}
        for domain in sorted(self.all_domains):
            account, ns = self.all_domains[domain]
            if domain in self.delegated or not set(ns) & set(self.renamed):
                continue
            new = []
            for name in ns:
                name = self.renamed[name]['name'] if name in self.renamed else name
                if name not in new:
                    new.append(name)
            groups.setdefault((account, tuple(new)), []).append(domain)
        out = []
        for (account, ns), domains in sorted(groups.items()):
            for start in range(0, len(domains), batch):
                out.append({'account': account, 'nameservers': list(ns), 'domains': domains[start:start + batch]})
        return out

    def _renamed_users(self, name):
        """The domains that still name ``name`` after this run's delegations."""
        moved = set(d for group in self.delegations + self.renames for d in group['domains'])
        return sorted(d for d, (account, ns) in self.all_domains.items() if name in ns and d not in moved)

    def _renamed_done(self):
        """The old names a server may forget: hold-down passed and no glue host left after this run."""
        glue = set(normalize_name(h.get('name')) for found in self.domains.values() for h in found.get('hosts') or [])
        deleted = set(entry['name'] for entry in self.glue_delete)
        return sorted(name for name, entry in self.renamed.items()
                      if entry.get('left') == 0 and (name in deleted or name not in glue))

    # -- glue -----------------------------------------------------------------

    def _glue(self):
        """A glue host for each published server whose name lies in a domain some account holds (the longest
        such parent), written in that account, checked against that registrar's rules."""
        out = []
        for server in self.topology.glued:
            homes = [p for p in parent_domains(server.name) if p in self.holders]
            if not homes:
                continue
            home, account = homes[0], self.by_name[self.holders[homes[0]]]
            limits = account.info.limits
            try:
                limits.check_host_name(server.name, server.name, 'nameserver_name of %s' % server.host)
                field = 'nameserver_addresses of %s' % server.host
                addresses = normalize_ips(server.addresses, field, limits.max_ips_per_host, account.describe())[0]
                limits.check_ips(addresses, field)
            except ValidationError as exc:
                raise ValidationError(exc.field, exc.value, '%s (the glue of %s in %s, %s)'
                                      % (exc.rule, server.name, home, account.describe()))
            out.append({'account': account.name, 'name': server.name, 'domain': home,
                        'addresses': list(server.addresses)})
        self._check_glue_homes(out)
        return out

    def _check_glue_homes(self, glue):
        """Each glue home's registrar takes its new glue hosts; where glue lives in the parent's own
        name-server list (Route 53 Domains), the parent is then also delegated to them, so they must serve it
        and the list must have room for them."""
        by_home = {}
        for entry in glue:
            by_home.setdefault(entry['domain'], []).append(entry['name'])
        for home, names in by_home.items():
            account = self.by_name[self.holders[home]]
            limits = account.info.limits
            found = self.domains[home]
            existing = [normalize_name(host.get('name')) for host in found.get('hosts') or []]
            for name in names:
                try:
                    limits.check_new_host(home, name, existing, 'nameserver_name of %s' % self._host_of(name))
                except ValidationError as exc:
                    raise ValidationError(exc.field, exc.value, '%s (%s)' % (exc.rule, account.describe()))
                if name not in existing:
                    existing.append(name)
            if account.info.glue_in_parent_delegation:
                self._check_parent_list(home, names, account, found)

    def _host_of(self, name):
        """The inventory host of the published server named ``name``."""
        return next(s.host for s in self.topology.glued if s.name == name)

    def _check_parent_list(self, home, names, account, found):
        zone = self.topology.zone(home)
        serving = [s.host for s in self.topology.serving_servers(zone)] if zone is not None and zone.present else []
        current = [normalize_name(n) for n in found.get('nameservers') or []]
        new = [name for name in names if name not in current]
        for name in new:
            host = self._host_of(name)
            if host not in serving:
                raise ValidationError('nameserver_name of %s' % host, name,
                                      'has its glue in %s, held in %s, which keeps glue only in the domain\'s own '
                                      'name-server list: creating it delegates %s to %s too, and %s does not serve '
                                      '%s; add %s to nameserver_zones (served by %s) first'
                                      % (home, account.describe(), home, name, host, home, home, host))
        limit = account.info.limits.max_nameservers
        if len(current) + len(new) > limit:
            raise ValidationError('registrar_nameserver_group', self.topology.group,
                                  'would add %d glue host%s (%s) to the name servers of %s, which has %d (%s), %d in '
                                  'all; %s keeps glue only in that list and takes at most %d name servers for a '
                                  'domain: delegate %s to at most %d name servers first'
                                  % (len(new), '' if len(new) == 1 else 's', ', '.join(new), home, len(current),
                                     ', '.join(current), len(current) + len(new), account.describe(), limit, home,
                                     limit - len(new)))

    # -- glue hosts that go ----------------------------------------------------------

    def _users(self, name):
        """The domains read from the accounts whose delegation names the host ``name``, sorted."""
        return sorted(domain for domain, found in self.domains.items()
                      if name in [normalize_name(n) for n in found.get('nameservers') or []])

    def _glue_to_delete(self, delete_orphans):
        """The glue hosts to delete (``[{account, name, domain}]``): those of servers with nameserver_state
        absent, and, with ``delete_orphans``, those the inventory does not describe at all (orphans, always
        reported as ``[{account, name, domain, ips, used_by}]``); a host some domain still names is kept and
        reported (``kept``: ``[{name, why}]``). Where a registrar keeps glue only in the parent domain's own
        name-server list (Route 53 Domains) nothing is deleted: that is a delegation change of the parent."""
        known = dict((s.name, s) for s in self.topology.servers if not s.hidden)
        delete, orphans, kept = [], [], []
        for domain in sorted(self.domains):
            account = self.by_name[self.holders[domain]]
            for host in self.domains[domain].get('hosts') or []:
                name = normalize_name(host.get('name'))
                server = known.get(name)
                if server is not None and server.state != 'absent':
                    continue
                if name in self.renamed:
                    # A renamed server's old name: deleted once no domain names it and the hold-down has passed.
                    users, left = self._renamed_users(name), self.renamed[name].get('left')
                    if users:
                        kept.append({'name': name, 'why': 'the old name of %s, still named by %s'
                                     % (self.renamed[name]['name'], ', '.join(users))})
                    elif left != 0:
                        kept.append({'name': name, 'why': 'the old name of %s: resolvers may still use it for %s; run '
                                     'deploy again after that to delete it' % (
                                         self.renamed[name]['name'], 'the hold-down (it starts at the end of this run)'
                                         if left is None else '%d more second(s)' % int(left))})
                    elif account.info.glue_in_parent_delegation:
                        kept.append({'name': name, 'why': '%s keeps glue in the name servers of %s: change them there'
                                     % (account.describe(), domain)})
                    else:
                        delete.append({'account': account.name, 'name': name, 'domain': domain})
                    continue
                users = self._users(name)
                if server is None:
                    orphans.append({'account': account.name, 'name': name, 'domain': domain,
                                    'ips': list(host.get('ips') or []), 'used_by': users})
                    if not delete_orphans:
                        continue
                if users:
                    kept.append({'name': name, 'why': 'still named by %s' % ', '.join(users)})
                    continue
                if account.info.glue_in_parent_delegation:
                    kept.append({'name': name, 'why': '%s keeps glue in the name servers of %s: change them there'
                                 % (account.describe(), domain)})
                    continue
                delete.append({'account': account.name, 'name': name, 'domain': domain})
        return delete, orphans, kept

    # -- delegations ------------------------------------------------------------

    def _delegations(self):
        """The delegated domains by the published servers that serve them, in the account holding each."""
        wanted = set(self.delegated)
        out = []
        for group in self.topology.delegation_groups():
            for account in self.accounts:
                domains = [z for z in group['zones'] if z in wanted and self.holders[z] == account.name]
                if not domains:
                    continue
                limit = account.info.limits.max_nameservers
                if len(group['nameservers']) > limit:
                    raise ValidationError('registrar_nameserver_group', self.topology.group,
                                          'has %d published name servers serving %s; %s takes at most %d for a domain'
                                          % (len(group['nameservers']), ', '.join(domains[:3]) +
                                             (' and %d more' % (len(domains) - 3) if len(domains) > 3 else ''),
                                             account.describe(), limit))
                out.append({'account': account.name, 'nameservers': list(group['nameservers']),
                            'expected': group['expected'], 'domains': domains})
        return out

    def snapshot(self):
        """What the registry has now for every domain read, to roll back to: [{account, name, nameservers, hosts
        [{name, ips}]}], by domain."""
        return [{'account': self.holders[name], 'name': name,
                 'nameservers': [normalize_name(n) for n in self.domains[name].get('nameservers') or []],
                 'hosts': [{'name': normalize_name(h.get('name')), 'ips': list(h.get('ips') or [])}
                           for h in self.domains[name].get('hosts') or []]}
                for name in sorted(self.domains)]

    def as_dict(self):
        return {
            'accounts': [account.as_dict() for account in self.accounts],
            'glue': self.glue,
            'delegated': self.delegated,
            'delegations': self.delegations,
            'unregistered': self.unregistered,
            'glue_delete': self.glue_delete,
            'renames': self.renames,
            'renamed_done': self.renamed_done,
            'snapshot': self.snapshot(),
            'orphans': self.orphans,
            'registered': [{'name': name, 'account': self.holders[name]} for name in sorted(self.holders)],
        }

    def warnings(self):
        """One line per served zone no account holds (what to set at its registrar), per orphan glue host (the
        domains still using it) and per glue host kept because a domain still names it."""
        orphans = ['%s is a glue host under %s in account %s that no name server of group %s describes; domains '
                   'naming it: %s; set registrar_delete_orphan_glue to delete such hosts once no domain names them'
                   % (o['name'], o['domain'], o['account'], self.topology.group, ', '.join(o['used_by']) or 'none')
                   for o in self.orphans]
        kept = ['the glue host %s is not deleted: %s' % (k['name'], k['why']) for k in self.kept]
        unregistered = ['%s is a domain of none of the registrar accounts (%s); set its name servers to %s at its '
                        'registrar' % (entry['zone'], ', '.join(a.name for a in self.accounts),
                                       ', '.join(entry['nameservers']))
                        for entry in self.unregistered]
        return orphans + kept + unregistered


def restore_plan(snapshot, accounts):
    """How to put back a ``snapshot`` (``AccountPlan.snapshot``, or the file deploy saved): the glue hosts
    (``glue``: [{account, name, domain, addresses}]) and the delegations (``delegations``: [{account, nameservers,
    expected, domains}], domains with the same name servers together), each server with the addresses the
    snapshot's glue gives it. Every account must be one of ``accounts``; bad input raises ValidationError."""
    names = [account.name for account in accounts]
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get('domains'), list):
        raise ValidationError('registrar_restore_snapshot', _HIDDEN if snapshot else snapshot,
                              'is not a snapshot: a mapping with domains, as deploy saves it (registrar_snapshot)')
    glue, addresses, delegations = [], {}, {}
    for index, entry in enumerate(snapshot['domains']):
        field = 'registrar_restore_snapshot domains[%d]' % index
        if not isinstance(entry, dict) or entry.get('account') not in names:
            raise ValidationError(field + '.account', (entry or {}).get('account') if isinstance(entry, dict) else entry,
                                  'is not one of the registrar accounts (%s)' % ', '.join(names))
        domain = normalize_name(entry.get('name'))
        for host in entry.get('hosts') or []:
            ips = normalize_ips(host.get('ips') or [], field + '.hosts', 13, 'the snapshot')[0]
            glue.append({'account': entry['account'], 'name': normalize_name(host.get('name')), 'domain': domain,
                         'addresses': ips})
            addresses[normalize_name(host.get('name'))] = ips
    for entry in snapshot['domains']:
        nameservers = [normalize_name(n) for n in entry.get('nameservers') or []]
        key = (entry['account'], tuple(nameservers))
        delegations.setdefault(key, []).append(normalize_name(entry.get('name')))
    out = []
    for (account, nameservers), domains in delegations.items():
        if not nameservers:
            continue
        out.append({'account': account, 'nameservers': list(nameservers), 'domains': domains,
                    'expected': [{'name': n, 'addresses': addresses.get(n, [])} for n in nameservers]})
    return {'glue': glue, 'delegations': out}
