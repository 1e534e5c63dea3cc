#!/usr/bin/env bash
# The registrar role against the simulator: glue for the published servers, each domain
# delegated to the servers that serve it, a rerun without writes, a lame delegation refused;
# then the removal of a zone the registry still delegates to the servers refused (removals.yml).
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
ansible-playbook -i inventory.yml -c local playbook.yml -e "@${SIM_VARS}" "$@"
ansible-playbook -i inventory.yml -c local removals.yml -e "@${SIM_VARS}" -e @removals-vars.yml "$@"
ansible-playbook -i inventory.yml -c local restore.yml -e "@${SIM_VARS}" "$@"
