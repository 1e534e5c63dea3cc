#!/usr/bin/env bash
# The modules ride out throttling and 503s, report a task the registry failed, never send twice a
# write whose answer was lost, and say when another change to the same domain is in progress.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"
stop_simulator

start_simulator "$(pwd)/seed.json" --task-delay 10
ansible-playbook -i localhost, -c local concurrent.yml -e "@${SIM_VARS}" "$@"
