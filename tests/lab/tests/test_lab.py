"""The lab, end to end: real SSH, real apt from the local repository, real daemons, real DNS.

Run by `make lab-test` (which brings the lab up first and down afterwards); on its own,
`python -m pytest tests/lab/tests` brings the lab up itself (conftest.py). The last test brings it
down and checks that nothing is left behind, so the tests run in file order, after test_dnssec.py.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import pytest

from conftest import LAB_DIR, lab, labconf, registrar_call

ROOT = os.path.dirname(os.path.dirname(LAB_DIR))
INVENTORY = os.path.join(LAB_DIR, "inventory.yml")
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")
SIMULATOR = os.path.join(ROOT, "tests", "simulators", "alicloud_domain.py")
HOSTS = {name: (suite, a4, a6) for name, suite, a4, a6 in labconf.hosts()}
BIND_HOSTS = ["ns1", "ns3"]  # one of each suite


def ansible(pattern, module, args, tmp_path):
    """Run an ad-hoc command; {host: result} from the tree callback's files."""
    tree = tmp_path / f"tree-{uuid.uuid4().hex[:8]}"
    cmd = [ANSIBLE, pattern, "-i", INVENTORY, "-m", module, "-a", args, "--tree", str(tree)]
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
    results = {}
    for f in tree.iterdir() if tree.exists() else []:
        results[f.name] = json.loads(f.read_text())
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return results


def test_inventory_matches_the_hosts_file():
    generated = subprocess.run([sys.executable, os.path.join(LAB_DIR, "inventory.py")],
                               capture_output=True, text=True, check=True).stdout
    with open(INVENTORY, encoding="utf-8") as f:
        assert f.read().strip() == generated.strip()


def test_every_host_sees_its_own_address_and_suite(tmp_path):
    facts = ansible("all", "setup", "gather_subset=!all,network,distribution", tmp_path)
    assert set(facts) == set(HOSTS)
    for name, (suite, a4, a6) in HOSTS.items():
        f = facts[name]["ansible_facts"]
        assert f["ansible_distribution_release"] == suite, name
        assert f["ansible_default_ipv4"]["address"] == a4, name
        assert f["ansible_default_ipv4"]["gateway"] == labconf.CONTROLLER4, name
        # nobody else's, not the controller's; the registry host also carries the resolver's
        extra4, extra6 = ([labconf.RESOLVER4], [labconf.RESOLVER6]) if name == "registry" else ([], [])
        assert sorted(f["ansible_all_ipv4_addresses"]) == sorted([a4] + extra4), name
        assert sorted(a for a in f["ansible_all_ipv6_addresses"] if not a.startswith("fe80")) == sorted([a6] + extra6), name
        assert f["ansible_default_ipv6"]["address"] == a6, name
        assert f["ansible_hostname"] == name


ZONE = """$TTL 60
@ IN SOA {name}. hostmaster.{name}. 1 3600 600 86400 60
@ IN NS {name}.
@ IN TXT "{name} {suite}"
"""


def test_bind9_installs_from_the_local_repository_and_answers(tmp_path):
    pattern = ",".join(BIND_HOSTS)
    res = ansible(pattern, "shell", "command -v named || echo absent", tmp_path)
    assert all(res[h]["stdout"] == "absent" for h in BIND_HOSTS), res
    res = ansible(pattern, "apt", "name=bind9 update_cache=true", tmp_path)
    assert all(res[h]["changed"] for h in BIND_HOSTS), res
    policy = ansible(pattern, "command", "apt-cache policy bind9", tmp_path)
    for h in BIND_HOSTS:
        assert f"http://{labconf.CONTROLLER4}:{labconf.REPO_PORT}/{HOSTS[h][0]}" in policy[h]["stdout"]
    # Each host its own zone, with its own name in it.
    ansible(pattern, "copy", "dest=/etc/bind/db.whoami.lab content='" +
            ZONE.format(name="{{ inventory_hostname }}", suite="{{ lab_suite }}") + "'", tmp_path)
    ansible(pattern, "copy", "dest=/etc/bind/named.conf.local "
            "content='zone \"whoami.lab\" { type primary; file \"/etc/bind/db.whoami.lab\"; };\n'",
            tmp_path)
    ansible(pattern, "service", "name=named state=restarted", tmp_path)
    for h in BIND_HOSTS:
        suite, a4, a6 = HOSTS[h]
        for addr in (a4, a6):
            answer = None
            for unused in range(50):  # named takes a moment to load
                try:
                    answer = dns.query.udp(dns.message.make_query("whoami.lab.", "TXT"), addr, timeout=1)
                    if answer.answer:
                        break
                except dns.exception.Timeout:
                    pass
                time.sleep(0.2)
            assert answer is not None and answer.answer, f"{h} at {addr}: {answer}"
            assert answer.answer[0][0].strings == (f"{h} {suite}".encode(),)
    # The others run no named: processes are per host.
    others = ansible("all:" + ":".join("!" + h for h in BIND_HOSTS), "command", "ps -e -o comm=", tmp_path)
    for h, r in others.items():
        assert "named" not in r["stdout"].split(), h


def test_files_and_processes_are_per_host(tmp_path):
    path = f"/root/lab-isolation-{uuid.uuid4().hex[:8]}"
    ansible("ns1", "copy", f"dest={path} content=ns1", tmp_path)
    seen = ansible("all", "stat", f"path={path}", tmp_path)
    assert seen["ns1"]["stat"]["exists"]
    for h in set(HOSTS) - {"ns1"}:
        assert not seen[h]["stat"]["exists"], h
    assert not os.path.exists(path)  # nor on the controller
    # A host sees only its own processes: sshd is its pid 1.
    ps = ansible("all", "command", "ps -e -o pid=,comm=", tmp_path)
    for h, r in ps.items():
        procs = [line.split(None, 1) for line in r["stdout"].splitlines()]
        assert ["1", "sshd"] in procs, (h, procs)
        assert len(procs) < 20, (h, procs)
    # Its own dpkg database: bind9 is installed on ns1, not on ns2 (same base, same suite).
    dpkg = ansible("ns1,ns2", "shell", "dpkg-query -W -f='${Status}' bind9 2>/dev/null || echo absent", tmp_path)
    assert dpkg["ns1"]["stdout"] == "install ok installed"
    assert dpkg["ns2"]["stdout"] == "absent"


def referral(name, timeout):
    """Ask the registry (no recursion) for NAME's NS until the referral names ns1/ns2 with glue."""
    addr = HOSTS["registry"][1]
    deadline = time.monotonic() + timeout
    while True:
        q = dns.message.make_query(name, "NS")
        q.flags &= ~dns.flags.RD
        r = dns.query.udp(q, addr, timeout=2)
        ns = {str(rr.target) for rrset in r.authority if rrset.rdtype == dns.rdatatype.NS for rr in rrset}
        if f"ns1.{name}" in ns or time.monotonic() > deadline:
            return r, ns
        time.sleep(0.5)


@pytest.mark.skipif(not os.path.exists(SIMULATOR), reason="the registrar simulator has not landed yet")
def test_delegation_written_at_the_simulator_reaches_the_registry():
    from aliyunsdkdomain.request.v20180129 import (
        SaveBatchTaskForModifyingDomainDnsRequest as ModDns,
        SaveSingleTaskForCreatingDnsHostRequest as CreateHost,
    )
    domain = next(d for d in labconf.seed()["domains"] if d["name"].endswith(".net"))
    name = domain["name"] + "."
    call = registrar_call

    # Before: the seed's delegation, no glue.
    unused, ns = referral(name, 0)
    assert f"ns1.{name}" not in ns
    glue = {"ns1": ("198.51.100.10", "2001:db8:100::10"), "ns2": ("198.51.100.11", "2001:db8:100::11")}
    for host, ips in glue.items():
        req = CreateHost.SaveSingleTaskForCreatingDnsHostRequest()
        req.set_InstanceId(domain["instance_id"])
        req.set_DnsName(f"{host}.{domain['name']}")
        req.set_Ips(list(ips))
        assert call(req).get("TaskNo")
    req = ModDns.SaveBatchTaskForModifyingDomainDnsRequest()
    req.set_DomainNames([domain["name"]])
    req.set_AliyunDns(False)
    req.set_DomainNameServers([f"ns1.{domain['name']}", f"ns2.{domain['name']}"])
    assert call(req).get("TaskNo")

    # The registry follows the simulator's state after the propagation delay, not before.
    delay = float(os.environ.get("LAB_PROPAGATION_DELAY", "3"))
    for unused in range(300):
        with open(labconf.STATE, encoding="utf-8") as f:
            if f"ns1.{domain['name']}" in json.load(f)["domains"][domain["name"]]["nameservers"]:
                break
        time.sleep(0.1)
    changed_at = time.monotonic()
    unused, ns = referral(name, 0)
    assert f"ns1.{name}" not in ns, "published before the propagation delay"
    r, ns = referral(name, 60)
    elapsed = time.monotonic() - changed_at
    assert delay - 0.5 <= elapsed <= delay + 5, elapsed
    assert ns == {f"ns1.{name}", f"ns2.{name}"}, r
    assert not r.answer and not (r.flags & dns.flags.AA), r  # a referral, not an answer
    additional = {(str(rrset.name), rr.address) for rrset in r.additional for rr in rrset}
    for host, ips in glue.items():
        for ip in ips:
            assert (f"{host}.{name}", ip) in additional, r


def test_down_leaves_nothing_but_the_bases():
    recorded = []
    for dirpath, unused, files in os.walk(labconf.RUN):
        for f in files:
            if f == "pid" or os.path.basename(dirpath) == "pids":
                recorded.append(open(os.path.join(dirpath, f), encoding="utf-8").read().split()[0])
    assert len(recorded) >= len(HOSTS) + 2  # the hosts, the repository server, the publisher
    lab("down")
    assert not os.path.exists(labconf.RUN)
    for pid in recorded:  # gone, or a zombie this machine's pid 1 has not reaped yet
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
                assert f.read().rsplit(")", 1)[1].split()[0] == "Z", pid
        except FileNotFoundError:
            pass
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    assert "dnslab-" not in netns
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    assert "dnslab0" not in links and " dl-" not in links
    with open("/proc/mounts", encoding="utf-8") as f:
        mounts = f.read()
    assert labconf.RUN not in mounts and labconf.CACHE not in mounts
    ps = subprocess.run(["ps", "-e", "-o", "args="], capture_output=True, text=True, check=True).stdout
    assert "host-init.sh" not in ps and "registry_publisher.py" not in ps
    for suite in {s for s, unused, unused in HOSTS.values()}:
        assert os.path.exists(os.path.join(labconf.CACHE, "base", suite + ".done"))
