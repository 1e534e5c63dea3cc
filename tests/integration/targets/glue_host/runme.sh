#!/usr/bin/env bash
# glue_host against the registrar simulator: create, rerun, check mode, change, reorder, delete.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"

# Secrets never printed, even at -vvvv (and even when a call fails).
ansible-playbook -i localhost, -c local secrets.yml -e "@${SIM_VARS}" -vvvv > "${SIM_DIR}/vvvv.out" 2>&1
if grep -q -e 'test-secret-do-not-print' -e 'sts-token-do-not-print' "${SIM_DIR}/vvvv.out"; then
    echo 'a secret was printed:'; grep -n -e 'test-secret-do-not-print' -e 'sts-token-do-not-print' "${SIM_DIR}/vvvv.out"; exit 1
fi
grep -q 'SignatureDoesNotMatch' "${SIM_DIR}/vvvv.out"
