# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The summary at the end of the deploy and verify playbooks, as lines for a person (pure code, no Ansible).

``summary_lines(data)`` takes what the playbook knows at its end:

- ``mode``: ``deploy`` or ``verify``; ``check_mode``: whether nothing was changed (then "would" is the plan);
- ``plan``: the registrar role's plan (``accounts`` [{name, title}], ``glue`` [{account, name, domain, addresses}],
  ``delegations`` [{account, nameservers, domains}], ``unregistered`` [{zone, nameservers}]);
- ``registry``: per account, ``{account, domains}`` with the domains as ``glue_host_info`` returns them
  (``name``, ``nameservers``, ``hosts`` [{name, ips}]), read at the end of the run;
- ``checks``: ``delegation_check``'s zone reports (``zone``, ``ok``, ``serials``, ``findings``);
- ``dnssec``: the DS plan of each signed zone, or zone going unsigned (``ds_plan``'s ``domains``: ``name``,
  ``state``, ``add``, ``remove``, ``registrar``, ``parent``, ``wait``, ``manual``), the last one of the run;
- ``servers``: per inventory host ``{host, name, addresses, software, primary, hidden, zones, config}``, where
  ``zones`` and ``config`` are what the nameserver role's zone_files and server_config tasks returned (or empty);
- ``failure`` (only when a step failed): ``step``, ``task`` and ``msg`` of the failure, the loop results of the
  registrar role's writes so far (``glue``, ``delegations``, ``glue_delete``), and ``snapshot_taken`` and
  ``snapshot_file``, to say how to roll back when the registry was changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _names(values):
    return ', '.join(values) or 'none'


def _some(values, limit=5):
    """``a, b, c (and 4 more)``"""
    values = list(values)
    text = ', '.join(values[:limit])
    if len(values) > limit:
        text += ' (and %d more)' % (len(values) - limit)
    return text


def _norm(name):
    return (name or '').lower().rstrip('.')


class Summary(object):

    def __init__(self, data):
        self.check_mode = bool(data.get('check_mode'))
        self.mode = data.get('mode') or 'deploy'
        plan = data.get('plan') or {}
        self.titles = dict((a.get('name'), a.get('title') or a.get('name')) for a in plan.get('accounts') or [])
        self.planned_ns = {}      # domain -> name servers the plan delegates it to
        for delegation in plan.get('delegations') or []:
            for domain in delegation.get('domains') or []:
                self.planned_ns[_norm(domain)] = [_norm(n) for n in delegation.get('nameservers') or []]
        self.planned_glue = dict((_norm(g.get('name')), list(g.get('addresses') or [])) for g in plan.get('glue') or [])
        self.unregistered = plan.get('unregistered') or []
        self.registry = []        # [(account, domain)] in the accounts' order
        self.glue = {}            # glue host name -> addresses at the registry now
        for entry in data.get('registry') or []:
            for domain in entry.get('domains') or []:
                self.registry.append((entry.get('account'), domain))
                for host in domain.get('hosts') or []:
                    self.glue[_norm(host.get('name'))] = list(host.get('ips') or [])
        self.checks = dict((_norm(c.get('zone')), c) for c in data.get('checks') or [])
        self.servers = data.get('servers') or []
        self.failure = data.get('failure') or None
        self.dnssec = data.get('dnssec') or []

    @property
    def would(self):
        return 'would be' if self.check_mode else 'was'

    def lines(self):
        out = [self.headline()]
        out += self.failure_lines()
        out += self.server_lines()
        out += self.glue_section()
        for account, domain in self.registry:
            if _norm(domain.get('name')) in self.planned_ns or _norm(domain.get('name')) in self.checks:
                out += self.domain_lines(account, domain)
        out += self.unregistered_lines()
        out += self.dnssec_lines()
        return out

    def headline(self):
        what = 'dnsops.nameservers %s' % self.mode
        if self.failure:
            return '%s FAILED in %s%s: %s' % (what, self.failure.get('step') or 'a step',
                                              ' (check mode)' if self.check_mode else '', self.failure.get('msg') or '')
        if self.check_mode:
            return '%s, CHECK MODE: nothing was changed; "would" is what a real run does' % what
        return what

    # -- a failed run ---------------------------------------------------------------

    def failure_lines(self):
        """The failed task, what this run wrote to the registry before, and how to roll back when it wrote."""
        if not self.failure:
            return []
        out = ['  failed task: %s' % (self.failure.get('task') or '?')]
        written = self.written()
        if self.check_mode or not written:
            out.append('The registry was not changed by this run.')
            return out
        out.append('Changed at the registry by this run before the failure:')
        out += ['  ' + line for line in written]
        if self.failure.get('snapshot_file'):
            how = '-e registrar_restore_file=%s' % self.failure['snapshot_file']
        else:
            how = ("-e registrar_restore_snapshot=... with this run's registrar_snapshot (set registrar_snapshot_file "
                   "to save it next time)")
        out.append('To put back what the registry had before this run: ansible-playbook -i INVENTORY '
                   'dnsops.nameservers.restore %s (it first checks that the old name servers still answer)' % how)
        return out

    def written(self):
        """A line per write the registry accepted (a failed task's too: its change may still be applied)."""
        out = []
        for kind in ('glue', 'delegations', 'glue_delete'):
            for result in self.failure.get(kind) or []:
                if not result.get('changed'):
                    continue
                item = result.get('item') or {}
                account = ' (account %s)' % item['account'] if item.get('account') else ''
                if kind == 'glue':
                    verb = 'created' if not result.get('before') else 'changed'
                    line = 'glue host %s %s: %s' % (item.get('name'), verb, ' '.join(item.get('addresses') or []))
                elif kind == 'delegations':
                    domains = result.get('changed_domains') or item.get('domains') or []
                    line = '%s delegated to %s' % (_some(domains), _names(item.get('nameservers') or []))
                else:
                    line = 'glue host %s deleted' % item.get('name')
                if result.get('failed'):
                    line += ', accepted by the registry but its task did not succeed'
                out.append(line + account)
        return out

    # -- servers -----------------------------------------------------------------

    def server_lines(self):
        if not self.servers:
            return []
        out = ['Name servers:']
        for server in self.servers:
            kind = 'primary' if server.get('primary') else 'secondary'
            if server.get('hidden'):
                kind += ', hidden (not published)'
            out.append('  %s (host %s, %s, %s) %s' % (server.get('name') or server.get('host'), server.get('host'),
                                                      server.get('software') or '?', kind,
                                                      ' '.join(server.get('addresses') or []) or 'no address'))
            out += ['    ' + line for line in self.server_changes(server)]
            out += ['    ' + line for line in self.move_lines(server)]
        return out

    def move_lines(self, server):
        """A moved server's old addresses: kept for how long, or retired in this run."""
        move = server.get('move') or {}
        kept, retired = move.get('kept') or [], move.get('retired') or []
        if retired:
            return ['old addresses %s retired: the hold-down has passed since the registry published the new glue'
                    % ' '.join(retired)]
        if not kept:
            return []
        left = server.get('move_started')
        if left is None:
            left = move.get('left')
        if left is None:
            return ['still answering on its old addresses %s: the registry publishes them; the hold-down starts once '
                    'it publishes the new glue' % ' '.join(kept)]
        return ['still answering on its old addresses %s for %d more second(s) (hold-down since the registry '
                'published the new glue); run deploy again after that to retire them' % (' '.join(kept), int(left))]

    def server_changes(self, server):
        zones, config = server.get('zones') or {}, server.get('config') or {}
        if not zones and not config:
            return []
        out = []
        verb = 'would be' if self.check_mode else 'were'
        added, changed, removed = zones.get('added_zones') or [], zones.get('changed_zones') or [], \
            zones.get('removed_zones') or []
        if added:
            out.append('zone files %s added: %s' % (verb, _some(added)))
        if changed:
            out.append('zone files %s changed: %s' % (verb, _some(changed)))
        if removed:
            out.append('zone files %s removed: %s' % (verb, _some(removed)))
        files = config.get('changed_files') or []
        if files:
            then = ' (then a restart)' if config.get('restart') else ' (then a reconfiguration)' if config.get('reconfig') else ''
            out.append('configuration files %s changed: %s%s' % (verb, _some(files), then))
        if not out and zones.get('zone_count'):
            out.append('%d zone file(s) and the configuration unchanged' % zones['zone_count'])
        elif not out:
            out.append('configuration unchanged')
        return out

    # -- domains -----------------------------------------------------------------

    def domain_lines(self, account, domain):
        name = _norm(domain.get('name'))
        now = [_norm(n) for n in domain.get('nameservers') or []]
        planned = self.planned_ns.get(name)
        out = ['%s  (%s, account %s): %s' % (name, self.titles.get(account, account), account, self.status(name, now))]
        out.append('  name servers at the registry: %s' % _names(now))
        if planned is not None and sorted(planned) != sorted(now):
            out.append('  %s set to: %s' % (self.would, _names(planned)))
        check = self.checks.get(name)
        if check is None:
            out.append('  not checked')
            return out
        for label, serial in sorted((check.get('serials') or {}).items()):
            out.append('  serial %-40s %s' % (label, serial))
        findings = check.get('findings') or []
        passed = sorted(set(f.get('test') for f in findings if f.get('level') == 'ok'))
        # In check mode the checks saw the delegation as it is, not as the plan makes it.
        out.append('  checks passed%s: %s' % (' now' if self.check_mode else '', ' '.join(passed) or 'none'))
        for finding in findings:
            if finding.get('level') in ('warning', 'error'):
                out.append('  %s %s: %s' % (finding['level'].upper(), finding.get('test'), finding.get('message')))
        return out

    def status(self, name, now):
        planned = self.planned_ns.get(name)
        check = self.checks.get(name)
        if self.check_mode and planned is not None and sorted(planned) != sorted(now):
            return 'delegation would change'
        if check is None:
            return 'delegation not checked'
        return 'delegation OK' if check.get('ok') else 'delegation NOT OK'

    def glue_lines(self, server):
        now, planned = self.glue.get(server), self.planned_glue.get(server)
        out = []
        if now is not None:
            out.append('  glue %-30s %s' % (server, ' '.join(now)))
        if planned is not None and sorted(planned) != sorted(now or []):
            out.append('  glue %-30s %s %s' % (server, 'would be' if self.check_mode else 'set to',
                                               ' '.join(planned)))
        return out

    def glue_section(self):
        """Every glue host the registry has in the domains read, and every one the plan writes, once."""
        out = []
        for name in sorted(set(self.glue) | set(self.planned_glue)):
            out += self.glue_lines(name)
        return ['Glue hosts at the registry:'] + out if out else []

    def dnssec_lines(self):
        if not self.dnssec:
            return []
        out = ['DNSSEC (state; DS as key tag, algorithm, digest type):']
        for plan in self.dnssec:
            out += _dnssec_lines(plan, self.check_mode)
        return out

    def unregistered_lines(self):
        if not self.unregistered:
            return []
        out = ['Served but not delegated by this run (in none of the registrar accounts%s):'
               % (': ' + ', '.join(sorted(self.titles)) if self.titles else '')]
        for entry in self.unregistered:
            out.append('  %s: set NS to %s at its registrar' % (entry.get('zone'), ', '.join(entry.get('nameservers') or [])))
        return out


def _ds(records):
    return ', '.join('%s %s %s' % (r.get('key_tag'), r.get('algorithm'), r.get('digest_type'))
                     for r in records or []) or 'none'


def _dnssec_lines(plan, check_mode):
    name, state = plan.get('name'), plan.get('state')
    if plan.get('manual'):
        return ['  %s: set by hand: %s' % (name, plan['manual'])]
    out = ['  %s: %s (wanted %s); DS at the registrar: %s; at the parent: %s'
           % (name, state, plan.get('wanted'), _ds(plan.get('registrar')),
              'unknown' if plan.get('parent') is None else _ds(plan.get('parent')))]
    verb = 'would be' if check_mode else 'were'
    if plan.get('add'):
        out.append('    DS %s added: %s' % (verb, _ds(plan['add'])))
    if plan.get('remove'):
        out.append('    DS %s removed: %s' % (verb, _ds(plan['remove'])))
    for reason in plan.get('wait') or []:
        out.append('    waiting: %s' % reason)
    return out


def summary_lines(data):
    """The summary as a list of lines (see the module's docstring for ``data``)."""
    return Summary(data or {}).lines()
