"""Fidelity: Alibaba's own v1 Python SDK (aliyun-python-sdk-core + aliyun-python-sdk-domain) drives
the simulator. Skipped where the SDK is not installed (the simulator itself needs no SDK)."""

import json
import time

import pytest

from conftest import AK, SECRET, STS_AK, STS_SECRET, STS_TOKEN

pytest.importorskip("aliyunsdkcore")
pytest.importorskip("aliyunsdkdomain")

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException  # noqa: E402
from aliyunsdkcore.auth.credentials import StsTokenCredential  # noqa: E402
from aliyunsdkcore.client import AcsClient  # noqa: E402
from aliyunsdkdomain.request.v20180129 import (  # noqa: E402
    QueryDnsHostRequest,
    QueryDomainByDomainNameRequest,
    QueryDomainByInstanceIdRequest,
    QueryDomainListRequest,
    QueryTaskDetailListRequest,
    QueryTaskListRequest,
    SaveBatchTaskForModifyingDomainDnsRequest,
    SaveSingleTaskForCreatingDnsHostRequest,
    SaveSingleTaskForDeletingDnsHostRequest,
    SaveSingleTaskForModifyingDnsHostRequest,
)


@pytest.fixture
def sdk_sim(start_sim):
    return start_sim(flags=["--task-delay", "0.1"])


def do(client, sim, request, **setters):
    for name, value in setters.items():
        getattr(request, "set_" + name)(value)
    request.set_endpoint(sim.address)  # an explicit endpoint bypasses the SDK's endpoint resolver
    request.set_protocol_type("http")
    request.set_accept_format("JSON")
    return json.loads(client.do_action_with_exception(request))


def wait(client, sim, task_no):
    deadline = time.time() + 5
    seen = set()
    while True:
        body = do(client, sim, QueryTaskDetailListRequest.QueryTaskDetailListRequest(),
                  TaskNo=task_no, PageNum=1, PageSize=100)
        details = body["Data"]["TaskDetail"]
        seen.update(d["TaskStatus"] for d in details)
        if details and all(d["TaskStatusCode"] >= 2 for d in details):
            return details, seen
        assert time.time() < deadline
        time.sleep(0.02)


def test_sdk_host_lifecycle_and_delegation(sdk_sim):
    sim = sdk_sim
    client = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)

    listing = do(client, sim, QueryDomainListRequest.QueryDomainListRequest(), PageNum=1, PageSize=2)
    assert listing["TotalItemNum"] == 5 and listing["TotalPageNum"] == 3 and listing["NextPage"] is True
    assert [d["DomainName"] for d in listing["Data"]["Domain"]] == ["customer.net", "example.cn"]

    domain = do(client, sim, QueryDomainByDomainNameRequest.QueryDomainByDomainNameRequest(), DomainName="example.com")
    instance = domain["InstanceId"]
    assert instance == "S1" and domain["DnsList"]["Dns"] == ["dns1.hichina.com", "dns2.hichina.com"]

    created = do(client, sim, SaveSingleTaskForCreatingDnsHostRequest.SaveSingleTaskForCreatingDnsHostRequest(),
                 InstanceId=instance, DnsName="ns1", Ips=["198.51.100.10", "2001:db8:100::10"])
    details, seen = wait(client, sim, created["TaskNo"])
    assert [d["TaskStatus"] for d in details] == ["EXECUTE_SUCCESS"]
    assert details[0]["TaskType"] == "CREATE_DNSHOST" and details[0]["DomainName"] == "example.com"
    assert "WAITING_EXECUTE" in seen or "EXECUTING" in seen  # the task was observably asynchronous

    hosts = do(client, sim, QueryDnsHostRequest.QueryDnsHostRequest(), InstanceId=instance)
    assert hosts["DnsHostList"] == [{"DnsName": "ns1", "IpList": ["198.51.100.10", "2001:db8:100::10"]}]

    modified = do(client, sim, SaveSingleTaskForModifyingDnsHostRequest.SaveSingleTaskForModifyingDnsHostRequest(),
                  InstanceId=instance, DnsName="ns1", Ips=["198.51.100.11"])
    assert wait(client, sim, modified["TaskNo"])[0][0]["TaskStatus"] == "EXECUTE_SUCCESS"
    hosts = do(client, sim, QueryDnsHostRequest.QueryDnsHostRequest(), InstanceId=instance)
    assert hosts["DnsHostList"] == [{"DnsName": "ns1", "IpList": ["198.51.100.11"]}]

    # delegate two domains to ns1.example.com (a registered host) and an outside server
    changed = do(client, sim, SaveBatchTaskForModifyingDomainDnsRequest.SaveBatchTaskForModifyingDomainDnsRequest(),
                 DomainNames=["example.com", "customer.net"], AliyunDns=False,
                 DomainNameServers=["ns1.example.com", "ns.provider.org"])
    details, unused = wait(client, sim, changed["TaskNo"])
    assert sorted((d["DomainName"], d["TaskStatus"], d["TaskType"]) for d in details) == [
        ("customer.net", "EXECUTE_SUCCESS", "CHG_DNS"), ("example.com", "EXECUTE_SUCCESS", "CHG_DNS")]
    by_id = do(client, sim, QueryDomainByInstanceIdRequest.QueryDomainByInstanceIdRequest(), InstanceId="S2")
    assert by_id["DnsList"]["Dns"] == ["ns1.example.com", "ns.provider.org"]

    # deleting a host in use fails as a task naming the domains
    deleting = do(client, sim, SaveSingleTaskForDeletingDnsHostRequest.SaveSingleTaskForDeletingDnsHostRequest(),
                  InstanceId=instance, DnsName="ns1")
    details, unused = wait(client, sim, deleting["TaskNo"])
    assert details[0]["TaskStatus"] == "EXECUTE_FAILURE"
    assert "in use" in details[0]["ErrorMsg"] and "customer.net, example.com" in details[0]["ErrorMsg"]

    # back to Alibaba's DNS, then the delete succeeds
    back = do(client, sim, SaveBatchTaskForModifyingDomainDnsRequest.SaveBatchTaskForModifyingDomainDnsRequest(),
              DomainNames=["example.com", "customer.net"], AliyunDns=True)
    wait(client, sim, back["TaskNo"])
    deleting = do(client, sim, SaveSingleTaskForDeletingDnsHostRequest.SaveSingleTaskForDeletingDnsHostRequest(),
                  InstanceId=instance, DnsName="ns1")
    assert wait(client, sim, deleting["TaskNo"])[0][0]["TaskStatus"] == "EXECUTE_SUCCESS"
    assert do(client, sim, QueryDnsHostRequest.QueryDnsHostRequest(), InstanceId=instance)["DnsHostList"] == []
    state = sim.read_state()
    assert state["domains"]["example.com"] == {"instance_id": "S1", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"],
                                               "hosts": {}, "ds": []}

    tasks = do(client, sim, QueryTaskListRequest.QueryTaskListRequest(), PageNum=1, PageSize=10)
    assert tasks["TotalItemNum"] == 6
    assert all(t["TaskStatusCode"] == 3 and t["TaskStatus"] == "COMPLETE" for t in tasks["Data"]["TaskInfo"])
    assert tasks["Data"]["TaskInfo"][0]["TaskNo"] == deleting["TaskNo"]  # newest first

    lines = sim.log_lines()
    assert sum(1 for line in lines if line["write"]) == 6
    assert all(line["method"] == "POST" and line["signature"] == "v2" for line in lines)


def test_sdk_errors(sdk_sim):
    sim = sdk_sim
    bad = AcsClient(AK, "not-the-secret", "cn-hangzhou", auto_retry=False)
    with pytest.raises((ServerException, ClientException)) as info:
        do(bad, sim, QueryDomainByDomainNameRequest.QueryDomainByDomainNameRequest(), DomainName="example.com")
    # The SDK turns a 400 SignatureDoesNotMatch whose "server string to sign is:..." equals its own
    # string to sign into InvalidAccessKeySecret: so the simulator's message carries exactly the
    # string the SDK signed. On the wire (the log) the code is SignatureDoesNotMatch.
    assert info.value.get_error_code() == "InvalidAccessKeySecret"
    assert info.value.get_http_status() == 400
    assert sim.log_lines()[-1]["code"] == "SignatureDoesNotMatch"

    client = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)
    with pytest.raises(ServerException) as info:
        do(client, sim, QueryDomainByDomainNameRequest.QueryDomainByDomainNameRequest(), DomainName="absent.com")
    assert info.value.get_error_code() == "DomainNotExist" and info.value.get_http_status() == 400
    assert info.value.get_request_id()
    with pytest.raises(ServerException) as info:
        do(client, sim, SaveSingleTaskForCreatingDnsHostRequest.SaveSingleTaskForCreatingDnsHostRequest(),
           InstanceId="S1", DnsName="ns1", Ips=["198.51.100.1"] * 2)
    assert info.value.get_error_code() == "ParameterIllegal"


def test_sdk_sts_token(sdk_sim):
    client = AcsClient(region_id="cn-hangzhou", credential=StsTokenCredential(STS_AK, STS_SECRET, STS_TOKEN),
                       auto_retry=False)
    body = do(client, sdk_sim, QueryDomainByDomainNameRequest.QueryDomainByDomainNameRequest(), DomainName="other.org")
    assert body["DomainName"] == "other.org"
    assert STS_TOKEN not in open(sdk_sim.log).read()


def test_sdk_signature_error_403(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--signature-error-status", "403"])
    bad = AcsClient(AK, "not-the-secret", "cn-hangzhou", auto_retry=False)
    with pytest.raises((ServerException, ClientException)) as info:
        do(bad, sim, QueryDomainByDomainNameRequest.QueryDomainByDomainNameRequest(), DomainName="example.com")
    assert info.value.get_error_code() == "SignatureDoesNotMatch"
    assert info.value.get_http_status() == 403
