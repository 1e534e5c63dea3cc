# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The topology model: who serves what, catalogs, glue homes, delegations, and the checks of the input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError
from ansible_collections.dnsops.nameservers.plugins.module_utils._topology import (
    Topology,
    check_settings,
    listen_addresses,
    move_hold_down,
    parent_domains,
    zone_names,
)


def host(name, **variables):
    variables['host'] = name
    variables.setdefault('nameserver_name', name + '.example.com')
    variables.setdefault('nameserver_addresses', ['198.51.100.%d' % (10 + int(name[-1]))])
    return variables


NS1 = host('ns1', nameserver_primary=True, nameserver_software='bind')
NS2 = host('ns2', nameserver_software='nsd')
NS3 = host('ns3', nameserver_software='nsd')
HIDDEN = host('ns9', nameserver_name='hidden.example.com', nameserver_hidden=True)


def topo(zones, hosts=(NS1, NS2, NS3), **options):
    return Topology([dict(h) for h in hosts], zones, **options)


def error(zones, hosts=(NS1, NS2, NS3), **options):
    with pytest.raises(ValidationError) as info:
        topo(zones, hosts, **options)
    return str(info.value)


# -- who serves a zone ------------------------------------------------------

def test_default_primaries_come_from_nameserver_primary_or_the_primary_group():
    t = topo([], hosts=[NS1, host('ns2', nameserver_primary='false'), host('ns3', primary_group_member=True)])
    assert t.default_primaries == ['ns1', 'ns3']


def test_a_zone_is_served_by_its_primaries_and_every_other_host_unless_it_names_its_secondaries():
    t = topo([{'name': 'Example.COM.'}, {'name': 'b.test', 'primaries': ['ns2'], 'secondaries': ['ns1']}])
    a, b = t.zones
    assert (a.name, a.primaries, a.secondaries, a.own_secondaries) == ('example.com', ['ns1'], ['ns2', 'ns3'], False)
    assert (b.primaries, b.secondaries, b.serving) == (['ns2'], ['ns1'], ['ns2', 'ns1'])


def test_delegation_groups_are_the_published_servers_that_serve_each_zone():
    t = topo([{'name': 'a.test'}, {'name': 'b.test', 'secondaries': ['ns2']}, {'name': 'c.test'},
              {'name': 'gone.test', 'state': 'absent'}], hosts=[NS1, NS2, NS3, HIDDEN])
    groups = t.delegation_groups()
    assert [(g['nameservers'], g['zones']) for g in groups] == [
        (['ns1.example.com', 'ns2.example.com', 'ns3.example.com'], ['a.test', 'c.test']),
        (['ns1.example.com', 'ns2.example.com'], ['b.test'])]
    assert groups[1]['expected'] == [{'name': 'ns1.example.com', 'addresses': ['198.51.100.11']},
                                     {'name': 'ns2.example.com', 'addresses': ['198.51.100.12']}]


def test_hidden_primary_is_neither_published_nor_in_the_delegation():
    hidden_primary = host('ns0', nameserver_name='198.51.100.50', nameserver_hidden=True, nameserver_primary=True)
    t = topo([{'name': 'a.test'}], hosts=[hidden_primary, NS2, NS3])
    assert [s.name for s in t.published] == ['ns2.example.com', 'ns3.example.com']
    assert t.delegation_groups()[0]['nameservers'] == ['ns2.example.com', 'ns3.example.com']
    assert t.host_plan('ns0')['zones'] == [{'name': 'a.test', 'type': 'primary', 'peers': 'to-ns2-ns3'}]


# -- one host's plan, catalogs ----------------------------------------------

ZONES = [{'name': 'a.test'}, {'name': 'b.test', 'primaries': ['ns2']}, {'name': 'own.test', 'secondaries': ['ns3']},
         {'name': 'off.test', 'catalog': False}]


def test_without_catalogs_each_host_configures_every_zone_it_serves():
    plan = topo(ZONES).host_plan('ns3')
    assert plan['zones'] == [{'name': 'a.test', 'type': 'secondary', 'peers': 'from-ns1'},
                             {'name': 'b.test', 'type': 'secondary', 'peers': 'from-ns2'},
                             {'name': 'own.test', 'type': 'secondary', 'peers': 'from-ns1'},
                             {'name': 'off.test', 'type': 'secondary', 'peers': 'from-ns1'}]
    assert plan['producers'] == [] and plan['catalog_zone'] == ''
    assert topo(ZONES).host_plan('ns1')['peersets'] == {'to-ns2-ns3': ['ns2', 'ns3'], 'to-ns3': ['ns3'], 'from-ns2': ['ns2']}


def test_catalog_producers_are_the_first_primaries_of_zones_in_catalogs():
    t = topo(ZONES, catalog=True)
    assert t.catalog_producers == ['ns1', 'ns2']
    assert t.catalog_members('ns1') == ['a.test']  # own.test names its secondaries, off.test opts out
    plan = t.host_plan('ns1', 'many')
    assert plan['catalog_zone'] == 'ns1.catalog.invalid'
    assert {'name': 'ns1.catalog.invalid', 'type': 'primary', 'peers': 'to-ns2-ns3'} in plan['zones']


def test_a_many_consumer_reads_every_catalog_and_drops_their_members():
    plan = topo(ZONES, catalog=True).host_plan('ns3', 'many')
    assert [z['name'] for z in plan['zones'] if z['type'] == 'secondary'] == ['own.test', 'off.test']
    assert plan['consumed'] == [{'name': 'ns1.catalog.invalid', 'peers': 'from-ns1'},
                                {'name': 'ns2.catalog.invalid', 'peers': 'from-ns2'}]
    # It answers for every zone it serves, the catalogs' members included (not for the catalogs it consumes).
    assert plan['served'] == ['a.test', 'b.test', 'own.test', 'off.test']
    assert topo(ZONES, catalog=True).host_plan('ns2', 'none')['served'] == ['a.test', 'b.test', 'off.test', 'ns2.catalog.invalid']


def test_a_one_consumer_reads_the_first_other_catalog_only():
    plan = topo(ZONES, catalog=True).host_plan('ns3', 'one')
    assert [c['name'] for c in plan['consumed']] == ['ns1.catalog.invalid']
    assert [z['name'] for z in plan['zones'] if z['type'] == 'secondary'] == ['b.test', 'own.test', 'off.test']
    # ns1 itself consumes ns2's catalog, the first one that is not its own
    assert [c['name'] for c in topo(ZONES, catalog=True).host_plan('ns1', 'one')['consumed']] == ['ns2.catalog.invalid']


def test_a_server_too_old_for_catalogs_configures_the_members_one_by_one():
    plan = topo(ZONES, catalog=True).host_plan('ns3', 'none')
    assert plan['consumed'] == [] and len([z for z in plan['zones'] if z['type'] == 'secondary']) == 4


# -- the registry's side ----------------------------------------------------

def test_glue_lives_in_the_longest_registered_parent_of_the_servers_name():
    ns1 = host('ns1', nameserver_name='ns1.dns.example.com', nameserver_primary=True)
    t = topo([{'name': 'example.com'}], hosts=[ns1, NS2, host('ns3', nameserver_name='ns3.elsewhere.org')])
    assert parent_domains('ns1.dns.example.com') == ['dns.example.com', 'example.com']
    assert t.glue(['example.com', 'dns.example.com']) == [
        {'name': 'ns1.dns.example.com', 'domain': 'dns.example.com', 'addresses': ['198.51.100.11']},
        {'name': 'ns2.example.com', 'domain': 'example.com', 'addresses': ['198.51.100.12']}]


def test_registered_zones_are_delegated_unless_registrar_domains_says_which():
    t = topo([{'name': 'a.test'}, {'name': 'b.test', 'secondaries': ['ns2']}, {'name': 'c.test'}])
    plan = t.registrar_plan(['a.test', 'b.test', 'other.test'])
    assert plan['delegated'] == ['a.test', 'b.test']
    assert [(d['nameservers'], d['domains']) for d in plan['delegations']] == [
        (['ns1.example.com', 'ns2.example.com', 'ns3.example.com'], ['a.test']),
        (['ns1.example.com', 'ns2.example.com'], ['b.test'])]
    assert t.registrar_plan([], ['C.test.'])['delegated'] == ['c.test']


def test_a_domain_no_server_serves_is_refused_naming_it():
    with pytest.raises(ValidationError, match=r"registrar_domains: 'elsewhere.com' is not a zone of any name server"):
        topo([{'name': 'a.test'}]).delegated_domains(['a.test', 'elsewhere.com'], [])


def test_registrar_domains_as_a_string_is_refused_not_split_into_letters():
    with pytest.raises(ValidationError, match=r"registrar_domains: 'customer.net' is a single string, not a list"):
        topo([{'name': 'customer.net'}]).delegated_domains('customer.net', [])


def test_a_delegation_needs_two_published_servers_with_addresses():
    with pytest.raises(ValidationError, match='has 1 published'):
        topo([], hosts=[NS1, HIDDEN]).check_delegable()
    topo([], hosts=[NS1, HIDDEN]).check_delegable(allow_single=True)
    t = topo([], hosts=[NS1, host('ns2', nameserver_addresses=None)], require_addresses=False)
    with pytest.raises(ValidationError, match=r'nameserver_addresses of ns2: \[\] is empty'):
        t.check_delegable()


def test_previous_addresses_are_the_registrys_glue_of_each_servers_name():
    t = topo([])
    assert t.previous_addresses({'NS2.example.com.': ['198.51.100.99']}) == {
        'ns1': [], 'ns2': ['198.51.100.99'], 'ns3': []}


def test_listen_addresses_add_the_previous_ones_the_host_still_has():
    assert listen_addresses([], ['198.51.100.9'], ['198.51.100.9']) == []
    assert listen_addresses(['198.51.100.21'], ['198.51.100.11', '198.51.100.77'], ['198.51.100.11', '198.51.100.21']) == [
        '198.51.100.21', '198.51.100.11']


def test_a_moved_server_keeps_its_old_glue_addresses_until_the_hold_down_after_the_new_glue():
    old, new = ['198.51.100.11', '2001:db8:100::11'], ['198.51.100.21', '2001:db8:100::21']
    # The registry publishes the old glue: kept, no clock.
    assert move_hold_down(None, None, new, old, 60, 1000) == {'kept': old, 'since': None, 'left': None, 'retired': []}
    # A second run before the glue changed keeps them and adds none twice; a clock already started is reset.
    assert move_hold_down(old, 900, new, old, 60, 1000)['since'] is None
    # The new glue published: the clock runs from the first run that found it (or from the deploy that wrote it).
    assert move_hold_down(old, None, new, new, 60, 1000) == {'kept': old, 'since': 1000, 'left': 60, 'retired': []}
    assert move_hold_down(old, 1000, new, new, 60, 1059) == {'kept': old, 'since': 1000, 'left': 1, 'retired': []}
    assert move_hold_down(old, 1000, new, new, 60, 1060) == {'kept': [], 'since': None, 'left': 0, 'retired': old}
    # A lower hold-down retires them sooner; an address moved back is its own again, not kept.
    assert move_hold_down(old, 1000, new, new, 5, 1010)['retired'] == old
    assert move_hold_down(old, 1000, old, old, 60, 1000) == {'kept': [], 'since': None, 'left': None, 'retired': []}
    # No glue (a hidden or new server): nothing to keep.
    assert move_hold_down(None, None, new, [], 60, 1000)['kept'] == []


# -- addresses ----------------------------------------------------------------

def test_addresses_from_facts_when_the_inventory_gives_none():
    t = topo([], hosts=[host('ns1', nameserver_addresses=None, fact_addresses=['198.51.100.10', None])])
    assert t.servers[0].addresses == ['198.51.100.10']


def test_a_server_without_addresses_is_named():
    msg = error([], hosts=[NS1, host('ns2', nameserver_addresses=None)])
    assert msg.startswith('nameserver_addresses of ns2: [] is empty') and 'nameservers' in msg


@pytest.mark.parametrize('value, rule', [
    ('198.51.100.10', 'is a single string, not a list'),
    (['not-an-ip'], 'is not an IPv4 or IPv6 address'),
    (['127.0.0.1'], 'is a loopback address'),
    (['::1'], 'is a loopback address'),
    (['0.0.0.0'], 'is the unspecified address'),
    (['198.51.100.10', '198.51.100.10'], 'is listed twice'),
])
def test_bad_addresses_are_refused_naming_host_value_and_rule(value, rule):
    msg = error([], hosts=[NS1, host('ns2', nameserver_addresses=value)])
    assert msg.startswith('nameserver_addresses of ns2: ') and rule in msg


# -- zones --------------------------------------------------------------------

def test_the_same_zone_in_two_spellings_names_both():
    msg = error([{'name': 'example.com'}, {'name': 'Example.com.'}])
    assert msg == ("nameserver_zones[1].name: 'Example.com.' is the same zone as 'example.com' "
                   "(nameserver_zones[0]); list each zone once")


@pytest.mark.parametrize('zones, start, rule', [
    ('example.com', 'nameserver_zones:', 'is a single string, not a list'),
    ([{'name': 'exa mple.com'}], 'nameserver_zones[0].name:', 'contains a space'),
    ([{'name': 'a.test', 'ttl': -1}], 'nameserver_zones (zone a.test) ttl: -1', 'give a number from 0'),
    ([{'name': 'a.test', 'records': [{'name': 'www', 'type': 'A', 'value': '192.0.2.1', 'ttl': -5}]}],
     'nameserver_zones (zone a.test) records[0] ttl: -5', 'give a number from 0'),
    ([{'name': 'a.test', 'primaries': 'ns2'}], "nameserver_zones (zone a.test) primaries: 'ns2'", 'is a single string'),
    ([{'name': 'a.test', 'secondaries': ['ns7']}], "nameserver_zones (zone a.test) secondaries: 'ns7'",
     'is not a host of group nameservers (ns1, ns2, ns3)'),
    ([{'name': 'a.test', 'state': 'gone'}], "nameserver_zones (zone a.test) state: 'gone'", 'is not present or absent'),
    (['a.test'], "nameserver_zones[0]: 'a.test'", 'is not a mapping'),
    ([{'name': 'a.test', 'primary': ['ns1']}], "nameserver_zones (zone a.test): 'primary'", 'is not a field of a zone'),
    ([{'name': 'a.test', 'soa': {'retry': -60}}], 'nameserver_zones (zone a.test) soa.retry: -60', 'give a number from 0'),
    ([{'name': 'a.test', 'soa': 'hostmaster'}], "nameserver_zones (zone a.test) soa: 'hostmaster'", 'is not a mapping'),
])
def test_bad_zones_are_refused_naming_variable_zone_value_and_rule(zones, start, rule):
    msg = error(zones)
    assert msg.startswith(start) and rule in msg, msg


def test_a_zone_without_primary_is_refused():
    msg = error([{'name': 'a.test'}], hosts=[NS2, NS3])
    assert msg.startswith('nameserver_zones (zone a.test) primaries: [] leaves the zone without a primary')
    assert 'nameserver_primaries' in msg
    topo([{'name': 'a.test', 'state': 'absent'}], hosts=[NS2, NS3])  # an absent zone needs none


def test_unknown_software_and_bad_port_are_refused():
    assert error([], hosts=[host('ns1', nameserver_software='djbdns')], softwares=['bind', 'nsd']).startswith(
        "nameserver_software of ns1: 'djbdns' is not a known server software; one of bind, nsd")
    assert error([], hosts=[host('ns1', nameserver_port=70000)]).startswith(
        'nameserver_port of ns1: 70000 is out of range; give a number from 1 to 65535')


def test_two_published_servers_with_one_name_are_refused():
    msg = error([], hosts=[NS1, host('ns2', nameserver_name='NS1.example.com.')])
    assert msg.startswith("nameserver_name of ns2: 'ns1.example.com' is also the name of ns1")


# -- role variables -----------------------------------------------------------

@pytest.mark.parametrize('settings, start', [
    ({'nameserver_tsig_algorithm': 'hmac-sha257'}, "nameserver_tsig_algorithm: 'hmac-sha257' is not a TSIG algorithm"),
    ({'nameserver_listen_addresses': ['not-an-address']}, "nameserver_listen_addresses: 'not-an-address' is not an IPv4"),
    ({'nameserver_listen_addresses': '198.51.100.1'}, "nameserver_listen_addresses: '198.51.100.1' is a single string"),
    ({'nameserver_rate_limit_responses_per_second': 0}, 'nameserver_rate_limit_responses_per_second: 0 is out of range'),
    ({'registrar_domains': 'customer.net'}, "registrar_domains: 'customer.net' is a single string, not a list"),
    ({'registrar_parent_servers': ['x']}, "registrar_parent_servers: 'x' is not an IPv4"),
    ({'registrar_verify_fail_on': 'sometimes'}, "registrar_verify_fail_on: 'sometimes' is not one of error, warning, never"),
])
def test_role_variables_are_checked_by_type_and_format(settings, start):
    with pytest.raises(ValidationError) as info:
        check_settings(settings)
    assert str(info.value).startswith(start), str(info.value)


def test_a_connection_string_is_refused_without_showing_it():
    with pytest.raises(ValidationError) as info:
        check_settings({'registrar_connection': 'endpoint=x,access_key_secret=TOPSECRET'})
    assert str(info.value).startswith('registrar_connection: ') and 'is not a mapping' in str(info.value)
    assert 'TOPSECRET' not in str(info.value)


def test_good_settings_pass():
    check_settings({'nameserver_tsig_algorithm': 'hmac-sha256', 'nameserver_listen_addresses': ['127.0.0.1', '::'],
                    'registrar_domains': ['example.com'], 'registrar_connection': {}, 'unrelated': 'x'})


def test_zone_entries_fill_the_profiles_formats_for_every_zone():
    t = topo(ZONES, catalog=True)
    plan = t.host_plan('ns3', 'one')
    formats = {'primary': 'P %(name)s %(peers)s', 'secondary': 'S %(name)s %(peers)s in %(dir)s',
               'consumer': 'C %(name)s %(peers)s'}
    assert t.zone_entries(plan, formats, {'dir': '/var/z'}).splitlines() == [
        'S b.test from-ns2 in /var/z', 'S own.test from-ns1 in /var/z', 'S off.test from-ns1 in /var/z',
        'C ns1.catalog.invalid from-ns1']
    with pytest.raises(ValidationError, match=r'zone_entry.secondary: .* cannot be filled'):
        t.zone_entries(plan, dict(formats, secondary='%(nope)s'), {})


def test_zone_names_normalises_and_names_both_spellings_of_a_duplicate():
    zones = [{'name': 'Example.COM.'}, {'name': 'b.test'}]
    assert zone_names(zones) == [('example.com', zones[0]), ('b.test', zones[1])]
    with pytest.raises(ValidationError, match=r"zones\[1\].name: 'EXAMPLE.com' is the same zone as 'example.com' \(zones\[0\]\)"):
        zone_names([{'name': 'example.com'}, {'name': 'EXAMPLE.com'}], field='zones')


# -- removing zones -----------------------------------------------------------

OURS = ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']


def test_the_zones_to_remove_are_the_absent_ones_and_those_a_server_has_that_are_no_longer_listed():
    t = topo([{'name': 'a.test'}, {'name': 'Gone.TEST.', 'state': 'absent'}])
    assert t.zones_to_remove(['a.test', 'dropped.test', 'DROPPED.test.', 'gone.test']) == ['gone.test', 'dropped.test']
    assert t.zones_to_remove([]) == ['gone.test']
    assert topo([{'name': 'a.test'}]).zones_to_remove(['a.test']) == []


def test_removing_a_zone_the_registry_still_delegates_here_is_refused_naming_the_domain_and_its_name_servers():
    t = topo([{'name': 'a.test'}, {'name': 'gone.test', 'state': 'absent'}])
    with pytest.raises(ValidationError) as info:
        t.check_zone_removals(['gone.test', 'dropped.test'], {'gone.test': ['NS1.example.com.', 'ns9.other.test'],
                                                              'dropped.test': OURS})
    message = str(info.value)
    assert message.startswith("nameserver_zones: 'gone.test' is delegated to ns1.example.com, ns9.other.test at the "
                              "registry now (so are dropped.test to ns1.example.com, ns2.example.com, ns3.example.com)")
    assert 'registrar_remove_delegated_zones' in message


def test_a_hidden_servers_name_counts_as_ours():
    t = topo([], hosts=[NS1, NS2, HIDDEN])
    with pytest.raises(ValidationError, match='gone.test'):
        t.check_zone_removals(['gone.test'], {'gone.test': ['hidden.example.com']})


def test_removal_goes_through_once_the_domain_points_elsewhere_or_when_allowed_by_name():
    t = topo([{'name': 'gone.test', 'state': 'absent'}])
    assert t.check_zone_removals(['gone.test'], {'gone.test': ['dns1.hichina.com', 'dns2.hichina.com']}) == []
    assert t.check_zone_removals(['gone.test'], {'gone.test': OURS}, allowed=['Gone.Test.']) == []
    with pytest.raises(ValidationError, match='gone.test'):
        t.check_zone_removals(['gone.test'], {'gone.test': OURS}, allowed=['other.test'])


def test_a_removed_zone_no_account_holds_is_returned_unchecked():
    t = topo([{'name': 'gone.test', 'state': 'absent'}])
    assert t.check_zone_removals(['gone.test', 'elsewhere.test'], {'gone.test': []}) == ['elsewhere.test']


def test_the_allowed_list_must_be_a_list():
    with pytest.raises(ValidationError, match='registrar_remove_delegated_zones'):
        topo([]).check_zone_removals([], {}, allowed='gone.test')


# -- a server that leaves: retiring, then absent ------------------------------

def test_a_retiring_server_leaves_every_ns_set_but_keeps_serving_and_its_glue():
    t = topo([{'name': 'a.test'}, {'name': 'b.test', 'secondaries': ['ns2', 'ns3']}],
             hosts=[NS1, NS2, host('ns3', nameserver_state='retiring'), host('ns4')])
    assert [g['nameservers'] for g in t.delegation_groups()] == [
        ['ns1.example.com', 'ns2.example.com', 'ns4.example.com'], ['ns1.example.com', 'ns2.example.com']]
    assert t.host_plan('ns3')['zones'] == [{'name': 'a.test', 'type': 'secondary', 'peers': 'from-ns1'},
                                           {'name': 'b.test', 'type': 'secondary', 'peers': 'from-ns1'}]
    assert [s.name for s in t.glued] == ['ns1.example.com', 'ns2.example.com', 'ns3.example.com', 'ns4.example.com']
    assert [g['name'] for g in t.glue(['example.com'])] == [s.name for s in t.glued]
    expected = [s['name'] for s in t.registrar_inventory()['expected']]
    assert expected == ['ns1.example.com', 'ns2.example.com', 'ns4.example.com']


def test_an_absent_server_serves_nothing_and_loses_its_glue():
    t = topo([{'name': 'a.test'}], hosts=[NS1, NS2, host('ns3', nameserver_state='absent', nameserver_primary=True),
                                          host('ns4')])
    assert t.default_primaries == ['ns1']
    assert t.host_plan('ns3')['zones'] == []
    assert t.host_plan('ns1')['zones'] == [{'name': 'a.test', 'type': 'primary', 'peers': 'to-ns2-ns4'}]
    assert [s.host for s in t.glued] == ['ns1', 'ns2', 'ns4']
    assert [s.host for s in t.absent_servers] == ['ns3']


def test_the_state_of_a_server_is_one_of_present_retiring_absent():
    assert error([], hosts=[NS1, host('ns2', nameserver_state='gone')]).startswith(
        "nameserver_state of ns2: 'gone' is not one of present, retiring, absent")


def test_a_retiring_server_that_is_the_only_primary_of_a_zone_is_refused():
    retiring_primary = host('ns1', nameserver_primary=True, nameserver_state='retiring')
    message = error([{'name': 'a.test'}], hosts=[retiring_primary, NS2, NS3, host('ns4')])
    assert message.startswith("nameserver_state of ns1: 'retiring' leaves zone a.test without a primary")
    # One of two primaries may leave.
    topo([{'name': 'a.test', 'primaries': ['ns1', 'ns2']}],
         hosts=[host('ns1', nameserver_state='retiring'), NS2, NS3, host('ns4')])


def test_a_zone_naming_an_absent_server_is_refused():
    message = error([{'name': 'a.test', 'secondaries': ['ns2', 'ns3']}],
                    hosts=[NS1, NS2, host('ns3', nameserver_state='absent'), host('ns4')])
    assert message.startswith("nameserver_zones (zone a.test) secondaries: 'ns3' has nameserver_state: absent")


def test_leaving_is_refused_when_a_zone_would_keep_fewer_than_two_published_servers():
    topo([{'name': 'a.test'}], hosts=[NS1, NS2, host('ns3', nameserver_state='retiring')])  # two stay
    message = error([{'name': 'a.test'}], hosts=[NS1, host('ns2', nameserver_state='absent'),
                                                 host('ns3', nameserver_state='retiring')])
    assert message.startswith("nameserver_state: 'ns2 (absent), ns3 (retiring)' would leave zone a.test with 1 "
                              "published name server(s) (ns1.example.com)")
    message = error([{'name': 'a.test', 'secondaries': ['ns2']}], hosts=[NS1, host('ns2', nameserver_state='retiring'),
                                                                         NS3])
    assert message.startswith("nameserver_state: 'ns2 (retiring)' would leave zone a.test with 1 published name "
                              "server(s) (ns1.example.com)")


def test_an_absent_server_needs_its_hold_down_passed_and_no_delegation_naming_it():
    t = topo([{'name': 'a.test'}], hosts=[NS1, NS2, NS3, host('ns4', nameserver_state='absent')])
    with pytest.raises(ValidationError, match='comes before retiring'):
        t.check_absent_servers({'ns4': None}, {})
    with pytest.raises(ValidationError, match="nameserver_state of ns4: 'absent' is 60 second"):
        t.check_absent_servers({'ns4': 60}, {})
    with pytest.raises(ValidationError, match='still delegates a.test to ns4.example.com'):
        t.check_absent_servers({'ns4': 0}, {'a.test': ['ns1.example.com', 'NS4.example.com.'], 'b.test': []})
    t.check_absent_servers({'ns4': 0}, {'a.test': ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']})


# -- DNSSEC signing -------------------------------------------------------------

SIGNERS = ['bind', 'knot']


def test_a_zone_is_signed_when_it_says_so_or_by_the_group_default_with_the_dnsops_policy():
    zones = [{'name': 'a.test', 'dnssec': True}, {'name': 'b.test'}, {'name': 'c.test', 'dnssec': 'no'}]
    t = topo(zones, signers=SIGNERS)
    assert [(z.name, z.dnssec, z.dnssec_policy) for z in t.zones] == [
        ('a.test', True, 'dnsops'), ('b.test', False, 'dnsops'), ('c.test', False, 'dnsops')]
    assert [z.dnssec for z in topo(zones, dnssec=True, signers=SIGNERS).zones] == [True, True, False]
    assert t.zones[0].as_dict()['dnssec'] is True


def test_the_default_policy_is_algorithm_13_one_csk_never_rolled_and_the_signers_timings():
    t = topo([{'name': 'a.test', 'dnssec': True}])
    assert t.dnssec_policies == {'dnsops': {
        'algorithm': 13, 'csk': True, 'ksk_lifetime': 0, 'zsk_lifetime': 0, 'dnskey_ttl': None, 'max_zone_ttl': None,
        'publish_safety': None, 'retire_safety': None, 'zone_propagation_delay': None, 'parent_ds_ttl': None,
        'parent_propagation_delay': None}}
    lab = topo([], dnssec_policies={'lab': {'csk': 'no', 'dnskey_ttl': '10', 'algorithm': 15}}).dnssec_policies['lab']
    assert lab['csk'] is False and lab['dnskey_ttl'] == 10 and lab['algorithm'] == 15 and lab['ksk_lifetime'] == 0


@pytest.mark.parametrize('policies, message', [
    ('lab', r"nameserver_dnssec_policies: 'lab' is not a mapping of policy names"),
    ({'bad name': {}}, r"nameserver_dnssec_policies: 'bad name' is not a policy name"),
    ({'lab': {'dnskey-ttl': 10}}, r"nameserver_dnssec_policies.lab: 'dnskey-ttl' is not a setting of a policy"),
    ({'lab': {'algorithm': 5}}, r'nameserver_dnssec_policies.lab.algorithm: 5 is not an algorithm to sign with'),
    ({'lab': {'dnskey_ttl': -1}}, r'nameserver_dnssec_policies.lab.dnskey_ttl: -1 is out of range'),
    ({'lab': [1]}, r'nameserver_dnssec_policies.lab: \[1\] is not a mapping of settings'),
])
def test_a_bad_policy_is_refused_naming_it(policies, message):
    with pytest.raises(ValidationError, match=message):
        topo([], dnssec_policies=policies)


def test_a_zone_naming_an_unknown_policy_or_a_bad_dnssec_is_refused():
    with pytest.raises(ValidationError, match=r"nameserver_zones \(zone a.test\) dnssec_policy: 'nope' is not a policy of "
                                              r"nameserver_dnssec_policies \(dnsops, lab\)"):
        topo([{'name': 'a.test', 'dnssec': True, 'dnssec_policy': 'nope'}], dnssec_policies={'lab': {}})
    with pytest.raises(ValidationError, match=r"nameserver_zones \(zone a.test\) dnssec: 'maybe'"):
        topo([{'name': 'a.test', 'dnssec': 'maybe'}])
    # Callers that do not sign (zone_files, the registry's view) give no policies: the name is not checked.
    assert topo([{'name': 'a.test', 'dnssec': True, 'dnssec_policy': 'lab'}]).zones[0].dnssec_policy == 'lab'


def test_a_signed_zone_with_a_primary_that_cannot_sign_is_refused_naming_host_zone_and_rule():
    zones = [{'name': 'a.test', 'primaries': ['ns2'], 'dnssec': True}]
    with pytest.raises(ValidationError, match=r'nameserver_zones \(zone a.test\) dnssec: True cannot be signed on its '
                                              r'primary ns2: nsd does not sign zones \(signers: bind, knot\)'):
        topo(zones, signers=SIGNERS)
    # Unsigned, or signed by the group default elsewhere: fine; a removed zone is not signed anywhere.
    topo([{'name': 'a.test', 'primaries': ['ns2']}], signers=SIGNERS)
    topo([{'name': 'a.test', 'primaries': ['ns2'], 'dnssec': True, 'state': 'absent'}], signers=SIGNERS)
    with pytest.raises(ValidationError, match=r'zone b.test\) dnssec: True cannot be signed on its primary ns2'):
        topo([{'name': 'a.test'}, {'name': 'b.test', 'primaries': ['ns1', 'ns2']}], dnssec=True, signers=SIGNERS)


def test_the_plan_signs_primary_zones_only_and_unsigns_a_zone_it_keeps_keys_for():
    zones = [{'name': 'a.test', 'dnssec': True}, {'name': 'b.test', 'dnssec_policy': 'lab'}, {'name': 'c.test'},
             {'name': 'd.test', 'primaries': ['ns2']}]
    t = topo(zones, dnssec_policies={'lab': {'dnskey_ttl': 10}}, signers=SIGNERS)
    plan = t.host_plan('ns1', signed_before=['B.test.', 'd.test', 'gone.test'])
    assert plan['zones'][:3] == [
        {'name': 'a.test', 'type': 'primary', 'peers': 'to-ns2-ns3', 'dnssec': 'sign', 'policy': 'dnsops'},
        {'name': 'b.test', 'type': 'primary', 'peers': 'to-ns2-ns3', 'dnssec': 'unsign', 'policy': 'lab'},
        {'name': 'c.test', 'type': 'primary', 'peers': 'to-ns2-ns3'}]
    # A secondary zone is never signed here, keys or not.
    assert plan['zones'][3] == {'name': 'd.test', 'type': 'secondary', 'peers': 'from-ns2'}
    assert plan['signing'] == ['a.test'] and plan['unsigning'] == ['b.test']
    assert sorted(plan['policies']) == ['dnsops', 'lab'] and plan['policies']['lab']['dnskey_ttl'] == 10
    assert t.host_plan('ns2')['policies'] == {} and t.host_plan('ns2')['signing'] == []
    formats = {'primary': 'P %(name)s %(dnssec)s.', 'secondary': 'S %(name)s', 'dnssec_sign': 'sign %(policy)s',
               'dnssec_unsign': 'unsign %(policy)s'}
    assert t.zone_entries(plan, formats, {}).splitlines() == [
        'P a.test sign dnsops.', 'P b.test unsign lab.', 'P c.test .', 'S d.test']
    with pytest.raises(ValidationError, match=r'cannot sign zone a.test: the server profile has no zone_entry.dnssec_sign'):
        t.zone_entries(plan, {'primary': 'P %(name)s', 'secondary': 'S'}, {})
