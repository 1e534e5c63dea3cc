# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Glue hosts, name server lists and addresses: validation and normalisation.

Everything here runs before a registrar is contacted. A bad input raises
``ValidationError``, whose text names the field, the value and the rule, so
that nothing reaches the registry. Valid input comes back normalised: names
as ``_names`` gives them (lower case, no trailing dot, A-labels); addresses in
``ipaddress``'s canonical form, sorted (IPv4 first, then IPv6, each by numeric
value), so that neither order nor notation ever causes a write.

Only rules that hold at every registry live here; a registrar's own limits are its
provider's (``ProviderLimits``, e.g. ``_alicloud.AlicloudLimits``), applied by the modules
next to these. Which is which, and why:

- generic: the name syntax (LDH labels, at most 63 octets a label and 253 a name: RFC 1035,
  RFC 1123, in ``_names``), because the DNS itself imposes it; a glue host strictly inside the
  domain it is registered with, because that is what makes it glue (RFC 5732's subordinate hosts);
  at least one address per host, because glue without addresses resolves nothing; addresses
  reachable from the internet (the special-purpose ranges of RFC 6890 are refused or warned
  about), because a referral to anything else fails for everyone; at least two name servers per
  domain (RFC 1034 4.1, RFC 2182); and at most 13 name servers and 13 addresses, the most any
  registry takes (a referral with more no longer fits 512 bytes) and the default of
  ``ProviderLimits``, which a provider may lower (``max_ips_per_host``, ``max_nameservers``, or
  ``check_ips`` for rules per address family);
- the registrar's: host-name length (Alibaba Cloud: 80 characters), hosts per domain (Alibaba
  Cloud: 13; ``.cn`` 6 and no fourth-level names; none for ``.hk``), domains per name-server write
  (Alibaba Cloud: 1,000), because they are one company's policy and another registrar's differ.

Decisions (see the unit tests):

- IPv4-mapped IPv6 addresses (``::ffff:192.0.2.1``) are rejected, not converted:
  they never appear on the wire as real IPv6 destinations (RFC 4291 2.5.5.2), an
  AAAA glue record holding one is useless, and silently turning it into the IPv4
  address could merge it with another entry without the user noticing.
- The domain itself is not a valid glue host name: a host is registered under its
  domain as a label relative to it (e.g. ``ns1``), and the domain itself would be
  an empty label.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import (
    ValidationError,
    _normalize_name,
    _show,
    host_in_domain,
    normalize_domain,
    normalize_name,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    MAX_IPS_PER_HOST,
    MAX_NAMESERVERS,
    MIN_NAMESERVERS,
)

# Names compared without validation: the collection's one normaliser.
comparable_name = normalize_name

_IPV4_OCTET_LEADING_ZERO = re.compile(r'(^|\.)0[0-9]')


# ---------------------------------------------------------------------------
# Names (the collection's one normaliser is _names)
# ---------------------------------------------------------------------------

def normalize_host_name(value, field='name'):
    """A glue host name: ``normalize_domain``'s rules (the registrar's own limits are its provider's)."""
    return _normalize_name(value, field, 'host name', 'ns1.example.com')


def check_host_in_domain(host, domain, field='name'):
    """Raise ValidationError unless ``host`` is strictly below ``domain``.

    The domain itself is refused too: a glue host is registered under its
    domain by its label relative to the domain (e.g. ``ns1``), which would be empty.
    """
    if host_in_domain(host, domain):
        return
    if comparable_name(host) == comparable_name(domain):
        raise ValidationError(field, host, 'is the domain itself; a glue host must be a name under the domain it is '
                                           'registered with, such as %r' % ('ns1.' + comparable_name(domain)))
    raise ValidationError(field, host, 'is not inside domain %s; a glue host must be a name under the domain it is '
                                       'registered with' % _show(comparable_name(domain)))


def relative_label(host, domain):
    """``'ns1'`` for ``('ns1.example.com', 'example.com')``, ``'a.ns1'`` one level deeper.

    Raises ValidationError (field ``name``) when ``host`` is not strictly below ``domain``.
    """
    check_host_in_domain(host, domain, field='name')
    host = comparable_name(host)
    return host[:-len(comparable_name(domain)) - 1]


def find_registered_domain(host, domain_names):
    """The longest of ``domain_names`` that ``host`` is strictly below, as given in the list; None if none."""
    best, best_len = None, -1
    for domain in domain_names:
        if host_in_domain(host, domain):
            length = len(comparable_name(domain))
            if length > best_len:
                best, best_len = domain, length
    return best


def normalize_nameservers(values, allow_single=False, field='nameservers', max_nameservers=MAX_NAMESERVERS):
    """Name servers of a domain: each normalised like a domain, no duplicates, 2 to 13 (1 with ``allow_single``;
    a registrar may take fewer than 13: ``max_nameservers``).

    The order is kept (the registry keeps it); compare with ``same_nameservers``.
    """
    if isinstance(values, str):
        raise ValidationError(field, values, 'is a single string, not a list; give a list of name server names '
                                             "such as ['ns1.example.com', 'ns2.example.net']")
    if not isinstance(values, (list, tuple)):
        raise ValidationError(field, values, 'is not a list; give a list of %d to %d name server names'
                              % (MIN_NAMESERVERS, max_nameservers))
    names = []
    given = {}
    for value in values:
        name = normalize_domain(value, field=field)
        if name in given:
            if given[name] == value:
                raise ValidationError(field, value, 'is a duplicate (listed more than once); list each name server once')
            raise ValidationError(field, value, 'is a duplicate of %s (the same name server); list each name server once'
                                  % _show(given[name]))
        given[name] = value
        names.append(name)
    if not names:
        raise ValidationError(field, values, 'is empty; a domain needs %d to %d name servers' % (MIN_NAMESERVERS, max_nameservers))
    if len(names) > max_nameservers:
        raise ValidationError(field, values, 'has %d name servers; the registry accepts at most %d'
                              % (len(names), max_nameservers))
    if len(names) < MIN_NAMESERVERS and not allow_single:
        raise ValidationError(field, values, 'has only one name server; a domain needs at least %d for redundancy '
                                             '(set allow_single: true if one is really intended)' % MIN_NAMESERVERS)
    return names


def same_nameservers(first, second):
    """True when two name server lists name the same servers, ignoring order, case, trailing dots and IDN form."""
    return set(comparable_name(n) for n in first or []) == set(comparable_name(n) for n in second or [])


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

_NET = ipaddress.ip_network

_UNREACHABLE = "glue addresses must be reachable from the internet"

# (network, rule) in the order they are checked; the first match wins.
_REJECTED = (
    (_NET(u'0.0.0.0/32'), 'is the unspecified address; ' + _UNREACHABLE),
    (_NET(u'::/128'), 'is the unspecified address; ' + _UNREACHABLE),
    (_NET(u'127.0.0.0/8'), 'is a loopback address; ' + _UNREACHABLE),
    (_NET(u'::1/128'), 'is a loopback address; ' + _UNREACHABLE),
    (_NET(u'0.0.0.0/8'), "is in 0.0.0.0/8 ('this network', RFC 1122), which is never routed; " + _UNREACHABLE),
    (_NET(u'224.0.0.0/4'), 'is a multicast address; ' + _UNREACHABLE + ' as unicast addresses'),
    (_NET(u'ff00::/8'), 'is a multicast address; ' + _UNREACHABLE + ' as unicast addresses'),
    (_NET(u'169.254.0.0/16'), 'is a link-local address (169.254.0.0/16); ' + _UNREACHABLE),
    (_NET(u'fe80::/10'), 'is a link-local address (fe80::/10); ' + _UNREACHABLE),
    (_NET(u'255.255.255.255/32'), 'is the broadcast address; ' + _UNREACHABLE),
    (_NET(u'240.0.0.0/4'), 'is in the reserved range 240.0.0.0/4 (RFC 1112), which is not routed; ' + _UNREACHABLE),
)

# IPv6 outside 2000::/3 (global unicast) and fc00::/7 (checked after the table above).
_IPV6_GLOBAL_UNICAST = _NET(u'2000::/3')
_IPV6_RESERVED_RULE = ('is outside the IPv6 global unicast range 2000::/3 (space reserved by the IETF); ' + _UNREACHABLE)

_NOT_REACHABLE = 'it is not reachable from the internet, which is only right for labs and private test registries'

_WARNED = (
    (_NET(u'10.0.0.0/8'), 'is a private address (RFC 1918)'),
    (_NET(u'172.16.0.0/12'), 'is a private address (RFC 1918)'),
    (_NET(u'192.168.0.0/16'), 'is a private address (RFC 1918)'),
    (_NET(u'100.64.0.0/10'), 'is a shared address (100.64.0.0/10, RFC 6598, carrier-grade NAT)'),
    (_NET(u'fc00::/7'), 'is a unique local address (fc00::/7, RFC 4193)'),
    (_NET(u'192.0.2.0/24'), 'is a documentation address (192.0.2.0/24, RFC 5737)'),
    (_NET(u'198.51.100.0/24'), 'is a documentation address (198.51.100.0/24, RFC 5737)'),
    (_NET(u'203.0.113.0/24'), 'is a documentation address (203.0.113.0/24, RFC 5737)'),
    (_NET(u'2001:db8::/32'), 'is a documentation address (2001:db8::/32, RFC 3849)'),
    (_NET(u'3fff::/20'), 'is a documentation address (3fff::/20, RFC 9637)'),
    (_NET(u'198.18.0.0/15'), 'is a benchmarking address (198.18.0.0/15, RFC 2544)'),
    (_NET(u'2001:2::/48'), 'is a benchmarking address (2001:2::/48, RFC 5180)'),
)


def ip_sort_key(ip):
    """Sort key: IPv4 before IPv6, each by numeric value. ``ip`` is a string or an ``ipaddress`` address."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip.strip())
    return (ip.version, int(ip))


def _parse_ip(value, field):
    if not isinstance(value, str):
        raise ValidationError(field, value, 'is not a string; give each address as text, e.g. \'192.0.2.1\' or \'2001:db8::1\'')
    text = value.strip()
    if not text:
        raise ValidationError(field, value, 'is empty; give an IPv4 or IPv6 address')
    if '/' in text:
        raise ValidationError(field, value, "is in CIDR notation (a network); give the address alone, without '/%s'"
                              % text.split('/', 1)[1])
    if '%' in text:
        raise ValidationError(field, value, "has a zone id ('%%%s'); zone ids only mean something on one host, "
                                            "glue needs a global address" % text.split('%', 1)[1])
    if ':' not in text and _IPV4_OCTET_LEADING_ZERO.search(text):
        raise ValidationError(field, value, 'has an octet with a leading zero, which some software reads as octal; '
                                            'write each octet without leading zeros')
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValidationError(field, value, 'is not a valid IPv4 or IPv6 address')
    if address.version == 6 and address.ipv4_mapped is not None:
        raise ValidationError(field, value, 'is an IPv4-mapped IPv6 address; give the IPv4 address %s itself'
                              % _show(str(address.ipv4_mapped)))
    for network, rule in _REJECTED:
        if address.version == network.version and address in network:
            raise ValidationError(field, value, rule)
    warning = None
    for network, rule in _WARNED:
        if address.version == network.version and address in network:
            warning = '%s: %s %s; %s' % (field, _show(str(address)), rule, _NOT_REACHABLE)
            break
    if address.version == 6 and warning is None and address not in _IPV6_GLOBAL_UNICAST:
        raise ValidationError(field, value, _IPV6_RESERVED_RULE)
    return address, warning


def normalize_ips(values, field='ips', max_ips=MAX_IPS_PER_HOST):
    """Validate and canonicalise the addresses of a glue host (1 to ``max_ips``).

    Returns ``(ips, warnings)``: ``ips`` the canonical strings sorted by
    ``ip_sort_key``; ``warnings`` one sentence per private, shared,
    documentation or benchmarking address (in the same order).
    """
    if isinstance(values, str):
        raise ValidationError(field, values, "is a single string, not a list; give a list of addresses such as ['192.0.2.1']")
    if not isinstance(values, (list, tuple)):
        raise ValidationError(field, values, 'is not a list; give a list of 1 to %d IPv4/IPv6 addresses' % max_ips)
    if not values:
        raise ValidationError(field, values, 'is empty; a glue host needs at least 1 address (1 to %d)' % max_ips)
    if len(values) > max_ips:
        raise ValidationError(field, values, 'has %d addresses; a glue host may have at most %d (the registry\'s limit)'
                              % (len(values), max_ips))
    given = {}
    found = []
    for value in values:
        address, warning = _parse_ip(value, field)
        if address in given:
            if given[address] == value:
                raise ValidationError(field, value, 'is a duplicate (listed more than once); list each address once')
            raise ValidationError(field, value, 'is a duplicate of %s (both are %s); list each address once'
                                  % (_show(given[address]), address))
        given[address] = value
        found.append((address, warning))
    found.sort(key=lambda item: ip_sort_key(item[0]))
    return [str(address) for address, dummy in found], [warning for dummy, warning in found if warning]
