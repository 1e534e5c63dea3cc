"""Signatures V2 and V3, nonces, timestamps, credentials and the request log."""

import hashlib
import hmac
import os
import signal
import time
import uuid
from urllib.parse import urlencode

import requests

from conftest import AK, SECRET, STS_AK, STS_SECRET, STS_TOKEN, pct, utc_stamp

V3_SIGNED = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"


# --------------------------------------------------------------------------- published vectors

def test_v2_vector_a(module):
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
              "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    assert module.string_to_sign_v2("GET", params) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26")
    assert module.sign_v2("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert module.sign_v2("POST", params, "testsecret") == "MxbnVAM4w6sft9xjVpe/GCKueuk="


def test_v2_vector_b(module):
    params = {"AccessKeyId": "testid", "Action": "DescribeDedicatedHosts", "Format": "JSON",
              "RegionId": "cn-beijing", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "edb2b34af0af9a6d14deaf7c1a5315eb", "SignatureVersion": "1.0",
              "Timestamp": "2023-03-13T08:34:30Z", "Version": "2014-05-26"}
    assert module.sign_v2("GET", params, "testsecret") == "9NaGiOspFP5UPcwX8Iwt2YJXXuk="
    assert module.sign_v2("POST", params, "testsecret") == "ZvQ9xGiFnquSJRvj+WE6kdSpTwU="


def test_v3_vector(module):
    headers = {"host": "ecs.cn-shanghai.aliyuncs.com", "x-acs-action": "RunInstances",
               "x-acs-version": "2014-05-26", "x-acs-date": "2023-10-26T10:22:32Z",
               "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
               "x-acs-content-sha256": hashlib.sha256(b"").hexdigest()}
    query = [("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), ("RegionId", "cn-shanghai")]
    canonical = module.canonical_request_v3("POST", "/", query, headers, V3_SIGNED.split(";"),
                                            headers["x-acs-content-sha256"])
    assert hashlib.sha256(canonical.encode()).hexdigest() == \
        "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    assert module.sign_v3("YourAccessKeySecret", canonical) == \
        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    ak, signed, sig = module.parse_authorization_v3(
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=%s,Signature=06563a9e" % V3_SIGNED)
    assert (ak, signed, sig) == ("YourAccessKeyId", V3_SIGNED.split(";"), "06563a9e")


# --------------------------------------------------------------------------- V2 over HTTP

def test_get_post_query_and_body(sim):
    for method in ("GET", "POST"):
        assert sim.ok("QueryDomainByDomainName", {"DomainName": "example.com"}, method=method)["InstanceId"] == "S1"
    # POST with everything in the query string (the v1 SDK's way)
    p = sim.signed("QueryDomainByDomainName", {"DomainName": "example.com"})
    r = requests.post(sim.url + "?" + urlencode(p), timeout=5)
    assert r.status_code == 200 and r.json()["DomainName"] == "example.com"
    # a GET signature used with POST does not match: the method is signed
    p = sim.signed("QueryDomainByDomainName", {"DomainName": "example.com"}, method="GET")
    r = requests.post(sim.url, data=p, timeout=5)
    assert r.status_code == 400 and r.json()["Code"] == "SignatureDoesNotMatch"


def test_empty_parameters_are_signed(sim):
    assert sim.ok("QueryDomainByDomainName", {"DomainName": "example.com", "SignatureType": "", "Lang": ""})


def test_special_characters_signed(sim):
    # *, ~, space, / and non-ASCII must be encoded as the reference says (space %20, * %2A, ~ literal)
    body = sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10, "DomainName": "x y*z~/é"})
    assert body["TotalItemNum"] == 0


def test_wrong_secret(sim):
    status, code, message = sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, secret="wrong")
    assert (status, code) == (400, "SignatureDoesNotMatch")


def test_signature_status_configurable(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--signature-error-status", "403"])
    status, code, unused = sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, secret="wrong")
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_unknown_access_key(sim):
    assert sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, ak="nobody")[:2] == \
        (400, "InvalidAccessKeyId.NotFound")


def test_nonce_reuse(sim):
    p = sim.signed("QueryDomainList", {"PageNum": 1, "PageSize": 10})
    assert sim.send(p).status_code == 200
    r = sim.send(p)
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed")
    # a forged request with the same nonce does not burn it, and a fresh nonce works
    assert sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10})


def test_nonce_remembered_across_restart(sim):
    p = sim.signed("QueryDomainList", {"PageNum": 1, "PageSize": 10})
    assert sim.send(p).status_code == 200
    sim.stop()  # SIGTERM: a clean stop saves the remembered nonces
    sim.start()
    r = sim.send(p)
    assert r.json()["Code"] == "SignatureNonceUsed"


def test_nonce_remembered_across_kill_9(start_sim):
    """Killed right after answering a read (long before a nonce flush), the restarted simulator
    still refuses the replay: accepted nonces are journalled before the answer is sent."""
    sim = start_sim(flags=["--task-delay", "0", "--nonce-flush", "600"])
    before = os.stat(sim.state).st_mtime_ns
    p = sim.signed("QueryDomainList", {"PageNum": 1, "PageSize": 10})
    assert sim.send(p).status_code == 200
    assert os.stat(sim.state).st_mtime_ns == before  # a read still does not rewrite STATE.json
    sim.stop(signal.SIGKILL)
    sim.start()
    r = sim.send(p)
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed")
    assert p["SignatureNonce"] in sim.read_state()["used_nonces"]  # folded in at start-up


def test_v3_nonce_remembered_across_kill_9(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--nonce-flush", "600"])
    nonce = uuid.uuid4().hex
    date = utc_stamp()
    q = {"DomainName": "example.com"}
    assert v3_request(sim, "QueryDomainByDomainName", q, nonce=nonce, date=date).status_code == 200
    sim.stop(signal.SIGKILL)
    sim.start()
    assert v3_request(sim, "QueryDomainByDomainName", q, nonce=nonce, date=date).json()["Code"] == "SignatureNonceUsed"


def test_the_nonce_journal_is_emptied_by_the_next_state_write(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--nonce-flush", "600"])
    journal = sim.state + ".nonces"
    sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10})
    sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10})
    with open(journal) as f:
        assert len(f.readlines()) == 2
    body = sim.ok("SaveSingleTaskForCreatingDnsHost", {"InstanceId": "S1", "DnsName": "ns1", "Ip.1": "198.51.100.1"})
    assert body["TaskNo"]
    assert os.path.getsize(journal) == 0
    assert len(sim.read_state()["used_nonces"]) == 3


def test_a_cut_journal_line_is_ignored_and_a_fresh_state_drops_an_old_journal(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--nonce-flush", "600"])
    p = sim.signed("QueryDomainList", {"PageNum": 1, "PageSize": 10})
    assert sim.send(p).status_code == 200
    sim.stop(signal.SIGKILL)
    with open(sim.state + ".nonces", "a") as f:
        f.write('["cut-sho')
    sim.start()
    assert sim.send(p).json()["Code"] == "SignatureNonceUsed"
    sim.stop(signal.SIGKILL)
    os.unlink(sim.state)  # back to the seed: the journal of the old state goes too
    sim.start()
    assert sim.send(p).status_code == 200


def test_timestamps(sim):
    for offset in (-16 * 60, 16 * 60):
        assert sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, Timestamp=utc_stamp(offset))[:2] == \
            (400, "InvalidTimeStamp.Expired")
    assert sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10}, Timestamp=utc_stamp(-14 * 60))
    for bad in ("2026-01-01 10:00:00", "yesterday", "2026-13-01T00:00:00Z"):
        assert sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, Timestamp=bad)[:2] == \
            (400, "InvalidTimeStamp.Format")
    assert sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, Timestamp=None)[:2] == \
        (400, "MissingParameter")


def test_timestamp_skew(start_sim):
    sim = start_sim(flags=["--task-delay", "0", "--timestamp-skew", "3600"])
    assert sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10})[1] == "InvalidTimeStamp.Expired"
    assert sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10}, Timestamp=utc_stamp(3600))


def test_version_and_action(sim):
    assert sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, Version="2016-05-11")[:2] == \
        (400, "NoSuchVersion")
    assert sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10}, Version="2017-12-18")
    assert sim.error("NoSuchAction", {})[:2] == (404, "InvalidApi.NotFound")
    assert sim.error("QueryDomainByDomainName", {})[:2] == (400, "MissingParameter")
    assert sim.error("QueryDomainByDomainName", {"DomainName": "absent.com"})[:2] == (400, "DomainNotExist")


def test_security_token(sim):
    params = {"PageNum": 1, "PageSize": 10}
    assert sim.ok("QueryDomainList", params, ak=STS_AK, secret=STS_SECRET, token=STS_TOKEN)
    assert sim.error("QueryDomainList", params, ak=STS_AK, secret=STS_SECRET)[1] == "MissingSecurityToken"
    assert sim.error("QueryDomainList", params, ak=STS_AK, secret=STS_SECRET, token="other")[1] == \
        "InvalidSecurityToken.Mismatch"


def test_xml_errors(sim):
    p = sim.signed("QueryDomainByDomainName", {"DomainName": "absent.com"}, Format="XML")
    r = sim.send(p)
    assert r.status_code == 400 and r.text.startswith("<?xml") and "<Code>DomainNotExist</Code>" in r.text


def test_log_lines(sim):
    sim.ok("QueryDomainList", {"PageNum": 1, "PageSize": 10}, ak=STS_AK, secret=STS_SECRET, token=STS_TOKEN)
    sim.error("QueryDomainList", {"PageNum": 1, "PageSize": 10}, secret="wrong")
    sim.ok("SaveSingleTaskForCreatingDnsHost", {"InstanceId": "S1", "DnsName": "ns1", "Ip.1": "198.51.100.1"})
    sim.error("SaveSingleTaskForCreatingDnsHost", {"InstanceId": "S1", "DnsName": "ns2", "Ip.1": "127.0.0.1"})
    lines = sim.log_lines()
    assert [(l["action"], l["status"], l["code"], l["write"]) for l in lines] == [
        ("QueryDomainList", 200, None, False),
        ("QueryDomainList", 400, "SignatureDoesNotMatch", False),
        ("SaveSingleTaskForCreatingDnsHost", 200, None, True),
        ("SaveSingleTaskForCreatingDnsHost", 400, "ParameterIllegal", False),
    ]
    text = open(sim.log).read()
    assert "Signature\"" not in text and "SecurityToken" not in text and STS_TOKEN not in text
    assert SECRET not in text and STS_SECRET not in text
    assert all(set(l) == {"time", "action", "method", "params", "status", "code", "write", "signature"}
               for l in lines)
    assert lines[2]["params"]["Ip.1"] == "198.51.100.1" and lines[0]["signature"] == "v2"


# --------------------------------------------------------------------------- V3 over HTTP

def v3_request(sim, action, query, secret=SECRET, ak=AK, nonce=None, date=None, body=b"", extra=None,
               tamper=None):
    """Build and send an ACS3-HMAC-SHA256 request by hand, following the reference's algorithm."""
    headers = {
        "host": sim.address,
        "x-acs-action": action,
        "x-acs-version": "2018-01-29",
        "x-acs-date": date or utc_stamp(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "accept": "application/json",
    }
    headers.update(extra or {})
    names = sorted(headers)
    canonical_query = "&".join("%s=%s" % kv for kv in sorted((pct(k), pct(v)) for k, v in query.items()))
    canonical = "\n".join(["POST", "/", canonical_query,
                           "".join("%s:%s\n" % (n, headers[n].strip()) for n in names),
                           ";".join(names), headers["x-acs-content-sha256"]])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    sig = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = "ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s" % (
        ak, ";".join(names), sig)
    if tamper:
        tamper(headers)
    url = sim.url + ("?" + "&".join("%s=%s" % (pct(k), pct(v)) for k, v in query.items()) if query else "")
    return requests.post(url, headers=headers, data=body, timeout=5)


def test_v3_requests(sim):
    r = v3_request(sim, "QueryDomainByDomainName", {"DomainName": "example.com"})
    assert r.status_code == 200, r.text
    assert r.json()["DnsList"] == {"Dns": ["dns1.hichina.com", "dns2.hichina.com"]}
    r = v3_request(sim, "SaveSingleTaskForCreatingDnsHost",
                   {"InstanceId": "S1", "DnsName": "ns1", "Ip.1": "198.51.100.1", "Ip.2": "2001:db8::1"})
    assert r.status_code == 200 and r.json()["TaskNo"]
    assert sim.read_state()["domains"]["example.com"]["hosts"] == {"ns1.example.com": ["198.51.100.1", "2001:db8::1"]}
    assert sim.log_lines()[-1]["signature"] == "v3" and sim.log_lines()[-1]["write"] is True


def test_v3_errors(sim):
    q = {"DomainName": "example.com"}
    assert v3_request(sim, "QueryDomainByDomainName", q, secret="wrong").json()["Code"] == "SignatureDoesNotMatch"
    assert v3_request(sim, "QueryDomainByDomainName", q, ak="nobody").json()["Code"] == "InvalidAccessKeyId.NotFound"
    nonce = uuid.uuid4().hex
    assert v3_request(sim, "QueryDomainByDomainName", q, nonce=nonce).status_code == 200
    assert v3_request(sim, "QueryDomainByDomainName", q, nonce=nonce).json()["Code"] == "SignatureNonceUsed"
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    assert v3_request(sim, "QueryDomainByDomainName", q, date=old).json()["Code"] == "InvalidTimeStamp.Expired"

    def change_query(headers):
        headers["x-acs-action"] = "QueryDomainByInstanceId"
    assert v3_request(sim, "QueryDomainByDomainName", q, tamper=change_query).json()["Code"] == \
        "SignatureDoesNotMatch"

    def unsigned_header(headers):
        headers["x-acs-extra"] = "1"
    assert v3_request(sim, "QueryDomainByDomainName", q, tamper=unsigned_header).json()["Code"] == \
        "SignatureDoesNotMatch"
    r = v3_request(sim, "QueryDomainList", {"PageNum": "1", "PageSize": "5"},
                   extra={"x-acs-security-token": "unused"})
    assert r.status_code == 200 and r.json()["TotalItemNum"] == 5
    r = v3_request(sim, "QueryDomainList", {"PageNum": "1", "PageSize": "5"}, ak=STS_AK, secret=STS_SECRET,
                   extra={"x-acs-security-token": STS_TOKEN})
    assert r.status_code == 200
    assert "x-acs-security-token" not in open(sim.log).read() and STS_TOKEN not in open(sim.log).read()
