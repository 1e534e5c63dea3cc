"""DS records: the five DS actions, the registry's rules for them, their tasks, state and faults.

Driven by the tests' own signing client (conftest); Alibaba's SDKs drive the same actions in
test_sdk_ds.py.
"""

import hashlib
import json
import signal

import pytest
import requests

from conftest import Sim

ADD = "SaveSingleTaskForAddingDSRecord"
MODIFY = "SaveSingleTaskForModifyingDSRecord"
DELETE = "SaveSingleTaskForDeletingDSRecord"
SYNC = "SaveSingleTaskForSynchronizingDSRecord"
QUERY = "QueryDSRecord"

SHA1 = hashlib.sha1(b"key").hexdigest()
SHA256 = hashlib.sha256(b"key").hexdigest()
SHA384 = hashlib.sha384(b"key").hexdigest()
NEW_SHA256 = hashlib.sha256(b"new key").hexdigest()


def ds(key_tag=12345, algorithm=13, digest_type=2, digest=SHA256, domain="example.com"):
    return {"DomainName": domain, "KeyTag": key_tag, "Algorithm": algorithm, "DigestType": digest_type,
            "Digest": digest}


def records(sim, domain="example.com"):
    return sim.ok(QUERY, {"DomainName": domain})["DSRecordList"]


def run(sim, action, params):
    """A write that is accepted; the task's one detail once it is done."""
    task = sim.ok(action, params)["TaskNo"]
    details = sim.wait_task(task)
    assert len(details) == 1, details
    return details[0]


@pytest.fixture(scope="module")
def shared_sim(tmp_path_factory):
    """One simulator for the many rejection cases (they change nothing)."""
    sim = Sim(tmp_path_factory.mktemp("ds-rules"), flags=["--task-delay", "0"])
    yield sim
    sim.stop(signal.SIGKILL)


def test_add_query_modify_delete(start_sim):
    sim = start_sim(flags=["--task-delay", "0.2"])
    assert records(sim) == []
    task = sim.ok(ADD, ds(digest=SHA256.upper()))["TaskNo"]
    # asynchronous: nothing changes until the task has run
    assert records(sim) == []
    pending = sim.ok("QueryTaskDetailList", {"TaskNo": task, "PageNum": 1, "PageSize": 10})["Data"]["TaskDetail"]
    assert pending[0]["TaskStatusCode"] in (0, 1) and pending[0]["DomainName"] == "example.com"
    detail = sim.wait_task(task)[0]
    assert (detail["TaskStatus"], detail["TaskType"], detail["InstanceId"]) == ("EXECUTE_SUCCESS", "CREATE_DSRECORD", "S1")
    assert records(sim) == [{"KeyTag": 12345, "Algorithm": 13, "DigestType": 2, "Digest": SHA256}]  # hex in lower case

    # a rollover: add the new key's DS, then delete the old one
    assert run(sim, ADD, ds(key_tag=2371, digest_type=4, digest=SHA384))["TaskStatus"] == "EXECUTE_SUCCESS"
    assert [r["KeyTag"] for r in records(sim)] == [2371, 12345]
    assert run(sim, DELETE, {"DomainName": "example.com", "KeyTag": 12345})["TaskType"] == "DELETE_DSRECORD"
    assert records(sim) == [{"KeyTag": 2371, "Algorithm": 13, "DigestType": 4, "Digest": SHA384}]

    # modify is keyed by KeyTag alone: the rest of the record is replaced
    detail = run(sim, MODIFY, ds(key_tag=2371, algorithm=8, digest_type=1, digest=SHA1))
    assert (detail["TaskStatus"], detail["TaskType"]) == ("EXECUTE_SUCCESS", "UPDATE_DSRECORD")
    assert records(sim) == [{"KeyTag": 2371, "Algorithm": 8, "DigestType": 1, "Digest": SHA1}]
    assert sim.read_state()["domains"]["example.com"]["ds"] == [
        {"key_tag": 2371, "algorithm": 8, "digest_type": 1, "digest": SHA1}]

    # synchronising changes nothing, through a task like the others
    assert run(sim, SYNC, {"DomainName": "example.com"})["TaskType"] == "SYNC_DSRECORD"
    assert len(records(sim)) == 1
    assert records(sim, "customer.net") == []  # per domain

    tasks = sim.ok("QueryTaskList", {"PageNum": 1, "PageSize": 10})["Data"]["TaskInfo"]
    assert [t["TaskType"] for t in tasks] == ["SYNC_DSRECORD", "UPDATE_DSRECORD", "DELETE_DSRECORD",
                                              "CREATE_DSRECORD", "CREATE_DSRECORD"]
    writes = [(line["action"], line["write"]) for line in sim.log_lines() if line["action"] != "QueryTaskDetailList"]
    assert (ADD, True) in writes and (MODIFY, True) in writes and (DELETE, True) in writes and (SYNC, True) in writes
    assert (QUERY, False) in writes


def test_every_algorithm_and_digest_type_the_registry_lists(start_sim):
    sim = start_sim()
    digests = {1: SHA1, 2: SHA256, 3: SHA256, 4: SHA384}  # GOST R 34.11-94 is 256 bits too
    algorithms = [1, 2, 3, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16, 252, 253, 254]
    for tag, algorithm in enumerate(algorithms):
        digest_type = tag % 4 + 1
        assert run(sim, ADD, ds(tag, algorithm, digest_type, digests[digest_type]))["TaskStatus"] == "EXECUTE_SUCCESS"
    assert [(r["Algorithm"], r["DigestType"]) for r in records(sim)] == [
        (a, t % 4 + 1) for t, a in enumerate(algorithms)]
    run(sim, ADD, ds(key_tag=65535))
    assert records(sim)[-1]["KeyTag"] == 65535


@pytest.mark.parametrize("action, params, code, words", [
    (ADD, {"KeyTag": 1, "Algorithm": 13, "DigestType": 2, "Digest": SHA256}, "MissingParameter", ["DomainName"]),
    (ADD, {"DomainName": "example.com", "Algorithm": 13, "DigestType": 2, "Digest": SHA256},
     "MissingParameter", ["KeyTag"]),
    (ADD, dict(ds(), Algorithm=""), "MissingParameter", ["Algorithm"]),
    (ADD, dict(ds(), DigestType=" "), "MissingParameter", ["DigestType"]),
    (ADD, dict(ds(), Digest=""), "MissingParameter", ["Digest"]),
    (ADD, ds(key_tag=65536), "InvalidParameter", ["KeyTag", "65535", "65536"]),
    (ADD, ds(key_tag=-1), "InvalidParameter", ["KeyTag", "-1"]),
    (ADD, ds(key_tag="12a"), "InvalidParameter", ["KeyTag", "12a"]),
    (ADD, ds(key_tag="1_000"), "InvalidParameter", ["KeyTag"]),
    (ADD, ds(algorithm=4), "InvalidParameter", ["Algorithm 4"]),
    (ADD, ds(algorithm=9), "InvalidParameter", ["Algorithm 9"]),
    (ADD, ds(algorithm=17), "InvalidParameter", ["Algorithm 17"]),
    (ADD, ds(algorithm=256), "InvalidParameter", ["Algorithm", "256"]),
    (ADD, ds(digest_type=0), "InvalidParameter", ["DigestType 0"]),
    (ADD, ds(digest_type=5), "InvalidParameter", ["DigestType 5"]),
    (ADD, ds(digest=SHA256[:-1] + "g"), "InvalidParameter", ["hexadecimal", "Digest"]),
    (ADD, ds(digest=SHA256[:32] + " " + SHA256[32:]), "InvalidParameter", ["hexadecimal"]),
    (ADD, ds(digest_type=2, digest=SHA1), "InvalidParameter", ["40", "digest type 2 needs 64"]),
    (ADD, ds(digest_type=1, digest=SHA256), "InvalidParameter", ["64", "digest type 1 needs 40"]),
    (ADD, ds(digest_type=4, digest=SHA256), "InvalidParameter", ["digest type 4 needs 96"]),
    (ADD, ds(domain="absent.com"), "DomainNotExist", ["absent.com"]),
    (MODIFY, ds(digest="00"), "InvalidParameter", ["Digest"]),
    (MODIFY, ds(domain="absent.com"), "DomainNotExist", ["absent.com"]),
    (DELETE, {"DomainName": "example.com"}, "MissingParameter", ["KeyTag"]),
    (DELETE, {"DomainName": "example.com", "KeyTag": "x"}, "InvalidParameter", ["KeyTag"]),
    (DELETE, {"KeyTag": 1}, "MissingParameter", ["DomainName"]),
    (DELETE, {"DomainName": "absent.com", "KeyTag": 1}, "DomainNotExist", ["absent.com"]),
    (SYNC, {}, "MissingParameter", ["DomainName"]),
    (SYNC, {"DomainName": "absent.com"}, "DomainNotExist", ["absent.com"]),
    (QUERY, {}, "MissingParameter", ["DomainName"]),
    (QUERY, {"DomainName": "absent.com"}, "DomainNotExist", ["absent.com"]),
])
def test_rejected_synchronously(shared_sim, action, params, code, words):
    sim = shared_sim
    status, got, message = sim.error(action, params)
    assert (status, got) == (400, code), message
    for word in words:
        assert word in message
    assert not any(line["write"] for line in sim.log_lines())
    assert sim.read_state()["tasks"] == {}
    assert sim.read_state()["domains"]["example.com"]["ds"] == []


def test_conflicts_with_the_registry_fail_the_task(start_sim):
    sim = start_sim()
    run(sim, ADD, ds())
    duplicate = run(sim, ADD, ds(digest=NEW_SHA256))  # the same KeyTag, even with another digest
    assert duplicate["TaskStatus"] == "EXECUTE_FAILURE" and duplicate["TaskResult"] == "failure"
    assert "KeyTag 12345 already exists" in duplicate["ErrorMsg"]
    for action, params in ((MODIFY, ds(key_tag=1)), (DELETE, {"DomainName": "example.com", "KeyTag": 1})):
        detail = run(sim, action, params)
        assert detail["TaskStatus"] == "EXECUTE_FAILURE", detail
        assert "KeyTag 1 does not exist for example.com" in detail["ErrorMsg"]
    # a KeyTag of another domain is not this domain's
    detail = run(sim, DELETE, {"DomainName": "customer.net", "KeyTag": 12345})
    assert detail["TaskStatus"] == "EXECUTE_FAILURE"
    assert records(sim) == [{"KeyTag": 12345, "Algorithm": 13, "DigestType": 2, "Digest": SHA256}]


def test_one_task_at_a_time_per_domain(start_sim):
    sim = start_sim(flags=["--task-delay", "0.4"])
    first = sim.ok(ADD, ds())["TaskNo"]
    status, code, message = sim.error(ADD, ds(key_tag=2))
    assert (status, code) == (400, "TaskIsBeingProcessed") and "example.com" in message
    # a host task keeps the domain busy for DS writes too, and the other way round
    sim.ok(ADD, ds(domain="customer.net"))  # another domain is not busy
    sim.wait_task(first)
    host = sim.ok("SaveSingleTaskForCreatingDnsHost", {"InstanceId": "S1", "DnsName": "ns1", "Ip.1": "198.51.100.1"})
    assert sim.error(DELETE, {"DomainName": "example.com", "KeyTag": 12345})[1] == "TaskIsBeingProcessed"
    sim.wait_task(host["TaskNo"])
    assert run(sim, DELETE, {"DomainName": "example.com", "KeyTag": 12345})["TaskStatus"] == "EXECUTE_SUCCESS"


def test_no_busy_applies_tasks_in_order(start_sim):
    sim = start_sim(flags=["--task-delay", "0.3", "--no-busy"])
    add = sim.ok(ADD, ds())["TaskNo"]
    again = sim.ok(ADD, ds(digest=NEW_SHA256))["TaskNo"]
    delete = sim.ok(DELETE, {"DomainName": "example.com", "KeyTag": 12345})["TaskNo"]
    assert sim.wait_task(add)[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    assert sim.wait_task(again)[0]["TaskStatus"] == "EXECUTE_FAILURE"
    assert sim.wait_task(delete)[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    assert records(sim) == []


def test_faults_apply_to_ds_calls(start_sim):
    sim = start_sim()
    sim.admin("faults", {"fail_next_task": "The registry refused the DS record."})
    detail = run(sim, ADD, ds())
    assert (detail["TaskStatus"], detail["ErrorMsg"]) == ("EXECUTE_FAILURE", "The registry refused the DS record.")
    assert records(sim) == []
    sim.admin("faults", {"reset": True, "throttle_every": 2, "retry_after_ms": 250})
    assert sim.call(QUERY, {"DomainName": "example.com"})[0] == 200
    r = sim.send(sim.signed(ADD, ds()))
    assert (r.status_code, r.json()["Code"], r.headers["x-acs-retry-after"]) == (400, "Throttling.User", "250")
    sim.admin("faults", {"reset": True, "unavailable_every": 1})
    status, code, unused = sim.error(DELETE, {"DomainName": "example.com", "KeyTag": 1})
    assert (status, code) == (503, "ServiceUnavailable")
    sim.admin("faults", {"reset": True})
    assert records(sim) == []  # nothing a refused call asked for happened


def test_signatures_are_checked(sim):
    params = sim.signed(ADD, ds())
    params["Digest"] = NEW_SHA256  # changed after signing
    r = sim.send(params)
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureDoesNotMatch")
    status, code, unused = sim.error(QUERY, {"DomainName": "example.com"}, secret="wrong")
    assert (status, code) == (400, "SignatureDoesNotMatch")
    assert sim.read_state()["tasks"] == {}


def test_intl_version_has_the_same_actions(sim):
    detail = run(sim, ADD, dict(ds(), Version="2017-12-18"))
    assert detail["TaskStatus"] == "EXECUTE_SUCCESS"
    assert sim.ok(QUERY, {"DomainName": "example.com", "Version": "2017-12-18"})["DSRecordList"][0]["KeyTag"] == 12345


def test_xml_format(sim):
    run(sim, ADD, ds())
    r = sim.send(sim.signed(QUERY, {"DomainName": "example.com"}, Format="XML"))
    assert r.status_code == 200 and "<KeyTag>12345</KeyTag>" in r.text and "<Digest>%s</Digest>" % SHA256 in r.text


def test_state_survives_kill_9_and_seed_and_admin(start_sim):
    seed = json.loads(json.dumps(__import__("conftest").default_seed()))
    seed["domains"][0]["ds"] = [{"key_tag": 7, "algorithm": 13, "digest_type": 2, "digest": SHA256.upper()}]
    sim = start_sim(seed=seed, flags=["--task-delay", "0.3"])
    assert records(sim) == [{"KeyTag": 7, "Algorithm": 13, "DigestType": 2, "Digest": SHA256}]
    task = sim.ok(ADD, ds(key_tag=8))["TaskNo"]
    sim.stop(signal.SIGKILL)
    assert sim.read_state()["tasks"][task]["details"][0]["status"] == 0  # persisted before the answer
    sim.start()
    assert sim.wait_task(task)[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    assert [r["KeyTag"] for r in records(sim)] == [7, 8]
    # the admin endpoint writes DS records past the rules (a lab's broken chain)
    sim.admin("domains/example.com", {"ds": [{"key_tag": 9, "algorithm": 99, "digest_type": 2, "digest": "AB"}]})
    assert records(sim) == [{"KeyTag": 9, "Algorithm": 99, "DigestType": 2, "Digest": "ab"}]
    assert sim.read_state()["domains"]["example.com"]["hosts"] == {}  # other keys stay
    r = requests.post(sim.url + "_admin/domains/example.com", json={"ds": [{"key_tag": "x"}]}, timeout=5)
    assert r.status_code == 400 and "bad domain record" in r.text
    assert records(sim)[0]["KeyTag"] == 9  # nothing changed


def test_a_state_without_ds_records_loads(start_sim):
    sim = start_sim()
    sim.stop()
    state = sim.read_state()
    for dom in state["domains"].values():
        del dom["ds"]
    with open(sim.state, "w") as f:
        json.dump(state, f)
    sim.start()
    assert records(sim) == []
    assert run(sim, ADD, ds())["TaskStatus"] == "EXECUTE_SUCCESS"
