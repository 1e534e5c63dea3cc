#!/usr/bin/env bash
# The lab: Debian hosts in their own namespaces on this machine, a local package repository,
# a registry DNS server and the registrar simulator.   Usage: lab.sh up|down|status|clean
#
# Caches (kept by `down`, removed by `clean`): $LAB_CACHE/base/SUITE (debootstrap images),
# $LAB_CACHE/repo/SUITE (the local apt repository), $LAB_CACHE/gnupg (its signing key).
# Everything of a running lab lives under $LAB_RUN; `down` removes it all.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LAB_DIR/../.." && pwd)
CACHE=${LAB_CACHE:-/var/lib/dnsops-lab}
RUN=${LAB_RUN:-/run/dnsops-lab}
MIRROR=${LAB_MIRROR:-http://deb.debian.org/debian}
LAB_PY=${LAB_PY:-python3}
BRIDGE=dnslab0
NET4=198.51.100
NET6=2001:db8:100:
CONTROLLER4=$NET4.1
CONTROLLER6=${NET6}:1
# The validating resolver: Unbound on the registry host, on addresses of its own.
RESOLVER4=$NET4.3
RESOLVER6=${NET6}:3
REPO_PORT=${LAB_REPO_PORT:-8089}
SIM_PORT=${LAB_SIM_PORT:-18080}
PROPAGATION_DELAY=${LAB_PROPAGATION_DELAY:-3}
TLDS=${LAB_TLDS:-com net cn org}
# What a fresh server image holds (plus procps, which every Debian image has).
BASE_PACKAGES=openssh-server,python3,iproute2,ca-certificates,procps,init-system-helpers
SIMULATOR=$ROOT/tests/simulators/alicloud_domain.py
TLD_KEYS=$RUN/tld-keys              # the registry's signing keys, one per TLD, for the lab's life
ANCHORS=/etc/unbound/lab-tld-anchors.ds  # on the registry host: their DS, the resolver's trust anchors
SSH_KEY=$RUN/ssh/id_ed25519
KNOWN_HOSTS=$RUN/ssh/known_hosts

log() { printf '%s lab: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# "name suite address" for every host of the hosts file.
hosts() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LAB_DIR/hosts" | awk '{print $1, $2, $3}'; }
suites() { hosts | awk '{print $2}' | sort -u; }

ssh_to() {  # ssh_to ADDRESS COMMAND...: as Ansible does, with the lab's key and known_hosts
    local addr=$1; shift
    ssh -i "$SSH_KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
        -o BatchMode=yes -o ConnectTimeout=3 -o LogLevel=ERROR "root@$addr" "$@"
}

# --- processes: every one is recorded as "pid starttime" and stopped by that pid only ----------

# Field 22 of /proc/PID/stat (counted after the command name, which may hold spaces); nothing
# for a zombie: it is dead, whoever reaps it (this machine's pid 1 may be slow to).
starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    # shellcheck disable=SC2086  # the fields after the command name, split on purpose
    set -- ${stat##*) }
    [ "$1" = Z ] || echo "${20}"
}
record_pid() { echo "$1 $(starttime "$1")" > "$2"; }
# True when the pid recorded in FILE is still the process we started (not a reused pid).
recorded_alive() {
    local pid st
    [ -s "$1" ] || return 1
    read -r pid st < "$1"
    [ -n "$pid" ] && [ "$(starttime "$pid")" = "$st" ]
}
stop_recorded() {  # stop_recorded FILE: TERM, then KILL after 5 s
    local pid st
    if recorded_alive "$1"; then
        read -r pid st < "$1"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do recorded_alive "$1" || break; sleep 0.1; done
        if recorded_alive "$1"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    fi
    rm -f "$1"
}
# start_daemon NAME LOGFILE COMMAND...: run in the background, record its pid as $RUN/pids/NAME.
start_daemon() {
    local name=$1 logf=$2; shift 2
    mkdir -p "$RUN/pids"
    setsid "$@" </dev/null >>"$logf" 2>&1 &
    record_pid $! "$RUN/pids/$name"
}

# --- base images -----------------------------------------------------------------------------

build_base() {
    local suite=$1 dir=$CACHE/base/$1
    [ -e "$dir.done" ] && return 0
    log "debootstrap $suite (once; cached in $dir)"
    rm -rf "$dir" "$dir.tmp"; mkdir -p "$CACHE/base" "$CACHE/log"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$suite" "$dir.tmp" "$MIRROR" \
        > "$CACHE/log/debootstrap-$suite.log" 2>&1 || die "debootstrap $suite failed, see $CACHE/log/debootstrap-$suite.log"
    # Every host gets its own host keys; the base must not carry shared ones.
    rm -f "$dir.tmp"/etc/ssh/ssh_host_*
    rm -rf "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/cache/apt/archives/*.deb
    mv "$dir.tmp" "$dir"
    touch "$dir.done"
}

# --- the local package repository ----------------------------------------------------------

repo_key() {
    local gh=$CACHE/gnupg
    if [ ! -s "$CACHE/repo/lab-archive-keyring.gpg" ]; then
        rm -rf "$gh"; mkdir -p "$CACHE/repo"; mkdir -m 700 "$gh"
        gpg --homedir "$gh" --batch --quiet --passphrase '' \
            --quick-gen-key 'dnsops lab repository <lab@example.invalid>' ed25519 sign never
        gpg --homedir "$gh" --batch --export > "$CACHE/repo/lab-archive-keyring.gpg"
    fi
}

# The packages list, resolved and downloaded inside a throwaway overlay on the suite's base,
# so the dependencies are exactly those a host made from that base lacks.
build_repo() {
    local suite=$1 out=$CACHE/repo/$1 want tmp
    want=$(sed -e 's/#.*//' "$LAB_DIR/packages" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
    if [ -e "$out/.packages" ] && [ "$(cat "$out/.packages")" = "$want" ]; then return 0; fi
    log "local repository for $suite: fetching $want"
    tmp=$CACHE/tmp/fetch-$suite
    umount "$tmp/root" 2>/dev/null || true
    rm -rf "$tmp"; mkdir -p "$tmp"/{upper,work,root}
    mount -t overlay overlay -o "lowerdir=$CACHE/base/$suite,upperdir=$tmp/upper,workdir=$tmp/work" "$tmp/root"
    cp /etc/resolv.conf "$tmp/root/etc/resolv.conf"
    echo "deb $MIRROR $suite main" > "$tmp/root/etc/apt/sources.list"
    local rc=0
    # shellcheck disable=SC2086  # $want: one word per package
    { chroot "$tmp/root" apt-get -q update &&
      DEBIAN_FRONTEND=noninteractive chroot "$tmp/root" apt-get -q -y --download-only install $want
    } > "$CACHE/log/repo-$suite.log" 2>&1 || rc=$?
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    [ $rc = 0 ] && cp "$tmp/root"/var/cache/apt/archives/*.deb "$out.tmp/"
    umount "$tmp/root"; rm -rf "$tmp"
    [ $rc = 0 ] || die "fetching packages for $suite failed, see $CACHE/log/repo-$suite.log"
    # A flat repository ("deb URL ./"), indexed and signed with the lab's key.
    ( cd "$out.tmp"
      apt-ftparchive packages . > Packages 2>/dev/null
      gzip -9kf Packages
      apt-ftparchive -o APT::FTPArchive::Release::Origin=dnsops-lab \
          -o APT::FTPArchive::Release::Label=dnsops-lab -o APT::FTPArchive::Release::Suite="$suite" \
          -o APT::FTPArchive::Release::Codename="$suite" release . > "../Release.$suite"
      mv "../Release.$suite" Release
      gpg --homedir "$CACHE/gnupg" --batch --yes --quiet --clearsign -o InRelease Release
      gpg --homedir "$CACHE/gnupg" --batch --yes --quiet -abs -o Release.gpg Release )
    echo "$want" > "$out.tmp/.packages"
    rm -rf "$out"; mv "$out.tmp" "$out"
    log "local repository for $suite: $(find "$out" -maxdepth 1 -name '*.deb' | wc -l) packages"
}

repo_serve() {
    recorded_alive "$RUN/pids/repo-http" && return 0
    start_daemon repo-http "$RUN/repo-http.log" \
        python3 -m http.server --bind "$CONTROLLER4" --directory "$CACHE/repo" "$REPO_PORT"
    wait_for 10 "repository on $CONTROLLER4:$REPO_PORT" \
        curl -sf -o /dev/null "http://$CONTROLLER4:$REPO_PORT/lab-archive-keyring.gpg"
}

wait_for() {  # wait_for SECONDS WHAT COMMAND...
    local secs=$1 what=$2; shift 2
    for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    die "$what did not come up within $secs s"
}

# --- network -----------------------------------------------------------------------------------

bridge_up() {
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link add "$BRIDGE" type bridge
    fi
    # No forwarding from the bridge: lab traffic stays on this machine.
    sysctl -qw "net.ipv4.conf.$BRIDGE.forwarding=0" "net.ipv6.conf.$BRIDGE.forwarding=0"
    ip addr replace "$CONTROLLER4/24" dev "$BRIDGE"
    ip -6 addr replace "$CONTROLLER6/64" dev "$BRIDGE" nodad
    ip link set "$BRIDGE" up
}

# --- hosts -------------------------------------------------------------------------------------

host_alive() {  # the host's first process lives, its root is mounted, its sshd answers
    local name=$1 addr=$2 hd=$RUN/hosts/$1
    recorded_alive "$hd/pid" && mountpoint -q "$hd/root" && ssh_to "$NET4.$addr" true 2>/dev/null
}

# A host whose record was lost (crash): its first process is the one in its network namespace
# that is pid 1 of its own pid namespace. Record it again, so it is stopped the usual way.
recover_pid() {
    local ns=dnslab-$1 pid
    ip netns list 2>/dev/null | grep -q "^$ns\b" || return 0
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
        if awk '/^NSpid:/ {exit !($NF == 1 && NF > 2)}' "/proc/$pid/status" 2>/dev/null; then
            mkdir -p "$(dirname "$2")"; record_pid "$pid" "$2"; return 0
        fi
    done
}

host_down() {
    local name=$1 hd=$RUN/hosts/$1
    recorded_alive "$hd/pid" || recover_pid "$name" "$hd/pid"
    # The kernel ends every process of a pid namespace when its first process dies.
    stop_recorded "$hd/pid"
    if mountpoint -q "$hd/root" 2>/dev/null; then
        umount "$hd/root" 2>/dev/null || umount -l "$hd/root"
    fi
    ip link del "dl-$name" 2>/dev/null || true
    ip netns del "dnslab-$name" 2>/dev/null || true
    rm -rf "$hd"
}

host_up() {
    local name=$1 suite=$2 addr=$3 hd=$RUN/hosts/$1 r a4 a6
    r=$hd/root; a4=$NET4.$addr; a6=$NET6:$addr
    [ -e "$CACHE/base/$suite.done" ] || die "no base image for $suite"
    host_down "$name"
    mkdir -p "$hd"/{upper,work,root}
    mount -t overlay overlay -o "lowerdir=$CACHE/base/$suite,upperdir=$hd/upper,workdir=$hd/work" "$r"

    # The host's own identity and configuration (in its upper layer; the base stays clean).
    echo "$name" > "$r/etc/hostname"
    { echo "127.0.0.1 localhost"; echo "::1 localhost ip6-localhost ip6-loopback"
      echo "$a4 $name"; echo "$a6 $name"; } > "$r/etc/hosts"
    # No resolver in the lab: fail fast rather than time out.
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$r/etc/resolv.conf"
    mkdir -p "$r/etc/apt/keyrings"
    cp "$CACHE/repo/lab-archive-keyring.gpg" "$r/etc/apt/keyrings/dnsops-lab.gpg"
    rm -f "$r"/etc/apt/sources.list.d/*
    echo "deb [signed-by=/etc/apt/keyrings/dnsops-lab.gpg] http://$CONTROLLER4:$REPO_PORT/$suite ./" \
        > "$r/etc/apt/sources.list"
    # Its own host keys (ed25519 and ecdsa: RSA would cost a second or two per host).
    local t
    for t in ed25519 ecdsa; do ssh-keygen -q -t $t -N '' -C "root@$name" -f "$r/etc/ssh/ssh_host_${t}_key"; done
    install -d -m 700 "$r/root/.ssh"
    install -m 600 "$SSH_KEY.pub" "$r/root/.ssh/authorized_keys"

    # Its own network namespace: eth0 on the lab bridge, loopback, default routes.
    ip netns add "dnslab-$name"
    ip link add "dl-$name" type veth peer name "dp-$name"
    ip link set "dp-$name" netns "dnslab-$name"
    ip link set "dl-$name" master "$BRIDGE" up
    nsx() { ip netns exec "dnslab-$name" "$@"; }
    nsx ip link set "dp-$name" name eth0
    nsx sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.accept_ra=0
    nsx ip addr add "$a4/24" dev eth0
    nsx ip -6 addr add "$a6/64" dev eth0 nodad
    nsx ip link set lo up
    nsx ip link set eth0 up
    nsx ip route add default via "$CONTROLLER4"
    nsx ip -6 route add default via "$CONTROLLER6"

    # Own mount, pid, uts and ipc namespaces; host-init.sh becomes sshd, the namespace's pid 1.
    ip netns exec "dnslab-$name" unshare --mount --pid --uts --ipc --fork --propagation private \
        /bin/sh "$LAB_DIR/host-init.sh" "$r" "$name" </dev/null >"$hd/console.log" 2>&1 &
    local outer=$! pid1=""
    for _ in $(seq 50); do
        pid1=$(awk '{print $1}' "/proc/$outer/task/$outer/children" 2>/dev/null)
        [ -n "$pid1" ] && break; sleep 0.1
    done
    [ -n "$pid1" ] || die "host $name: its first process did not start (see $hd/console.log)"
    record_pid "$pid1" "$hd/pid"
    echo "$suite $addr" > "$hd/info"
}

known_hosts() {  # the hosts' own keys, under their names and addresses
    local name suite addr k
    : > "$KNOWN_HOSTS.tmp"
    while read -r name suite addr; do
        for k in "$RUN/hosts/$name/root"/etc/ssh/ssh_host_*_key.pub; do
            echo "$name,$NET4.$addr,$NET6:$addr $(cut -d' ' -f1,2 "$k")" >> "$KNOWN_HOSTS.tmp"
        done
    done < <(hosts)
    mv "$KNOWN_HOSTS.tmp" "$KNOWN_HOSTS"
}

# --- registry, simulator, publisher ------------------------------------------------------------

registry_addr() { hosts | awk '$1 == "registry" {print $3}'; }

registry_up() {
    local a r
    a=$(registry_addr); [ -n "$a" ] || die "the hosts file has no 'registry' host"
    r=$RUN/hosts/registry/root
    if [ ! -x "$r/usr/sbin/nsd" ] || [ ! -x "$r/usr/sbin/unbound" ]; then
        log "registry: installing NSD and Unbound from the local repository"
        # The packages must not start their daemons: NSD's default configuration would take every
        # address's port 53 (the resolver's too), and Unbound's start script would fetch the root's
        # trust anchor from the internet. The lab starts both with its own configuration.
        printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
        chmod 755 "$r/usr/sbin/policy-rc.d"
        ssh_to "$NET4.$a" 'apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -q -y install nsd unbound >/dev/null' \
            || die "registry: apt-get install nsd unbound failed"
        rm -f "$r/usr/sbin/policy-rc.d"
    fi
    # Zones the publisher writes; NSD reads them on `nsd-control reload`.
    mkdir -p "$r/var/lib/nsd/lab"
    local tld
    { echo "# Written by the lab (tests/lab/lab.sh): the registry of the lab's top-level domains."
      echo "server:"
      echo "  ip-address: $NET4.$a"
      echo "  ip-address: $NET6:$a"
      echo "  zonesdir: /var/lib/nsd/lab"
      echo "remote-control:"
      echo "  control-enable: yes"
      echo "  control-interface: /run/nsd/nsd.ctl"
      for tld in $TLDS; do printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$tld" "$tld"; done
    } > "$r/etc/nsd/nsd.conf"
    # The first zones, so NSD starts with something to serve; the publisher takes over.
    "$LAB_PY" "$LAB_DIR/registry_publisher.py" --once --state "$RUN/sim/state.json" \
        --seed "$LAB_DIR/seed.json" --zones-dir "$r/var/lib/nsd/lab" --tlds "$TLDS" \
        --registry "$NET4.$a,$NET6:$a" --serial-file "$RUN/sim/serial" \
        --keys-dir "$TLD_KEYS" --anchors "$r$ANCHORS"
    ssh_to "$NET4.$a" 'mkdir -p /run/nsd && chown nsd: /run/nsd 2>/dev/null; nsd-checkconf /etc/nsd/nsd.conf && (nsd-control status >/dev/null 2>&1 || service nsd start >/dev/null 2>&1 || nsd)' \
        || die "registry: NSD did not start"
    resolver_up "$a" "$r"
}

# Unbound on the registry host, on $RESOLVER4 and $RESOLVER6: validating, with the TLD keys as
# trust anchors and the registry as the only server it asks (a stub for each TLD and for the
# root, which the registry refuses: nothing leaves the lab).
resolver_up() {
    local a=$1 r=$2 tld
    # Secondary (IPv4) and deprecated (IPv6: preferred_lft 0) addresses: the host's own address
    # stays the source of what it sends, the resolver's answer from where they were asked.
    ip netns exec dnslab-registry ip addr replace "$RESOLVER4/24" dev eth0
    ip netns exec dnslab-registry ip -6 addr replace "$RESOLVER6/64" dev eth0 nodad preferred_lft 0
    { echo "# Written by the lab (tests/lab/lab.sh): a validating resolver for the lab's TLDs."
      echo "server:"
      echo "  interface: $RESOLVER4"
      echo "  interface: $RESOLVER6"
      echo "  access-control: $NET4.0/24 allow"
      echo "  access-control: $NET6:/64 allow"
      echo '  chroot: ""'
      echo "  username: unbound"
      echo "  pidfile: /run/unbound.pid"
      echo "  use-syslog: no"
      echo "  logfile: /var/lib/unbound/unbound.log"
      echo "  val-log-level: 2"
      echo '  module-config: "validator iterator"'
      echo "  trust-anchor-file: $ANCHORS"
      echo "  trust-anchor-signaling: no"
      echo "  # The registry publishes within seconds; the resolver forgets as fast."
      echo "  cache-max-ttl: 5"
      echo "  cache-max-negative-ttl: 5"
      echo "  val-bogus-ttl: 5"
      echo "  infra-host-ttl: 5"
      echo "  infra-keep-probing: yes"
      echo "remote-control:"
      echo "  control-enable: yes"
      echo "  control-interface: /run/unbound.ctl"
      for tld in . $TLDS; do
          printf 'stub-zone:\n  name: "%s"\n  stub-addr: %s\n  stub-addr: %s\n' "${tld%.}." "$NET4.$a" "$NET6:$a"
      done
    } > "$r/etc/unbound/unbound.conf"
    ssh_to "$NET4.$a" 'unbound-checkconf >/dev/null && if unbound-control status >/dev/null 2>&1; then unbound-control reload >/dev/null; else unbound; fi' \
        || die "resolver: Unbound did not start (see $r/var/lib/unbound/unbound.log)"
}

simulator_up() {
    mkdir -p "$RUN/sim"
    recorded_alive "$RUN/pids/simulator" && return 0
    if [ ! -e "$SIMULATOR" ]; then
        log "WARNING: $SIMULATOR is missing; no simulator (the registry serves the seed's domains)"
        return 0
    fi
    rm -f "$RUN/sim/ready"
    start_daemon simulator "$RUN/sim/simulator.log" "$LAB_PY" "$SIMULATOR" \
        --listen "127.0.0.1:$SIM_PORT" --state "$RUN/sim/state.json" --seed "$LAB_DIR/seed.json" \
        --log "$RUN/sim/requests.jsonl" --ready-file "$RUN/sim/ready"
    wait_for 15 "simulator on 127.0.0.1:$SIM_PORT" test -e "$RUN/sim/ready"
}

publisher_up() {
    recorded_alive "$RUN/pids/publisher" && return 0
    local a; a=$(registry_addr)
    start_daemon publisher "$RUN/sim/publisher.log" "$LAB_PY" "$LAB_DIR/registry_publisher.py" \
        --state "$RUN/sim/state.json" --seed "$LAB_DIR/seed.json" \
        --zones-dir "$RUN/hosts/registry/root/var/lib/nsd/lab" --tlds "$TLDS" \
        --registry "$NET4.$a,$NET6:$a" --serial-file "$RUN/sim/serial" \
        --keys-dir "$TLD_KEYS" --anchors "$RUN/hosts/registry/root$ANCHORS" \
        --delay "$PROPAGATION_DELAY" --reload-pid-file "$RUN/hosts/registry/pid"
}

# --- commands ----------------------------------------------------------------------------------

cmd_up() {
    [ "$(id -u)" = 0 ] || die "run as root"
    "$LAB_PY" -c 'import dns.dnssec, cryptography; dns.dnssec.sign_zone' 2>/dev/null \
        || die "$LAB_PY lacks dnspython (2.5 or later) or cryptography, which sign the registry's zones: make venv, LAB_PY=.venv/bin/python"
    mkdir -p "$CACHE" "$RUN/hosts" "$RUN/ssh" "$RUN/pids"
    # Bases in parallel (network-bound), then the repository of each suite.
    local s pids=()
    for s in $(suites); do build_base "$s" & pids+=($!); done
    for s in "${pids[@]}"; do wait "$s" || die "building a base image failed"; done
    repo_key
    for s in $(suites); do build_repo "$s"; done

    [ -s "$SSH_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C dnsops-lab -f "$SSH_KEY"
    bridge_up
    repo_serve
    local name suite addr started=()
    # fd 3, not stdin: ssh (in host_alive) would swallow the rest of the list.
    while read -r -u 3 name suite addr; do
        if host_alive "$name" "$addr" </dev/null; then continue; fi
        log "host $name ($suite, $NET4.$addr, $NET6:$addr)"
        host_up "$name" "$suite" "$addr"
        started+=("$name $addr")
    done 3< <(hosts)
    known_hosts
    local h
    for h in "${started[@]}"; do
        # shellcheck disable=SC2086  # "name address", split on purpose
        set -- $h
        wait_for 15 "sshd on $1" ssh_to "$NET4.$2" true
    done
    simulator_up
    registry_up
    publisher_up
    "$LAB_PY" "$LAB_DIR/inventory.py" > "$LAB_DIR/inventory.yml.tmp"
    mv "$LAB_DIR/inventory.yml.tmp" "$LAB_DIR/inventory.yml"
    log "up: $(hosts | awk '{printf "%s ", $1}')(inventory: tests/lab/inventory.yml)"
}

cmd_down() {
    local hd f
    for hd in "$RUN"/hosts/*/; do
        [ -d "$hd" ] && host_down "$(basename "$hd")"
    done
    for f in "$RUN"/pids/*; do [ -e "$f" ] && stop_recorded "$f"; done
    # Leftovers of a crashed run that left no record: only the lab's own names.
    for f in $(ip netns list 2>/dev/null | awk '$1 ~ /^dnslab-/ {print $1}'); do host_down "${f#dnslab-}"; done
    for f in $(ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep '^dl-' || true); do
        ip link del "$f" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
    for f in $( (grep -o " $RUN/[^ ]*\| $CACHE/tmp/[^ ]*" /proc/mounts || true) | sort -r); do
        umount -l "$f" || true
    done
    rm -rf "$RUN" "$CACHE/tmp"
    log "down"
}

cmd_status() {
    "$LAB_PY" "$LAB_DIR/status.py"
}

cmd_clean() {
    cmd_down
    rm -rf "$CACHE"
    log "clean: $CACHE removed"
}

case "${1:-}" in
    up) cmd_up ;;
    bases) for s in $(suites); do build_base "$s" & done; wait ;;
    down) cmd_down ;;
    status) cmd_status ;;
    clean) cmd_clean ;;
    *) echo "usage: $0 up|down|status|clean" >&2; exit 2 ;;
esac
