# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SOA prober the role waits with: its wire format against dnspython, and a scripted server on loopback."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import dns.flags
import dns.message
import dns.rcode
import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._soa_probe import (
    ask_all,
    parse_answer,
    soa_query,
    wait_until_served,
)
from ansible_collections.dnsops.nameservers.tests.unit.plugins.soa_responder import SoaResponder, reply


def test_the_query_is_a_soa_question_without_recursion():
    query = dns.message.from_wire(soa_query(4711, 'Example.com.'))
    assert query.id == 4711 and not query.flags & dns.flags.RD
    assert query.question[0].to_text() == 'Example.com. IN SOA'
    assert dns.message.from_wire(soa_query(1, 'xn--bcher-kva.example')).question[0].name.to_text() == 'xn--bcher-kva.example.'


def test_an_answer_gives_its_id_authority_rcode_and_serial_through_compressed_names():
    wire = reply(soa_query(99, 'example.com'), serial=2026120201)
    assert parse_answer(wire) == (99, True, 0, 2026120201)
    assert parse_answer(reply(soa_query(5, 'a.test'), authoritative=False)) == (5, False, 0, 7)
    assert parse_answer(reply(soa_query(6, 'a.test'), authoritative=False, rcode=dns.rcode.REFUSED)) == (6, False, 5, None)
    with pytest.raises(ValueError):
        parse_answer(wire[:30])
    with pytest.raises(ValueError):
        parse_answer(soa_query(1, 'a.test'))


def ScriptedServer(script):
    """A SoaResponder answering by zone: 'serve' (AA, serial 7), 'refuse', or 'drop-once' (then 'serve')."""
    script = dict(script)

    def answer(zone):
        action = script.get(zone, 'refuse')
        if action == 'drop-once':
            script[zone] = 'serve'
            return None
        return action
    return SoaResponder(answer)


def test_one_round_asks_a_thousand_zones_on_one_socket():
    zones = ['z%d.test' % i for i in range(1000)]
    server = ScriptedServer(dict((z, 'serve') for z in zones))
    try:
        answers = ask_all('127.0.0.1', server.port, zones, timeout=2)
    finally:
        server.stop()
    assert answers == dict((z, (True, 0, 7)) for z in zones)


def test_waiting_asks_again_until_every_zone_is_served():
    server = ScriptedServer({'a.test': 'serve', 'b.test': 'drop-once'})
    try:
        elapsed, waiting = wait_until_served('127.0.0.1', server.port, ['a.test', 'b.test'], timeout=10, interval=0.05)
    finally:
        server.stop()
    assert waiting == {} and elapsed < 10
    assert sorted(server.seen) == ['a.test', 'b.test', 'b.test']


def test_a_zone_not_served_in_time_says_why():
    rounds = iter([{'a.test': (True, 0, 5), 'b.test': (False, 0, 5), 'c.test': (False, 5, None)}] * 3)
    clock = iter([0, 1, 2, 3, 4, 5, 6])
    _elapsed, waiting = wait_until_served('192.0.2.1', 53, ['a.test', 'b.test', 'c.test', 'd.test'],
                                          minimum_serials={'a.test': 6}, timeout=3, ask=lambda *_a: next(rounds),
                                          clock=lambda: next(clock), sleep=lambda _s: None)
    assert waiting == {'a.test': 'serial 5, not yet 6', 'b.test': 'not authoritative', 'c.test': 'rcode 5',
                       'd.test': 'no answer'}


def test_serials_compare_in_serial_number_arithmetic():
    rounds = iter([{'a.test': (True, 0, 3)}])
    _elapsed, waiting = wait_until_served('192.0.2.1', 53, ['a.test'], minimum_serials={'a.test': 2 ** 32 - 2},
                                          ask=lambda *_a: next(rounds), timeout=0)
    assert waiting == {}
