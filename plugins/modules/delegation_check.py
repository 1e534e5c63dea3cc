#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: delegation_check
short_description: Prove that the delegation of zones works, from the parent and from every name server
version_added: 0.1.0
description:
  - Asks the parent zone's servers directly, without recursion, for the referral of each zone (its NS
    records and the glue in the additional section), then asks every address of every delegated name
    server for the zone's SOA and NS and requires authoritative answers (AA flag). Queries go over UDP,
    sent a second time when the first gets no answer within O(timeout) (one lost packet is not an outage),
    and are repeated over TCP when the answer is truncated. When that TCP query fails, the finding is
    C(CONNECTIVITY02) (TCP), not C(CONNECTIVITY01).
  - Compares what it saw and reports one finding per check, passing or failing, each with a level and
    the Zonemaster test case it corresponds to. C(BASIC01) the parent delegates the zone;
    C(BASIC02) every name server answers authoritatively (no lame delegation);
    C(CONNECTIVITY01) and C(CONNECTIVITY02) every name server answers over UDP and over TCP;
    C(CONSISTENCY01) one SOA serial everywhere; C(CONSISTENCY04) all name servers return the same NS set;
    C(CONSISTENCY05) the glue equals the name servers' own addresses (for names inside the zone, the A/AAAA
    records the zone's servers return; for names outside it, such as V(ns1.example.com) in the referral of
    V(customer.org), their addresses resolved as described below);
    C(DELEGATION01) at least two name servers; C(DELEGATION02) on distinct addresses;
    C(DELEGATION07) the parent's NS set equals the zone's; C(NAMESERVER01) no name server offers recursion;
    C(NAMESERVER03) no name server allows us a zone transfer (AXFR);
    C(EXPECTED01) (not a Zonemaster case) the parent publishes the names and addresses of O(expected_nameservers).
  - The DNSSEC checks decide whether the chain of trust from the parent works. The parent servers are asked
    for the zone's DS and every name server address for its DNSKEY, with the DO bit set, and the SOA and NS
    queries set it too, so their answers carry the RRSIGs.
    C(DNSSEC07) the zone is signed (DNSKEY records with an RRSIG) on every name server or on none, and when
    signed, the parent publishes a signed DS for it (a zone signed on no server is an V(info) finding, as
    an insecure delegation works);
    C(DNSSEC11) a zone with DS at the parent is signed (DS for an unsigned zone is an error, since validating
    resolvers fail every query for it);
    and only for a signed zone, C(DNSSEC01) the DS use a digest algorithm meant for DS (SHA-1 is deprecated);
    C(DNSSEC02) a DS matches a DNSKEY (key tag, algorithm, digest) that signs the DNSKEY RRset, on every name server;
    C(DNSSEC05) the DNSKEY algorithms are meant for zone signing and not deprecated;
    C(DNSSEC08) and C(DNSSEC09) the DNSKEY RRset and the SOA carry a valid RRSIG (inside its validity period,
    made by a DNSKEY of the zone, verified);
    C(DNSSEC13) every algorithm of the DNSKEY RRset signs the DNSKEY, SOA and NS RRsets;
    C(EXPECTED02) (not a Zonemaster case) the parent publishes DS as O(expected_ds) says.
  - Each DNSSEC check follows its Zonemaster specification, with its levels (ERROR is V(error), WARNING
    V(warning), NOTICE V(info)), and a check that passes says so with one V(ok) finding. The deviations are
    a zone signed on no server, V(info) rather than a warning; a DS whose digest does not match the key of
    its key tag, which counts as matching no key (so C(DNSSEC02) also says that no DS matches); and an RRSIG
    the module cannot verify (an algorithm other than RSA, ECDSA and EdDSA, or no C(cryptography)), which is
    V(info) and fails nothing. Verifying signatures needs the Python package C(cryptography) (with dnspython
    2.3 as well as later versions).
  - Name server addresses come from the glue when the parent gives it (also for out-of-bailiwick names
    whose addresses appear in the referral's additional section); otherwise, when O(parent_servers) are
    given, by asking them for the name and following their referral to the name's own servers, and
    failing that with the system resolver. Names outside the zone are resolved this way even when the
    referral carries glue for them, and that glue is compared with the result (C(CONSISTENCY05); an info
    finding when the name cannot be resolved); the zone's servers are still asked at the glue's addresses.
    With O(nameservers_from=expected) there is no parent glue and no such comparison.
  - Only the name servers the parent publishes are queried; names that only the zone's
    own NS records list are reported (C(DELEGATION07)) but not queried.
  - Recursion is probed once per server address with a recursive query for the zone's SOA; a server
    that sets the RA flag in its answer offers recursion to the host running the module.
  - All queries of all zones run through one bounded pool of threads, so a thousand zones take seconds.
  - The module only reads; it never changes anything. It typically runs on the controller
    (delegated to C(localhost)) but works on any host with dnspython.
author:
  - dnsops.nameservers maintainers (@dnsops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only sends DNS queries; check mode runs the same checks.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  zones:
    description:
      - The zones to check, for example V(example.com). Case and a trailing dot are ignored.
      - Internationalised names may be given as U-labels (V(bücher.cn)) or A-labels (V(xn--bcher-kva.cn));
        they are checked, and reported, as A-labels, the form the DNS carries. The same holds for the
        names in O(expected_nameservers). The conversion follows IDNA 2008 (with the UTS 46 mapping) when the Python
        package C(idna) is installed and IDNA 2003 otherwise, as the collection's registrar modules do.
    type: list
    elements: str
    required: true
    aliases: [zone]
  parent_servers:
    description:
      - Addresses of the parent zone's name servers to ask for the referral, each an IPv4 or IPv6
        address, optionally followed by C(@port), for example V(198.51.100.2@5353).
      - When omitted, the parent zone of each zone is found with the system resolver, and all
        addresses of all its name servers are asked.
    type: list
    elements: str
  nameservers_from:
    description:
      - Where the name servers to query come from.
      - V(parent) asks the parent zone's servers for the referral, as resolvers do.
      - V(expected) asks no parent and queries the servers of O(expected_nameservers) at their addresses,
        as if the parent published them, to prove the servers answer for the zones before any delegation
        points at them. C(BASIC01), C(DELEGATION07), C(CONSISTENCY05) and C(EXPECTED01) then compare the
        zone with O(expected_nameservers) instead of the parent's referral.
    type: str
    choices: [parent, expected]
    default: parent
  expected_ds:
    description:
      - What the parent should publish as DS records for every zone of O(zones), checked as C(EXPECTED02);
        any difference is an error, so O(wait=true) waits until the parent publishes it.
      - V(present) every parent server publishes DS for the zone, and one of them matches a DNSKEY (key tag,
        algorithm and digest) on every name server. Use it after the DS was submitted to the registrar, to wait
        until the registry publishes it. Whether that key also signs the zone is C(DNSSEC02)'s to say.
      - V(absent) no parent server publishes DS for the zone. Use it after the DS was removed at the
        registrar, to wait until the registry has withdrawn it, before the zone stops being signed.
      - When omitted, C(EXPECTED02) checks nothing. Needs O(nameservers_from=parent).
    type: str
    choices: [present, absent]
  expected_nameservers:
    description:
      - The name servers the parent should publish for every zone of O(zones); any difference
        in names, or in addresses where given, is an error (C(EXPECTED01)).
      - Addresses are compared with the glue, or for out-of-bailiwick names without glue with the
        addresses the system resolver returns.
    type: list
    elements: dict
    suboptions:
      name:
        description: The name server's name, for example V(ns1.example.com).
        type: str
        required: true
      addresses:
        description: Its IPv4 and IPv6 addresses; when empty, only the name is compared.
        type: list
        elements: str
        default: []
  port:
    description:
      - The port the zones' name servers answer on. The parent servers' port is given per server in
        O(parent_servers) and defaults to 53.
    type: int
    default: 53
  timeout:
    description:
      - Seconds to wait for one answer. A UDP query without an answer within this time is sent once
        more; a server that does not answer it either fails C(CONNECTIVITY01) (so it takes twice this
        time). A TCP query is sent once; without an answer within this time it fails C(CONNECTIVITY02).
    type: float
    default: 3
  concurrency:
    description:
      - How many queries are in flight at the same time (threads of the pool).
    type: int
    default: 32
  source_address:
    description:
      - Local address to send the queries from.
    type: str
  skip_checks:
    description:
      - Checks to leave out, by test case id. Leaving out C(NAMESERVER03) sends no AXFR query,
        C(CONNECTIVITY02) no TCP query (truncated answers still fall back to TCP),
        C(NAMESERVER01) no recursive query and C(CONSISTENCY05) no A/AAAA query. Leaving out every
        C(DNSSEC) check and C(EXPECTED02) sends no DS or DNSKEY query and no query with the DO bit.
    type: list
    elements: str
    default: []
    choices: [BASIC01, BASIC02, CONNECTIVITY01, CONNECTIVITY02, CONSISTENCY01, CONSISTENCY04, CONSISTENCY05,
              DELEGATION01, DELEGATION02, DELEGATION07, DNSSEC01, DNSSEC02, DNSSEC05, DNSSEC07, DNSSEC08, DNSSEC09,
              DNSSEC11, DNSSEC13, EXPECTED01, EXPECTED02, NAMESERVER01, NAMESERVER03]
  fail_on:
    description:
      - The task fails when a finding reaches this level. V(never) only reports.
      - The same level decides whether a zone counts as RV(zones[].ok) and what O(wait) waits for;
        with V(never), waiting continues until no warning is left.
    type: str
    choices: [error, warning, never]
    default: error
  wait:
    description:
      - Check again, with exponential backoff (2, 4, 8 ... up to 60 seconds between rounds), the zones
        that still fail, until all pass or O(wait_timeout) has passed. Use it right after a change at
        the registry or on the servers, since propagation takes time.
      - "The action plugin runs each round as its own module run and shows a line after every round that leaves
        zones failing, in ansible-playbook's and AWX's output as the wait goes on, for example
        C([localhost] delegation_check round 3 at 14s of wait_timeout=900s: 1 zone still failing: example.com:
        CONSISTENCY01; next round in 8s)."
      - The result's RV(rounds) then lists every round with the zones still failing and their failing test case ids.
      - When O(wait_timeout) passes first, RV(converged) is false, RV(not_converged) holds what still fails and,
        unless O(fail_on=never), the task fails with a message that starts with the zones that did not
        converge and their failing test ids (at most ten zones listed), followed by the first ten findings.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to keep checking when O(wait=true). The last pause is shortened so that the last round
        starts by then; the task ends after that round. Glue changes take minutes to reach the registry's
        servers, hence the generous default.
    type: int
    default: 900
notes:
  - A finding that a server offers recursion (C(NAMESERVER01)) or allows AXFR (C(NAMESERVER03)) is
    true for the host that runs the module; run it from outside the servers' own networks.
  - Queries are sent with EDNS (a 1232-byte buffer) and no other option; the DO bit is set on the SOA, NS, DNSKEY
    and DS queries while a DNSSEC check runs.
  - The RRSIGs' validity periods are compared with the clock of the host that runs the module.
  - Name servers reachable only over IPv6 fail C(CONNECTIVITY01) on hosts without IPv6 connectivity.
requirements:
  - dnspython >= 2.3
  - cryptography, to verify DNSSEC signatures (ansible-core depends on it, so it is there on the controller)
seealso:
  - module: dnsops.nameservers.domain_nameservers
  - module: dnsops.nameservers.glue_host
  - name: Zonemaster test case specifications
    description: What each test case id means, case by case.
    link: https://github.com/zonemaster/zonemaster/tree/master/docs/specifications/tests
'''

EXAMPLES = r'''
- name: Check the delegation of two zones after deploying the name servers
  dnsops.nameservers.delegation_check:
    zones:
      - example.com
      - example.net
  delegate_to: localhost

- name: Wait until the registry publishes the new glue and every server has the new serial
  dnsops.nameservers.delegation_check:
    zone: example.com
    expected_nameservers:
      - name: ns1.example.com
        addresses: [198.51.100.10, "2001:db8::10"]
      - name: ns2.example.com
        addresses: [198.51.100.20]
    wait: true
    wait_timeout: 1800
  delegate_to: localhost

- name: After submitting the DS at the registrar, wait until the parent publishes it, matching the zone's key
  dnsops.nameservers.delegation_check:
    zone: example.com
    expected_ds: present
    wait: true
    wait_timeout: 3600
  delegate_to: localhost

- name: Ask the lab's registry directly, skip the zone transfer check, only report
  dnsops.nameservers.delegation_check:
    zones: "{{ nameserver_zones | map(attribute='name') | list }}"
    parent_servers: [198.51.100.2]
    skip_checks: [NAMESERVER03]
    fail_on: never
  delegate_to: localhost
  register: delegation

- name: Show what needs fixing
  ansible.builtin.debug:
    msg: "{{ delegation.zones | map(attribute='findings') | flatten | selectattr('level', 'in', ['warning', 'error'])
             | map(attribute='message') | list }}"
'''

RETURN = r'''
zones:
  description: One report per zone, in the order of O(zones).
  returned: always
  type: list
  elements: dict
  contains:
    zone:
      description: The zone, lower case A-labels without trailing dot.
      type: str
      sample: example.com
    ok:
      description: No finding of this zone reaches the O(fail_on) level.
      type: bool
      sample: true
    parent_ns:
      description: The name servers the parent publishes (all parent servers together).
      type: list
      elements: str
      sample: [ns1.example.com, ns2.example.com]
    glue:
      description: The addresses in the referral's additional section, by name server.
      type: dict
      sample: {"ns1.example.com": ["198.51.100.10"], "ns2.example.com": ["198.51.100.20"]}
    addresses:
      description: The addresses queried for each name server, from glue or from the system resolver.
      type: dict
      sample: {"ns1.example.com": ["198.51.100.10"], "ns.provider.net": ["203.0.113.53"]}
    parent_ttl:
      description:
        - How long a resolver may keep the parent's referral, in seconds (the longest TTL of its NS records and
          glue, over all parent servers), that is how long a resolver may still use an old delegation or old glue
          after the parent changed it. Null when no parent server answered with a referral (or with
          O(nameservers_from=expected)).
      type: int
      sample: 172800
    ds:
      description:
        - The DS records the parent publishes for the zone (all parent servers together), as text
          (key tag, algorithm, digest type, digest). Empty when it publishes none or was not asked.
      type: list
      elements: str
      sample: ["12345 13 2 3490a6806d47f17a34c29e2ce80e8a999ffbe4be49a3f0c5ab2c4e1ed3f64d51"]
    child_ns:
      description: The name servers the zone's own NS records list (authoritative answers only).
      type: list
      elements: str
      sample: [ns1.example.com, ns2.example.com]
    serials:
      description: The SOA serial each server answered authoritatively, by C(name (address)).
      type: dict
      sample: {"ns1.example.com (198.51.100.10)": 2026010101, "ns2.example.com (198.51.100.20)": 2026010101}
    findings:
      description:
        - Every check's outcome. O(skip_checks) removes checks; checks whose facts could not be
          gathered (for example a zone without delegation) are left out.
        - C(level) is V(ok), V(info), V(warning) or V(error); C(server) is the server concerned, or null.
      type: list
      elements: dict
      sample:
        - {"test": "CONSISTENCY05", "level": "error", "zone": "example.com", "server": "ns2.example.com (198.51.100.20)",
           "message": "glue for ns2.example.com at the parent is 198.51.100.20, the zone's own A/AAAA records on
           ns2.example.com (198.51.100.20) say 198.51.100.21"}
        - {"test": "CONSISTENCY01", "level": "ok", "zone": "example.com", "server": null,
           "message": "SOA serial 2026010101 on every name server"}
failed_checks:
  description: How many findings reach the O(fail_on) level (warnings and errors for V(never)).
  returned: always
  type: int
  sample: 1
summary:
  description: How many findings there are at each level.
  returned: always
  type: dict
  sample: {"ok": 24, "info": 0, "warning": 0, "error": 1}
converged:
  description: Whether every zone passed in the end; with O(wait=true), false means the timeout passed first.
  returned: always
  type: bool
  sample: false
not_converged:
  description: The zones that still fail after the last round, with the test case ids that fail (as in the last RV(rounds) entry).
  returned: always
  type: dict
  sample: {"example.com": ["CONSISTENCY01"]}
rounds:
  description:
    - One entry per round of checks; more than one only with O(wait=true).
    - C(round) counts from 1, C(elapsed) is seconds since the first round started, C(checked) how many zones
      that round checked (the ones still pending before it), C(pending) every zone that still fails after it
      (at the O(fail_on) level) with the test case ids that fail; empty once everything passes.
  returned: always
  type: list
  elements: dict
  sample: [{"round": 1, "elapsed": 0.41, "checked": 2, "pending": {"example.com": ["CONSISTENCY01"]}},
           {"round": 2, "elapsed": 2.63, "checked": 1, "pending": {}}]
queries:
  description: How many DNS queries were sent (UDP and TCP), all rounds together.
  returned: always
  type: int
  sample: 36
'''

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dnsops.nameservers.plugins.module_utils import _dnscheck

ARGUMENT_SPEC = dict(
    zones=dict(type='list', elements='str', required=True, aliases=['zone']),
    parent_servers=dict(type='list', elements='str'),
    nameservers_from=dict(type='str', default='parent', choices=['parent', 'expected']),
    expected_nameservers=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True),
        addresses=dict(type='list', elements='str', default=[]),
    )),
    port=dict(type='int', default=53),
    timeout=dict(type='float', default=3),
    concurrency=dict(type='int', default=_dnscheck.DEFAULT_CONCURRENCY),
    source_address=dict(type='str'),
    skip_checks=dict(type='list', elements='str', default=[], choices=sorted(_dnscheck.TESTS)),
    expected_ds=dict(type='str', choices=['present', 'absent']),
    fail_on=dict(type='str', default='error', choices=['error', 'warning', 'never']),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=900),
)


def parse_params(module):
    """Normalised inputs; fails the module with the option and value on bad input."""
    params = module.params
    zones = []
    for zone in params['zones']:
        try:
            name = _dnscheck.normalize_name(zone or '')
        except ValueError as exc:
            module.fail_json(msg='zones: %s' % exc)
        if not name or name == '.' or '..' in name:
            module.fail_json(msg='zones: %r is not a zone name' % zone)
        if name not in zones:
            zones.append(name)
    parents = None
    if params['parent_servers']:
        parents = []
        for spec in params['parent_servers']:
            try:
                parents.append(_dnscheck.parse_server(spec))
            except ValueError as exc:
                module.fail_json(msg='parent_servers: %s' % exc)
    expected = None
    if params['expected_nameservers']:
        expected = []
        for entry in params['expected_nameservers']:
            try:
                expected.append({'name': _dnscheck.normalize_name(entry['name']),
                                 'addresses': [_dnscheck.normalize_address(a) for a in entry['addresses'] or []]})
            except ValueError as exc:
                module.fail_json(msg='expected_nameservers: %s: %s' % (entry['name'], exc))
    for option in ('port', 'concurrency'):
        if params[option] < 1 or (option == 'port' and params[option] > 65535):
            module.fail_json(msg='%s: %s is out of range' % (option, params[option]))
    if params['timeout'] <= 0:
        module.fail_json(msg='timeout: must be more than 0 seconds')
    if params['expected_ds'] and params['nameservers_from'] != 'parent':
        module.fail_json(msg='expected_ds: %s needs nameservers_from=parent (the DS is asked of the parent), not %s'
                         % (params['expected_ds'], params['nameservers_from']))
    return zones, parents, expected


def build_result(reports, rounds, params, queries):
    """The module's result, with ``msg`` when findings fail the task."""
    return _dnscheck.check_result(reports, rounds, params['fail_on'], params['wait'], params['wait_timeout'], queries)


def build_module():
    return AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[('nameservers_from', 'expected', ['expected_nameservers'])],
        supports_check_mode=True,
    )


def run_module(module, transport=None, resolver=None, clock=time.monotonic, sleep=time.sleep):
    """Checks, waits when asked, and ends the module. ``transport`` and ``resolver`` (see
    ``_dnscheck.Checker``), ``clock`` and ``sleep`` stand in for the network and time in unit tests."""
    if not _dnscheck.HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib('dnspython'), exception=_dnscheck.DNSPYTHON_IMPORT_ERROR)

    params = module.params
    zones, parents, expected = parse_params(module)
    checker = _dnscheck.Checker(
        parent_servers=parents, port=params['port'], timeout=params['timeout'],
        concurrency=params['concurrency'], skip=params['skip_checks'], expected=expected,
        source=params['source_address'], nameservers_from=params['nameservers_from'],
        expected_ds=params['expected_ds'], transport=transport, resolver=resolver)

    reports, rounds = _dnscheck.check_until_converged(
        checker.check, zones, fail_on=params['fail_on'], wait=params['wait'], wait_timeout=params['wait_timeout'],
        clock=clock, sleep=sleep)

    result = build_result(reports, rounds, params, checker.transport.count)
    if 'msg' in result:
        module.fail_json(**result)
    module.exit_json(**result)


def main():
    run_module(build_module())


if __name__ == '__main__':
    main()
