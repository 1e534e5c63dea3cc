#!/usr/bin/env bash
# The modules ride out throttling and 503s, and report a task the registry failed.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"
