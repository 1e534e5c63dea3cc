"""Persistence (kill -9, restart, atomic writes), fault injection, the admin endpoint, concurrency."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import SIMULATOR

CREATE = "SaveSingleTaskForCreatingDnsHost"
LIST = ("QueryDomainList", {"PageNum": 1, "PageSize": 10})


def create(sim, label, ip, instance="S1"):
    return sim.ok(CREATE, {"InstanceId": instance, "DnsName": label, "Ip.1": ip})["TaskNo"]


def test_pending_task_survives_kill_9(start_sim):
    sim = start_sim(flags=["--task-delay", "0.5"])
    task = create(sim, "ns1", "198.51.100.1")
    sim.stop(signal.SIGKILL)
    state = sim.read_state()
    assert state["tasks"][task]["details"][0]["status"] == 0  # persisted before the answer
    assert state["domains"]["example.com"]["hosts"] == {}
    sim.start()
    details = sim.wait_task(task, timeout=5)
    assert details[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    assert sim.read_state()["domains"]["example.com"]["hosts"] == {"ns1.example.com": ["198.51.100.1"]}
    # and a task that fell due while the simulator was down completes at start
    task = create(sim, "ns2", "198.51.100.2")
    sim.stop(signal.SIGKILL)
    time.sleep(0.6)
    sim.start()
    assert sim.read_state()["domains"]["example.com"]["hosts"]["ns2.example.com"] == ["198.51.100.2"]


def test_tasks_complete_without_requests(start_sim):
    sim = start_sim(flags=["--task-delay", "0.2"])
    create(sim, "ns1", "198.51.100.1")
    deadline = time.time() + 3
    while "ns1.example.com" not in sim.read_state()["domains"]["example.com"]["hosts"]:
        assert time.time() < deadline, "the background thread did not apply the task"
        time.sleep(0.05)


def test_seed_only_without_state(start_sim):
    sim = start_sim()
    create(sim, "ns1", "198.51.100.1")
    assert sim.stop() == 0  # SIGTERM: clean exit
    with open(sim.seed, "w") as f:
        json.dump({"credentials": [], "domains": []}, f)
    sim.start()
    assert sim.ok("QueryDnsHost", {"InstanceId": "S1"})["DnsHostList"] == [{"DnsName": "ns1", "IpList": ["198.51.100.1"]}]


def test_state_schema_and_atomic_writes(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--no-busy"])
    stop = threading.Event()
    reads = []
    errors = []

    def reader():
        while not stop.is_set():
            try:
                with open(sim.state) as f:
                    reads.append(json.load(f)["version"])
            except ValueError as exc:  # a torn write
                errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(1, 31):
            create(sim, "ns%d" % i if i <= 13 else "ns1", "198.51.100.%d" % i, instance="S1" if i <= 13 else "S2")
    finally:
        stop.set()
        t.join()
    assert not errors and len(reads) > 10
    state = sim.read_state()
    assert set(state) == {"version", "credentials", "domains", "tasks", "used_nonces"}
    assert state["version"] == 1
    assert set(state["domains"]["example.com"]) == {"instance_id", "nameservers", "hosts", "ds"}
    assert len(state["domains"]["example.com"]["hosts"]) == 13
    leftovers = [n for n in os.listdir(os.path.dirname(sim.state)) if n.endswith(".tmp")]
    assert leftovers == []


def test_faults_from_flags(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--throttle-every", "2", "--unavailable-every", "3"])
    results = [sim.call(*LIST)[0:2] for unused in range(6)]
    codes = [body.get("Code") for unused, body in results]
    statuses = [status for status, unused in results]
    assert codes == [None, "Throttling.User", "ServiceUnavailable", "Throttling.User", None, "Throttling.User"]
    assert statuses == [200, 400, 503, 400, 200, 400]
    assert [line["code"] for line in sim.log_lines()] == codes
    assert sim.admin("faults")["calls"] == {"throttle_every": 6, "unavailable_every": 6}


def test_slow_and_fail_next_task_from_flags(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--slow", "0.3", "--fail-next-task", "registry says: locked"])
    began = time.time()
    task = create(sim, "ns1", "198.51.100.1")
    assert time.time() - began >= 0.3
    began = time.time()
    sim.admin("faults")  # admin calls are not slowed
    assert time.time() - began < 0.25
    sim.admin("faults", {"slow": 0})
    d = sim.wait_task(task)[0]
    assert d["TaskStatus"] == "EXECUTE_FAILURE" and d["ErrorMsg"] == "registry says: locked"
    assert sim.read_state()["domains"]["example.com"]["hosts"] == {}
    assert sim.wait_task(create(sim, "ns1", "198.51.100.1"))[0]["TaskStatus"] == "EXECUTE_SUCCESS"


def test_faults_through_admin(sim):
    assert sim.admin("faults") == {"calls": {}}
    sim.admin("faults", {"throttle_every": 1, "retry_after_ms": 1500})
    r = sim.send(sim.signed(*LIST))
    assert (r.status_code, r.json()["Code"], r.headers.get("x-acs-retry-after")) == (400, "Throttling.User", "1500")
    sim.admin("faults", {"reset": True, "unavailable_every": 2})
    for unused in range(3):
        sim.admin("state")  # admin calls are not counted
    assert [sim.call(*LIST)[0] for unused in range(4)] == [200, 503, 200, 503]
    faults = sim.admin("faults", {"reset": True, "fail_next_task": "no way", "slow": 0.1})
    assert faults == {"fail_next_task": "no way", "slow": 0.1, "calls": {}}
    d = sim.wait_task(create(sim, "ns1", "198.51.100.1"))[0]
    assert d["ErrorMsg"] == "no way"
    assert "fail_next_task" not in sim.admin("faults")  # used once
    sim.admin("faults", {"reset": True})
    assert sim.admin("faults") == {"calls": {}}
    assert all(line["action"] != "" for line in sim.log_lines())


def test_admin_state_domains_and_log(sim):
    state = sim.admin("state")
    assert "credentials" not in state and "example.com" in state["domains"]
    # break a delegation by hand: rules and tasks are bypassed
    sim.admin("domains/Example.COM", {"nameservers": ["NS1.example.com.", "ns2.example.com"],
                                      "hosts": {"ns2.example.com": ["127.0.0.1", "2001:DB8::0:1"]}})
    record = sim.read_state()["domains"]["example.com"]
    assert record == {"instance_id": "S1", "nameservers": ["ns1.example.com", "ns2.example.com"],
                      "hosts": {"ns2.example.com": ["127.0.0.1", "2001:db8::1"]}, "ds": []}
    assert sim.ok("QueryDomainByDomainName", {"DomainName": "example.com"})["DnsList"]["Dns"] == \
        ["ns1.example.com", "ns2.example.com"]
    sim.admin("domains/new.org", {"nameservers": ["ns.provider.org"]})
    assert sim.ok("QueryDomainByDomainName", {"DomainName": "new.org"})["InstanceId"].startswith("S")
    assert not any(line["write"] for line in sim.log_lines())
    sim.admin("log/clear", {})
    assert sim.log_lines() == []
    r = requests.get(sim.url + "_admin/nothing", timeout=5)
    assert r.status_code == 404


def test_ready_file_and_port(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"credentials": [], "domains": [{"name": "a.com"}]}))
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, SIMULATOR, "--listen", "127.0.0.1:0", "--state",
                             str(tmp_path / "state.json"), "--seed", str(seed), "--ready-file", str(ready)],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        address = ready.read_text().strip()
        assert line == "listening on http://" + address and address.startswith("127.0.0.1:")
        assert int(address.rsplit(":", 1)[1]) > 0
        assert os.path.exists(str(tmp_path / "state.json.log.jsonl"))  # default log path
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_concurrent_reads(start_sim):
    seed = {"credentials": [{"access_key_id": "test-key-id", "access_key_secret": "test-secret"}],
            "domains": [{"name": "d%04d.net" % i, "nameservers": ["dns1.hichina.com"]} for i in range(1000)]}
    sim = start_sim(seed=seed, flags=["--task-delay", "0", "--nonce-flush", "30"])
    before = os.stat(sim.state).st_mtime_ns
    sessions = threading.local()

    def lookup(i):
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        r = sessions.s.post(sim.url, data=sim.signed("QueryDomainByDomainName", {"DomainName": "d%04d.net" % i}),
                            timeout=10)
        return r.status_code, r.json().get("DomainName")

    began = time.time()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lookup, range(1000)))
    elapsed = time.time() - began
    assert results == [(200, "d%04d.net" % i) for i in range(1000)]
    assert elapsed < 10, elapsed
    assert os.stat(sim.state).st_mtime_ns == before  # read-only calls do not rewrite the state
    assert len(sim.log_lines()) == 1000
    sim.stop()  # a clean stop saves the 1000 nonces
    assert len(sim.read_state()["used_nonces"]) == 1000


def test_finished_tasks_are_pruned(module, tmp_path):
    """Unit level: old finished tasks are forgotten, the newest and unfinished ones kept."""
    args = module.parse_args(["--listen", "127.0.0.1:0", "--state", str(tmp_path / "s.json"),
                              "--seed", str(tmp_path / "seed.json"), "--task-delay", "0"])
    (tmp_path / "seed.json").write_text(json.dumps({"credentials": [], "domains": [{"name": "a.com"}]}))
    sim = module.Simulator(args)
    try:
        with sim.lock:
            for unused in range(12):
                sim.new_task("CHG_DNS", {"nameservers": ["ns.b.org"]}, [("a.com", "x")] * 1000)
            assert len(sim.state["tasks"]) == 10
            newest = max(sim.state["tasks"].values(), key=lambda t: t["seq"])
            assert newest["seq"] == 12
    finally:
        sim.log_file.close()


def test_a_write_is_applied_though_its_answer_is_garbled_or_lost(start_sim):
    sim = start_sim()
    for fault, status in (("gateway_502", 502), ("not_json", 200), ("drop", None)):
        sim.admin("faults", {"next_write_answer": fault})
        label = "ns-" + fault.replace("_", "")
        params = sim.signed(CREATE, {"InstanceId": "S1", "DnsName": label, "Ip.1": "198.51.100.7"})
        try:
            response = requests.post(sim.url, data=params, timeout=5)
        except requests.exceptions.ConnectionError:
            assert fault == "drop"
        else:
            assert response.status_code == status
            with_json = True
            try:
                response.json()
            except ValueError:
                with_json = False
            assert not with_json
        assert sim.admin("faults").get("next_write_answer") is None  # used up
        line = sim.log_lines()[-1]
        assert (line["action"], line["write"], line["fault"], line["status"]) == (CREATE, True, fault, status)
        assert "%s.example.com" % label in sim.read_state()["domains"]["example.com"]["hosts"]
    sim.ok(CREATE, {"InstanceId": "S1", "DnsName": "ns-after", "Ip.1": "198.51.100.8"})  # answered normally again
    sim.admin("faults", {"next_write_answer": "late"})
    params = sim.signed(CREATE, {"InstanceId": "S1", "DnsName": "ns-late", "Ip.1": "198.51.100.9"})
    try:
        requests.post(sim.url, data=params, timeout=0.5)
        raise AssertionError("the answer came in time")
    except requests.exceptions.Timeout:
        pass
    assert sim.log_lines()[-1]["fault"] == "late"
    assert "ns-late.example.com" in sim.read_state()["domains"]["example.com"]["hosts"]
