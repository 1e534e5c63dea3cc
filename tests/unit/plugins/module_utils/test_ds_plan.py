# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_ds_plan: which DS to add, remove, or wait for, and what to tell the signer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib

from hypothesis import given, settings, strategies as st

from ansible_collections.dnsops.nameservers.plugins.module_utils._ds_plan import (
    dnskey_of,
    ds_from_cdnskey,
    knot_submitted,
    parse_bind_status,
    parse_knot_keys,
    plan_domain,
    rollover_key,
    signer_actions,
)

ZONE = 'customer-a.com'


def key(seed, flags=257):
    return {'flags': flags, 'protocol': 3, 'algorithm': 13,
            'public_key': base64.b64encode(hashlib.sha512(seed.encode()).digest()).decode()}


def ds_of(record, digest_type=2):
    k = dnskey_of(record)
    return {'key_tag': k.key_tag(), 'algorithm': 13, 'digest_type': digest_type, 'digest': k.digest(ZONE, digest_type)}


def tag(record):
    return dnskey_of(record).key_tag()


OLD, NEW, ZSK = key('old'), key('new'), key('zsk', 256)


def server(label, keys=(OLD, ZSK), signers=(OLD,), cds=(OLD,), delete=False, error=None, cdnskey=()):
    return {'label': label, 'error': error, 'dnskeys': list(keys), 'signed_by': [tag(k) for k in signers],
            'cds': [ds_of(k) for k in cds], 'cdnskey': list(cdnskey), 'delete': delete}


def both(**kwargs):
    return [server('ns1', **kwargs), server('ns2', **kwargs)]


def test_signing_adds_the_cds_when_every_server_serves_the_key_signed():
    plan = plan_domain(ZONE, 'signed', both(), registrar=[], parent=[])
    assert plan['add'] == [ds_of(OLD)]
    assert plan['remove'] == [] and plan['state'] == 'signing' and not plan['settled']


def test_no_ds_while_a_secondary_lacks_the_key():
    servers = [server('ns1'), server('ns2', keys=(ZSK,), signers=(ZSK,), cds=())]
    plan = plan_domain(ZONE, 'signed', servers, registrar=[], parent=[])
    assert plan['add'] == [] and plan['wait']
    assert 'ns2' in ' '.join(plan['wait'])


def test_no_ds_for_a_key_that_does_not_sign_the_dnskey_rrset():
    plan = plan_domain(ZONE, 'signed', both(signers=(ZSK,)), registrar=[], parent=[])
    assert plan['add'] == [] and any('no valid, current RRSIG' in w for w in plan['wait'])


def test_waits_for_the_signer_cds_and_for_agreeing_servers():
    plan = plan_domain(ZONE, 'signed', both(cds=()), registrar=[], parent=[])
    assert plan['add'] == [] and any('no CDS' in w for w in plan['wait'])
    servers = [server('ns1'), server('ns2', keys=(OLD, NEW, ZSK), cds=(NEW,))]
    plan = plan_domain(ZONE, 'signed', servers, registrar=[], parent=[])
    assert plan['add'] == [] and plan['target'] is None and any('same CDS' in w for w in plan['wait'])


def test_a_server_that_does_not_answer_blocks_every_write_but_a_removal_for_unsigning():
    servers = [server('ns1'), server('ns2', error='timeout')]
    plan = plan_domain(ZONE, 'signed', servers, registrar=[], parent=[])
    assert plan['add'] == [] and plan['remove'] == []
    plan = plan_domain(ZONE, 'unsigned', servers, registrar=[ds_of(OLD)], parent=[ds_of(OLD)])
    assert plan['remove'] == [ds_of(OLD)]


def test_secure_and_settled_second_run():
    plan = plan_domain(ZONE, 'signed', both(), registrar=[ds_of(OLD)], parent=[ds_of(OLD)])
    assert plan['settled'] and plan['state'] == 'secure' and not plan['add'] and not plan['remove']


def test_waits_for_the_parent_to_publish_what_the_registrar_has():
    plan = plan_domain(ZONE, 'signed', both(), registrar=[ds_of(OLD)], parent=[])
    assert not plan['settled'] and any('registry to publish' in w for w in plan['wait'])


def test_rollover_adds_the_new_ds_first_then_removes_the_old_once_the_parent_has_the_new():
    rolling = dict(keys=(OLD, NEW, ZSK), signers=(OLD, NEW), cds=(NEW,))
    plan = plan_domain(ZONE, 'signed', both(**rolling), registrar=[ds_of(OLD)], parent=[ds_of(OLD)])
    assert plan['add'] == [ds_of(NEW)] and plan['remove'] == [] and plan['state'] == 'rollover'
    plan = plan_domain(ZONE, 'signed', both(**rolling), registrar=[ds_of(OLD), ds_of(NEW)], parent=[ds_of(OLD)])
    assert plan['remove'] == [] and any('add before remove' in w for w in plan['wait'])
    plan = plan_domain(ZONE, 'signed', both(**rolling), registrar=[ds_of(OLD), ds_of(NEW)],
                       parent=[ds_of(OLD), ds_of(NEW)])
    assert plan['remove'] == [ds_of(OLD)] and plan['add'] == []


def test_the_old_ds_stays_while_the_wanted_key_does_not_sign_the_dnskey_rrset():
    """Found by the property test below: the CDS names a key that is served but does not sign the DNSKEY RRset
    yet; the parent publishes both DS. Removing the old DS would leave only one that validates nowhere."""
    premature = dict(keys=(OLD, NEW, ZSK), signers=(OLD,), cds=(NEW,))
    plan = plan_domain(ZONE, 'signed', both(**premature), registrar=[ds_of(OLD), ds_of(NEW)],
                       parent=[ds_of(OLD), ds_of(NEW)])
    assert plan['remove'] == [] and plan['add'] == [] and not plan['settled']
    assert any('signs the DNSKEY RRset on every server' in w and 'ns1' in w for w in plan['wait']), plan['wait']


def test_unsigning_removes_every_ds_first():
    plan = plan_domain(ZONE, 'unsigned', both(), registrar=[ds_of(OLD)], parent=[ds_of(OLD)])
    assert plan['remove'] == [ds_of(OLD)] and plan['state'] == 'unsigning'
    plan = plan_domain(ZONE, 'signed', both(cds=(), delete=True), registrar=[ds_of(OLD)], parent=[ds_of(OLD)])
    assert plan['remove'] == [ds_of(OLD)] and plan['target'] == []
    plan = plan_domain(ZONE, 'unsigned', both(cds=(), delete=True), registrar=[], parent=[ds_of(OLD)])
    assert not plan['settled'] and plan['remove'] == []
    plan = plan_domain(ZONE, 'unsigned', both(cds=(), delete=True), registrar=[], parent=[])
    assert plan['settled'] and plan['state'] == 'insecure'


def test_a_ds_naming_no_key_is_removed():
    plan = plan_domain(ZONE, 'signed', both(), registrar=[ds_of(OLD), ds_of(NEW)], parent=[ds_of(OLD), ds_of(NEW)])
    assert plan['remove'] == [ds_of(NEW)]


def test_cdnskey_alone_gives_the_sha256_ds():
    servers = both(cds=(), cdnskey=(OLD,))
    assert ds_from_cdnskey(ZONE, [OLD]) == frozenset([tuple(ds_of(OLD).values())])
    assert plan_domain(ZONE, 'signed', servers, registrar=[], parent=[])['add'] == [ds_of(OLD)]


def test_sha1_cds_is_never_published():
    servers = [dict(s, cds=[ds_of(OLD, 1)]) for s in both()]
    plan = plan_domain(ZONE, 'signed', servers, registrar=[], parent=[])
    assert plan['add'] == [] and any('SHA-256' in w for w in plan['wait'])


def test_manual_registrar_says_what_to_set():
    plan = plan_domain(ZONE, 'signed', both(), registrar=None, parent=[], manual='no API')
    assert plan['state'] == 'manual' and plan['add'] == []
    assert '%s. IN DS %d 13 2 %s' % (ZONE, tag(OLD), ds_of(OLD)['digest']) in plan['manual']


def test_registrar_not_read_waits():
    plan = plan_domain(ZONE, 'signed', both(), registrar=None, parent=[])
    assert plan['state'] == 'waiting' and not plan['add']


# -- no outage, whatever the servers show ------------------------------------------------------------------------

KEYS = [OLD, NEW, key('third')]


@st.composite
def situations(draw):
    def subset():
        return [k for k in KEYS if draw(st.booleans())]
    servers = []
    for index in range(draw(st.integers(1, 3))):
        keys = subset()
        servers.append(server('ns%d' % index, keys=keys, signers=[k for k in keys if draw(st.booleans())],
                              cds=draw(st.sampled_from([subset(), []])), delete=draw(st.booleans())))
    if draw(st.booleans()):       # usually the servers agree
        servers = [dict(servers[0], label='ns%d' % i) for i in range(len(servers))]
    registrar = [ds_of(k) for k in subset()]
    parent = draw(st.sampled_from([registrar, [ds_of(k) for k in subset()]]))
    return draw(st.sampled_from(['signed', 'unsigned'])), servers, registrar, parent


def works_everywhere(ds, servers):
    return all(any(ds_of(k) == ds for k in s['dnskeys']) and tag_of(ds) in s['signed_by'] for s in servers)


def tag_of(ds):
    return ds['key_tag']


@settings(max_examples=300, deadline=None)
@given(situations())
def test_never_a_ds_pointing_at_nothing_and_never_the_last_working_ds_removed_while_signed(situation):
    wanted, servers, registrar, parent = situation
    plan = plan_domain(ZONE, wanted, servers, registrar=registrar, parent=parent)
    for ds in plan['add']:
        assert works_everywhere(ds, servers)
    assert not [ds for ds in plan['remove'] if ds in plan['add']]
    after = [ds for ds in registrar + plan['add'] if ds not in plan['remove']]
    working_before = [ds for ds in registrar if works_everywhere(ds, servers)]
    going_insecure = wanted == 'unsigned' or any(s['delete'] for s in servers)
    if working_before and not going_insecure:
        assert [ds for ds in after if works_everywhere(ds, servers)]
    for ds in after:      # what stays points at a key some server has
        assert any(ds_of(k) == ds for s in servers for k in s['dnskeys'])


# -- the signers ---------------------------------------------------------------------------------------------

BIND_STATUS = """dnssec-policy: lab
current time:  Wed Dec  2 20:00:00 2026

key: 2371 (ECDSAP256SHA256), KSK
  published:      yes - since Wed Dec  2 19:50:00 2026
  key signing:    yes - since Wed Dec  2 19:50:00 2026

  No rollover scheduled
  - goal:           omnipresent
  - dnskey:         omnipresent
  - ds:             hidden
  - key rrsig:      omnipresent

key: 555 (ECDSAP256SHA256), ZSK
  published:      yes - since Wed Dec  2 19:50:00 2026
  zone signing:   yes - since Wed Dec  2 19:50:00 2026

  No rollover scheduled
  - goal:           omnipresent
  - dnskey:         omnipresent
  - zone rrsig:     omnipresent

key: 4000 (ECDSAP256SHA256), CSK
  published:      yes - since Wed Dec  2 19:00:00 2026
  key signing:    yes - since Wed Dec  2 19:00:00 2026

  Key is retired, will be removed on Wed Dec  2 21:00:00 2026
  - goal:           hidden
  - dnskey:         omnipresent
  - ds:             omnipresent
"""


def test_parse_bind_status_keeps_the_key_signing_keys():
    assert parse_bind_status(BIND_STATUS) == [
        {'key_tag': 2371, 'algorithm': 13, 'role': 'KSK', 'goal': 'omnipresent', 'ds': 'hidden'},
        {'key_tag': 4000, 'algorithm': 13, 'role': 'CSK', 'goal': 'hidden', 'ds': 'omnipresent'},
    ]


def test_signer_told_published_and_withdrawn_once():
    keys = parse_bind_status(BIND_STATUS)
    parent = [{'key_tag': 2371, 'algorithm': 13}]
    assert signer_actions(parent, keys) == [(2371, 'published'), (4000, 'withdrawn')]
    assert signer_actions([{'key_tag': 4000, 'algorithm': 13}], keys) == []
    assert signer_actions(None, keys) == []
    told = [dict(k, ds='rumoured' if k['key_tag'] == 2371 else 'unretentive') for k in keys]
    assert signer_actions(parent, told) == []


def test_knot_submitted_only_for_a_ready_ksk_whose_ds_the_parent_publishes():
    text = ('a1 ksk=yes zsk=no tag=2371 algorithm=13 size=256 public-only=no ready=1700000000 active=0\n'
            'b2 ksk=no zsk=yes tag=555 algorithm=13 size=256 public-only=no ready=0 active=1700000000\n')
    keys = parse_knot_keys(text)
    assert knot_submitted([{'key_tag': 2371, 'algorithm': 13}], keys)
    assert not knot_submitted([{'key_tag': 555, 'algorithm': 13}], keys)
    assert not knot_submitted(None, keys)


def test_rollover_key_only_when_the_current_ds_is_in_place_and_no_successor():
    current = {'key_tag': 1, 'algorithm': 13, 'goal': 'omnipresent', 'ds': 'omnipresent'}
    assert rollover_key([current]) == current
    assert rollover_key([dict(current, ds='rumoured')]) is None
    assert rollover_key([current, {'key_tag': 2, 'algorithm': 13, 'goal': 'omnipresent', 'ds': 'hidden'}]) is None
    assert rollover_key([dict(current, goal='hidden')]) is None


def test_withdrawn_once_by_the_state_file():
    leaving = {'key_tag': 4000, 'algorithm': 13, 'goal': 'hidden', 'ds': 'omnipresent'}
    assert signer_actions([], [dict(leaving, ds_removed=False)]) == [(4000, 'withdrawn')]
    assert signer_actions([], [dict(leaving, ds_removed=True)]) == []
    new = {'key_tag': 5, 'algorithm': 13, 'goal': 'omnipresent', 'ds': 'rumoured'}
    parent = [{'key_tag': 5, 'algorithm': 13}]
    assert signer_actions(parent, [dict(new, ds_published=False)]) == [(5, 'published')]
    assert signer_actions(parent, [dict(new, ds_published=True)]) == []
    assert signer_actions(parent, [new]) == []      # unknown: a rumoured DS may have been told already
