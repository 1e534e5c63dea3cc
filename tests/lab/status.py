"""`make lab-status`: every host, its addresses, and whether its sshd, its DNS daemon, the
validating resolver, the package repository, the simulator and the publisher answer. Stdlib
only; exits 0 always."""

import json
import os
import socket
import struct
import urllib.request

import labconf


def sshd(addr):
    try:
        with socket.create_connection((addr, 22), timeout=2) as s:
            return s.recv(64).decode(errors="replace").split("\r")[0]
    except OSError as exc:
        return f"no ({exc.strerror or exc})"


def dns(addr):
    """Any DNS answer to `. SOA` (even REFUSED) means a daemon listens on port 53."""
    query = struct.pack(">HHHHHH", 0x1AB, 0, 1, 0, 0, 0) + b"\x00" + struct.pack(">HH", 6, 1)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1)
            s.sendto(query, (addr, 53))
            reply = s.recv(512)
        return "answers (rcode %d)" % (reply[3] & 0xF)
    except OSError:
        return "no"


def validated(addr, name):
    """Ask a resolver for NAME's SOA with the DO bit: its rcode and whether it set AD (validated)."""
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".") if label) + b"\x00"
    opt = b"\x00" + struct.pack(">HHIH", 41, 1232, 0x8000, 0)  # EDNS0, DO
    query = struct.pack(">HHHHHH", 0x1AC, 0x0100, 1, 0, 0, 1) + qname + struct.pack(">HH", 6, 1) + opt
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2)
            s.sendto(query, (addr, 53))
            reply = s.recv(4096)
        flags = struct.unpack(">H", reply[2:4])[0]
        return f"{name} SOA: rcode {flags & 0xF}" + (", validated (AD)" if flags & 0x20 else ", not validated")
    except OSError:
        return "no answer"


def alive(pidfile):
    try:
        pid, start = open(pidfile, encoding="utf-8").read().split()
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            ok = f.read().rsplit(")", 1)[1].split()[19] == start
        return f"pid {pid}" if ok else f"pid {pid} gone"
    except (OSError, ValueError, IndexError):
        return "not running"


def http(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read()
    except OSError as exc:
        return exc


print(f"lab run directory {labconf.RUN}" + ("" if os.path.isdir(labconf.RUN) else " (absent: the lab is down)"))
for name, suite, a4, a6 in labconf.hosts():
    first = alive(os.path.join(labconf.RUN, "hosts", name, "pid"))
    print(f"{name:9} {suite:9} {a4:15} {a6:18} host {first}; sshd {sshd(a4)}; dns {dns(a4)}")
print(f"{'resolver':9} {'registry':9} {labconf.RESOLVER4:15} {labconf.RESOLVER6:18} Unbound, validating: "
      f"{validated(labconf.RESOLVER4, labconf.TLDS[0] + '.') if labconf.TLDS else 'no TLDs'}")
repo = http(f"http://{labconf.CONTROLLER4}:{labconf.REPO_PORT}/lab-archive-keyring.gpg")
print(f"repository   http://{labconf.CONTROLLER4}:{labconf.REPO_PORT}/: {alive(os.path.join(labconf.RUN, 'pids', 'repo-http'))}, "
      + ("answers" if isinstance(repo, bytes) else f"no ({repo})"))
sim = http(f"http://127.0.0.1:{labconf.SIM_PORT}/_admin/state")
if isinstance(sim, bytes):
    try:
        simtxt = f"answers ({len(json.loads(sim).get('domains', {}))} domains)"
    except ValueError:
        simtxt = "answers"
else:
    simtxt = f"no ({sim})"
print(f"simulator    http://127.0.0.1:{labconf.SIM_PORT}/: {alive(os.path.join(labconf.RUN, 'pids', 'simulator'))}, {simtxt}")
try:
    serial = open(os.path.join(labconf.RUN, "sim", "serial"), encoding="utf-8").read().strip()
except OSError:
    serial = "none"
keys = sorted(f[:-4] for f in os.listdir(labconf.TLD_KEYS)) if os.path.isdir(labconf.TLD_KEYS) else []
print(f"publisher    {alive(os.path.join(labconf.RUN, 'pids', 'publisher'))}, last serial {serial}, "
      f"TLDs signed with keys in {labconf.TLD_KEYS}: {' '.join(keys) or 'none'}")
