# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The summary at the end of deploy and verify: what a person reads after the run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.module_utils._summary import summary_lines

NS = ['ns1.example.com', 'ns2.example.com']
PLAN = {
    'accounts': [{'name': 'alibaba', 'title': 'Alibaba Cloud'}, {'name': 'aws', 'title': 'Amazon Route 53 Domains'}],
    'glue': [{'account': 'alibaba', 'name': 'ns1.example.com', 'domain': 'example.com', 'addresses': ['198.51.100.10']},
             {'account': 'alibaba', 'name': 'ns2.example.com', 'domain': 'example.com', 'addresses': ['198.51.100.21']}],
    'delegations': [{'account': 'alibaba', 'nameservers': NS, 'domains': ['example.com', 'customer-a.com']},
                    {'account': 'aws', 'nameservers': NS, 'domains': ['customer-d.org']}],
    'unregistered': [{'zone': 'elsewhere.net', 'nameservers': NS}],
}
GLUE = [{'name': 'ns1.example.com', 'ips': ['198.51.100.10']}, {'name': 'ns2.example.com', 'ips': ['198.51.100.11']}]
REGISTRY = [
    {'account': 'alibaba', 'domains': [{'name': 'example.com', 'nameservers': NS, 'hosts': GLUE},
                                       {'name': 'customer-a.com', 'nameservers': ['dns1.hichina.com', 'dns2.hichina.com'],
                                        'hosts': []}]},
    {'account': 'aws', 'domains': [{'name': 'customer-d.org', 'nameservers': NS, 'hosts': []}]},
]


def check(zone, ok=True, serial=2026120201):
    findings = [{'test': 'BASIC01', 'level': 'ok', 'zone': zone, 'server': None, 'message': 'parent answers'},
                {'test': 'CONSISTENCY01', 'level': 'ok', 'zone': zone, 'server': None, 'message': 'one serial'}]
    if not ok:
        findings.append({'test': 'EXPECTED01', 'level': 'error', 'zone': zone, 'server': None,
                         'message': 'the parent publishes dns1.hichina.com, dns2.hichina.com'})
    return {'zone': zone, 'ok': ok, 'findings': findings,
            'serials': {'ns1.example.com (198.51.100.10)': serial, 'ns2.example.com (198.51.100.11)': serial}}


def section(lines, start):
    """The lines of the domain ``start`` up to the next unindented line."""
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    out = [lines[index]]
    for line in lines[index + 1:]:
        if not line.startswith(' '):
            break
        out.append(line)
    return out


def test_after_a_real_run_each_domain_shows_its_name_servers_glue_serials_and_checks():
    lines = summary_lines({'mode': 'deploy', 'check_mode': False, 'plan': PLAN, 'registry': REGISTRY,
                           'checks': [check('example.com'), check('customer-d.org')]})
    assert lines[0] == 'dnsops.nameservers deploy'
    example = section(lines, 'example.com')
    assert example[0] == 'example.com  (Alibaba Cloud, account alibaba): delegation OK'
    assert '  name servers at the registry: ns1.example.com, ns2.example.com' in example
    assert '  glue ns1.example.com                198.51.100.10' in lines
    assert any(line.split() == ['serial', 'ns2.example.com', '(198.51.100.11)', '2026120201'] for line in example)
    assert '  checks passed: BASIC01 CONSISTENCY01' in example
    assert section(lines, 'customer-d.org')[0] == \
        'customer-d.org  (Amazon Route 53 Domains, account aws): delegation OK'


def test_a_failing_check_shows_its_findings_and_not_ok():
    lines = summary_lines({'plan': PLAN, 'registry': REGISTRY, 'checks': [check('customer-a.com', ok=False)]})
    customer = section(lines, 'customer-a.com')
    assert customer[0].endswith('delegation NOT OK')
    assert '  ERROR EXPECTED01: the parent publishes dns1.hichina.com, dns2.hichina.com' in customer


def test_check_mode_shows_what_would_change_at_the_registry():
    lines = summary_lines({'check_mode': True, 'plan': PLAN, 'registry': REGISTRY, 'checks': []})
    assert 'CHECK MODE: nothing was changed' in lines[0]
    customer = section(lines, 'customer-a.com')
    assert customer[0].endswith('delegation would change')
    assert '  name servers at the registry: dns1.hichina.com, dns2.hichina.com' in customer
    assert '  would be set to: ns1.example.com, ns2.example.com' in customer
    # ns2's glue moves to a new address; ns1's stays
    index = lines.index('Glue hosts at the registry:')
    glue = [line.split() for line in lines[index + 1:] if line.startswith('  glue ')]
    assert ['glue', 'ns2.example.com', '198.51.100.11'] in glue
    assert ['glue', 'ns2.example.com', 'would', 'be', '198.51.100.21'] in glue
    assert not any(g[1] == 'ns1.example.com' and 'would' in g for g in glue)
    assert section(lines, 'example.com')[0].endswith('delegation not checked')


def test_served_zones_no_account_holds_say_what_to_set_where():
    lines = summary_lines({'plan': PLAN, 'registry': REGISTRY})
    index = lines.index('Served but not delegated by this run (in none of the registrar accounts: alibaba, aws):')
    assert lines[index + 1] == '  elsewhere.net: set NS to ns1.example.com, ns2.example.com at its registrar'


def test_each_server_shows_what_its_run_changed_or_would_change():
    servers = [
        {'host': 'ns1', 'name': 'ns1.example.com', 'addresses': ['198.51.100.10'], 'software': 'bind', 'primary': True,
         'zones': {'added_zones': ['customer-e.com'], 'changed_zones': [], 'removed_zones': ['old.com'], 'zone_count': 6},
         'config': {'changed_files': ['/etc/bind/dnsops/zones.conf'], 'reconfig': True, 'restart': False}},
        {'host': 'ns2', 'name': 'ns2.example.com', 'addresses': ['198.51.100.11'], 'software': 'nsd',
         'zones': {'added_zones': [], 'changed_zones': [], 'removed_zones': [], 'zone_count': 0},
         'config': {'changed_files': []}},
        {'host': 'ns0', 'name': 'ns0.example.com', 'hidden': True, 'primary': True},
    ]
    lines = summary_lines({'check_mode': True, 'servers': servers})
    assert lines[1] == 'Name servers:'
    assert lines[2:6] == ['  ns1.example.com (host ns1, bind, primary) 198.51.100.10',
                          '    zone files would be added: customer-e.com',
                          '    zone files would be removed: old.com',
                          '    configuration files would be changed: /etc/bind/dnsops/zones.conf (then a reconfiguration)']
    assert lines[6:8] == ['  ns2.example.com (host ns2, nsd, secondary) 198.51.100.11', '    configuration unchanged']
    assert '  ns0.example.com (host ns0, ?, primary, hidden (not published)) no address' in lines
    real = summary_lines({'check_mode': False, 'servers': servers[:1]})
    assert '    zone files were added: customer-e.com' in real


def test_a_moved_server_says_how_long_it_keeps_its_old_addresses():
    def lines(move, started=None):
        server = {'host': 'ns2', 'name': 'ns2.example.com', 'addresses': ['198.51.100.21'], 'move': move,
                  'move_started': started}
        return summary_lines({'servers': [server]})[3:]
    old = ['198.51.100.11']
    assert lines({'kept': old, 'since': None, 'left': None}) == [
        '    still answering on its old addresses 198.51.100.11: the registry publishes them; the hold-down starts '
        'once it publishes the new glue']
    assert lines({'kept': old, 'since': None, 'left': None}, started=60) == [
        '    still answering on its old addresses 198.51.100.11 for 60 more second(s) (hold-down since the registry '
        'published the new glue); run deploy again after that to retire them']
    assert '42 more second(s)' in lines({'kept': old, 'since': 1, 'left': 42})[0]
    assert lines({'kept': [], 'retired': old, 'left': 0}) == [
        '    old addresses 198.51.100.11 retired: the hold-down has passed since the registry published the new glue']
    assert lines({'kept': [], 'retired': []}) == []


def test_domains_the_run_neither_delegates_nor_checks_are_left_out():
    registry = [{'account': 'alibaba', 'domains': [{'name': 'unrelated.com', 'nameservers': ['a.b'], 'hosts': []}]}]
    assert not any(line.startswith('unrelated.com') for line in summary_lines({'plan': PLAN, 'registry': registry}))


def test_planned_glue_in_a_domain_not_read_is_shown_too():
    plan = dict(PLAN, glue=[{'account': 'alibaba', 'name': 'ns9.example.net', 'domain': 'example.net',
                             'addresses': ['198.51.100.99']}])
    lines = summary_lines({'check_mode': True, 'plan': plan, 'registry': REGISTRY})
    index = lines.index('Glue hosts at the registry:')
    assert ['glue', 'ns9.example.net', 'would', 'be', '198.51.100.99'] in [line.split() for line in lines[index + 1:]]


def test_an_empty_input_is_a_headline():
    assert summary_lines({}) == ['dnsops.nameservers deploy']


FAILED_DELEGATION = {
    'step': 'step 3, the delegations', 'task': 'Point the domains at the published name servers',
    'msg': 'The registry task did not succeed: registry task t2 failed: customer-a.com: locked',
    'glue': [{'changed': True, 'before': {}, 'item': PLAN['glue'][0]},
             {'changed': False, 'before': {'name': 'ns2.example.com'}, 'item': PLAN['glue'][1]}],
    'delegations': [{'changed': True, 'failed': True, 'changed_domains': ['customer-a.com'],
                     'item': PLAN['delegations'][0]}],
    'glue_delete': [], 'snapshot_taken': True, 'snapshot_file': '/safe/registry.json',
}


def test_a_failed_run_says_where_what_it_wrote_before_and_how_to_roll_back():
    lines = summary_lines({'plan': PLAN, 'registry': REGISTRY, 'failure': FAILED_DELEGATION})
    assert lines[0] == ('dnsops.nameservers deploy FAILED in step 3, the delegations: The registry task did not '
                        'succeed: registry task t2 failed: customer-a.com: locked')
    assert lines[1] == '  failed task: Point the domains at the published name servers'
    changed = lines.index('Changed at the registry by this run before the failure:')
    assert lines[changed + 1:changed + 3] == [
        '  glue host ns1.example.com created: 198.51.100.10 (account alibaba)',
        '  customer-a.com delegated to ns1.example.com, ns2.example.com, accepted by the registry but its task did '
        'not succeed (account alibaba)']
    assert lines[changed + 3].startswith('To put back what the registry had before this run: ansible-playbook -i '
                                         'INVENTORY dnsops.nameservers.restore -e registrar_restore_file=/safe/registry.json')
    # The rest of the summary follows: the domains as the registry has them now.
    assert any(line.startswith('customer-a.com  (Alibaba Cloud, account alibaba)') for line in lines)


def test_a_run_that_failed_before_writing_says_the_registry_was_not_changed():
    failure = dict(FAILED_DELEGATION, step='step 2, the glue hosts', glue=[{'changed': False, 'failed': True,
                                                                            'item': PLAN['glue'][0]}], delegations=[])
    lines = summary_lines({'plan': PLAN, 'failure': failure})
    assert lines[0].startswith('dnsops.nameservers deploy FAILED in step 2, the glue hosts: ')
    assert lines[2] == 'The registry was not changed by this run.'
    assert not any('restore' in line for line in lines)


def test_without_a_saved_snapshot_the_rollback_names_the_run_result():
    lines = summary_lines({'plan': PLAN, 'failure': dict(FAILED_DELEGATION, snapshot_file='')})
    assert any("registrar_restore_snapshot=... with this run's registrar_snapshot" in line for line in lines)


DS_NEW = {'key_tag': 2371, 'algorithm': 13, 'digest_type': 2, 'digest': 'aa' * 32}
DS_OLD = {'key_tag': 61000, 'algorithm': 13, 'digest_type': 2, 'digest': 'bb' * 32}


def test_each_signed_domain_shows_its_ds_state():
    dnssec = [
        {'name': 'customer-a.com', 'wanted': 'signed', 'state': 'secure', 'registrar': [DS_NEW], 'parent': [DS_NEW],
         'add': [], 'remove': [], 'wait': [], 'manual': None},
        {'name': 'customer-b.net', 'wanted': 'signed', 'state': 'rollover', 'registrar': [DS_OLD], 'parent': [DS_OLD],
         'add': [DS_NEW], 'remove': [], 'wait': ['DS 61000 stays until the parent publishes 2371'], 'manual': None},
        {'name': 'elsewhere.net', 'wanted': 'signed', 'state': 'manual', 'manual': 'elsewhere.net: set DS 2371 13 2'},
    ]
    lines = summary_lines({'plan': PLAN, 'registry': REGISTRY, 'dnssec': dnssec})
    text = '\n'.join(lines)
    assert '  customer-a.com: secure (wanted signed); DS at the registrar: 2371 13 2; at the parent: 2371 13 2' in lines
    assert '    DS were added: 2371 13 2' in lines
    assert '    waiting: DS 61000 stays until the parent publishes 2371' in lines
    assert 'elsewhere.net: set by hand: elsewhere.net: set DS 2371 13 2' in text
    checked = summary_lines({'plan': PLAN, 'registry': REGISTRY, 'dnssec': dnssec, 'check_mode': True})
    assert '    DS would be added: 2371 13 2' in checked
