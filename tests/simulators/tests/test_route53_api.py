"""Route 53 Domains simulator driven by boto3 (endpoint_url): botocore validates every request
against the published model, and route53_harness.check_answer every answer, strictly."""

import datetime

import pytest

import route53_harness
from route53_harness import RFC_DS_SHA256, RFC_KEY, p256_key

boto3 = pytest.importorskip("boto3")
dns_dnssec = pytest.importorskip("dns.dnssec")

from botocore.exceptions import ClientError  # noqa: E402  (after the importorskip)
import dns.name  # noqa: E402
import dns.rdata  # noqa: E402


def error_of(call, **kwargs):
    """(code, message, HTTP status) of a call that must fail."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def nameservers(client, domain):
    return client.get_domain_detail(DomainName=domain)["Nameservers"]


def update(client, sim, domain, servers):
    """UpdateDomainNameservers and wait for the operation; its final GetOperationDetail answer."""
    op_id = client.update_domain_nameservers(DomainName=domain, Nameservers=servers)["OperationId"]
    return sim.wait_operation(client, op_id)[0]


# --------------------------------------------------------------------------- the model check itself

def test_every_answer_is_checked_against_the_model(r53):
    client = r53.client()
    seen = len(route53_harness.CHECKED)
    client.list_domains()
    error_of(client.get_domain_detail, DomainName="missing.com")
    assert route53_harness.CHECKED[seen:] == [("ListDomains", 200), ("GetDomainDetail", 400)]
    output = client.meta.service_model.operation_model("ListDomains").output_shape
    problems = route53_harness.shape_problems(output, {"Domains": [
        {"DomainName": "a.com", "Expiry": "2030-01-01", "Renew": True, "TransferLock": "yes"}], "NextPageMarker": 5})
    assert problems == ["$.Domains[0].Renew: not a member of DomainSummary",
                        "$.Domains[0].Expiry: '2030-01-01' is not a JSON timestamp",
                        "$.Domains[0].TransferLock: 'yes' is not a JSON boolean",
                        "$.NextPageMarker: 5 is not a JSON string"]


# --------------------------------------------------------------------------- domains

def test_list_domains_pages_with_markers(r53_start):
    seed = {"credentials": [{"access_key_id": "AKIDSIMULATOR0000001", "secret_access_key": "sim/secret+Key=0001"}],
            "domains": [{"name": "d%02d.com" % i, "expiry": "20%02d-01-01" % (30 + i % 7)} for i in range(25)]}
    sim = r53_start(seed=seed)
    client = sim.client()
    first = client.list_domains(MaxItems=10)
    assert [d["DomainName"] for d in first["Domains"]] == ["d%02d.com" % i for i in range(10)]
    assert first["NextPageMarker"]
    pages = list(client.get_paginator("list_domains").paginate(PaginationConfig={"PageSize": 10}))
    assert [len(p["Domains"]) for p in pages] == [10, 10, 5]
    assert "NextPageMarker" not in pages[-1]
    assert [d["DomainName"] for p in pages for d in p["Domains"]] == ["d%02d.com" % i for i in range(25)]
    assert client.list_domains()["NextPageMarker"]  # default page: 20
    assert len(client.list_domains(MaxItems=100)["Domains"]) == 25
    assert error_of(client.list_domains, MaxItems=101)[0] == "InvalidInput"
    assert error_of(client.list_domains, MaxItems=10, Marker="not-a-marker")[0] == "InvalidInput"
    # a marker belongs to the request it came from
    code, message, status = error_of(client.list_domains, MaxItems=10, Marker=first["NextPageMarker"],
                                     SortCondition={"Name": "DomainName", "SortOrder": "DESC"})
    assert (code, status) == ("InvalidInput", 400) and "Marker" in message


def test_list_domains_filters_and_sorts(r53):
    client = r53.client()
    listed = client.list_domains(FilterConditions=[{"Name": "DomainName", "Operator": "BEGINS_WITH",
                                                    "Values": ["example"]}],
                                 SortCondition={"Name": "DomainName", "SortOrder": "DESC"})["Domains"]
    assert [d["DomainName"] for d in listed] == ["example.org", "example.hk", "example.com"]
    soon = client.list_domains(FilterConditions=[{"Name": "Expiry", "Operator": "LE", "Values": ["2029-12-31"]}],
                               SortCondition={"Name": "Expiry", "SortOrder": "ASC"})["Domains"]
    assert [d["DomainName"] for d in soon] == ["customer.net", "example.org"]
    assert soon[0]["Expiry"] == datetime.datetime(2028, 2, 1, tzinfo=datetime.timezone.utc)
    assert soon[0]["AutoRenew"] is True and soon[0]["TransferLock"] is True
    code, message, unused = error_of(client.list_domains, FilterConditions=[
        {"Name": "Expiry", "Operator": "LE", "Values": ["2029-12-31"]}],
        SortCondition={"Name": "DomainName", "SortOrder": "ASC"})
    assert code == "InvalidInput" and "SortCondition" in message


def test_domain_detail(r53):
    client = r53.client()
    detail = client.get_domain_detail(DomainName="Example.COM.")
    assert detail["DomainName"] == "example.com"
    assert detail["Nameservers"] == [{"Name": "ns1.example.com", "GlueIps": ["198.51.100.10", "2001:db8:100::10"]},
                                     {"Name": "ns2.example.com", "GlueIps": ["198.51.100.20"]}]
    assert detail["DnssecKeys"] == []
    assert detail["ExpirationDate"] == datetime.datetime(2031, 5, 1, tzinfo=datetime.timezone.utc)
    assert detail["RegistrarName"] == "Amazon Registrar, Inc."
    assert client.get_domain_detail(DomainName="example.hk")["RegistrarName"] == "Gandi SAS"
    # no glue for a name server outside the domain: no GlueIps member at all
    assert nameservers(client, "customer.net") == [{"Name": "ns-1.awsdns-01.org"}, {"Name": "ns-2.awsdns-02.co.uk"}]
    code, message, status = error_of(client.get_domain_detail, DomainName="missing.com")
    assert (code, status) == ("InvalidInput", 400) and "not found" in message  # what terraform-provider-aws matches
    assert error_of(client.get_domain_detail, DomainName="bad_name.com")[0] == "InvalidInput"
    assert error_of(client.get_domain_detail, DomainName="example.cn")[0] == "UnsupportedTLD"


# --------------------------------------------------------------------------- name servers, glue, operations

def test_nameserver_operation_lifecycle(r53_start):
    sim = r53_start(flags=["--operation-delay", "0.6"])
    client = sim.client()
    before = nameservers(client, "example.com")
    wanted = [{"Name": "ns1.example.com", "GlueIps": ["198.51.100.11"]},
              {"Name": "ns3.example.com", "GlueIps": ["2001:db8:100::33", "198.51.100.33"]},
              {"Name": "ns.provider.net"}]
    op_id = client.update_domain_nameservers(DomainName="example.com", Nameservers=wanted,
                                             FIAuthKey="ignored-secret")["OperationId"]
    assert nameservers(client, "example.com") == before  # nothing changes before the operation runs
    code, message, unused = error_of(client.update_domain_nameservers, DomainName="example.com",
                                     Nameservers=wanted)
    assert (code, message) == ("DuplicateRequest", "The request is already in progress for the domain.")
    assert error_of(client.associate_delegation_signer_to_domain, DomainName="example.com", SigningAttributes={
        "Algorithm": 13, "Flags": 257, "PublicKey": p256_key("busy")})[0] == "DuplicateRequest"
    client.update_domain_nameservers(DomainName="customer.net", Nameservers=[{"Name": "ns.provider.net"}])
    final, seen = sim.wait_operation(client, op_id)
    assert seen == ["SUBMITTED", "IN_PROGRESS", "SUCCESSFUL"]
    assert (final["Type"], final["DomainName"], final["OperationId"]) == ("UPDATE_NAMESERVER", "example.com", op_id)
    assert final["SubmittedDate"] <= final["LastUpdatedDate"]
    assert nameservers(client, "example.com") == [
        {"Name": "ns1.example.com", "GlueIps": ["198.51.100.11"]},
        {"Name": "ns3.example.com", "GlueIps": ["2001:db8:100::33", "198.51.100.33"]},
        {"Name": "ns.provider.net"}]
    record = sim.read_state()["domains"]["example.com"]
    assert record["nameservers"] == ["ns1.example.com", "ns3.example.com", "ns.provider.net"]
    assert record["hosts"] == {"ns1.example.com": ["198.51.100.11"],
                               "ns3.example.com": ["2001:db8:100::33", "198.51.100.33"]}
    assert "ignored-secret" not in open(sim.log).read()


GLUE_ERRORS = [
    ([{"Name": "ns.provider.net", "GlueIps": ["198.51.100.1"]}], "subdomain of example.com; ns.provider.net is not"),
    ([{"Name": "ns9.example.com"}], "needs GlueIps"),
    ([{"Name": "ns9.example.com", "GlueIps": ["198.51.100.1", "198.51.100.2"]}], "only one IPv4 and one IPv6"),
    ([{"Name": "ns9.example.com", "GlueIps": ["2001:db8::1", "2001:db8::2"]}], "only one IPv4 and one IPv6"),
    ([{"Name": "ns9.example.com", "GlueIps": ["198.51.100.300"]}], "not an IPv4 or IPv6 address"),
    ([{"Name": "ns9.example.com", "GlueIps": ["127.0.0.1"]}], "loopback"),
    ([{"Name": "ns%d.provider.net" % i} for i in range(7)], "1 to 6 name servers"),
    ([], "1 to 6 name servers"),
    ([{"Name": "ns.provider.net"}, {"Name": "NS.provider.net."}], "listed twice"),
    ([{"Name": "ns_1.provider.net"}], "not valid"),
    ([{"Name": "localhost"}], "at least two labels"),
]


def test_glue_and_nameserver_rules_refuse_at_once(r53):
    client = r53.client()
    before = r53.read_state()
    for servers, why in GLUE_ERRORS:
        code, message, status = error_of(client.update_domain_nameservers, DomainName="example.com",
                                         Nameservers=servers)
        assert (code, status) == ("InvalidInput", 400), servers
        assert why in message, (servers, message)
        assert r53.log_lines()[-1]["write"] is False
    assert r53.read_state() == before  # no operation, no change


def test_glue_accepted_shapes(r53):
    client = r53.client()
    final = update(client, r53, "example.com", [{"Name": "ns1.example.com", "GlueIps": ["2001:db8:100::10"]},
                                                {"Name": "a.ns.example.com", "GlueIps": ["198.51.100.40"]},
                                                {"Name": "ns.provider.net"}] + [
        {"Name": "ns%d.provider.net" % i} for i in range(3)])
    assert final["Status"] == "SUCCESSFUL"
    assert len(nameservers(client, "example.com")) == 6


def test_nameserver_in_another_account_domain_must_be_its_glue_host(r53):
    client = r53.client()
    # ns3.example.com is no host of example.com: the registry does not know it
    final = update(client, r53, "customer.net", [{"Name": "ns3.example.com"}, {"Name": "ns.provider.net"}])
    assert final["Status"] == "FAILED"
    assert final["Message"].endswith("One or more of the specified nameservers are not known to the domain registry.")
    assert nameservers(client, "customer.net")[0]["Name"] == "ns-1.awsdns-01.org"
    # ns1.example.com is: customer.net may delegate to it, without glue of its own
    assert update(client, r53, "customer.net", [{"Name": "ns1.example.com"}, {"Name": "ns2.example.com"}])[
        "Status"] == "SUCCESSFUL"
    # changing the glue in example.com's list changes the host both domains use
    assert update(client, r53, "example.com", [{"Name": "ns1.example.com", "GlueIps": ["198.51.100.99"]},
                                               {"Name": "ns2.example.com", "GlueIps": ["198.51.100.20"]}])[
        "Status"] == "SUCCESSFUL"
    assert r53.read_state()["domains"]["example.com"]["hosts"]["ns1.example.com"] == ["198.51.100.99"]


def test_glue_host_another_domain_uses_cannot_be_dropped(r53):
    client = r53.client()
    update(client, r53, "customer.net", [{"Name": "ns2.example.com"}, {"Name": "ns.provider.net"}])
    final = update(client, r53, "example.com", [{"Name": "ns1.example.com", "GlueIps": ["198.51.100.10"]},
                                                {"Name": "ns.provider.net"}])
    assert final["Status"] == "FAILED"
    assert "ns2.example.com is still a name server of customer.net" in final["Message"]
    assert [ns["Name"] for ns in nameservers(client, "example.com")] == ["ns1.example.com", "ns2.example.com"]
    # in the right order it works: customer.net moves away first
    update(client, r53, "customer.net", [{"Name": "ns.provider.net"}])
    assert update(client, r53, "example.com", [{"Name": "ns1.example.com", "GlueIps": ["198.51.100.10"]},
                                               {"Name": "ns.provider.net"}])["Status"] == "SUCCESSFUL"
    assert r53.read_state()["domains"]["example.com"]["hosts"] == {"ns1.example.com": ["198.51.100.10"]}


def test_failed_and_error_operations_from_faults(r53):
    client = r53.client()
    r53.admin("faults", {"fail_next_operation": "registry says: locked"})
    final = update(client, r53, "customer.net", [{"Name": "ns.provider.net"}])
    assert (final["Status"], final["Message"]) == ("FAILED", "registry says: locked")
    assert nameservers(client, "customer.net")[0]["Name"] == "ns-1.awsdns-01.org"
    r53.admin("faults", {"fail_next_operation": "internal trouble", "fail_status": "ERROR"})
    assert update(client, r53, "customer.net", [{"Name": "ns.provider.net"}])["Status"] == "ERROR"
    assert update(client, r53, "customer.net", [{"Name": "ns.provider.net"}])["Status"] == "SUCCESSFUL"


def test_operation_limit_for_the_account(r53_start):
    sim = r53_start(flags=["--operation-delay", "5", "--operation-limit", "1"])
    client = sim.client()
    client.update_domain_nameservers(DomainName="example.org", Nameservers=[{"Name": "ns.provider.net"}])
    code, unused, status = error_of(client.update_domain_nameservers, DomainName="customer.net",
                                    Nameservers=[{"Name": "ns.provider.net"}])
    assert (code, status) == ("OperationLimitExceeded", 400)


def test_list_operations(r53_start):
    sim = r53_start(flags=["--operation-delay", "0", "--no-busy"])
    client = sim.client()
    ids = [update(client, sim, "customer.net", [{"Name": "ns%d.provider.net" % i}])["OperationId"] for i in range(5)]
    r53_fail = sim.admin("faults", {"fail_next_operation": "no"})
    assert r53_fail["fail_next_operation"] == "no"
    ids.append(update(client, sim, "example.org", [{"Name": "ns.provider.net"}])["OperationId"])
    listed = client.list_operations()["Operations"]
    assert [op["OperationId"] for op in listed] == ids
    assert client.list_operations(SortBy="SubmittedDate", SortOrder="DESC")["Operations"][0]["OperationId"] == ids[-1]
    failed = client.list_operations(Status=["FAILED"])["Operations"]
    assert [(op["OperationId"], op["Message"]) for op in failed] == [(ids[-1], "no")]
    assert client.list_operations(Type=["ADD_DNSSEC"])["Operations"] == []
    pages = list(client.get_paginator("list_operations").paginate(PaginationConfig={"PageSize": 4}))
    assert [len(p["Operations"]) for p in pages] == [4, 2]
    later = client.list_operations(SubmittedSince=listed[3]["SubmittedDate"])["Operations"]
    assert [op["OperationId"] for op in later] == ids[3:]
    code, message, unused = error_of(client.get_operation_detail, OperationId="0000-missing")
    assert code == "InvalidInput" and "No operation found" in message  # what terraform-provider-aws matches
    assert error_of(client.list_operations, Status=["DONE"])[0] == "InvalidInput"


# --------------------------------------------------------------------------- DNSSEC

def dnspython_ds(owner, flags, algorithm, key):
    dnskey = dns.rdata.from_text("IN", "DNSKEY", "%d 3 %d %s" % (flags, algorithm, key))
    ds = dns_dnssec.make_ds(dns.name.from_text(owner), dnskey, "SHA256")
    return dns_dnssec.key_id(dnskey), ds.digest.hex().upper()


def associate(client, sim, domain, algorithm, flags, key):
    op_id = client.associate_delegation_signer_to_domain(DomainName=domain, SigningAttributes={
        "Algorithm": algorithm, "Flags": flags, "PublicKey": key})["OperationId"]
    return sim.wait_operation(client, op_id)[0]


def test_dnssec_keys_become_ds_records(r53):
    client = r53.client()
    r53.admin("domains/dskey.example.com", {"nameservers": ["ns.provider.net"]})
    # RFC 4034 5.4 and RFC 4509's example: key tag 60485, SHA-256 digest as published
    assert associate(client, r53, "dskey.example.com", 5, 256, RFC_KEY)["Status"] == "SUCCESSFUL"
    [key] = client.get_domain_detail(DomainName="dskey.example.com")["DnssecKeys"]
    assert (key["KeyTag"], key["Algorithm"], key["DigestType"], key["Digest"]) == (60485, 5, 2, RFC_DS_SHA256)
    assert "Flags" not in key and "PublicKey" not in key  # the API no longer returns them
    # a P-256 KSK on example.com, checked against dnspython
    ksk = p256_key("example.com ksk")
    final = associate(client, r53, "example.com", 13, 257, ksk)
    assert (final["Type"], final["Status"]) == ("ADD_DNSSEC", "SUCCESSFUL")
    [key] = client.get_domain_detail(DomainName="example.com")["DnssecKeys"]
    assert (key["KeyTag"], key["Digest"]) == dnspython_ds("example.com.", 257, 13, ksk)
    stored = r53.read_state()["domains"]["example.com"]["dnssec_keys"]
    assert stored[0]["public_key"] == ksk and stored[0]["flags"] == 257 and stored[0]["id"] == key["Id"]
    # the same key again: the registry refuses the duplicate when the operation runs
    final = associate(client, r53, "example.com", 13, 257, ksk)
    assert final["Status"] == "FAILED" and "already associated" in final["Message"]
    # removal by Id; an Id the domain does not have fails the operation
    op_id = client.disassociate_delegation_signer_from_domain(DomainName="example.com", Id=key["Id"])["OperationId"]
    assert r53.wait_operation(client, op_id)[0]["Type"] == "REMOVE_DNSSEC"
    assert client.get_domain_detail(DomainName="example.com")["DnssecKeys"] == []
    op_id = client.disassociate_delegation_signer_from_domain(DomainName="example.com", Id=key["Id"])["OperationId"]
    final = r53.wait_operation(client, op_id)[0]
    assert final["Status"] == "FAILED"
    assert final["Message"].startswith("The DNSSEC you specified is not found on domain")  # as terraform matches


def test_dnssec_rules(r53):
    client = r53.client()
    code, unused, status = error_of(client.associate_delegation_signer_to_domain, DomainName="example.hk",
                                    SigningAttributes={"Algorithm": 13, "Flags": 257, "PublicKey": p256_key("hk")})
    assert (code, status) == ("TLDRulesViolation", 400)
    for attrs, why in (({"Algorithm": 4, "Flags": 257, "PublicKey": p256_key("a")}, "Algorithm 4"),
                       ({"Algorithm": 13, "Flags": 1, "PublicKey": p256_key("a")}, "Flags 1"),
                       ({"Algorithm": 13, "Flags": 257, "PublicKey": "not base64!"}, "not base64"),
                       ({"Algorithm": 13, "Flags": 257}, "PublicKey is required")):
        code, message, unused = error_of(client.associate_delegation_signer_to_domain, DomainName="example.org",
                                         SigningAttributes=attrs)
        assert code == "InvalidInput" and why in message, message
    # .org: four keys at most; .com: thirteen
    r53.admin("domains/example.org", {"dnssec_keys": [{"algorithm": 13, "flags": 257, "public_key": p256_key(
        "org%d" % i)} for i in range(4)]})
    code, unused, status = error_of(client.associate_delegation_signer_to_domain, DomainName="example.org",
                                    SigningAttributes={"Algorithm": 13, "Flags": 257, "PublicKey": p256_key("5")})
    assert (code, status) == ("DnssecLimitExceeded", 400)
    r53.admin("domains/example.com", {"dnssec_keys": [{"algorithm": 13, "flags": 257, "public_key": p256_key(
        "com%d" % i)} for i in range(12)]})
    assert associate(client, r53, "example.com", 13, 257, p256_key("13th"))["Status"] == "SUCCESSFUL"
    assert error_of(client.associate_delegation_signer_to_domain, DomainName="example.com", SigningAttributes={
        "Algorithm": 13, "Flags": 257, "PublicKey": p256_key("14th")})[0] == "DnssecLimitExceeded"
