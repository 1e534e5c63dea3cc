# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real NSD and BIND daemons on 127.0.0.x for the delegation_check tests and benchmark.

Every daemon runs in the foreground as a child of the test process, with its own
configuration in a temporary directory, no control channel, and listens on one
loopback address (added to lo as a /32 while the lab runs, for BIND) and a port chosen at random; ``stop()`` ends exactly the
processes started here.
"""

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

SOA = '@ 300 IN SOA {mname}. hostmaster.{origin}. {serial} 3600 600 86400 300\n'


def free_port(addresses):
    """A port that is free for UDP and TCP on all ``addresses``."""
    for _attempt in range(200):
        port = random.randint(20000, 60000)
        socks = []
        try:
            for address in addresses:
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    sock = socket.socket(socket.AF_INET, kind)
                    socks.append(sock)
                    sock.bind((address, port))
            return port
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError('no free port on %s' % addresses)


def zone_text(origin, serial, ns, addresses=None, extra=''):
    """A zone file: SOA, NS ``ns`` (names), A records from ``addresses`` {name: [ip]}."""
    lines = ['$ORIGIN %s.\n' % origin, '$TTL 300\n', SOA.format(mname=ns[0], origin=origin, serial=serial)]
    lines += ['@ IN NS %s.\n' % name for name in ns]
    for name, ips in sorted((addresses or {}).items()):
        for ip in ips:
            lines.append('%s. IN %s %s\n' % (name, 'AAAA' if ':' in ip else 'A', ip))
    lines.append(extra)
    return ''.join(lines)


class Daemon(object):
    def __init__(self, kind, address, port, workdir):
        self.kind, self.address, self.port = kind, address, port
        self.dir = os.path.join(workdir, '%s-%s' % (kind, address))
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        self.zones = {}            # name -> (text, allow_axfr)
        self.options = {}          # name -> options of that zone (see add_zone)
        self.proc = None

    def add_zone(self, name, text, allow_axfr=False, **options):
        """A zone served from ``text`` (None: a secondary's, transferred). ``options``: BIND
        ``signed=True`` (dnssec-policy default, inline signing), ``secondaries=[address]`` (transfers
        and NOTIFY to them); NSD ``primary=(address, port)`` (a secondary of that server)."""
        self.zones[name] = (text, allow_axfr)
        self.options[name] = options

    def _write(self):
        for name, (text, _axfr) in self.zones.items():
            if text is not None:
                with open(os.path.join(self.dir, (name or 'root') + '.zone'), 'w') as handle:
                    handle.write(text)

    def start(self):
        self._write()
        log = open(os.path.join(self.dir, 'daemon.log'), 'w')
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        log.close()

    def wait_ready(self, probe_zone, timeout=60):
        """Until the daemon answers an SOA query for ``probe_zone`` over UDP."""
        import dns.message
        import dns.query
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('%s on %s exited: %s' % (self.kind, self.address, self.log()))
            try:
                query = dns.message.make_query(probe_zone, 'SOA')
                response = dns.query.udp(query, self.address, port=self.port, timeout=0.5)
                if response.answer:
                    return
            except Exception:
                pass
            time.sleep(0.1)
        raise RuntimeError('%s on %s not ready: %s' % (self.kind, self.address, self.log()))

    def log(self):
        try:
            with open(os.path.join(self.dir, 'daemon.log')) as handle:
                return handle.read()[-3000:]
        except OSError:
            return ''

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


class Nsd(Daemon):
    def __init__(self, address, port, workdir):
        super(Nsd, self).__init__('nsd', address, port, workdir)

    def command(self):
        conf = os.path.join(self.dir, 'nsd.conf')
        lines = [
            'server:',
            '  ip-address: %s@%d' % (self.address, self.port),
            '  do-ip6: no',
            '  username: ""',
            '  chroot: ""',
            '  zonesdir: "%s"' % self.dir,
            '  database: ""',
            '  zonelistfile: "%s/zone.list"' % self.dir,
            '  xfrdfile: "%s/xfrd.state"' % self.dir,
            '  xfrdir: "%s"' % self.dir,
            '  pidfile: "%s/nsd.pid"' % self.dir,
            '  logfile: "%s/nsd.log"' % self.dir,
            '  hide-version: yes',
            '  server-count: 1',
            '  tcp-count: 512',
            '  verbosity: 1',
            'remote-control:',
            '  control-enable: no',
        ]
        for name, (_text, axfr) in sorted(self.zones.items()):
            lines += ['zone:', '  name: "%s"' % (name or '.'), '  zonefile: "%s.zone"' % (name or 'root')]
            if axfr:
                lines.append('  provide-xfr: 0.0.0.0/0 NOKEY')
            primary = self.options[name].get('primary')
            if primary:
                lines += ['  request-xfr: %s@%d NOKEY' % primary, '  allow-notify: 127.0.0.0/8 NOKEY',
                          '  outgoing-interface: %s' % self.address]
        with open(conf, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
        check = subprocess.run(['nsd-checkconf', conf], check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if check.returncode:
            raise RuntimeError('nsd-checkconf: %s' % check.stdout.decode())
        return ['nsd', '-d', '-c', conf]


class Bind(Daemon):
    def __init__(self, address, port, workdir, recursion=False):
        super(Bind, self).__init__('named', address, port, workdir)
        self.recursion = recursion

    def command(self):
        conf = os.path.join(self.dir, 'named.conf')
        lines = [
            'options {',
            '  directory "%s";' % self.dir,
            '  pid-file "%s/named.pid";' % self.dir,
            '  session-keyfile "%s/session.key";' % self.dir,
            '  managed-keys-directory "%s";' % self.dir,
            '  listen-on port %d { %s; };' % (self.port, self.address),
            '  listen-on-v6 { none; };',
            '  recursion %s;' % ('yes' if self.recursion else 'no'),
            '  allow-recursion { %s };' % ('any;' if self.recursion else 'none;'),
            '  allow-transfer { none; };',
            '  dnssec-validation no;',
            '  notify no;',
            '  version none;',
            '};',
            'controls { };',
        ]
        for name, (_text, axfr) in sorted(self.zones.items()):
            options = self.options[name]
            extra = ' allow-transfer { any; };' if axfr else ''
            if options.get('signed'):
                os.makedirs(os.path.join(self.dir, 'keys'), exist_ok=True)
                extra += ' dnssec-policy default; inline-signing yes; key-directory "%s/keys";' % self.dir
            if options.get('secondaries'):
                extra += ' allow-transfer { %s }; notify explicit; also-notify { %s };' % (
                    ''.join('%s; ' % a for a in options['secondaries']),
                    ''.join('%s port %d; ' % (a, self.port) for a in options['secondaries']))
            lines.append('zone "%s" { type primary; file "%s.zone";%s };' % (name, name, extra))
        with open(conf, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
        check = subprocess.run(['named-checkconf', conf], check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if check.returncode:
            raise RuntimeError('named-checkconf: %s' % check.stdout.decode())
        return ['named', '-g', '-c', conf, '-n', '1']


class Lab(object):
    """A set of daemons sharing one port, started and stopped together."""

    def __init__(self, addresses):
        self.workdir = tempfile.mkdtemp(prefix='dnscheck-')
        os.chmod(self.workdir, 0o755)
        self.addresses = list(addresses)
        self.added = []
        self.port = free_port(addresses)
        self.daemons = []

    def _add_addresses(self):
        """BIND listens only on addresses an interface has: put them on lo (removed by stop())."""
        have = subprocess.run(['ip', '-o', 'addr', 'show', 'dev', 'lo'], check=True, stdout=subprocess.PIPE).stdout.decode()
        for address in self.addresses:
            if ' %s/' % address not in have and address != '127.0.0.1':
                subprocess.run(['ip', 'addr', 'add', '%s/32' % address, 'dev', 'lo'], check=True)
                self.added.append(address)

    def nsd(self, address):
        daemon = Nsd(address, self.port, self.workdir)
        self.daemons.append(daemon)
        return daemon

    def bind(self, address, recursion=False):
        daemon = Bind(address, self.port, self.workdir, recursion=recursion)
        self.daemons.append(daemon)
        return daemon

    def start(self, daemons=None):
        """Starts ``daemons`` (default: every one not started yet) and waits until they answer."""
        daemons = [d for d in (daemons or self.daemons) if d.proc is None]
        try:
            if not self.added:
                self._add_addresses()
            for daemon in daemons:
                daemon.start()
            for daemon in daemons:
                daemon.wait_ready(sorted(daemon.zones)[0] or '.')
        except Exception:
            self.stop()
            raise

    def stop(self, keep=False):
        for daemon in self.daemons:
            daemon.stop()
        for address in self.added:
            subprocess.run(['ip', 'addr', 'del', '%s/32' % address, 'dev', 'lo'], check=False)
        self.added = []
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
