#!/usr/bin/env bash
# The registrar role against the simulator: glue for the published servers, each domain
# delegated to the servers that serve it, a rerun without writes, a lame delegation refused, the
# removal of a zone the registry still delegates here refused (removals.yml), a restore refused
# (restore.yml); before all that, check mode: no write, and the summary shows the plan.
set -eux
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
# Check mode first: no write, and the summary shows the plan.
ansible-playbook -i inventory.yml -c local check-mode.yml -e "@${SIM_VARS}" --check --diff "$@" > "${SIM_DIR}/check.out" \
    || { cat "${SIM_DIR}/check.out"; exit 1; }
cat "${SIM_DIR}/check.out"
grep -q 'CHECK MODE: nothing was changed' "${SIM_DIR}/check.out"
grep -q 'customer-a.com  (.*): delegation would change' "${SIM_DIR}/check.out"
grep -q 'would be set to: ns1.example.com, ns2.example.com, ns3.example.com' "${SIM_DIR}/check.out"
grep -q 'glue ns3.example.com *would be 198.51.100.12' "${SIM_DIR}/check.out"
grep -q 'not-registered.org: set NS to ns1.example.com, ns2.example.com, ns3.example.com at its registrar' "${SIM_DIR}/check.out"
ansible-playbook -i inventory.yml -c local playbook.yml -e "@${SIM_VARS}" "$@"
ansible-playbook -i inventory.yml -c local removals.yml -e "@${SIM_VARS}" -e @removals-vars.yml "$@"
ansible-playbook -i inventory.yml -c local restore.yml -e "@${SIM_VARS}" "$@"
ansible-playbook -i inventory.yml -c local rename.yml -e "@${SIM_VARS}" "$@"

# A run that fails in step 4 after its writes, on a fresh registry: the run fails, and its summary says where,
# what it wrote before, and how to roll back.
stop_simulator
start_simulator "$(pwd)/seed.json"
if ansible-playbook -i inventory.yml -c local failure.yml -e "@${SIM_VARS}" "$@" > "${SIM_DIR}/failure.out"; then
    cat "${SIM_DIR}/failure.out"; echo 'the run did not fail'; exit 1
fi
cat "${SIM_DIR}/failure.out"
grep -q 'dnsops.nameservers deploy FAILED in step 4, the delegation check: ' "${SIM_DIR}/failure.out"
grep -q 'Changed at the registry by this run before the failure:' "${SIM_DIR}/failure.out"
grep -q 'glue host ns3.example.com created: 198.51.100.12 (account ' "${SIM_DIR}/failure.out"
grep -q 'customer-a.com.* delegated to ns1.example.com, ns2.example.com, ns3.example.com (account ' "${SIM_DIR}/failure.out"
grep -q "dnsops.nameservers.restore -e registrar_restore_file=${SIM_DIR}/snapshot.json" "${SIM_DIR}/failure.out"
grep -q 'The delegation check failed after this run changed the registry' "${SIM_DIR}/failure.out"
