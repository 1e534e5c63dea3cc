"""Publish the registrar simulator's delegations as the lab registry's signed top-level zones.

Watches the simulator's STATE.json; every change is published after --delay seconds (the
registry's propagation delay): one zone file per served TLD (SOA with a rising serial, the
registry's own NS, and for every domain under the TLD its NS records, its DS records, and the
A/AAAA glue of those of its name servers that are registered hosts inside the TLD), signed with
the TLD's key (NSEC), then NSD inside the registry host is told to reload (`nsd-control reload`,
run in the host's namespaces by nsenter). Only zones whose content changed are signed and
written again; nothing else is restarted.

Each TLD has one key (ECDSA P-256, flags 257: it signs the whole zone), made on first use and
kept in --keys-dir for the lab's life; --anchors gets the DS of every TLD key, the trust anchors
of the lab's validating resolver (there is no root). Needs dnspython (2.5 or later) and
cryptography: the project's virtualenv.

Glue rule: a host gets glue in a TLD zone when some domain of that zone names it as a name
server and the host's name is inside that TLD (what a registry can publish without becoming
authoritative for someone else's zone). Hosts nobody delegates to get none. DS rule: a domain's
DS records are published as the registrar holds them, whether or not they match a key of the
child (as a real registry does: that is how a bad DS breaks a domain).
"""

import argparse
import hashlib
import ipaddress
import json
import os
import subprocess
import sys
import time

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

SOA_TIMERS = "3600 600 604800 60"  # refresh retry expire minimum (negative TTL 60 s)
TTL = 60  # short: the tests and the demo change delegations and look again at once
SIGNATURE_LIFETIME = 30 * 86400  # far beyond any lab's life: signatures are made only on change
HEADER = "; written by tests/lab/registry_publisher.py; content sha256 "


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def read_domains(state_path, seed_path):
    """{domain: {"nameservers": [...], "hosts": {host: [ip, ...]}}} from the state, else the seed."""
    try:
        with open(state_path, encoding="utf-8") as f:
            return json.load(f).get("domains", {})
    except FileNotFoundError:
        with open(seed_path, encoding="utf-8") as f:
            seed = json.load(f)
        return {d["name"]: {"nameservers": d.get("nameservers", []),
                            "hosts": {h["name"]: h["ips"] for h in d.get("hosts", [])}}
                for d in seed["domains"]}


def norm(name):
    return name.strip().rstrip(".").lower()


def zone_of(name, tlds):
    """The served TLD a name lies under (the longest match), or None."""
    best = None
    for tld in tlds:
        if name == tld or name.endswith("." + tld):
            if best is None or len(tld) > len(best):
                best = tld
    return best


def ds_lines(dname, records):
    """The DS records of a domain as zone lines; a record the registry could not publish is left out."""
    lines = []
    for rec in records or []:
        text = f"{rec['key_tag']} {rec['algorithm']} {rec['digest_type']} {rec['digest']}"
        try:
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, text)
        except Exception as exc:  # only the admin endpoint can store such a record
            log(f"{dname}: DS {text!r} left out: {exc}")
            continue
        lines.append(f"{dname}. {TTL} IN DS {text}")
    return lines


def zone_bodies(domains, tlds, registry_addrs):
    """{tld: zone text without the SOA} for every served TLD."""
    addresses = {}  # every registered host: its addresses
    for dom in domains.values():
        for host, ips in (dom.get("hosts") or {}).items():
            addresses.setdefault(norm(host), set()).update(ips)
    bodies = {}
    for tld in tlds:
        lines = [f"{tld}. {TTL} IN NS a.nic.{tld}."]
        for ip in registry_addrs:
            rtype = "AAAA" if ipaddress.ip_address(ip).version == 6 else "A"
            lines.append(f"a.nic.{tld}. {TTL} IN {rtype} {ip}")
        glue = set()
        for name in sorted(domains):
            dname = norm(name)
            if zone_of(dname, tlds) != tld or dname == tld:
                continue
            nameservers = sorted({norm(n) for n in domains[name].get("nameservers") or []})
            for ns in nameservers:
                lines.append(f"{dname}. {TTL} IN NS {ns}.")
                if ns in addresses and zone_of(ns, tlds) == tld:
                    glue.add(ns)
            if nameservers:  # a DS belongs to a delegation
                lines += ds_lines(dname, domains[name].get("ds"))
        for host in sorted(glue):
            for ip in sorted(addresses[host], key=lambda a: ipaddress.ip_address(a).packed):
                rtype = "AAAA" if ipaddress.ip_address(ip).version == 6 else "A"
                lines.append(f"{host}. {TTL} IN {rtype} {ipaddress.ip_address(ip)}")
        bodies[tld] = "\n".join(lines) + "\n"
    return bodies


def write_atomically(path, text, mode=0o644):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def tld_key(keys_dir, tld):
    """(private key, DNSKEY) of a TLD: made on first use, then read from keys_dir/TLD.pem."""
    path = os.path.join(keys_dir, f"{tld}.pem")
    try:
        with open(path, "rb") as f:
            private = serialization.load_pem_private_key(f.read(), password=None)
    except FileNotFoundError:
        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        os.makedirs(keys_dir, mode=0o700, exist_ok=True)
        write_atomically(path, pem.decode("ascii"), mode=0o600)
        log(f"{tld}: new key")
    dnskey = dns.dnssec.make_dnskey(private.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256,
                                    flags=dns.dnssec.Flag.ZONE | dns.dnssec.Flag.SEP)
    return private, dnskey


def signed_zone(tld, soa, body, key):
    """The zone text, signed: DNSKEY, an RRSIG on every authoritative RRset and DS, the NSEC chain."""
    zone = dns.zone.from_text(f"{soa}\n{body}", origin=tld + ".", relativize=False)
    inception = int(time.time()) - 3600  # a resolver whose clock runs a little behind still accepts it
    dns.dnssec.sign_zone(zone, keys=[key], dnskey_ttl=TTL, inception=inception, lifetime=SIGNATURE_LIFETIME)
    return zone.to_text(relativize=False)


class Publisher:
    def __init__(self, args):
        self.args = args
        self.tlds = [norm(t) for t in args.tlds.split()]
        self.registry = [a for a in args.registry.split(",") if a]
        self.keys = {tld: tld_key(args.keys_dir, tld) for tld in self.tlds}
        if args.anchors:
            self.write_anchors(args.anchors)

    def write_anchors(self, path):
        """The DS (SHA-256) of every TLD key, in zone file syntax, for the resolver's trust-anchor-file."""
        lines = ["; the lab's TLD keys (tests/lab/registry_publisher.py): trust anchors, there is no root"]
        for tld, (unused, dnskey) in self.keys.items():
            lines.append(f"{tld}. {TTL} IN DS {dns.dnssec.make_ds(tld + '.', dnskey, 'SHA256')}")
        text = "\n".join(lines) + "\n"
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    return
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomically(path, text)

    def next_serial(self):
        try:
            with open(self.args.serial_file, encoding="utf-8") as f:
                last = int(f.read().strip())
        except (FileNotFoundError, ValueError):
            last = 0
        serial = max(last + 1, int(time.time()))  # rising, and readable as a date
        tmp = self.args.serial_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{serial}\n")
        os.replace(tmp, self.args.serial_file)
        return serial

    def publish(self, domains):
        """Sign and write the zones whose content (records and key) changed; True when any did."""
        bodies = zone_bodies(domains, self.tlds, self.registry)
        changed = []
        for tld, body in bodies.items():
            path = os.path.join(self.args.zones_dir, f"{tld}.zone")
            header = HEADER + hashlib.sha256((body + self.keys[tld][1].to_text()).encode()).hexdigest()
            try:
                with open(path, encoding="utf-8") as f:
                    old = f.readline().rstrip("\n")
            except FileNotFoundError:
                old = None
            if old != header:
                changed.append((tld, path, header, body))
        if not changed:
            return False
        serial = self.next_serial()
        for tld, path, header, body in changed:
            soa = f"{tld}. {TTL} IN SOA a.nic.{tld}. hostmaster.nic.{tld}. {serial} {SOA_TIMERS}"
            write_atomically(path, f"{header}\n{signed_zone(tld, soa, body, self.keys[tld])}")
        log(f"serial {serial}: signed and wrote {' '.join(c[0] for c in changed)} ({len(domains)} domains)")
        return True

    def reload(self):
        """nsd-control reload inside the registry host: its namespaces, its root, its NSD."""
        with open(self.args.reload_pid_file, encoding="utf-8") as f:
            pid = f.read().split()[0]
        cmd = ["nsenter", "-t", pid, "-m", "-u", "-i", "-n", "-p", "-r", "-w", "nsd-control", "reload"]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        log(f"reload: rc={res.returncode} {res.stdout.strip()} {res.stderr.strip()}".rstrip())

    def watch(self):
        """Poll the state; each distinct state is published `delay` seconds after it was seen."""
        pending = []  # (due, domains)
        last_digest = None
        while True:
            try:
                with open(self.args.state, "rb") as f:
                    raw = f.read()
                digest = hashlib.sha256(raw).hexdigest()
                if digest != last_digest:
                    last_digest = digest
                    pending.append((time.monotonic() + self.args.delay, json.loads(raw).get("domains", {})))
            except (FileNotFoundError, ValueError):
                pass  # not there yet, or caught mid-write by a non-atomic writer: next poll
            now = time.monotonic()
            while pending and pending[0][0] <= now:
                unused, domains = pending.pop(0)
                try:
                    if self.publish(domains) and self.args.reload_pid_file:
                        self.reload()
                except Exception as exc:  # keep serving; the next change retries
                    log(f"publish failed: {exc!r}")
            time.sleep(0.2)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    p.add_argument("--state", required=True, help="the simulator's STATE.json")
    p.add_argument("--seed", required=True, help="SEED.json, used while there is no state yet")
    p.add_argument("--zones-dir", required=True, help="where the registry's NSD reads its zones")
    p.add_argument("--tlds", default="com net cn org", help="served TLDs, space separated")
    p.add_argument("--registry", required=True, help="the registry's addresses, comma separated")
    p.add_argument("--serial-file", required=True)
    p.add_argument("--keys-dir", required=True, help="the TLDs' private keys (made when missing)")
    p.add_argument("--anchors", help="write the TLD keys' DS here: the validating resolver's trust anchors")
    p.add_argument("--delay", type=float, default=3.0, help="propagation delay in seconds")
    p.add_argument("--reload-pid-file", help="the registry host's pid file (lab.sh); no reload without")
    p.add_argument("--once", action="store_true", help="write the zones for the current state and exit")
    args = p.parse_args()
    pub = Publisher(args)
    if args.once:
        pub.publish(read_domains(args.state, args.seed))
        return 0
    log(f"watching {args.state}, delay {args.delay} s")
    pub.watch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
