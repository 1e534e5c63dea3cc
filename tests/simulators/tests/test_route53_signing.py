"""Signature Version 4 as the Route 53 Domains simulator checks it, the JSON protocol's framework
errors, credentials (keys, session tokens, expiry), clock skew, and a request log without secrets."""

import datetime
import hashlib
import json
from unittest import mock

import pytest
import requests

from route53_harness import AK, OLD_AK, OLD_SECRET, OLD_TOKEN, SECRET, STS_AK, STS_SECRET, STS_TOKEN

pytest.importorskip("boto3")

from botocore.auth import SigV4Auth  # noqa: E402  (after the importorskip)
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

TARGET = "Route53Domains_v20140515."


def client_error(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def raw_call(sim, operation, body=b"{}", ak=AK, secret=SECRET, token=None, region="us-east-1",
             service="route53domains", headers=None, after_signing=None):
    """A request signed by botocore's own SigV4 signer, sent with requests; ``after_signing`` may
    tamper with it. Returns (status, decoded JSON body or None)."""
    request = AWSRequest(method="POST", url=sim.url, data=body, headers=dict({
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + operation}, **(headers or {})))
    SigV4Auth(Credentials(ak, secret, token), service, region).add_auth(request)
    prepared = dict(request.headers.items())
    if after_signing:
        body = after_signing(prepared, body)
    r = requests.post(sim.url, data=body, headers=prepared, timeout=10)
    try:
        payload = r.json()
    except ValueError:
        payload = None
    return r.status_code, payload


def sign_at(module, method, url, headers, body, when):
    """The simulator's signature for a request, built with its own canonicalisation."""
    parts = requests.utils.urlparse(url)
    header_values = dict((k.lower(), [v]) for k, v in headers.items())
    header_values["host"] = [parts.netloc]
    signed = sorted(header_values)
    canonical = module.canonical_request(method, parts.path, parts.query, header_values, signed,
                                         hashlib.sha256(body).hexdigest())
    scope = "%s/us-east-1/service/aws4_request" % when[:8]
    return module.sign("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", when[:8], "us-east-1", "service",
                       module.string_to_sign(when, scope, canonical)), ";".join(signed)


# --------------------------------------------------------------------------- the signature itself

def test_published_sigv4_vectors(r53_module):
    # aws-sig-v4-test-suite: get-vanilla and post-vanilla
    for method, expected in (("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
                             ("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")):
        signature, signed = sign_at(r53_module, method, "https://example.amazonaws.com/",
                                    {"X-Amz-Date": "20150830T123600Z"}, b"", "20150830T123600Z")
        assert (signature, signed) == (expected, "host;x-amz-date")


def test_canonicalisation_agrees_with_botocore(r53_module):
    """Query strings that need encoding, repeated spaces in header values, a body: the simulator's
    signature for the request equals the one botocore's signer computed."""
    url = "https://example.amazonaws.com/a%20b/~c?z=1&a=x%20y&a=%2A&b=caf%C3%A9&empty="
    headers = {"X-Amz-Target": TARGET + "ListDomains", "My-Header": "  a   b  ", "Content-Type": "x/y"}
    body = b'{"MaxItems": 5}'
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    frozen = datetime.datetime(2024, 2, 29, 23, 59, 59)
    with mock.patch("botocore.auth.get_current_datetime", return_value=frozen):
        SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "service",
                  "us-east-1").add_auth(request)
    authorization = request.headers["Authorization"]
    signature, signed = sign_at(r53_module, "POST", url, dict(headers, **{"X-Amz-Date": "20240229T235959Z"}), body,
                                "20240229T235959Z")
    assert authorization.endswith("SignedHeaders=%s, Signature=%s" % (signed, signature))


# --------------------------------------------------------------------------- credentials

def test_credentials(r53):
    assert r53.client().list_domains()["Domains"]
    assert r53.client(ak=STS_AK, secret=STS_SECRET, token=STS_TOKEN).list_domains()["Domains"]
    code, message, status = client_error(r53.client(secret="not-the-secret").list_domains)
    assert (code, status) == ("InvalidSignatureException", 400)
    assert message.startswith("The request signature we calculated does not match the signature you provided.")
    assert "The Canonical String for this request should have been" in message
    assert client_error(r53.client(ak="AKIDUNKNOWN").list_domains)[:2] == (
        "UnrecognizedClientException", "The security token included in the request is invalid.")
    for ak, secret, token in ((STS_AK, STS_SECRET, None), (STS_AK, STS_SECRET, "another-token"),
                              (AK, SECRET, "a-token-for-a-long-term-key")):
        assert client_error(r53.client(ak=ak, secret=secret, token=token).list_domains)[0] == \
            "UnrecognizedClientException", (ak, token)
    assert client_error(r53.client(ak=OLD_AK, secret=OLD_SECRET, token=OLD_TOKEN).list_domains)[:2] == (
        "ExpiredTokenException", "The security token included in the request is expired")
    rejected = [line for line in r53.log_lines() if line["status"] != 200]
    assert len(rejected) == 6 and not any(line["write"] for line in rejected)


def test_credential_scope(r53):
    code, message, unused = client_error(r53.client(region="eu-west-1").list_domains)
    assert code == "InvalidSignatureException"
    assert message == "Credential should be scoped to a valid region, not 'eu-west-1'."
    status, body = raw_call(r53, "ListDomains", service="route53")
    assert (status, body["__type"].rsplit("#", 1)[-1]) == (400, "InvalidSignatureException")
    assert "Credential should be scoped to correct service: 'route53domains'." in body["message"]


@pytest.mark.parametrize("skew, accepted, why", [
    (1000, False, "Signature expired: "), (-1000, False, "Signature not yet current: "), (800, True, None)])
def test_clock_skew(r53_start, skew, accepted, why):
    sim = r53_start(flags=["--operation-delay", "0", "--timestamp-skew", str(skew)])
    if accepted:
        assert sim.client().list_domains()["Domains"]
        return
    code, message, status = client_error(sim.client().list_domains)
    assert (code, status) == ("InvalidSignatureException", 400)
    assert message.startswith(why) and "15 min." in message


# --------------------------------------------------------------------------- the protocol's framework errors

def test_framework_errors(r53):
    def kind(answer):
        return answer[0], (answer[1] or {}).get("__type", "").rsplit("#", 1)[-1]

    r = requests.post(r53.url, data=b"{}", headers={"X-Amz-Target": TARGET + "ListDomains"}, timeout=5)
    assert (r.status_code, r.json()["__type"]) == (400, "com.amazon.coral.service#MissingAuthenticationTokenException")
    assert r.headers["x-amzn-RequestId"] and r.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert kind(raw_call(r53, "ListDomains", body=b"not json")) == (400, "SerializationException")
    assert kind(raw_call(r53, "ListDomains", body=b'{"MaxItems": "ten"}')) == (400, "SerializationException")
    assert kind(raw_call(r53, "NoSuchThing")) == (400, "UnknownOperationException")
    assert kind(raw_call(r53, "GetDomainDetail", body=b"{}")) == (400, "InvalidInput")  # DomainName missing
    status, body = raw_call(r53, "RegisterDomain")
    assert (status, body["__type"].rsplit("#", 1)[-1]) == (400, "UnknownOperationException")
    assert "not implemented by this simulator" in body["message"]

    def tamper_body(headers, body):
        return b'{"MaxItems": 1}'

    def drop_host(headers, body):
        headers["Authorization"] = headers["Authorization"].replace("SignedHeaders=content-type;host;",
                                                                    "SignedHeaders=content-type;")
        return body

    def bad_date(headers, body):
        headers["X-Amz-Date"] = "2024-01-01T00:00:00Z"
        return body

    def short_credential(headers, body):
        headers["Authorization"] = headers["Authorization"].replace("/us-east-1/", "/")
        return body

    assert kind(raw_call(r53, "ListDomains", after_signing=tamper_body)) == (400, "InvalidSignatureException")
    status, body = raw_call(r53, "ListDomains", after_signing=drop_host)
    assert (status, body["message"]) == (400, "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                                              "Authorization.")
    status, body = raw_call(r53, "ListDomains", after_signing=bad_date)
    assert kind((status, body)) == (400, "IncompleteSignatureException") and "ISO-8601" in body["message"]
    status, body = raw_call(r53, "ListDomains", after_signing=short_credential)
    assert kind((status, body)) == (400, "IncompleteSignatureException") and "exactly 5" in body["message"]
    assert requests.get(r53.url, timeout=5).status_code == 400
    assert all(line["status"] == 400 and not line["write"] for line in r53.log_lines())


# --------------------------------------------------------------------------- the log

def test_log_holds_no_secret(r53):
    client = r53.client(ak=STS_AK, secret=STS_SECRET, token=STS_TOKEN)
    client.update_domain_nameservers(DomainName="customer.net", Nameservers=[{"Name": "ns.provider.net"}],
                                     FIAuthKey="fi-auth-key-secret")
    client_error(r53.client(secret="wrong-secret-value").list_domains)
    client_error(r53.client(ak=STS_AK, secret=STS_SECRET, token="leaked-wrong-token").list_domains)
    text = open(r53.log).read()
    for secret in (SECRET, STS_SECRET, STS_TOKEN, "fi-auth-key-secret", "wrong-secret-value", "leaked-wrong-token",
                   "Signature=", "AWS4-HMAC-SHA256"):
        assert secret not in text, secret
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["access_key_id"] == STS_AK and lines[0]["write"] is True and lines[0]["operation_id"]
    assert lines[0]["params"]["FIAuthKey"] == "(redacted)"
    assert [line["code"] for line in lines[1:]] == ["InvalidSignatureException", "UnrecognizedClientException"]
    assert "credentials" not in r53.admin("state")
