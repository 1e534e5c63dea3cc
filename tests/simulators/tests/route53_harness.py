"""The Route 53 Domains simulator as a real subprocess on a free loopback port, and boto3 clients
pointed at it (endpoint_url), so botocore's published model checks every request and answer.

conftest.py turns ``starter`` into the ``r53_start`` and ``r53`` fixtures.
"""

import base64
import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SIMULATORS = os.path.dirname(HERE)
SIMULATOR = os.path.join(SIMULATORS, "route53domains.py")

AK = "AKIDSIMULATOR0000001"
SECRET = "sim/secret+Key=0001"
STS_AK = "ASIASIMULATOR0000002"
STS_SECRET = "sim-temporary-secret-0002"
STS_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDSimulatedSessionToken+/="
OLD_AK = "ASIASIMULATOR0000003"
OLD_SECRET = "sim-expired-secret-0003"
OLD_TOKEN = "ExpiredSessionToken0003"

# RFC 4034 5.4 / RFC 4509: dskey.example.com's ZSK (algorithm 5) with key tag 60485.
RFC_KEY = ("AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd"
           "/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==")
RFC_DS_SHA256 = "D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A"


def p256_key(seed):
    """A stand-in ECDSA P-256 public key (64 octets, base64), different for each seed text."""
    return base64.b64encode(hashlib.sha512(seed.encode("utf-8")).digest()).decode("ascii")


# Errors any AWS JSON service may answer besides an operation's modeled ones.
COMMON_ERRORS = frozenset([
    "IncompleteSignatureException", "InvalidSignatureException", "MissingAuthenticationTokenException",
    "UnrecognizedClientException", "ExpiredTokenException", "SerializationException", "UnknownOperationException",
    "ThrottlingException", "Throttling", "ServiceUnavailable", "InternalFailure"])


def shape_problems(shape, value, path="$"):
    """Where ``value`` (decoded JSON) breaks botocore's ``shape``: unknown or missing members, wrong
    JSON types, enum values and lengths the model does not allow. botocore's own parser drops unknown
    members silently, so the simulator's answers are checked here, strictly."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return ["%s: a %s, not an object" % (path, type(value).__name__)]
        problems = ["%s.%s: not a member of %s" % (path, k, shape.name) for k in value if k not in shape.members]
        problems += ["%s.%s: required member missing" % (path, k) for k in shape.required_members if k not in value]
        for key, item in value.items():
            if key in shape.members:
                problems += shape_problems(shape.members[key], item, "%s.%s" % (path, key))
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return ["%s: a %s, not a list" % (path, type(value).__name__)]
        return [p for i, item in enumerate(value) for p in shape_problems(shape.member, item, "%s[%d]" % (path, i))]
    checks = {"string": str, "boolean": bool, "integer": int, "long": int, "timestamp": (int, float),
              "double": (int, float), "float": (int, float)}
    wanted = checks.get(kind)
    if wanted is None:
        return ["%s: shape type %s not checked by this harness" % (path, kind)]
    if not isinstance(value, wanted) or (kind != "boolean" and isinstance(value, bool)):
        return ["%s: %r is not a JSON %s" % (path, value, kind)]
    problems = []
    if kind == "string":
        if shape.enum and value not in shape.enum:
            problems.append("%s: %r is not one of %s" % (path, value, shape.enum))
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            problems.append("%s: longer than %d" % (path, shape.metadata["max"]))
    return problems


CHECKED = []  # (operation, HTTP status) of every answer check_answer has seen


def check_answer(operation_model, response_dict, **unused):
    """botocore ``before-parse`` hook: the raw answer must fit the published model exactly."""
    status = response_dict["status_code"]
    CHECKED.append((operation_model.name, status))
    headers = dict((k.lower(), v) for k, v in response_dict["headers"].items())
    assert headers.get("x-amzn-requestid"), "answer without x-amzn-RequestId"
    assert headers.get("content-type") == "application/x-amz-json-1.1", headers.get("content-type")
    body = json.loads(response_dict["body"].decode("utf-8"))
    if status == 200:
        problems = shape_problems(operation_model.output_shape, body) if operation_model.output_shape else []
        assert not problems, "%s answer breaks the model: %s" % (operation_model.name, problems)
        return
    code = body.get("__type", "").rsplit("#", 1)[-1]
    modeled = dict((e.name, e) for e in operation_model.error_shapes)
    assert code in modeled or code in COMMON_ERRORS, "%s: error %r is neither modeled nor common" % (
        operation_model.name, code)
    if code in modeled:
        assert modeled[code].metadata["error"]["httpStatusCode"] == status, (code, status)
        problems = shape_problems(modeled[code], dict((k, v) for k, v in body.items() if k != "__type"))
        assert not problems, "%s error breaks the model: %s" % (code, problems)


def default_seed():
    return {
        "credentials": [
            {"access_key_id": AK, "secret_access_key": SECRET},
            {"access_key_id": STS_AK, "secret_access_key": STS_SECRET, "session_token": STS_TOKEN,
             "expires": "2099-01-01T00:00:00Z"},
            {"access_key_id": OLD_AK, "secret_access_key": OLD_SECRET, "session_token": OLD_TOKEN,
             "expires": "2020-01-01T00:00:00Z"},
        ],
        "domains": [
            {"name": "example.com", "expiry": "2031-05-01T00:00:00Z",
             "nameservers": [{"name": "ns1.example.com", "glue_ips": ["198.51.100.10", "2001:db8:100::10"]},
                             {"name": "ns2.example.com", "glue_ips": ["198.51.100.20"]}]},
            {"name": "customer.net", "expiry": "2028-02-01T00:00:00Z",
             "nameservers": ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"]},
            {"name": "Example.ORG", "expiry": "2029-03-01T00:00:00Z"},
            {"name": "example.hk", "expiry": "2030-04-01T00:00:00Z"},
        ],
        "unsupported_tlds": ["cn"],
        "tlds_without_dnssec": ["hk"],
    }


def load_module():
    """The simulator as a module (its directory on sys.path for simcore), for unit-level checks."""
    if SIMULATORS not in sys.path:
        sys.path.insert(0, SIMULATORS)
    spec = importlib.util.spec_from_file_location("route53domains_sim", SIMULATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SESSION = []


def boto3_session():
    """One boto3 session for all tests: it caches the loaded model, so a client takes milliseconds."""
    if not _SESSION:
        import boto3
        _SESSION.append(boto3.session.Session())
    return _SESSION[0]


class R53Sim(object):
    def __init__(self, tmp_path, seed=None, flags=(), name="r53"):
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
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()
            rc = self.proc.returncode
        self.http.close()
        self.http = requests.Session()
        self.proc = None
        return rc

    # -- boto3 -------------------------------------------------------------------------

    def client(self, ak=AK, secret=SECRET, token=None, region="us-east-1", retries=1, read_timeout=10, **config):
        """A boto3 client for the simulator; ``retries`` is botocore's total attempts (1: no retry)."""
        from botocore.config import Config
        client = boto3_session().client(
            "route53domains", region_name=region, endpoint_url=self.url.rstrip("/"), aws_access_key_id=ak,
            aws_secret_access_key=secret, aws_session_token=token,
            config=Config(retries={"total_max_attempts": retries, "mode": "standard"}, connect_timeout=5,
                          read_timeout=read_timeout, **config))
        service_id = client.meta.service_model.service_id.hyphenize()  # "route-53-domains"
        client.meta.events.register("before-parse.%s" % service_id, check_answer)
        return client

    def wait_operation(self, client, op_id, timeout=5):
        """Poll GetOperationDetail until the operation is finished; (final answer, statuses seen)."""
        deadline = time.time() + timeout
        seen = []
        while True:
            detail = client.get_operation_detail(OperationId=op_id)
            if not seen or seen[-1] != detail["Status"]:
                seen.append(detail["Status"])
            if detail["Status"] not in ("SUBMITTED", "IN_PROGRESS"):
                return detail, seen
            assert time.time() < deadline, seen
            time.sleep(0.02)

    # -- admin and files ---------------------------------------------------------------

    def admin(self, path, body=None, method=None):
        method = method or ("GET" if body is None else "POST")
        r = self.http.request(method, self.url + "_admin/" + path, json=body, timeout=10)
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


def starter(tmp_path):
    """A generator for the fixture: yields a factory of started simulators, kills them after the test."""
    started = []

    def factory(seed=None, flags=("--operation-delay", "0"), name=None):
        sim = R53Sim(tmp_path, seed=seed, flags=flags, name=name or "r53-%d" % len(started))
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop(signal.SIGKILL)
