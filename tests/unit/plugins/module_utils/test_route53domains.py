# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Route 53 Domains provider against botocore's Stubber: every request it sends must fit
botocore's model of the API, and its answers are the registry's, scripted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

botocore = pytest.importorskip('botocore')

# pylint: disable=wrong-import-position
import botocore.session  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

from ansible_collections.dnsops.nameservers.plugins.module_utils import _providers  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.module_utils._names import ValidationError  # noqa: E402
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (  # noqa: E402
    DS_INPUT_DNSKEY,
    DS_RECORDS,
    DSRecord,
    Domain,
    RegistrarError,
    TaskFailed,
)
from ansible_collections.dnsops.nameservers.plugins.module_utils._route53domains import (  # noqa: E402
    PROVIDER,
    Route53DomainsClient,
    Route53DomainsRegistrar,
    max_dnssec_keys,
)

AWS_LIST = [{'Name': 'ns-1.awsdns-01.org'}, {'Name': 'ns-2.awsdns-02.com'}]


@pytest.fixture
def stubbed():
    """(registrar, stubber): the provider on a real botocore client whose answers are scripted."""
    session = botocore.session.Session()
    session.set_credentials('AKIDUNIT', 'unit-secret-value')
    boto = session.create_client('route53domains', region_name='us-east-1')
    stubber = Stubber(boto)
    client = Route53DomainsClient(boto, max_retries=0, sleep=lambda s: None)
    registrar = Route53DomainsRegistrar({}, client=client)
    registrar.sleep = lambda seconds: None
    with stubber:
        yield registrar, stubber
    stubber.assert_no_pending_responses()


def detail(name, nameservers):
    """A GetDomainDetail answer with the members the model requires."""
    contact = {'FirstName': 'Unit'}
    return {'DomainName': name, 'Nameservers': nameservers, 'AdminContact': contact,
            'RegistrantContact': contact, 'TechContact': contact}


def expect_detail(stubber, name, nameservers):
    stubber.add_response('get_domain_detail', detail(name, nameservers), {'DomainName': name})


def expect_update(stubber, name, nameservers, operation_id='op-1'):
    stubber.add_response('update_domain_nameservers', {'OperationId': operation_id},
                         {'DomainName': name, 'Nameservers': nameservers})


def test_the_provider_is_registered_with_its_own_options_and_limits():
    info = _providers.provider_info('route53domains')
    assert info is PROVIDER
    assert sorted(info.options) == ['access_key', 'aws_ca_bundle', 'aws_profile', 'secret_key', 'session_token']
    assert info.options['secret_key']['no_log'] and info.options['session_token']['no_log']
    assert (info.limits.max_nameservers, info.limits.max_ips_per_host,
            info.limits.max_domains_per_nameserver_change) == (6, 2, 1)
    assert info.glue_in_parent_delegation and not _providers.provider_info('alicloud').glue_in_parent_delegation
    # No option name or alias is shared with Alibaba Cloud's (the seam checks it).
    assert 'profile' in _providers.provider_options() and 'aws_profile' in _providers.provider_options()


def test_an_option_of_the_other_registrar_is_refused_naming_both():
    with pytest.raises(ValidationError) as err:
        _providers.check_foreign_options('route53domains', {'profile': 'work'})
    assert 'Alibaba Cloud' in str(err.value) and 'route53domains' in str(err.value)
    with pytest.raises(ValidationError) as err:
        _providers.check_foreign_options('alicloud', {'secret_key': 'x' * 20})
    assert 'Route 53 Domains' in str(err.value) and 'x' * 20 not in str(err.value)


@pytest.mark.parametrize('ips, rule', [
    (['198.51.100.1', '198.51.100.2'], '2 IPv4 addresses'),
    (['2001:db8::1', '2001:db8::2'], '2 IPv6 addresses'),
])
def test_one_ipv4_and_one_ipv6_per_name_server(ips, rule):
    with pytest.raises(ValidationError) as err:
        PROVIDER.limits.check_ips(ips)
    assert rule in str(err.value) and 'Route 53 Domains' in str(err.value)
    PROVIDER.limits.check_ips(['198.51.100.1', '2001:db8::1'])


def test_at_most_six_glue_hosts_under_one_domain():
    six = ['ns%d.example.com' % i for i in range(6)]
    with pytest.raises(ValidationError) as err:
        PROVIDER.limits.check_new_host('example.com', 'ns9.example.com', six)
    assert 'Route 53 Domains' in str(err.value) and '6' in str(err.value)
    PROVIDER.limits.check_new_host('example.com', 'ns0.example.com', six)
    with pytest.raises(ValidationError):
        PROVIDER.limits.check_host_name('a' * 256, 'a' * 256)


def test_dnssec_key_limits_by_tld():
    assert (max_dnssec_keys('example.com'), max_dnssec_keys('example.net'), max_dnssec_keys('example.org')) == (13, 13, 4)


def test_list_domains_pages_until_no_marker(stubbed):
    registrar, stubber = stubbed
    stubber.add_response('list_domains', {'Domains': [{'DomainName': 'A.example.'}], 'NextPageMarker': 'm2'},
                         {'MaxItems': 100})
    stubber.add_response('list_domains', {'Domains': [{'DomainName': 'b.example'}]}, {'MaxItems': 100, 'Marker': 'm2'})
    assert [d.name for d in registrar.list_domains()] == ['a.example', 'b.example']
    assert registrar.calls == {'read': 2, 'write': 0}


def test_get_domain_reads_the_list_and_a_domain_not_in_the_account_is_none(stubbed):
    registrar, stubber = stubbed
    expect_detail(stubber, 'example.com', [{'Name': 'NS1.Example.com.', 'GlueIps': ['198.51.100.1']}] + AWS_LIST)
    stubber.add_client_error('get_domain_detail', 'InvalidInput', 'Domain nope.com not found in this account.',
                             expected_params={'DomainName': 'nope.com'})
    domain = registrar.get_domain('example.com')
    assert domain.nameservers == ['ns1.example.com', 'ns-1.awsdns-01.org', 'ns-2.awsdns-02.com']
    assert domain.summary() == {'name': 'example.com'}
    assert registrar.get_domain('nope.com') is None


def test_other_invalid_input_is_an_error_not_a_missing_domain(stubbed):
    registrar, stubber = stubbed
    stubber.add_client_error('get_domain_detail', 'InvalidInput', 'The domain name is not valid.')
    with pytest.raises(RegistrarError) as err:
        registrar.get_domain('example.com')
    assert err.value.code == 'InvalidInput' and 'GetDomainDetail' in str(err.value)


def test_the_glue_hosts_are_the_in_domain_entries_of_the_domains_own_list(stubbed):
    registrar, stubber = stubbed
    expect_detail(stubber, 'example.com', [
        {'Name': 'ns2.example.com', 'GlueIps': ['2001:db8::2', '198.51.100.2']},
        {'Name': 'ns.provider.net'},
        {'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.1']},
    ])
    domain = Domain('example.com')  # as list_domains gives it: no name servers yet
    hosts = registrar.list_hosts(domain)
    assert [h.as_dict() for h in hosts] == [{'name': 'ns1.example.com', 'ips': ['198.51.100.1']},
                                            {'name': 'ns2.example.com', 'ips': ['198.51.100.2', '2001:db8::2']}]
    assert domain.nameservers == ['ns2.example.com', 'ns.provider.net', 'ns1.example.com']
    # The list read is kept for this run: a second look costs no call.
    assert len(registrar.list_hosts(domain)) == 2 and registrar.calls['read'] == 1


def test_creating_glue_appends_the_host_to_the_parents_list_keeping_every_other_entry(stubbed):
    registrar, stubber = stubbed
    current = [{'Name': 'ns2.example.com', 'GlueIps': ['198.51.100.2']}] + AWS_LIST
    expect_detail(stubber, 'example.com', current)
    expect_update(stubber, 'example.com', current + [{'Name': 'ns1.example.com',
                                                     'GlueIps': ['198.51.100.1', '2001:db8::1']}], 'op-create')
    domain = registrar.get_domain('example.com')
    assert registrar.create_host(domain, 'ns1.example.com', ['2001:db8::1', '198.51.100.1']) == 'op-create'
    assert registrar.calls == {'read': 1, 'write': 1}


def test_changing_glue_rewrites_only_that_entry_in_place(stubbed):
    registrar, stubber = stubbed
    current = [{'Name': 'ns-1.awsdns-01.org'}, {'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.1']},
               {'Name': 'ns2.example.com', 'GlueIps': ['198.51.100.2', '2001:db8::2']}]
    expect_detail(stubber, 'example.com', current)
    expect_update(stubber, 'example.com', [current[0], {'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.9']},
                                           current[2]])
    domain = registrar.get_domain('example.com')
    assert registrar.modify_host(domain, 'ns1.example.com', ['198.51.100.9']) == 'op-1'


def test_a_write_reads_the_list_again_before_the_next_write(stubbed):
    registrar, stubber = stubbed
    first = [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.1']}] + AWS_LIST
    expect_detail(stubber, 'example.com', first)
    expect_update(stubber, 'example.com', [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.5']}] + AWS_LIST)
    expect_detail(stubber, 'example.com', [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.5']}] + AWS_LIST)
    expect_update(stubber, 'example.com', [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.5']}] + AWS_LIST
                  + [{'Name': 'ns2.example.com', 'GlueIps': ['198.51.100.6']}], 'op-2')
    domain = registrar.get_domain('example.com')
    registrar.modify_host(domain, 'ns1.example.com', ['198.51.100.5'])
    assert registrar.create_host(domain, 'ns2.example.com', ['198.51.100.6']) == 'op-2'


def test_deleting_glue_drops_the_entry_from_the_parents_list(stubbed):
    registrar, stubber = stubbed
    current = [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.1']}, {'Name': 'ns2.example.com', 'GlueIps': ['198.51.100.2']},
               {'Name': 'ns.provider.net'}]
    expect_detail(stubber, 'example.com', current)
    expect_update(stubber, 'example.com', current[1:])
    domain = registrar.get_domain('example.com')
    assert registrar.delete_host(domain, 'ns1.example.com', ['198.51.100.1']) == 'op-1'


def test_a_deletion_that_would_leave_the_parent_one_name_server_is_refused_before_any_write(stubbed):
    registrar, stubber = stubbed
    expect_detail(stubber, 'example.com', [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.1']},
                                           {'Name': 'ns.provider.net'}])
    domain = registrar.get_domain('example.com')
    with pytest.raises(ValidationError) as err:
        registrar.delete_host(domain, 'ns1.example.com', ['198.51.100.1'])
    assert 'leave 1 name server' in str(err.value) and 'Route 53 Domains' in str(err.value)
    assert registrar.calls['write'] == 0


def test_a_seventh_name_server_is_refused_before_any_write(stubbed):
    registrar, stubber = stubbed
    expect_detail(stubber, 'example.com', [{'Name': 'ns%d.provider.net' % i} for i in range(6)])
    domain = registrar.get_domain('example.com')
    with pytest.raises(ValidationError) as err:
        registrar.check_host_change(domain, 'ns1.example.com', ['198.51.100.1'])
    assert 'already has 6 name servers' in str(err.value)
    with pytest.raises(ValidationError):
        registrar.create_host(domain, 'ns1.example.com', ['198.51.100.1'])
    assert registrar.calls['write'] == 0


def test_a_delegation_keeps_the_glue_of_the_domains_own_servers_and_sends_none_for_others(stubbed):
    registrar, stubber = stubbed
    expect_detail(stubber, 'example.com', [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.1']}] + AWS_LIST)
    expect_detail(stubber, 'customer.net', AWS_LIST)
    # One after the other: the Stubber answers in order (get_domains reads concurrently).
    assert [registrar.get_domain(name).name for name in ('example.com', 'customer.net')] == ['example.com', 'customer.net']
    expect_update(stubber, 'example.com', [{'Name': 'ns1.example.com', 'GlueIps': ['198.51.100.1']},
                                           {'Name': 'ns2.example.org'}], 'op-a')
    expect_update(stubber, 'customer.net', [{'Name': 'ns1.example.com'}, {'Name': 'ns2.example.org'}], 'op-b')
    assert registrar.set_nameservers(['example.com', 'customer.net'], ['ns1.example.com', 'ns2.example.org']) == ['op-a', 'op-b']
    assert registrar.calls == {'read': 2, 'write': 2}


def test_a_delegation_to_an_in_domain_server_without_glue_fails_before_the_first_write(stubbed):
    registrar, stubber = stubbed
    expect_detail(stubber, 'customer.net', AWS_LIST)
    expect_detail(stubber, 'example.com', AWS_LIST)
    for name in ('customer.net', 'example.com'):
        registrar.get_domain(name)
    with pytest.raises(ValidationError) as err:
        registrar.set_nameservers(['customer.net', 'example.com'], ['ns1.example.com', 'ns2.example.com'])
    assert 'ns1.example.com' in str(err.value) and 'glue_host' in str(err.value)
    assert registrar.calls['write'] == 0


def test_an_operation_is_a_task_with_one_detail_and_a_failure_is_reported_per_domain(stubbed):
    registrar, stubber = stubbed
    stubber.add_response('get_operation_detail', {'OperationId': 'op-1', 'Status': 'IN_PROGRESS', 'DomainName': 'example.com'},
                         {'OperationId': 'op-1'})
    stubber.add_response('get_operation_detail', {'OperationId': 'op-2', 'Status': 'FAILED', 'DomainName': 'customer.net',
                                                  'Message': 'One or more of the specified nameservers are not known'},
                         {'OperationId': 'op-2'})
    stubber.add_response('get_operation_detail', {'OperationId': 'op-1', 'Status': 'SUCCESSFUL', 'DomainName': 'example.com'},
                         {'OperationId': 'op-1'})
    with pytest.raises(TaskFailed) as err:
        registrar.wait_tasks(['op-1', 'op-2'], 60)
    assert 'Route 53 Domains operation op-2 failed: customer.net: One or more' in str(err.value)
    assert [t['status'] for t in err.value.tasks] == ['success', 'failure']
    assert err.value.details == [{'domain': 'customer.net', 'status': 'FAILED',
                                  'error': 'One or more of the specified nameservers are not known'}]


def test_ds_records_are_read_with_their_ids_and_submitted_as_dnskey_data(stubbed):
    registrar, stubber = stubbed
    answer = detail('example.com', AWS_LIST)
    answer['DnssecKeys'] = [{'Id': 'DS:1-13-2-AB', 'Algorithm': 13, 'KeyTag': 1, 'DigestType': 2, 'Digest': 'AB'}]
    stubber.add_response('get_domain_detail', answer, {'DomainName': 'example.com'})
    stubber.add_client_error('get_domain_detail', 'InvalidInput', 'Domain nope.com not found in this account.')
    stubber.add_response('associate_delegation_signer_to_domain', {'OperationId': 'op-ds'},
                         {'DomainName': 'example.com', 'SigningAttributes': {'Algorithm': 13, 'Flags': 257,
                                                                             'PublicKey': 'AQID'}})
    stubber.add_response('disassociate_delegation_signer_from_domain', {'OperationId': 'op-rm'},
                         {'DomainName': 'example.com', 'Id': 'DS:1-13-2-AB'})
    records = registrar.list_ds('Example.com.')
    assert [(r.text(), r.record_id) for r in records] == [('1 13 2 ab', 'DS:1-13-2-AB')]
    assert registrar.list_ds('nope.com') is None

    class Key(object):
        flags, algorithm, public_key = 257, 13, b'\x01\x02\x03'
    assert registrar.add_ds('example.com', DSRecord(2, 13, 2, 'cd', dnskey=Key())) == 'op-ds'
    assert registrar.remove_ds('example.com', records[0]) == 'op-rm'
    with pytest.raises(RegistrarError):
        registrar.add_ds('example.com', DSRecord(2, 13, 2, 'cd'))  # a DS without its key
    assert registrar.calls == {'read': 2, 'write': 2}


def test_ds_limits_by_tld_and_the_capability_declared():
    assert PROVIDER.limits.ds_input == DS_INPUT_DNSKEY and PROVIDER.limits.ds_digest_types == (2,)
    five = [DSRecord(i, 13, 2, 'ab') for i in range(5)]
    with pytest.raises(ValidationError) as err:
        PROVIDER.limits.check_ds_records('example.org', five)
    assert 'at most 4' in str(err.value) and 'Route 53 Domains' in str(err.value)
    PROVIDER.limits.check_ds_records('example.com', five)
    with pytest.raises(ValidationError) as err:
        PROVIDER.limits.check_ds_records('example.com', [DSRecord(i, 13, 2, 'ab') for i in range(14)])
    assert 'at most 13' in str(err.value)
    PROVIDER.require(DS_RECORDS)  # the DS modules take registrar route53domains
