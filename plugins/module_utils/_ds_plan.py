# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The DS plan of the deploy playbook: which DS records to add at the registrar, which to remove, or why
to wait, for each domain whose zone is signed or going unsigned. Pure code: no DNS, no Ansible.

``plan_domain(name, wanted, servers, registrar, parent, manual)`` takes, for one domain:

- ``wanted``: ``signed`` (the inventory signs the zone) or ``unsigned`` (``dnssec: false``);
- ``servers``: what every published name server of the zone serves, each
  ``{label, error, dnskeys, signed_by, cds, cdnskey, delete}``: ``error`` (text) when it gave no authoritative
  answer; ``dnskeys`` the DNSKEY RRset ([{flags, protocol, algorithm, public_key}]); ``signed_by`` the key tags
  whose RRSIG over that RRset validates and is inside its validity period now; ``cds`` the CDS records
  ([{key_tag, algorithm, digest_type, digest}]); ``cdnskey`` the CDNSKEY records; ``delete`` the CDS or
  CDNSKEY DELETE record (algorithm 0, RFC 8078 4) is published;
- ``registrar``: the DS records the registrar has (``domain_ds_info``), or None when it cannot be read;
- ``parent``: the DS records the parent zone's servers publish now (None: unknown);
- ``manual``: the registrar takes no DS through an API (or no account holds the domain): the plan says what
  to set by hand and writes nothing.

The rules (issue 12, docs/recipes.md):

1. The DS set wanted is the signer's: the CDS records (else DS computed from the CDNSKEY records), the same on
   every server; a CDS DELETE or ``dnssec: false`` wants no DS.
2. A DS is added only when every server serves a DNSKEY it matches (key tag, algorithm, digest) and that key
   signs the DNSKEY RRset validly now: never a DS that points at nothing.
3. Add before remove: a DS the signer no longer wants is removed once the parent publishes every DS wanted
   (during a KSK rollover, the new one) and one of them validates on every server (rule 2's test), so the last
   working DS never goes while the zone is signed. Going unsigned removes every DS at once (the zone is still
   signed).
4. A DS that matches no key on any server (every server answered) makes the zone bogus: it is removed.
5. Otherwise the plan waits, saying why; ``settled`` is true when registrar, parent and signer agree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dnsops.nameservers.plugins.module_utils._dnssec import (
    PUBLISH_DIGEST_TYPES,
    Dnskey,
    decode_public_key,
    ds_text,
)

WANTED = ('signed', 'unsigned')


def ds_key(ds):
    """A DS as a comparable tuple (digest lower case, no spaces)."""
    return (int(ds['key_tag']), int(ds['algorithm']), int(ds['digest_type']), ''.join(str(ds['digest']).split()).lower())


def ds_dict(key):
    return {'key_tag': key[0], 'algorithm': key[1], 'digest_type': key[2], 'digest': key[3]}


def _ds_set(records):
    return frozenset(ds_key(ds) for ds in records or [])


def _texts(keys):
    return ', '.join(ds_text(*key[:3] + (key[3][:8] + '...',)) for key in sorted(keys)) or 'none'


def dnskey_of(record):
    """A Dnskey from ``{flags, protocol, algorithm, public_key}`` (base64)."""
    return Dnskey(int(record['flags']), int(record.get('protocol', 3)), int(record['algorithm']),
                  decode_public_key(record['public_key'], 'public_key'))


def ds_from_cdnskey(owner, records, digest_type=2):
    """The DS of each CDNSKEY (RFC 8078 3: the parent computes the DS from it), SHA-256 by default."""
    out = set()
    for record in records:
        key = dnskey_of(record)
        out.add((key.key_tag(), key.algorithm, digest_type, key.digest(owner, digest_type)))
    return frozenset(out)


def key_for_ds(owner, ds, dnskeys):
    """The Dnskey of ``dnskeys`` (Dnskey objects) that ``ds`` (a key tuple) names, or None."""
    for key in dnskeys:
        if key.key_tag() == ds[0] and key.algorithm == ds[1] and key.digest(owner, ds[2]) == ds[3]:
            return key
    return None


class ServerView(object):
    """One server's answers, parsed."""

    def __init__(self, owner, data):
        self.label = data.get('label') or '?'
        self.error = data.get('error')
        self.dnskeys = [dnskey_of(k) for k in data.get('dnskeys') or []]
        self.signed_by = set(int(t) for t in data.get('signed_by') or [])
        self.delete = bool(data.get('delete'))
        cds = [c for c in data.get('cds') or [] if int(c['algorithm']) != 0]
        cdnskey = [c for c in data.get('cdnskey') or [] if int(c['algorithm']) != 0]
        self.cds = _ds_set(cds) if cds else ds_from_cdnskey(owner, cdnskey) if cdnskey else frozenset()
        self.signed = bool(self.dnskeys) and bool(self.signed_by)

    def serves_ds(self, owner, ds):
        """Why this server cannot take ``ds`` yet, or None: it serves the key and the key signs the DNSKEY RRset."""
        key = key_for_ds(owner, ds, self.dnskeys)
        if key is None:
            return '%s serves no DNSKEY matching DS %s' % (self.label, _texts([ds]))
        if key.key_tag() not in self.signed_by:
            return ('%s serves the DNSKEY of key tag %d but its DNSKEY RRset has no valid, current RRSIG by that key'
                    % (self.label, ds[0]))
        return None


def plan_domain(name, wanted, servers, registrar, parent=None, manual=None):
    """The plan for one domain (see the module docstring) -> a dict:
    ``name``, ``wanted``, ``state`` (secure, insecure, signing, unsigning, rollover, manual, waiting),
    ``add``/``remove`` (DS dicts to write now), ``target`` (the DS set the signer wants), ``registrar``,
    ``parent``, ``wait`` (reasons, [] when none), ``settled`` and ``manual`` (what to set by hand, or None)."""
    if wanted not in WANTED:
        raise ValueError('wanted must be signed or unsigned, not %r' % (wanted,))
    views = [ServerView(name, s) for s in servers]
    waits = []
    out = {'name': name, 'wanted': wanted, 'add': [], 'remove': [], 'wait': waits, 'manual': None,
           'registrar': None if registrar is None else [ds_dict(k) for k in sorted(_ds_set(registrar))],
           'parent': None if parent is None else [ds_dict(k) for k in sorted(_ds_set(parent))],
           'signed_on': sorted(v.label for v in views if v.signed)}
    failed = [v for v in views if v.error]
    for view in failed:
        waits.append('%s did not answer: %s' % (view.label, view.error))
    if not views:
        waits.append('no published name server serves the zone')

    target, target_known = _target(name, wanted, views, failed, waits)
    out['target'] = [ds_dict(k) for k in sorted(target)] if target_known else None
    have = _ds_set(registrar) if registrar is not None else None
    published = _ds_set(parent) if parent is not None else None

    if manual is not None:
        out['manual'] = _manual_text(name, manual, target, target_known)
        out['state'] = 'manual'
        out['settled'] = True
        return out
    if have is None:
        waits.append('the DS records at the registrar could not be read')
        out['state'] = 'waiting'
        out['settled'] = False
        return out

    adds, removes = set(), set()
    if target_known:
        # Rule 2's test for each DS wanted: why some server cannot take it yet ([] when every server can).
        why_not = dict((ds, [r for r in (v.serves_ds(name, ds) for v in views) if r]) for ds in target)
        for ds in sorted(target - have):
            if why_not[ds]:
                waits.append('DS %s is not added yet: %s' % (_texts([ds]), '; '.join(why_not[ds])))
            else:
                adds.add(ds)
        pending_adds = (target - have) - adds
        extra = have - target
        if extra and not target:
            removes |= extra          # going unsigned: the zone is still signed, removing its DS is safe
        elif extra and not adds and not pending_adds:
            # The DS left after the removal must validate: its key signs the DNSKEY RRset on every server.
            if all(why_not[ds] for ds in target):
                waits.append('DS %s stays until a key of %s signs the DNSKEY RRset on every server (%s)'
                             % (_texts(extra), _texts(target), '; '.join(r for ds in sorted(target) for r in why_not[ds])))
            elif published is not None and target <= published:
                removes |= extra
            else:
                waits.append('DS %s stays until the parent publishes %s (add before remove)'
                             % (_texts(extra), _texts(target - (published or frozenset()))))
    if not failed and views:
        # A DS that names no key on any server makes the zone bogus: never keep one.
        dangling = set(ds for ds in have if all(key_for_ds(name, ds, v.dnskeys) is None for v in views))
        removes |= dangling
    out['add'] = [ds_dict(k) for k in sorted(adds)]
    out['remove'] = [ds_dict(k) for k in sorted(removes - adds)]
    if published is not None and not adds and not removes and published != have:
        waits.append('the parent publishes %s, the registrar has %s: waiting for the registry to publish'
                     % (_texts(published), _texts(have)))
    out['settled'] = not out['add'] and not out['remove'] and not waits and published == have
    out['state'] = _state(wanted, target, have, out)
    return out


def _target(name, wanted, views, failed, waits):
    """The DS set the signer wants -> (set, known)."""
    if wanted == 'unsigned' or any(v.delete for v in views):
        return frozenset(), True
    if failed or not views:
        return frozenset(), False
    unsigned = [v.label for v in views if not v.signed]
    if unsigned:
        waits.append('the zone is not served signed (DNSKEY with a valid RRSIG) by %s yet' % ', '.join(unsigned))
    sets = set(v.cds for v in views)
    if len(sets) > 1:
        waits.append('the servers do not publish the same CDS/CDNSKEY records yet (%s)'
                     % '; '.join('%s: %s' % (v.label, _texts(v.cds)) for v in views))
        return frozenset(), False
    cds = sets.pop()
    if not cds:
        waits.append('the signer publishes no CDS/CDNSKEY yet (it does once the new key is in the zone on every '
                     'server and its hold-down has passed)')
        return frozenset(), False
    usable = frozenset(ds for ds in cds if ds[2] in PUBLISH_DIGEST_TYPES)
    if not usable:
        waits.append('the CDS records use no digest type a DS may be published with (SHA-256 or SHA-384)')
        return frozenset(), False
    return usable, True


def _manual_text(name, why, target, known):
    if not known:
        return '%s: %s; the DS to set there is not known yet (see the reasons to wait)' % (name, why)
    if not target:
        return '%s: %s; remove every DS of %s there before the zone goes unsigned' % (name, why, name)
    return '%s: %s; set these DS records there: %s' % (
        name, why, '; '.join('%s. IN DS %s' % (name, ds_text(*k)) for k in sorted(target)))


def _state(wanted, target, have, out):
    if out['add'] and have:
        return 'rollover'
    if out['add']:
        return 'signing'
    if out['remove'] and not target:
        return 'unsigning'
    if out['remove']:
        return 'rollover'
    if out['wait']:
        return 'waiting'
    if wanted == 'unsigned' or not target:
        return 'insecure'
    return 'secure'


def signer_actions(parent, keys):
    """What to tell a signer (BIND's ``rndc dnssec -checkds``) about its key-signing keys, from the DS the parent
    publishes (``parent``: DS dicts, or None when unknown) and the keys' states (``keys``: [{key_tag, algorithm,
    goal, ds, ds_published, ds_removed}]: the states ``rndc dnssec -status`` prints - hidden, rumoured, omnipresent,
    unretentive - and whether the key's state file records that BIND was told, its DSPublish and DSRemoved times;
    None when unknown) -> [(key_tag, 'published' | 'withdrawn')].

    Published: a key that wants its DS (goal omnipresent), whose DS BIND does not count as there yet and was not
    told of, once the parent publishes a DS of its key tag and algorithm (BIND moves the DS state to rumoured as
    soon as it publishes the CDS, so without the state file only a hidden DS counts as not told). Withdrawn: a key
    leaving (goal hidden) whose DS BIND thinks still there and was not told gone, once the parent publishes none for
    it. Each is said once: telling again would restart BIND's wait for the DS TTL.
    """
    if parent is None:
        return []
    at_parent = set((int(d['key_tag']), int(d['algorithm'])) for d in parent)
    out = []
    for key in keys:
        ident = (int(key['key_tag']), int(key['algorithm']))
        told_published = key.get('ds_published')
        told_removed = key.get('ds_removed')
        if key.get('goal') == 'omnipresent' and ident in at_parent:
            if (key.get('ds') == 'hidden' and not told_published) or (
                    key.get('ds') == 'rumoured' and told_published is False):
                out.append((ident[0], 'published'))
        elif key.get('goal') == 'hidden' and ident not in at_parent and not told_removed:
            if key.get('ds') in ('rumoured', 'omnipresent'):
                out.append((ident[0], 'withdrawn'))
    return out


def parse_bind_key_state(text):
    """A K*.state file -> (DSPublish recorded, DSRemoved recorded)."""
    fields = set(line.split(':', 1)[0].strip() for line in text.splitlines() if ':' in line)
    return 'DSPublish' in fields, 'DSRemoved' in fields


def bind_key_directory(config):
    """The key-directory of ``named-checkconf -p``'s output, or None."""
    for line in config.splitlines():
        words = line.strip().rstrip(';').split(None, 1)
        if len(words) == 2 and words[0] == 'key-directory':
            return words[1].strip().strip('"')
    return None


def rollover_key(keys):
    """The key-signing key to roll (``rndc dnssec -rollover -key ID``), or None: the one key that wants its DS and
    whose DS the parent publishes (ds omnipresent), when no successor is on its way (another key with goal
    omnipresent) - so asking again during a rollover starts no second one."""
    wanted = [k for k in keys if k.get('goal') == 'omnipresent']
    if len(wanted) != 1 or wanted[0].get('ds') != 'omnipresent':
        return None
    return wanted[0]


def parse_bind_status(text):
    """``rndc dnssec -status ZONE``'s output -> [{key_tag, algorithm (number or None), role, goal, ds}] for the
    key-signing keys (KSK and CSK)."""
    keys, current = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('key:'):
            current = None
            # key: 12345 (ECDSAP256SHA256), KSK
            head, _sep, role = line[4:].partition(',')
            parts = head.split()
            if not parts or not parts[0].isdigit():
                continue
            role = role.strip().upper()
            if role in ('KSK', 'CSK'):
                current = {'key_tag': int(parts[0]), 'algorithm': _algorithm_number(head), 'role': role,
                           'goal': None, 'ds': None}
                keys.append(current)
        elif current is not None and line.startswith('- '):
            field, _sep, value = line[2:].partition(':')
            if field.strip() in ('goal', 'ds'):
                current[field.strip()] = value.strip()
    return keys


_ALGORITHM_BY_NAME = {'RSASHA256': 8, 'RSASHA512': 10, 'ECDSAP256SHA256': 13, 'ECDSAP384SHA384': 14, 'ED25519': 15,
                      'ED448': 16, 'RSASHA1': 5, 'NSEC3RSASHA1': 7}


def _algorithm_number(head):
    if '(' not in head:
        return None
    name = head.split('(', 1)[1].split(')', 1)[0].strip().upper()
    if name.isdigit():
        return int(name)
    return _ALGORITHM_BY_NAME.get(name)


def parse_knot_keys(text):
    """``keymgr ZONE list`` (Knot) -> [{key_tag, algorithm, ksk, ready, active}] (timestamps, 0 when unset)."""
    keys = []
    for line in text.splitlines():
        fields = dict(part.split('=', 1) for part in line.split() if '=' in part)
        if 'tag' not in fields:
            continue
        try:
            keys.append({'key_tag': int(fields['tag']), 'algorithm': int(fields.get('algorithm', 0)),
                         'ksk': fields.get('ksk') == 'yes', 'ready': int(fields.get('ready', 0)),
                         'active': int(fields.get('active', 0))})
        except ValueError:
            continue
    return keys


def knot_submitted(parent, keys):
    """Whether to run ``knotc zone-ksk-submitted``: a KSK waits in the ready state (ready, not yet active) and the
    parent publishes a DS of its key tag and algorithm."""
    if parent is None:
        return False
    at_parent = set((int(d['key_tag']), int(d['algorithm'])) for d in parent)
    return any(k['ksk'] and k['ready'] and not k['active'] and (k['key_tag'], k['algorithm']) in at_parent
               for k in keys)
