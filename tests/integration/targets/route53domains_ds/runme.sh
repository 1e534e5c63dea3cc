#!/usr/bin/env bash
# domain_ds and domain_ds_info with registrar route53domains against the Route 53 Domains simulator:
# DS published by submitting the key, a rerun without writes, a rollover (add, wait, remove), removal,
# check and diff mode, and input only Route 53 Domains refuses, refused before any call naming it.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
work="$(mktemp -d)"
python3 keys.py "${work}/seed.json" "${work}/keys.json"
start_route53_simulator "${work}/seed.json"
mv "${work}/keys.json" "${SIM_DIR}/keys.json"
rm -rf "${work}"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" -e "@${SIM_DIR}/keys.json" "$@"
