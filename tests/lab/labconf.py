"""The lab's layout, read from tests/lab/hosts and the environment lab.sh also reads (stdlib only)."""

import json
import os

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
RUN = os.environ.get("LAB_RUN", "/run/dnsops-lab")
CACHE = os.environ.get("LAB_CACHE", "/var/lib/dnsops-lab")
SIM_PORT = int(os.environ.get("LAB_SIM_PORT", "18080"))
REPO_PORT = int(os.environ.get("LAB_REPO_PORT", "8089"))
TLDS = os.environ.get("LAB_TLDS", "com net cn org").split()
NET4, NET6 = "198.51.100.", "2001:db8:100::"
CONTROLLER4, CONTROLLER6 = NET4 + "1", NET6 + "1"
RESOLVER4, RESOLVER6 = NET4 + "3", NET6 + "3"  # the validating resolver, on the registry host
SSH_KEY = os.path.join(RUN, "ssh", "id_ed25519")
KNOWN_HOSTS = os.path.join(RUN, "ssh", "known_hosts")
STATE = os.path.join(RUN, "sim", "state.json")
SEED = os.path.join(LAB_DIR, "seed.json")
TLD_KEYS = os.path.join(RUN, "tld-keys")
ANCHORS = os.path.join(RUN, "hosts", "registry", "root", "etc", "unbound", "lab-tld-anchors.ds")


def hosts():
    """[(name, suite, ipv4, ipv6)] in the order of the hosts file."""
    out = []
    with open(os.path.join(LAB_DIR, "hosts"), encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if fields:
                name, suite, addr = fields[:3]
                out.append((name, suite, NET4 + addr, NET6 + addr))
    return out


def seed():
    with open(SEED, encoding="utf-8") as f:
        return json.load(f)
