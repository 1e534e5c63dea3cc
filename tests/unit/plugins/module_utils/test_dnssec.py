# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_dnssec: key tags and DS digests against the RFCs' examples and dnspython, and the rules for a DS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from hypothesis import given, settings, strategies as st

from ansible_collections.dnsops.nameservers.plugins.module_utils._dnssec import (
    Dnskey,
    owner_wire,
    removal_matcher,
    wanted_ds,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError

dns = pytest.importorskip('dns')
# pylint: disable=wrong-import-position
import dns.dnssec  # noqa: E402
import dns.name  # noqa: E402
import dns.rdata  # noqa: E402

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa  # noqa: E402

# RFC 4034 5.4 (DS with SHA-1) and RFC 4509 2.3 (the same key, SHA-256): dskey.example.com.
RFC_KEY = ('AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvx'
           'egXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==')
RFC_SHA1 = '2bb183af5f22588179a53b0a98631fad1a292118'
RFC_SHA256 = 'd4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a'


def rfc_key():
    return Dnskey(256, 3, 5, base64.b64decode(RFC_KEY))


def test_rfc_4034_and_4509_examples():
    key = rfc_key()
    assert key.key_tag() == 60485
    assert key.digest('dskey.example.com', 1) == RFC_SHA1
    assert key.digest('dskey.example.com', 2) == RFC_SHA256
    assert key.digest('dskey.example.com', 3) is None  # GOST: not computed here


def test_owner_wire_format_is_canonical():
    assert owner_wire('dskey.example.com') == b'\x05dskey\x07example\x03com\x00'
    assert owner_wire('xn--bcher-kva.example') == dns.name.from_text('xn--bcher-kva.example.').to_wire()


def dnspython_key(private, algorithm, flags=257):
    return dns.dnssec.make_dnskey(private.public_key(), algorithm, flags=flags)


KEYS = [
    (lambda: ec.generate_private_key(ec.SECP256R1()), 13),
    (lambda: ec.generate_private_key(ec.SECP384R1()), 14),
    (ed25519.Ed25519PrivateKey.generate, 15),
    (ed448.Ed448PrivateKey.generate, 16),
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), 8),
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), 10),
]


@pytest.mark.parametrize('make_private, algorithm', KEYS)
@pytest.mark.parametrize('owner', ['example.com', 'xn--bcher-kva.example', 'a.b.c.example.net'])
def test_ds_from_a_key_is_dnspythons(make_private, algorithm, owner):
    reference = dnspython_key(make_private(), algorithm)
    public_key = reference.to_text().split(' ', 3)[3]
    for digest_type, name in ((2, 'SHA256'), (4, 'SHA384')):
        ds, dnskey, warnings = wanted_ds(owner, {'flags': 257, 'algorithm': algorithm, 'public_key': public_key,
                                                 'digest_type': digest_type})
        expected = dns.dnssec.make_ds(dns.name.from_text(owner + '.'), reference, name)
        assert ds == {'key_tag': dns.dnssec.key_id(reference), 'algorithm': algorithm, 'digest_type': digest_type,
                      'digest': expected.digest.hex()}
        assert dnskey.key_tag() == expected.key_tag
        assert [w for w in warnings if 'RSASHA512' not in w] == []


@settings(max_examples=300, deadline=None)
@given(flags=st.integers(0, 65535), algorithm=st.integers(0, 255), key=st.binary(min_size=3, max_size=600))
def test_key_tag_is_dnspythons_for_any_key(flags, algorithm, key):
    reference = dns.rdata.from_wire('IN', 'DNSKEY', bytes([flags >> 8, flags & 255, 3, algorithm]) + key, 0, 4 + len(key))
    assert Dnskey(flags, 3, algorithm, key).key_tag() == dns.dnssec.key_id(reference)


def test_a_ds_given_by_its_fields_is_normalised():
    ds, dnskey, warnings = wanted_ds('example.com', {'key_tag': '2371', 'algorithm': 13, 'digest_type': 2,
                                                     'digest': RFC_SHA256[:32].upper() + ' ' + RFC_SHA256[32:]})
    assert ds == {'key_tag': 2371, 'algorithm': 13, 'digest_type': 2, 'digest': RFC_SHA256}
    assert (dnskey, warnings) == (None, [])


def ecdsa_key():
    return dnspython_key(ec.generate_private_key(ec.SECP256R1()), 13)


def key_spec(reference, **extra):
    spec = {'flags': reference.flags, 'algorithm': int(reference.algorithm),
            'public_key': reference.to_text().split(' ', 3)[3]}
    spec.update(extra)
    return spec


def refused(spec, field, *words, **kwargs):
    with pytest.raises(ValidationError) as info:
        wanted_ds('example.com', spec, 'records[0]', **kwargs)
    assert info.value.field == 'records[0].' + field
    for word in words:
        assert word in str(info.value)
    return str(info.value)


DS_FIELDS = {'key_tag': 2371, 'algorithm': 13, 'digest_type': 2, 'digest': RFC_SHA256}


@pytest.mark.parametrize('digest_type, words', [
    (1, ['1 is SHA-1', 'MUST NOT', 'RFC 8624', '2 (SHA-256) or 4 (SHA-384)']),
    (3, ['GOST R 34.11-94', 'MUST NOT']),
    (5, ['not a digest type']),
    (0, ['not a digest type']),
    (256, ['out of range']),
])
def test_digest_types_other_than_sha256_and_sha384_are_refused(digest_type, words):
    refused(dict(DS_FIELDS, digest_type=digest_type, digest=RFC_SHA1), 'digest_type', *words)


@pytest.mark.parametrize('algorithm, words', [
    (1, ['RSAMD5', 'MUST NOT']),
    (3, ['DSA', 'MUST NOT']),
    (5, ['RSASHA1', 'deprecated']),
    (6, ['DSA-NSEC3-SHA1']),
    (7, ['RSASHA1-NSEC3-SHA1', 'deprecated']),
    (12, ['ECC-GOST']),
    (0, ['DELETE', 'not an algorithm assigned for zone signing']),
    (2, ['DH']),
    (4, ['not an algorithm assigned']),
    (252, ['INDIRECT']),
    (253, ['PRIVATEDNS']),
    (17, ['SM2SM3', 'not supported']),
    (300, ['out of range']),
])
def test_deprecated_private_and_unassigned_algorithms_are_refused(algorithm, words):
    message = refused(dict(DS_FIELDS, algorithm=algorithm), 'algorithm', *words)
    assert '13 (ECDSAP256SHA256)' in message or 'out of range' in message


def test_rsasha512_is_published_with_a_warning():
    ds, dummy, warnings = wanted_ds('example.com', dict(DS_FIELDS, algorithm=10), 'records[0]')
    assert ds['algorithm'] == 10
    assert warnings == ['records[0].algorithm: algorithm 10 (RSASHA512) is NOT RECOMMENDED for signing (RFC 8624 3.1); '
                        'roll the keys to 13 (ECDSAP256SHA256) when you can']


@pytest.mark.parametrize('key_tag, words', [(-1, ['out of range']), (65536, ['out of range', '0 to 65535']),
                                            ('12ab', ['not a decimal integer'])])
def test_key_tags_out_of_range_are_refused(key_tag, words):
    refused(dict(DS_FIELDS, key_tag=key_tag), 'key_tag', *words)


@pytest.mark.parametrize('digest, words', [
    (RFC_SHA256[:-1], ['63 hexadecimal digits', 'type 2 (SHA-256) has 64']),
    (RFC_SHA256 + 'ab', ['66 hexadecimal digits']),
    (RFC_SHA256[:-1] + 'g', ['not hexadecimal']),
    ('0x' + RFC_SHA256[2:], ['not hexadecimal']),
    ('', ['not hexadecimal']),
])
def test_digests_of_the_wrong_length_or_not_hex_are_refused(digest, words):
    refused(dict(DS_FIELDS, digest=digest), 'digest', *words)


def test_sha384_needs_96_digits():
    refused(dict(DS_FIELDS, digest_type=4), 'digest', '64 hexadecimal digits', 'type 4 (SHA-384) has 96')


@pytest.mark.parametrize('missing', ['key_tag', 'algorithm', 'digest_type', 'digest'])
def test_a_ds_needs_all_four_fields_without_a_key(missing):
    spec = dict(DS_FIELDS)
    del spec[missing]
    refused(spec, missing, 'is required', 'public_key')


def test_flags_without_a_public_key_are_refused():
    refused(dict(DS_FIELDS, flags=257), 'flags', 'public_key is missing')


def test_a_key_tag_that_is_not_the_keys_is_refused():
    reference = ecdsa_key()
    tag = dns.dnssec.key_id(reference)
    message = refused(key_spec(reference, key_tag=(tag + 1) % 65536), 'key_tag', 'its key tag is %d' % tag,
                      'Appendix B')
    assert str((tag + 1) % 65536) in message
    ds, dummy, dummy = wanted_ds('example.com', key_spec(reference, key_tag=tag))
    assert ds['key_tag'] == tag


def test_a_digest_that_is_not_the_keys_is_refused():
    reference = ecdsa_key()
    good = dns.dnssec.make_ds(dns.name.from_text('example.com.'), reference, 'SHA256').digest.hex()
    wanted_ds('example.com', key_spec(reference, digest=good.upper()))
    refused(key_spec(reference, digest=RFC_SHA256), 'digest', 'does not match the DNSKEY', good)
    # The same key's DS for another domain is another digest.
    with pytest.raises(ValidationError):
        wanted_ds('example.org', key_spec(reference, digest=good))


@pytest.mark.parametrize('flags, words', [
    (385, ['REVOKE', 'RFC 5011']),
    (1, ['ZONE bit', '257']),
    (0, ['ZONE bit']),
    (259, ['reserved bits']),
    (65536, ['out of range']),
])
def test_flags_a_ds_cannot_name_are_refused(flags, words):
    refused(key_spec(ecdsa_key(), flags=flags), 'flags', *words)


def test_a_zone_signing_key_without_sep_is_warned_about():
    reference = dnspython_key(ec.generate_private_key(ec.SECP256R1()), 13, flags=256)
    ds, dummy, warnings = wanted_ds('example.com', key_spec(reference), 'records[0]')
    assert ds['key_tag'] == dns.dnssec.key_id(reference)
    assert len(warnings) == 1 and warnings[0].startswith('records[0].flags: 256 has no SEP bit')


def test_protocol_must_be_3():
    refused(key_spec(ecdsa_key(), protocol=2), 'protocol', 'must be 3', 'RFC 4034 2.1.2')
    wanted_ds('example.com', key_spec(ecdsa_key(), protocol=3))


@pytest.mark.parametrize('algorithm, size', [(13, 64), (14, 96), (15, 32), (16, 57)])
def test_a_public_key_of_the_wrong_length_for_its_algorithm_is_refused(algorithm, size):
    key = base64.b64encode(b'\x01' * (size - 1)).decode()
    refused({'flags': 257, 'algorithm': algorithm, 'public_key': key}, 'public_key',
            'decodes to %d bytes' % (size - 1), 'is %d bytes' % size)


def test_an_rsa_key_that_is_not_rfc_3110_is_refused():
    refused({'flags': 257, 'algorithm': 8, 'public_key': base64.b64encode(b'\x03\x01\x00\x01').decode()},
            'public_key', 'RSA public key')
    small = base64.b64encode(b'\x03\x01\x00\x01' + b'\xff' * 32).decode()  # 256 bits
    refused({'flags': 257, 'algorithm': 8, 'public_key': small}, 'public_key', '512 to 4096 bits')


@pytest.mark.parametrize('public_key', ['not base64!', 'QUJD=A', '   '])
def test_a_public_key_that_is_not_base64_is_refused(public_key):
    refused({'flags': 257, 'algorithm': 13, 'public_key': public_key}, 'public_key')


def test_whitespace_in_a_public_key_is_ignored():
    reference = ecdsa_key()
    text = reference.to_text().split(' ', 3)[3]
    spaced = ' '.join(text[i:i + 16] for i in range(0, len(text), 16)) + '\n'
    assert wanted_ds('example.com', key_spec(reference, public_key=spaced))[0] == wanted_ds('example.com', key_spec(reference))[0]


def test_a_registrar_may_take_fewer_digest_types():
    reference = ecdsa_key()
    refused(key_spec(reference, digest_type=4), 'digest_type', 'use 2 (SHA-256)', digest_types=(2,))
    assert wanted_ds('example.com', key_spec(reference), digest_types=(2,))[0]['digest_type'] == 2


# -- removal -------------------------------------------------------------------------------

def test_removal_by_key_tag_alone_or_narrowed():
    assert removal_matcher('example.com', {'key_tag': 60485}).matches(60485, 5, 1, RFC_SHA1)
    assert not removal_matcher('example.com', {'key_tag': 60485}).matches(60486, 5, 1, RFC_SHA1)
    sha1_only = removal_matcher('example.com', {'key_tag': 60485, 'digest_type': 1})
    assert sha1_only.matches(60485, 5, 1, RFC_SHA1) and not sha1_only.matches(60485, 5, 2, RFC_SHA256)
    by_digest = removal_matcher('example.com', {'key_tag': 60485, 'digest': RFC_SHA256.upper()})
    assert by_digest.matches(60485, 5, 2, RFC_SHA256) and not by_digest.matches(60485, 5, 1, RFC_SHA1)


def test_removal_by_key_matches_its_ds_of_every_digest_type_even_deprecated_ones():
    matcher = removal_matcher('dskey.example.com', {'flags': 256, 'algorithm': 5, 'public_key': RFC_KEY})
    assert matcher.key_tag == 60485
    assert matcher.matches(60485, 5, 1, RFC_SHA1)
    assert matcher.matches(60485, 5, 2, RFC_SHA256)
    assert not matcher.matches(60485, 5, 2, RFC_SHA256[:-1] + '0')  # another key with the same tag
    assert matcher.matches(60485, 5, 3, 'ab' * 32)  # GOST: by key tag and algorithm
    assert not matcher.matches(60485, 8, 2, RFC_SHA256)


def test_removal_needs_a_key_tag_or_a_key():
    with pytest.raises(ValidationError) as info:
        removal_matcher('example.com', {'algorithm': 13}, 'records[0]')
    assert info.value.field == 'records[0].key_tag'
    with pytest.raises(ValidationError) as info:
        removal_matcher('example.com', {'flags': 256, 'algorithm': 5, 'public_key': RFC_KEY, 'key_tag': 1}, 'records[0]')
    assert 'its key tag is 60485' in str(info.value)
