"""Route 53 Domains simulator: persistence (kill -9, restart, atomic writes), the state file as the
lab reads it, faults recovered (or not) by botocore's retries, the admin endpoint."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from route53_harness import SIMULATOR

pytest.importorskip("boto3")

from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PUBLISHER = os.path.join(ROOT, "tests", "lab", "registry_publisher.py")
NS_CHANGE = [{"Name": "ns1.example.com", "GlueIps": ["198.51.100.11"]}, {"Name": "ns.provider.net"}]


def change(client, domain="example.com", servers=None):
    return client.update_domain_nameservers(DomainName=domain, Nameservers=servers or NS_CHANGE)["OperationId"]


def codes(sim):
    return [line["code"] for line in sim.log_lines()]


# --------------------------------------------------------------------------- persistence

def test_pending_operation_survives_kill_9(r53_start):
    sim = r53_start(flags=["--operation-delay", "0.6"])
    op_id = change(sim.client())
    sim.stop(signal.SIGKILL)
    state = sim.read_state()
    assert state["operations"][op_id]["status"] == "SUBMITTED"  # on disk before the answer
    assert state["domains"]["example.com"]["hosts"]["ns1.example.com"] == ["198.51.100.10", "2001:db8:100::10"]
    sim.start()
    client = sim.client()
    assert sim.wait_operation(client, op_id)[0]["Status"] == "SUCCESSFUL"
    assert sim.read_state()["domains"]["example.com"]["hosts"] == {"ns1.example.com": ["198.51.100.11"]}
    # an operation that fell due while the simulator was down completes when it starts
    op_id = change(client, "customer.net", [{"Name": "ns.provider.net"}])
    sim.stop(signal.SIGKILL)
    time.sleep(0.7)
    sim.start()
    assert sim.read_state()["operations"][op_id]["status"] == "SUCCESSFUL"
    assert sim.read_state()["domains"]["customer.net"]["nameservers"] == ["ns.provider.net"]


def test_operations_complete_without_requests(r53_start):
    sim = r53_start(flags=["--operation-delay", "0.2"])
    change(sim.client())
    deadline = time.time() + 3
    while sim.read_state()["domains"]["example.com"]["nameservers"][1] != "ns.provider.net":
        assert time.time() < deadline, "the background thread did not apply the operation"
        time.sleep(0.05)


def test_state_is_kept_over_a_restart_and_the_seed_read_once(r53):
    client = r53.client()
    change(client)
    assert r53.stop() == 0  # SIGTERM: a clean exit
    with open(r53.seed, "w") as f:
        json.dump({"credentials": [], "domains": []}, f)
    r53.start()
    assert r53.client().get_domain_detail(DomainName="example.com")["Nameservers"] == NS_CHANGE


def test_atomic_writes_under_concurrent_reads(r53_start):
    sim = r53_start(flags=["--operation-delay", "0", "--no-busy"])
    client = sim.client()
    stop = threading.Event()
    reads, errors = [], []

    def reader():
        while not stop.is_set():
            try:
                with open(sim.state) as f:
                    reads.append(json.load(f)["version"])
            except ValueError as exc:  # a torn write
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(30):
            change(client, "customer.net", [{"Name": "ns%d.provider.net" % i}])
    finally:
        stop.set()
        thread.join()
    assert not errors and len(reads) > 10
    assert [n for n in os.listdir(os.path.dirname(sim.state)) if n.endswith(".tmp")] == []


def test_state_file_is_what_the_lab_publisher_reads(r53):
    """The keys other tools read; registry_publisher.py publishes delegations and glue from it unchanged."""
    client = r53.client()
    key = "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
    op_id = client.associate_delegation_signer_to_domain(DomainName="example.com", SigningAttributes={
        "Algorithm": 13, "Flags": 257, "PublicKey": key})["OperationId"]
    r53.wait_operation(client, op_id)
    state = r53.read_state()
    assert {"version", "service", "credentials", "domains", "operations"} <= set(state)
    assert (state["version"], state["service"]) == (1, "route53domains")
    record = state["domains"]["example.com"]
    assert record["nameservers"] == ["ns1.example.com", "ns2.example.com"]
    assert record["hosts"] == {"ns1.example.com": ["198.51.100.10", "2001:db8:100::10"],
                               "ns2.example.com": ["198.51.100.20"]}
    [ds] = record["dnssec_keys"]
    assert set(ds) == {"id", "algorithm", "flags", "public_key", "key_tag", "digest_type", "digest"}
    assert (ds["algorithm"], ds["flags"], ds["public_key"], ds["digest_type"]) == (13, 257, key, 2)
    spec = importlib.util.spec_from_file_location("registry_publisher_for_test", PUBLISHER)
    publisher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(publisher)
    zones = publisher.zone_bodies(publisher.read_source(r53.state, r53.seed), ["com", "net"], ["198.51.100.2"])
    assert "example.com. 60 IN NS ns1.example.com." in zones["com"]
    assert f"example.com. 60 IN DS {ds['key_tag']} 13 2 {ds['digest']}" in zones["com"]
    assert "ns1.example.com. 60 IN A 198.51.100.10" in zones["com"]
    assert "ns1.example.com. 60 IN AAAA 2001:db8:100::10" in zones["com"]
    assert "customer.net. 60 IN NS ns-1.awsdns-01.org." in zones["net"]


# --------------------------------------------------------------------------- faults and botocore's retries

def test_throttling_is_retried_by_botocore(r53_start):
    sim = r53_start(flags=["--operation-delay", "0", "--throttle-every", "2"])
    patient = sim.client(retries=3)
    answers = [patient.list_domains() for unused in range(3)]
    assert [a["ResponseMetadata"]["RetryAttempts"] for a in answers] == [0, 1, 1]
    assert codes(sim) == [None, "ThrottlingException", None, "ThrottlingException", None]
    refused = pytest.raises(ClientError, sim.client(retries=1).list_domains).value.response
    assert (refused["Error"]["Code"], refused["Error"]["Message"], refused["ResponseMetadata"]["HTTPStatusCode"]) \
        == ("ThrottlingException", "Rate exceeded", 400)
    sim.admin("faults", {"throttle_code": "Throttling", "throttle_every": 2})  # Route 53's own code
    patient.list_domains()
    assert patient.list_domains()["ResponseMetadata"]["RetryAttempts"] == 1
    assert codes(sim)[-2:] == ["Throttling", None]


def test_server_errors_are_retried_by_botocore(r53_start):
    sim = r53_start(flags=["--operation-delay", "0", "--unavailable-every", "2", "--internal-error-every", "3"])
    client = sim.client(retries=4)
    for unused in range(3):
        assert client.get_domain_detail(DomainName="example.com")["DomainName"] == "example.com"
    assert [(line["status"], line["code"]) for line in sim.log_lines()][:4] == [
        (200, None), (503, "ServiceUnavailable"), (500, "InternalFailure"), (503, "ServiceUnavailable")]


def test_dropped_connections_are_retried_by_botocore(r53_start):
    sim = r53_start(flags=["--operation-delay", "0", "--drop-every", "2"])
    client = sim.client(retries=3)
    assert [client.list_domains()["ResponseMetadata"]["RetryAttempts"] for unused in range(2)] == [0, 1]
    assert [line["fault"] for line in sim.log_lines()] == [None, "drop", None]
    sim.admin("faults", {"reset": True, "drop_every": 1})
    with pytest.raises(ConnectionClosedError):
        sim.client(retries=1).list_domains()


def test_a_write_whose_answer_was_lost(r53_start):
    """The change is accepted, the answer never arrives: botocore's retry meets DuplicateRequest, and
    the operation is found with ListOperations. A provider must cope with exactly this."""
    sim = r53_start(flags=["--operation-delay", "2"])
    sim.admin("faults", {"drop_reply_every": 1})
    with pytest.raises(ConnectionClosedError):
        change(sim.client(retries=1))
    sim.admin("faults", {"reset": True})
    client = sim.client()
    with pytest.raises(ClientError) as info:
        change(client)
    assert info.value.response["Error"]["Code"] == "DuplicateRequest"
    [pending] = client.list_operations(Status=["SUBMITTED", "IN_PROGRESS"])["Operations"]
    assert (pending["DomainName"], pending["Type"]) == ("example.com", "UPDATE_NAMESERVER")
    first = sim.log_lines()[0]
    assert (first["fault"], first["write"], first["operation_id"]) == ("drop_reply", True, pending["OperationId"])


def test_slow_answers(r53_start):
    sim = r53_start(flags=["--operation-delay", "0", "--slow", "0.6"])
    with pytest.raises(ReadTimeoutError):
        sim.client(retries=1, read_timeout=0.2).list_domains()
    began = time.time()
    sim.admin("faults")  # admin calls are never slowed
    assert time.time() - began < 0.5
    sim.admin("faults", {"slow": 0})
    assert sim.client(read_timeout=0.5).list_domains()["Domains"]


# --------------------------------------------------------------------------- admin endpoint and start

def test_admin_faults(r53):
    assert r53.admin("faults") == {"calls": {}}
    assert r53.admin("faults", {"throttle_every": 3, "slow": 0.1, "fail_next_operation": "x"}) == {
        "throttle_every": 3, "slow": 0.1, "fail_next_operation": "x", "calls": {"throttle_every": 0}}
    r53.admin("state")  # admin calls are not counted
    r53.client(retries=3).list_domains()
    assert r53.admin("faults")["calls"] == {"throttle_every": 1}
    assert r53.admin("faults", {"reset": True}) == {"calls": {}}
    for bad in ({"throttle_every": "often"}, {"no_such_fault": 1}, {"slow": -1}):
        r = requests.post(r53.url + "_admin/faults", json=bad, timeout=5)
        assert r.status_code == 400 and "bad fault value" in r.json()["error"], bad
    assert requests.get(r53.url + "_admin/nothing", timeout=5).status_code == 404


def test_admin_domains_state_and_log(r53_start):
    sim = r53_start(flags=["--operation-delay", "0.2"])
    client = sim.client()
    sim.admin("faults", {"operation_delay": 0.4})
    op_id = change(client, "customer.net", [{"Name": "ns.provider.net"}])
    assert sim.wait_operation(client, op_id)[1] == ["SUBMITTED", "IN_PROGRESS", "SUCCESSFUL"]
    state = sim.admin("state")
    assert "credentials" not in state and op_id in state["operations"]
    # break a delegation by hand: no rules, no operation
    sim.admin("domains/Example.COM", {"nameservers": [
        "NS9.example.com.", {"name": "ns8.example.com", "glue_ips": ["2001:DB8::0:8"]}]})
    assert client.get_domain_detail(DomainName="example.com")["Nameservers"] == [
        {"Name": "ns9.example.com"}, {"Name": "ns8.example.com", "GlueIps": ["2001:db8::8"]}]
    sim.admin("domains/new.org", {"expiry": "2027-01-01"})
    assert client.get_domain_detail(DomainName="new.org")["Nameservers"][0]["Name"] == "ns-1.awsdns-01.org"
    assert sim.admin("domains/new.org", method="DELETE") == {"deleted": True}
    assert not any(line["write"] for line in sim.log_lines()[1:] if line["action"] != "UpdateDomainNameservers")
    sim.admin("log/clear", {})
    assert sim.log_lines() == []


def test_ready_file_default_log_and_signals(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"credentials": [], "domains": [{"name": "a.com"}]}))
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, SIMULATOR, "--listen", "127.0.0.1:0", "--state",
                             str(tmp_path / "state.json"), "--seed", str(seed), "--ready-file", str(ready),
                             "--task-delay", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        address = ready.read_text().strip()
        assert line == "listening on http://" + address and address.startswith("127.0.0.1:")
        assert int(address.rsplit(":", 1)[1]) > 0
        assert os.path.exists(str(tmp_path / "state.json.log.jsonl"))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
