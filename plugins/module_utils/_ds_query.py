# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the DS plan (``_ds_plan``) needs from the DNS: each server's DNSKEY RRset with the key tags that sign it
validly now, its CDS and CDNSKEY records, and the DS the parent zone's servers publish. dnspython through
``_dnscheck``'s transport and signature checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.dnsops.nameservers.plugins.module_utils import _dnscheck


def _answer(exchange, zone, rdtype):
    summary = _dnscheck.summarize_signed(exchange, zone, rdtype)
    if summary.get('error') is not None:
        return None, summary['error']
    if summary.get('rcode') != 'NOERROR' or not summary.get('aa'):
        return None, _dnscheck.why_not_authoritative(summary, rdtype)
    return summary, None


def key_dict(rdata):
    return {'flags': rdata.flags, 'protocol': rdata.protocol, 'algorithm': int(rdata.algorithm),
            'public_key': base64.b64encode(rdata.key).decode('ascii')}


def ds_dict(rdata):
    return {'key_tag': rdata.key_tag, 'algorithm': int(rdata.algorithm), 'digest_type': rdata.digest_type,
            'digest': rdata.digest.hex()}


class DsQuery(object):
    """Asks every address of the zones' servers, and the parent's servers, through one pool of threads."""

    def __init__(self, parent_servers=None, port=53, timeout=3.0, transport=None, resolver=None, concurrency=16,
                 now=time.time):
        self.parent_servers = parent_servers
        self.port = port
        self.transport = transport if transport is not None else _dnscheck.DnsTransport(timeout=timeout)
        self.checker = _dnscheck.Checker(parent_servers=parent_servers, timeout=timeout, transport=self.transport,
                                         resolver=resolver)
        self.concurrency = concurrency
        self.now = now

    def server(self, zone, name, address):
        label = '%s (%s)' % (name, address)
        out = {'label': label, 'error': None, 'dnskeys': [], 'signed_by': [], 'cds': [], 'cdnskey': [],
               'delete': False}
        keys, error = _answer(self.transport.query(zone, 'DNSKEY', address, self.port, dnssec=True), zone, 'DNSKEY')
        if error:
            out['error'] = error
            return out
        if keys['rrset'] is not None:
            rrset = keys['rrset']
            out['dnskeys'] = [key_dict(rd) for rd in rrset]
            now = self.now()
            out['signed_by'] = sorted(set(sig.key_tag for sig in keys['rrsigs']
                                          if _dnscheck.check_rrsig(rrset, sig, rrset, zone, now) == 'valid'))
        for rdtype, field in (('CDS', 'cds'), ('CDNSKEY', 'cdnskey')):
            found, error = _answer(self.transport.query(zone, rdtype, address, self.port), zone, rdtype)
            if error:
                out['error'] = error
                return out
            for rd in found['rrset'] or []:
                if int(rd.algorithm) == 0:
                    out['delete'] = True      # RFC 8078 4: CDS 0 0 0 00 / CDNSKEY 0 3 0 AA==
                else:
                    out[field].append(ds_dict(rd) if field == 'cds' else key_dict(rd))
        return out

    def parent(self, zone, parents):
        """The DS the parent's servers publish -> list, or None when they disagree or one did not answer."""
        sets = []
        for address, port in parents:
            found, error = _answer(self.transport.query(zone, 'DS', address, port, dnssec=True), zone, 'DS')
            if error:
                return None
            sets.append(frozenset(tuple(sorted(ds_dict(rd).items())) for rd in found['rrset'] or []))
        if not sets or len(set(sets)) > 1:
            return None
        return [dict(item) for item in sorted(sets[0])]

    def ask(self, zones):
        """``zones``: [(zone, [{name, addresses}])] -> zone -> {servers, parent, signed}."""
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            parents = self.checker.parents_for(pool, [zone for zone, _servers in zones])
            jobs = [(zone, s['name'], a) for zone, servers in zones for s in servers for a in s['addresses']]
            answers = list(pool.map(lambda job: (job[0], self.server(*job)), jobs))
            ds = list(pool.map(lambda item: (item[0], self.parent(item[0], parents[item[0]][0])), zones))
        out = dict((zone, {'servers': [], 'parent': None, 'signed': False}) for zone, _servers in zones)
        for zone, answer in answers:
            out[zone]['servers'].append(answer)
            out[zone]['signed'] = out[zone]['signed'] or bool(answer['dnskeys']) or answer['delete']
        for zone, published in ds:
            out[zone]['parent'] = published
        return out
