# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""delegation_check's entry point as Ansible runs it (AnsibleModule, its argument spec, exit_json and
fail_json), with scripted DNS answers (test_dnscheck's FakeNet) and a fake clock instead of the network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

pytest.importorskip('dns')

# pylint: disable=wrong-import-position
import yaml  # noqa: E402

from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.dnsops.nameservers.plugins.module_utils import _dnscheck  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.modules import delegation_check  # noqa: E402
from ansible_collections.dnsops.nameservers.tests.unit.plugins.module_utils.test_dnscheck import (  # noqa: E402
    NS1, NS2, PARENT, FakeClock, FakeResolver, healthy, hosted_net,
)

PARENT_SPEC = '%s@%d' % PARENT


class Exited(Exception):
    def __init__(self, result, failed):
        super(Exited, self).__init__(result.get('msg'))
        self.result = dict(result, failed=failed)


@pytest.fixture(autouse=True)
def ends_raise(monkeypatch):
    """exit_json and fail_json raise instead of printing and exiting the process."""
    def exit_json(self, **result):
        raise Exited(result, False)

    def fail_json(self, msg, **result):
        raise Exited(dict(result, msg=msg), True)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)


def run(args, net=None, resolver=None, clock=None, check_mode=False):
    """The module with ``args`` (parent_servers default to the scripted parent) -> its result, ``failed`` set."""
    args = dict({'parent_servers': [PARENT_SPEC]}, **args)
    if check_mode:
        args['_ansible_check_mode'] = True
    clock = clock or FakeClock()
    with patch_module_args(args):
        with pytest.raises(Exited) as ended:
            module = delegation_check.build_module()
            delegation_check.run_module(module, transport=net if net is not None else healthy(),
                                        resolver=resolver or FakeResolver(), clock=clock, sleep=clock.sleep)
    return ended.value.result


def ids_at(result, level):
    return sorted(f['test'] for zone in result['zones'] for f in zone['findings'] if f['level'] == level)


# --------------------------------------------------------------------------- arguments

@pytest.mark.parametrize('args, message', [
    ({'zones': ['example..com']}, "zones: 'example..com' is not a zone name"),
    ({'zones': ['.']}, "zones: '.' is not a zone name"),
    ({'zones': [u'b\u00fccher..cn']}, 'zones: '),
    ({'zones': ['example.com'], 'parent_servers': ['ns.nic.com']},
     "parent_servers: 'ns.nic.com' is not an IPv4 or IPv6 address"),
    ({'zones': ['example.com'], 'parent_servers': ['192.0.2.53@99999']},
     "parent_servers: '99999': the port must be between 1 and 65535"),
    ({'zones': ['example.com'], 'expected_nameservers': [{'name': 'ns1.example.com', 'addresses': ['192.0.2.300']}]},
     'expected_nameservers: ns1.example.com: '),
    ({'zones': ['example.com'], 'port': 0}, 'port: 0 is out of range'),
    ({'zones': ['example.com'], 'port': 65536}, 'port: 65536 is out of range'),
    ({'zones': ['example.com'], 'concurrency': 0}, 'concurrency: 0 is out of range'),
    ({'zones': ['example.com'], 'timeout': 0}, 'timeout: must be more than 0 seconds'),
    ({'zones': ['example.com'], 'nameservers_from': 'expected'},
     'nameservers_from is expected but all of the following are missing: expected_nameservers'),
    ({'zones': ['example.com'], 'skip_checks': ['BASIC99']}, 'skip_checks'),
    ({'zones': ['example.com'], 'fail_on': 'info'}, 'fail_on'),
    ({'zones': ['example.com'], 'expected_ds': 'present', 'nameservers_from': 'expected',
      'expected_nameservers': [{'name': 'ns1.example.com', 'addresses': [NS1]}]},
     'expected_ds: present needs nameservers_from=parent (the DS is asked of the parent), not expected'),
    ({'zones': ['example.com'], 'expected_ds': 'yes'}, 'expected_ds'),
])
def test_bad_arguments_fail_before_any_query(args, message):
    net = healthy()
    result = run(args, net=net)
    assert result['failed'] is True
    assert message in result['msg']
    assert net.count == 0


def test_skip_checks_choices_are_the_registered_checks_and_documented():
    documented = yaml.safe_load(delegation_check.DOCUMENTATION)['options']['skip_checks']['choices']
    assert sorted(documented) == sorted(_dnscheck.TESTS) == sorted(c.test for c in _dnscheck.CHECKS)
    assert delegation_check.ARGUMENT_SPEC['skip_checks']['choices'] == sorted(_dnscheck.TESTS)


def test_without_dnspython_the_module_says_what_to_install(monkeypatch):
    monkeypatch.setattr(_dnscheck, 'HAS_DNSPYTHON', False)
    result = run({'zones': ['example.com']})
    assert result['failed'] is True and 'dnspython' in result['msg']


# --------------------------------------------------------------------------- results

def test_healthy_zone_passes_and_reports_everything():
    net = healthy()
    result = run({'zones': ['Example.COM.']}, net=net)
    assert result['failed'] is False and result['changed'] is False and 'msg' not in result
    zone, = result['zones']
    assert zone['zone'] == 'example.com' and zone['ok'] is True
    assert zone['parent_ns'] == zone['child_ns'] == ['ns1.example.com', 'ns2.example.com']
    assert zone['serials'] == {'ns1.example.com (198.51.100.10)': 7, 'ns2.example.com (198.51.100.20)': 7,
                               'ns2.example.com (2001:db8::20)': 7}
    # every check passes; the zone is not signed, which is only an info (DNSSEC07)
    assert result['summary'] == {'ok': len(zone['findings']) - 1, 'info': 1, 'warning': 0, 'error': 0}
    assert [f['test'] for f in zone['findings'] if f['level'] == 'info'] == ['DNSSEC07']
    assert result['failed_checks'] == 0 and result['converged'] is True and result['not_converged'] == {}
    assert [r['round'] for r in result['rounds']] == [1] and result['rounds'][0]['pending'] == {}
    assert result['queries'] == net.count > 0


def test_check_mode_runs_the_same_checks():
    assert ids_at(run({'zones': ['example.com']}, check_mode=True), 'ok') == ids_at(
        run({'zones': ['example.com']}), 'ok')


def test_zones_are_deduplicated_and_keep_their_order():
    net = healthy()
    net.parent['example.net'] = copy.deepcopy(net.parent['example.com'])
    for server in net.servers.values():
        server['zones']['example.net'] = copy.deepcopy(server['zones']['example.com'])
    result = run({'zones': ['example.net', 'EXAMPLE.com', 'example.net.']}, net=net)
    assert [z['zone'] for z in result['zones']] == ['example.net', 'example.com']


def warning_net():
    """example.com whose servers list a third name server the parent does not publish (DELEGATION07 warning)."""
    net = healthy()
    for server in net.servers.values():
        server['zones']['example.com']['ns'].append('ns3.example.com')
    return net


@pytest.mark.parametrize('fail_on, failed, ok, failed_checks', [
    ('error', False, True, 0),
    ('warning', True, False, 1),
    ('never', False, False, 1),
])
def test_fail_on_decides_failed_and_ok(fail_on, failed, ok, failed_checks):
    result = run({'zones': ['example.com'], 'fail_on': fail_on}, net=warning_net())
    assert result['failed'] is failed
    assert result['zones'][0]['ok'] is ok
    assert result['failed_checks'] == failed_checks
    assert result['summary']['warning'] == 1
    if failed:
        assert result['msg'] == ('1 finding(s) at warning level or above: example.com: DELEGATION07: the zone lists '
                                 'ns3.example.com as name servers, which the parent does not publish; resolvers will '
                                 'not use them')


def test_failure_message_lists_the_first_ten_findings():
    net = healthy()
    zones = ['z%02d.com' % n for n in range(12)]       # none delegated: one BASIC01 error each
    result = run({'zones': zones}, net=net)
    assert result['failed'] is True and result['failed_checks'] == 12
    assert result['msg'].startswith('12 finding(s) at error level or above: z00.com: BASIC01: the parent does not '
                                    'delegate z00.com: its servers answered NXDOMAIN without NS records for the zone; '
                                    'z01.com: BASIC01: ')
    assert 'z09.com: BASIC01' in result['msg'] and 'z10.com' not in result['msg']
    assert result['msg'].endswith(' (and 2 more)')
    assert result['not_converged'] == dict((z, ['BASIC01']) for z in zones)


def test_skip_checks_sends_no_query_for_them_and_reports_none():
    net = healthy()
    result = run({'zones': ['example.com'], 'skip_checks': ['NAMESERVER03', 'NAMESERVER01']}, net=net)
    assert result['failed'] is False
    assert not [q for q in net.log if q[1] == 'AXFR' or q[5]]
    assert 'NAMESERVER03' not in ids_at(result, 'ok') and 'NAMESERVER01' not in ids_at(result, 'ok')
    assert 'CONNECTIVITY02' in ids_at(result, 'ok')        # proven by a plain SOA query over TCP


def test_expected_nameservers_are_normalised_and_compared():
    expected = [{'name': 'NS1.Example.com.', 'addresses': [NS1]},
                {'name': 'ns2.example.com', 'addresses': ['2001:DB8:0::20', NS2]}]
    result = run({'zones': ['example.com'], 'expected_nameservers': expected})
    assert result['failed'] is False and 'EXPECTED01' in ids_at(result, 'ok')
    result = run({'zones': ['example.com'], 'expected_nameservers': [{'name': 'ns1.example.com', 'addresses': [NS2]}]})
    assert result['failed'] is True
    assert ('example.com: EXPECTED01: the parent publishes ns2.example.com, which is not expected; example.com: '
            'EXPECTED01: ns1.example.com: expected 198.51.100.20, the glue at the parent is 198.51.100.10') in result['msg']


def test_expected_ds_fails_until_the_parent_publishes_it():
    net = healthy()
    result = run({'zones': ['example.com'], 'expected_ds': 'absent'}, net=net)
    assert result['failed'] is False and 'EXPECTED02' in ids_at(result, 'ok')
    assert result['zones'][0]['ds'] == []
    result = run({'zones': ['example.com'], 'expected_ds': 'present'}, net=net)
    assert result['failed'] is True
    assert ('example.com: EXPECTED02: parent servers 192.0.2.53 publish no DS for example.com yet; expected DS '
            'matching a DNSKEY of the zone') in result['msg']


def test_nameservers_from_expected_asks_no_parent():
    net = hosted_net({})
    expected = [{'name': 'ns1.example.com', 'addresses': [NS1]}, {'name': 'ns2.example.com', 'addresses': [NS2]}]
    result = run({'zones': ['customer.org'], 'nameservers_from': 'expected', 'expected_nameservers': expected,
                  'parent_servers': None}, net=net)
    assert result['failed'] is False
    assert not [q for q in net.log if q[2] == PARENT[0]]
    assert result['zones'][0]['parent_ns'] == ['ns1.example.com', 'ns2.example.com']


# --------------------------------------------------------------------------- waiting

def converging_net(after):
    """ns2 has an older serial until the ``after``-th SOA query to it."""
    net = healthy()
    net.servers[NS2]['zones']['example.com']['serial'] = 6
    original, asked = net.query, []

    def query(qname, rdtype, address, port=53, tcp=False, rd=False, dnssec=False):
        if address == NS2 and rdtype == 'SOA' and not tcp and not rd:
            asked.append(qname)
            if len(asked) >= after:
                net.servers[NS2]['zones']['example.com']['serial'] = 7
        return original(qname, rdtype, address, port, tcp, rd, dnssec)
    net.query = query
    return net


def test_wait_checks_again_until_the_zone_converges():
    clock = FakeClock()
    result = run({'zones': ['example.com'], 'wait': True}, net=converging_net(3), clock=clock)
    assert result['failed'] is False and result['converged'] is True
    assert [r['pending'] for r in result['rounds']] == [{'example.com': ['CONSISTENCY01']}] * 2 + [{}]
    assert [r['elapsed'] for r in result['rounds']] == [0, 2, 6]
    assert clock.sleeps == [2, 4]


def test_wait_timeout_fails_saying_what_did_not_converge():
    clock = FakeClock()
    result = run({'zones': ['example.com'], 'wait': True, 'wait_timeout': 20}, net=converging_net(99), clock=clock)
    assert result['failed'] is True and result['converged'] is False
    assert result['not_converged'] == {'example.com': ['CONSISTENCY01']}
    assert len(result['rounds']) == 5 and clock.sleeps == [2, 4, 8, 6]
    assert result['msg'].startswith('1 zone(s) did not converge within wait_timeout=20s (5 rounds over 20s): '
                                    'example.com: CONSISTENCY01. 1 finding(s) at error level or above: example.com: '
                                    'CONSISTENCY01: SOA serials differ: 6 on ns2.example.com (198.51.100.20); 7 on ')


def test_wait_with_fail_on_never_reports_without_failing():
    clock = FakeClock()
    result = run({'zones': ['example.com'], 'wait': True, 'wait_timeout': 10, 'fail_on': 'never'},
                 net=warning_net(), clock=clock)
    assert result['failed'] is False and result['converged'] is False
    assert result['not_converged'] == {'example.com': ['DELEGATION07']}
    assert len(result['rounds']) == 4 and 'msg' not in result
