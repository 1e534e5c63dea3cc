# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zone rendering and serials: the text is parsed back with dnspython, as a server would read it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

dns_zone = pytest.importorskip('dns.zone')

# pylint: disable=wrong-import-position
from ansible_collections.dnsops.nameservers.plugins.module_utils._zone import (  # noqa: E402
    ZoneError,
    catalog_member_label,
    fill_serial,
    next_serial,
    render_catalog_zone,
    render_records_zone,
    serial_in_text,
    template_from_file_text,
)

NS1 = {'name': 'ns1.example.com', 'addresses': ['198.51.100.10', '2001:db8::10'], 'hidden': False}
NS2 = {'name': 'ns2.example.net.', 'addresses': ['198.51.100.11'], 'hidden': False}
HIDDEN = {'name': 'hidden.example.com', 'addresses': ['198.51.100.9'], 'hidden': True}


def parse(zone, template, serial=2026120100):
    return dns_zone.from_text(fill_serial(template, serial), origin=zone, relativize=False)


def rdatas(zone, name, rtype):
    rdataset = zone.get_rdataset(name, rtype)
    return sorted(r.to_text() for r in rdataset) if rdataset is not None else []


def test_ns_and_in_zone_addresses_come_from_the_published_servers():
    zone = parse('example.com', render_records_zone('example.com', [], [NS1, NS2, HIDDEN]))
    assert rdatas(zone, 'example.com.', 'NS') == ['ns1.example.com.', 'ns2.example.net.']
    assert rdatas(zone, 'ns1.example.com.', 'A') == ['198.51.100.10']
    assert rdatas(zone, 'ns1.example.com.', 'AAAA') == ['2001:db8::10']
    assert zone.get_node('hidden.example.com.') is None  # hidden: neither NS nor address records


def test_a_group_server_that_does_not_serve_the_zone_still_gets_its_address_records():
    ns3 = {'name': 'ns3.example.com', 'addresses': ['198.51.100.12'], 'hidden': False}
    zone = parse('example.com', render_records_zone('example.com', [], [NS1, NS2], group=[NS1, NS2, ns3]))
    assert rdatas(zone, 'example.com.', 'NS') == ['ns1.example.com.', 'ns2.example.net.']
    assert rdatas(zone, 'ns3.example.com.', 'A') == ['198.51.100.12']


def test_records_given_for_a_name_server_take_the_place_of_the_derived_ones():
    records = [{'name': 'ns1', 'type': 'A', 'value': '203.0.113.1'}]
    zone = parse('example.com', render_records_zone('example.com', records, [NS1, NS2]))
    assert rdatas(zone, 'ns1.example.com.', 'A') == ['203.0.113.1']
    assert rdatas(zone, 'ns1.example.com.', 'AAAA') == ['2001:db8::10']


def test_record_types_ttls_wildcards_and_absolute_names():
    records = [
        {'name': '@', 'type': 'MX', 'value': ['10 mail', '20 mx.example.net.']},
        {'name': 'mail', 'type': 'A', 'value': '198.51.100.25', 'ttl': 300},
        {'name': '*.apps', 'type': 'A', 'value': '198.51.100.90'},
        {'name': 'www.example.com.', 'type': 'CNAME', 'value': '@'},
        {'name': '_sip._tcp', 'type': 'srv', 'value': '10 5 5060 sip'},
        {'name': '@', 'type': 'CAA', 'value': '0 issue "letsencrypt.org"'},
        {'name': 'sub', 'type': 'NS', 'value': ['ns1.sub']},
        {'name': 'ns1.sub', 'type': 'A', 'value': '198.51.100.91'},
    ]
    zone = parse('example.com', render_records_zone('example.com', records, [NS1, NS2], ttl=7200))
    assert rdatas(zone, 'example.com.', 'MX') == ['10 mail.example.com.', '20 mx.example.net.']
    assert zone.get_rdataset('mail.example.com.', 'A').ttl == 300
    assert zone.get_rdataset('example.com.', 'MX').ttl == 7200
    assert rdatas(zone, '*.apps.example.com.', 'A') == ['198.51.100.90']
    assert rdatas(zone, 'www.example.com.', 'CNAME') == ['example.com.']
    assert rdatas(zone, '_sip._tcp.example.com.', 'SRV') == ['10 5 5060 sip.example.com.']
    assert rdatas(zone, 'example.com.', 'CAA') == ['0 issue "letsencrypt.org"']
    assert rdatas(zone, 'sub.example.com.', 'NS') == ['ns1.sub.example.com.']


def test_a_txt_value_longer_than_255_octets_is_split_and_escaped():
    value = 'x' * 300 + ' "quoted" \\ end'
    zone = parse('example.com', render_records_zone('example.com', [{'name': 'long', 'type': 'TXT', 'value': value}], [NS1]))
    strings = list(zone.get_rdataset('long.example.com.', 'TXT'))[0].strings
    assert [len(s) for s in strings] == [255, len(value) - 255]
    assert b''.join(strings).decode() == value


def test_a_numeric_owner_from_yaml_is_a_label():
    records = [{'name': 80, 'type': 'PTR', 'value': 'example.com.'}]
    zone = parse('100.51.198.in-addr.arpa', render_records_zone('100.51.198.in-addr.arpa', records, [NS1]))
    assert rdatas(zone, '80.100.51.198.in-addr.arpa.', 'PTR') == ['example.com.']


@pytest.mark.parametrize('records, expect', [
    (['www A 198.51.100.1'], 'record 0: not a mapping'),
    ([{'name': 'www', 'type': 'A B', 'value': '198.51.100.1'}], 'is not a record type'),
])
def test_bad_records_are_refused_with_the_zone_and_the_record(records, expect):
    with pytest.raises(ZoneError) as info:
        render_records_zone('example.com', records, [NS1])
    assert 'zone example.com' in str(info.value) and expect in str(info.value)


def test_a_zone_served_only_by_hidden_servers_is_refused():
    with pytest.raises(ZoneError) as info:
        render_records_zone('example.com', [], [HIDDEN])
    assert 'no published name server' in str(info.value)


def test_soa_defaults_and_given_values():
    zone = parse('example.com', render_records_zone('example.com', [], [NS1], soa={'rname': 'dns.admin@example.net', 'minimum': 60}))
    soa = list(zone.get_rdataset('example.com.', 'SOA'))[0]
    assert soa.mname.to_text() == 'ns1.example.com.'
    assert soa.rname.to_text() == 'dns\\.admin.example.net.'
    assert soa.minimum == 60 and soa.serial == 2026120100
    with pytest.raises(ZoneError):
        render_records_zone('example.com', [], [NS1], soa={'refresh': 'soon'})


def test_serials_are_dated_when_ahead_and_never_go_backwards():
    today = datetime.date(2026, 12, 1)
    assert next_serial(0, today) == 2026120100
    assert next_serial(2026120100, today) == 2026120101
    assert next_serial(2026113007, today) == 2026120100
    assert next_serial(2027010105, today) == 2027010106  # a serial from the future only rises
    assert next_serial(7, today) == 2026120100
    with pytest.raises(ZoneError):
        next_serial(2 ** 32 - 1, today)


def test_a_shipped_zone_file_keeps_its_text_and_gets_our_serial():
    text = '$TTL 300\n@ IN SOA ns1.example.com. hostmaster.example.com. ( 42 3600 600 86400 60 )\n@ IN NS ns1.example.com.\n'
    template, found = template_from_file_text('example.com', text)
    assert found == 42
    assert serial_in_text(fill_serial(template, 2026120100)) == 2026120100
    assert fill_serial(template, 42) == text


def test_catalog_zone_lists_members_under_stable_labels():
    assert catalog_member_label('Example.COM.') == catalog_member_label('example.com')
    zone = parse('cat.invalid', render_catalog_zone('cat.invalid', ['b.test', 'a.test', 'a.test']))
    assert rdatas(zone, 'version.cat.invalid.', 'TXT') == ['"2"']
    members = [name.to_text() for name, node in zone.nodes.items() if node.get_rdataset(1, 12) is not None]
    assert sorted(members) == sorted('%s.zones.cat.invalid.' % catalog_member_label(z) for z in ('a.test', 'b.test'))
