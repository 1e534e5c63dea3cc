"""The registry's rules: synchronous errors for syntax and limits, failed tasks for state conflicts."""

import signal

import pytest

from conftest import Sim

CREATE = "SaveSingleTaskForCreatingDnsHost"
MODIFY = "SaveSingleTaskForModifyingDnsHost"
DELETE = "SaveSingleTaskForDeletingDnsHost"
BATCH = "SaveBatchTaskForModifyingDomainDns"


def ips(*values):
    return dict(("Ip.%d" % i, v) for i, v in enumerate(values, 1))


def host(instance, name, *addresses):
    return dict({"InstanceId": instance, "DnsName": name}, **ips(*addresses))


def hosts_of(sim, domain):
    return sim.read_state()["domains"][domain]["hosts"]


@pytest.fixture(scope="module")
def shared_sim(tmp_path_factory):
    """One simulator for the many rejection cases (they change nothing)."""
    sim = Sim(tmp_path_factory.mktemp("rules"), flags=["--task-delay", "0"])
    yield sim
    sim.stop(signal.SIGKILL)


@pytest.mark.parametrize("params, code, words", [
    ({"InstanceId": "S1", "DnsName": "ns1"}, "MissingParameter", ["Ip"]),
    (host("S1", "ns1", *["198.51.100.%d" % i for i in range(1, 15)]), "InvalidParameter", ["13"]),
    (dict({"InstanceId": "S1", "DnsName": "ns1", "Ip.1": "198.51.100.1", "Ip.3": "198.51.100.3"}),
     "InvalidParameter", ["gaps"]),
    (dict({"InstanceId": "S1", "DnsName": "ns1", "Ip.0": "198.51.100.1"}), "InvalidParameter", ["Ip.0"]),
    (dict({"InstanceId": "S1", "DnsName": "ns1", "Ip.1": ""}), "InvalidParameter", ["Ip.1"]),
    (host("S1", "ns1", "2001:db8::1", "2001:DB8:0::1"), "ParameterIllegal", ["duplicate", "2001:db8::1"]),
    (host("S1", "ns1", "198.51.100.300"), "ParameterIllegal", ["198.51.100.300"]),
    (host("S1", "ns1", "127.0.0.1"), "ParameterIllegal", ["loopback"]),
    (host("S1", "ns1", "::1"), "ParameterIllegal", ["loopback"]),
    (host("S1", "ns1", "0.0.0.0"), "ParameterIllegal", ["unspecified"]),
    (host("S1", "ns1", "::"), "ParameterIllegal", ["unspecified"]),
    (host("S1", "ns1", "224.0.0.5"), "ParameterIllegal", ["multicast"]),
    (host("S1", "ns1", "ff02::1"), "ParameterIllegal", ["multicast"]),
    (host("S1", "ns1", "169.254.1.1"), "ParameterIllegal", ["link-local"]),
    (host("S1", "ns1", "fe80::1"), "ParameterIllegal", ["link-local"]),
    (host("S1", "ns_1", "198.51.100.1"), "InvalidParameter", ["ns_1"]),
    (host("S1", "-ns1", "198.51.100.1"), "InvalidParameter", ["-ns1"]),
    (host("S1", "a" * 64, "198.51.100.1"), "InvalidParameter", ["63"]),
    (host("S1", ("a" * 30 + ".") * 3 + "ns1", "198.51.100.1"), "InvalidParameter", ["80"]),
    (host("S1", "example.com", "198.51.100.1"), "InvalidParameter", ["domain itself"]),
    (host("S1", "ns 1", "198.51.100.1"), "InvalidParameter", ["ns 1"]),
    (host("S3", "a.ns1", "198.51.100.1"), "ParameterIllegal", ["fourth-level"]),
    (host("S4", "ns1", "198.51.100.1"), "DomainSuffixUnsupported", [".hk"]),
    (host("S99", "ns1", "198.51.100.1"), "DomainNotExist", ["S99"]),
])
def test_create_rejected_synchronously(shared_sim, params, code, words):
    sim = shared_sim
    status, got, message = sim.error(CREATE, params)
    assert (status, got) == (400, code), message
    for word in words:
        assert word in message
    assert not any(line["write"] for line in sim.log_lines())
    assert sim.read_state()["tasks"] == {}


def test_labels_full_names_and_strict(start_sim):
    sim = start_sim()
    sim.ok(CREATE, host("S1", "ns1", "198.51.100.1"))
    sim.ok(CREATE, host("S1", "NS2.Example.COM.", "2001:DB8::0:2", "198.51.100.2"))
    sim.ok(CREATE, host("S1", "a.ns3", "198.51.100.3"))  # deeper names are fine outside .cn
    sim.ok(CREATE, host("S3", "ns1.example.cn", "198.51.100.4"))  # a third-level .cn host
    assert hosts_of(sim, "example.com") == {"ns1.example.com": ["198.51.100.1"],
                                            "ns2.example.com": ["2001:db8::2", "198.51.100.2"],
                                            "a.ns3.example.com": ["198.51.100.3"]}
    answer = sim.ok("QueryDnsHost", {"InstanceId": "S1"})["DnsHostList"]
    assert answer == [{"DnsName": "a.ns3", "IpList": ["198.51.100.3"]},
                      {"DnsName": "ns1", "IpList": ["198.51.100.1"]},
                      {"DnsName": "ns2", "IpList": ["2001:db8::2", "198.51.100.2"]}]
    strict = start_sim(flags=["--task-delay", "0", "--strict-labels"], name="strict")
    assert strict.error(CREATE, host("S1", "ns1.example.com", "198.51.100.1"))[1] == "InvalidParameter"
    strict.ok(CREATE, host("S1", "ns1", "198.51.100.1"))
    # a dotted name that is not inside the domain is a deeper label, in either mode
    strict.ok(CREATE, host("S1", "ns1.other.org", "198.51.100.1"))
    assert "ns1.other.org.example.com" in hosts_of(strict, "example.com")


def test_host_limits(start_sim):
    domains = [
        {"name": "full.com", "instance_id": "F1", "nameservers": ["dns1.hichina.com"],
         "hosts": [{"name": "ns%d.full.com" % i, "ips": ["198.51.100.%d" % (i + 1)]} for i in range(13)]},
        {"name": "full.cn", "instance_id": "F2", "nameservers": ["dns1.hichina.com"],
         "hosts": [{"name": "ns%d.full.cn" % i, "ips": ["198.51.100.%d" % (i + 1)]} for i in range(6)]},
        {"name": "room.cn", "instance_id": "F3", "nameservers": ["dns1.hichina.com"],
         "hosts": [{"name": "ns%d.room.cn" % i, "ips": ["198.51.100.%d" % (i + 1)]} for i in range(5)]},
    ]
    seed = {"credentials": [{"access_key_id": "test-key-id", "access_key_secret": "test-secret"}], "domains": domains}
    sim = start_sim(seed=seed)
    status, code, message = sim.error(CREATE, host("F1", "ns13", "198.51.100.99"))
    assert code == "ParameterIllegal" and "13" in message
    status, code, message = sim.error(CREATE, host("F2", "ns6", "198.51.100.99"))
    assert code == "ParameterIllegal" and "6" in message and ".cn" in message
    sim.ok(CREATE, host("F3", "ns5", "198.51.100.99"))
    assert sim.error(CREATE, host("F3", "ns6", "198.51.100.99"))[1] == "ParameterIllegal"
    # modifying a host of a full domain is fine
    task = sim.ok(MODIFY, host("F1", "ns0", "198.51.100.200"))["TaskNo"]
    assert sim.wait_task(task)[0]["TaskStatus"] == "EXECUTE_SUCCESS"


def test_state_conflicts_fail_as_tasks(sim):
    def run(action, params):
        return sim.wait_task(sim.ok(action, params)["TaskNo"])[0]

    d = run(MODIFY, host("S1", "ns1", "198.51.100.1"))
    assert (d["TaskStatus"], d["TaskStatusCode"]) == ("EXECUTE_FAILURE", 3) and "does not exist" in d["ErrorMsg"]
    d = run(DELETE, {"InstanceId": "S1", "DnsName": "ns1"})
    assert d["TaskStatus"] == "EXECUTE_FAILURE" and "ns1.example.com" in d["ErrorMsg"]
    assert run(CREATE, host("S1", "ns1", "198.51.100.1"))["TaskStatus"] == "EXECUTE_SUCCESS"
    d = run(CREATE, host("S1", "ns1", "198.51.100.2"))
    assert d["TaskStatus"] == "EXECUTE_FAILURE" and "already exists" in d["ErrorMsg"]
    assert hosts_of(sim, "example.com") == {"ns1.example.com": ["198.51.100.1"]}
    # modify replaces the whole list
    assert run(MODIFY, host("S1", "ns1", "2001:db8::5", "198.51.100.5"))["TaskStatus"] == "EXECUTE_SUCCESS"
    assert hosts_of(sim, "example.com") == {"ns1.example.com": ["2001:db8::5", "198.51.100.5"]}
    # in use by another domain (other.org's host used by customer.net): the delete fails, naming it
    d = run(BATCH, {"DomainName.1": "customer.net", "AliyunDns": "false",
                    "DomainNameServer.1": "ns1.other.org", "DomainNameServer.2": "ns1.example.com"})
    assert d["TaskStatus"] == "EXECUTE_SUCCESS"
    d = run(DELETE, {"InstanceId": sim.read_state()["domains"]["other.org"]["instance_id"], "DnsName": "ns1"})
    assert d["TaskStatus"] == "EXECUTE_FAILURE" and "in use" in d["ErrorMsg"] and "customer.net" in d["ErrorMsg"]
    assert "ns1.other.org" in hosts_of(sim, "other.org")
    # the writes were accepted (write=true) even when their tasks failed later
    assert sum(1 for line in sim.log_lines() if line["write"]) == 7


def test_nameserver_rules(sim):
    base = {"DomainName.1": "example.com", "AliyunDns": "false"}
    cases = [
        ({"DomainName.1": "example.com", "AliyunDns": "maybe"}, "InvalidParameter"),
        ({"DomainName.1": "example.com"}, "MissingParameter"),
        (base, "MissingParameter"),
        (dict(base, **{"DomainNameServer.%d" % i: "ns%d.provider.org" % i for i in range(1, 15)}), "InvalidParameter"),
        (dict(base, **{"DomainNameServer.1": "ns1.provider.org", "DomainNameServer.2": "NS1.provider.org."}),
         "InvalidParameter"),
        (dict(base, **{"DomainNameServer.1": "bad name.provider.org"}), "InvalidParameter"),
        (dict(base, **{"DomainNameServer.1": "ns1.provider.org", "DomainNameServer.3": "ns3.provider.org"}),
         "InvalidParameter"),
        ({"DomainName.1": "under_score.com", "AliyunDns": "true"}, "InvalidDomainName"),
        ({"DomainName.1": "a.com", "DomainName.2": "A.com", "AliyunDns": "true"}, "InvalidParameter"),
    ]
    for params, code in cases:
        assert sim.error(BATCH, params)[:2] == (400, code), params
    # a single name server is accepted (1..13); 13 are accepted
    ok = sim.ok(BATCH, dict(base, **{"DomainNameServer.1": "NS1.Provider.ORG."}))
    assert sim.wait_task(ok["TaskNo"])[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    assert sim.read_state()["domains"]["example.com"]["nameservers"] == ["ns1.provider.org"]
    ok = sim.ok(BATCH, dict(base, **{"DomainNameServer.%d" % i: "ns%d.provider.org" % i for i in range(1, 14)}))
    assert sim.wait_task(ok["TaskNo"])[0]["TaskStatus"] == "EXECUTE_SUCCESS"
    # unknown domains and unregistered in-account hosts fail per domain, the others succeed
    task = sim.ok(BATCH, {"DomainName.1": "customer.net", "DomainName.2": "absent.com", "AliyunDns": "false",
                          "DomainNameServer.1": "ns9.example.com", "DomainNameServer.2": "ns.provider.org"})["TaskNo"]
    details = dict((d["DomainName"], d) for d in sim.wait_task(task))
    assert details["absent.com"]["TaskStatus"] == "EXECUTE_FAILURE"
    assert "ns9.example.com" in details["customer.net"]["ErrorMsg"]
    task = sim.ok(BATCH, {"DomainName.1": "customer.net", "AliyunDns": "true"})["TaskNo"]
    sim.wait_task(task)
    assert sim.read_state()["domains"]["customer.net"]["nameservers"] == ["dns1.hichina.com", "dns2.hichina.com"]


def test_batch_of_1000_and_1001(start_sim):
    seed = {"credentials": [{"access_key_id": "test-key-id", "access_key_secret": "test-secret"}],
            "domains": [{"name": "d%04d.net" % i, "nameservers": ["dns1.hichina.com"]} for i in range(1001)]}
    sim = start_sim(seed=seed)
    names = dict(("DomainName.%d" % (i + 1), "d%04d.net" % i) for i in range(1001))
    servers = {"AliyunDns": "false", "DomainNameServer.1": "ns1.provider.org", "DomainNameServer.2": "ns2.provider.org"}
    status, code, message = sim.error(BATCH, dict(names, **servers))
    assert (status, code) == (400, "InvalidParameter") and "1000" in message
    del names["DomainName.1001"]
    task = sim.ok(BATCH, dict(names, **servers))["TaskNo"]
    details = sim.wait_task(task)
    assert len(details) == 1000 and all(d["TaskStatus"] == "EXECUTE_SUCCESS" for d in details)
    page = sim.ok("QueryTaskDetailList", {"TaskNo": task, "PageNum": 3, "PageSize": 400})
    assert (page["TotalItemNum"], page["TotalPageNum"], len(page["Data"]["TaskDetail"]), page["NextPage"]) == \
        (1000, 3, 200, False)
    domains = sim.read_state()["domains"]
    assert domains["d0999.net"]["nameservers"] == ["ns1.provider.org", "ns2.provider.org"]
    assert domains["d1000.net"]["nameservers"] == ["dns1.hichina.com"]
    instance_ids = set(d["instance_id"] for d in domains.values())
    assert len(instance_ids) == 1001  # generated ids are distinct...
    restarted_ids = dict((n, d["instance_id"]) for n, d in domains.items())
    assert sim.ok("QueryDomainByDomainName", {"DomainName": "d0005.net"})["InstanceId"] == restarted_ids["d0005.net"]


def test_generated_instance_ids_are_stable(tmp_path, start_sim):
    seed = {"credentials": [{"access_key_id": "test-key-id", "access_key_secret": "test-secret"}],
            "domains": [{"name": "stable.com"}]}
    one = start_sim(seed=seed, name="one").read_state()["domains"]["stable.com"]["instance_id"]
    two = start_sim(seed=seed, name="two").read_state()["domains"]["stable.com"]["instance_id"]
    assert one == two and one.startswith("S")


def test_busy_domain(start_sim):
    sim = start_sim(flags=["--task-delay", "0.4"])
    first = sim.ok(CREATE, host("S1", "ns1", "198.51.100.1"))["TaskNo"]
    status, code, unused = sim.error(CREATE, host("S1", "ns2", "198.51.100.2"))
    assert (status, code) == (400, "TaskIsBeingProcessed")
    assert sim.error("SaveSingleTaskForSynchronizingDnsHost", {"InstanceId": "S1"})[1] == "TaskIsBeingProcessed"
    sim.ok(CREATE, host("S2", "ns1", "198.51.100.3"))  # another domain is not busy
    sim.wait_task(first)
    sim.ok(CREATE, host("S1", "ns2", "198.51.100.2"))
    relaxed = start_sim(flags=["--task-delay", "0.4", "--no-busy"], name="relaxed")
    relaxed.ok(CREATE, host("S1", "ns1", "198.51.100.1"))
    relaxed.ok(CREATE, host("S1", "ns2", "198.51.100.2"))


def test_task_timeline_and_task_queries(start_sim):
    sim = start_sim(flags=["--task-delay", "0.6"])
    task = sim.ok(CREATE, host("S1", "ns1", "198.51.100.1"))["TaskNo"]
    d = sim.ok("QueryTaskDetailList", {"TaskNo": task, "PageNum": 1, "PageSize": 10})["Data"]["TaskDetail"][0]
    assert (d["TaskStatus"], d["TaskStatusCode"], d["TaskType"], d["InstanceId"]) == \
        ("WAITING_EXECUTE", 0, "CREATE_DNSHOST", "S1"), d  # EXECUTING from 0.3 s, done at 0.6 s
    info = sim.ok("QueryTaskList", {"PageNum": 1, "PageSize": 10})["Data"]["TaskInfo"][0]
    assert (info["TaskNo"], info["TaskStatusCode"], info["TaskNum"]) == (task, 1, 1)
    assert hosts_of(sim, "example.com") == {}  # nothing applied before success
    seen = set()
    while True:
        d = sim.ok("QueryTaskDetailList", {"TaskNo": task, "PageNum": 1, "PageSize": 10})["Data"]["TaskDetail"][0]
        seen.add(d["TaskStatus"])
        if d["TaskStatusCode"] >= 2:
            break
    assert "EXECUTING" in seen and d["TaskStatus"] == "EXECUTE_SUCCESS" and d["ErrorMsg"] == ""
    assert hosts_of(sim, "example.com") == {"ns1.example.com": ["198.51.100.1"]}
    info = sim.ok("QueryTaskList", {"PageNum": 1, "PageSize": 10})["Data"]["TaskInfo"][0]
    assert (info["TaskStatus"], info["TaskStatusCode"]) == ("COMPLETE", 3)
    # poll and acknowledge
    polled = sim.ok("PollTaskResult", {"PageNum": 1, "PageSize": 10})["Data"]["TaskDetail"]
    assert [p["TaskNo"] for p in polled] == [task]
    sim.ok("AcknowledgeTaskResult", {"TaskDetailNo.1": polled[0]["TaskDetailNo"]})
    assert sim.ok("PollTaskResult", {"PageNum": 1, "PageSize": 10})["Data"]["TaskDetail"] == []
    history = sim.ok("QueryTaskInfoHistory", {"PageSize": 5})
    assert history["Objects"][0]["TaskNo"] == task
    # cancel a waiting task
    task2 = sim.ok(MODIFY, host("S1", "ns1", "198.51.100.9"))["TaskNo"]
    sim.ok("CancelTask", {"TaskNo": task2})
    d = sim.wait_task(task2)[0]
    assert d["TaskStatus"] == "EXECUTE_FAILURE" and "cancel" in d["ErrorMsg"]
    assert hosts_of(sim, "example.com") == {"ns1.example.com": ["198.51.100.1"]}
    # an unknown task has no details
    assert sim.ok("QueryTaskDetailList", {"TaskNo": "nope", "PageNum": 1, "PageSize": 10})["TotalItemNum"] == 0
    assert sim.error("QueryTaskDetailList", {"TaskNo": task})[1] == "MissingParameter"


def test_domain_queries(sim):
    page = sim.ok("QueryDomainList", {"PageNum": 2, "PageSize": 2})
    assert (page["CurrentPageNum"], page["TotalPageNum"], page["TotalItemNum"], page["PrePage"], page["NextPage"]) == \
        (2, 3, 5, True, True)
    assert [d["DomainName"] for d in page["Data"]["Domain"]] == ["example.com", "example.hk"]
    found = sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10, "DomainName": "example"})
    assert found["TotalItemNum"] == 3
    assert sim.error("QueryDomainList", {"PageNum": 0, "PageSize": 10})[1] == "InvalidParameter"
    assert sim.error("QueryDomainList", {"PageNum": 1})[1] == "MissingParameter"
    d = sim.ok("QueryDomainByDomainName", {"DomainName": "OTHER.org."})
    assert d["DomainName"] == "other.org" and d["DomainType"] == "gTLD" and d["DomainStatus"] == "3"
    assert sim.ok("QueryDomainByInstanceId", {"InstanceId": d["InstanceId"]})["DomainName"] == "other.org"
    assert sim.error("QueryDomainByInstanceId", {"InstanceId": "nope"})[1] == "DomainNotExist"
    # the seed's host was normalised: lower case, canonical addresses in the given order
    assert hosts_of(sim, "other.org") == {"ns1.other.org": ["2001:db8::53", "198.51.100.53"]}
