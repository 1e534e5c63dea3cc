# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted DNS server on loopback answering SOA queries, for the tests of the SOA prober and of
server_service (which waits with it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rrset


def reply(query_wire, authoritative=True, rcode=dns.rcode.NOERROR, serial=7):
    """The answer to a SOA query: with AA and the SOA of ``serial`` unless told otherwise."""
    query = dns.message.from_wire(query_wire)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    if authoritative:
        response.flags |= dns.flags.AA
    if rcode == dns.rcode.NOERROR and serial is not None:
        name = query.question[0].name
        response.answer.append(dns.rrset.from_text(name, 3600, 'IN', 'SOA', 'ns1.%s hostmaster.%s %d 1 2 3 4' % (name, name, serial)))
    return response.to_wire()


class SoaResponder(object):
    """A UDP server on 127.0.0.1 (``port``) that asks ``answer(zone)`` what to do with each query: 'serve'
    (AA, serial 7), 'refuse' (REFUSED, no AA) or None (no answer). ``seen``: the zones asked, in order."""

    def __init__(self, answer):
        self.answer = answer
        self.seen = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.1)
        self.running = True
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            zone = dns.message.from_wire(data).question[0].name.to_text(omit_final_dot=True)
            self.seen.append(zone)
            action = self.answer(zone)
            if action == 'serve':
                self.sock.sendto(reply(data), peer)
            elif action == 'refuse':
                self.sock.sendto(reply(data, authoritative=False, rcode=dns.rcode.REFUSED), peer)

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()
