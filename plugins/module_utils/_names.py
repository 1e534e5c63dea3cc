# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain names, one way for the whole collection: validation, normalisation, IDNA.

Every name the collection compares or sends (zones, name servers, glue hosts,
domains read from a registry or asked over DNS) goes through this module, so
``Example.COM.``, ``example.com`` and ``xn--bcher-kva.cn`` / ``bücher.cn`` meet
in one form: lower case, no trailing dot, internationalised labels as A-labels
(punycode).

IDN conversion uses the ``idna`` package when it is importable: IDNA 2008
(RFC 5890-5893) with the UTS #46 compatibility mapping, non-transitional, so
``straße`` stays ``xn--strae-oqa``. Without it, Python's built-in ``idna``
codec is used, which implements IDNA 2003 (RFC 3490, nameprep), so ``straße``
becomes ``strasse`` and some symbols IDNA 2008 refuses are accepted.
``IDNA_STANDARD`` says which one is in use.

A bad name raises ``ValidationError`` (a ``ValueError``), whose text names the
field, the value and the rule.
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
# Zone names may hold underscores (``_domainkey.example.com``), host names may not.
_NOT_LDH_UNDERSCORE = re.compile(r'[^a-z0-9_-]')
# Full stops that IDNA treats like '.' (RFC 3490 3.1, UTS #46).
_IDEOGRAPHIC_DOTS = (u'\u3002', u'\uff0e', u'\uff61')


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


def _check_ldh_label(label, field, value, underscores=False):
    if len(label) > MAX_LABEL_LENGTH:
        raise ValidationError(field, value, 'has a label of %d characters (%s); a label may have at most %d'
                              % (len(label), _show_label(label), MAX_LABEL_LENGTH))
    bad = (_NOT_LDH_UNDERSCORE if underscores else _NOT_LDH).search(label)
    if bad:
        raise ValidationError(field, value, 'contains %r in the label %s; only letters, digits%s and hyphens are allowed'
                              % (bad.group(0), _show_label(label), ', underscores' if underscores else ''))
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
    if not underscores and not _LDH_LABEL.match(label):  # pragma: no cover - the checks above cover every case
        raise ValidationError(field, value, 'has the label %s, which is not a letters-digits-hyphen label' % _show_label(label))


def _looks_like_ip(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _normalize_name(value, field, kind, example, zone=False):
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
    if '_' in text and not zone:
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
        _check_ldh_label(label, field, value, underscores=zone)

    name = '.'.join(ascii_labels)
    if len(ascii_labels) < 2 and not zone:
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


def normalize_zone_name(value, field='name'):
    """A zone's name: like ``normalize_domain``, but a single label (a top-level zone) and
    underscores (``_domainkey.example.com``) are allowed."""
    return _normalize_name(value, field, 'zone name', 'example.com', zone=True)


def normalize_name(value):
    """Best-effort normalisation for comparing names that were not validated (read from a registry,
    an answer, a template): the validated form when the name is valid, else lower case without a
    trailing dot. Never raises; the root is ``'.'``, nothing is ``''``."""
    if value is None:
        return ''
    text = (value if isinstance(value, str) else str(value)).strip()
    if text == '.':
        return '.'
    if text.isascii():
        # Validation would only lower-case an ASCII name: the fast path, for thousands of zones.
        text = text.lower()
        return text[:-1] if text.endswith('.') else text
    try:
        return _normalize_name(text, 'name', 'name', 'example.com', zone=True)
    except ValidationError:
        text = text.strip().lower()
        if text.endswith('.'):
            text = text[:-1]
        return text


def in_zone(name, zone):
    """True when ``name`` is ``zone`` itself or below it."""
    name, zone = normalize_name(name), normalize_name(zone)
    return name == zone or zone == '.' or name.endswith('.' + zone)


def host_in_domain(host, domain):
    """True when ``host`` is strictly below ``domain`` (``ns1.example.com`` in ``example.com``)."""
    host = normalize_name(host)
    domain = normalize_name(domain)
    return bool(domain) and host.endswith('.' + domain) and len(host) > len(domain) + 1
