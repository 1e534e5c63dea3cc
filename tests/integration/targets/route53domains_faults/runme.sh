#!/usr/bin/env bash
# registrar route53domains rides out throttling, 5xx, dropped connections and a domain busy with
# another operation; a write whose answer was lost is reported, and a rerun converges.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_route53_simulator "$(pwd)/seed.json"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"
