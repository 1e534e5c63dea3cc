"""Fresh DNSSEC keys for the test, and their DS as dnspython computes them (not the module's code).

Writes an Ansible vars file: for each key its DNSKEY fields, key tag and SHA-256 / SHA-384 digests.
"""
import json
import sys

import dns.dnssec
import dns.name
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def key(owner, private, algorithm):
    dnskey = dns.dnssec.make_dnskey(private.public_key(), algorithm, flags=257)
    name = dns.name.from_text(owner)
    return {
        'flags': dnskey.flags, 'algorithm': int(dnskey.algorithm), 'public_key': dnskey.to_text().split(' ', 3)[3],
        'key_tag': dns.dnssec.key_id(dnskey),
        'sha256': dns.dnssec.make_ds(name, dnskey, 'SHA256').digest.hex(),
        'sha384': dns.dnssec.make_ds(name, dnskey, 'SHA384').digest.hex(),
    }


def main(path):
    keys = {'old_ksk': key('example.com.', ec.generate_private_key(ec.SECP256R1()), 13)}
    while True:  # a rollover needs two key tags (equal ones: one chance in 65,536)
        keys['new_ksk'] = key('example.com.', ec.generate_private_key(ec.SECP256R1()), 13)
        if keys['new_ksk']['key_tag'] != keys['old_ksk']['key_tag']:
            break
    keys['customer_ksk'] = key('customer.net.', ed25519.Ed25519PrivateKey.generate(), 15)
    with open(path, 'w') as handle:
        json.dump(keys, handle)


if __name__ == '__main__':
    main(sys.argv[1])
