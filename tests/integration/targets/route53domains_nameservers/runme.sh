#!/usr/bin/env bash
# domain_nameservers with registrar route53domains: many domains, one operation each, reruns that
# write nothing, check and diff mode, and input only Route 53 Domains refuses, refused before any call.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
seed="$(mktemp)"
python3 - "${seed}" <<'PY'
import json, sys
aws = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.com", "ns-3.awsdns-03.net", "ns-4.awsdns-04.co.uk"]
domains = [{"name": "example.com", "nameservers": [
    {"name": "ns1.example.com", "glue_ips": ["198.51.100.10", "2001:db8:100::10"]},
    {"name": "ns2.example.com", "glue_ips": ["198.51.100.11"]}]}]
domains += [{"name": "customer%02d.net" % i, "nameservers": aws} for i in range(1, 13)]
domains += [{"name": "six.org", "nameservers": ["ns%d.provider.net" % i for i in range(1, 7)]}]
json.dump({"credentials": [{"access_key_id": "AKIDR53NS", "secret_access_key": "r53-ns-secret"}],
           "domains": domains}, open(sys.argv[1], "w"))
PY
start_route53_simulator "${seed}"
rm -f "${seed}"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"
