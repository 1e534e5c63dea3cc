#!/usr/bin/env bash
# Every bad input fails with a message naming the field, the value and the rule,
# and the registrar receives no write.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
seed="$(mktemp)"
python3 - "${seed}" <<'PY'
import json, sys
def hosts(domain, count):
    return [{"name": "ns%d.%s" % (i, domain), "ips": ["198.51.100.%d" % (i + 1)]} for i in range(count)]
domains = [
    {"name": "example.com", "instance_id": "S1", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]},
    {"name": "full.com", "instance_id": "S2", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"], "hosts": hosts("full.com", 13)},
    {"name": "full.cn", "instance_id": "S3", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"], "hosts": hosts("full.cn", 6)},
    {"name": "example.cn", "instance_id": "S4", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]},
    {"name": "example.hk", "instance_id": "S5", "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]},
]
json.dump({"credentials": [{"access_key_id": "test-key-id", "access_key_secret": "test-secret"}],
           "domains": domains}, open(sys.argv[1], "w"))
PY
start_simulator "${seed}"
rm -f "${seed}"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"
