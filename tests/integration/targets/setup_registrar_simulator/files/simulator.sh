# shellcheck shell=bash
# Sourced by the registrar targets' runme.sh: starts a registrar simulator on a free loopback port with
# a fresh state, and stops it when the target's script exits.
#
#   start_simulator SEED_JSON [extra simulator flags]          Alibaba Cloud Domain API
#   start_route53_simulator SEED_JSON [extra simulator flags]  Amazon Route 53 Domains
#
# exports SIM_ENDPOINT, SIM_LOG, SIM_STATE, SIM_ADMIN, SIM_DIR and writes SIM_VARS (an Ansible vars file).

COLLECTION_ROOT="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/dnsops/nameservers"
SIMULATORS="${COLLECTION_ROOT}/tests/simulators"

# No AWS credentials, profile or endpoint of the machine running the tests may leak in.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE \
    AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ROUTE_53_DOMAINS AWS_CA_BUNDLE
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent/aws-config \
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws-credentials

start_simulator() {
    _start_registrar_simulator "${SIMULATORS}/alicloud_domain.py" "$@"
}

start_route53_simulator() {
    _start_registrar_simulator "${SIMULATORS}/route53domains.py" "$@"
}

# Both simulators take --task-delay (tasks, or operations, take 0.2 s unless a later flag says otherwise).
_start_registrar_simulator() {
    local simulator="$1" seed="$2"; shift 2
    SIM_DIR="$(mktemp -d)"
    SIM_STATE="${SIM_DIR}/state.json"
    SIM_LOG="${SIM_DIR}/requests.log.jsonl"
    SIM_VARS="${SIM_DIR}/vars.yml"
    python3 "${simulator}" --listen 127.0.0.1:0 --state "${SIM_STATE}" --seed "${seed}" \
        --log "${SIM_LOG}" --task-delay 0.2 --ready-file "${SIM_DIR}/ready" "$@" \
        > "${SIM_DIR}/simulator.out" 2>&1 &
    SIM_PID=$!
    trap stop_simulator EXIT
    for _ in $(seq 100); do
        [ -s "${SIM_DIR}/ready" ] && break
        kill -0 "${SIM_PID}" 2>/dev/null || { cat "${SIM_DIR}/simulator.out"; return 1; }
        sleep 0.1
    done
    SIM_ENDPOINT="http://$(cat "${SIM_DIR}/ready")"
    SIM_ADMIN="${SIM_ENDPOINT}/_admin"
    export SIM_ENDPOINT SIM_LOG SIM_STATE SIM_ADMIN SIM_VARS SIM_DIR
    cat > "${SIM_VARS}" <<VARS
sim_endpoint: ${SIM_ENDPOINT}
sim_admin: ${SIM_ADMIN}
sim_log: ${SIM_LOG}
sim_state: ${SIM_STATE}
sim_dir: ${SIM_DIR}
# The modules run on the controller, with the Python that runs Ansible (requests and botocore are there).
ansible_python_interpreter: "{{ ansible_playbook_python }}"
VARS
}

stop_simulator() {
    if [ -n "${SIM_PID:-}" ]; then
        kill "${SIM_PID}" 2>/dev/null || true
        wait "${SIM_PID}" 2>/dev/null || true
        SIM_PID=
    fi
    rm -rf "${SIM_DIR:-/nonexistent}"
}
