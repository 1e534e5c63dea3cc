"""Publish the registrar simulators' delegations as the lab registry's signed top-level zones.

Watches the simulators' state files (--state, once per simulator: the Alibaba Cloud one and the
Route 53 Domains one, each with its --seed); every change is published after --delay seconds (the
registry's propagation delay): one zone file per served TLD (SOA with a rising serial, the
registry's own NS, and for every domain under the TLD its NS records, its DS records, and the
A/AAAA glue of those of its name servers that are registered hosts inside the TLD), signed with
the TLD's key (NSEC), then NSD inside the registry host is told to reload (`nsd-control reload`,
run in the host's namespaces by nsenter). Only zones whose content changed are signed and
written again; nothing else is restarted.

The registry takes every domain from the account that holds it, as a real registry takes each
from its registrar: the union of the states. A domain held in two of them is a seed error: `--once`
refuses it (exit 1, naming both), the watcher leaves the zones as they were until it is gone.
The two states have one shape for what is published (`nameservers`, `hosts`: glue addresses by
host name); Route 53's DS records are its `dnssec_keys` (the DS it computed from each key).

Each TLD has one key (ECDSA P-256, flags 257: it signs the whole zone), made on first use and
kept in --keys-dir for the lab's life; --anchors gets the DS of every TLD key, the trust anchors
of the lab's validating resolver (there is no root). Needs dnspython (2.5 or later) and
cryptography: the project's virtualenv.

Glue rule: a host gets glue in a TLD zone when some domain of that zone names it as a name
server and the host's name is inside that TLD (what a registry can publish without becoming
authoritative for someone else's zone); its addresses are those the account holding its parent
domain (the longest registered domain the host lies in) registered: Alibaba Cloud's host object,
Route 53's GlueIps in the parent's own list. Hosts nobody delegates to get none. DS rule: a domain's
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


class SeedError(Exception):
    """The simulators' states cannot be published together (a domain held in two accounts)."""


def norm(name):
    return name.strip().rstrip(".").lower()


def ds_of_key(name, key):
    """The DS (SHA-256) of a DNSKEY given as a Route 53 seed gives it (algorithm, flags, public_key)."""
    dnskey = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY,
                                 f"{key['flags']} 3 {key['algorithm']} {key['public_key']}")
    ds = dns.dnssec.make_ds(name + ".", dnskey, "SHA256")
    return {"key_tag": ds.key_tag, "algorithm": ds.algorithm, "digest_type": ds.digest_type, "digest": ds.digest.hex()}


def domains_of_state(state):
    """{domain: {"nameservers", "hosts", "ds"}} of either simulator's state."""
    out = {}
    for name, dom in (state.get("domains") or {}).items():
        ds = dom.get("ds")
        if ds is None:  # Route 53 Domains: the DS it computed from each key
            ds = [{k: key[k] for k in ("key_tag", "algorithm", "digest_type", "digest")}
                  for key in dom.get("dnssec_keys") or []]
        out[norm(name)] = {"nameservers": dom.get("nameservers") or [], "hosts": dom.get("hosts") or {}, "ds": ds}
    return out


def domains_of_seed(seed):
    """The same from a seed (either simulator's form), for a state that does not exist yet."""
    out = {}
    for dom in seed["domains"]:
        name = norm(dom["name"])
        nameservers, hosts = [], {h["name"]: h["ips"] for h in dom.get("hosts", [])}
        for entry in dom.get("nameservers", []):
            if isinstance(entry, dict):  # Route 53: {"name", "glue_ips"}
                nameservers.append(entry["name"])
                if entry.get("glue_ips"):
                    hosts[entry["name"]] = entry["glue_ips"]
            else:
                nameservers.append(entry)
        ds = dom.get("ds") or [ds_of_key(name, key) for key in dom.get("dnssec_keys", [])]
        out[name] = {"nameservers": nameservers, "hosts": hosts, "ds": ds}
    return out


def read_source(state_path, seed_path):
    """One simulator's domains: from its state, else its seed."""
    try:
        with open(state_path, encoding="utf-8") as f:
            return domains_of_state(json.load(f))
    except FileNotFoundError:
        with open(seed_path, encoding="utf-8") as f:
            return domains_of_seed(json.load(f))


def merge(sources):
    """The union of [(label, domains)]; SeedError when a domain is in two of them."""
    merged, holder = {}, {}
    for label, domains in sources:
        for name, dom in domains.items():
            if name in holder:
                raise SeedError(f"{name} is held in two registrar accounts ({holder[name]} and {label}); "
                                "a domain has one registrar: remove it from one of the seeds")
            holder[name] = label
            merged[name] = dom
    return merged


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


def glue_addresses(host, domains):
    """A host's glue: the addresses its parent domain's account registered for it, or None."""
    labels = host.split(".")
    for i in range(1, len(labels) - 1):  # the longest registered parent first
        parent = domains.get(".".join(labels[i:]))
        if parent is not None:
            hosts = {norm(h): ips for h, ips in (parent.get("hosts") or {}).items()}
            return set(hosts[host]) if hosts.get(host) else None
    return None


def zone_bodies(domains, tlds, registry_addrs):
    """{tld: zone text without the SOA} for every served TLD."""
    domains = {norm(name): dom for name, dom in domains.items()}
    addresses = {}  # every host some domain names: its glue, when its parent's account registered some
    for dom in domains.values():
        for ns in dom.get("nameservers") or []:
            ips = glue_addresses(norm(ns), domains)
            if ips:
                addresses[norm(ns)] = ips
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

    def read_all(self):
        """The union of the simulators' domains (SeedError when a domain is in two)."""
        return merge([(os.path.basename(state), read_source(state, seed))
                      for state, seed in zip(self.args.state, self.args.seed)])

    def watch(self):
        """Poll the states; each distinct set of states is published `delay` seconds after it was seen."""
        pending = []  # (due, domains)
        last_digest = None
        refused = None
        while True:
            try:
                raws = []
                for state in self.args.state:
                    with open(state, "rb") as f:
                        raws.append(f.read())
                digest = hashlib.sha256(b"\0".join(raws)).hexdigest()
                if digest != last_digest:
                    last_digest = digest
                    sources = [(os.path.basename(state), domains_of_state(json.loads(raw)))
                               for state, raw in zip(self.args.state, raws)]
                    pending.append((time.monotonic() + self.args.delay, merge(sources)))
                    refused = None
            except (FileNotFoundError, ValueError):
                pass  # not there yet, or caught mid-write by a non-atomic writer: next poll
            except SeedError as exc:
                if str(exc) != refused:  # said once per state, and the zones stay as they were
                    refused = str(exc)
                    log(f"not published: {exc}")
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
    p.add_argument("--state", required=True, action="append",
                   help="a simulator's STATE.json (once per simulator, each followed by its --seed)")
    p.add_argument("--seed", required=True, action="append", help="its SEED.json, used while there is no state yet")
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
    if len(args.state) != len(args.seed):
        p.error("give each --state its --seed")
    pub = Publisher(args)
    if args.once:
        try:
            pub.publish(pub.read_all())
        except SeedError as exc:
            print(f"registry_publisher: {exc}", file=sys.stderr)
            return 1
        return 0
    log(f"watching {' '.join(args.state)}, delay {args.delay} s")
    pub.watch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
