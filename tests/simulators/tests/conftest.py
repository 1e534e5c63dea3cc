"""Fixtures: the simulator as a real subprocess on a free loopback port, and a small V2 client.

The client here signs on its own (written from the reference, not imported from the
simulator), so a bug in the simulator's verifier cannot hide behind the same bug here.
"""

import base64
import hashlib
import hmac
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SIMULATOR = os.path.join(os.path.dirname(HERE), "alicloud_domain.py")

AK = "test-key-id"
SECRET = "test-secret"
STS_AK = "STS.test-temp-id"
STS_SECRET = "temp-secret"
STS_TOKEN = "token/with+special=chars"


def default_seed():
    return {
        "credentials": [
            {"access_key_id": AK, "access_key_secret": SECRET},
            {"access_key_id": STS_AK, "access_key_secret": STS_SECRET, "security_token": STS_TOKEN},
        ],
        "domains": [
            {"name": "example.com", "instance_id": "S1", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]},
            {"name": "customer.net", "instance_id": "S2", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]},
            {"name": "example.cn", "instance_id": "S3", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]},
            {"name": "example.hk", "instance_id": "S4", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]},
            {"name": "Other.ORG", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"],
             "hosts": [{"name": "NS1.other.org", "ips": ["2001:DB8:0::53", "198.51.100.53"]}]},
        ],
    }


def pct(value):
    return quote(str(value), safe="-_.~")


def sign(method, params, secret):
    query = "&".join("%s=%s" % kv for kv in sorted((pct(k), pct(v)) for k, v in params.items()))
    to_sign = method + "&%2F&" + pct(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def utc_stamp(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def load_module():
    spec = importlib.util.spec_from_file_location("alicloud_domain_sim", SIMULATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Sim(object):
    def __init__(self, tmp_path, seed=None, flags=(), name="sim"):
        self.dir = tmp_path / name
        self.dir.mkdir(exist_ok=True)
        self.state = str(self.dir / "state.json")
        self.seed = str(self.dir / "seed.json")
        self.log = str(self.dir / "requests.log.jsonl")
        with open(self.seed, "w") as f:
            json.dump(seed if seed is not None else default_seed(), f)
        self.flags = list(flags)
        self.proc = None
        self.http = requests.Session()
        self.start()

    def start(self, port=0, flags=None):
        if flags is not None:
            self.flags = list(flags)
        cmd = [sys.executable, SIMULATOR, "--listen", "127.0.0.1:%d" % port, "--state", self.state,
               "--seed", self.seed, "--log", self.log] + self.flags
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on http://"):
            self.proc.kill()
            raise AssertionError("simulator did not start: %r %s" % (line, self.proc.stderr.read()))
        self.address = line.strip()[len("listening on http://"):]
        self.url = "http://%s/" % self.address

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.proc.stdout.close()
            self.proc.stderr.close()
        self.http.close()
        self.http = requests.Session()
        rc = self.proc.returncode if self.proc is not None else None
        self.proc = None
        return rc

    # -- API calls -----------------------------------------------------------------

    def signed(self, action, params=None, method="POST", ak=AK, secret=SECRET, token=None, **override):
        p = {"Action": action, "Version": "2018-01-29", "Format": "JSON", "AccessKeyId": ak,
             "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
             "Timestamp": utc_stamp()}
        if token:
            p["SecurityToken"] = token
        p.update(dict((k, str(v)) for k, v in (params or {}).items()))
        p.update(override)
        p = dict((k, v) for k, v in p.items() if v is not None)
        p["Signature"] = sign(method, p, secret)
        return p

    def send(self, params, method="POST", in_body=True):
        if method == "GET" or not in_body:
            return self.http.request(method, self.url, params=params, timeout=10)
        return self.http.post(self.url, data=params, timeout=10)

    def call(self, action, params=None, method="POST", **kw):
        """Signed call; returns (status, json body)."""
        r = self.send(self.signed(action, params, method=method, **kw), method=method)
        return r.status_code, r.json()

    def ok(self, action, params=None, **kw):
        status, body = self.call(action, params, **kw)
        assert status == 200, (action, status, body)
        return body

    def error(self, action, params=None, **kw):
        status, body = self.call(action, params, **kw)
        assert status != 200, (action, body)
        return status, body["Code"], body["Message"]

    def wait_task(self, task_no, timeout=5):
        deadline = time.time() + timeout
        while True:
            body = self.ok("QueryTaskDetailList", {"TaskNo": task_no, "PageNum": 1, "PageSize": 1000})
            details = body["Data"]["TaskDetail"]
            if details and all(d["TaskStatusCode"] >= 2 for d in details):
                return details
            assert time.time() < deadline, details
            time.sleep(0.02)

    # -- admin and files -----------------------------------------------------------

    def admin(self, path, body=None):
        if body is None:
            r = self.http.get(self.url + "_admin/" + path, timeout=10)
        else:
            r = self.http.post(self.url + "_admin/" + path, json=body, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def read_state(self):
        with open(self.state) as f:
            return json.load(f)

    def log_lines(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def start_sim(tmp_path):
    started = []

    def factory(seed=None, flags=("--task-delay", "0"), name=None):
        sim = Sim(tmp_path, seed=seed, flags=flags, name=name or "sim%d" % len(started))
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop(signal.SIGKILL)


@pytest.fixture
def sim(start_sim):
    return start_sim()


@pytest.fixture(scope="session")
def module():
    return load_module()


# --------------------------------------------------------------------------- Route 53 Domains simulator

@pytest.fixture
def r53_start(tmp_path):
    """A factory of started Route 53 Domains simulators (route53_harness.R53Sim), killed after the test."""
    import route53_harness
    yield from route53_harness.starter(tmp_path)


@pytest.fixture
def r53(r53_start):
    return r53_start()


@pytest.fixture(scope="session")
def r53_module():
    import route53_harness
    return route53_harness.load_module()
