#!/usr/bin/env bash
# zone_files used alone: its documented EXAMPLES, run as written (only the zone directories, the files'
# group, rndc and nsd-control replaced, see examples_playbook.py), twice: the first run writes and reloads, the
# second changes nothing. Then a failed reload with track_reloads, retried by the next run.
set -eux -o pipefail
command -v named-checkzone || { echo 'named-checkzone is missing (Debian: apt-get install bind9-utils)'; exit 1; }
command -v nsd-checkzone || { echo 'nsd-checkzone is missing (Debian: apt-get install nsd)'; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "${WORK}"' EXIT
python examples_playbook.py "${WORK}"

ansible-playbook -i ns1, -c local "${WORK}/examples.yml" "$@" | tee "${WORK}/first.out"
grep -E 'ns1 +: ok=[0-9]+ +changed=[1-9]' "${WORK}/first.out"
test "$(sort "${WORK}/reloads.log")" = "$(printf 'nsd-control reload example.com\nrndc reload example.com')"

ansible-playbook -i ns1, -c local "${WORK}/examples.yml" "$@" | tee "${WORK}/second.out"
grep -E 'ns1 +: ok=[0-9]+ +changed=0 ' "${WORK}/second.out"
test "$(wc -l < "${WORK}/reloads.log")" -eq 2
test ! -e "${WORK}/bind/.reload-pending" && test ! -e "${WORK}/nsd/.reload-pending"

ansible-playbook -i localhost, -c local tracked.yml -e "zone_dir=${WORK}/tracked" "$@"
