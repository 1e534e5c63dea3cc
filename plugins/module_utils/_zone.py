# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zone text for the nameserver role: rendering, catalog zones, serials.

Pure functions, no Ansible and no I/O, so they are cheap to call for
thousands of zones and easy to unit test.

A zone is rendered with the placeholder ``SERIAL_PLACEHOLDER`` where its SOA
serial goes; the text with the placeholder is what is compared between runs,
so a change of serial alone never counts as a change of content.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import re

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import (
    ValidationError,
    normalize_name as _normalize_any,
    normalize_zone_name,
)

SERIAL_PLACEHOLDER = '@@SERIAL@@'

SOA_DEFAULTS = {
    'refresh': 7200,
    'retry': 3600,
    'expire': 1209600,
    'minimum': 3600,
}

_SOA_SERIAL_RE = re.compile(
    r'(\bSOA\s+\S+\s+\S+\s*(?:\(\s*)?(?:;[^\n]*\n\s*)*)(\d+)', re.IGNORECASE)


class ZoneError(Exception):
    """A zone description that cannot be rendered; the message names zone and field."""


def normalize_name(name):
    """Lower case, no trailing dot, A-labels; the root stays '.' (the collection's one normaliser)."""
    return _normalize_any(name) or '.'


def fqdn(name):
    """Absolute presentation form with a trailing dot."""
    name = normalize_name(name)
    return '.' if name == '.' else name + '.'


def check_zone_name(name):
    """The zone's normalised name; ZoneError naming the rule when it is not a valid zone name."""
    try:
        return normalize_zone_name(name, field='zone name')
    except ValidationError as exc:
        raise ZoneError(str(exc))


def zone_file_name(zone):
    """The file a zone lives in, inside the zone directory."""
    return normalize_name(zone) + '.zone'


def in_zone(name, zone):
    """True when the absolute ``name`` is ``zone`` or below it."""
    name = normalize_name(name)
    zone = normalize_name(zone)
    return name == zone or name.endswith('.' + zone)


def relative_owner(name, zone):
    """The owner as written in the zone file: '@', relative, or absolute with dot."""
    name = (name or '@').strip()
    if name == '@':
        return '@'
    if name.endswith('.'):
        if normalize_name(name) == normalize_name(zone):
            return '@'
        return name.lower()
    return name


def quote_txt(value):
    """TXT data in presentation form, split into strings of at most 255 octets.

    A value that already starts with a double quote is taken as presentation form
    and left alone; anything else is one text that is escaped and split.
    """
    value = str(value)
    if value.startswith('"'):
        return value
    data = value.encode('utf-8')
    chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b'']
    out = []
    for chunk in chunks:
        text = []
        for byte in bytearray(chunk):
            if byte in (0x22, 0x5c):
                text.append('\\' + chr(byte))
            elif 0x20 <= byte < 0x7f:
                text.append(chr(byte))
            else:
                text.append('\\%03d' % byte)
        out.append('"%s"' % ''.join(text))
    return ' '.join(out)


def _values(record):
    value = record.get('value')
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _record_lines(zone, record, index):
    owner = relative_owner(str(record.get('name') or '@'), zone)
    rtype = str(record.get('type') or '').strip().upper()
    if not rtype or not re.match(r'^[A-Z][A-Z0-9-]*$', rtype):
        raise ZoneError('zone %s, record %d (%s): type %r is not a record type' % (zone, index, owner, record.get('type')))
    if rtype == 'SOA':
        raise ZoneError('zone %s, record %d (%s): SOA comes from the zone\'s soa settings, not from records' % (zone, index, owner))
    if re.search(r'\s', owner):
        raise ZoneError('zone %s, record %d: name %r contains white space' % (zone, index, owner))
    ttl = record.get('ttl')
    ttl_text = ''
    if ttl is not None and ttl != '':
        try:
            ttl_text = '%d ' % int(ttl)
        except (TypeError, ValueError):
            raise ZoneError('zone %s, record %d (%s %s): ttl %r is not a number of seconds' % (zone, index, owner, rtype, ttl))
    values = _values(record)
    if not values:
        raise ZoneError('zone %s, record %d (%s %s): value is missing' % (zone, index, owner, rtype))
    lines = []
    for value in values:
        if rtype in ('TXT', 'SPF'):
            data = quote_txt(value)
        else:
            data = str(value).strip()
            if '\n' in data:
                raise ZoneError('zone %s, record %d (%s %s): value %r spans lines' % (zone, index, owner, rtype, value))
        lines.append('%s\t%sIN\t%s\t%s' % (owner, ttl_text, rtype, data))
    return lines


def zone_nameservers(servers):
    """The published (not hidden) servers: list of (name, addresses)."""
    out = []
    for server in servers:
        if server.get('hidden'):
            continue
        out.append((normalize_name(server['name']), list(server.get('addresses') or [])))
    return out


def render_records_zone(zone, records, servers, soa=None, ttl=3600, group=None):
    """Text of a zone from structured records, with the serial placeholder.

    ``servers`` are the servers that serve the zone: dicts with ``name``,
    ``addresses`` and ``hidden``. NS records are the names of the published ones.
    The A/AAAA records of every published server of the ``group`` (default: ``servers``)
    whose name lies inside the zone come from its addresses (unless the records already
    give that name and type): the registrar registers glue for all of them, so the zone
    that holds their names must answer for them even where they serve other zones only.
    """
    zone = check_zone_name(zone)
    for index, record in enumerate(records or []):
        if not isinstance(record, dict):
            raise ZoneError('zone %s, record %d: not a mapping with name, type and value' % (zone, index))
    soa = dict(soa or {})
    published = zone_nameservers(servers)
    if not published:
        raise ZoneError('zone %s: no published name server serves it (all hidden?); it would have no NS records' % zone)
    mname = soa.get('mname') or published[0][0]
    rname = soa.get('rname') or 'hostmaster.' + zone
    if '@' in rname:
        local, _sep, domain = rname.partition('@')
        rname = local.replace('.', '\\.') + '.' + domain
    values = {}
    for key, default in SOA_DEFAULTS.items():
        val = soa.get(key)
        try:
            values[key] = int(default if val is None else val)
        except (TypeError, ValueError):
            raise ZoneError('zone %s: soa.%s %r is not a number of seconds' % (zone, key, val))
    lines = [
        '; Generated by dnsops.nameservers.zone_files; local edits are replaced.',
        '$ORIGIN %s' % fqdn(zone),
        '$TTL %d' % int(ttl),
        '@\tIN\tSOA\t%s %s (%s %d %d %d %d)' % (
            fqdn(mname), fqdn(rname), SERIAL_PLACEHOLDER,
            values['refresh'], values['retry'], values['expire'], values['minimum']),
    ]
    for name, _addrs in published:
        lines.append('@\tIN\tNS\t%s' % fqdn(name))
    given = set()
    for record in records or []:
        owner = str(record.get('name') or '@')  # YAML reads an unquoted 80 as a number
        absolute = normalize_name(owner) if owner.endswith('.') else (
            zone if owner == '@' else normalize_name(owner + '.' + zone))
        given.add((absolute, str(record.get('type') or '').upper()))
    for name, addrs in (zone_nameservers(group) if group is not None else published):
        if not in_zone(name, zone):
            continue
        for addr in addrs:
            rtype = 'AAAA' if ':' in addr else 'A'
            if (name, rtype) in given:
                continue
            lines.append('%s\tIN\t%s\t%s' % (relative_owner(fqdn(name), zone), rtype, addr))
    for index, record in enumerate(records or []):
        lines.extend(_record_lines(zone, record, index))
    return '\n'.join(lines) + '\n'


def template_from_file_text(zone, text):
    """A shipped zone file's text with its SOA serial replaced by the placeholder.

    Returns (template, serial_found); when no SOA serial is recognised the text
    is used as it is and the file's own serial rules.
    """
    match = _SOA_SERIAL_RE.search(text)
    if not match:
        return text, None
    return text[:match.start(2)] + SERIAL_PLACEHOLDER + text[match.end(2):], int(match.group(2))


def serial_in_text(text):
    match = _SOA_SERIAL_RE.search(text or '')
    return int(match.group(2)) if match else None


def catalog_member_label(zone):
    """A stable unique label for a member zone: SHA-1 of its wire-format name."""
    wire = b''
    for label in normalize_name(zone).split('.'):
        data = label.encode('ascii')
        wire += bytearray([len(data)]) + data
    wire += b'\x00'
    return hashlib.sha1(wire).hexdigest()


def render_catalog_zone(catalog, members, soa=None):
    """An RFC 9432 catalog zone (schema version 2) listing ``members``."""
    catalog = check_zone_name(catalog)
    soa = dict(soa or {})
    lines = [
        '; Catalog zone (RFC 9432) generated by dnsops.nameservers.zone_files.',
        '$ORIGIN %s' % fqdn(catalog),
        '$TTL 0',
        '@\tIN\tSOA\tinvalid. invalid. (%s %d %d %d 0)' % (
            SERIAL_PLACEHOLDER, int(soa.get('refresh') or 600), int(soa.get('retry') or 300),
            int(soa.get('expire') or SOA_DEFAULTS['expire'])),
        '@\tIN\tNS\tinvalid.',
        'version\tIN\tTXT\t"2"',
    ]
    for member in sorted(set(normalize_name(m) for m in members)):
        lines.append('%s.zones\tIN\tPTR\t%s' % (catalog_member_label(member), fqdn(member)))
    return '\n'.join(lines) + '\n'


def fill_serial(template, serial):
    return template.replace(SERIAL_PLACEHOLDER, str(int(serial)), 1)


def content_hash(template):
    return hashlib.sha256(template.encode('utf-8')).hexdigest()


def next_serial(previous, today=None):
    """The next serial: YYYYMMDDnn when that is ahead, otherwise previous + 1.

    Never goes backwards; wraps only at 2**32 (RFC 1982 arithmetic is not used:
    a serial this large is left to the operator).
    """
    today = today or datetime.date.today()
    dated = int(today.strftime('%Y%m%d')) * 100
    previous = int(previous or 0)
    candidate = dated if dated > previous else previous + 1
    if candidate >= 2 ** 32:
        raise ZoneError('serial %d would pass 2**32 - 1' % candidate)
    return candidate
