"""A simulator of the Amazon Route 53 Domains API (2014-05-15) for tests and the lab.

A real HTTP server (standard library only) speaking AWS JSON 1.1 (``X-Amz-Target:
Route53Domains_v20140515.<Operation>``) with Signature Version 4 verified against the seed's
credentials (service route53domains, region us-east-1), asynchronous operations polled with
GetOperationDetail, the registry's rules for name servers and glue (no host objects: glue is the
GlueIps of each name server in the parent domain's own list), DNSSEC keys submitted as DNSKEY data,
state persisted atomically in one JSON file, a JSON-lines request log and fault injection.
See tests/simulators/README.md.

    python3 tests/simulators/route53domains.py --listen 127.0.0.1:0 --state STATE.json --seed SEED.json
"""

import argparse
import base64
import binascii
import calendar
import hashlib
import hmac
import ipaddress
import json
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import simcore

TARGET_PREFIX = "Route53Domains_v20140515"
SERVICE = "route53domains"
REGION = "us-east-1"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
CORAL = "com.amazon.coral.service#"
SKEW_WINDOW = 15 * 60  # seconds either side, as AWS's "Signature expired ... - 15 min."

MAX_NAMESERVERS = 6  # "The maximum number of name servers per domain in Route 53 is 6."
DEFAULT_MAX_ITEMS = 20
MAX_ITEMS = 100  # PageMaxItems
DNSSEC_KEY_LIMITS = {"com": 13, "net": 13}  # "all other domains - up to four keys"
DEFAULT_DNSSEC_KEY_LIMIT = 4
DNSSEC_ALGORITHMS = frozenset([3, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16])
DNSSEC_FLAGS = frozenset([256, 257])  # ZSK, KSK
DS_DIGEST_TYPE = 2  # SHA-256
KEEP_FINISHED_OPERATIONS = 1000

UNFINISHED = ("SUBMITTED", "IN_PROGRESS")
OPERATION_STATUSES = ("SUBMITTED", "IN_PROGRESS", "ERROR", "SUCCESSFUL", "FAILED")
OPERATION_TYPES = (
    "REGISTER_DOMAIN", "DELETE_DOMAIN", "TRANSFER_IN_DOMAIN", "UPDATE_DOMAIN_CONTACT", "UPDATE_NAMESERVER",
    "CHANGE_PRIVACY_PROTECTION", "DOMAIN_LOCK", "ENABLE_AUTORENEW", "DISABLE_AUTORENEW", "ADD_DNSSEC",
    "REMOVE_DNSSEC", "EXPIRE_DOMAIN", "TRANSFER_OUT_DOMAIN", "CHANGE_DOMAIN_OWNER", "RENEW_DOMAIN", "PUSH_DOMAIN",
    "INTERNAL_TRANSFER_OUT_DOMAIN", "INTERNAL_TRANSFER_IN_DOMAIN", "RELEASE_TO_GANDI", "TRANSFER_ON_RENEW",
    "RESTORE_DOMAIN")
WRITE_OPERATIONS = frozenset(["UpdateDomainNameservers", "AssociateDelegationSignerToDomain",
                              "DisassociateDelegationSignerFromDomain"])
# Operations of the published model this simulator does not implement: a clear refusal, not a 404.
MODEL_ONLY_OPERATIONS = frozenset([
    "AcceptDomainTransferFromAnotherAwsAccount", "CancelDomainTransferToAnotherAwsAccount",
    "CheckDomainAvailability", "CheckDomainTransferability", "DeleteDomain", "DeleteTagsForDomain",
    "DisableDomainAutoRenew", "DisableDomainTransferLock", "EnableDomainAutoRenew", "EnableDomainTransferLock",
    "GetContactReachabilityStatus", "GetDomainPrices", "GetDomainSuggestions", "ListPrices", "ListTagsForDomain",
    "PushDomain", "RegisterDomain", "RejectDomainTransferFromAnotherAwsAccount", "RenewDomain",
    "ResendContactReachabilityEmail", "ResendOperationAuthorization", "RestoreDomain", "RetrieveDomainAuthCode",
    "TransferDomain", "TransferDomainToAnotherAwsAccount", "UpdateDomainContact", "UpdateDomainContactPrivacy",
    "UpdateTagsForDomain", "ViewBilling"])
SENSITIVE_MEMBERS = frozenset(["FIAuthKey", "AuthCode", "Password"])

REGISTRY_REFUSAL = ("We're sorry to report that the operation failed after we forwarded your request to our "
                    "registrar associate. This is because: ")
NOT_KNOWN_TO_REGISTRY = "One or more of the specified nameservers are not known to the domain registry."

LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
AMZ_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


class ApiError(Exception):
    """An error answer: HTTP status, ``__type`` and message. ``coral`` errors come from AWS's service
    framework (authentication, serialization) and carry its namespace in ``__type``."""

    def __init__(self, code, message, status=400, coral=False):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.status = status
        self.coral = coral

    def body(self):
        payload = {"__type": (CORAL if self.coral else "") + self.code}
        if self.message is not None:
            payload["message"] = self.message
        return payload


class OperationFailed(Exception):
    """An accepted operation the registry refuses when it runs: it ends FAILED (or ERROR) with a message."""

    def __init__(self, message, status="FAILED"):
        Exception.__init__(self, message)
        self.message = message
        self.status = status


def invalid(message):
    return ApiError("InvalidInput", message)


def coral(code, message, status=400):
    return ApiError(code, message, status, coral=True)


# --------------------------------------------------------------------------- names and values

def norm_name(name):
    return str(name).strip().rstrip(".").lower()


def hostname_error(name):
    """Why ``name`` is not a host or domain name a registry accepts (LDH labels), or None."""
    if not name:
        return "is empty"
    if len(name) > 253:
        return "is longer than 253 characters"
    labels = name.split(".")
    if len(labels) < 2:
        return "needs at least two labels"
    for label in labels:
        if not label:
            return "has an empty label"
        if len(label) > 63:
            return "has a label longer than 63 characters"
        if not LABEL_RE.match(label):
            return "has a label that is not letters, digits and inner hyphens (%s)" % label
    return None


def inside(name, domain):
    """True when ``name`` is ``domain`` or a name under it."""
    return name == domain or name.endswith("." + domain)


def tld_of(name):
    return name.rsplit(".", 1)[-1]


def glue_address(text, where):
    """A GlueIps entry as a canonical address; InvalidInput naming the entry and the rule."""
    try:
        addr = ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise invalid("%s: %r is not an IPv4 or IPv6 address." % (where, text))
    for attr, what in (("is_unspecified", "unspecified"), ("is_loopback", "loopback"),
                       ("is_multicast", "multicast"), ("is_link_local", "link-local")):
        if getattr(addr, attr):
            raise invalid("%s: %s is a %s address, not one a registry publishes." % (where, text, what))
    return str(addr)


def epoch_of(value):
    """Epoch seconds from a number or an ISO 8601 date/time (seed, admin and filter values)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


def stable_epoch(name, base, span):
    """A time between base and base + span, stable per name (registration dates of seeded domains)."""
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    return float(base + digest % span)


def stamp(epoch):
    """Timestamps in the JSON protocol: epoch seconds (milliseconds kept)."""
    return round(epoch, 3)


def request_id():
    return str(uuid.uuid4())


def iso_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- DNSSEC

def key_tag(flags, algorithm, key):
    """RFC 4034 appendix B over the DNSKEY RDATA (flags, protocol 3, algorithm, public key)."""
    rdata = flags.to_bytes(2, "big") + bytes([3, algorithm]) + key
    if algorithm == 1:  # RSA/MD5: the key's third-to-last and second-to-last octets
        return int.from_bytes(key[-3:-1], "big")
    total = 0
    for i, octet in enumerate(rdata):
        total += octet << 8 if i % 2 == 0 else octet
    total += (total >> 16) & 0xFFFF
    return total & 0xFFFF


def owner_wire(name):
    """A domain name in canonical (lower case, uncompressed) wire format."""
    wire = b""
    for label in norm_name(name).split("."):
        wire += bytes([len(label)]) + label.encode("ascii")
    return wire + b"\x00"


def ds_digest(owner, flags, algorithm, key, digest_type=DS_DIGEST_TYPE):
    """The DS digest (upper-case hex, as Route 53 Domains returns it) of a DNSKEY (RFC 4034 5.1.4)."""
    rdata = flags.to_bytes(2, "big") + bytes([3, algorithm]) + key
    algo = {1: hashlib.sha1, 2: hashlib.sha256, 4: hashlib.sha384}[digest_type]
    return algo(owner_wire(owner) + rdata).hexdigest().upper()


def dnssec_key(domain, algorithm, flags, public_key):
    """The stored record of a key: what was submitted plus the DS data computed from it."""
    key = base64.b64decode("".join(public_key.split()), validate=True)
    tag = key_tag(flags, algorithm, key)
    digest = ds_digest(domain, flags, algorithm, key)
    return {
        "algorithm": algorithm, "flags": flags, "public_key": base64.b64encode(key).decode("ascii"),
        "key_tag": tag, "digest_type": DS_DIGEST_TYPE, "digest": digest,
        # one of the formats registrars use for DnssecKey.Id
        "id": "DS:%d-%d-%d-%s" % (tag, algorithm, DS_DIGEST_TYPE, digest),
    }


# --------------------------------------------------------------------------- Signature Version 4

def sigv4_quote(text, safe="-_.~"):
    return quote(text, safe=safe, encoding="utf-8")


def canonical_query(raw_query):
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return "&".join("%s=%s" % pair for pair in sorted((sigv4_quote(k), sigv4_quote(v)) for k, v in pairs))


def canonical_request(method, raw_path, raw_query, header_values, signed_headers, payload_hash):
    """``header_values``: {lower name: [values]}; URI double-encoded as for every service but S3."""
    path = sigv4_quote(raw_path or "/", safe="/~")
    lines = "".join("%s:%s\n" % (name, ",".join(" ".join(v.split()) for v in header_values.get(name, [])))
                    for name in signed_headers)
    return "\n".join([method.upper(), path, canonical_query(raw_query), lines, ";".join(signed_headers),
                      payload_hash])


def string_to_sign(amz_date, scope, canonical):
    return "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def sign(secret, date, region, service, to_sign):
    return hmac.new(signing_key(secret, date, region, service), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value):
    """(algorithm, {Credential, SignedHeaders, Signature}) from an AWS4 Authorization header."""
    value = value.strip()
    algorithm, unused, rest = value.partition(" ")
    fields = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key.strip()] = val.strip()
    return algorithm, fields


def amz_date_of(header_values):
    """The request time as YYYYMMDDTHHMMSSZ from X-Amz-Date, else from Date (RFC 1123)."""
    if header_values.get("x-amz-date"):
        return header_values["x-amz-date"][0].strip()
    try:
        parsed = parsedate_to_datetime(header_values["date"][0])
    except (TypeError, ValueError, IndexError):
        return header_values["date"][0].strip()
    return parsed.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def fmt_amz(epoch):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


# --------------------------------------------------------------------------- request members

KINDS = {"string": str, "integer": int, "list": list, "structure": dict, "timestamp": (int, float, str)}


def member(params, name, kind, needed=False):
    """A request member of the given kind; SerializationException for a wrong JSON type (as AWS's
    framework answers), InvalidInput when a needed member is missing or empty."""
    value = params.get(name)
    if value is None:
        if needed:
            raise invalid("%s is required." % name)
        return None
    if isinstance(value, bool) or not isinstance(value, KINDS[kind]):
        raise coral("SerializationException", "Unexpected value type in payload: %s must be a %s." % (name, kind))
    if needed and kind == "string" and not value.strip():
        raise invalid("%s must not be empty." % name)
    return value


def page_marker(offset, fingerprint):
    raw = json.dumps({"o": offset, "q": fingerprint}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def read_marker(marker, fingerprint):
    try:
        data = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")).decode("utf-8"))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise invalid("Marker %r is not a marker this API returned." % marker[:80])
    if data.get("q") != fingerprint or offset < 0:
        raise invalid("Marker must match the request it came from (same filters and sort).")
    return offset


def paged(items, params, fingerprint_of):
    """(page, NextPageMarker or None) with Marker and MaxItems; the marker is bound to the other members."""
    max_items = member(params, "MaxItems", "integer")
    if max_items is None:
        max_items = DEFAULT_MAX_ITEMS
    if not 1 <= max_items <= MAX_ITEMS:
        raise invalid("MaxItems must be between 1 and %d, not %d." % (MAX_ITEMS, max_items))
    fingerprint = hashlib.sha256(json.dumps(fingerprint_of, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    marker = member(params, "Marker", "string")
    offset = read_marker(marker, fingerprint) if marker else 0
    page = items[offset:offset + max_items]
    following = page_marker(offset + max_items, fingerprint) if offset + max_items < len(items) else None
    return page, following


# --------------------------------------------------------------------------- the simulator

class Simulator(object):
    """State, rules, operations and faults. Public methods take the lock themselves."""

    FAULTS = dict(
        counted=("throttle_every", "unavailable_every", "internal_error_every", "drop_every", "drop_reply_every"),
        numbers=("slow", "operation_delay"),
        texts=("throttle_code", "fail_next_operation", "fail_status"))

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.wakeup = threading.Condition(self.lock)
        self.state_path = os.path.abspath(args.state)
        self.stopping = False
        self.faults = simcore.Faults(**self.FAULTS)
        self.faults.update({
            "throttle_every": args.throttle_every, "throttle_code": args.throttle_code,
            "unavailable_every": args.unavailable_every, "internal_error_every": args.internal_error_every,
            "drop_every": args.drop_every, "drop_reply_every": args.drop_reply_every, "slow": args.slow,
            "fail_next_operation": args.fail_next_operation, "fail_status": args.fail_status})
        self.state = self._load()
        self.seq = max([op.get("seq", 0) for op in self.state["operations"].values()] + [0])
        self.log = simcore.RequestLog(args.log or (self.state_path + ".log.jsonl"))
        with self.lock:
            self._advance(time.time())
            self._save()

    # -- state on disk ------------------------------------------------------

    def _load(self):
        if os.path.exists(self.state_path):
            state = simcore.read_json(self.state_path)
            state.setdefault("operations", {})
            return state
        seed = simcore.read_json(self.args.seed)
        state = {"version": 1, "service": SERVICE, "credentials": [], "domains": {}, "operations": {},
                 "unsupported_tlds": sorted(norm_name(t) for t in seed.get("unsupported_tlds", [])),
                 "tlds_without_dnssec": sorted(norm_name(t) for t in seed.get("tlds_without_dnssec", []))}
        for cred in seed.get("credentials", []):
            entry = {"access_key_id": cred["access_key_id"], "secret_access_key": cred["secret_access_key"]}
            if cred.get("session_token"):
                entry["session_token"] = cred["session_token"]
            if cred.get("expires") is not None:
                entry["expires"] = epoch_of(cred["expires"])
            state["credentials"].append(entry)
        for dom in seed.get("domains", []):
            name = norm_name(dom["name"])
            state["domains"][name] = self.domain_record(name, dom, {})
        return state

    def domain_record(self, name, spec, current):
        """A domain's record from a seed or admin spec; keys not in ``spec`` keep ``current``'s values.
        Trusted input: no registry rules, only normalisation."""
        record = dict(current)
        created = stable_epoch(name, 1577836800, 5 * 365 * 86400)  # 2020..2024
        record.setdefault("created", created)
        record.setdefault("updated", created)
        record.setdefault("expiry", created + 10 * 365 * 86400)
        record.setdefault("auto_renew", True)
        record.setdefault("transfer_lock", True)
        record.setdefault("nameservers", ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk",
                                          "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"])
        record.setdefault("hosts", {})
        record.setdefault("dnssec_keys", [])
        if "nameservers" in spec:
            names, hosts = [], {}
            for entry in spec["nameservers"] or []:
                if isinstance(entry, dict):
                    host = norm_name(entry["name"])
                    if entry.get("glue_ips"):
                        hosts[host] = [str(ipaddress.ip_address(str(ip).strip())) for ip in entry["glue_ips"]]
                else:
                    host = norm_name(entry)
                names.append(host)
            record["nameservers"], record["hosts"] = names, hosts
        if "dnssec_keys" in spec:
            record["dnssec_keys"] = [dnssec_key(name, int(k["algorithm"]), int(k["flags"]), k["public_key"])
                                     for k in spec["dnssec_keys"] or []]
        for key in ("auto_renew", "transfer_lock"):
            if key in spec:
                record[key] = bool(spec[key])
        for key in ("expiry", "created"):
            if spec.get(key) is not None:
                record[key] = epoch_of(spec[key])
        return record

    def _save(self):
        simcore.atomic_write_json(self.state_path, self.state)

    # -- faults -------------------------------------------------------------

    def api_faults(self):
        """Count this API call: (error to answer with or None, drop before, drop after, slow seconds)."""
        fired = self.faults.tick()
        error = None
        if "throttle_every" in fired:
            error = ApiError(self.faults.get("throttle_code") or "ThrottlingException", "Rate exceeded")
        elif "unavailable_every" in fired:
            error = ApiError("ServiceUnavailable", "Service is unavailable. Please retry.", 503)
        elif "internal_error_every" in fired:
            error = ApiError("InternalFailure", "The request processing has failed because of an unknown error, "
                                                "exception or failure.", 500)
        return error, "drop_every" in fired, "drop_reply_every" in fired, self.faults.get("slow", 0)

    # -- authentication -----------------------------------------------------

    def now(self):
        return time.time() + self.args.timestamp_skew

    def authenticate(self, method, raw_path, raw_query, header_values, body):
        """Check the request's Signature Version 4 as AWS's service framework does, in its order.
        Returns the access key id."""
        auth = (header_values.get("authorization") or [""])[0].strip()
        if not auth.startswith("AWS4-"):
            raise coral("MissingAuthenticationTokenException", "Request is missing Authentication Token")
        algorithm, fields = parse_authorization(auth)
        missing = "".join("Authorization header requires '%s' parameter. " % p
                          for p in ("Credential", "Signature", "SignedHeaders") if not fields.get(p))
        if not header_values.get("x-amz-date") and not header_values.get("date"):
            missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        if missing:
            raise coral("IncompleteSignatureException", missing + "Authorization=" + algorithm)
        amz_date = amz_date_of(header_values)
        self.check_time(amz_date)
        signed_headers = [h.strip().lower() for h in fields["SignedHeaders"].split(";")]
        if "host" not in signed_headers:
            raise coral("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                                                     "Authorization.")
        if algorithm != "AWS4-HMAC-SHA256":
            raise coral("IncompleteSignatureException", "Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 "
                                                        "for now). " % algorithm)
        key_id, date, region, service, terminator = self.credential_scope(fields["Credential"], amz_date)
        with self.lock:
            cred = next((c for c in self.state["credentials"] if c["access_key_id"] == key_id), None)
        if cred is None:
            raise coral("UnrecognizedClientException", "The security token included in the request is invalid.")
        payload_hash = hashlib.sha256(body).hexdigest()
        claimed = (header_values.get("x-amz-content-sha256") or [None])[0]
        if claimed is not None and claimed.strip().lower() not in (payload_hash, "unsigned-payload"):
            raise coral("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match "
                                                     "what was computed.")
        canonical = canonical_request(method, raw_path, raw_query, header_values, signed_headers, payload_hash)
        scope = "/".join([date, region, service, terminator])
        to_sign = string_to_sign(amz_date, scope, canonical)
        expected = sign(cred["secret_access_key"], date, region, service, to_sign)
        if not hmac.compare_digest(expected, fields["Signature"].lower()):
            raise coral("InvalidSignatureException",
                        "The request signature we calculated does not match the signature you provided. Check your "
                        "AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"
                        "The Canonical String for this request should have been\n'%s'\n\n"
                        "The String-to-Sign should have been\n'%s'\n" % (canonical, to_sign))
        self.check_token(cred, (header_values.get("x-amz-security-token") or [None])[0])
        return key_id

    def check_time(self, amz_date):
        if not AMZ_DATE_RE.match(amz_date):
            raise coral("IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                                                        "http://en.wikipedia.org/wiki/ISO_8601" % amz_date)
        try:
            request_time = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            raise coral("IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                                                        "http://en.wikipedia.org/wiki/ISO_8601" % amz_date)
        now = self.now()
        if request_time < now - SKEW_WINDOW:
            raise coral("InvalidSignatureException", "Signature expired: %s is now earlier than %s (%s - 15 min.)"
                        % (amz_date, fmt_amz(now - SKEW_WINDOW), fmt_amz(now)))
        if request_time > now + SKEW_WINDOW:
            raise coral("InvalidSignatureException", "Signature not yet current: %s is still later than %s "
                                                     "(%s + 15 min.)" % (amz_date, fmt_amz(now + SKEW_WINDOW),
                                                                         fmt_amz(now)))
        return request_time

    @staticmethod
    def credential_scope(credential, amz_date):
        parts = credential.rstrip("/").split("/")
        if len(parts) != 5:
            raise coral("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, "
                                                        "e.g. keyid/date/region/service/term, got '%s'" % credential)
        key_id, date, region, service, terminator = parts
        problems = []
        if region != REGION:
            problems.append("Credential should be scoped to a valid region, not '%s'. " % region)
        if service != SERVICE:
            problems.append("Credential should be scoped to correct service: '%s'. " % SERVICE)
        if terminator != "aws4_request":
            problems.append("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. "
                            % terminator)
        if date != amz_date[:8]:
            problems.append("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                            "HTTP: '%s' != '%s', from '%s'." % (date, amz_date[:8], amz_date))
        if problems:
            raise coral("InvalidSignatureException", "".join(problems).strip())
        return key_id, date, region, service, terminator

    def check_token(self, cred, token):
        if cred.get("session_token"):
            if not token or not hmac.compare_digest(token.encode("utf-8"), cred["session_token"].encode("utf-8")):
                raise coral("UnrecognizedClientException", "The security token included in the request is invalid")
            if cred.get("expires") is not None and self.now() >= cred["expires"]:
                raise coral("ExpiredTokenException", "The security token included in the request is expired")
        elif token:
            raise coral("UnrecognizedClientException", "The security token included in the request is invalid")

    # -- lookups ------------------------------------------------------------

    def domain(self, params):
        """(name, record) of the request's DomainName: syntax, TLD, then the account."""
        name = norm_name(member(params, "DomainName", "string", needed=True))
        why = hostname_error(name)
        if why or len(name) > 255:
            raise invalid("The domain name %s is not valid: it %s." % (name, why or "is too long"))
        if tld_of(name) in self.state.get("unsupported_tlds", []):
            raise ApiError("UnsupportedTLD", "Amazon Route 53 does not support the top-level domain (TLD) .%s."
                           % tld_of(name))
        record = self.state["domains"].get(name)
        if record is None:
            raise invalid("Domain %s not found in this account." % name)
        return name, record

    def owner_of(self, host, but=None):
        """The account's domain a host name lies in (the longest match), other than ``but``."""
        owners = [d for d in self.state["domains"] if d != but and inside(host, d)]
        return max(owners, key=len) if owners else None

    # -- operations ---------------------------------------------------------

    def unfinished(self, domain=None):
        return [op for op in self.state["operations"].values()
                if op["status"] in UNFINISHED and (domain is None or op["domain"] == domain)]

    def refuse_if_busy(self, domain):
        """The registry takes one change per domain at a time; and the account's cap on running operations."""
        if not self.args.no_busy and self.unfinished(domain):
            raise ApiError("DuplicateRequest", "The request is already in progress for the domain.")
        limit = self.args.operation_limit
        if limit and len(self.unfinished()) >= limit:
            raise ApiError("OperationLimitExceeded", "The number of operations or jobs running exceeded the "
                                                     "allowed threshold for the account.")

    def new_operation(self, domain, op_type, change):
        """Record an operation; with a delay of 0 it is complete before the request is answered."""
        now = stamp(time.time())  # stored as shown, so a SubmittedDate given back filters exactly
        delay = self.faults.get("operation_delay")
        delay = self.args.operation_delay if delay is None else delay
        self.seq += 1
        failure = self.faults.take("fail_next_operation")
        op = {"id": str(uuid.uuid4()), "seq": self.seq, "domain": domain, "type": op_type, "status": "SUBMITTED",
              "message": None, "submitted": now, "updated": now, "due": now + delay, "change": change,
              "fail": {"message": failure, "status": self.faults.get("fail_status") or "FAILED"} if failure else None}
        self.state["operations"][op["id"]] = op
        self._advance(now)
        self._prune_operations()
        self._save()
        self.wakeup.notify_all()
        return op["id"]

    def _prune_operations(self):
        finished = sorted((op for op in self.state["operations"].values() if op["status"] not in UNFINISHED),
                          key=lambda op: -op["seq"])
        for op in finished[KEEP_FINISHED_OPERATIONS:]:
            del self.state["operations"][op["id"]]

    def _advance(self, now):
        """Move unfinished operations along SUBMITTED -> IN_PROGRESS -> done; True when anything changed."""
        changed = False
        for op in sorted(self.unfinished(), key=lambda o: o["seq"]):
            if now >= op["due"]:
                self._execute(op, now)
                changed = True
            elif op["status"] == "SUBMITTED" and now >= (op["submitted"] + op["due"]) / 2.0:
                op["status"], op["updated"] = "IN_PROGRESS", stamp(now)
                changed = True
        return changed

    def _execute(self, op, now):
        op["updated"] = stamp(now)
        try:
            if op["fail"]:
                raise OperationFailed(op["fail"]["message"], op["fail"]["status"])
            self._apply(op, now)
        except OperationFailed as failure:
            op["status"] = failure.status if failure.status in ("FAILED", "ERROR") else "FAILED"
            op["message"] = failure.message
        else:
            op["status"] = "SUCCESSFUL"

    def _apply(self, op, now):
        """Apply an operation to the registry: conflicts with the registry's state fail it here."""
        name = op["domain"]
        record = self.state["domains"].get(name)
        if record is None:
            raise OperationFailed("Domain %s is no longer in this account." % name)
        change = op["change"]
        if op["type"] == "UPDATE_NAMESERVER":
            self._apply_nameservers(name, record, change["nameservers"], change["hosts"])
        elif op["type"] == "ADD_DNSSEC":
            if any(k["digest"] == change["key"]["digest"] for k in record["dnssec_keys"]):
                raise OperationFailed(REGISTRY_REFUSAL + "The DS record %s is already associated with domain %s."
                                      % (change["key"]["digest"], name))
            record["dnssec_keys"].append(change["key"])
        elif op["type"] == "REMOVE_DNSSEC":
            keep = [k for k in record["dnssec_keys"] if k["id"] != change["id"]]
            if len(keep) == len(record["dnssec_keys"]):
                raise OperationFailed("The DNSSEC you specified is not found on domain %s." % name)
            record["dnssec_keys"] = keep
        record["updated"] = now

    def _apply_nameservers(self, name, record, nameservers, hosts):
        # A name server inside another domain of this account is a host object of that domain's
        # registration: it exists only while that domain lists it with glue.
        unknown = [ns for ns in nameservers if ns not in hosts and self.owner_of(ns, but=name)
                   and ns not in self.state["domains"][self.owner_of(ns, but=name)]["hosts"]]
        if unknown:
            raise OperationFailed(REGISTRY_REFUSAL + NOT_KNOWN_TO_REGISTRY)
        # Dropping a host from the list deletes it at the registry, which refuses while others use it.
        for host in sorted(set(record["hosts"]) - set(hosts)):
            users = sorted(d for d, other in self.state["domains"].items() if d != name and host in other["nameservers"])
            if users:
                raise OperationFailed(REGISTRY_REFUSAL + "The name server %s is still a name server of %s, so the "
                                      "registry cannot delete it." % (host, ", ".join(users)))
        record["nameservers"], record["hosts"] = list(nameservers), dict(hosts)

    def run_operations(self):
        """Background thread: complete operations when due, even when no request arrives."""
        with self.lock:
            while not self.stopping:
                now = time.time()
                if self._advance(now):
                    self._save()
                dues = []
                for op in self.unfinished():
                    mid = (op["submitted"] + op["due"]) / 2.0
                    dues.append(mid if op["status"] == "SUBMITTED" and now < mid else op["due"])
                wait = min(dues) - now if dues else 1.0
                self.wakeup.wait(max(0.01, min(wait, 1.0)))

    def stop(self):
        with self.lock:
            self.stopping = True
            self.wakeup.notify_all()
        self.log.close()

    # -- views --------------------------------------------------------------

    @staticmethod
    def operation_view(op):
        view = {"OperationId": op["id"], "Status": op["status"], "DomainName": op["domain"], "Type": op["type"],
                "SubmittedDate": stamp(op["submitted"]), "LastUpdatedDate": stamp(op["updated"])}
        if op["message"]:
            view["Message"] = op["message"]
        return view

    @staticmethod
    def nameserver_view(record):
        return [dict({"Name": ns}, **({"GlueIps": list(record["hosts"][ns])} if ns in record["hosts"] else {}))
                for ns in record["nameservers"]]

    @staticmethod
    def contact(name):
        return {"FirstName": "Simulated", "LastName": "Registrant", "ContactType": "PERSON",
                "AddressLine1": "1 Example Street", "City": "Seattle", "State": "WA", "CountryCode": "US",
                "ZipCode": "98101", "PhoneNumber": "+1.5555550100", "Email": "hostmaster@" + name}

    def detail_view(self, name, record):
        amazon = tld_of(name) in ("com", "net", "org")
        registrar = ("Amazon Registrar, Inc.", "whois.registrar.amazon.com", "http://registrar.amazon.com",
                     "abuse@registrar.amazon.com") if amazon else \
            ("Gandi SAS", "whois.gandi.net", "http://www.gandi.net", "abuse@support.gandi.net")
        contact = self.contact(name)
        return {
            "DomainName": name, "Nameservers": self.nameserver_view(record), "AutoRenew": record["auto_renew"],
            "AdminContact": contact, "RegistrantContact": contact, "TechContact": contact, "BillingContact": contact,
            "AdminPrivacy": True, "RegistrantPrivacy": True, "TechPrivacy": True, "BillingPrivacy": True,
            "RegistrarName": registrar[0], "WhoIsServer": registrar[1], "RegistrarUrl": registrar[2],
            "AbuseContactEmail": registrar[3], "AbuseContactPhone": "+1.5555550199",
            "CreationDate": stamp(record["created"]), "UpdatedDate": stamp(record["updated"]),
            "ExpirationDate": stamp(record["expiry"]),
            "StatusList": ["clientTransferProhibited"] if record["transfer_lock"] else ["ok"],
            "DnssecKeys": [{"Id": k["id"], "Algorithm": k["algorithm"], "KeyTag": k["key_tag"],
                            "DigestType": k["digest_type"], "Digest": k["digest"]} for k in record["dnssec_keys"]],
        }

    # -- operations of the API ----------------------------------------------

    def call(self, operation, params):
        handler = getattr(self, "do_" + operation, None)
        if handler is None:
            if operation in MODEL_ONLY_OPERATIONS:
                raise coral("UnknownOperationException", "%s.%s is in the published model but not implemented by "
                                                         "this simulator." % (TARGET_PREFIX, operation))
            raise coral("UnknownOperationException", None)
        with self.lock:
            return handler(params)

    def do_GetDomainDetail(self, params):
        name, record = self.domain(params)
        return self.detail_view(name, record)

    def do_ListDomains(self, params):
        filters = member(params, "FilterConditions", "list") or []
        sort = member(params, "SortCondition", "structure")
        rows = list(self.state["domains"].items())
        for condition in filters:
            rows = [row for row in rows if self.domain_matches(row, condition)]
        fields = set(c.get("Name") for c in filters if isinstance(c, dict))
        field, reverse = "DomainName", False
        if sort is not None:
            field, order = sort.get("Name"), sort.get("SortOrder")
            if field not in ("DomainName", "Expiry") or order not in ("ASC", "DESC"):
                raise invalid("SortCondition needs Name DomainName or Expiry and SortOrder ASC or DESC.")
            if fields and field not in fields:
                raise invalid("SortCondition must sort by the field FilterConditions filters on (%s)."
                              % ", ".join(sorted(fields)))
            reverse = order == "DESC"
        rows.sort(key=lambda row: row[0] if field == "DomainName" else (row[1]["expiry"], row[0]), reverse=reverse)
        page, following = paged(rows, params, {"f": filters, "s": sort})
        answer = {"Domains": [{"DomainName": n, "AutoRenew": r["auto_renew"], "TransferLock": r["transfer_lock"],
                               "Expiry": stamp(r["expiry"])} for n, r in page]}
        if following:
            answer["NextPageMarker"] = following
        return answer

    @staticmethod
    def domain_matches(row, condition):
        if not isinstance(condition, dict):
            raise coral("SerializationException", "Unexpected value type in payload: FilterConditions items must "
                                                  "be structures.")
        field, operator, values = condition.get("Name"), condition.get("Operator"), condition.get("Values")
        if field not in ("DomainName", "Expiry") or operator not in ("LE", "GE", "BEGINS_WITH") \
                or not isinstance(values, list) or len(values) != 1:
            raise invalid("FilterCondition needs Name DomainName or Expiry, Operator LE, GE or BEGINS_WITH, and "
                          "exactly one value.")
        if field == "DomainName":
            value, mine = norm_name(values[0]), row[0]
        else:
            if operator == "BEGINS_WITH":
                raise invalid("BEGINS_WITH filters DomainName only.")
            try:
                value, mine = epoch_of(values[0]), row[1]["expiry"]
            except ValueError:
                raise invalid("Expiry filter value %r is not a date or epoch seconds." % values[0])
        if operator == "BEGINS_WITH":
            return mine.startswith(value)
        return mine <= value if operator == "LE" else mine >= value

    def do_GetOperationDetail(self, params):
        op_id = member(params, "OperationId", "string", needed=True)
        op = self.state["operations"].get(op_id.strip())
        if op is None:
            raise invalid("No operation found with OperationId %s." % op_id)
        return self.operation_view(op)

    def do_ListOperations(self, params):
        ops = sorted(self.state["operations"].values(), key=lambda o: o["seq"])
        since = member(params, "SubmittedSince", "timestamp")
        if since is not None:
            try:
                since = epoch_of(since)
            except ValueError:
                raise invalid("SubmittedSince %r is not a date or epoch seconds." % since)
            ops = [op for op in ops if op["submitted"] >= since - 0.0005]  # a client's float round trip
        for field, allowed in (("Status", OPERATION_STATUSES), ("Type", OPERATION_TYPES)):
            wanted = member(params, field, "list")
            if wanted:
                bad = [v for v in wanted if v not in allowed]
                if bad:
                    raise invalid("%s has values that are not %s: %s." % (field, ", ".join(allowed), ", ".join(
                        str(v) for v in bad)))
                key = "status" if field == "Status" else "type"
                ops = [op for op in ops if op[key] in wanted]
        sort_by, order = member(params, "SortBy", "string"), member(params, "SortOrder", "string")
        if sort_by not in (None, "SubmittedDate") or order not in (None, "ASC", "DESC"):
            raise invalid("SortBy must be SubmittedDate and SortOrder ASC or DESC.")
        if order == "DESC":
            ops.reverse()
        fingerprint = dict((k, params.get(k)) for k in ("SubmittedSince", "Status", "Type", "SortBy", "SortOrder"))
        page, following = paged(ops, params, fingerprint)
        answer = {"Operations": [self.operation_view(op) for op in page]}
        if following:
            answer["NextPageMarker"] = following
        return answer

    def do_UpdateDomainNameservers(self, params):
        name, unused = self.domain(params)
        member(params, "FIAuthKey", "string")  # deprecated; accepted and ignored
        nameservers, hosts = self.parse_nameservers(name, member(params, "Nameservers", "list", needed=True))
        self.refuse_if_busy(name)
        op_id = self.new_operation(name, "UPDATE_NAMESERVER", {"nameservers": nameservers, "hosts": hosts})
        return {"OperationId": op_id}

    @staticmethod
    def parse_nameservers(domain, items):
        """(names, {in-domain name: glue}) from a Nameservers list, or InvalidInput naming the entry."""
        if not 1 <= len(items) <= MAX_NAMESERVERS:
            raise invalid("Nameservers has %d entries; a domain has 1 to %d name servers."
                          % (len(items), MAX_NAMESERVERS))
        names, hosts = [], {}
        for i, item in enumerate(items, 1):
            where = "Nameservers[%d]" % i
            if not isinstance(item, dict):
                raise coral("SerializationException", "Unexpected value type in payload: %s must be a structure."
                            % where)
            raw = member(item, "Name", "string", needed=True)
            host = norm_name(raw)
            why = hostname_error(host)
            if why or len(raw) > 255:
                raise invalid("%s: the name server name %s is not valid: it %s." % (where, raw, why or "is too long"))
            if host in names:
                raise invalid("%s: the name server %s is listed twice." % (where, host))
            names.append(host)
            glue = member(item, "GlueIps", "list") or []
            if glue and not inside(host, domain):
                raise invalid("%s: GlueIps are allowed only for a name server that is a subdomain of %s; %s is not."
                              % (where, domain, host))
            if inside(host, domain) and not glue:
                raise invalid("%s: the name server %s is a subdomain of %s, so it needs GlueIps."
                              % (where, host, domain))
            if glue:
                hosts[host] = Simulator.parse_glue(where, glue)
        return names, hosts

    @staticmethod
    def parse_glue(where, glue):
        ips = []
        for ip in glue:
            if not isinstance(ip, str):
                raise coral("SerializationException", "Unexpected value type in payload: %s.GlueIps items must be "
                                                      "strings." % where)
            ips.append(glue_address(ip, where + ".GlueIps"))
        if sum(1 for ip in ips if ":" not in ip) > 1 or sum(1 for ip in ips if ":" in ip) > 1:
            raise invalid("%s.GlueIps %s: the list can contain only one IPv4 and one IPv6 address."
                          % (where, ", ".join(ips)))
        return ips

    def dnssec_limit(self, name):
        return DNSSEC_KEY_LIMITS.get(tld_of(name), DEFAULT_DNSSEC_KEY_LIMIT)

    def do_AssociateDelegationSignerToDomain(self, params):
        name, record = self.domain(params)
        attrs = member(params, "SigningAttributes", "structure", needed=True)
        algorithm = member(attrs, "Algorithm", "integer", needed=True)
        flags = member(attrs, "Flags", "integer", needed=True)
        public_key = member(attrs, "PublicKey", "string", needed=True)
        if algorithm not in DNSSEC_ALGORITHMS:
            raise invalid("SigningAttributes.Algorithm %d is not a DNSSEC signing algorithm a registry accepts (%s)."
                          % (algorithm, ", ".join(str(a) for a in sorted(DNSSEC_ALGORITHMS))))
        if flags not in DNSSEC_FLAGS:
            raise invalid("SigningAttributes.Flags %d is neither 257 (KSK) nor 256 (ZSK)." % flags)
        try:
            key = dnssec_key(name, algorithm, flags, public_key)
        except (binascii.Error, ValueError):
            raise invalid("SigningAttributes.PublicKey is not base64.")
        if not key["public_key"]:
            raise invalid("SigningAttributes.PublicKey is empty.")
        if tld_of(name) in self.state.get("tlds_without_dnssec", []):
            raise ApiError("TLDRulesViolation", "The registry for .%s does not support DNSSEC." % tld_of(name))
        pending = sum(1 for op in self.unfinished(name) if op["type"] == "ADD_DNSSEC")
        if len(record["dnssec_keys"]) + pending >= self.dnssec_limit(name):
            raise ApiError("DnssecLimitExceeded", "The domain %s has %d DS records, the most its registry allows."
                           % (name, len(record["dnssec_keys"]) + pending))
        self.refuse_if_busy(name)
        return {"OperationId": self.new_operation(name, "ADD_DNSSEC", {"key": key})}

    def do_DisassociateDelegationSignerFromDomain(self, params):
        name, unused = self.domain(params)
        key_id = member(params, "Id", "string", needed=True)
        if tld_of(name) in self.state.get("tlds_without_dnssec", []):
            raise ApiError("TLDRulesViolation", "The registry for .%s does not support DNSSEC." % tld_of(name))
        self.refuse_if_busy(name)
        return {"OperationId": self.new_operation(name, "REMOVE_DNSSEC", {"id": key_id.strip()})}

    # -- admin --------------------------------------------------------------

    def admin_state(self):
        with self.lock:
            return dict((k, v) for k, v in self.state.items() if k != "credentials")

    def admin_domain(self, name, body):
        name = norm_name(name)
        with self.lock:
            self.state["domains"][name] = self.domain_record(name, body, self.state["domains"].get(name, {}))
            self._save()
            return {name: self.state["domains"][name]}

    def admin_delete_domain(self, name):
        with self.lock:
            removed = self.state["domains"].pop(norm_name(name), None)
            self._save()
            return {"deleted": removed is not None}


def log_params(value):
    """The request's members for the log, without sensitive ones (never secrets in the log)."""
    if isinstance(value, dict):
        return dict((k, "(redacted)" if k in SENSITIVE_MEMBERS else log_params(v)) for k, v in value.items())
    if isinstance(value, list):
        return [log_params(v) for v in value]
    return value


# --------------------------------------------------------------------------- HTTP

class Handler(simcore.QuietHandler):
    server_version = "Route53DomainsSimulator/1"
    sim = None  # set by main()

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        try:
            url = urlsplit(self.path)
            body = self.read_body()
            if url.path == "/_admin" or url.path.startswith("/_admin/"):
                return self._admin(method, url.path, body)
            self._api(method, url, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _admin(self, method, path, body):
        sim = self.sim
        data = self.admin_body(body)
        if data is None:
            return None
        if path == "/_admin/faults":
            if method != "POST":
                return self.send_json(200, sim.faults.snapshot())
            try:
                return self.send_json(200, sim.faults.update(data))
            except (TypeError, ValueError) as exc:
                return self.send_json(400, {"error": "bad fault value: %s" % exc})
        if path == "/_admin/state" and method == "GET":
            return self.send_json(200, sim.admin_state())
        if path.startswith("/_admin/domains/"):
            name = unquote(path[len("/_admin/domains/"):])
            if method == "POST":
                try:
                    return self.send_json(200, sim.admin_domain(name, data))
                except (KeyError, TypeError, ValueError, binascii.Error) as exc:
                    return self.send_json(400, {"error": "bad domain record: %r" % exc})
            if method == "DELETE":
                return self.send_json(200, sim.admin_delete_domain(name))
        if path == "/_admin/log/clear" and method == "POST":
            sim.log.clear()
            return self.send_json(200, {"cleared": True})
        return self.send_json(404, {"error": "no such admin endpoint: %s %s" % (method, path)})

    def _api(self, method, url, body):
        sim = self.sim
        header_values = {}
        for key, value in self.headers.items():
            header_values.setdefault(key.lower(), []).append(value)
        operation = (header_values.get("x-amz-target") or [""])[0].strip().partition(".")[2]
        entry = {"time": iso_now(), "action": operation, "method": method, "params": None, "status": 200,
                 "code": None, "write": False, "access_key_id": None, "operation_id": None, "fault": None,
                 "signature": "sigv4" if header_values.get("authorization") else "none"}
        error, drop, drop_reply, slow = sim.api_faults()
        if slow:
            time.sleep(slow)
        if drop:
            entry.update(status=None, fault="drop")
            sim.log.write(entry)
            return self.drop_connection()
        rid = request_id()
        try:
            status, payload = 200, self._answer(method, url, body, header_values, error, entry)
        except ApiError as err:
            entry.update(status=err.status, code=err.code)
            status, payload = err.status, err.body()
        except Exception as exc:  # a bug in the simulator: answer as AWS's InternalFailure
            sys.stderr.write("simulator error on %s: %r\n" % (operation, exc))
            entry.update(status=500, code="InternalFailure")
            status, payload = 500, {"__type": "InternalFailure",
                                    "message": "The request processing has failed because of an unknown error."}
        if drop_reply:
            entry["fault"] = "drop_reply"
        sim.log.write(entry)  # before the answer: a client holding its answer finds the line
        if drop_reply:
            return self.drop_connection()
        return self.send_json(status, payload, {"x-amzn-RequestId": rid}, JSON_CONTENT_TYPE)

    def _answer(self, method, url, body, header_values, error, entry):
        """The successful answer's payload; ApiError otherwise. Fills ``entry`` for the log."""
        if error is not None:
            entry["fault"] = "error"
            raise error
        if method != "POST":
            raise coral("UnknownOperationException", None)
        try:
            params = json.loads(body.decode("utf-8")) if body.strip() else None
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise coral("SerializationException", "The request body is not a JSON object.")
        entry["params"] = log_params(params)
        prefix, unused, operation = (header_values.get("x-amz-target") or [""])[0].strip().partition(".")
        if prefix != TARGET_PREFIX or not operation:
            raise coral("UnknownOperationException", None)
        entry["access_key_id"] = self.sim.authenticate(method, url.path, url.query, header_values, body)
        answer = self.sim.call(operation, params)
        if operation in WRITE_OPERATIONS:
            entry.update(write=True, operation_id=answer.get("OperationId"))
        return answer


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Amazon Route 53 Domains API simulator (2014-05-15)")
    simcore.add_common_arguments(p)
    p.add_argument("--operation-delay", "--task-delay", dest="operation_delay", type=float, default=0.5,
                   help="seconds from an operation's submission to its end (SUBMITTED for the first half, "
                        "IN_PROGRESS for the second; 0: done before the call answers)")
    p.add_argument("--no-busy", action="store_true", help="never answer DuplicateRequest for a busy domain")
    p.add_argument("--operation-limit", type=int, default=0,
                   help="OperationLimitExceeded once the account has this many unfinished operations (0: no limit)")
    p.add_argument("--throttle-every", type=int, default=0, help="every Nth API call: 400 ThrottlingException")
    p.add_argument("--throttle-code", default="", help="the throttling error's code (default ThrottlingException)")
    p.add_argument("--unavailable-every", type=int, default=0, help="every Nth API call: 503 ServiceUnavailable")
    p.add_argument("--internal-error-every", type=int, default=0, help="every Nth API call: 500 InternalFailure")
    p.add_argument("--drop-every", type=int, default=0,
                   help="every Nth API call: close the connection without processing the request")
    p.add_argument("--drop-reply-every", type=int, default=0,
                   help="every Nth API call: process the request, then close the connection without the answer")
    p.add_argument("--slow", type=float, default=0, help="sleep this long before answering an API call")
    p.add_argument("--fail-next-operation", default=None, help="the next operation created fails with this message")
    p.add_argument("--fail-status", default="", help="status of that failure: FAILED (default) or ERROR")
    p.add_argument("--timestamp-skew", type=float, default=0,
                   help="seconds added to the simulator's clock when checking request times")
    args = p.parse_args(argv)
    if args.fail_status not in ("", "FAILED", "ERROR"):
        p.error("--fail-status must be FAILED or ERROR")
    return args


def main(argv=None):
    args = parse_args(argv)
    sim = Simulator(args)
    Handler.sim = sim
    return simcore.serve(args, Handler, sim.run_operations, sim.stop)


if __name__ == "__main__":
    sys.exit(main())
