# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The nameserver role's server profiles (roles/nameserver/vars/software/*.yml) and their templates.

Every profile must give what the role's tasks, handlers and templates read, its per-zone formats must fill
for every kind of zone the topology plans, and its templates must render for a mixed group. Knot's
configuration is read back as YAML (its format is a YAML subset) to check what it allows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.dnsops.nameservers.plugins.module_utils._topology import CATALOG_CONSUMER_MODES, Topology

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'nameserver')
SOFTWARES = sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(ROLE, 'vars', 'software')))
# What the role's tasks, handlers and templates read of every platform of a profile.
PLATFORM_KEYS = ('packages', 'service', 'user', 'group', 'conf_main', 'conf_dir', 'zone_dir', 'secondary_dir',
                 'catalog_dir', 'work_dir', 'pid_file', 'setup_commands')
TEMPLATES = ('main.conf.j2', 'options.conf.j2', 'keys.conf.j2', 'zones.conf.j2')


def profile(software):
    with open(os.path.join(ROLE, 'vars', 'software', software + '.yml')) as handle:
        return yaml.safe_load(handle)['_nameserver_profile']


def hosts(**software):
    out = []
    for index, host in enumerate(('ns1', 'ns2', 'ns3')):
        out.append({'host': host, 'nameserver_software': software.get(host, 'bind'), 'nameserver_primary': host == 'ns1',
                    'nameserver_name': host + '.example.com',
                    'nameserver_addresses': ['198.51.100.%d' % (10 + index)] + (['2001:db8::%d' % (10 + index)] if index != 1 else [])})
    return out


ZONES = [{'name': 'a.test'}, {'name': 'b.test', 'primaries': ['ns2']}, {'name': 'c.test', 'primaries': ['ns3']},
         {'name': 'own.test', 'primaries': ['ns3'], 'secondaries': ['ns1']},
         {'name': 'pair.test', 'primaries': ['ns1'], 'secondaries': ['ns3']}]


def test_the_role_knows_bind_nsd_and_knot():
    assert SOFTWARES == ['bind', 'knot', 'nsd']


@pytest.mark.parametrize('software', SOFTWARES)
def test_a_profile_gives_everything_the_role_reads(software):
    p = profile(software)
    assert p['software'] == software
    assert p['version_command'] and all(isinstance(a, str) for a in p['version_command'])
    assert p['capabilities']['catalog_consumer'] in CATALOG_CONSUMER_MODES
    assert isinstance(p['capabilities']['catalog_consumer_since'], str)
    for name in ('catalog_producer', 'inline_signing', 'options_need_restart'):
        assert isinstance(p['capabilities'][name], bool), name
    for name in ('reconfig', 'reload_all', 'reload_zone', 'notify_zone'):
        assert p['commands'][name] and all(isinstance(a, str) for a in p['commands'][name]), name
    assert p['config_check']
    assert isinstance(p['before_restart'], list) and all(isinstance(a, str) for a in p['before_restart'])
    assert '{zone}' in p['zone_check'] and '{path}' in p['zone_check']
    assert p['platforms']
    for family, platform in p['platforms'].items():
        missing = [k for k in PLATFORM_KEYS if k not in platform]
        assert not missing, (family, missing)
    for template in TEMPLATES:
        assert os.path.exists(os.path.join(ROLE, 'templates', software, template)), template


@pytest.mark.parametrize('software', SOFTWARES)
def test_the_zone_entries_fill_for_every_kind_of_zone(software):
    p = profile(software)
    topology = Topology(hosts(ns3=software), ZONES, catalog=True)
    plan = topology.host_plan('ns3', p['capabilities']['catalog_consumer'])
    assert set(z['type'] for z in plan['zones']) == {'primary', 'secondary', 'consumer'}
    values = {'zone_dir': '/z', 'secondary_dir': '/s', 'catalog_dir': '/c', 'key': 'dnsops-transfer'}
    text = Topology.zone_entries(plan, p['zone_entry'], values)
    for zone in plan['zones']:
        assert '"%s"' % zone['name'] in text and 'dnsops-%s' % zone['peers'] in text, zone


def render(software, host, layout, version, listen=(), catalog=True, zones=None, policies=None, signed_before=()):
    """The four configuration files of ``host`` running ``software`` in a group of ``layout``."""
    p = profile(software)
    topology = Topology(hosts(**layout), zones or ZONES, catalog=catalog, dnssec_policies=policies)
    sw = p['platforms']['Debian']
    plan = topology.host_plan(host, p['capabilities']['catalog_consumer'], signed_before)
    plan['zone_entries'] = Topology.zone_entries(plan, p['zone_entry'], {
        'zone_dir': sw['zone_dir'], 'secondary_dir': sw['secondary_dir'], 'catalog_dir': sw['catalog_dir'],
        'key': 'dnsops-transfer'})
    variables = {
        'ansible_managed': 'managed', 'nameserver_port': 53, 'nameserver_rate_limit': True,
        'nameserver_rate_limit_responses_per_second': 20, '_nameserver_sw': sw, '_nameserver_conf': plan,
        '_nameserver_version': version, '_nameserver_listen': list(listen),
        '_nameserver_servers': [{'host': s.host, 'addresses': s.addresses} for s in topology.servers],
        '_nameserver_hostinfo': dict((s.host, {'port': s.port}) for s in topology.servers),
        '_nameserver_tsig': {'name': 'dnsops-transfer', 'algorithm': 'hmac-sha256', 'secret': 'c2VjcmV0'},
        '_nameserver_include_dir': sw['conf_dir'], '_nameserver_policies': plan['policies'],
    }
    templar = Templar(loader=DataLoader(), variables=variables)
    out = {}
    for template in TEMPLATES:
        with open(os.path.join(ROLE, 'templates', software, template)) as handle:
            out[template] = templar.template(trust_as_template(handle.read()), escape_backslashes=False)
    return out


@pytest.mark.parametrize('software', SOFTWARES)
def test_the_templates_render_for_a_mixed_group(software):
    files = render(software, 'ns2', {'ns2': software, 'ns3': 'knot' if software != 'knot' else 'nsd'}, '4.6.1', catalog=False)
    assert 'dnsops-transfer' in files['keys.conf.j2'] and 'c2VjcmV0' in files['keys.conf.j2']
    for zone in ('a.test', 'b.test', 'c.test'):
        assert '"%s"' % zone in files['zones.conf.j2'], zone
    assert 'own.test' not in files['zones.conf.j2'] and 'pair.test' not in files['zones.conf.j2']
    assert '/options.conf' in files['main.conf.j2'] and '/zones.conf' in files['main.conf.j2']


def test_knot_transfers_need_a_secondarys_address_and_the_key():
    conf = yaml.safe_load(render('knot', 'ns3', {'ns3': 'knot'}, '3.2.6')['zones.conf.j2'])
    acl = dict((a['id'], a) for a in conf['acl'])
    # c.test goes to ns1 and ns2 (address AND key), own.test to ns1 alone; NOTIFY only from the primaries.
    assert acl['dnsops-to-ns1-ns2'] == {'id': 'dnsops-to-ns1-ns2', 'address': ['198.51.100.10', '2001:db8::10', '198.51.100.11'],
                                        'key': 'dnsops-transfer', 'action': 'transfer'}
    assert acl['dnsops-to-ns1']['address'] == ['198.51.100.10', '2001:db8::10'] and acl['dnsops-to-ns1']['action'] == 'transfer'
    assert acl['dnsops-from-ns1'] == {'id': 'dnsops-from-ns1', 'address': ['198.51.100.10', '2001:db8::10'],
                                      'key': 'dnsops-transfer', 'action': 'notify'}
    remotes = dict((r['id'], r) for r in conf['remote'])
    assert remotes['dnsops-host-ns1'] == {'id': 'dnsops-host-ns1', 'address': ['198.51.100.10@53', '2001:db8::10@53'],
                                          'key': 'dnsops-transfer'}
    templates = dict((t['id'], t) for t in conf['template'])
    primary = templates['dnsops-to-ns1-ns2']
    # The role's file is the truth: loaded whole, never written by knotd.
    assert primary['zonefile-load'] == 'whole' and primary['zonefile-sync'] == -1
    assert primary['notify'] == primary['acl'] == 'dnsops-to-ns1-ns2'
    secondary = templates['dnsops-from-ns2']
    assert secondary['master'] == 'dnsops-from-ns2' and secondary['acl'] == 'dnsops-from-ns2' and secondary['zonefile-sync'] == 0
    zones = dict((z['domain'], z) for z in conf['zone'])
    assert zones['c.test']['template'] == 'dnsops-to-ns1-ns2' and zones['own.test']['template'] == 'dnsops-to-ns1'
    # Knot follows every other primary's catalog (a.test comes through ns1's, b.test through ns2's).
    assert zones['ns1.catalog.invalid']['catalog-role'] == 'interpret' and 'a.test' not in zones
    assert zones['ns2.catalog.invalid']['catalog-template'] == 'dnsops-member-from-ns2' and 'b.test' not in zones
    assert templates['dnsops-member-from-ns2']['master'] == 'dnsops-from-ns2'


@pytest.mark.parametrize('version, limit', [('3.2.6', 20), ('3.4.6', None)])
def test_knot_rate_limiting_by_version(version, limit):
    options = yaml.safe_load(render('knot', 'ns3', {'ns3': 'knot'}, version, listen=['198.51.100.12', '2001:db8::12'])['options.conf.j2'])
    [rrl] = options['mod-rrl']
    # Knot 3.4 limits every query of an address: its own defaults stand, 20 identical answers would be far too few.
    assert rrl.get('rate-limit') == limit
    assert rrl['whitelist'] == ['198.51.100.10', '2001:db8::10', '198.51.100.11', '198.51.100.12', '2001:db8::12', '127.0.0.1', '::1']
    assert options['template'] == [{'id': 'default', 'global-module': 'mod-rrl/dnsops'}]
    assert options['server']['listen'] == ['198.51.100.12@53', '2001:db8::12@53']
    assert options['server']['identity'] == options['server']['version'] == options['server']['nsid'] == ''
    assert options['server']['automatic-acl'] is False


SIGNED = [{'name': 'a.test', 'dnssec': True}, {'name': 'b.test', 'dnssec': True, 'dnssec_policy': 'lab'},
          {'name': 'c.test', 'primaries': ['ns2']}, {'name': 'old.test'}]
LAB = {'lab': {'csk': False, 'ksk_lifetime': 0, 'zsk_lifetime': 86400, 'dnskey_ttl': 10, 'max_zone_ttl': 10, 'publish_safety': 1,
               'retire_safety': 1, 'zone_propagation_delay': 1, 'parent_ds_ttl': 10, 'parent_propagation_delay': 1}}


def test_bind_signs_with_dnssec_policy_and_inline_signing_and_unsigns_through_insecure():
    files = render('bind', 'ns1', {'ns1': 'bind'}, '9.18.49', catalog=False, zones=SIGNED, policies=LAB,
                   signed_before=['old.test', 'c.test'])
    zones = files['zones.conf.j2']
    entries = dict((line.split('"')[1], line) for line in zones.splitlines() if line.startswith('zone "'))
    # 9.18 refuses dnssec-policy on a static zone without inline-signing.
    assert 'dnssec-policy "dnsops-dnsops"; inline-signing yes;' in entries['a.test']
    assert 'dnssec-policy "dnsops-lab"; inline-signing yes;' in entries['b.test']
    # Keys here, dnssec false: BIND's insecure policy (CDS delete, keys removed after the DS is withdrawn).
    assert 'dnssec-policy insecure; inline-signing yes;' in entries['old.test']
    # A secondary zone is never signed here, even with keys left from when it was a primary zone.
    assert 'dnssec' not in entries['c.test'] and 'inline-signing' not in entries['c.test']
    assert ('dnssec-policy "dnsops-dnsops" {\n\tkeys {\n\t\tcsk lifetime unlimited algorithm ecdsap256sha256;\n\t};\n};'
            in zones)
    assert ('dnssec-policy "dnsops-lab" {\n\tkeys {\n\t\tksk lifetime unlimited algorithm ecdsap256sha256;\n'
            '\t\tzsk lifetime PT86400S algorithm ecdsap256sha256;\n\t};\n\tdnskey-ttl PT10S;\n\tmax-zone-ttl PT10S;\n\tpublish-safety PT1S;\n'
            '\tretire-safety PT1S;\n\tzone-propagation-delay PT1S;\n\tparent-ds-ttl PT10S;\n'
            '\tparent-propagation-delay PT1S;\n};') in zones
    assert 'key-directory "/var/lib/bind/dnsops/keys";' in files['options.conf.j2']


def test_bind_without_signed_zones_has_no_policy():
    zones = render('bind', 'ns1', {'ns1': 'bind'}, '9.18.49', catalog=False)['zones.conf.j2']
    assert 'dnssec' not in zones and 'inline-signing' not in zones


def test_knot_signs_with_its_policy_publishing_cds_and_keeps_signing_an_unsigned_zone_with_cds_delete():
    conf = yaml.safe_load(render('knot', 'ns1', {'ns1': 'knot'}, '3.2.6', catalog=False, zones=SIGNED, policies=LAB,
                                 signed_before=['old.test.'])['zones.conf.j2'])
    zones = dict((z['domain'], z) for z in conf['zone'])
    assert zones['a.test']['dnssec-signing'] is True and zones['a.test']['dnssec-policy'] == 'dnsops-sign-dnsops'
    assert zones['b.test']['dnssec-policy'] == 'dnsops-sign-lab'
    assert zones['old.test']['dnssec-signing'] is True and zones['old.test']['dnssec-policy'] == 'dnsops-unsign-dnsops'
    # A signed zone takes the differences of the role's file and keeps the whole zone in its journal (with the
    # template's whole/changes, Knot sent IXFRs without the records a changed file added).
    for zone in ('a.test', 'b.test', 'old.test'):
        assert zones[zone]['zonefile-load'] == 'difference-no-serial' and zones[zone]['journal-content'] == 'all', zone
    assert 'zonefile-load' not in zones['c.test']
    # A Knot secondary never signs.
    assert 'dnssec-signing' not in zones['c.test'] and 'dnssec-policy' not in zones['c.test']
    policies = dict((p['id'], p) for p in conf['policy'])
    assert policies['dnsops-sign-dnsops'] == {'id': 'dnsops-sign-dnsops', 'algorithm': 'ecdsap256sha256',
                                              'single-type-signing': True, 'ksk-lifetime': 0,
                                              'cds-cdnskey-publish': 'always'}
    assert policies['dnsops-unsign-dnsops']['cds-cdnskey-publish'] == 'delete-dnssec'
    assert policies['dnsops-sign-lab'] == {'id': 'dnsops-sign-lab', 'algorithm': 'ecdsap256sha256',
                                           'single-type-signing': False, 'ksk-lifetime': 0, 'zsk-lifetime': 86400,
                                           'dnskey-ttl': 10, 'zone-max-ttl': 10, 'propagation-delay': 1, 'cds-cdnskey-publish': 'always'}


@pytest.mark.parametrize('software', SOFTWARES)
def test_a_profile_says_whether_it_signs_and_lists_its_keyed_zones(software):
    p = profile(software)
    assert p['signed_zones_command'] and all(isinstance(a, str) for a in p['signed_zones_command'])
    if p['capabilities']['inline_signing']:
        assert '%(dnssec)s' in p['zone_entry']['primary'] and '%(dnssec)s' not in p['zone_entry']['secondary']
        assert '%(policy)s' in p['zone_entry']['dnssec_sign'] and 'dnssec_unsign' in p['zone_entry']
