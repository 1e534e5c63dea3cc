"""The lab tests' one lab, brought up once per session: fresh when these tests have used it
before. Files run in name order (test_dnssec.py, then test_lab.py), and test_lab.py's last test
brings the lab down and checks that nothing is left behind."""

import json
import os
import subprocess
import sys
import time

import pytest

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, LAB_DIR)
import labconf  # noqa: E402  (the lab's own layout: hosts, addresses, run directory)

LAB_SH = os.path.join(LAB_DIR, "lab.sh")


def lab(*args):
    env = dict(os.environ, LAB_PY=sys.executable)
    return subprocess.run([LAB_SH, *args], env=env, check=True, capture_output=True, text=True)


@pytest.fixture(scope="session", autouse=True)
def lab_up():
    # Fresh hosts and a fresh simulator: a lab these tests have used is brought down first.
    marker = os.path.join(labconf.RUN, "used-by-lab-tests")
    if os.path.exists(marker):
        lab("down")
    lab("up")  # a no-op taking about a second when `make lab-test` has brought it up
    with open(marker, "w", encoding="utf-8") as f:
        f.write("the lab tests change the hosts and the simulator's state\n")


def registrar_call(request):
    """Send an Alibaba SDK request to the lab's simulator, with the lab's credentials; the JSON
    answer. A domain takes one task at a time: wait as a real client must."""
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    cred = labconf.seed()["credentials"][0]
    client = AcsClient(cred["access_key_id"], cred["access_key_secret"], "cn-hangzhou")
    request.set_endpoint(f"127.0.0.1:{labconf.SIM_PORT}")
    request.set_protocol_type("http")
    for unused in range(60):
        try:
            return json.loads(client.do_action_with_exception(request))
        except ServerException as exc:
            if exc.get_error_code() != "TaskIsBeingProcessed":
                raise
            time.sleep(0.5)
    raise AssertionError("the domain's tasks never finished")
