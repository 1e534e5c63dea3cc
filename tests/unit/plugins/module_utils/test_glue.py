# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names, addresses and registry limits: every rule with the exact text a user sees."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.dnsops.nameservers.plugins.module_utils import _names
from ansible_collections.dnsops.nameservers.plugins.module_utils._glue import (
    ValidationError,
    check_host_in_domain,
    find_registered_domain,
    host_in_domain,
    ip_sort_key,
    normalize_domain,
    normalize_host_name,
    normalize_ips,
    normalize_nameservers,
    relative_label,
    same_nameservers,
)

UNREACHABLE = 'glue addresses must be reachable from the internet'
NOT_REACHABLE = 'it is not reachable from the internet, which is only right for labs and private test registries'
IDNA = _names.IDNA_STANDARD


def error_of(func, *args, **kwargs):
    with pytest.raises(ValidationError) as err:
        func(*args, **kwargs)
    return err.value


# ---------------------------------------------------------------------------
# ValidationError
# ---------------------------------------------------------------------------

def test_validation_error_names_field_value_and_rule():
    exc = ValidationError('ips', '127.0.0.1', 'is a loopback address; ' + UNREACHABLE)
    assert isinstance(exc, ValueError)
    assert (exc.field, exc.value, exc.rule) == ('ips', '127.0.0.1', 'is a loopback address; ' + UNREACHABLE)
    assert str(exc) == "ips: '127.0.0.1' is a loopback address; glue addresses must be reachable from the internet"


def test_validation_error_shows_non_strings_with_repr():
    assert str(ValidationError('domains', ['a', 'b'], 'is bad')) == "domains: ['a', 'b'] is bad"
    assert str(ValidationError('name', None, 'is missing')) == 'name: None is missing'


def test_validation_error_truncates_long_values_and_rules():
    exc = ValidationError('name', 'x' * 5000, 'is too long')
    assert str(exc) == "name: '%s'... (5000 characters) is too long" % ('x' * 100)
    assert exc.value == 'x' * 5000  # the attribute keeps the whole value
    exc = ValidationError('name', 'ns1.example.com', 'is used by ' + ', '.join(['d%d.example.net' % i for i in range(200)]))
    assert len(str(exc)) == 500 and str(exc).endswith('...')


@pytest.mark.parametrize('func', [normalize_domain, normalize_host_name])
def test_long_names_give_short_messages(func):
    assert len(str(error_of(func, 'x' * 5000))) < 300
    assert len(str(error_of(func, 'x.' * 2000 + 'com'))) < 300


# ---------------------------------------------------------------------------
# normalize_domain
# ---------------------------------------------------------------------------

LABEL63 = 'a' * 63
NAME253 = '.'.join(['a' * 63, 'b' * 63, 'c' * 63, 'd' * 57, 'com'])
NAME254 = '.'.join(['a' * 63, 'b' * 63, 'c' * 63, 'd' * 58, 'com'])


@pytest.mark.parametrize('value, expected', [
    ('example.com', 'example.com'),
    ('Example.COM.', 'example.com'),
    ('  ns1.example.com  ', 'ns1.example.com'),
    ('\tNS1.Example.Com.\n', 'ns1.example.com'),
    ('ns1.bücher.example', 'ns1.xn--bcher-kva.example'),
    ('NS1.BÜCHER.EXAMPLE.', 'ns1.xn--bcher-kva.example'),
    ('xn--bcher-kva.example', 'xn--bcher-kva.example'),
    ('XN--BCHER-KVA.example', 'xn--bcher-kva.example'),
    ('ns1\u3002example\u3002com', 'ns1.example.com'),  # ideographic full stops are dots (RFC 3490 3.1)
    ('例え.jp', 'xn--r8jz45g.jp'),
    ('xn--r8jz45g.jp', 'xn--r8jz45g.jp'),
    ('a-b.example', 'a-b.example'),
    ('1.example', '1.example'),
    ('123.example.com', '123.example.com'),
    ('x.co', 'x.co'),
    ('example.xn--p1ai', 'example.xn--p1ai'),
    (LABEL63 + '.com', LABEL63 + '.com'),
    (NAME253, NAME253),
    (NAME253 + '.', NAME253),
])
def test_normalize_domain_accepts(value, expected):
    assert normalize_domain(value) == expected
    assert normalize_domain(expected) == expected  # idempotent


def test_name253_and_name254_are_what_they_say():
    assert len(NAME253) == 253 and len(NAME254) == 254


@pytest.mark.parametrize('value, rule', [
    (None, "is missing; give a domain name such as 'example.com'"),
    (42, "is not a string; give a domain name such as 'example.com'"),
    (b'example.com', "is not a string; give a domain name such as 'example.com'"),
    (['example.com'], "is not a string; give a domain name such as 'example.com'"),
    ('', "is empty; give a domain name such as 'example.com'"),
    ('   ', "is empty; give a domain name such as 'example.com'"),
    ('.', "is the DNS root, not a domain name; give a domain name such as 'example.com'"),
    ('example.com..', 'ends with more than one dot; at most one trailing dot is allowed'),
    ('.example.com', 'starts with a dot (an empty label)'),
    ('ns1..example.com', 'contains consecutive dots (an empty label)'),
    ('bad name.com', 'contains a space or other whitespace, which a domain name cannot contain'),
    ('bad\tname.com', 'contains a space or other whitespace, which a domain name cannot contain'),
    ('*.example.com', "contains a wildcard ('*'); a domain name must be a real name, not a pattern"),
    ('ns*.example.com', "contains a wildcard ('*'); a domain name must be a real name, not a pattern"),
    ('under_score.com', "contains an underscore ('_'), which is not allowed in host names (letters, digits and hyphens only)"),
    ('_dmarc.example.com', "contains an underscore ('_'), which is not allowed in host names (letters, digits and hyphens only)"),
    ('com', "is a single label; give a full domain name such as 'example.com'"),
    ('COM.', "is a single label; give a full domain name such as 'example.com'"),
    ('a!b.com', "contains '!' in the label 'a!b'; only letters, digits and hyphens are allowed"),
    ('ns1.exa$mple.com', "contains '$' in the label 'exa$mple'; only letters, digits and hyphens are allowed"),
    ('-ns.example.com', "has the label '-ns', which starts with a hyphen; labels must start with a letter or digit"),
    ('ns-.example.com', "has the label 'ns-', which ends with a hyphen; labels must end with a letter or digit"),
    ('example.com-', "has the label 'com-', which ends with a hyphen; labels must end with a letter or digit"),
    ('ab--cd.example.com', "has the label 'ab--cd' with '--' in the third and fourth positions, "
                           "which is reserved for IDN A-labels ('xn--')"),
    ('a' * 64 + '.com', "has a label of 64 characters ('%s'... (64 characters)); a label may have at most 63" % ('a' * 40)),
    (NAME254, 'is 254 characters long; a domain name may have at most 253'),
    ('example.123', "ends in the all-numeric label '123'; a top-level domain is never all digits"),
    ('192.0.2.1', 'is an IP address, not a domain name'),
    ('xn--bcher-kva-.example', "has the label 'xn--bcher-kva-', which ends with a hyphen; labels must end with a letter or digit"),
])
def test_normalize_domain_refuses(value, rule):
    exc = error_of(normalize_domain, value, field='domains')
    assert exc.field == 'domains'
    assert exc.value == value
    assert exc.rule == rule
    assert str(exc) == 'domains: %s %s' % (_names._show(value), rule)


def test_default_field_is_domain():
    assert str(error_of(normalize_domain, 'com')) == "domain: 'com' is a single label; give a full domain name such as 'example.com'"


@pytest.mark.parametrize('value, label', [
    ('xn--abc.com', 'xn--abc'),          # not valid punycode for a U-label
    ('xn--n3h.com', 'xn--n3h'),          # U+2603 snowman: IDNA 2003 allowed it, IDNA 2008 does not
    ('xn--example.com', 'xn--example'),  # decodes to ASCII only
])
def test_bad_a_labels_are_refused(value, label):
    if label == 'xn--n3h' and not _names.HAS_IDNA_PACKAGE:
        pytest.skip('IDNA 2003 accepts the snowman')
    exc = error_of(normalize_domain, value)
    assert exc.rule.startswith("has the label '%s', which starts with 'xn--' but is not a valid IDN A-label under %s" % (label, IDNA))


def test_bad_u_label_is_refused_naming_the_standard():
    exc = error_of(normalize_domain, 'ns1.a\u2ff0b.example')  # an ideographic description character: refused by both standards
    assert exc.rule.startswith("has the label 'a\u2ff0b', which is not a valid internationalised label under %s (" % IDNA)


@pytest.mark.skipif(not _names.HAS_IDNA_PACKAGE, reason='IDNA 2003 maps the joiner to nothing')
def test_zero_width_joiner_is_refused_by_idna_2008():
    exc = error_of(normalize_domain, 'ns1.a\u200db.example')
    assert exc.rule.startswith("has the label 'a\\u200db', which is not a valid internationalised label under %s (" % IDNA)


def test_control_characters_are_not_ldh():
    exc = error_of(normalize_domain, 'ns1.a\u0000b.example')
    assert exc.rule == "contains '\\x00' in the label 'a\\x00b'; only letters, digits and hyphens are allowed"


@pytest.mark.skipif(not _names.HAS_IDNA_PACKAGE, reason='needs the idna package')
def test_idna_2008_is_used_when_available():
    assert _names.IDNA_STANDARD == 'IDNA 2008 with UTS #46 mapping'
    assert normalize_domain('straße.de') == 'xn--strae-oqa.de'  # IDNA 2003 would give strasse.de
    assert normalize_domain('ＥＸＡＭＰＬＥ.com') == 'example.com'  # UTS #46 maps full-width letters
    exc = error_of(normalize_domain, '☃.com')
    assert exc.rule.startswith("has the label '☃', which is not a valid internationalised label under IDNA 2008 with UTS #46 mapping (")


@pytest.fixture
def idna_2003(monkeypatch):
    # The IDNA choice lives in _names, the collection's one normaliser.
    monkeypatch.setattr(_names, '_idna', None)
    monkeypatch.setattr(_names, 'HAS_IDNA_PACKAGE', False)
    monkeypatch.setattr(_names, 'IDNA_STANDARD', 'IDNA 2003')


def test_builtin_codec_fallback_is_idna_2003(idna_2003):
    assert normalize_domain('ns1.bücher.example') == 'ns1.xn--bcher-kva.example'
    assert normalize_domain('xn--bcher-kva.example') == 'xn--bcher-kva.example'
    assert normalize_domain('straße.de') == 'strasse.de'
    assert normalize_domain('例え.jp') == 'xn--r8jz45g.jp'
    exc = error_of(normalize_domain, 'xn--abc.com')
    assert exc.rule.startswith("has the label 'xn--abc', which starts with 'xn--' but is not a valid IDN A-label under IDNA 2003")
    exc = error_of(normalize_domain, 'xn--example.com')
    assert exc.rule.startswith("has the label 'xn--example', which starts with 'xn--' but is not a valid IDN A-label under IDNA 2003")


# ---------------------------------------------------------------------------
# normalize_host_name
# ---------------------------------------------------------------------------

HOST80 = 'a' * 40 + '.' + 'b' * 27 + '.example.com'
HOST81 = 'x' + HOST80


def test_host_names_have_no_registrar_length_limit_here():
    """80 characters is Alibaba Cloud's limit (test_alicloud_limits), not a rule of every registry."""
    assert normalize_host_name(HOST81) == HOST81
    assert normalize_host_name(HOST81.upper() + '.') == HOST81
    name = 'ns1.' + 'a' * 63 + '.' + 'b' * 63 + '.' + 'c' * 63 + '.example.com'
    assert normalize_host_name(name) == name


@pytest.mark.parametrize('value, rule', [
    ('ns1', "is a single label; give a full host name such as 'ns1.example.com'"),
    ('', "is empty; give a host name such as 'ns1.example.com'"),
    (None, "is missing; give a host name such as 'ns1.example.com'"),
    ('ns_1.example.com', "contains an underscore ('_'), which is not allowed in host names (letters, digits and hyphens only)"),
    ('-ns1.example.com', "has the label '-ns1', which starts with a hyphen; labels must start with a letter or digit"),
])
def test_host_name_refuses(value, rule):
    exc = error_of(normalize_host_name, value)
    assert (exc.field, exc.rule) == ('name', rule)


def test_host_name_is_idn_normalised():
    assert normalize_host_name('NS1.Bücher.Example.') == 'ns1.xn--bcher-kva.example'


# ---------------------------------------------------------------------------
# normalize_ips
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('values, expected', [
    (['8.8.8.8'], ['8.8.8.8']),
    ([' 8.8.4.4 '], ['8.8.4.4']),
    (['2001:DB8::1'], ['2001:db8::1']),
    (['2001:0db8:0:0::1'], ['2001:db8::1']),
    (['2606:4700:0000:0000:0000:0000:0000:1111'], ['2606:4700::1111']),
    (['2001:db8::192.0.2.1'], ['2001:db8::c000:201']),
    (['2606:4700::1111', '9.9.9.9', '1.1.1.1', '2001:4860:4860::8888'],
     ['1.1.1.1', '9.9.9.9', '2001:4860:4860::8888', '2606:4700::1111']),
    (['10.0.0.10', '10.0.0.9', '10.0.0.100'], ['10.0.0.9', '10.0.0.10', '10.0.0.100']),  # numeric, not text, order
    (('8.8.8.8', '1.1.1.1'), ['1.1.1.1', '8.8.8.8']),
])
def test_ips_are_canonical_and_sorted(values, expected):
    assert normalize_ips(values)[0] == expected


def test_public_addresses_give_no_warning():
    assert normalize_ips(['8.8.8.8', '2606:4700::1111']) == (['8.8.8.8', '2606:4700::1111'], [])


def test_ipv6_notations_are_equal():
    assert normalize_ips(['2001:DB8::1'])[0] == normalize_ips(['2001:0db8:0:0::1'])[0] == ['2001:db8::1']


def test_order_does_not_matter():
    one = normalize_ips(['2001:db8::10', '203.0.113.9', '198.51.100.10'])
    two = normalize_ips(['198.51.100.10', '2001:0DB8::0010', '203.0.113.9'])
    assert one == two
    assert one[0] == ['198.51.100.10', '203.0.113.9', '2001:db8::10']


@pytest.mark.parametrize('ip, kind', [
    ('10.1.2.3', 'is a private address (RFC 1918)'),
    ('172.16.0.1', 'is a private address (RFC 1918)'),
    ('172.31.255.254', 'is a private address (RFC 1918)'),
    ('192.168.1.1', 'is a private address (RFC 1918)'),
    ('100.64.0.1', 'is a shared address (100.64.0.0/10, RFC 6598, carrier-grade NAT)'),
    ('fd00::1', 'is a unique local address (fc00::/7, RFC 4193)'),
    ('fc00::1', 'is a unique local address (fc00::/7, RFC 4193)'),
    ('192.0.2.1', 'is a documentation address (192.0.2.0/24, RFC 5737)'),
    ('198.51.100.10', 'is a documentation address (198.51.100.0/24, RFC 5737)'),
    ('203.0.113.9', 'is a documentation address (203.0.113.0/24, RFC 5737)'),
    ('2001:db8::1', 'is a documentation address (2001:db8::/32, RFC 3849)'),
    ('3fff::1', 'is a documentation address (3fff::/20, RFC 9637)'),
    ('198.18.0.1', 'is a benchmarking address (198.18.0.0/15, RFC 2544)'),
    ('2001:2::1', 'is a benchmarking address (2001:2::/48, RFC 5180)'),
])
def test_unreachable_ranges_are_accepted_with_a_warning(ip, kind):
    ips, warnings = normalize_ips([ip])
    assert ips == [ip]
    assert warnings == ["ips: '%s' %s; %s" % (ip, kind, NOT_REACHABLE)]


@pytest.mark.parametrize('ip', ['172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '192.0.3.1',
                                '198.51.101.1', '2001:db9::1', '198.20.0.1', '11.0.0.1', '2a00::1'])
def test_neighbours_of_the_warned_ranges_are_not_warned(ip):
    assert normalize_ips([ip]) == ([ip], [])


def test_warnings_show_canonical_addresses_in_sorted_order():
    ips, warnings = normalize_ips(['2001:DB8::1', '10.0.0.1', '8.8.8.8'], field='nameserver_addresses')
    assert ips == ['8.8.8.8', '10.0.0.1', '2001:db8::1']
    assert warnings == [
        "nameserver_addresses: '10.0.0.1' is a private address (RFC 1918); " + NOT_REACHABLE,
        "nameserver_addresses: '2001:db8::1' is a documentation address (2001:db8::/32, RFC 3849); " + NOT_REACHABLE,
    ]


def test_thirteen_addresses_are_fine_fourteen_are_not():
    thirteen = ['198.51.100.%d' % i for i in range(1, 14)]
    assert normalize_ips(thirteen)[0] == thirteen
    fourteen = thirteen + ['198.51.100.14']
    exc = error_of(normalize_ips, fourteen)
    assert exc.value == fourteen
    assert exc.rule == "has 14 addresses; a glue host may have at most 13 (the registry's limit)"


@pytest.mark.parametrize('values, value, rule', [
    # the list itself
    ([], [], 'is empty; a glue host needs at least 1 address (1 to 13)'),
    ('198.51.100.1', '198.51.100.1', "is a single string, not a list; give a list of addresses such as ['192.0.2.1']"),
    (None, None, 'is not a list; give a list of 1 to 13 IPv4/IPv6 addresses'),
    ({'ip': '8.8.8.8'}, {'ip': '8.8.8.8'}, 'is not a list; give a list of 1 to 13 IPv4/IPv6 addresses'),
    # duplicates, naming both spellings
    (['2001:db8::1', '2001:DB8:0::1'], '2001:DB8:0::1', "is a duplicate of '2001:db8::1' (both are 2001:db8::1); list each address once"),
    (['8.8.8.8', ' 8.8.8.8'], ' 8.8.8.8', "is a duplicate of '8.8.8.8' (both are 8.8.8.8); list each address once"),
    (['8.8.8.8', '8.8.8.8'], '8.8.8.8', 'is a duplicate (listed more than once); list each address once'),
    # syntax
    ([8], 8, "is not a string; give each address as text, e.g. '192.0.2.1' or '2001:db8::1'"),
    ([None], None, "is not a string; give each address as text, e.g. '192.0.2.1' or '2001:db8::1'"),
    ([''], '', 'is empty; give an IPv4 or IPv6 address'),
    (['  '], '  ', 'is empty; give an IPv4 or IPv6 address'),
    (['198.51.100.300'], '198.51.100.300', 'is not a valid IPv4 or IPv6 address'),
    (['198.51.100'], '198.51.100', 'is not a valid IPv4 or IPv6 address'),
    (['ns1.example.com'], 'ns1.example.com', 'is not a valid IPv4 or IPv6 address'),
    (['2001:db8:::1'], '2001:db8:::1', 'is not a valid IPv4 or IPv6 address'),
    (['[2001:db8::1]'], '[2001:db8::1]', 'is not a valid IPv4 or IPv6 address'),
    (['198.51.100.0/24'], '198.51.100.0/24', "is in CIDR notation (a network); give the address alone, without '/24'"),
    (['198.51.100.1/32'], '198.51.100.1/32', "is in CIDR notation (a network); give the address alone, without '/32'"),
    (['2001:db8::1/64'], '2001:db8::1/64', "is in CIDR notation (a network); give the address alone, without '/64'"),
    (['fe80::1%eth0'], 'fe80::1%eth0', "has a zone id ('%eth0'); zone ids only mean something on one host, glue needs a global address"),
    (['2001:db8::1%2'], '2001:db8::1%2', "has a zone id ('%2'); zone ids only mean something on one host, glue needs a global address"),
    (['010.1.2.3'], '010.1.2.3', 'has an octet with a leading zero, which some software reads as octal; write each octet without leading zeros'),
    (['8.8.8.08'], '8.8.8.08', 'has an octet with a leading zero, which some software reads as octal; write each octet without leading zeros'),
    (['::ffff:198.51.100.1'], '::ffff:198.51.100.1', "is an IPv4-mapped IPv6 address; give the IPv4 address '198.51.100.1' itself"),
    (['::FFFF:c633:6401'], '::FFFF:c633:6401', "is an IPv4-mapped IPv6 address; give the IPv4 address '198.51.100.1' itself"),
    # addresses that are never reachable
    (['127.0.0.1'], '127.0.0.1', 'is a loopback address; ' + UNREACHABLE),
    (['127.1.2.3'], '127.1.2.3', 'is a loopback address; ' + UNREACHABLE),
    (['::1'], '::1', 'is a loopback address; ' + UNREACHABLE),
    (['0.0.0.0'], '0.0.0.0', 'is the unspecified address; ' + UNREACHABLE),
    (['::'], '::', 'is the unspecified address; ' + UNREACHABLE),
    (['0.1.2.3'], '0.1.2.3', "is in 0.0.0.0/8 ('this network', RFC 1122), which is never routed; " + UNREACHABLE),
    (['224.0.0.5'], '224.0.0.5', 'is a multicast address; ' + UNREACHABLE + ' as unicast addresses'),
    (['239.255.255.250'], '239.255.255.250', 'is a multicast address; ' + UNREACHABLE + ' as unicast addresses'),
    (['ff02::1'], 'ff02::1', 'is a multicast address; ' + UNREACHABLE + ' as unicast addresses'),
    (['169.254.1.1'], '169.254.1.1', 'is a link-local address (169.254.0.0/16); ' + UNREACHABLE),
    (['fe80::1'], 'fe80::1', 'is a link-local address (fe80::/10); ' + UNREACHABLE),
    (['255.255.255.255'], '255.255.255.255', 'is the broadcast address; ' + UNREACHABLE),
    (['240.0.0.1'], '240.0.0.1', 'is in the reserved range 240.0.0.0/4 (RFC 1112), which is not routed; ' + UNREACHABLE),
    (['255.255.255.254'], '255.255.255.254', 'is in the reserved range 240.0.0.0/4 (RFC 1112), which is not routed; ' + UNREACHABLE),
    (['64:ff9b::c633:6401'], '64:ff9b::c633:6401',
     'is outside the IPv6 global unicast range 2000::/3 (space reserved by the IETF); ' + UNREACHABLE),
    (['100::1'], '100::1', 'is outside the IPv6 global unicast range 2000::/3 (space reserved by the IETF); ' + UNREACHABLE),
    (['fec0::1'], 'fec0::1', 'is outside the IPv6 global unicast range 2000::/3 (space reserved by the IETF); ' + UNREACHABLE),
    (['::198.51.100.1'], '::198.51.100.1', 'is outside the IPv6 global unicast range 2000::/3 (space reserved by the IETF); ' + UNREACHABLE),
    # the first bad one is reported
    (['8.8.8.8', '127.0.0.1', '::1'], '127.0.0.1', 'is a loopback address; ' + UNREACHABLE),
])
def test_ips_refused(values, value, rule):
    exc = error_of(normalize_ips, values)
    assert (exc.field, exc.value, exc.rule) == ('ips', value, rule)
    assert str(exc) == 'ips: %s %s' % (_names._show(value), rule)


def test_ips_message_example_from_the_design():
    assert str(error_of(normalize_ips, ['127.0.0.1'])) == \
        "ips: '127.0.0.1' is a loopback address; glue addresses must be reachable from the internet"


def test_ips_field_is_used():
    exc = error_of(normalize_ips, ['::1'], field='nameserver_addresses')
    assert exc.field == 'nameserver_addresses'
    assert str(exc).startswith("nameserver_addresses: '::1' is a loopback address")


def test_ip_sort_key():
    assert ip_sort_key('10.0.0.9') < ip_sort_key('10.0.0.10') < ip_sort_key('::2') < ip_sort_key('2001:db8::')
    assert ip_sort_key(ipaddress.ip_address('2001:db8::1')) == ip_sort_key(' 2001:DB8::1 ')
    assert sorted(['2001:db8::1', '9.9.9.9', '10.0.0.1'], key=ip_sort_key) == ['9.9.9.9', '10.0.0.1', '2001:db8::1']


# ---------------------------------------------------------------------------
# Hosts and domains
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('host, domain, inside', [
    ('ns1.example.com', 'example.com', True),
    ('a.ns1.example.com', 'example.com', True),
    ('NS1.Example.COM.', 'example.com.', True),
    ('ns1.bücher.example', 'xn--bcher-kva.example', True),
    ('example.com', 'example.com', False),
    ('ns1.badexample.com', 'example.com', False),
    ('ns1.other.org', 'example.com', False),
    ('ns1.example.com', 'ns1.example.com.cn', False),
    ('ns1.example.com', '', False),
])
def test_host_in_domain(host, domain, inside):
    assert host_in_domain(host, domain) is inside


def test_check_host_in_domain_accepts_names_below():
    check_host_in_domain('ns1.example.com', 'example.com')
    check_host_in_domain('a.ns1.example.com', 'example.com')


@pytest.mark.parametrize('host, domain, message', [
    ('ns1.other.org', 'example.com',
     "name: 'ns1.other.org' is not inside domain 'example.com'; a glue host must be a name under the domain it is registered with"),
    ('ns1.badexample.com', 'example.com',
     "name: 'ns1.badexample.com' is not inside domain 'example.com'; a glue host must be a name under the domain it is registered with"),
    ('example.com', 'example.com',
     "name: 'example.com' is the domain itself; a glue host must be a name under the domain it is registered with, "
     "such as 'ns1.example.com'"),
])
def test_check_host_in_domain_refuses(host, domain, message):
    assert str(error_of(check_host_in_domain, host, domain)) == message


def test_check_host_in_domain_field():
    assert error_of(check_host_in_domain, 'ns1.other.org', 'example.com', field='nameserver_name').field == 'nameserver_name'


@pytest.mark.parametrize('host, domain, label', [
    ('ns1.example.com', 'example.com', 'ns1'),
    ('a.ns1.example.com', 'example.com', 'a.ns1'),
    ('NS1.Example.com.', 'example.com', 'ns1'),
    ('ns1.sub.example.com', 'sub.example.com', 'ns1'),
])
def test_relative_label(host, domain, label):
    assert relative_label(host, domain) == label


def test_relative_label_outside_the_domain_is_an_error():
    assert error_of(relative_label, 'ns1.other.org', 'example.com').rule.startswith("is not inside domain 'example.com'")
    assert error_of(relative_label, 'example.com', 'example.com').rule.startswith('is the domain itself')


@pytest.mark.parametrize('host, expected', [
    ('ns1.sub.example.com', 'sub.example.com'),
    ('ns1.example.com', 'example.com'),
    ('a.b.ns1.example.com', 'example.com'),
    ('ns1.example.net', 'Example.NET.'),  # returned as given, so callers can look it up
    ('ns1.example.org', None),
    ('example.com', None),
    ('sub.example.com', 'example.com'),
    ('ns1.badexample.com', None),
])
def test_find_registered_domain(host, expected):
    domains = ['example.com', 'sub.example.com', 'Example.NET.', 'com.cn']
    assert find_registered_domain(host, domains) == expected


def test_find_registered_domain_of_nothing():
    assert find_registered_domain('ns1.example.com', []) is None


def names(domain, count):
    return ['ns%d.%s' % (i, domain) for i in range(1, count + 1)]


# ---------------------------------------------------------------------------
# Name servers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('values, allow_single, expected', [
    (['NS2.example.com.', 'ns1.example.com'], False, ['ns2.example.com', 'ns1.example.com']),  # order kept
    (['ns1.example.com', 'dns1.hichina.com'], False, ['ns1.example.com', 'dns1.hichina.com']),
    (['ns1.bücher.example', 'ns2.example.net'], False, ['ns1.xn--bcher-kva.example', 'ns2.example.net']),
    (['ns1.example.com'], True, ['ns1.example.com']),
    (names('example.com', 13), False, names('example.com', 13)),
    ((HOST81, 'ns2.example.com'), False, [HOST81, 'ns2.example.com']),  # no 80-character limit here
])
def test_normalize_nameservers_accepts(values, allow_single, expected):
    assert normalize_nameservers(values, allow_single=allow_single) == expected


@pytest.mark.parametrize('values, allow_single, value, rule', [
    (['ns1.example.com'], False, ['ns1.example.com'],
     'has only one name server; a domain needs at least 2 for redundancy (set allow_single: true if one is really intended)'),
    ([], False, [], 'is empty; a domain needs 2 to 13 name servers'),
    ([], True, [], 'is empty; a domain needs 2 to 13 name servers'),
    (names('example.com', 14), False, names('example.com', 14), 'has 14 name servers; the registry accepts at most 13'),
    (['ns1.example.com', 'NS1.example.com.'], False, 'NS1.example.com.',
     "is a duplicate of 'ns1.example.com' (the same name server); list each name server once"),
    (['ns1.example.com', 'ns1.example.com'], False, 'ns1.example.com',
     'is a duplicate (listed more than once); list each name server once'),
    (['ns1.example.com', 'bad name.example.com'], False, 'bad name.example.com',
     'contains a space or other whitespace, which a domain name cannot contain'),
    ('ns1.example.com', False, 'ns1.example.com',
     "is a single string, not a list; give a list of name server names such as ['ns1.example.com', 'ns2.example.net']"),
    (None, False, None, 'is not a list; give a list of 2 to 13 name server names'),
])
def test_normalize_nameservers_refuses(values, allow_single, value, rule):
    exc = error_of(normalize_nameservers, values, allow_single=allow_single)
    assert (exc.field, exc.value, exc.rule) == ('nameservers', value, rule)


@pytest.mark.parametrize('first, second, same', [
    (['NS1.example.com.', 'ns2.example.com'], ['ns2.example.com', 'ns1.example.com'], True),
    (['ns1.bücher.example'], ['ns1.xn--bcher-kva.example'], True),
    (['ns1.example.com'], ['ns1.example.com', 'ns2.example.com'], False),
    ([], [], True),
    (None, [], True),
    (['dns1.hichina.com', 'dns2.hichina.com'], ['ns1.example.com', 'ns2.example.com'], False),
    (['odd_name.example.com'], ['ODD_NAME.example.com.'], True),  # registry data that would not validate
])
def test_same_nameservers(first, second, same):
    assert same_nameservers(first, second) is same


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

def _accepted(address):
    try:
        normalize_ips([str(address)])
    except ValidationError:
        return False
    return True


# Any acceptable address, including the warned ranges; IPv6 mostly from 2000::/3 where most are acceptable.
_ipv4 = st.ip_addresses(v=4).filter(_accepted)
_ipv6 = st.one_of(st.ip_addresses(v=6, network='2000::/3'), st.ip_addresses(v=6, network='2001:db8::/120'),
                  st.ip_addresses(v=6, network='fd00::/120'), st.ip_addresses(v=6)).filter(_accepted)


def _spellings(address):
    """Different ways of writing one address."""
    if address.version == 4:
        return st.sampled_from([str(address), ' %s ' % address])
    exploded = address.exploded
    return st.sampled_from([
        str(address), exploded, exploded.upper(), str(address).upper(),
        ':'.join(part.lstrip('0') or '0' for part in exploded.split(':')),
    ])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_ipv4, _ipv6), min_size=1, max_size=13, unique=True), st.randoms(), st.data())
def test_normalize_ips_ignores_order_and_notation(addresses, rnd, data):
    canonical = normalize_ips([str(a) for a in addresses])
    respelled = [data.draw(_spellings(a)) for a in addresses]
    rnd.shuffle(respelled)
    assert normalize_ips(respelled) == canonical
    assert canonical[0] == sorted(set(str(a) for a in addresses), key=ip_sort_key)
    assert normalize_ips(canonical[0]) == canonical  # idempotent


_label = st.from_regex(r'\A[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?\Z').filter(lambda s: s[2:4] != '--')
_u_label = st.sampled_from(['bücher', '例え', 'москва', 'straße', 'café', 'ÄÖÜ'])
_tld = st.from_regex(r'\A[a-zA-Z][a-zA-Z0-9]{1,10}\Z')


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_label, _u_label), min_size=1, max_size=5), _tld, st.booleans())
def test_normalize_domain_is_idempotent(labels, tld, trailing_dot):
    value = '.'.join(labels + [tld]) + ('.' if trailing_dot else '')
    name = normalize_domain(value)
    assert normalize_domain(name) == name
    assert name == name.lower() and not name.endswith('.')
    assert all(ord(c) < 128 for c in name)
    assert same_nameservers([value], [name])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalize_domain_never_fails_otherwise(text):
    try:
        name = normalize_domain(text)
    except ValidationError as exc:
        assert exc.field == 'domain' and len(str(exc)) <= 500
    else:
        assert normalize_domain(name) == name
