#!/usr/bin/env bash
# domain_ds and domain_ds_info against the registrar simulator: DS from fields and from keys, an
# idempotent rerun without writes, a rollover (add, wait, remove), removal, faults, bad input.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
keys="${SIM_DIR}/keys.json"
python3 keys.py "${keys}"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" -e "@${keys}" "$@"
