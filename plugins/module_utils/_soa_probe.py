# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ask a name server for the SOA of many zones at once, without recursion, in the standard library only.

Runs on the name server itself (no dnspython there): every query goes out on one UDP socket, answers are
matched by id, and the zones that did not answer authoritatively are asked again until the deadline.
Enough DNS for that: a query, and of an answer its id, flags, rcode and the serial of an SOA record.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import select
import socket
import struct
import time

FLAG_QR = 0x8000
FLAG_AA = 0x0400
TYPE_SOA = 6
CLASS_IN = 1


def encode_name(name):
    out = b''
    for label in name.rstrip('.').split('.') if name.strip('.') else []:
        data = label.encode('ascii')
        if not 0 < len(data) < 64:
            raise ValueError('bad label in %r' % name)
        out += struct.pack('!B', len(data)) + data
    return out + b'\x00'


def soa_query(qid, zone):
    """A SOA query for ``zone`` with id ``qid`` and RD clear."""
    return struct.pack('!HHHHHH', qid, 0, 1, 0, 0, 0) + encode_name(zone) + struct.pack('!HH', TYPE_SOA, CLASS_IN)


def _skip_name(data, offset):
    while True:
        length = data[offset]
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length
        if length == 0:
            return offset


def parse_answer(data):
    """(id, authoritative, rcode, serial or None) of a response; ValueError when it cannot be read."""
    try:
        qid, flags, qdcount, ancount = struct.unpack('!HHHH', data[:8])
        if not flags & FLAG_QR:
            raise ValueError('not a response')
        offset = 12
        for _i in range(qdcount):
            offset = _skip_name(data, offset) + 4
        serial = None
        for _i in range(ancount):
            offset = _skip_name(data, offset)
            rtype, _rclass, _ttl, rdlength = struct.unpack('!HHIH', data[offset:offset + 10])
            offset += 10
            if rtype == TYPE_SOA and serial is None:
                rdata = _skip_name(data, _skip_name(data, offset))
                serial = struct.unpack('!I', data[rdata:rdata + 4])[0]
            offset += rdlength
        return qid, bool(flags & FLAG_AA), flags & 0x000F, serial
    except (struct.error, IndexError):
        raise ValueError('truncated or malformed response')


def ask_all(address, port, zones, timeout=1.0, window=100):
    """One round: ask ``address`` for the SOA of every zone, at most ``window`` questions in flight (a burst
    of thousands would overflow the server's receive buffer); {zone: (authoritative, rcode, serial)} of the
    zones that answered, each within ``timeout`` seconds."""
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        sock.connect((address, port))
        queue = list(zones)
        queue.reverse()
        in_flight = {}      # id -> (zone, sent at)
        answers = {}
        while queue or in_flight:
            while queue and len(in_flight) < window:
                zone = queue.pop()
                qid = random.randint(0, 0xFFFF)
                while qid in in_flight:
                    qid = random.randint(0, 0xFFFF)
                in_flight[qid] = (zone, time.monotonic())
                if not _send(sock, soa_query(qid, zone)):
                    # Refused (nothing listens yet): nothing will answer this round.
                    return answers
            oldest = min(sent for _zone, sent in in_flight.values())
            _receive(sock, in_flight, answers, oldest + timeout - time.monotonic())
            now = time.monotonic()
            for qid in [q for q, (_zone, sent) in in_flight.items() if now - sent >= timeout]:
                del in_flight[qid]
        return answers
    finally:
        sock.close()


def _send(sock, data):
    for _attempt in range(100):
        try:
            sock.send(data)
            return True
        except (BlockingIOError, InterruptedError):
            select.select([], [sock], [], 0.01)
        except OSError:
            return False
    return False


def _receive(sock, in_flight, answers, wait):
    """Read the answers there are, waiting up to ``wait`` seconds for the first."""
    while True:
        readable, _w, _x = select.select([sock], [], [], max(wait, 0))
        if not readable:
            return
        try:
            data = sock.recv(65535)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            # ICMP port unreachable: nothing listens (yet).
            return
        try:
            qid, authoritative, rcode, serial = parse_answer(data)
        except ValueError:
            continue
        entry = in_flight.pop(qid, None)
        if entry is not None:
            answers[entry[0]] = (authoritative, rcode, serial)
        wait = 0


def wait_until_served(address, port, zones, minimum_serials=None, timeout=300, interval=0.5, clock=time.monotonic,
                      sleep=time.sleep, ask=ask_all):
    """Ask until every zone answers authoritatively (NOERROR, AA, an SOA serial at least its minimum, when one
    is given) or ``timeout`` seconds have passed. Returns (seconds taken, {zone: why it is not served yet})."""
    minimum_serials = minimum_serials or {}
    start = clock()
    waiting = dict((zone, 'no answer') for zone in zones)
    while True:
        for zone, (authoritative, rcode, serial) in ask(address, port, sorted(waiting)).items():
            minimum = minimum_serials.get(zone)
            if rcode != 0:
                waiting[zone] = 'rcode %d' % rcode
            elif not authoritative or serial is None:
                waiting[zone] = 'not authoritative'
            elif minimum is not None and _serial_lt(serial, minimum):
                waiting[zone] = 'serial %d, not yet %d' % (serial, minimum)
            else:
                del waiting[zone]
        elapsed = clock() - start
        if not waiting or elapsed >= timeout:
            return elapsed, waiting
        sleep(interval)


def _serial_lt(a, b):
    """RFC 1982: serial a is older than b."""
    return a != b and ((a < b and b - a < 2 ** 31) or (a > b and a - b > 2 ** 31))
