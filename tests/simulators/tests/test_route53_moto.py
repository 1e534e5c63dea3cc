"""A second opinion: the same calls against moto's route53domains mock and against the simulator
give answers of the same shape and the same errors, where moto covers the call. moto has no DNSSEC
operations; where it departs from the published model, the test names the departure."""

import datetime
import json

import pytest

import route53_harness
from route53_harness import AK, SECRET

pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from botocore.exceptions import ClientError  # noqa: E402  (after the importorskip)

CONTACT = {"FirstName": "Simulated", "LastName": "Registrant", "ContactType": "PERSON",
           "AddressLine1": "1 Example Street", "City": "Seattle", "State": "WA", "CountryCode": "US",
           "ZipCode": "98101", "PhoneNumber": "+1.5555550100", "Email": "hostmaster@example.com"}
DOMAINS = ["example.com", "customer.net"]
NEW_SERVERS = [{"Name": "ns1.customer.net", "GlueIps": ["198.51.100.7", "2001:db8::7"]}, {"Name": "ns.provider.org"}]
REFUSED = {
    "unknown domain": ("get_domain_detail", {"DomainName": "missing.com"}),
    "in-domain name server without glue": ("update_domain_nameservers", {
        "DomainName": "example.com", "Nameservers": [{"Name": "ns1.example.com"}]}),
    "two IPv4 glue addresses": ("update_domain_nameservers", {"DomainName": "example.com", "Nameservers": [
        {"Name": "ns1.example.com", "GlueIps": ["198.51.100.1", "198.51.100.2"]}]}),
    "no name servers": ("update_domain_nameservers", {"DomainName": "example.com", "Nameservers": []}),
    "unknown operation": ("get_operation_detail", {"OperationId": "no-such-operation"}),
}
# Members of GetDomainDetail the two do not share, and why.
ONLY_SIMULATOR = {
    "UpdatedDate": "moto sends it as 'UpdateDate', which is not in the model (botocore drops it)",
    "DnssecKeys": "moto sends 'DnsSecKeys', which is not in the model (botocore drops it)",
    "BillingPrivacy": "moto does not send it",
    "AbuseContactPhone": "moto sends null (botocore drops it)",
}
ONLY_MOTO = {
    "DnsSec": "deprecated in the model; the simulator leaves it out",
    "RegistryDomainId": "'Reserved for future use'; the simulator leaves it out",
}


def shape(value):
    """The answer's structure: member names and JSON kinds, lists by their first item."""
    if isinstance(value, dict):
        return dict((k, shape(v)) for k, v in value.items() if k != "ResponseMetadata")
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, datetime.datetime):
        return "timestamp"
    return type(value).__name__


def scenario(client, wait):
    """The calls both can answer; the answers as botocore parsed them, and the refused calls' errors."""
    out = {"page1": client.list_domains(MaxItems=1)}
    out["page2"] = client.list_domains(MaxItems=1, Marker=out["page1"]["NextPageMarker"])
    out["detail"] = client.get_domain_detail(DomainName="example.com")
    out["update"] = client.update_domain_nameservers(DomainName="customer.net", Nameservers=NEW_SERVERS)
    out["operation"] = wait(out["update"]["OperationId"])
    out["operations"] = client.list_operations(Type=["UPDATE_NAMESERVER"])
    out["after"] = client.get_domain_detail(DomainName="customer.net")
    for name, (call, kwargs) in REFUSED.items():
        with pytest.raises(ClientError) as info:
            getattr(client, call)(**kwargs)
        out[name] = (info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"])
    return out


@pytest.fixture(scope="module")
def moto_answers():
    raw = {}

    def keep_raw(operation_model, response_dict, **unused):
        if response_dict["status_code"] == 200:
            raw.setdefault(operation_model.name, json.loads(response_dict["body"].decode("utf-8")))

    with moto.mock_aws():
        client = route53_harness.boto3_session().client("route53domains", region_name="us-east-1",
                                                        aws_access_key_id=AK, aws_secret_access_key=SECRET)
        client.meta.events.register("before-parse.route-53-domains", keep_raw)
        for name in DOMAINS:
            client.register_domain(DomainName=name, DurationInYears=2, AdminContact=CONTACT,
                                   RegistrantContact=CONTACT, TechContact=CONTACT)
        answers = scenario(client, lambda op_id: client.get_operation_detail(OperationId=op_id))
        model = client.meta.service_model
    return answers, raw, model


@pytest.fixture
def sim_answers(r53_start):
    seed = route53_harness.default_seed()
    seed["domains"] = [{"name": name} for name in DOMAINS]
    sim = r53_start(seed=seed, flags=["--operation-delay", "0.2"])
    client = sim.client()
    return scenario(client, lambda op_id: sim.wait_operation(client, op_id)[0])


def test_same_shapes_as_moto(moto_answers, sim_answers):
    moto_out = moto_answers[0]
    for key in ("page1", "page2", "update", "operation", "operations"):
        assert shape(sim_answers[key]) == shape(moto_out[key]), key
    for key in ("detail", "after"):
        mine, theirs = shape(sim_answers[key]), shape(moto_out[key])
        assert set(mine) - set(theirs) == set(ONLY_SIMULATOR), key
        assert set(theirs) - set(mine) == set(ONLY_MOTO), key
        assert dict((k, mine[k]) for k in theirs if k in mine) == dict((k, theirs[k]) for k in theirs if k in mine)
    # both paged the two domains one by one, and kept the name servers as sent
    assert "NextPageMarker" in moto_out["page1"] and "NextPageMarker" not in moto_out["page2"]
    assert "NextPageMarker" in sim_answers["page1"] and "NextPageMarker" not in sim_answers["page2"]
    for out in (moto_out, sim_answers):
        assert out["after"]["Nameservers"] == NEW_SERVERS
        assert (out["operation"]["Status"], out["operation"]["Type"]) == ("SUCCESSFUL", "UPDATE_NAMESERVER")


def test_same_errors_as_moto(moto_answers, sim_answers):
    for name in REFUSED:
        assert sim_answers[name] == moto_answers[0][name] == ("InvalidInput", 400), name


def test_moto_departs_from_the_published_model_where_the_simulator_does_not(moto_answers):
    """The strict model check on moto's raw answer finds exactly the departures named above."""
    unused, raw, model = moto_answers
    problems = route53_harness.shape_problems(model.operation_model("GetDomainDetail").output_shape,
                                              raw["GetDomainDetail"])
    assert problems == ["$.UpdateDate: not a member of GetDomainDetailResponse",
                        "$.DnsSecKeys: not a member of GetDomainDetailResponse",
                        "$.AbuseContactPhone: None is not a JSON string",  # null rather than left out
                        "$.Reseller: None is not a JSON string"]
