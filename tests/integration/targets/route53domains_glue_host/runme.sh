#!/usr/bin/env bash
# glue_host and glue_host_info with registrar route53domains against the Route 53 Domains simulator:
# glue as GlueIps in the parent's list, rerun, check and diff mode, in use, delete, credentials.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_route53_simulator "$(pwd)/seed.json"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@"

# Secrets never printed, even at -vvvv (and even when a call fails).
AWS_ACCESS_KEY_ID=ASIAR53TEMP AWS_SECRET_ACCESS_KEY=r53-temp-secret-do-not-print AWS_SECURITY_TOKEN=r53-token-do-not-print-WRONG \
    ansible-playbook -i localhost, -c local secrets.yml -e "@${SIM_VARS}" -vvvv > "${SIM_DIR}/vvvv.out" 2>&1
if grep -q -e 'do-not-print' "${SIM_DIR}/vvvv.out"; then
    echo 'a secret was printed:'; grep -n -e 'do-not-print' "${SIM_DIR}/vvvv.out"; exit 1
fi
grep -q 'InvalidSignatureException' "${SIM_DIR}/vvvv.out"
grep -q 'UnrecognizedClientException' "${SIM_DIR}/vvvv.out"
