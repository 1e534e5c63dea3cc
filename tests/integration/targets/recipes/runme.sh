#!/usr/bin/env bash
# docs/recipes.md: every playbook parses (--syntax-check); deploy's tags select the plays the recipes
# say; the modules-only recipe runs against the registrar simulator (its endpoint and credentials in
# place of the site, the proof left out: it needs the parent zone's DNS), and a second run changes nothing.
set -eux -o pipefail
source ../setup_registrar_simulator/files/simulator.sh
start_simulator "$(pwd)/seed.json"
WORK="${SIM_DIR}/recipes"
mkdir -p "${WORK}"
python recipes.py "${COLLECTION_ROOT}/docs/recipes.md" "${WORK}" > "${WORK}/playbooks"
test "$(wc -l < "${WORK}/playbooks")" -ge 2
while read -r playbook; do
    ansible-playbook -i inventory.yml --syntax-check "${playbook}"
done < "${WORK}/playbooks"

# Tags: which tasks each selects.
tasks() { ansible-playbook -i inventory.yml dnsops.nameservers.deploy --list-tasks --tags "$1" > "${WORK}/tags-$1"; }
has() { grep -q -- "$2" "${WORK}/tags-$1" || { echo "--tags $1 lacks: $2"; exit 1; }; }
lacks() { ! grep -q -- "$2" "${WORK}/tags-$1" || { echo "--tags $1 has: $2"; exit 1; }; }
for tag in servers registry verify; do tasks "${tag}"; done
has servers 'Keep each server answering where its glue points now'
has servers 'Install the checked configuration'
has servers 'Ask every published name server for every zone'
lacks servers 'Ensure a glue host'
lacks servers 'Point the domains'
lacks registry 'Install the checked configuration'
has registry 'Ask every published name server for every zone'
has registry 'Ensure a glue host'
has registry 'Point the domains'
has registry 'Prove the delegation'
lacks verify 'Install the checked configuration'
lacks verify 'Ask every published name server for every zone'
lacks verify 'Ensure a glue host'
lacks verify 'Point the domains'
has verify 'Prove the delegation'

# The modules-only recipe against the simulator.
python - "${WORK}/registry-only.yml" "${SIM_ENDPOINT}" <<'PY'
import sys
import yaml
path, endpoint = sys.argv[1:]
with open(path) as handle:
    plays = yaml.safe_load(handle)
plays[0]['module_defaults']['group/dnsops.nameservers.registrar'] = {
    'endpoint': endpoint, 'access_key_id': 'test-key-id', 'access_key_secret': 'test-secret-do-not-print'}
assert plays[0]['tasks'][-1]['name'] == 'Prove it'
plays[0]['tasks'].pop()
plays[0]['vars'] = {'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
with open(path, 'w') as handle:
    yaml.safe_dump(plays, handle, sort_keys=False)
PY
ansible-playbook -i localhost, -c local "${WORK}/registry-only.yml" "$@" | tee "${WORK}/first.out"
grep -E 'localhost +: ok=2 +changed=2 ' "${WORK}/first.out"
ansible-playbook -i localhost, -c local "${WORK}/registry-only.yml" "$@" | tee "${WORK}/second.out"
grep -E 'localhost +: ok=2 +changed=0 ' "${WORK}/second.out"
python - "${SIM_STATE}" <<'PY'
import json
import sys
with open(sys.argv[1]) as handle:
    domains = json.load(handle)['domains']
for name in ('example.com', 'customer.net'):
    assert domains[name]['nameservers'] == ['ns1.example.com', 'ns2.example.com'], (name, domains[name])
assert domains['example.com']['hosts'] == {'ns1.example.com': ['203.0.113.10', '2001:db8::10'],
                                           'ns2.example.com': ['198.51.100.20']}, domains['example.com']['hosts']
PY
