"""`make lab-status`: every host, its addresses, and whether its sshd, its DNS daemon, the
package repository, the simulator and the publisher answer. Stdlib only; exits 0 always."""

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
print(f"publisher    {alive(os.path.join(labconf.RUN, 'pids', 'publisher'))}, last serial {serial}")
