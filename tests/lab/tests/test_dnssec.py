"""DNSSEC in the lab: the registry's signed TLD zones, DS records written through the simulator,
and the validating resolver following the chain from the TLD keys down to a zone signed by hand
on a lab host (BIND's dnssec-signzone, served by NSD on ns2), then failing on a DS that matches
no key. Runs before test_lab.py (file order), which checks the hosts are otherwise untouched:
ns2 gets NSD and bind9-utils, not BIND's server."""

import hashlib
import os
import subprocess
import sys
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest

from conftest import labconf, registrar_call

HOSTS = {name: (suite, a4, a6) for name, suite, a4, a6 in labconf.hosts()}
REGISTRY = HOSTS["registry"][1]
RESOLVER = labconf.RESOLVER4
DOMAIN = "customer-a.com"
SERVER = "ns2"  # serves DOMAIN, signed
WAIT = 30  # seconds: the registry's propagation delay (3 s) plus the resolver's cache (at most 5 s), with room

pytestmark = pytest.mark.skipif(DOMAIN not in {d["name"] for d in labconf.seed()["domains"]},
                                reason=f"{DOMAIN} is not a domain of the lab's seed")


def ssh(addr, script):
    cmd = ["ssh", "-i", labconf.SSH_KEY, "-o", f"UserKnownHostsFile={labconf.KNOWN_HOSTS}",
           "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", f"root@{addr}", script]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{script}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def ask(server, name, rdtype, recursion=True, checking_disabled=False):
    """A DNSSEC-aware (DO) query over UDP, falling back to TCP when truncated."""
    query = dns.message.make_query(name, rdtype, want_dnssec=True)
    if not recursion:
        query.flags &= ~dns.flags.RD
    if checking_disabled:
        query.flags |= dns.flags.CD
    answer = dns.query.udp(query, server, timeout=3)
    if answer.flags & dns.flags.TC:
        answer = dns.query.tcp(query, server, timeout=3)
    return answer


def until(what, probe, done, timeout=WAIT):
    """Call probe() until done(answer); the last answer, or fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if done(answer):
            return answer
        assert time.monotonic() < deadline, f"{what} within {timeout} s; last answer:\n{answer}"
        time.sleep(0.5)


def validated(answer):
    return answer.rcode() == dns.rcode.NOERROR and bool(answer.flags & dns.flags.AD) and bool(answer.answer)


def soa_of_domain(answer):
    return [rr for rrset in answer.answer if rrset.rdtype == dns.rdatatype.SOA for rr in rrset]


def wait_task(task_no):
    from aliyunsdkdomain.request.v20180129 import QueryTaskDetailListRequest
    deadline = time.monotonic() + 30
    while True:
        req = QueryTaskDetailListRequest.QueryTaskDetailListRequest()
        req.set_TaskNo(task_no)
        req.set_PageNum(1)
        req.set_PageSize(10)
        details = registrar_call(req)["Data"]["TaskDetail"]
        if details and all(d["TaskStatusCode"] >= 2 for d in details):
            assert [d["TaskStatus"] for d in details] == ["EXECUTE_SUCCESS"], details
            return
        assert time.monotonic() < deadline, details
        time.sleep(0.2)


def ds_call(action, **fields):
    """One of the simulator's DS calls for DOMAIN, through Alibaba's v1 SDK; waits for its task."""
    module = __import__(f"aliyunsdkdomain.request.v20180129.{action}Request", fromlist=["x"])
    req = getattr(module, f"{action}Request")()
    req.set_DomainName(DOMAIN)
    for name, value in fields.items():
        getattr(req, "set_" + name)(value)
    wait_task(registrar_call(req)["TaskNo"])


@pytest.fixture(scope="module")
def signed_zone():
    """DOMAIN signed on ns2 by hand (one ECDSA P-256 key, flags 257) and served there by NSD;
    then delegated to ns2 (glue) through the simulator. Returns the key's DS fields."""
    from aliyunsdkdomain.request.v20180129 import (
        SaveBatchTaskForModifyingDomainDnsRequest as ModDns,
        SaveSingleTaskForCreatingDnsHostRequest as CreateHost,
    )
    suite, a4, a6 = HOSTS[SERVER]
    out = ssh(a4, f"""set -e
# The test starts NSD itself, with its own configuration.
printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -q -y install nsd bind9-utils >/dev/null
rm /usr/sbin/policy-rc.d
mkdir -p /var/lib/nsd/signed && cd /var/lib/nsd/signed
cat > {DOMAIN}.zone <<EOF
\\$TTL 60
@ IN SOA {SERVER}.{DOMAIN}. hostmaster.{DOMAIN}. 1 3600 600 86400 60
@ IN NS {SERVER}.{DOMAIN}.
{SERVER} IN A {a4}
{SERVER} IN AAAA {a6}
@ IN TXT "signed by hand on {SERVER}"
EOF
key=$(dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -n ZONE {DOMAIN})
dnssec-signzone -q -S -z -K . -o {DOMAIN} -N keep -f {DOMAIN}.signed {DOMAIN}.zone >/dev/null
cat > /etc/nsd/nsd.conf <<EOF
server:
  ip-address: {a4}
  ip-address: {a6}
  zonesdir: /var/lib/nsd/signed
zone:
  name: {DOMAIN}
  zonefile: {DOMAIN}.signed
EOF
mkdir -p /run/nsd && chown nsd: /run/nsd
nsd-checkconf /etc/nsd/nsd.conf && nsd
dnssec-dsfromkey -2 $key.key
""")
    owner, unused, rtype, key_tag, algorithm, digest_type, digest = out.split()
    assert (owner, rtype) == (f"{DOMAIN}.", "DS"), out
    until(f"NSD on {SERVER} serving {DOMAIN} signed", lambda: ask(a4, DOMAIN, "SOA", recursion=False),
          lambda r: r.rcode() == dns.rcode.NOERROR and any(s.rdtype == dns.rdatatype.RRSIG for s in r.answer))

    instance = next(d["instance_id"] for d in labconf.seed()["domains"] if d["name"] == DOMAIN)
    req = CreateHost.SaveSingleTaskForCreatingDnsHostRequest()
    req.set_InstanceId(instance)
    req.set_DnsName(SERVER)
    req.set_Ips([a4, a6])
    wait_task(registrar_call(req)["TaskNo"])
    req = ModDns.SaveBatchTaskForModifyingDomainDnsRequest()
    req.set_DomainNames([DOMAIN])
    req.set_AliyunDns(False)
    req.set_DomainNameServers([f"{SERVER}.{DOMAIN}"])
    wait_task(registrar_call(req)["TaskNo"])
    return {"KeyTag": int(key_tag), "Algorithm": int(algorithm), "DigestType": int(digest_type), "Digest": digest}


def test_the_registry_signs_its_zones_with_the_anchored_keys():
    with open(labconf.ANCHORS, encoding="utf-8") as f:
        anchors = dns.zone.from_text(f.read(), origin=".", relativize=False, check_origin=False)
    for tld in labconf.TLDS:
        keys = ask(REGISTRY, tld, "DNSKEY", recursion=False)
        assert keys.flags & dns.flags.AA, keys
        dnskeys = keys.find_rrset(keys.answer, dns.name.from_text(tld), dns.rdataclass.IN, dns.rdatatype.DNSKEY)
        anchor = anchors.find_rdataset(tld + ".", "DS")
        assert {dns.dnssec.make_ds(tld + ".", k, "SHA256") for k in dnskeys} == set(anchor), tld
        # the resolver trusts exactly these keys: the TLD's own data validates
        assert validated(ask(RESOLVER, tld, "SOA")), tld
    # a name the registry does not have: a signed denial (NSEC), which the resolver validates too
    absent = ask(REGISTRY, "no-such-domain.com", "NS", recursion=False)
    assert absent.rcode() == dns.rcode.NXDOMAIN
    assert {s.rdtype for s in absent.authority} >= {dns.rdatatype.SOA, dns.rdatatype.NSEC, dns.rdatatype.RRSIG}
    answer = ask(RESOLVER, "no-such-domain.com", "A")
    assert answer.rcode() == dns.rcode.NXDOMAIN and answer.flags & dns.flags.AD, answer


def test_a_ds_written_through_the_simulator_completes_the_chain(signed_zone):
    # Delegated, no DS yet: the registry proves there is none, so the answer is insecure, not bogus.
    insecure = until(f"{DOMAIN} resolving through its delegation to {SERVER}", lambda: ask(RESOLVER, DOMAIN, "SOA"),
                     lambda r: r.rcode() == dns.rcode.NOERROR and soa_of_domain(r))
    assert not insecure.flags & dns.flags.AD, insecure
    assert str(soa_of_domain(insecure)[0].mname) == f"{SERVER}.{DOMAIN}."

    ds_call("SaveSingleTaskForAddingDSRecord", **signed_zone)
    # The signed TLD zone publishes it, authoritatively, signed with the TLD's key.
    com = ask(REGISTRY, "com", "DNSKEY", recursion=False)
    com_keys = {dns.name.from_text("com"): com.find_rrset(com.answer, dns.name.from_text("com"), dns.rdataclass.IN,
                                                          dns.rdatatype.DNSKEY)}
    answer = until(f"the DS of {DOMAIN} at the registry", lambda: ask(REGISTRY, DOMAIN, "DS", recursion=False),
                   lambda r: bool(r.answer))
    assert answer.flags & dns.flags.AA, answer
    ds = answer.find_rrset(answer.answer, dns.name.from_text(DOMAIN), dns.rdataclass.IN, dns.rdatatype.DS)
    assert [(rr.key_tag, rr.algorithm, rr.digest_type, rr.digest.hex().upper()) for rr in ds] == [
        (signed_zone["KeyTag"], signed_zone["Algorithm"], signed_zone["DigestType"], signed_zone["Digest"].upper())]
    rrsig = answer.find_rrset(answer.answer, ds.name, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.DS)
    dns.dnssec.validate(ds, rrsig, com_keys)  # raises if the signature is not com's

    # The resolver follows the chain: TLD key (trust anchor) -> DS -> the domain's key -> its data.
    secure = until(f"{DOMAIN} SOA validated (AD)", lambda: ask(RESOLVER, DOMAIN, "SOA"), validated)
    assert str(soa_of_domain(secure)[0].mname) == f"{SERVER}.{DOMAIN}."
    txt = ask(RESOLVER, DOMAIN, "TXT")
    assert validated(txt), txt
    texts = txt.find_rrset(txt.answer, dns.name.from_text(DOMAIN), dns.rdataclass.IN, dns.rdatatype.TXT)
    assert [rr.strings for rr in texts] == [(f"signed by hand on {SERVER}".encode(),)]


def test_a_ds_matching_no_key_makes_the_resolver_fail(signed_zone):
    wrong = dict(signed_zone, Digest=hashlib.sha256(b"a key nobody has").hexdigest())
    ds_call("SaveSingleTaskForModifyingDSRecord", **wrong)
    bogus = until(f"{DOMAIN} answered SERVFAIL (bogus)", lambda: ask(RESOLVER, DOMAIN, "SOA"),
                  lambda r: r.rcode() == dns.rcode.SERVFAIL)
    assert not bogus.answer
    # The data is there (checking disabled): it is the chain that fails, not the servers.
    unchecked = ask(RESOLVER, DOMAIN, "SOA", checking_disabled=True)
    assert unchecked.rcode() == dns.rcode.NOERROR and soa_of_domain(unchecked), unchecked
    # The right DS again: once the registry publishes it and the resolver forgets the bogus chain
    # (flushed here, as an operator fixing a broken domain would), the domain validates again.
    ds_call("SaveSingleTaskForModifyingDSRecord", **signed_zone)
    until(f"the right DS of {DOMAIN} at the registry", lambda: ask(REGISTRY, DOMAIN, "DS", recursion=False),
          lambda r: any(rr.digest.hex() == signed_zone["Digest"].lower()
                        for rrset in r.answer if rrset.rdtype == dns.rdatatype.DS for rr in rrset))
    ssh(REGISTRY, f"unbound-control flush_bogus >/dev/null && unbound-control flush_infra all >/dev/null"
                  f" && unbound-control flush_zone {DOMAIN} >/dev/null")
    until(f"{DOMAIN} validated again", lambda: ask(RESOLVER, DOMAIN, "SOA"), validated)


def test_status_shows_the_resolver():
    out = subprocess.run([sys.executable, os.path.join(labconf.LAB_DIR, "status.py")],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    line = next(line for line in out.splitlines() if line.startswith("resolver"))
    assert labconf.RESOLVER4 in line and "validated (AD)" in line, out
