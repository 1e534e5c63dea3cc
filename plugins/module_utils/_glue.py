# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names, addresses and registry limits: validation and normalisation.

Everything here runs before a registrar is contacted. A bad input raises
``ValidationError``, whose text names the field, the value and the rule, so
that nothing reaches the registry. Valid input comes back normalised: names
in lower case without a trailing dot, internationalised labels as A-labels
(punycode); addresses in ``ipaddress``'s canonical form, sorted (IPv4 first,
then IPv6, each by numeric value), so that neither order nor notation ever
causes a write.

IDN conversion uses the ``idna`` package when it is importable: IDNA 2008
(RFC 5890-5893) with the UTS #46 compatibility mapping, non-transitional, so
``straße`` stays ``xn--strae-oqa``. Without it, Python's built-in ``idna``
codec is used, which implements IDNA 2003 (RFC 3490, nameprep), so ``straße``
becomes ``strasse`` and some symbols IDNA 2008 refuses are accepted.
``IDNA_STANDARD`` says which one is in use.

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

try:
    import idna as _idna
except ImportError:  # pragma: no cover - depends on the controller's packages
    _idna = None

HAS_IDNA_PACKAGE = _idna is not None

if HAS_IDNA_PACKAGE:
    IDNA_STANDARD = 'IDNA 2008 with UTS #46 mapping'
else:
    IDNA_STANDARD = 'IDNA 2003'

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
MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

# How much of a value an error message shows.
_SHOW_LIMIT = 100
# ... and of a label inside a rule
_LABEL_SHOW_LIMIT = 40
# No message is longer than this.
_MESSAGE_LIMIT = 500

_LDH_LABEL = re.compile(r'^[a-z0-9]([a-z0-9-]*[a-z0-9])?$')
_NOT_LDH = re.compile(r'[^a-z0-9-]')
# Full stops that IDNA treats like '.' (RFC 3490 3.1, UTS #46).
_IDEOGRAPHIC_DOTS = (u'\u3002', u'\uff0e', u'\uff61')
_IPV4_OCTET_LEADING_ZERO = re.compile(r'(^|\.)0[0-9]')


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def _show(value, limit=_SHOW_LIMIT):
    """A value for a message: quoted like repr, long values cut short."""
    if isinstance(value, str):
        if len(value) > limit:
            return '%s... (%d characters)' % (repr(value[:limit]), len(value))
        return repr(value)
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + '...'
    return text


def _show_label(label):
    return _show(label, _LABEL_SHOW_LIMIT)


class ValidationError(ValueError):
    """Bad input: ``field`` (the option), ``value`` (what was given) and ``rule`` (what it breaks).

    ``str()`` is one sentence naming all three, e.g.
    ``ips: '127.0.0.1' is a loopback address; glue addresses must be reachable from the internet``.
    """

    def __init__(self, field, value, rule):
        self.field = field
        self.value = value
        self.rule = rule
        message = '%s: %s %s' % (field, _show(value), rule)
        if len(message) > _MESSAGE_LIMIT:
            message = message[:_MESSAGE_LIMIT - 3] + '...'
        self.message = message
        super(ValidationError, self).__init__(message)

    def __str__(self):
        return self.message


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

def _idna_error_text(exc):
    text = str(exc) or type(exc).__name__
    if len(text) > 120:
        text = text[:117] + '...'
    return text


def _encode_label(label, field, value):
    """A-label(s) for a label with non-ASCII characters; may contain dots after UTS #46 mapping."""
    try:
        if HAS_IDNA_PACKAGE:
            encoded = _idna.encode(label, uts46=True, transitional=False)
        else:
            encoded = label.encode('idna')
        return encoded.decode('ascii').lower()
    except (UnicodeError, ValueError) as exc:
        raise ValidationError(field, value, 'has the label %s, which is not a valid internationalised label under %s (%s)'
                              % (_show_label(label), IDNA_STANDARD, _idna_error_text(exc)))


def _check_a_label(label, field, value):
    """An ``xn--`` label must be valid punycode that decodes to a valid U-label and encodes back to itself."""
    try:
        if HAS_IDNA_PACKAGE:
            ulabel = _idna.decode(label)
            ok = _idna.encode(ulabel).decode('ascii') == label
        else:
            ulabel = label.encode('ascii').decode('idna')
            ok = ulabel.encode('idna').decode('ascii').lower() == label
        if all(ord(c) < 128 for c in ulabel):
            ok = False
    except (UnicodeError, ValueError) as exc:
        raise ValidationError(field, value, 'has the label %s, which starts with \'xn--\' but is not a valid IDN A-label under %s (%s)'
                              % (_show_label(label), IDNA_STANDARD, _idna_error_text(exc)))
    if not ok:
        raise ValidationError(field, value, 'has the label %s, which starts with \'xn--\' but is not a valid IDN A-label under %s '
                                            '(it does not round-trip)' % (_show_label(label), IDNA_STANDARD))


def _check_ldh_label(label, field, value):
    if len(label) > MAX_LABEL_LENGTH:
        raise ValidationError(field, value, 'has a label of %d characters (%s); a label may have at most %d'
                              % (len(label), _show_label(label), MAX_LABEL_LENGTH))
    bad = _NOT_LDH.search(label)
    if bad:
        raise ValidationError(field, value, 'contains %r in the label %s; only letters, digits and hyphens are allowed'
                              % (bad.group(0), _show_label(label)))
    if label.startswith('-'):
        raise ValidationError(field, value, 'has the label %s, which starts with a hyphen; labels must start with a letter or digit'
                              % _show_label(label))
    if label.endswith('-'):
        raise ValidationError(field, value, 'has the label %s, which ends with a hyphen; labels must end with a letter or digit'
                              % _show_label(label))
    if label[2:4] == '--':
        if label.startswith('xn--'):
            _check_a_label(label, field, value)
        else:
            raise ValidationError(field, value, "has the label %s with '--' in the third and fourth positions, "
                                                "which is reserved for IDN A-labels ('xn--')" % _show_label(label))
    if not _LDH_LABEL.match(label):  # pragma: no cover - the checks above cover every case
        raise ValidationError(field, value, 'has the label %s, which is not a letters-digits-hyphen label' % _show_label(label))


def _looks_like_ip(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _normalize_name(value, field, kind, example):
    if value is None:
        raise ValidationError(field, value, 'is missing; give a %s such as %r' % (kind, example))
    if not isinstance(value, str):
        raise ValidationError(field, value, 'is not a string; give a %s such as %r' % (kind, example))
    text = value.strip()
    for dot in _IDEOGRAPHIC_DOTS:
        text = text.replace(dot, '.')
    if not text:
        raise ValidationError(field, value, 'is empty; give a %s such as %r' % (kind, example))
    if text.endswith('.'):
        text = text[:-1]
        if not text:
            raise ValidationError(field, value, 'is the DNS root, not a %s; give a %s such as %r' % (kind, kind, example))
        if text.endswith('.'):
            raise ValidationError(field, value, 'ends with more than one dot; at most one trailing dot is allowed')
    if any(c.isspace() for c in text):
        raise ValidationError(field, value, 'contains a space or other whitespace, which a %s cannot contain' % kind)
    if text.startswith('.'):
        raise ValidationError(field, value, 'starts with a dot (an empty label)')
    if '..' in text:
        raise ValidationError(field, value, 'contains consecutive dots (an empty label)')
    labels = text.split('.')
    if '*' in text:
        raise ValidationError(field, value, "contains a wildcard ('*'); a %s must be a real name, not a pattern" % kind)
    if '_' in text:
        raise ValidationError(field, value, "contains an underscore ('_'), which is not allowed in host names "
                                            "(letters, digits and hyphens only)")

    ascii_labels = []
    for label in labels:
        if all(ord(c) < 128 for c in label):
            ascii_labels.append(label.lower())
        else:
            ascii_labels.extend(_encode_label(label, field, value).split('.'))
    if '' in ascii_labels:
        raise ValidationError(field, value, 'contains an empty label after IDN mapping')
    for label in ascii_labels:
        _check_ldh_label(label, field, value)

    name = '.'.join(ascii_labels)
    if len(ascii_labels) < 2:
        raise ValidationError(field, value, 'is a single label; give a full %s such as %r' % (kind, example))
    if ascii_labels[-1].isdigit():
        if _looks_like_ip(text):
            raise ValidationError(field, value, 'is an IP address, not a %s' % kind)
        raise ValidationError(field, value, 'ends in the all-numeric label %s; a top-level domain is never all digits'
                              % _show(ascii_labels[-1]))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(field, value, 'is %d characters long%s; a domain name may have at most %d'
                              % (len(name), '' if name == text.lower() else ' as A-labels', MAX_NAME_LENGTH))
    return name


def normalize_domain(value, field='domain'):
    """Lower case, no trailing dot, A-labels; ValidationError when it is not a valid domain name.

    LDH labels of 1 to 63 characters, at most 253 in all, at least two labels,
    a top-level label that is not all digits.
    """
    return _normalize_name(value, field, 'domain name', 'example.com')


def normalize_host_name(value, field='name'):
    """``normalize_domain`` plus Alibaba Cloud's limit of 80 characters for DNS host names."""
    name = _normalize_name(value, field, 'host name', 'ns1.example.com')
    if len(name) > MAX_HOST_NAME_LENGTH:
        raise ValidationError(field, value, "is %d characters long%s; a DNS host name may have at most %d characters "
                                            "(Alibaba Cloud's limit for DNS host names)"
                              % (len(name), '' if name == value.strip().rstrip('.').lower() else ' as A-labels',
                                 MAX_HOST_NAME_LENGTH))
    return name


def comparable_name(value):
    """Best-effort normalisation for comparing names that were not validated (e.g. read from a registry)."""
    try:
        return normalize_domain(value)
    except ValidationError:
        if value is None:
            return ''
        text = value if isinstance(value, str) else str(value)
        text = text.strip().lower()
        if text.endswith('.'):
            text = text[:-1]
        return text


def host_in_domain(host, domain):
    """True when ``host`` is strictly below ``domain`` (``ns1.example.com`` in ``example.com``)."""
    host = comparable_name(host)
    domain = comparable_name(domain)
    return bool(domain) and host.endswith('.' + domain) and len(host) > len(domain) + 1


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
