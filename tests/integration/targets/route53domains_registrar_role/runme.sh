#!/usr/bin/env bash
# The registrar role with two registrar accounts, one at each simulator (Alibaba Cloud, Route 53 Domains):
# each domain delegated and each glue host written in the account holding its domain, check mode, a rerun
# without writes to either, zones no account holds reported, a domain in both accounts and a rule only
# Route 53 Domains has refused before any write, and no secret printed even at -vvvv.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed-alicloud.json"
ALI_PID=${SIM_PID} ALI_DIR=${SIM_DIR} ALI_VARS=${SIM_VARS}
SIM_PID=
start_route53_simulator "$(pwd)/seed-route53domains.json"
stop_both() {
    stop_simulator
    SIM_PID=${ALI_PID} SIM_DIR=${ALI_DIR}
    stop_simulator
}
trap stop_both EXIT
vars="${SIM_DIR}/both.yml"
sed 's/^sim_/alicloud_sim_/' "${ALI_VARS}" > "${vars}"
sed -n 's/^sim_/r53_sim_/p' "${SIM_VARS}" >> "${vars}"

ansible-playbook -i inventory.yml -i inventory-unserved.yml -c local unserved.yml -e "@${vars}" "$@"
ansible-playbook -i inventory.yml -c local playbook.yml -e "@${vars}" "$@"

# Secrets never printed, even at -vvvv: a run that writes nothing, and one refused for a domain in both.
ansible-playbook -i inventory.yml -c local secrets.yml -e "@${vars}" -vvvv > "${SIM_DIR}/vvvv.out" 2>&1
if grep -q -e 'do-not-print' "${SIM_DIR}/vvvv.out"; then
    echo 'a secret was printed:'; grep -n -e 'do-not-print' "${SIM_DIR}/vvvv.out"; exit 1
fi
grep -q 'is a domain of two registrar accounts' "${SIM_DIR}/vvvv.out"
