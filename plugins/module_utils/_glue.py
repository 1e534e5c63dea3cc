# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names, addresses and registry limits: validation and normalisation.

Everything a registrar would refuse is refused here first, before any call
that writes, with a message naming the field, the value and the rule.
Normalised forms make comparisons exact: names are lower case A-labels
without a trailing dot; addresses are ``ipaddress`` strings sorted IPv4 first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

try:
    import idna as _idna  # IDNA 2008 with UTS #46 mapping; comes with requests
except ImportError:  # pragma: no cover - depends on the environment
    _idna = None

MAX_ADDRESSES = 13
MAX_HOSTS = 13
MAX_HOSTS_CN = 6
MAX_NAMESERVERS = 13
MAX_HOST_NAME_LENGTH = 80  # Alibaba Cloud's console limit for DNS host names
MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_SHOWN = 120

_LDH_LABEL = re.compile(r'^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$')

_DOCUMENTATION_NETWORKS = [ipaddress.ip_network(n) for n in (
    '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32')]
_SHARED_NETWORK = ipaddress.ip_network('100.64.0.0/10')


class ValidationError(ValueError):
    """A bad input: ``field`` and ``value`` say where, ``rule`` says what is wrong."""

    def __init__(self, field, value, rule):
        self.field = field
        self.value = value
        self.rule = rule
        super(ValidationError, self).__init__('%s: %s %s' % (field, _show(value), rule))


def _show(value):
    text = repr(value) if not isinstance(value, str) else "'%s'" % value
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN - 5] + '...' + text[-2:]
    return text


def _to_ascii(name, field, original):
    """U-labels to A-labels (punycode); ASCII names pass through unchanged."""
    try:
        name.encode('ascii')
        return name
    except UnicodeEncodeError:
        pass
    try:
        if _idna is not None:
            return _idna.encode(name, uts46=True).decode('ascii')
        return name.encode('idna').decode('ascii')
    except (UnicodeError, ValueError) as exc:
        raise ValidationError(field, original, 'is not a valid internationalised domain name (%s)' % exc)


def _normalize(value, field, max_length, what):
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, 'must be a non-empty %s' % what)
    name = value.strip()
    if name.endswith('.'):
        name = name[:-1]
    name = _to_ascii(name, field, value).lower()
    if not name:
        raise ValidationError(field, value, 'must be a non-empty %s' % what)
    labels = name.split('.')
    if len(labels) < 2:
        raise ValidationError(field, value, 'must be a fully qualified %s with at least two labels' % what)
    for label in labels:
        if not label:
            raise ValidationError(field, value, 'has an empty label (consecutive dots or a leading dot)')
        if len(label) > MAX_LABEL_LENGTH:
            raise ValidationError(field, value, 'has a label longer than %d characters' % MAX_LABEL_LENGTH)
        if not _LDH_LABEL.match(label):
            raise ValidationError(field, value, 'has label %s; labels may hold only letters, digits and hyphens, '
                                                'and may not start or end with a hyphen' % _show(label))
        if label[2:4] == '--' and not label.startswith('xn--'):
            raise ValidationError(field, value, 'has label %s with "--" in positions 3 and 4, '
                                                'which only punycode (xn--) labels may have' % _show(label))
    if labels[-1].isdigit():
        raise ValidationError(field, value, 'has an all-numeric top-level label')
    if len(name) > max_length:
        raise ValidationError(field, value, 'is longer than %d characters%s' % (
            max_length, " (Alibaba Cloud's limit for DNS host names)" if max_length == MAX_HOST_NAME_LENGTH else ''))
    return name


def normalize_domain(value, field='domain'):
    """A domain name in normalised form, or ValidationError."""
    return _normalize(value, field, MAX_DOMAIN_LENGTH, 'domain name')


def normalize_host_name(value, field='name'):
    """A glue host name: a domain name of at most 80 characters."""
    return _normalize(value, field, MAX_HOST_NAME_LENGTH, 'host name')


def ip_sort_key(ip):
    address = ipaddress.ip_address(ip)
    return (address.version, int(address))


def _check_address(text, field):
    """The canonical form of one address, and a warning or None."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(field, text, 'must be an IPv4 or IPv6 address')
    candidate = text.strip()
    if '/' in candidate:
        raise ValidationError(field, text, 'is a network, not a single address (no prefix length)')
    if '%' in candidate:
        raise ValidationError(field, text, 'has a zone index; glue addresses must be global')
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        raise ValidationError(field, text, 'is not a valid IPv4 or IPv6 address')
    if address.version == 6 and address.ipv4_mapped is not None:
        raise ValidationError(field, text, 'is an IPv4-mapped IPv6 address; give the IPv4 address %s instead'
                                           % address.ipv4_mapped)
    refusals = (
        (address.is_loopback, 'loopback'),
        (address.is_unspecified, 'unspecified'),
        (address.is_multicast, 'multicast'),
        (address.is_link_local, 'link-local'),
        (address == ipaddress.ip_address('255.255.255.255'), 'broadcast'),
        (address.version == 4 and address in ipaddress.ip_network('240.0.0.0/4'), 'reserved (240.0.0.0/4)'),
    )
    for refused, kind in refusals:
        if refused:
            raise ValidationError(field, text, 'is a %s address; glue addresses must be reachable from the internet' % kind)
    warning = None
    if any(address in network for network in _DOCUMENTATION_NETWORKS if network.version == address.version):
        warning = 'is a documentation address'
    elif address.is_private or (address.version == 4 and address in _SHARED_NETWORK):
        warning = 'is a private address'
    if warning:
        warning = '%s: %s %s, not reachable from the internet; that is only right for a lab or a test' % (
            field, _show(text), warning)
    return str(address), warning


def normalize_ips(values, field='ips'):
    """``(ips, warnings)``: 1 to 13 distinct global addresses, sorted IPv4 first."""
    if not isinstance(values, (list, tuple)):
        raise ValidationError(field, values, 'must be a list of IPv4 and IPv6 addresses')
    if not values:
        raise ValidationError(field, values, 'must hold at least 1 address')
    if len(values) > MAX_ADDRESSES:
        raise ValidationError(field, values, 'holds %d addresses; a glue host takes at most %d' % (len(values), MAX_ADDRESSES))
    seen = {}
    warnings = []
    for value in values:
        ip, warning = _check_address(value, field)
        if ip in seen:
            raise ValidationError(field, value, 'is a duplicate of %s (the same address)' % _show(seen[ip]))
        seen[ip] = value
        if warning:
            warnings.append(warning)
    return sorted(seen, key=ip_sort_key), warnings


def host_in_domain(host, domain):
    """Whether ``host`` lies strictly below ``domain`` (both normalised)."""
    return host.endswith('.' + domain)


def check_host_in_domain(host, domain, field='name'):
    # The domain itself cannot be a glue host: the registry keys hosts by a label under the domain.
    if not host_in_domain(host, domain):
        raise ValidationError(field, host, "is not inside domain '%s'; a glue host must be a name under "
                                           "the domain it is registered with" % domain)


def relative_label(host, domain):
    """``ns1`` for ``ns1.example.com`` under ``example.com``."""
    check_host_in_domain(host, domain)
    return host[:-(len(domain) + 1)]


def find_registered_domain(host, domain_names):
    """The longest of ``domain_names`` that ``host`` lies below, or None."""
    candidates = [d for d in domain_names if host_in_domain(host, d)]
    return max(candidates, key=len) if candidates else None


def check_registry_host_limits(domain, host, existing_host_names, field='name'):
    """Registry rules for one more (or an existing) host under ``domain``."""
    if domain.endswith('.hk') or domain == 'hk':
        raise ValidationError(field, host, "is under '%s': Alibaba Cloud does not support custom DNS hosts "
                                           "for .hk domains" % domain)
    is_new = host not in existing_host_names
    if domain.endswith('.cn'):
        if len(host.split('.')) >= 4:
            raise ValidationError(field, host, 'is a fourth-level name; .cn domains cannot use fourth-level '
                                               'names as DNS hosts')
        limit = MAX_HOSTS_CN
    else:
        limit = MAX_HOSTS
    if is_new and len(existing_host_names) >= limit:
        raise ValidationError(field, host, "would be host number %d of '%s'; the registry allows at most %d "
                                           "hosts per %sdomain" % (len(existing_host_names) + 1, domain, limit,
                                                                   '.cn ' if limit == MAX_HOSTS_CN else ''))


def normalize_nameservers(values, allow_single=False, field='nameservers'):
    """2 to 13 distinct name server names (1 with ``allow_single``), order kept."""
    if not isinstance(values, (list, tuple)):
        raise ValidationError(field, values, 'must be a list of host names')
    names = []
    for value in values:
        name = normalize_domain(value, field=field)
        if name in names:
            raise ValidationError(field, value, 'is a duplicate of %s' % _show(name))
        names.append(name)
    if len(names) > MAX_NAMESERVERS:
        raise ValidationError(field, values, 'holds %d name servers; at most %d are allowed' % (len(names), MAX_NAMESERVERS))
    if len(names) == 1 and not allow_single:
        raise ValidationError(field, values, 'holds a single name server; delegations need at least 2 '
                                             '(set allow_single: true to accept one)')
    if not names:
        raise ValidationError(field, values, 'must hold at least 2 name servers')
    return names


def same_nameservers(current, wanted):
    """Whether two name server lists are the same set (order does not matter in DNS)."""
    def canonical(names):
        return set(name.lower().rstrip('.') for name in names)
    return canonical(current) == canonical(wanted)
