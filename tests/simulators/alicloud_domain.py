"""A simulator of Alibaba Cloud's Domain API (2018-01-29) for tests and the lab.

A real HTTP server (standard library only) speaking the RPC protocol as described in
/work/shared/reference/alicloud-domain-api.md: signature V2 (HMAC-SHA1) and V3
(ACS3-HMAC-SHA256), nonces and timestamps, asynchronous tasks, the registry's rules for
DNS hosts ("glue"), name servers and DS records, error bodies, state persisted atomically in one JSON
file, a JSON-lines request log, and fault injection (throttling, 503, slow answers, failed
tasks) through flags and an admin endpoint. See tests/simulators/README.md.

    python3 tests/simulators/alicloud_domain.py --listen 127.0.0.1:0 --state STATE.json --seed SEED.json
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit, unquote

API_VERSION = "2018-01-29"
INTL_VERSION = "2017-12-18"
HOST_ID = "domain.aliyuncs.com"
TIMESTAMP_WINDOW = 15 * 60  # seconds either side of the server's clock
ALIYUN_DNS = ["dns1.hichina.com", "dns2.hichina.com"]

MAX_IPS = 13
MAX_HOSTS = 13
MAX_HOSTS_CN = 6
MAX_NAMESERVERS = 13
MAX_BATCH_DOMAINS = 1000
MAX_PAGE_SIZE = 1000
MAX_ACK = 13
KEEP_FINISHED_TASKS = 500
KEEP_FINISHED_DETAILS = 10000

WRITE_ANSWER_FAULTS = {
    "gateway_502": (502, "text/html", b"<html><head><title>502 Bad Gateway</title></head>"
                                      b"<body><h1>502 Bad Gateway</h1></body></html>"),
    "not_json": (200, "text/html", b"<html><body>OK</body></html>"),
    "drop": None,
    "late": None,  # the normal answer, LATE_ANSWER_DELAY seconds late
}
LATE_ANSWER_DELAY = 5.0

# DS records: the values the Domain API's documentation lists for Algorithm and DigestType
# (IANA numbers), and the digest length of each digest type in hex digits.
DS_ALGORITHMS = frozenset([1, 2, 3, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16, 252, 253, 254])
DS_DIGEST_HEX_LENGTHS = {1: 40, 2: 64, 3: 64, 4: 96}  # SHA-1, SHA-256, GOST R 34.11-94, SHA-384
MAX_KEY_TAG = 65535
HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
DECIMAL_RE = re.compile(r"^[0-9]+$")

WRITE_ACTIONS = frozenset([
    "SaveSingleTaskForCreatingDnsHost",
    "SaveSingleTaskForModifyingDnsHost",
    "SaveSingleTaskForDeletingDnsHost",
    "SaveSingleTaskForSynchronizingDnsHost",
    "SaveBatchTaskForModifyingDomainDns",
    "SaveSingleTaskForAddingDSRecord",
    "SaveSingleTaskForModifyingDSRecord",
    "SaveSingleTaskForDeletingDSRecord",
    "SaveSingleTaskForSynchronizingDSRecord",
    "CancelTask",
    "AcknowledgeTaskResult",
])

STATUS_NAMES = {0: "WAITING_EXECUTE", 1: "EXECUTING", 2: "EXECUTE_SUCCESS", 3: "EXECUTE_FAILURE"}
TASK_TYPE_TEXT = {
    "CREATE_DNSHOST": "Create DNS host",
    "UPDATE_DNSHOST": "Update DNS host",
    "DELETE_DNSHOST": "Delete DNS host",
    "SYNC_DNSHOST": "Synchronize DNS host",
    "CHG_DNS": "Modify DNS",
    # The DS task types are not documented: these names are guesses in the style of the host ones.
    "CREATE_DSRECORD": "Create DS record",
    "UPDATE_DSRECORD": "Update DS record",
    "DELETE_DSRECORD": "Delete DS record",
    "SYNC_DSRECORD": "Synchronize DS record",
}

LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
TIMESTAMP_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$")
REPEAT_RE = re.compile(r"^([A-Za-z]+)\.(\d+)$")


class ApiError(Exception):
    """An error answer: HTTP status, Code, Message."""

    def __init__(self, status, code, message, headers=None):
        Exception.__init__(self, message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad(code, message, status=400):
    return ApiError(status, code, message)


# --------------------------------------------------------------------------- helpers

def percent_encode(value):
    """RFC 3986 encoding as both signature versions want it (space %20, * %2A, ~ literal)."""
    return quote(str(value), safe="-_.~", encoding="utf-8")


def norm_name(name):
    return str(name).strip().rstrip(".").lower()


def iso_now(now=None):
    return datetime.fromtimestamp(now if now is not None else time.time(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fmt_time(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def fmt_task_time(epoch):
    return time.strftime("%b %d,%Y %H:%M:%S", time.gmtime(epoch))


def request_id():
    return str(uuid.uuid4()).upper()


def stable_instance_id(name):
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    return "S2026%010d" % (digest % 10 ** 10)


def name_syntax_error(name):
    """Why a host or domain name is not acceptable, or None."""
    if not name:
        return "is empty"
    if len(name) > 80:
        return "is longer than 80 characters"
    for label in name.split("."):
        if not label:
            return "has an empty label"
        if len(label) > 63:
            return "has a label longer than 63 characters"
        if not LABEL_RE.match(label):
            return "has a label that is not letters, digits and inner hyphens (%s)" % label
    return None


def canonical_ip(text):
    try:
        addr = ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise bad("ParameterIllegal", "The IP address %s is not a valid IPv4 or IPv6 address." % text)
    for attr, what in (("is_unspecified", "unspecified"), ("is_loopback", "loopback"),
                       ("is_multicast", "multicast"), ("is_link_local", "link-local")):
        if getattr(addr, attr):
            raise bad("ParameterIllegal", "The IP address %s is a %s address." % (text, what))
    return str(addr)


def repeat_list(params, name, maximum, required=True):
    """The values of ``name.1`` .. ``name.n``; gaps, bad indices or too many are InvalidParameter."""
    found = {}
    for key, value in params.items():
        m = REPEAT_RE.match(key)
        if m and m.group(1) == name:
            index = m.group(2)
            if index.startswith("0"):
                raise bad("InvalidParameter", "The parameter %s has an invalid index." % key)
            found[int(index)] = value
    if not found:
        if required:
            raise bad("MissingParameter", "The input parameter \"%s\" that is mandatory for processing "
                                          "this request is not supplied." % name)
        return []
    if sorted(found) != list(range(1, len(found) + 1)):
        raise bad("InvalidParameter", "The list %s.N must be numbered 1..n without gaps." % name)
    if len(found) > maximum:
        raise bad("InvalidParameter", "The list %s.N has %d items; at most %d are allowed."
                  % (name, len(found), maximum))
    values = [found[i] for i in range(1, len(found) + 1)]
    for i, value in enumerate(values, 1):
        if not str(value).strip():
            raise bad("InvalidParameter", "The parameter %s.%d is empty." % (name, i))
    return values


def required(params, name):
    value = params.get(name)
    if value is None or str(value).strip() == "":
        raise bad("MissingParameter", "The input parameter \"%s\" that is mandatory for processing this "
                                      "request is not supplied." % name)
    return str(value).strip()


def int_param(params, name, default=None, minimum=1, maximum=None, needed=True):
    raw = params.get(name)
    if raw is None or str(raw).strip() == "":
        if needed and default is None:
            required(params, name)
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise bad("InvalidParameter", "The parameter %s is not an integer: %s." % (name, raw))
    if value < minimum or (maximum is not None and value > maximum):
        raise bad("InvalidParameter", "The parameter %s is out of range: %s." % (name, raw))
    return value


def ds_int(params, name, maximum):
    """A required decimal integer 0..maximum (a DS field); InvalidParameter otherwise."""
    raw = required(params, name)
    if not DECIMAL_RE.match(raw) or int(raw) > maximum:
        raise bad("InvalidParameter", "The parameter %s must be an integer from 0 to %d: %s." % (name, maximum, raw))
    return int(raw)


def ds_record(params):
    """The DS record of a Save...DSRecord call, checked against the registry's syntax rules."""
    key_tag = ds_int(params, "KeyTag", MAX_KEY_TAG)
    algorithm = ds_int(params, "Algorithm", 255)
    if algorithm not in DS_ALGORITHMS:
        raise bad("InvalidParameter", "The parameter Algorithm %d is not a DNSSEC algorithm the registry accepts "
                                      "(%s)." % (algorithm, ", ".join(str(a) for a in sorted(DS_ALGORITHMS))))
    digest_type = ds_int(params, "DigestType", 255)
    if digest_type not in DS_DIGEST_HEX_LENGTHS:
        raise bad("InvalidParameter", "The parameter DigestType %d is not a digest type the registry accepts "
                                      "(1 SHA-1, 2 SHA-256, 3 GOST R 34.11-94, 4 SHA-384)." % digest_type)
    digest = required(params, "Digest")
    if not HEX_RE.match(digest):
        raise bad("InvalidParameter", "The parameter Digest must be hexadecimal digits only: %s." % digest)
    if len(digest) != DS_DIGEST_HEX_LENGTHS[digest_type]:
        raise bad("InvalidParameter", "The parameter Digest has %d hexadecimal digits; digest type %d needs %d."
                  % (len(digest), digest_type, DS_DIGEST_HEX_LENGTHS[digest_type]))
    return {"key_tag": key_tag, "algorithm": algorithm, "digest_type": digest_type, "digest": digest.lower()}


def ds_from_dict(record):
    """A DS record of a seed or an admin call, as the state keeps it (no rules: tests may break them)."""
    return {"key_tag": int(record["key_tag"]), "algorithm": int(record["algorithm"]),
            "digest_type": int(record["digest_type"]), "digest": str(record["digest"]).lower()}


def ds_view(record):
    return {"KeyTag": record["key_tag"], "Algorithm": record["algorithm"], "DigestType": record["digest_type"],
            "Digest": record["digest"]}


def paged(items, params, item_key, maximum=MAX_PAGE_SIZE):
    page = int_param(params, "PageNum", minimum=1)
    size = int_param(params, "PageSize", minimum=1, maximum=maximum)
    total = len(items)
    pages = (total + size - 1) // size
    chunk = items[(page - 1) * size:page * size]
    return {
        "PageSize": size, "CurrentPageNum": page, "TotalPageNum": pages, "TotalItemNum": total,
        "PrePage": page > 1, "NextPage": page < pages, "Data": {item_key: chunk},
    }


def to_xml(tag, value):
    """A small, generic JSON-to-XML rendering for Format=XML."""
    def esc(text):
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, dict):
        return "<%s>%s</%s>" % (tag, "".join(to_xml(k, v) for k, v in value.items()), tag)
    if isinstance(value, list):
        return "".join(to_xml(tag, v) for v in value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    if value is None:
        value = ""
    return "<%s>%s</%s>" % (tag, esc(value), tag)


# --------------------------------------------------------------------------- signatures

def canonical_query_v2(params):
    pairs = sorted((percent_encode(k), percent_encode(v)) for k, v in params.items())
    return "&".join("%s=%s" % pair for pair in pairs)


def string_to_sign_v2(method, params):
    return "%s&%s&%s" % (method.upper(), percent_encode("/"), percent_encode(canonical_query_v2(params)))


def sign_v2(method, params, secret):
    """Base64(HMAC-SHA1(secret + '&', StringToSign)); ``params`` without Signature."""
    digest = hmac.new((secret + "&").encode("utf-8"), string_to_sign_v2(method, params).encode("utf-8"),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def canonical_request_v3(method, path, query_pairs, headers, signed_headers, payload_hash):
    """``headers``: {lower name: value}; ``signed_headers``: list of lower names."""
    query = "&".join("%s=%s" % pair for pair in sorted(
        (percent_encode(k), percent_encode(v)) for k, v in query_pairs))
    canon_headers = "".join("%s:%s\n" % (name, " ".join(str(headers.get(name, "")).split()))
                            for name in signed_headers)
    return "\n".join([method.upper(), path or "/", query, canon_headers, ";".join(signed_headers), payload_hash])


def sign_v3(secret, canonical_request):
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return hmac.new(secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization_v3(value):
    """(access key id, [signed headers], signature) from an ACS3-HMAC-SHA256 Authorization header."""
    value = value.strip()
    if not value.startswith("ACS3-HMAC-SHA256"):
        raise bad("InvalidAuthorization", "Unsupported Authorization scheme.")
    fields = {}
    for part in value[len("ACS3-HMAC-SHA256"):].split(","):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            fields[k.strip()] = v.strip()
    if not all(fields.get(k) for k in ("Credential", "SignedHeaders", "Signature")):
        raise bad("InvalidAuthorization", "The Authorization header is malformed.")
    return fields["Credential"], [h.strip().lower() for h in fields["SignedHeaders"].split(";")], fields["Signature"]


def parse_timestamp(text):
    m = TIMESTAMP_RE.match(text or "")
    if not m:
        raise bad("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    try:
        stamp = datetime(*[int(g) for g in m.groups()[:6]], tzinfo=timezone.utc)
    except ValueError:
        raise bad("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    return stamp.timestamp()


# --------------------------------------------------------------------------- the simulator

class Simulator(object):
    """State, rules, tasks and faults. Every public method takes the lock itself."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.wakeup = threading.Condition(self.lock)
        self.state_path = os.path.abspath(args.state)
        # Accepted nonces are appended here at once and folded into STATE.json with its next write,
        # so a replay after kill -9 and a restart is refused even when the state was not rewritten.
        self.nonce_path = self.state_path + ".nonces"
        self.nonces_dirty = False
        self.nonce_count = 0
        self.stopping = False
        self.faults = {}
        self.counters = {}
        self.set_faults({"throttle_every": args.throttle_every, "unavailable_every": args.unavailable_every,
                         "slow": args.slow, "fail_next_task": args.fail_next_task,
                         "retry_after_ms": args.retry_after_ms})
        self.state = self._load()
        self.seq = max([t.get("seq", 0) for t in self.state["tasks"].values()] + [0])
        self.log_lock = threading.Lock()
        self.log_path = args.log or (self.state_path + ".log.jsonl")
        self.log_file = open(self.log_path, "a", encoding="utf-8")
        with self.lock:
            self._advance(time.time())
            self._save()

    # -- state on disk --------------------------------------------------

    def _load(self):
        if os.path.exists(self.state_path):
            with open(self.state_path, encoding="utf-8") as f:
                state = json.load(f)
            state.setdefault("tasks", {})
            state.setdefault("used_nonces", {})
            for dom in state["domains"].values():
                dom.setdefault("ds", [])  # a state written before DS records were simulated
            self._read_nonce_journal(state["used_nonces"])
            return state
        if os.path.exists(self.nonce_path):
            os.unlink(self.nonce_path)  # left by another state; a fresh state starts without it
        with open(self.args.seed, encoding="utf-8") as f:
            seed = json.load(f)
        state = {"version": 1, "credentials": [], "domains": {}, "tasks": {}, "used_nonces": {}}
        for cred in seed.get("credentials", []):
            entry = {"access_key_id": cred["access_key_id"], "access_key_secret": cred["access_key_secret"]}
            if cred.get("security_token"):
                entry["security_token"] = cred["security_token"]
            state["credentials"].append(entry)
        for dom in seed.get("domains", []):
            name = norm_name(dom["name"])
            hosts = {}
            for host in dom.get("hosts") or []:
                hosts[norm_name(host["name"])] = [str(ipaddress.ip_address(ip)) for ip in host.get("ips", [])]
            state["domains"][name] = {
                "instance_id": dom.get("instance_id") or stable_instance_id(name),
                "nameservers": [norm_name(ns) for ns in dom.get("nameservers") or ALIYUN_DNS],
                "hosts": hosts,
                "ds": sorted((ds_from_dict(r) for r in dom.get("ds") or []), key=lambda r: r["key_tag"]),
            }
        return state

    def _read_nonce_journal(self, used):
        """Merge the nonces accepted after the last state write (one JSON [nonce, stamp] a line)."""
        if not os.path.exists(self.nonce_path):
            return
        with open(self.nonce_path, encoding="utf-8") as f:
            for line in f:
                try:
                    nonce, stamp = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a kill
                used[nonce] = max(stamp, used.get(nonce, stamp))
                self.nonces_dirty = True  # the next state write empties the journal

    def _save(self):
        """Write STATE.json atomically: temp file in the same directory, fsync, os.replace."""
        directory = os.path.dirname(self.state_path) or "."
        fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, 0o644)  # readable by the lab's publisher, like a plainly written file
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.state, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.state_path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
        if self.nonces_dirty:
            open(self.nonce_path, "w").close()  # every journalled nonce is in the state now
        self.nonces_dirty = False

    # -- faults ---------------------------------------------------------

    def set_faults(self, body):
        with self.lock:
            if body.get("reset"):
                self.faults = {}
                self.counters = {}
            for key in ("throttle_every", "unavailable_every", "retry_after_ms"):
                if key in body:
                    value = int(body[key] or 0)
                    if value > 0:
                        self.faults[key] = value
                    else:
                        self.faults.pop(key, None)
                    if key != "retry_after_ms":  # counted API calls since this fault was set
                        if value > 0:
                            self.counters[key] = 0
                        else:
                            self.counters.pop(key, None)
            if "slow" in body:
                value = float(body["slow"] or 0)
                if value > 0:
                    self.faults["slow"] = value
                else:
                    self.faults.pop("slow", None)
            if "next_write_answer" in body:
                # The next accepted write is applied, then answered badly: a gateway's 502 page, a 200
                # whose body is not JSON, a connection closed without an answer, or an answer 5 s late.
                value = body["next_write_answer"] or ""
                if value and value not in WRITE_ANSWER_FAULTS:
                    raise ValueError("next_write_answer must be one of %s" % ", ".join(sorted(WRITE_ANSWER_FAULTS)))
                if value:
                    self.faults["next_write_answer"] = value
                else:
                    self.faults.pop("next_write_answer", None)
            if "fail_next_task" in body:
                if body["fail_next_task"]:
                    self.faults["fail_next_task"] = str(body["fail_next_task"])
                else:
                    self.faults.pop("fail_next_task", None)
            return self.get_faults()

    def take_write_answer_fault(self):
        """The bad answer the next accepted write gets (and the fault is used up), or None."""
        with self.lock:
            return self.faults.pop("next_write_answer", None)

    def get_faults(self):
        with self.lock:
            return dict(self.faults, calls=dict(self.counters))

    def api_faults(self):
        """Count this API call; the error to answer with, if a fault says so."""
        with self.lock:
            error = None
            for key, code, status, message in (
                    ("throttle_every", "Throttling.User", 400, "Request was denied due to user flow control."),
                    ("unavailable_every", "ServiceUnavailable", 503,
                     "The request has failed due to a temporary failure of the server.")):
                every = self.faults.get(key)
                if not every:
                    continue
                self.counters[key] = self.counters.get(key, 0) + 1
                if error is None and self.counters[key] % every == 0:
                    error = ApiError(status, code, message)
                    if key == "throttle_every" and self.faults.get("retry_after_ms"):
                        error.headers["x-acs-retry-after"] = str(self.faults["retry_after_ms"])
            return error, self.faults.get("slow", 0)

    # -- authentication -------------------------------------------------

    def now(self):
        return time.time() + self.args.timestamp_skew

    def credential(self, access_key_id):
        for cred in self.state["credentials"]:
            if cred["access_key_id"] == access_key_id:
                return cred
        raise bad("InvalidAccessKeyId.NotFound", "Specified access key is not found.")

    def check_time(self, text):
        stamp = parse_timestamp(text)
        if abs(self.now() - stamp) > TIMESTAMP_WINDOW:
            raise bad("InvalidTimeStamp.Expired",
                      "Specified time stamp or date value is expired (more than 15 minutes from the server's time).")
        return stamp

    def check_token(self, cred, token):
        if cred.get("security_token") and token != cred["security_token"]:
            if not token:
                raise bad("MissingSecurityToken", "The security token of this temporary access key is missing.")
            raise bad("InvalidSecurityToken.Mismatch", "The security token does not match the access key.")

    def signature_mismatch(self, string_to_sign):
        return ApiError(self.args.signature_error_status, "SignatureDoesNotMatch",
                        "Specified signature is not matched with our calculation. server string to sign is:"
                        + string_to_sign)

    def use_nonce(self, nonce, stamp):
        with self.lock:
            now = self.now()
            used = self.state["used_nonces"]
            self.nonce_count += 1
            if self.nonce_count % 1000 == 0:
                self._prune_nonces(now)
            if nonce in used and used[nonce] >= now - TIMESTAMP_WINDOW:
                raise bad("SignatureNonceUsed", "Specified signature nonce was used already.")
            used[nonce] = stamp
            self.nonces_dirty = True
            # Closed before the answer is sent: in the kernel's hands, it survives kill -9.
            with open(self.nonce_path, "a", encoding="utf-8") as f:
                f.write(json.dumps([nonce, stamp]) + "\n")

    def _prune_nonces(self, now):
        used = self.state["used_nonces"]
        for nonce in [n for n, stamp in used.items() if stamp < now - TIMESTAMP_WINDOW]:
            del used[nonce]

    def authenticate_v2(self, method, params):
        for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp"):
            required(params, name)
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise bad("InvalidParameter", "The SignatureMethod %s is not supported." % params.get("SignatureMethod"))
        if params.get("SignatureVersion", "1.0") != "1.0":
            raise bad("InvalidParameter", "The SignatureVersion %s is not supported." % params.get("SignatureVersion"))
        stamp = self.check_time(params["Timestamp"])
        with self.lock:
            cred = self.credential(params["AccessKeyId"])
        signed = dict((k, v) for k, v in params.items() if k != "Signature")
        expected = sign_v2(method, signed, cred["access_key_secret"])
        if not hmac.compare_digest(expected, params["Signature"]):
            raise self.signature_mismatch(string_to_sign_v2(method, signed))
        self.check_token(cred, params.get("SecurityToken"))
        self.use_nonce(params["SignatureNonce"], stamp)

    def authenticate_v3(self, method, path, query_pairs, headers, body):
        access_key_id, signed_headers, signature = parse_authorization_v3(headers.get("authorization", ""))
        for name in ("x-acs-date", "x-acs-signature-nonce"):
            if not headers.get(name):
                raise bad("MissingParameter", "The header %s that is mandatory for this request is missing." % name)
        stamp = self.check_time(headers["x-acs-date"])
        with self.lock:
            cred = self.credential(access_key_id)
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") and headers["x-acs-content-sha256"].lower() != payload_hash:
            raise self.signature_mismatch("(x-acs-content-sha256 does not match the body)")
        unsigned = [h for h in headers if (h.startswith("x-acs-") or h == "host") and h not in signed_headers]
        if unsigned:
            raise self.signature_mismatch("(headers not signed: %s)" % ", ".join(sorted(unsigned)))
        canonical = canonical_request_v3(method, path, query_pairs, headers, signed_headers,
                                         headers.get("x-acs-content-sha256") or payload_hash)
        if not hmac.compare_digest(sign_v3(cred["access_key_secret"], canonical), signature.lower()):
            raise self.signature_mismatch(canonical)
        self.check_token(cred, headers.get("x-acs-security-token"))
        self.use_nonce(headers["x-acs-signature-nonce"], stamp)

    # -- lookups ----------------------------------------------------------

    def domain_by_instance(self, instance_id):
        for name, dom in self.state["domains"].items():
            if dom["instance_id"] == instance_id:
                return name, dom
        raise bad("DomainNotExist", "The domain instance %s does not exist in this account." % instance_id)

    def domain_by_name(self, name):
        name = norm_name(name)
        dom = self.state["domains"].get(name)
        if dom is None:
            raise bad("DomainNotExist", "The domain %s does not exist in this account." % name)
        return name, dom

    def host_fqdn(self, domain, dns_name):
        """The full host name for a DnsName under ``domain``: synchronous syntax rules."""
        name = norm_name(dns_name)
        if not name:
            raise bad("InvalidParameter", "The parameter DnsName is empty.")
        if name == domain:
            raise bad("InvalidParameter", "The DNS host %s cannot be the domain itself." % name)
        if name.endswith("." + domain):
            if self.args.strict_labels:
                raise bad("InvalidParameter", "The parameter DnsName must be the host label relative to %s, "
                                              "not the full name %s." % (domain, name))
            fqdn = name
        else:
            fqdn = "%s.%s" % (name, domain)
        why = name_syntax_error(fqdn)
        if why:
            raise bad("InvalidParameter", "The DNS host name %s %s." % (fqdn, why))
        if domain.endswith(".cn") and len(fqdn.split(".")) > 3:
            raise bad("ParameterIllegal", "The DNS host %s is a fourth-level name; .cn domains do not allow "
                                          "fourth-level DNS host names." % fqdn)
        return fqdn

    @staticmethod
    def label(domain, fqdn):
        return fqdn[:-(len(domain) + 1)] if fqdn.endswith("." + domain) else fqdn

    @staticmethod
    def host_limit(domain):
        return MAX_HOSTS_CN if domain.endswith(".cn") else MAX_HOSTS

    # -- tasks --------------------------------------------------------------

    def unfinished_domains(self):
        busy = set()
        for task in self.state["tasks"].values():
            for detail in task["details"]:
                if detail["status"] < 2:
                    busy.add(detail["domain"])
        return busy

    def new_task(self, task_type, op, details):
        """Record a task (``details``: [(domain, instance_id)]), run at once when --task-delay is 0."""
        now = time.time()
        self.seq += 1
        task_no = str(uuid.uuid4())
        task = {
            "task_no": task_no, "seq": self.seq, "type": task_type, "op": op,
            "created": now, "due": now + self.args.task_delay, "cancel": 0,
            "fail_message": self.faults.pop("fail_next_task", None),
            "details": [{"detail_no": str(uuid.uuid4()), "domain": d, "instance_id": i, "status": 0,
                         "error": "", "try_count": 0, "updated": now, "acknowledged": False}
                        for d, i in details],
        }
        self.state["tasks"][task_no] = task
        self._advance(now)
        self._prune_tasks()
        self._save()
        self.wakeup.notify_all()
        return task_no

    def _prune_tasks(self):
        """Forget the oldest finished tasks beyond KEEP_FINISHED_TASKS tasks or KEEP_FINISHED_DETAILS
        details (the newest finished task is always kept), so the state stays small."""
        finished = sorted((t for t in self.state["tasks"].values() if all(d["status"] >= 2 for d in t["details"])),
                          key=lambda t: -t["seq"])
        details = 0
        for count, task in enumerate(finished):
            details += len(task["details"])
            if count and (count >= KEEP_FINISHED_TASKS or details > KEEP_FINISHED_DETAILS):
                del self.state["tasks"][task["task_no"]]

    def _advance(self, now):
        """Move unfinished tasks along their timeline; True when anything changed."""
        changed = False
        pending = sorted((t for t in self.state["tasks"].values()
                          if any(d["status"] < 2 for d in t["details"])), key=lambda t: t["seq"])
        for task in pending:
            if now >= task["due"]:
                for detail in task["details"]:
                    if detail["status"] < 2:
                        self._execute(task, detail, now)
                changed = True
            elif now >= task["created"] + (task["due"] - task["created"]) / 2.0:
                for detail in task["details"]:
                    if detail["status"] == 0:
                        detail["status"] = 1
                        detail["try_count"] = 1
                        detail["updated"] = now
                        changed = True
        return changed

    def _execute(self, task, detail, now):
        detail["try_count"] = max(detail["try_count"], 1)
        detail["updated"] = now
        try:
            if task.get("fail_message"):
                raise bad("TaskFailed", task["fail_message"])
            self._apply(task, detail)
        except ApiError as err:
            detail["status"] = 3
            detail["error"] = err.message
        else:
            detail["status"] = 2
            detail["error"] = ""

    def _apply(self, task, detail):
        """Apply one detail of a task to the domains: the registry-state rules fail the task here."""
        op = task["op"]
        domain = detail["domain"]
        dom = self.state["domains"].get(domain)
        if dom is None:
            raise bad("DomainNotExist", "The domain %s does not exist in this account." % domain)
        kind = task["type"]
        if kind.endswith("_DSRECORD"):
            self._apply_ds(kind, op, domain, dom)
            return
        if kind == "CHG_DNS":
            for ns in op["nameservers"]:
                # A name server inside a domain of this account must be a DNS host of that
                # domain (the nearest enclosing one), as a registry wants a host object.
                owner = max((other for other in self.state["domains"] if ns.endswith("." + other)),
                            key=len, default=None)
                if owner is not None and ns not in self.state["domains"][owner]["hosts"]:
                    raise bad("TaskFailed", "The name server %s is not a registered DNS host of %s."
                              % (ns, owner))
            dom["nameservers"] = list(op["nameservers"])
            return
        host = op.get("host")
        hosts = dom["hosts"]
        if kind == "CREATE_DNSHOST":
            if host in hosts:
                raise bad("TaskFailed", "The DNS host %s already exists." % host)
            if len(hosts) >= self.host_limit(domain):
                raise bad("TaskFailed", "The domain %s already has %d DNS hosts, the most allowed."
                          % (domain, self.host_limit(domain)))
            hosts[host] = list(op["ips"])
        elif kind == "UPDATE_DNSHOST":
            if host not in hosts:
                raise bad("TaskFailed", "The DNS host %s does not exist." % host)
            hosts[host] = list(op["ips"])
        elif kind == "DELETE_DNSHOST":
            if host not in hosts:
                raise bad("TaskFailed", "The DNS host %s does not exist." % host)
            users = sorted(name for name, d in self.state["domains"].items() if host in d["nameservers"])
            if users:
                raise bad("TaskFailed", "The DNS host %s is in use as a name server by: %s."
                          % (host, ", ".join(users)))
            del hosts[host]
        # SYNC_DNSHOST: nothing to repair in the simulator.

    @staticmethod
    def _apply_ds(kind, op, domain, dom):
        """DS records are keyed by KeyTag alone: one record per key tag and domain."""
        records = dom["ds"]
        existing = [r for r in records if r["key_tag"] == op.get("key_tag")]
        if kind == "CREATE_DSRECORD":
            if existing:
                raise bad("TaskFailed", "The DS record with KeyTag %d already exists for %s." % (op["key_tag"], domain))
            records.append(dict(op))
        elif kind in ("UPDATE_DSRECORD", "DELETE_DSRECORD"):
            if not existing:
                raise bad("TaskFailed", "The DS record with KeyTag %d does not exist for %s." % (op["key_tag"], domain))
            records.remove(existing[0])
            if kind == "UPDATE_DSRECORD":
                records.append(dict(op))
        # SYNC_DSRECORD: nothing to repair in the simulator.
        records.sort(key=lambda r: r["key_tag"])

    def run_tasks(self):
        """Background thread: complete tasks when due, and fold journalled nonces into the state now and then."""
        last_nonce_save = time.time()
        with self.lock:
            while not self.stopping:
                now = time.time()
                if self._advance(now):
                    self._save()
                    last_nonce_save = now
                elif self.nonces_dirty and now - last_nonce_save >= self.args.nonce_flush:
                    self._prune_nonces(self.now())
                    self._save()
                    last_nonce_save = now
                dues = []
                for task in self.state["tasks"].values():
                    if any(d["status"] < 2 for d in task["details"]):
                        mid = task["created"] + (task["due"] - task["created"]) / 2.0
                        dues.append(mid if now < mid else task["due"])
                wait = min(dues) - now if dues else 1.0
                self.wakeup.wait(max(0.01, min(wait, 1.0)))

    def stop(self):
        with self.lock:
            self.stopping = True
            self.wakeup.notify_all()
            if self.nonces_dirty:
                self._save()

    def detail_view(self, task, detail):
        return {
            "TaskNo": task["task_no"], "TaskDetailNo": detail["detail_no"], "DomainName": detail["domain"],
            "InstanceId": detail["instance_id"], "TaskType": task["type"],
            "TaskTypeDescription": TASK_TYPE_TEXT.get(task["type"], task["type"]),
            "TaskStatus": STATUS_NAMES[detail["status"]], "TaskStatusCode": detail["status"],
            "TryCount": detail["try_count"], "ErrorMsg": detail["error"],
            "TaskResult": "" if detail["status"] < 2 else ("success" if detail["status"] == 2 else "failure"),
            "CreateTime": fmt_time(task["created"]), "UpdateTime": fmt_time(detail["updated"]),
        }

    def info_view(self, task):
        statuses = [d["status"] for d in task["details"]]
        code = 3 if all(s >= 2 for s in statuses) else (1 if all(s == 0 for s in statuses) else 2)
        return {
            "TaskNo": task["task_no"], "TaskType": task["type"],
            "TaskTypeDescription": TASK_TYPE_TEXT.get(task["type"], task["type"]),
            "TaskNum": len(task["details"]), "TaskStatus": {1: "WAITING_EXECUTE", 2: "EXECUTING", 3: "COMPLETE"}[code],
            "TaskStatusCode": code, "TaskCancelStatus": {0: "INIT", 1: "CANCELLING", 2: "COMPLETE"}[task["cancel"]],
            "TaskCancelStatusCode": task["cancel"], "CreateTime": fmt_task_time(task["created"]),
            "CreateTimeLong": int(task["created"] * 1000), "Clientip": "127.0.0.1",
        }

    def domain_view(self, name, dom):
        digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
        registered = 1577836800 + digest % (5 * 365 * 86400)  # 2020..2024, stable per name
        expires = registered + 10 * 365 * 86400
        tld = name.rsplit(".", 1)[-1]
        dtype = "ccTLD" if len(tld) == 2 else ("gTLD" if tld in ("com", "net", "org", "info", "biz") else "New gTLD")
        return {
            "DomainName": name, "InstanceId": dom["instance_id"], "UserId": "1234567890123456",
            "RegistrationDate": fmt_time(registered), "RegistrationDateLong": registered * 1000,
            "ExpirationDate": fmt_time(expires), "ExpirationDateLong": expires * 1000,
            "DomainStatus": "3", "DomainType": dtype, "TransferProhibitionLock": "CLOSE",
            "UpdateProhibitionLock": "CLOSE", "RealNameStatus": "SUCCEED", "EmailVerificationStatus": 1,
            "EmailVerificationClientHold": False, "Premium": False, "Remark": "", "DomainGroupId": "",
            "DomainGroupName": "", "ResourceGroupId": "rg-default", "Tag": {"Tag": []},
            "DnsList": {"Dns": list(dom["nameservers"])}, "ProductId": "2", "DomainAuditStatus": "SUCCEED",
            "ExpirationCurrDateDiff": (expires - int(time.time())) // 86400, "ExpirationDateStatus": "1",
        }

    # -- actions --------------------------------------------------------------

    def call(self, action, params):
        handler = getattr(self, "do_" + action, None)
        if handler is None:
            raise bad("InvalidApi.NotFound", "Specified api is not found, please check your url and method.", 404)
        with self.lock:
            return handler(params)

    def do_QueryDomainList(self, params):
        names = sorted(self.state["domains"])
        needle = norm_name(params.get("DomainName") or "")
        if needle:
            names = [n for n in names if needle in n]
        answer = paged([self.domain_view(n, self.state["domains"][n]) for n in names], params, "Domain")
        return answer

    def do_QueryDomainByDomainName(self, params):
        name, dom = self.domain_by_name(required(params, "DomainName"))
        return self.domain_view(name, dom)

    def do_QueryDomainByInstanceId(self, params):
        name, dom = self.domain_by_instance(required(params, "InstanceId"))
        return self.domain_view(name, dom)

    def do_QueryDnsHost(self, params):
        name, dom = self.domain_by_instance(required(params, "InstanceId"))
        return {"DnsHostList": [{"DnsName": self.label(name, host), "IpList": list(ips)}
                                for host, ips in sorted(dom["hosts"].items())]}

    def _host_write(self, params, task_type, with_ips):
        name, dom = self.domain_by_instance(required(params, "InstanceId"))
        dns_name = required(params, "DnsName")
        if name.endswith(".hk"):
            raise bad("DomainSuffixUnsupported", "Custom DNS hosts are not supported for .hk domains.")
        host = self.host_fqdn(name, dns_name)
        op = {"host": host}
        if with_ips:
            ips = [canonical_ip(ip) for ip in repeat_list(params, "Ip", MAX_IPS)]
            if len(set(ips)) != len(ips):
                dup = sorted(ip for ip in set(ips) if ips.count(ip) > 1)
                raise bad("ParameterIllegal", "The IP list has duplicate addresses: %s." % ", ".join(dup))
            op["ips"] = ips
        if task_type == "CREATE_DNSHOST" and host not in dom["hosts"] \
                and len(dom["hosts"]) >= self.host_limit(name):
            raise bad("ParameterIllegal", "The domain %s already has %d DNS hosts, the most allowed%s."
                      % (name, len(dom["hosts"]), " for .cn" if name.endswith(".cn") else ""))
        if not self.args.no_busy and name in self.unfinished_domains():
            raise bad("TaskIsBeingProcessed", "The domain %s has a task in progress; try again later." % name)
        return {"TaskNo": self.new_task(task_type, op, [(name, dom["instance_id"])])}

    def do_SaveSingleTaskForCreatingDnsHost(self, params):
        return self._host_write(params, "CREATE_DNSHOST", True)

    def do_SaveSingleTaskForModifyingDnsHost(self, params):
        return self._host_write(params, "UPDATE_DNSHOST", True)

    def do_SaveSingleTaskForDeletingDnsHost(self, params):
        if params.get("Version") == INTL_VERSION:
            repeat_list(params, "Ip", MAX_IPS)  # required by Domain-intl 2017-12-18, not used
        return self._host_write(params, "DELETE_DNSHOST", False)

    def do_SaveSingleTaskForSynchronizingDnsHost(self, params):
        name, dom = self.domain_by_instance(required(params, "InstanceId"))
        if name.endswith(".hk"):
            raise bad("DomainSuffixUnsupported", "Custom DNS hosts are not supported for .hk domains.")
        if not self.args.no_busy and name in self.unfinished_domains():
            raise bad("TaskIsBeingProcessed", "The domain %s has a task in progress; try again later." % name)
        return {"TaskNo": self.new_task("SYNC_DNSHOST", {}, [(name, dom["instance_id"])])}

    def do_SaveBatchTaskForModifyingDomainDns(self, params):
        domains = [norm_name(d) for d in repeat_list(params, "DomainName", MAX_BATCH_DOMAINS)]
        if len(set(domains)) != len(domains):
            raise bad("InvalidParameter", "The list DomainName.N has duplicate domains.")
        for name in domains:
            why = name_syntax_error(name)
            if why or "." not in name:
                raise bad("InvalidDomainName", "The domain name %s is not valid%s." % (name, ": " + why if why else ""))
        aliyun = required(params, "AliyunDns").lower()
        if aliyun not in ("true", "false"):
            raise bad("InvalidParameter", "The parameter AliyunDns must be true or false.")
        if aliyun == "true":
            servers = list(ALIYUN_DNS)
        else:
            servers = [norm_name(s) for s in repeat_list(params, "DomainNameServer", MAX_NAMESERVERS)]
            for server in servers:
                why = name_syntax_error(server)
                if why or "." not in server:
                    raise bad("InvalidParameter", "The name server %s is not a valid host name%s."
                              % (server, ": " + why if why else ""))
            if len(set(servers)) != len(servers):
                raise bad("InvalidParameter", "The list DomainNameServer.N has duplicate name servers.")
        details = [(name, self.state["domains"].get(name, {}).get("instance_id", "")) for name in domains]
        return {"TaskNo": self.new_task("CHG_DNS", {"nameservers": servers}, details)}

    def do_QueryDSRecord(self, params):
        name, dom = self.domain_by_name(required(params, "DomainName"))
        return {"DSRecordList": [ds_view(r) for r in dom["ds"]]}

    def _ds_write(self, params, task_type, op):
        """A DS task for the domain ``DomainName`` (not InstanceId, unlike the host calls)."""
        name, dom = self.domain_by_name(required(params, "DomainName"))
        if not self.args.no_busy and name in self.unfinished_domains():
            raise bad("TaskIsBeingProcessed", "The domain %s has a task in progress; try again later." % name)
        return {"TaskNo": self.new_task(task_type, op, [(name, dom["instance_id"])])}

    def do_SaveSingleTaskForAddingDSRecord(self, params):
        return self._ds_write(params, "CREATE_DSRECORD", ds_record(params))

    def do_SaveSingleTaskForModifyingDSRecord(self, params):
        return self._ds_write(params, "UPDATE_DSRECORD", ds_record(params))

    def do_SaveSingleTaskForDeletingDSRecord(self, params):
        return self._ds_write(params, "DELETE_DSRECORD", {"key_tag": ds_int(params, "KeyTag", MAX_KEY_TAG)})

    def do_SaveSingleTaskForSynchronizingDSRecord(self, params):
        return self._ds_write(params, "SYNC_DSRECORD", {})

    def _task_details(self, params, task_no=None):
        items = []
        tasks = [self.state["tasks"].get(task_no)] if task_no else sorted(
            self.state["tasks"].values(), key=lambda t: -t["seq"])
        domain = norm_name(params.get("DomainName") or "")
        instance = (params.get("InstanceId") or "").strip()
        status = params.get("TaskStatus") or params.get("TaskResultStatus")
        for task in tasks:
            if task is None:
                continue
            for detail in task["details"]:
                if domain and detail["domain"] != domain:
                    continue
                if instance and detail["instance_id"] != instance:
                    continue
                if status not in (None, "") and str(detail["status"]) != str(status).strip():
                    continue
                items.append((task, detail))
        return items

    def do_QueryTaskDetailList(self, params):
        task_no = required(params, "TaskNo")
        items = [self.detail_view(t, d) for t, d in self._task_details(params, task_no)]
        return paged(items, params, "TaskDetail")

    def do_QueryTaskList(self, params):
        tasks = sorted(self.state["tasks"].values(), key=lambda t: -t["seq"])
        begin = int_param(params, "BeginCreateTime", default=0, minimum=0, needed=False)
        end = int_param(params, "EndCreateTime", default=0, minimum=0, needed=False)
        if begin:
            tasks = [t for t in tasks if t["created"] * 1000 >= begin]
        if end:
            tasks = [t for t in tasks if t["created"] * 1000 <= end]
        return paged([self.info_view(t) for t in tasks], params, "TaskInfo")

    def do_QueryTaskInfoHistory(self, params):
        size = int_param(params, "PageSize", minimum=1, maximum=MAX_PAGE_SIZE)
        tasks = sorted(self.state["tasks"].values(), key=lambda t: -t["seq"])
        cursor = (params.get("TaskNoCursor") or "").strip()
        if cursor and cursor in self.state["tasks"]:
            seq = self.state["tasks"][cursor]["seq"]
            tasks = [t for t in tasks if t["seq"] <= seq]
        page = [self.info_view(t) for t in tasks[:size]]
        rest = tasks[size:size + 1]
        return {"PageSize": size, "Objects": page, "CurrentPageCursor": page[0] if page else None,
                "NextPageCursor": self.info_view(rest[0]) if rest else None, "PrePageCursor": None}

    def do_PollTaskResult(self, params):
        items = [self.detail_view(t, d) for t, d in self._task_details(params, params.get("TaskNo") or None)
                 if d["status"] >= 2 and not d["acknowledged"]]
        return paged(items, params, "TaskDetail")

    def do_AcknowledgeTaskResult(self, params):
        wanted = set(repeat_list(params, "TaskDetailNo", MAX_ACK))
        count = 0
        for task in self.state["tasks"].values():
            for detail in task["details"]:
                if detail["detail_no"] in wanted and detail["status"] >= 2:
                    detail["acknowledged"] = True
                    count += 1
        self._save()
        return {"Result": count}

    def do_CancelTask(self, params):
        task = self.state["tasks"].get(required(params, "TaskNo"))
        if task is None:
            raise bad("InvalidParameter", "The task %s does not exist." % params.get("TaskNo"))
        now = time.time()
        for detail in task["details"]:
            if detail["status"] < 2:
                detail["status"] = 3
                detail["error"] = "The task was cancelled."
                detail["updated"] = now
        task["cancel"] = 2
        self._save()
        return {}

    # -- admin ------------------------------------------------------------------

    def admin_state(self):
        with self.lock:
            return dict((k, v) for k, v in self.state.items() if k != "credentials")

    def admin_domain(self, name, body):
        name = norm_name(name)
        ds = None
        if "ds" in body:  # checked before anything changes
            ds = sorted((ds_from_dict(r) for r in body["ds"] or []), key=lambda r: r["key_tag"])
        with self.lock:
            dom = self.state["domains"].setdefault(
                name, {"instance_id": stable_instance_id(name), "nameservers": list(ALIYUN_DNS), "hosts": {},
                       "ds": []})
            if "instance_id" in body:
                dom["instance_id"] = str(body["instance_id"])
            if "nameservers" in body:
                dom["nameservers"] = [norm_name(ns) for ns in body["nameservers"]]
            if "hosts" in body:
                hosts = {}
                for host, ips in (body["hosts"] or {}).items():
                    canon = []
                    for ip in ips:
                        try:
                            canon.append(str(ipaddress.ip_address(str(ip).strip())))
                        except ValueError:
                            canon.append(str(ip))
                    hosts[norm_name(host)] = canon
                dom["hosts"] = hosts
            if ds is not None:
                dom["ds"] = ds
            self._save()
            return {name: dom}

    def admin_delete_domain(self, name):
        with self.lock:
            removed = self.state["domains"].pop(norm_name(name), None)
            self._save()
            return {"deleted": removed is not None}

    # -- log ---------------------------------------------------------------------

    def log(self, entry):
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.log_lock:
            self.log_file.write(line)
            self.log_file.flush()

    def clear_log(self):
        with self.log_lock:
            self.log_file.close()
            self.log_file = open(self.log_path, "w", encoding="utf-8")


# --------------------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive connections: without TCP_NODELAY the body (a second write after the headers)
    # waits for the client's delayed ACK, about 40 ms per answer.
    disable_nagle_algorithm = True
    server_version = "AlicloudDomainSimulator/1"
    sim = None  # set by main()

    def log_message(self, *args):  # quiet: the JSON-lines log is the record
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status, payload, fmt="JSON", headers=None, root="Response"):
        if fmt.upper() == "XML":
            body = ('<?xml version="1.0" encoding="UTF-8"?>' + to_xml(root, payload)).encode("utf-8")
            ctype = "text/xml;charset=utf-8"
        else:
            body = json.dumps(payload).encode("utf-8")
            ctype = "application/json;charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self._headers_buffer.append(b"\r\n" + body)  # headers and body in one write
        self.flush_headers()

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        try:
            url = urlsplit(self.path)
            body = self._body()
            if url.path.startswith("/_admin/") or url.path == "/_admin":
                return self._admin(method, url.path, body)
            if method == "DELETE" or url.path not in ("/", ""):
                return self._send(404, {"Code": "InvalidApi.NotFound", "Message": "Not found.",
                                        "RequestId": request_id(), "HostId": HOST_ID})
            self._api(method, url, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _admin(self, method, path, body):
        sim = self.sim
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return self._send(400, {"error": "the body is not JSON"})
        if path == "/_admin/faults":
            if method != "POST":
                return self._send(200, sim.get_faults())
            try:
                return self._send(200, sim.set_faults(data))
            except (TypeError, ValueError) as exc:
                return self._send(400, {"error": "bad fault value: %s" % exc})
        if path == "/_admin/state" and method == "GET":
            return self._send(200, sim.admin_state())
        if path.startswith("/_admin/domains/"):
            name = unquote(path[len("/_admin/domains/"):])
            if method == "POST":
                try:
                    return self._send(200, sim.admin_domain(name, data))
                except (KeyError, TypeError, ValueError) as exc:
                    return self._send(400, {"error": "bad domain record: %r" % exc})
            if method == "DELETE":
                return self._send(200, sim.admin_delete_domain(name))
        if path == "/_admin/log/clear" and method == "POST":
            sim.clear_log()
            return self._send(200, {"cleared": True})
        return self._send(404, {"error": "no such admin endpoint: %s %s" % (method, path)})

    def _api(self, method, url, body):
        sim = self.sim
        headers = dict((k.lower(), v) for k, v in self.headers.items())
        query_pairs = parse_qsl(url.query, keep_blank_values=True)
        params = dict(query_pairs)
        ctype = headers.get("content-type", "")
        if body and "application/x-www-form-urlencoded" in ctype:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        v3 = headers.get("authorization", "").strip().startswith("ACS3-")
        action = params.get("Action") or headers.get("x-acs-action") or ""
        version = params.get("Version") or headers.get("x-acs-version") or ""
        fmt = params.get("Format") or "JSON"
        if fmt.upper() not in ("JSON", "XML"):
            fmt = "JSON"
        entry = {"time": iso_now(), "action": action, "method": method,
                 "params": dict((k, v) for k, v in params.items() if k not in ("Signature", "SecurityToken")),
                 "status": 200, "code": None, "write": False, "signature": "v3" if v3 else "v2"}
        rid = request_id()
        # The log line is written before the answer is sent, so a client that has its answer
        # can count on the line being there.
        try:
            fault, slow = sim.api_faults()
            if slow:
                time.sleep(slow)
            if fault is not None:
                raise fault
            if not action:
                raise bad("MissingParameter", "The input parameter \"Action\" that is mandatory for processing "
                                              "this request is not supplied.")
            if not version:
                raise bad("MissingParameter", "The input parameter \"Version\" that is mandatory for processing "
                                              "this request is not supplied.")
            if version not in (API_VERSION, INTL_VERSION):
                raise bad("NoSuchVersion", "Specified version %s is not found." % version)
            if v3:
                sim.authenticate_v3(method, url.path or "/", query_pairs, headers, body)
            else:
                sim.authenticate_v2(method, params)
            answer = sim.call(action, dict(params, Version=version))
            status, payload, extra, root = 200, dict({"RequestId": rid}, **answer), None, "Response"
            entry["write"] = action in WRITE_ACTIONS
        except ApiError as err:
            entry.update(status=err.status, code=err.code)
            status, extra, root = err.status, err.headers, "Error"
            payload = {"RequestId": rid, "HostId": HOST_ID, "Code": err.code, "Message": err.message,
                       "Recommend": "https://api.aliyun.com/troubleshoot?q=%s&product=Domain" % err.code}
        except Exception as exc:  # a bug in the simulator: answer like the real InternalError
            entry.update(status=500, code="InternalError")
            sys.stderr.write("simulator error on %s: %r\n" % (action, exc))
            status, extra, root = 500, None, "Error"
            payload = {"RequestId": rid, "HostId": HOST_ID, "Code": "InternalError",
                       "Message": "The request processing has failed due to some unknown error.", "Recommend": ""}
        bad_answer = sim.take_write_answer_fault() if entry["write"] else None
        if bad_answer == "late":
            entry["fault"] = bad_answer
            sim.log(entry)
            time.sleep(LATE_ANSWER_DELAY)
            return self._send(status, payload, fmt, extra, root=root)
        if bad_answer:
            return self._send_bad_answer(sim, entry, bad_answer)
        sim.log(entry)
        self._send(status, payload, fmt, extra, root=root)

    def _send_bad_answer(self, sim, entry, fault):
        """The write was applied; its answer is lost or garbled (fault next_write_answer)."""
        answer = WRITE_ANSWER_FAULTS[fault]
        entry.update(fault=fault, status=answer[0] if answer else None)
        sim.log(entry)
        self.close_connection = True
        if answer is None:
            return
        status, ctype, body = answer
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Alibaba Cloud Domain API simulator (2018-01-29)")
    p.add_argument("--listen", required=True, help="HOST:PORT (port 0: pick a free one)")
    p.add_argument("--state", required=True, help="STATE.json (created from the seed when missing)")
    p.add_argument("--seed", required=True, help="SEED.json, read only when STATE.json does not exist")
    p.add_argument("--log", help="request log, JSON lines (default: STATE + .log.jsonl)")
    p.add_argument("--task-delay", type=float, default=0.5, help="seconds from a task's creation to its end")
    p.add_argument("--strict-labels", action="store_true", help="DnsName must be a bare label, never the full name")
    p.add_argument("--no-busy", action="store_true", help="never answer TaskIsBeingProcessed")
    p.add_argument("--throttle-every", type=int, default=0, help="every Nth API call: 400 Throttling.User")
    p.add_argument("--retry-after-ms", type=int, default=0, help="x-acs-retry-after header on throttling answers")
    p.add_argument("--unavailable-every", type=int, default=0, help="every Nth API call: 503 ServiceUnavailable")
    p.add_argument("--slow", type=float, default=0, help="sleep this long before answering an API call")
    p.add_argument("--fail-next-task", default=None, help="the next task created fails with this message")
    p.add_argument("--timestamp-skew", type=float, default=0,
                   help="seconds added to the simulator's clock when checking request timestamps")
    p.add_argument("--signature-error-status", type=int, default=400, help="HTTP status of SignatureDoesNotMatch")
    p.add_argument("--nonce-flush", type=float, default=2.0,
                   help="seconds before new nonces (journalled at once in STATE.nonces) are folded into STATE "
                        "when nothing else changes")
    p.add_argument("--ready-file", help="write HOST:PORT here once listening")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    host, unused, port = args.listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    sim = Simulator(args)
    Handler.sim = sim
    if ":" in host:
        Server.address_family = socket.AF_INET6
    server = Server((host, int(port)), Handler)
    actual_host, actual_port = server.server_address[:2]
    if ":" in actual_host:
        actual_host = "[%s]" % actual_host
    worker = threading.Thread(target=sim.run_tasks, name="tasks", daemon=True)
    worker.start()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    address = "%s:%d" % (actual_host, actual_port)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(address + "\n")
        os.replace(tmp, args.ready_file)
    print("listening on http://%s" % address, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        sim.stop()
        worker.join(timeout=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
