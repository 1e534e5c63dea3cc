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

Decisions (see the unit tests):

- IPv4-mapped IPv6 addresses (``::ffff:192.0.2.1``) are rejected, not converted:
  they never appear on the wire as real IPv6 destinations (RFC 4291 2.5.5.2), an
  AAAA glue record holding one is useless, and silently turning it into the IPv4
  address could merge it with another entry without the user noticing.
- The domain itself is not a valid glue host name: a host is registered under its
  domain as a label relative to it (Alibaba's ``DnsName``, e.g. ``ns1``), and the
  domain itself would be an empty label.
- ``.cn``: "no fourth-level host names" counts the labels of the whole host name,
  so under ``example.cn`` hosts like ``ns1.example.cn`` are fine, while under a
  second-level ``.cn`` domain such as ``example.com.cn`` every host has four or
  more labels and none can be created.
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

# Names compared without validation: the collection's one normaliser.
comparable_name = normalize_name

#: addresses of one glue host (Alibaba Cloud, registry)
MAX_IPS_PER_HOST = 13
#: glue hosts per domain, most TLDs (the TLD registry may set fewer)
MAX_HOSTS_PER_DOMAIN = 13
#: glue hosts per .cn domain
MAX_HOSTS_PER_CN_DOMAIN = 6
#: name servers of one domain
MIN_NAMESERVERS = 2
MAX_NAMESERVERS = 13
#: Alibaba Cloud's console limit for DNS host names
MAX_HOST_NAME_LENGTH = 80
_IPV4_OCTET_LEADING_ZERO = re.compile(r'(^|\.)0[0-9]')


# ---------------------------------------------------------------------------
# Names (the collection's one normaliser is _names; host names add Alibaba's limit)
# ---------------------------------------------------------------------------

def normalize_host_name(value, field='name'):
    """``normalize_domain`` plus Alibaba Cloud's limit of 80 characters for DNS host names."""
    name = _normalize_name(value, field, 'host name', 'ns1.example.com')
    if len(name) > MAX_HOST_NAME_LENGTH:
        raise ValidationError(field, value, "is %d characters long%s; a DNS host name may have at most %d characters "
                                            "(Alibaba Cloud's limit for DNS host names)"
                              % (len(name), '' if name == value.strip().rstrip('.').lower() else ' as A-labels',
                                 MAX_HOST_NAME_LENGTH))
    return name


def check_host_in_domain(host, domain, field='name'):
    """Raise ValidationError unless ``host`` is strictly below ``domain``.

    The domain itself is refused too: a glue host is registered under its
    domain by its label relative to the domain (Alibaba's ``DnsName``, e.g.
    ``ns1``), which would be empty.
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


def check_registry_host_limits(domain, host, existing_host_names, field='name'):
    """Raise ValidationError when the registry would refuse to create ``host`` under ``domain``.

    ``existing_host_names`` are the hosts already registered under the domain;
    a host in that list is not new (modifying it is fine).

    - ``.hk``: custom DNS hosts are not supported at all;
    - ``.cn``: at most 6 hosts per domain, and no host name of four or more labels;
    - elsewhere: at most 13 hosts per domain.
    """
    domain = comparable_name(domain)
    name = comparable_name(host)
    if domain == 'hk' or domain.endswith('.hk'):
        raise ValidationError(field, host, 'cannot be created: Alibaba Cloud does not support custom DNS hosts for .hk domains')
    existing = set(comparable_name(item) for item in existing_host_names or [])
    if name in existing:
        return
    is_cn = domain == 'cn' or domain.endswith('.cn')
    if is_cn and len(name.split('.')) >= 4:
        rule = ('cannot be created: under .cn a fourth-level name (four or more labels) cannot be a DNS host name '
                '(Alibaba Cloud / CNNIC rule)')
        if len(domain.split('.')) >= 3:
            rule += '; every host under %s has four or more labels, so it can have no custom DNS hosts' % _show(domain)
        raise ValidationError(field, host, rule)
    limit = MAX_HOSTS_PER_CN_DOMAIN if is_cn else MAX_HOSTS_PER_DOMAIN
    if len(existing) >= limit:
        raise ValidationError(field, host, 'cannot be created: domain %s already has %d DNS hosts, the most %s may have '
                                           '(delete one first)'
                              % (_show(domain), len(existing), 'a .cn domain' if is_cn else 'a domain'))


def normalize_nameservers(values, allow_single=False, field='nameservers'):
    """Name servers of a domain: each normalised like a domain, no duplicates, 2 to 13 (1 with ``allow_single``).

    The order is kept (the registry keeps it); compare with ``same_nameservers``.
    """
    if isinstance(values, str):
        raise ValidationError(field, values, 'is a single string, not a list; give a list of name server names '
                                             "such as ['ns1.example.com', 'ns2.example.net']")
    if not isinstance(values, (list, tuple)):
        raise ValidationError(field, values, 'is not a list; give a list of %d to %d name server names'
                              % (MIN_NAMESERVERS, MAX_NAMESERVERS))
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
        raise ValidationError(field, values, 'is empty; a domain needs %d to %d name servers' % (MIN_NAMESERVERS, MAX_NAMESERVERS))
    if len(names) > MAX_NAMESERVERS:
        raise ValidationError(field, values, 'has %d name servers; the registry accepts at most %d'
                              % (len(names), MAX_NAMESERVERS))
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


def normalize_ips(values, field='ips'):
    """Validate and canonicalise the addresses of a glue host.

    Returns ``(ips, warnings)``: ``ips`` the canonical strings sorted by
    ``ip_sort_key``; ``warnings`` one sentence per private, shared,
    documentation or benchmarking address (in the same order).
    """
    if isinstance(values, str):
        raise ValidationError(field, values, "is a single string, not a list; give a list of addresses such as ['192.0.2.1']")
    if not isinstance(values, (list, tuple)):
        raise ValidationError(field, values, 'is not a list; give a list of 1 to %d IPv4/IPv6 addresses' % MAX_IPS_PER_HOST)
    if not values:
        raise ValidationError(field, values, 'is empty; a glue host needs at least 1 address (1 to %d)' % MAX_IPS_PER_HOST)
    if len(values) > MAX_IPS_PER_HOST:
        raise ValidationError(field, values, 'has %d addresses; a glue host may have at most %d (the registry\'s limit)'
                              % (len(values), MAX_IPS_PER_HOST))
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
