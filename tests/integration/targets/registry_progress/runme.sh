#!/usr/bin/env bash
# The action plugins of glue_host, domain_nameservers and domain_ds show a line per round while they wait
# for registry tasks (here each takes 3 s), and end as the modules do: the same results, the same timeout.
set -euxo pipefail
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json" --task-delay 3
out="${SIM_DIR}/playbook.out"
ansible-playbook -i localhost, -c local playbook.yml -e "@${SIM_VARS}" "$@" | tee "${out}"

# A line per round while tasks were pending, naming the domain and its state; none after wait: false.
grep -E '^\[localhost\] glue_host: 1 of 1 registry tasks pending: [0-9a-f-]+ still pending: example.com \((WAITING_EXECUTE|EXECUTING)\); [0-9]+s of wait_timeout=600, next round in [0-9.]+s$' "${out}"
grep -E '^\[localhost\] glue_host: every registry task finished after round [0-9]+' "${out}"
grep -E '^\[localhost\] domain_nameservers: 1 of 1 registry tasks pending: [0-9a-f-]+ still pending: customer-a.com \((WAITING_EXECUTE|EXECUTING)\), customer-b.net' "${out}"
grep -E '^\[localhost\] domain_ds: 1 of 1 registry tasks pending: [0-9a-f-]+ still pending: customer-a.com' "${out}"
grep -E '^\[localhost\] domain_nameservers: wait_timeout passed after round [0-9]+' "${out}"
# At least one line while pending (above) and the closing line; how many rounds depends on the load.
test "$(grep -c '^\[localhost\] glue_host: ' "${out}")" -ge 2
if grep -q 'test-secret-do-not-print' "${out}"; then echo 'the secret was shown' >&2; exit 1; fi
