# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The topology of a group of name servers, in one place.

Which servers exist and where they answer, which of them are published (NS records, glue), the default
primaries, who serves each zone as primary or secondary, the catalog zones and who consumes them, where
each server's glue lives at the registry, and which domains are delegated to which servers: every rule
lives here once, used by the ``nameserver`` role (per host), the ``registrar`` role and the ``deploy``
playbook (through the ``dnsops.nameservers.topology`` action) and by the ``zone_files`` module.

Plain data in, plain data out; no Ansible, no I/O. Bad input raises ``ValidationError`` (from
``_names``) naming the variable (and host or zone), the value and the rule.

"Why did this domain get only ns1 and ns2?" is answered by ``Zone.serving`` (the servers that serve a
zone) and ``Topology.delegation_groups`` (the published ones among them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.dnsops.nameservers.plugins.module_utils._names import (
    ValidationError,
    normalize_domain,
    normalize_name,
    normalize_zone_name,
)

# Catalog consumers: 'many' reads every primary's catalog (BIND), 'one' a single catalog, the first
# primary's (NSD allows one consumer zone), 'none' none (members are configured one by one).
CATALOG_CONSUMER_MODES = ('many', 'one', 'none')

# A server's nameserver_state: 'present' serves and is published; 'retiring' keeps serving current data (and its
# glue) but leaves every NS set and delegation; 'absent' is stopped, its zones removed and its glue host deleted.
SERVER_STATES = ('present', 'retiring', 'absent')

# The fields of a zone (nameserver_zones; zone_files also takes content, the text of a shipped file).
ZONE_FIELDS = ('name', 'state', 'records', 'file', 'content', 'ttl', 'soa', 'primaries', 'secondaries', 'catalog',
               'dnssec', 'dnssec_policy')

# DNSSEC signing policies (nameserver_dnssec_policies): the settings of one, with their defaults. Durations in
# seconds; None: the signer's own default. A lifetime of 0 never rolls the key.
DEFAULT_POLICY = 'dnsops'
POLICY_FIELDS = {
    'algorithm': 13,
    'csk': True,
    'ksk_lifetime': 0,
    'zsk_lifetime': 0,
    'dnskey_ttl': None,
    'max_zone_ttl': None,
    'publish_safety': None,
    'retire_safety': None,
    'zone_propagation_delay': None,
    'parent_ds_ttl': None,
    'parent_propagation_delay': None,
}
# The algorithms a policy may sign with (RFC 8624 3.1: MUST or RECOMMENDED for signing), as BIND and Knot name them
# (the templates have the same names).
POLICY_ALGORITHMS = {8: 'rsasha256', 13: 'ecdsap256sha256', 14: 'ecdsap384sha384', 15: 'ed25519', 16: 'ed448'}
_POLICY_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$')

_TRUE = ('yes', 'on', '1', 'true', 't', 'y')
_FALSE = ('no', 'off', '0', 'false', 'f', 'n', '')


# ---------------------------------------------------------------------------
# Checks of single values, each naming the variable
# ---------------------------------------------------------------------------

def as_bool(value, field):
    """Ansible's booleans: true/false, yes/no, on/off, 1/0 (an INI inventory gives strings)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValidationError(field, value, 'is not a boolean; give true or false')


def as_int(value, field, minimum=None, maximum=None):
    """An integer (or its digits as text) within [minimum, maximum]."""
    if isinstance(value, bool):
        raise ValidationError(field, value, 'is a boolean, not a number')
    if isinstance(value, str) and re.match(r'^\s*-?\d+\s*$', value):
        value = int(value)
    if not isinstance(value, int):
        raise ValidationError(field, value, 'is not a whole number')
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        if maximum is None:
            raise ValidationError(field, value, 'is below %d; give a number of at least %d' % (minimum, minimum))
        raise ValidationError(field, value, 'is out of range; give a number from %d to %d' % (minimum, maximum))
    return value


def as_list(value, field, example):
    """A list (a YAML sequence); a string or a mapping is refused, never split into characters."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        raise ValidationError(field, value, 'is a single string, not a list; write it as a list, e.g. %s' % example)
    raise ValidationError(field, value, 'is not a list; give a list, e.g. %s' % example)


def check_address(value, field):
    """An IPv4 or IPv6 address a name server can be reached at: not loopback, unspecified, multicast or link-local."""
    if not isinstance(value, str):
        raise ValidationError(field, value, "is not a string; give each address as text, e.g. '192.0.2.1'")
    text = value.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValidationError(field, value, 'is not an IPv4 or IPv6 address')
    for test, what in (('is_loopback', 'a loopback address'), ('is_unspecified', 'the unspecified address'),
                       ('is_multicast', 'a multicast address'), ('is_link_local', 'a link-local address')):
        if getattr(address, test):
            raise ValidationError(field, value, 'is %s; a name server needs addresses other hosts can reach' % what)
    return str(address)


def check_addresses(values, field):
    """A list of addresses (each checked), duplicates refused."""
    out = []
    for value in as_list(values, field, "['192.0.2.1', '2001:db8::1']"):
        address = check_address(value, field)
        if address in out:
            raise ValidationError(field, value, 'is listed twice; list each address once')
        out.append(address)
    return out


def zone_names(zones, field='nameserver_zones'):
    """[(normalised name, zone dict)] of a zone list: a list of mappings with valid names, each zone once
    (``example.com`` and ``Example.com.`` are the same zone, and the message names both)."""
    zones = as_list(zones, field, "[{name: example.com}]")
    out = []
    spelled = {}
    for index, spec in enumerate(zones):
        if not isinstance(spec, dict):
            raise ValidationError('%s[%d]' % (field, index), spec, 'is not a mapping; each zone is a dict with at least a name')
        name = normalize_zone_name(spec.get('name'), field='%s[%d].name' % (field, index))
        if name in spelled:
            first = spelled[name]
            raise ValidationError('%s[%d].name' % (field, index), spec.get('name'),
                                  'is the same zone as %r (%s[%d]); list each zone once' % (zones[first].get('name'), field, first))
        spelled[name] = index
        out.append((name, spec))
    return out


def parent_domains(name):
    """Where a server's glue can live: its name's parent domains, longest first, without the top-level domain.

    ``ns1.dns.example.com`` -> ``['dns.example.com', 'example.com']``.
    """
    labels = name.split('.')
    return ['.'.join(labels[i:]) for i in range(1, len(labels) - 1)]


def listen_addresses(listen, previous, host_addresses):
    """Where a daemon listens: empty (all addresses) unless ``listen`` is given; then those plus the
    ``previous`` addresses (the registry's current glue) the host still has, so a moved server keeps
    answering on its old glue until the registry has changed it."""
    if not listen:
        return []
    out = []
    for address in list(listen) + [a for a in previous if a in host_addresses]:
        if address not in out:
            out.append(address)
    return out


def move_hold_down(kept, since, own, glue, hold_down, now):
    """A moved server's old addresses: kept until ``hold_down`` seconds after the registry published the new glue.

    ``kept``, ``since``: what the server recorded (its old addresses; when the new glue was found published,
    epoch seconds, or None). ``own``: its addresses now; ``glue``: the registry's glue for its name now (empty:
    none, or unknown). ``now``: epoch seconds. Returns {kept, since, left, retired}: the addresses to keep
    answering on, the clock (None while the old glue is published), the seconds left, those retired now.
    """
    own = set(own or [])
    kept = [a for a in kept or [] if a not in own]
    if glue and set(glue) != own:
        # The registry still publishes old glue: keep it all, and the clock has not started.
        for address in glue:
            if address not in own and address not in kept:
                kept.append(address)
        return {'kept': kept, 'since': None, 'left': None, 'retired': []}
    if not kept:
        return {'kept': [], 'since': None, 'left': None, 'retired': []}
    since = int(since) if since is not None else int(now)
    left = max(since + int(hold_down) - int(now), 0)
    if left > 0:
        return {'kept': kept, 'since': since, 'left': left, 'retired': []}
    return {'kept': [], 'since': None, 'left': 0, 'retired': kept}


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

class Server(object):
    """One host of the group: ``host`` (inventory name), ``name`` (public name), ``addresses``,
    ``hidden`` (not in NS records nor glue), ``port``, ``software``, ``primary`` (a default primary),
    ``state`` (``nameserver_state``: present, retiring or absent)."""

    def __init__(self, host, name, addresses, hidden, port, software, primary, state='present'):
        self.host = host
        self.name = name
        self.addresses = addresses
        self.hidden = hidden
        self.port = port
        self.software = software
        self.primary = primary
        self.state = state

    @property
    def in_ns_sets(self):
        """In the NS records of its zones and in their delegations: published and not leaving."""
        return not self.hidden and self.state == 'present'

    @property
    def glued(self):
        """Keeps its glue host (and its address records): published and not gone yet."""
        return not self.hidden and self.state != 'absent'

    def as_dict(self):
        return {'host': self.host, 'name': self.name, 'addresses': list(self.addresses), 'hidden': self.hidden,
                'port': self.port, 'software': self.software, 'primary': self.primary, 'state': self.state}


class Zone(object):
    """One zone of ``nameserver_zones``, with its servers resolved.

    ``primaries``: the zone's own list, else the group's default primaries.
    ``secondaries``: the zone's own list, else every other host of the group.
    ``own_secondaries``: the zone names its secondaries (then it is never in a catalog, and only its
    primaries and those secondaries serve it, so only they are its delegation).
    """

    def __init__(self, name, spec, present, primaries, secondaries, own_secondaries, catalog, dnssec=False,
                 dnssec_policy=DEFAULT_POLICY):
        self.name = name
        # Signed on its primaries (dnssec), with the policy of nameserver_dnssec_policies it names.
        self.dnssec = dnssec
        self.dnssec_policy = dnssec_policy
        self.spec = spec
        self.present = present
        self.primaries = primaries
        self.secondaries = secondaries
        self.own_secondaries = own_secondaries
        self.catalog = catalog

    @property
    def serving(self):
        """The hosts that answer for the zone: its primaries and secondaries, in that order."""
        return self.primaries + [h for h in self.secondaries if h not in self.primaries]

    def as_dict(self):
        return {'name': self.name, 'state': 'present' if self.present else 'absent', 'primaries': list(self.primaries),
                'secondaries': list(self.secondaries), 'own_secondaries': self.own_secondaries, 'catalog': self.catalog,
                'dnssec': self.dnssec, 'dnssec_policy': self.dnssec_policy}


class Topology(object):
    """The group's servers and zones, validated.

    ``hosts``: the group's hosts in inventory order, each a dict of its variables (``host`` and any of
    ``nameserver_name``, ``nameserver_addresses``, ``nameserver_hidden``, ``nameserver_port``,
    ``nameserver_software``, ``nameserver_primary``, ``primary_group_member``, ``fact_addresses``).
    ``zones``: ``nameserver_zones``. ``catalog``: ``nameserver_catalog``; ``catalog_zone_suffix``.
    ``softwares``: the known server profiles (None: any). ``group``/``primary_group``/``zones_field``: names
    for messages.
    ``require_addresses``: every server must have addresses (false: names only, e.g. before facts).
    ``dnssec``: ``nameserver_dnssec``, whether a zone without ``dnssec`` is signed. ``dnssec_policies``:
    ``nameserver_dnssec_policies`` (checked, ``dnsops`` added when missing; None: a zone's ``dnssec_policy`` is not
    checked against them, for callers that do not sign, such as ``zone_files``). ``signers``: the softwares that can
    sign (None: any); a signed zone with a primary running another one is refused.
    """

    def __init__(self, hosts, zones, catalog=False, catalog_zone_suffix='catalog.invalid', softwares=None,
                 group='nameservers', primary_group='nameserver_primaries', require_addresses=True,
                 zones_field='nameserver_zones', dnssec=False, dnssec_policies=None, signers=None):
        self.dnssec_default = as_bool(dnssec, 'nameserver_dnssec')
        self.dnssec_policies = check_dnssec_policies(dnssec_policies)
        self._check_policy_names = dnssec_policies is not None
        self.signers = signers
        self.group = group
        self.zones_field = zones_field
        self.primary_group = primary_group
        self.catalog_enabled = as_bool(catalog, 'nameserver_catalog')
        self.catalog_zone_suffix = normalize_zone_name(catalog_zone_suffix, field='nameserver_catalog_zone_suffix')
        self.servers = [self._server(h, softwares, require_addresses) for h in hosts]
        self.hosts = [s.host for s in self.servers]
        self.by_host = dict((s.host, s) for s in self.servers)
        self._check_unique_names()
        self.default_primaries = [s.host for s in self.servers if s.primary]
        # The hosts that serve zones: every one but those that are gone (nameserver_state: absent).
        self.active_hosts = [s.host for s in self.servers if s.state != 'absent']
        self.zones = self._zones(zones)
        self._check_leaving()

    # -- servers ---------------------------------------------------------

    def _server(self, hostvars, softwares, require_addresses):
        host = hostvars['host']

        def field(var):
            return '%s of %s' % (var, host)

        hidden = as_bool(hostvars.get('nameserver_hidden', False), field('nameserver_hidden'))
        name = hostvars.get('nameserver_name')
        if name is None:
            name = host
        if hidden:
            # Never published: any spelling will do (an inventory name may be an address).
            name = normalize_name(name)
        else:
            name = normalize_zone_name(name, field=field('nameserver_name'))
        if hostvars.get('nameserver_addresses') is not None:
            addresses = check_addresses(hostvars['nameserver_addresses'], field('nameserver_addresses'))
        else:
            addresses = [a for a in hostvars.get('fact_addresses') or [] if a]
        if require_addresses and not addresses:
            raise ValidationError(field('nameserver_addresses'), addresses,
                                  'is empty: every name server of group %s needs addresses (NS address records, '
                                  'transfers, NOTIFY); set nameserver_addresses in the inventory (facts are unknown '
                                  'for hosts outside --limit or not yet gathered)' % self.group)
        port = as_int(hostvars.get('nameserver_port', 53), field('nameserver_port'), 1, 65535)
        software = hostvars.get('nameserver_software', 'bind')
        if softwares is not None and software not in softwares:
            raise ValidationError(field('nameserver_software'), software,
                                  'is not a known server software; one of %s' % ', '.join(sorted(softwares)))
        primary = (as_bool(hostvars.get('nameserver_primary', False), field('nameserver_primary'))
                   or bool(hostvars.get('primary_group_member')))
        state = hostvars.get('nameserver_state', 'present')
        if state not in SERVER_STATES:
            raise ValidationError(field('nameserver_state'), state, 'is not one of %s' % ', '.join(SERVER_STATES))
        # A server that is gone is nobody's default primary (a zone naming it is refused in _zone).
        return Server(host, name, addresses, hidden, port, software, primary and state != 'absent', state)

    def _check_unique_names(self):
        seen = {}
        for server in self.servers:
            if server.hidden:
                continue
            if server.name in seen:
                raise ValidationError('nameserver_name of %s' % server.host, server.name,
                                      'is also the name of %s; each published name server needs its own name'
                                      % seen[server.name])
            seen[server.name] = server.host

    @property
    def published(self):
        """The servers in NS records and delegations: those not hidden and not leaving (nameserver_state)."""
        return [s for s in self.servers if s.in_ns_sets]

    @property
    def glued(self):
        """The servers whose glue host the registry keeps: published ones and those retiring."""
        return [s for s in self.servers if s.glued]

    def _check_leaving(self):
        """A server leaves (retiring, then absent) only when every zone keeps a primary that stays and at least
        two published servers; checked before anything changes, naming the host and the rule."""
        leaving = [s for s in self.servers if s.state != 'present']
        if not leaving:
            return
        for zone in self.present_zones:
            for server in leaving:
                if server.host in zone.primaries and all(self.by_host[h].state != 'present' for h in zone.primaries):
                    raise ValidationError('nameserver_state of %s' % server.host, server.state,
                                          'leaves zone %s without a primary: %s is its only primary; make another '
                                          'server its primary (nameserver_primary, or the zone\'s primaries) first'
                                          % (zone.name, server.host))
            staying = self.ns_servers(zone)
            if len(staying) < 2:
                names = ', '.join('%s (%s)' % (s.host, s.state) for s in leaving if s.host in zone.serving
                                  or not zone.own_secondaries)
                raise ValidationError('nameserver_state', names,
                                      'would leave zone %s with %d published name server(s) (%s); a delegation needs '
                                      'at least 2: add a server before another one leaves'
                                      % (zone.name, len(staying), ', '.join(s.name for s in staying) or 'none'))

    # -- zones -----------------------------------------------------------

    def _hosts_of(self, value, field):
        hosts = as_list(value, field, "['%s']" % (self.hosts[0] if self.hosts else 'ns1'))
        for host in hosts:
            if host not in self.by_host:
                raise ValidationError(field, host, 'is not a host of group %s (%s); primaries and secondaries are '
                                                   'inventory names of the name servers'
                                      % (self.group, ', '.join(self.hosts) or 'no hosts'))
        return hosts

    def _zones(self, zones):
        return [self._zone(name, spec) for name, spec in zone_names(zones, self.zones_field)]

    def _zone(self, name, spec):
        field = '%s (zone %s)' % (self.zones_field, name)
        for key in spec:
            if key not in ZONE_FIELDS:
                raise ValidationError(field, key, 'is not a field of a zone; the fields are %s' % ', '.join(ZONE_FIELDS))
        if spec.get('soa') is not None and not isinstance(spec['soa'], dict):
            raise ValidationError(field + ' soa', spec['soa'], 'is not a mapping; give e.g. {rname: hostmaster@example.com}')
        for key in ('refresh', 'retry', 'expire', 'minimum'):
            if (spec.get('soa') or {}).get(key) is not None:
                as_int(spec['soa'][key], '%s soa.%s' % (field, key), 0, 2 ** 31 - 1)
        state = spec.get('state', 'present')
        if state not in ('present', 'absent'):
            raise ValidationError(field + ' state', state, 'is not present or absent')
        if spec.get('ttl') is not None:
            as_int(spec['ttl'], field + ' ttl', 0, 2 ** 31 - 1)
        for index, record in enumerate(as_list(spec.get('records') or [], field + ' records', "[{name: www, type: A, value: 192.0.2.1}]")):
            if not isinstance(record, dict):
                raise ValidationError('%s records[%d]' % (field, index), record, 'is not a mapping with name, type and value')
            if record.get('ttl') is not None and record.get('ttl') != '':
                as_int(record['ttl'], '%s records[%d] ttl' % (field, index), 0, 2 ** 31 - 1)
        catalog = as_bool(spec.get('catalog', True), field + ' catalog')
        if spec.get('primaries') is not None:
            primaries = self._hosts_of(spec['primaries'], field + ' primaries')
        else:
            primaries = list(self.default_primaries)
        own = spec.get('secondaries') is not None
        if own:
            secondaries = self._hosts_of(spec['secondaries'], field + ' secondaries')
        else:
            secondaries = [h for h in self.active_hosts if h not in primaries]
        if state == 'present':
            for role, hosts in (('primaries', primaries), ('secondaries', secondaries)):
                for host in hosts:
                    if self.by_host[host].state == 'absent':
                        raise ValidationError(field + ' ' + role, host,
                                              'has nameserver_state: absent (it is stopped and its zones removed); '
                                              'take it out of the zone\'s %s' % role)
        if not primaries and state == 'present':
            raise ValidationError(field + ' primaries', spec.get('primaries', []),
                                  'leaves the zone without a primary: name its primaries, or give a host of group %s '
                                  'nameserver_primary: true or put it in group %s' % (self.group, self.primary_group))
        dnssec, policy = self._dnssec(spec, field, primaries if state == 'present' else [])
        return Zone(name, spec, state == 'present', primaries, secondaries, own, catalog, dnssec, policy)

    def _dnssec(self, spec, field, primaries):
        """(signed, policy name) of a zone; a signed zone whose primary cannot sign is refused."""
        dnssec = spec.get('dnssec')
        dnssec = self.dnssec_default if dnssec is None else as_bool(dnssec, field + ' dnssec')
        policy = spec.get('dnssec_policy')
        if policy is None:
            policy = DEFAULT_POLICY
        if self._check_policy_names and policy not in self.dnssec_policies:
            raise ValidationError(field + ' dnssec_policy', policy, 'is not a policy of nameserver_dnssec_policies (%s)'
                                  % ', '.join(sorted(self.dnssec_policies)))
        if dnssec and self.signers is not None:
            for host in primaries:
                software = self.by_host[host].software
                if software not in self.signers:
                    raise ValidationError(field + ' dnssec', True,
                                          'cannot be signed on its primary %s: %s does not sign zones (signers: %s); make '
                                          'a server running one of them the zone\'s primary (a hidden primary whose '
                                          '%s secondaries serve the signed zone), or set dnssec: false'
                                          % (host, software, ', '.join(sorted(self.signers)) or 'none', software))
        return dnssec, policy

    @property
    def present_zones(self):
        return [z for z in self.zones if z.present]

    def zone(self, name):
        name = normalize_name(name)
        for zone in self.zones:
            if zone.name == name:
                return zone
        return None

    # -- catalogs --------------------------------------------------------

    def in_catalog(self, zone):
        """A zone is listed in its first primary's catalog when catalogs are on, it does not opt out
        (``catalog: false``) and it keeps the default secondaries (a catalog reaches every secondary)."""
        return self.catalog_enabled and zone.present and zone.catalog and not zone.own_secondaries

    @property
    def catalog_producers(self):
        """The hosts that publish a catalog: the first primary of each zone in a catalog, in zone order."""
        out = []
        for zone in self.zones:
            if self.in_catalog(zone) and zone.primaries[0] not in out:
                out.append(zone.primaries[0])
        return out

    def catalog_zone_name(self, producer):
        return '%s.%s' % (producer, self.catalog_zone_suffix)

    def catalog_members(self, producer):
        return [z.name for z in self.zones if self.in_catalog(z) and z.primaries[0] == producer]

    def consumed_catalogs(self, host, consumer):
        """The producers whose catalogs ``host`` consumes: every other producer for a 'many' consumer,
        the first other one for a 'one' consumer, none for 'none' (a version without catalog support)."""
        if consumer not in CATALOG_CONSUMER_MODES:
            raise ValidationError('catalog consumer of %s' % host, consumer, 'is not one of %s' % ', '.join(CATALOG_CONSUMER_MODES))
        others = [p for p in self.catalog_producers if p != host]
        if consumer == 'many':
            return others
        if consumer == 'one':
            return others[:1]
        return []

    # -- one host's configuration -----------------------------------------

    def host_plan(self, host, consumer='none', signed_before=()):
        """What ``host`` configures: ``zones`` [{name, type (primary, secondary, consumer), peers}],
        ``peersets`` {key: hosts} (the transfer peers, shared by zones with the same peers: 'to-' the
        secondaries a primary sends to, sorted; 'from-' the primaries a secondary pulls from, in order),
        ``producers`` (every catalog producer), ``consumed`` [{name, peers}], ``catalog_zone`` (the
        catalog this host produces, or '') and ``served`` (every zone the host answers for once it has its
        zones: its primary and secondary zones, catalog members included, and the catalog it produces; not
        the catalogs it consumes, which Knot does not answer for).

        A secondary does not configure a zone that comes through a catalog it consumes.

        Signing, on primary zones only: ``dnssec`` 'sign' for a signed zone, 'unsign' for a zone with
        ``dnssec: false`` this host has signing keys for (``signed_before``: it goes insecure at the signer's
        pace, never at once), with ``policy``; ``signing`` and ``unsigning`` list them, ``policies`` the
        policies they use (name: settings).
        """
        if host not in self.by_host:
            raise ValidationError('inventory_hostname', host, 'is not a host of group %s (%s)'
                                  % (self.group, ', '.join(self.hosts) or 'no hosts'))
        consumed_from = self.consumed_catalogs(host, consumer)
        zones, peersets, consumed = [], {}, []

        def add(name, kind, key, peers):
            peersets.setdefault(key, peers)
            zones.append({'name': name, 'type': kind, 'peers': key})

        keyed = set(normalize_name(z) for z in signed_before or ())
        signing, unsigning = [], []
        for zone in self.present_zones:
            if host in zone.primaries:
                peers = sorted(zone.secondaries)
                add(zone.name, 'primary', 'to-' + '-'.join(peers), peers)
                if zone.dnssec or zone.name in keyed:
                    (signing if zone.dnssec else unsigning).append(zone.name)
                    zones[-1].update(dnssec='sign' if zone.dnssec else 'unsign', policy=zone.dnssec_policy)
            elif host in zone.secondaries and not (self.in_catalog(zone) and zone.primaries[0] in consumed_from):
                add(zone.name, 'secondary', 'from-' + '-'.join(zone.primaries), list(zone.primaries))
        producers = self.catalog_producers
        for producer in producers:
            name = self.catalog_zone_name(producer)
            if producer == host:
                others = sorted(h for h in self.active_hosts if h != host)
                add(name, 'primary', 'to-' + '-'.join(others), others)
            elif producer in consumed_from:
                add(name, 'consumer', 'from-' + producer, [producer])
                consumed.append({'name': name, 'peers': 'from-' + producer})
        served = [z.name for z in self.present_zones if host in z.serving]
        served += [self.catalog_zone_name(host)] if host in producers else []
        used = set(z['policy'] for z in zones if z.get('dnssec'))
        return {'zones': zones, 'peersets': peersets, 'producers': producers, 'consumed': consumed,
                'catalog_zone': self.catalog_zone_name(host) if host in producers else '', 'served': served,
                'signing': signing, 'unsigning': unsigning,
                'policies': dict((name, self.dnssec_policies[name]) for name in sorted(used))}

    @staticmethod
    def zone_entries(plan, formats, values):
        """The per-zone entries of a daemon's zone list, one per zone of ``plan`` (``host_plan``), from the
        profile's printf-style ``formats`` by zone type, with ``name``, ``peers`` and ``values`` filled in;
        joined by newlines. Python, not Jinja: a template loop over thousands of zones costs seconds.
        ``dnssec`` is the profile's ``dnssec_sign`` or ``dnssec_unsign`` format filled with ``policy`` for a zone
        this host signs, else empty."""
        out = []
        for zone in plan['zones']:
            fmt = (formats or {}).get(zone['type'])
            if not isinstance(fmt, str):
                raise ValidationError('zone_entry', zone['type'], 'has no format in the server profile (zone_entry.%s)' % zone['type'])
            dnssec = ''
            if zone.get('dnssec'):
                signing = (formats or {}).get('dnssec_' + zone['dnssec'])
                if not isinstance(signing, str) or '%(dnssec)s' not in fmt:
                    raise ValidationError('zone_entry', zone['type'], 'cannot sign zone %s: the server profile has no '
                                          'zone_entry.dnssec_%s, or its %s format no %%(dnssec)s'
                                          % (zone['name'], zone['dnssec'], zone['type']))
                dnssec = signing % dict(values or {}, name=zone['name'], policy=zone['policy'])
            fields = dict(values or {}, name=zone['name'], peers=zone['peers'], dnssec=dnssec)
            try:
                out.append(fmt % fields)
            except (KeyError, ValueError, TypeError) as exc:
                raise ValidationError('zone_entry.%s' % zone['type'], fmt, 'cannot be filled (%s); it may use %s'
                                      % (exc, ', '.join('%%(%s)s' % k for k in sorted(fields))))
        return '\n'.join(out)

    def primary_zones(self, host):
        """The present zones ``host`` is a primary of (whose files it writes)."""
        return [z for z in self.present_zones if host in z.primaries]

    def serving_servers(self, zone):
        """The Server objects that serve ``zone``, in group order."""
        serving = zone.serving
        return [s for s in self.servers if s.host in serving]

    def ns_servers(self, zone):
        """The servers in ``zone``'s NS set and delegation: the published ones that serve it (every published
        server unless the zone names its own secondaries), none leaving."""
        serving = self.serving_servers(zone) if zone.own_secondaries else self.servers
        return [s for s in serving if s.in_ns_sets]

    # -- the registry's side ----------------------------------------------

    def delegation_groups(self):
        """The present zones grouped by the published servers that serve them: [{nameservers (names),
        expected [{name, addresses}], zones}], in zone order.

        Every server serves a zone unless the zone names its own secondaries; then its primaries and those
        secondaries do, and the zone is delegated to the published ones among them only.
        """
        groups = {}
        for zone in self.present_zones:
            hosts = self.ns_servers(zone)
            key = ' '.join(s.host for s in hosts)
            if key not in groups:
                groups[key] = {'nameservers': [s.name for s in hosts],
                               'expected': [{'name': s.name, 'addresses': list(s.addresses)} for s in hosts],
                               'zones': []}
            groups[key]['zones'].append(zone.name)
        return list(groups.values())

    def registrar_inventory(self):
        """The inventory's side of the delegation: ``servers`` (published, with the parent domains their
        glue may live in), ``expected`` (the same as delegation_check takes them), ``zones`` (present) and
        ``groups`` (``delegation_groups``)."""
        servers = [{'name': s.name, 'addresses': list(s.addresses), 'parents': parent_domains(s.name), 'state': s.state}
                   for s in self.servers if not s.hidden]
        return {'servers': servers,
                'expected': [{'name': s.name, 'addresses': list(s.addresses)} for s in self.published],
                'zones': [z.name for z in self.present_zones],
                'groups': self.delegation_groups()}

    def check_delegable(self, allow_single=False):
        """A delegation needs at least two published servers (one with ``allow_single``), each with addresses."""
        published = self.published
        if len(published) < (1 if allow_single else 2):
            raise ValidationError('registrar_nameserver_group', self.group,
                                  'has %d published (not hidden) name server(s); a delegation needs at least 2 '
                                  '(or set registrar_allow_single)' % len(published))
        for server in published:
            if not server.addresses:
                raise ValidationError('nameserver_addresses of %s' % server.host, [],
                                      'is empty: the glue of %s would be empty; set nameserver_addresses in the '
                                      'inventory, or gather the name servers\' facts first' % server.name)

    def delegated_domains(self, registrar_domains, registered):
        """The domains to point at the servers: ``registrar_domains`` when given (each must be a zone the
        servers serve, or the delegation would be lame), else every present zone registered in the account."""
        domains = as_list(registrar_domains, 'registrar_domains', "['example.com']")
        served = set(z.name for z in self.present_zones)
        if domains:
            out = []
            for value in domains:
                name = normalize_domain(value, field='registrar_domains')
                if name not in served:
                    raise ValidationError('registrar_domains', value,
                                          'is not a zone of any name server of group %s (nameserver_zones); add it '
                                          'there first, so the servers answer for it before the registry points at them'
                                          % self.group)
                if name not in out:
                    out.append(name)
            return out
        registered = set(normalize_name(d) for d in registered)
        return [z.name for z in self.present_zones if z.name in registered]

    def glue(self, registered):
        """A glue host for each published server whose name lies in a domain of the account: that domain
        is its glue home (the longest registered parent of its name). Servers elsewhere get no glue here."""
        registered = set(normalize_name(d) for d in registered)
        out = []
        for server in self.glued:
            homes = [p for p in parent_domains(server.name) if p in registered]
            if homes:
                out.append({'name': server.name, 'domain': homes[0], 'addresses': list(server.addresses)})
        return out

    def registrar_plan(self, registered, registrar_domains=()):
        """What the registrar role writes: ``glue``, ``delegated`` and ``delegations`` [{nameservers,
        expected, domains}] (the delegated domains by the published servers that serve them)."""
        delegated = self.delegated_domains(registrar_domains, registered)
        wanted = set(delegated)
        delegations = []
        for group in self.delegation_groups():
            domains = [z for z in group['zones'] if z in wanted]
            if domains:
                delegations.append({'nameservers': group['nameservers'], 'expected': group['expected'],
                                    'domains': domains})
        return {'glue': self.glue(registered), 'delegated': delegated, 'delegations': delegations}

    # -- removing zones ----------------------------------------------------

    def zones_to_remove(self, deployed=()):
        """The zones a run removes from the servers: those ``state: absent`` in ``nameserver_zones``, and those a
        server has now (``deployed``, what the primaries' zone files record) that are no longer listed (purge)."""
        present = set(z.name for z in self.present_zones)
        out = [z.name for z in self.zones if not z.present]
        for value in as_list(deployed, 'deployed zones', "['example.com']"):
            name = normalize_name(value)
            if name not in present and name not in out:
                out.append(name)
        return out

    def check_zone_removals(self, removing, delegations, allowed=()):
        """Refuse to remove a zone the registry still delegates to these servers: a lame delegation.

        ``removing``: ``zones_to_remove``. ``delegations``: {domain: its name servers at the registry now}, for
        the domains some registrar account holds. ``allowed``: ``registrar_remove_delegated_zones``, the domains to
        remove anyway. Returns the removed zones whose delegation no account could tell (held elsewhere).
        """
        ours = set(s.name for s in self.servers)
        allowed = set(normalize_name(d) for d in as_list(allowed or [], 'registrar_remove_delegated_zones', "['example.com']"))
        current = dict((normalize_name(d), [normalize_name(n) for n in ns or []]) for d, ns in (delegations or {}).items())
        refused, unknown = [], []
        for zone in removing:
            if zone not in current:
                unknown.append(zone)
            elif zone not in allowed and ours.intersection(current[zone]):
                refused.append((zone, current[zone]))
        if refused:
            first, others = refused[0], refused[1:]
            more = ''
            if others:
                shown = '; '.join('%s to %s' % (zone, ', '.join(ns)) for zone, ns in others[:3])
                more = ' (so are %s%s)' % (shown, ' and %d more' % (len(others) - 3) if len(others) > 3 else '')
            raise ValidationError(self.zones_field, first[0],
                                  'is delegated to %s at the registry now%s, and would be removed from the name '
                                  'servers of group %s (state: absent, or no longer listed): a lame delegation. Point '
                                  'the domain at other name servers first, or list it in '
                                  'registrar_remove_delegated_zones to remove it anyway'
                                  % (', '.join(first[1]), more, self.group))
        return unknown

    @property
    def absent_servers(self):
        return [s for s in self.servers if s.state == 'absent']

    def check_absent_servers(self, hold_down_left, delegations):
        """A server becomes absent (stopped, zones removed, glue deleted) only after retiring: its hold-down has
        passed (``hold_down_left``: {host: seconds left, None when it never ran retiring}, read from the server)
        and no domain read from the registry (``delegations``: {domain: name servers}) names it."""
        for server in self.absent_servers:
            field = 'nameserver_state of %s' % server.host
            left = (hold_down_left or {}).get(server.host)
            if left is None:
                raise ValidationError(field, server.state, 'comes before retiring: set nameserver_state: retiring, run '
                                                           'deploy, wait nameserver_retire_hold_down, then set absent')
            left = as_int(left, 'hold-down of %s' % server.host)
            if left > 0:
                raise ValidationError(field, server.state, 'is %d second(s) early: %s is retiring and its hold-down '
                                                           '(nameserver_retire_hold_down) has not passed; resolvers may '
                                                           'still ask it' % (left, server.host))
            users = sorted(normalize_name(d) for d, ns in (delegations or {}).items()
                           if server.name in [normalize_name(n) for n in ns or []])
            if users:
                raise ValidationError(field, server.state, 'would stop %s while the registry still delegates %s to %s; '
                                                           'run deploy with nameserver_state: retiring first'
                                      % (server.host, ', '.join(users), server.name))

    def previous_addresses(self, current_glue):
        """Each host's addresses in the registry's current glue ({glue name: [ips]}), {host: [ips]}: a moved
        server keeps answering there until the glue has changed."""
        glue = dict((normalize_name(name), list(ips or [])) for name, ips in (current_glue or {}).items())
        return dict((s.host, glue.get(s.name, [])) for s in self.servers)


# ---------------------------------------------------------------------------
# Role variables that are not part of the topology, checked in the same place
# ---------------------------------------------------------------------------

# TSIG algorithms every supported daemon knows (RFC 8945; BIND, NSD and Knot DNS alike).
TSIG_ALGORITHMS = ('hmac-md5', 'hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512')


def _listen_address(value, field):
    # A daemon may listen on loopback too (local queries); it must still be an address.
    if not isinstance(value, str):
        raise ValidationError(field, value, "is not a string; give each address as text, e.g. '192.0.2.1'")
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValidationError(field, value, 'is not an IPv4 or IPv6 address')


def _address_list(values, field):
    return [_listen_address(v, field) for v in as_list(values, field, "['192.0.2.1']")]


def _tsig_algorithm(value, field):
    if not isinstance(value, str) or value.strip().lower() not in TSIG_ALGORITHMS:
        raise ValidationError(field, value, 'is not a TSIG algorithm; one of %s' % ', '.join(TSIG_ALGORITHMS))
    return value


def _choice(*choices):
    def check(value, field):
        if value not in choices:
            raise ValidationError(field, value, 'is not one of %s' % ', '.join(choices))
        return value
    return check


def _connection(value, field):
    # Never shown: a connection string may hold the secret.
    if not isinstance(value, dict):
        raise ValidationError(field, '<not shown>',
                              'is not a mapping (dict) of the registrar modules\' options; give one, e.g. '
                              '{endpoint: domain.aliyuncs.com, access_key_id: ...}')
    return value


def _count(minimum, maximum=None):
    return lambda value, field: as_int(value, field, minimum, maximum)


SETTINGS = {
    'nameserver_tsig_key_name': lambda v, f: normalize_zone_name(v, field=f),
    'nameserver_tsig_algorithm': _tsig_algorithm,
    'nameserver_listen_addresses': _address_list,
    'nameserver_previous_addresses': _address_list,
    'nameserver_rate_limit': as_bool,
    'nameserver_rate_limit_responses_per_second': _count(1, 1000000),
    'nameserver_manage_packages': as_bool,
    'nameserver_purge_zones': as_bool,
    'nameserver_reload_all_above': _count(0),
    'registrar_domains': lambda v, f: [normalize_domain(d, field=f) for d in as_list(v, f, "['example.com']")],
    'registrar_connection': _connection,
    'registrar_parent_servers': _address_list,
    'registrar_wait': as_bool,
    'registrar_wait_timeout': _count(1),
    'registrar_allow_single': as_bool,
    'registrar_verify': as_bool,
    'registrar_verify_timeout': _count(1),
    'registrar_verify_wait': as_bool,
    'registrar_verify_fail_on': _choice('error', 'warning', 'never'),
    'registrar_delete_orphan_glue': as_bool,
    'registrar_remove_delegated_zones': lambda v, f: [normalize_domain(d, field=f) for d in as_list(v, f, "['example.com']")],
    'nameserver_retire_hold_down': _count(0),
    'nameserver_move_hold_down': _count(0),
    'nameserver_previous_names': lambda v, f: [normalize_domain(n, field=f) for n in as_list(v, f, "['ns3.example.com']")],
}


def check_dnssec_policies(policies):
    """``nameserver_dnssec_policies`` checked, every setting filled in (POLICY_FIELDS), with ``dnsops`` (the
    documented default: algorithm 13, one CSK that never rolls, the signer's timings) unless given."""
    if policies is None:
        policies = {}
    if not isinstance(policies, dict):
        raise ValidationError('nameserver_dnssec_policies', policies, 'is not a mapping of policy names to settings, '
                                                                      'e.g. {lab: {dnskey_ttl: 60}}')
    out = {DEFAULT_POLICY: dict(POLICY_FIELDS)}
    for name, settings in policies.items():
        field = 'nameserver_dnssec_policies.%s' % name
        if not isinstance(name, str) or not _POLICY_NAME.match(name):
            raise ValidationError('nameserver_dnssec_policies', name, 'is not a policy name: letters, digits, - and _, '
                                                                      'at most 63, starting with a letter or digit')
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            raise ValidationError(field, settings, 'is not a mapping of settings (%s)' % ', '.join(sorted(POLICY_FIELDS)))
        policy = dict(POLICY_FIELDS)
        for key, value in settings.items():
            if key not in POLICY_FIELDS:
                raise ValidationError(field, key, 'is not a setting of a policy; the settings are %s'
                                      % ', '.join(sorted(POLICY_FIELDS)))
            if key == 'csk':
                policy[key] = as_bool(value, field + '.csk')
            elif key == 'algorithm':
                algorithm = as_int(value, field + '.algorithm', 0, 255)
                if algorithm not in POLICY_ALGORITHMS:
                    raise ValidationError(field + '.algorithm', value, 'is not an algorithm to sign with (RFC 8624 3.1); '
                                                                       'one of %s' % ', '.join(str(a) for a in sorted(POLICY_ALGORITHMS)))
                policy[key] = algorithm
            elif value is not None:
                # BIND refuses a TTL or delay above 2^31-1 seconds; a lifetime above ~68 years is no lifetime.
                policy[key] = as_int(value, '%s.%s' % (field, key), 0, 2 ** 31 - 1)
        out[name] = policy
    return out


def check_settings(settings):
    """Check the role variables in ``settings`` ({variable: value}) by their declared type and format;
    the first bad one raises ValidationError naming it, its value and the rule. Unknown names pass."""
    for name, value in settings.items():
        if name in SETTINGS and value is not None:
            SETTINGS[name](value, name)
