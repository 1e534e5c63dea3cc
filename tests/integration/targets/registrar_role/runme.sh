#!/usr/bin/env bash
# The registrar role against the simulator: glue for the published servers, each domain
# delegated to the servers that serve it, a rerun without writes, a lame delegation refused.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
ansible-playbook -i inventory.yml -c local playbook.yml -e "@${SIM_VARS}" "$@"
