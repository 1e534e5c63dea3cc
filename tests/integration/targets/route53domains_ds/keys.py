"""Fresh DNSSEC keys for the test, their DS as dnspython computes them (not the module's code), and the
simulator's seed: legacy.org starts with four keys, the most Route 53 Domains takes for an .org domain.

Writes the seed (argument 1) and an Ansible vars file (argument 2): for each key its DNSKEY fields, key tag
and SHA-256 digest (upper case, as Route 53 Domains returns it).
"""
import json
import sys

import dns.dnssec
import dns.name
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def key(owner, private, algorithm):
    dnskey = dns.dnssec.make_dnskey(private.public_key(), algorithm, flags=257)
    return {
        'flags': dnskey.flags, 'algorithm': int(dnskey.algorithm), 'public_key': dnskey.to_text().split(' ', 3)[3],
        'key_tag': dns.dnssec.key_id(dnskey),
        'sha256': dns.dnssec.make_ds(dns.name.from_text(owner), dnskey, 'SHA256').digest.hex().upper(),
    }


def p256(owner):
    return key(owner, ec.generate_private_key(ec.SECP256R1()), 13)


def distinct(make, count):
    """``count`` keys with distinct key tags (equal ones: one chance in 65,536 a pair)."""
    keys = []
    while len(keys) < count:
        new = make()
        if all(new['key_tag'] != other['key_tag'] for other in keys):
            keys.append(new)
    return keys


def main(seed_path, keys_path):
    old_ksk, new_ksk = distinct(lambda: p256('example.com.'), 2)
    keys = {
        'old_ksk': old_ksk,
        'new_ksk': new_ksk,
        'customer_ksk': key('customer.net.', ed25519.Ed25519PrivateKey.generate(), 15),
        'legacy_keys': distinct(lambda: p256('legacy.org.'), 5),  # four registered, a fifth to add
    }
    keys['shop_records'] = [{'flags': k['flags'], 'algorithm': k['algorithm'], 'public_key': k['public_key']}
                            for k in distinct(lambda: p256('shop.org.'), 5)]
    aws = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.com']
    seed = {
        'credentials': [{'access_key_id': 'AKIDR53DS', 'secret_access_key': 'r53-ds-secret-do-not-print'}],
        'domains': [
            {'name': 'example.com', 'nameservers': aws},
            {'name': 'customer.net', 'nameservers': aws},
            {'name': 'shop.org', 'nameservers': aws},
            {'name': 'legacy.org', 'nameservers': aws,
             'dnssec_keys': [{'algorithm': k['algorithm'], 'flags': k['flags'], 'public_key': k['public_key']}
                             for k in keys['legacy_keys'][:4]]},
        ],
    }
    with open(seed_path, 'w') as handle:
        json.dump(seed, handle)
    with open(keys_path, 'w') as handle:
        json.dump(keys, handle)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
