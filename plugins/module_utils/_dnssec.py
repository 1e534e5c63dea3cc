# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""DNSSEC delegation signer data in pure Python: the DNSKEY and DS records of RFC 4034, the key tag
(Appendix B), the DS digest (section 5.1.4), and the rules a DS submitted to a registry must follow.

No dnspython here: the registrar modules run where only ``requests`` may be installed (the unit
tests compare every computation with dnspython's). Nothing of Ansible either.

- ``Dnskey``: flags, protocol, algorithm and public key; its wire-format RDATA, key tag and DS digests.
- ``wanted_ds(owner, spec, field)``: a DS to publish, from the DS fields or from DNSKEY data, checked
  against the rules below; returns the DS fields, the Dnskey (or None) and warnings.
- ``removal_matcher(owner, spec, field)``: which published DS records a removal means (lenient: a
  SHA-1 DS, or one of a deprecated algorithm, must be removable).

A DS to publish must use SHA-256 or SHA-384 (RFC 8624 3.3: SHA-1 and GOST R 34.11-94 MUST NOT be
used for delegations) and an algorithm RFC 8624 3.1 allows for signing (RSASHA256, ECDSAP256SHA256,
ECDSAP384SHA384, ED25519, ED448; RSASHA512 with a warning, as it is NOT RECOMMENDED).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import re

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError

#: DNSSEC algorithm numbers (IANA) -> mnemonic, for messages
ALGORITHM_NAMES = {
    0: 'DELETE', 1: 'RSAMD5', 2: 'DH', 3: 'DSA', 5: 'RSASHA1', 6: 'DSA-NSEC3-SHA1', 7: 'RSASHA1-NSEC3-SHA1',
    8: 'RSASHA256', 10: 'RSASHA512', 12: 'ECC-GOST', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384',
    15: 'ED25519', 16: 'ED448', 17: 'SM2SM3', 23: 'ECC-GOST12', 252: 'INDIRECT', 253: 'PRIVATEDNS', 254: 'PRIVATEOID',
}

#: algorithms a DS may be published for: number -> a warning, or None (RFC 8624 3.1, "MUST", "RECOMMENDED", "MAY")
PUBLISH_ALGORITHMS = {
    8: None,
    10: 'algorithm 10 (RSASHA512) is NOT RECOMMENDED for signing (RFC 8624 3.1); roll the keys to 13 '
        '(ECDSAP256SHA256) when you can',
    13: None,
    14: None,
    15: None,
    16: None,
}

#: why an algorithm is refused for a new DS (anything else not in PUBLISH_ALGORITHMS: not assigned for zone signing)
REFUSED_ALGORITHMS = {
    1: 'MUST NOT be used for signing (RFC 8624 3.1; MD5 is broken)',
    3: 'MUST NOT be used for signing (RFC 8624 3.1)',
    5: 'is deprecated for signing (SHA-1 signatures, RFC 8624 3.1 NOT RECOMMENDED; validators are dropping it)',
    6: 'MUST NOT be used for signing (RFC 8624 3.1)',
    7: 'is deprecated for signing (SHA-1 signatures, RFC 8624 3.1 NOT RECOMMENDED; validators are dropping it)',
    12: 'MUST NOT be used for signing (RFC 8624 3.1)',
    17: 'is not supported by common validators or registrars',
    23: 'is not supported by common validators or registrars',
}

#: DS digest types (IANA) -> (name, hash function or None, digest length in bytes)
DIGEST_TYPES = {
    1: ('SHA-1', hashlib.sha1, 20),
    2: ('SHA-256', hashlib.sha256, 32),
    3: ('GOST R 34.11-94', None, 32),
    4: ('SHA-384', hashlib.sha384, 48),
}

#: digest types a DS may be published with (RFC 8624 3.3: SHA-256 MUST, SHA-384 MAY)
PUBLISH_DIGEST_TYPES = (2, 4)
DEFAULT_DIGEST_TYPE = 2

REFUSED_DIGEST_TYPES = {
    1: 'is SHA-1, which MUST NOT be used for a DS (RFC 8624 3.3: SHA-1 is broken)',
    3: 'is GOST R 34.11-94, which MUST NOT be used for a DS (RFC 8624 3.3)',
}

#: DNSKEY flags (RFC 4034 2.1.1, RFC 5011 7)
FLAG_ZONE = 0x0100
FLAG_REVOKE = 0x0080
FLAG_SEP = 0x0001
KSK_FLAGS = FLAG_ZONE | FLAG_SEP  # 257
ZSK_FLAGS = FLAG_ZONE  # 256
DNSKEY_PROTOCOL = 3

MAX_KEY_TAG = 65535

#: exact public key lengths in bytes (RFC 6605 4, RFC 8080 3)
KEY_LENGTHS = {13: 64, 14: 96, 15: 32, 16: 57}
#: RSA modulus bits accepted (RFC 5702 2.1 for RSASHA256 and RSASHA512: 512 to 4096)
RSA_ALGORITHMS = (1, 5, 7, 8, 10)
RSA_MODULUS_BITS = (512, 4096)

_HEX_RE = re.compile(r'^[0-9a-fA-F]*$')
_SPACE_RE = re.compile(r'\s+')

#: the DS fields and the DNSKEY fields of a spec (a dict from the module's options)
DS_FIELDS = ('key_tag', 'algorithm', 'digest_type', 'digest')
DNSKEY_FIELDS = ('flags', 'protocol', 'public_key')


def algorithm_text(number):
    """``13 (ECDSAP256SHA256)``."""
    name = ALGORITHM_NAMES.get(number)
    return '%s (%s)' % (number, name) if name else '%s' % number


def digest_type_text(number):
    """``2 (SHA-256)``."""
    entry = DIGEST_TYPES.get(number)
    return '%s (%s)' % (number, entry[0]) if entry else '%s' % number


# ---------------------------------------------------------------------------
# Wire format, key tag and digest (RFC 4034)
# ---------------------------------------------------------------------------

def owner_wire(name):
    """The canonical wire format of a normalised domain name (lower case, A-labels, no trailing dot)."""
    wire = b''
    for label in [label for label in name.split('.') if label]:
        data = label.lower().encode('ascii')
        wire += bytes([len(data)]) + data
    return wire + b'\x00'


class Dnskey(object):
    """A DNSKEY record's data: flags, protocol, algorithm and the public key (bytes)."""

    def __init__(self, flags, protocol, algorithm, public_key):
        self.flags = flags
        self.protocol = protocol
        self.algorithm = algorithm
        self.public_key = bytes(public_key)

    def rdata(self):
        """The RDATA in wire format (RFC 4034 2.1)."""
        return bytes([self.flags >> 8, self.flags & 0xFF, self.protocol, self.algorithm]) + self.public_key

    def key_tag(self):
        """RFC 4034 Appendix B (and B.1 for algorithm 1)."""
        if self.algorithm == 1:
            key = self.public_key
            return (key[-3] << 8) + key[-2] if len(key) >= 3 else 0
        total = 0
        for index, byte in enumerate(self.rdata()):
            total += byte if index & 1 else byte << 8
        total += (total >> 16) & 0xFFFF
        return total & 0xFFFF

    def digest(self, owner, digest_type):
        """The DS digest (lower-case hex) of this key at ``owner`` (RFC 4034 5.1.4); None when the digest
        type cannot be computed here (GOST, unassigned)."""
        entry = DIGEST_TYPES.get(digest_type)
        if entry is None or entry[1] is None:
            return None
        return entry[1](owner_wire(owner) + self.rdata()).hexdigest()

    def public_key_text(self):
        return base64.b64encode(self.public_key).decode('ascii')

    def as_dict(self):
        return {'flags': self.flags, 'protocol': self.protocol, 'algorithm': self.algorithm,
                'public_key': self.public_key_text()}

    def __repr__(self):
        return 'Dnskey(%d, %d, %d, %r)' % (self.flags, self.protocol, self.algorithm, self.public_key_text())


def ds_text(key_tag, algorithm, digest_type, digest):
    """The DS in presentation format without owner: ``2371 13 2 1f98...``."""
    return '%d %d %d %s' % (key_tag, algorithm, digest_type, digest)


# ---------------------------------------------------------------------------
# Field checks: each raises ValidationError(field, value, rule)
# ---------------------------------------------------------------------------

def _sub(field, name):
    return '%s.%s' % (field, name) if field else name


def _integer(value, field, low, high, what):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip(), 10)
        except (TypeError, ValueError):
            raise ValidationError(field, value, 'is not a decimal integer; %s is an integer from %d to %d' % (what, low, high))
    if not low <= value <= high:
        raise ValidationError(field, value, 'is out of range; %s is an integer from %d to %d' % (what, low, high))
    return value


def check_key_tag(value, field):
    return _integer(value, field, 0, MAX_KEY_TAG, 'a key tag')


def check_publish_algorithm(value, field):
    """An algorithm a new DS may name; returns (number, warning or None)."""
    number = _integer(value, field, 0, 255, 'a DNSSEC algorithm number')
    if number in PUBLISH_ALGORITHMS:
        return number, PUBLISH_ALGORITHMS[number]
    reason = REFUSED_ALGORITHMS.get(number, 'is not an algorithm assigned for zone signing')
    raise ValidationError(field, value, 'is algorithm %s, which %s; a DS may be published for %s'
                          % (algorithm_text(number), reason,
                             ', '.join(algorithm_text(a) for a in sorted(PUBLISH_ALGORITHMS))))


def check_publish_digest_type(value, field, allowed=PUBLISH_DIGEST_TYPES):
    """A digest type a new DS may use (``allowed``: a registrar may take fewer)."""
    number = _integer(value, field, 0, 255, 'a DS digest type')
    if number in allowed:
        return number
    rule = REFUSED_DIGEST_TYPES.get(number, 'is not a digest type for a DS that can be checked here')
    raise ValidationError(field, value, '%s; use %s' % (rule, ' or '.join(digest_type_text(t) for t in allowed)))


def clean_hex(value, field):
    """Hexadecimal digits (whitespace inside allowed, as in presentation format), lower case."""
    text = _SPACE_RE.sub('', str(value))
    if not text or not _HEX_RE.match(text):
        raise ValidationError(field, value, 'is not hexadecimal; a DS digest is hexadecimal digits (0-9, a-f)')
    return text.lower()


def check_digest(value, digest_type, field):
    digest = clean_hex(value, field)
    entry = DIGEST_TYPES.get(digest_type)
    if entry is not None and len(digest) != 2 * entry[2]:
        raise ValidationError(field, value, 'has %d hexadecimal digits; a digest of type %s has %d'
                              % (len(digest), digest_type_text(digest_type), 2 * entry[2]))
    return digest


def decode_public_key(value, field):
    text = _SPACE_RE.sub('', str(value))
    try:
        key = base64.b64decode(text.encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValidationError(field, _short(value), 'is not base64; a DNSKEY public key is the base64 text of the '
                                                    'record (whitespace inside is fine)')
    if not key:
        raise ValidationError(field, value, 'is empty; a DNSKEY needs its public key')
    return key


def _short(value):
    text = str(value)
    return text if len(text) <= 24 else text[:20] + '...'


def check_key_length(algorithm, key, field, value):
    """The public key's size for its algorithm: catches a key cut short by a copy and paste."""
    if algorithm in KEY_LENGTHS:
        if len(key) != KEY_LENGTHS[algorithm]:
            raise ValidationError(field, _short(value), 'decodes to %d bytes; a public key of algorithm %s is %d bytes'
                                  % (len(key), algorithm_text(algorithm), KEY_LENGTHS[algorithm]))
        return
    if algorithm in RSA_ALGORITHMS:
        bits = _rsa_modulus_bits(key)
        low, high = RSA_MODULUS_BITS
        if bits is None or not low <= bits <= high:
            raise ValidationError(field, _short(value), 'is not an RSA public key of %d to %d bits (RFC 3110 2: '
                                                        'exponent length, exponent, modulus)' % (low, high))


def _rsa_modulus_bits(key):
    """Bits of the modulus of an RFC 3110 public key, or None when it is malformed."""
    if len(key) < 3:
        return None
    if key[0]:
        exponent_length, start = key[0], 1
    else:
        exponent_length, start = (key[1] << 8) + key[2], 3
    modulus = key[start + exponent_length:]
    if exponent_length == 0 or not modulus or modulus[0] == 0:
        return None
    return len(modulus) * 8 - (8 - modulus[0].bit_length())


def check_flags(value, field, warnings):
    """A key a DS may point to: ZONE bit, no REVOKE, no reserved bit; without SEP only a warning."""
    flags = _integer(value, field, 0, 65535, 'DNSKEY flags')
    if flags & FLAG_REVOKE:
        raise ValidationError(field, value, 'has the REVOKE bit (128) set (RFC 5011 7): a revoked key cannot be the '
                                            'key a DS names; use the new key')
    if not flags & FLAG_ZONE:
        raise ValidationError(field, value, 'lacks the ZONE bit (256): such a key cannot sign the zone (RFC 4034 '
                                            '2.1.1), so a DS for it cannot validate anything; a key-signing key has 257')
    if flags & ~KSK_FLAGS:
        raise ValidationError(field, value, 'has reserved bits set; a DNSKEY a DS names has flags 257 (a key-signing '
                                            'key) or 256 (RFC 4034 2.1.1)')
    if not flags & FLAG_SEP:
        warnings.append('%s: %d has no SEP bit: the DS names a zone-signing key; a DS usually names the key-signing '
                        'key (flags 257), so check that this is the key your signer uses for the DNSKEY set'
                        % (field, flags))
    return flags


def check_protocol(value, field):
    protocol = _integer(value, field, 0, 255, 'the DNSKEY protocol')
    if protocol != DNSKEY_PROTOCOL:
        raise ValidationError(field, value, 'must be 3, the only DNSKEY protocol (RFC 4034 2.1.2)')
    return protocol


# ---------------------------------------------------------------------------
# A DS to publish
# ---------------------------------------------------------------------------

def _given(spec, name):
    return spec.get(name) is not None


def wanted_ds(owner, spec, field='', digest_types=PUBLISH_DIGEST_TYPES):
    """A DS to publish at ``owner`` (a normalised domain name) from ``spec``, a dict with the DS fields
    (``key_tag``, ``algorithm``, ``digest_type``, ``digest``) and/or the DNSKEY fields (``flags``,
    ``protocol``, ``public_key``, and ``algorithm``); absent fields are None.

    With ``public_key`` the DS is computed from the key (``digest_type`` default 2), and any DS field
    given must agree with it. Returns ``(ds, dnskey, warnings)``: ``ds`` a dict of the four DS fields
    (digest lower-case hex), ``dnskey`` a Dnskey or None. ``digest_types``: the digest types allowed
    (a registrar may take fewer than SHA-256 and SHA-384). Raises ValidationError.
    """
    warnings = []
    if _given(spec, 'public_key'):
        return _ds_from_dnskey(owner, spec, field, digest_types, warnings)
    for name in ('flags', 'protocol'):
        if _given(spec, name):
            raise ValidationError(_sub(field, name), spec[name],
                                  'is DNSKEY data, but public_key is missing; give the whole key (flags, algorithm, '
                                  'public_key) or the DS fields alone')
    for name in DS_FIELDS:
        if not _given(spec, name):
            raise ValidationError(_sub(field, name), None, 'is required: a DS is given by key_tag, algorithm, '
                                                           'digest_type and digest, or computed from DNSKEY data '
                                                           '(flags, algorithm, public_key)')
    key_tag = check_key_tag(spec['key_tag'], _sub(field, 'key_tag'))
    algorithm, warning = check_publish_algorithm(spec['algorithm'], _sub(field, 'algorithm'))
    digest_type = check_publish_digest_type(spec['digest_type'], _sub(field, 'digest_type'), digest_types)
    digest = check_digest(spec['digest'], digest_type, _sub(field, 'digest'))
    if warning:
        warnings.append('%s: %s' % (_sub(field, 'algorithm'), warning))
    return dict(key_tag=key_tag, algorithm=algorithm, digest_type=digest_type, digest=digest), None, warnings


def _ds_from_dnskey(owner, spec, field, digest_types, warnings):
    if not _given(spec, 'flags'):
        raise ValidationError(_sub(field, 'flags'), None, 'is required with public_key (257 for a key-signing key)')
    if not _given(spec, 'algorithm'):
        raise ValidationError(_sub(field, 'algorithm'), None, "is required with public_key (the key's algorithm)")
    algorithm, warning = check_publish_algorithm(spec['algorithm'], _sub(field, 'algorithm'))
    flags = check_flags(spec['flags'], _sub(field, 'flags'), warnings)
    protocol = check_protocol(spec['protocol'] if _given(spec, 'protocol') else DNSKEY_PROTOCOL, _sub(field, 'protocol'))
    key = decode_public_key(spec['public_key'], _sub(field, 'public_key'))
    check_key_length(algorithm, key, _sub(field, 'public_key'), spec['public_key'])
    digest_type = check_publish_digest_type(spec['digest_type'] if _given(spec, 'digest_type') else DEFAULT_DIGEST_TYPE,
                                            _sub(field, 'digest_type'), digest_types)
    dnskey = Dnskey(flags, protocol, algorithm, key)
    key_tag = dnskey.key_tag()
    digest = dnskey.digest(owner, digest_type)
    if _given(spec, 'key_tag') and check_key_tag(spec['key_tag'], _sub(field, 'key_tag')) != key_tag:
        raise ValidationError(_sub(field, 'key_tag'), spec['key_tag'],
                              'does not match the DNSKEY given: its key tag is %d (RFC 4034 Appendix B); a DS naming '
                              'another key tag names another key' % key_tag)
    if _given(spec, 'digest') and check_digest(spec['digest'], digest_type, _sub(field, 'digest')) != digest:
        raise ValidationError(_sub(field, 'digest'), spec['digest'],
                              'does not match the DNSKEY given at %s: its %s digest is %s (RFC 4034 5.1.4); check the '
                              'key and the domain' % (owner, DIGEST_TYPES[digest_type][0], digest))
    if warning:
        warnings.append('%s: %s' % (_sub(field, 'algorithm'), warning))
    return dict(key_tag=key_tag, algorithm=algorithm, digest_type=digest_type, digest=digest), dnskey, warnings


# ---------------------------------------------------------------------------
# A DS to remove
# ---------------------------------------------------------------------------

class RemovalMatcher(object):
    """Which published DS records a removal means: those with its key tag and every field it gives.

    From DNSKEY data it means the DS records of that key whatever their digest type (SHA-1 ones
    included): the digest is compared for the types computed here, a GOST DS by key tag and algorithm.
    """

    def __init__(self, key_tag, algorithm=None, digest_type=None, digest=None, dnskey=None, owner=None):
        self.key_tag = key_tag
        self.algorithm = algorithm
        self.digest_type = digest_type
        self.digest = digest
        self.dnskey = dnskey
        self.owner = owner

    def matches(self, key_tag, algorithm, digest_type, digest):
        if key_tag != self.key_tag:
            return False
        for mine, theirs in ((self.algorithm, algorithm), (self.digest_type, digest_type), (self.digest, digest)):
            if mine is not None and mine != theirs:
                return False
        if self.dnskey is not None:
            computed = self.dnskey.digest(self.owner, digest_type)
            return computed is None or computed == digest
        return True

    def as_dict(self):
        return dict((name, getattr(self, name)) for name in DS_FIELDS if getattr(self, name) is not None)


def removal_matcher(owner, spec, field=''):
    """The RemovalMatcher of ``spec`` (as for wanted_ds): ``key_tag`` alone, or with any other DS field,
    or DNSKEY data. Only the syntax is checked, not the publishing rules: a SHA-1 DS, or one of a
    deprecated algorithm, must be removable. Raises ValidationError."""
    if _given(spec, 'public_key'):
        for name in ('flags', 'algorithm'):
            if not _given(spec, name):
                raise ValidationError(_sub(field, name), None, 'is required with public_key')
        flags = _integer(spec['flags'], _sub(field, 'flags'), 0, 65535, 'DNSKEY flags')
        algorithm = _integer(spec['algorithm'], _sub(field, 'algorithm'), 0, 255, 'a DNSSEC algorithm number')
        protocol = check_protocol(spec['protocol'] if _given(spec, 'protocol') else DNSKEY_PROTOCOL, _sub(field, 'protocol'))
        dnskey = Dnskey(flags, protocol, algorithm, decode_public_key(spec['public_key'], _sub(field, 'public_key')))
        digest_type = None
        if _given(spec, 'digest_type'):
            digest_type = _integer(spec['digest_type'], _sub(field, 'digest_type'), 0, 255, 'a DS digest type')
        matcher = RemovalMatcher(dnskey.key_tag(), algorithm, digest_type, dnskey=dnskey, owner=owner)
        if _given(spec, 'key_tag') and check_key_tag(spec['key_tag'], _sub(field, 'key_tag')) != matcher.key_tag:
            raise ValidationError(_sub(field, 'key_tag'), spec['key_tag'],
                                  'does not match the DNSKEY given: its key tag is %d (RFC 4034 Appendix B)' % matcher.key_tag)
        return matcher
    if not _given(spec, 'key_tag'):
        raise ValidationError(_sub(field, 'key_tag'), None, 'is required to remove a DS (with any of algorithm, '
                                                            'digest_type and digest to narrow it), or give the DNSKEY')
    key_tag = check_key_tag(spec['key_tag'], _sub(field, 'key_tag'))
    algorithm = digest_type = digest = None
    if _given(spec, 'algorithm'):
        algorithm = _integer(spec['algorithm'], _sub(field, 'algorithm'), 0, 255, 'a DNSSEC algorithm number')
    if _given(spec, 'digest_type'):
        digest_type = _integer(spec['digest_type'], _sub(field, 'digest_type'), 0, 255, 'a DS digest type')
    if _given(spec, 'digest'):
        digest = check_digest(spec['digest'], digest_type, _sub(field, 'digest'))
    return RemovalMatcher(key_tag, algorithm, digest_type, digest)
