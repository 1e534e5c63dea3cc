#!/usr/bin/env bash
# domain_nameservers against the registrar simulator: 50 domains in one write, then none.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
seed="$(mktemp)"
python3 - "${seed}" <<'PY'
import json, sys
domains = [{"name": "example.com", "instance_id": "S20260000000000",
            "nameservers": ["dns1.hichina.com", "dns2.hichina.com"],
            "hosts": [{"name": "ns1.example.com", "ips": ["198.51.100.10"]},
                      {"name": "ns2.example.com", "ips": ["198.51.100.20"]}]}]
domains += [{"name": "customer%02d.net" % i, "instance_id": "S202600000001%02d" % i,
             "nameservers": ["dns1.hichina.com", "dns2.hichina.com"]} for i in range(50)]
json.dump({"credentials": [{"access_key_id": "test-key-id", "access_key_secret": "test-secret"}],
           "domains": domains}, open(sys.argv[1], "w"))
PY
start_simulator "${seed}"
rm -f "${seed}"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"
