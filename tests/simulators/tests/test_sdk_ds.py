"""DS records driven by Alibaba's own SDKs: the v1 SDK (aliyun-python-sdk-domain 3.14.11, the
last release with the DS requests), the maintained alibabacloud-domain20180129 and the
Domain-intl alibabacloud-domain-intl20171218 (signature V3). Each test is skipped where its SDK
is not installed (the simulator itself needs none)."""

import hashlib
import json
import time

import pytest

from conftest import AK, SECRET

OLD_KEY = hashlib.sha256(b"old key").hexdigest()
NEW_KEY = hashlib.sha384(b"new key").hexdigest()


@pytest.fixture
def sdk_sim(start_sim):
    return start_sim(flags=["--task-delay", "0.1"])


def until_done(query_details, task_no):
    """Poll QueryTaskDetailList (through the SDK under test) until the task's details are done."""
    deadline = time.time() + 5
    while True:
        details = query_details(task_no)
        if details and all(d["TaskStatusCode"] >= 2 for d in details):
            return details
        assert time.time() < deadline, details
        time.sleep(0.02)


# --------------------------------------------------------------------------- v1 SDK

def test_v1_sdk_rollover_modify_and_errors(sdk_sim):
    pytest.importorskip("aliyunsdkcore")
    # 3.14.11 has the DS requests; the package's newest sources no longer do
    pytest.importorskip("aliyunsdkdomain.request.v20180129.QueryDSRecordRequest")
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkdomain.request.v20180129 import (
        QueryDSRecordRequest,
        QueryTaskDetailListRequest,
        SaveSingleTaskForAddingDSRecordRequest,
        SaveSingleTaskForDeletingDSRecordRequest,
        SaveSingleTaskForModifyingDSRecordRequest,
        SaveSingleTaskForSynchronizingDSRecordRequest,
    )
    sim = sdk_sim
    client = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)

    def do(request, **setters):
        for name, value in setters.items():
            getattr(request, "set_" + name)(value)
        request.set_endpoint(sim.address)
        request.set_protocol_type("http")
        request.set_accept_format("JSON")
        return json.loads(client.do_action_with_exception(request))

    def details(task_no):
        return do(QueryTaskDetailListRequest.QueryTaskDetailListRequest(), TaskNo=task_no, PageNum=1,
                  PageSize=10)["Data"]["TaskDetail"]

    def query():
        return do(QueryDSRecordRequest.QueryDSRecordRequest(), DomainName="example.com")["DSRecordList"]

    assert query() == []
    old = do(SaveSingleTaskForAddingDSRecordRequest.SaveSingleTaskForAddingDSRecordRequest(), DomainName="example.com",
             KeyTag=11, Algorithm=13, DigestType=2, Digest=OLD_KEY)
    assert until_done(details, old["TaskNo"])[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    new = do(SaveSingleTaskForAddingDSRecordRequest.SaveSingleTaskForAddingDSRecordRequest(), DomainName="example.com",
             KeyTag=22, Algorithm=13, DigestType=4, Digest=NEW_KEY.upper())
    assert until_done(details, new["TaskNo"])[0]["TaskType"] == "CREATE_DSRECORD"
    assert query() == [{"KeyTag": 11, "Algorithm": 13, "DigestType": 2, "Digest": OLD_KEY},
                       {"KeyTag": 22, "Algorithm": 13, "DigestType": 4, "Digest": NEW_KEY}]
    gone = do(SaveSingleTaskForDeletingDSRecordRequest.SaveSingleTaskForDeletingDSRecordRequest(),
              DomainName="example.com", KeyTag=11)
    assert until_done(details, gone["TaskNo"])[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    changed = do(SaveSingleTaskForModifyingDSRecordRequest.SaveSingleTaskForModifyingDSRecordRequest(),
                 DomainName="example.com", KeyTag=22, Algorithm=8, DigestType=2, Digest=OLD_KEY)
    assert until_done(details, changed["TaskNo"])[0]["TaskType"] == "UPDATE_DSRECORD"
    assert query() == [{"KeyTag": 22, "Algorithm": 8, "DigestType": 2, "Digest": OLD_KEY}]
    synced = do(SaveSingleTaskForSynchronizingDSRecordRequest.SaveSingleTaskForSynchronizingDSRecordRequest(),
                DomainName="example.com")
    assert until_done(details, synced["TaskNo"])[0]["TaskStatus"] == "EXECUTE_SUCCESS"

    # deleting a KeyTag the domain does not have: accepted, and the task fails saying why
    missing = do(SaveSingleTaskForDeletingDSRecordRequest.SaveSingleTaskForDeletingDSRecordRequest(),
                 DomainName="example.com", KeyTag=11)
    detail = until_done(details, missing["TaskNo"])[0]
    assert detail["TaskStatus"] == "EXECUTE_FAILURE" and "KeyTag 11 does not exist" in detail["ErrorMsg"]

    with pytest.raises(ServerException) as info:
        do(SaveSingleTaskForAddingDSRecordRequest.SaveSingleTaskForAddingDSRecordRequest(), DomainName="example.com",
           KeyTag=33, Algorithm=13, DigestType=2, Digest=OLD_KEY[:40])
    assert (info.value.get_error_code(), info.value.get_http_status()) == ("InvalidParameter", 400)
    assert "needs 64" in info.value.get_error_msg()
    with pytest.raises(ServerException) as info:
        do(QueryDSRecordRequest.QueryDSRecordRequest(), DomainName="absent.com")
    assert info.value.get_error_code() == "DomainNotExist"
    # the SDK sends every DS field as a POST query parameter, signed (V2)
    lines = [line for line in sim.log_lines() if "DSRecord" in line["action"]]
    assert lines and all(line["signature"] == "v2" and line["method"] == "POST" for line in lines)
    assert {"DomainName", "KeyTag", "Algorithm", "DigestType", "Digest"} <= set(lines[1]["params"])


# --------------------------------------------------------------------------- tea SDKs (V3)

def tea_client(sim, package):
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    client_module = pytest.importorskip(package + ".client")
    config = openapi.Config(access_key_id=AK, access_key_secret=SECRET, endpoint=sim.address, protocol="http")
    return client_module.Client(config), pytest.importorskip(package + ".models")


@pytest.mark.parametrize("package", ["alibabacloud_domain20180129", "alibabacloud_domain_intl20171218"])
def test_tea_sdk_add_query_modify_delete_errors(sdk_sim, package):
    client, models = tea_client(sdk_sim, package)
    from alibabacloud_tea_openapi.exceptions import ClientException

    def details(task_no):
        request = models.QueryTaskDetailListRequest(task_no=task_no, page_num=1, page_size=10)
        body = client.query_task_detail_list(request).body
        return body.to_map()["Data"]["TaskDetail"]

    def query():
        return [r.to_map() for r in client.query_dsrecord(models.QueryDSRecordRequest(domain_name="example.com")).body
                .dsrecord_list]

    added = client.save_single_task_for_adding_dsrecord(models.SaveSingleTaskForAddingDSRecordRequest(
        domain_name="example.com", key_tag=2371, algorithm=13, digest_type=2, digest=OLD_KEY))
    assert added.status_code == 200 and added.body.request_id
    assert until_done(details, added.body.task_no)[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    records = client.query_dsrecord(models.QueryDSRecordRequest(domain_name="example.com")).body.dsrecord_list
    assert [(r.key_tag, r.algorithm, r.digest_type, r.digest) for r in records] == [(2371, 13, 2, OLD_KEY)]

    modified = client.save_single_task_for_modifying_dsrecord(models.SaveSingleTaskForModifyingDSRecordRequest(
        domain_name="example.com", key_tag=2371, algorithm=14, digest_type=4, digest=NEW_KEY))
    assert until_done(details, modified.body.task_no)[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    assert query() == [{"KeyTag": 2371, "Algorithm": 14, "DigestType": 4, "Digest": NEW_KEY}]

    duplicate = client.save_single_task_for_adding_dsrecord(models.SaveSingleTaskForAddingDSRecordRequest(
        domain_name="example.com", key_tag=2371, algorithm=13, digest_type=2, digest=OLD_KEY))
    detail = until_done(details, duplicate.body.task_no)[0]
    assert detail["TaskStatus"] == "EXECUTE_FAILURE" and "already exists" in detail["ErrorMsg"]

    deleted = client.save_single_task_for_deleting_dsrecord(models.SaveSingleTaskForDeletingDSRecordRequest(
        domain_name="example.com", key_tag=2371))
    assert until_done(details, deleted.body.task_no)[0]["TaskType"] == "DELETE_DSRECORD"
    assert query() == []
    synced = client.save_single_task_for_synchronizing_dsrecord(
        models.SaveSingleTaskForSynchronizingDSRecordRequest(domain_name="example.com"))
    assert until_done(details, synced.body.task_no)[0]["TaskType"] == "SYNC_DSRECORD"

    with pytest.raises(ClientException) as info:
        client.save_single_task_for_adding_dsrecord(models.SaveSingleTaskForAddingDSRecordRequest(
            domain_name="example.com", key_tag=1, algorithm=4, digest_type=2, digest=OLD_KEY))
    assert (info.value.code, info.value.status_code) == ("InvalidParameter", 400)
    assert "Algorithm 4" in info.value.message
    with pytest.raises(ClientException) as info:
        client.save_single_task_for_deleting_dsrecord(models.SaveSingleTaskForDeletingDSRecordRequest(
            domain_name="absent.com", key_tag=1))
    assert info.value.code == "DomainNotExist"

    lines = [line for line in sdk_sim.log_lines() if "DSRecord" in line["action"]]
    assert lines and all(line["signature"] == "v3" for line in lines)
