"""Registrar benchmark: API calls and wall time of the registrar modules at scale.

Runs against the registrar simulator (started here on a free loopback port):

1. ``domain_nameservers`` delegating N domains (default 1,000): reads, writes, time;
2. the same again, a no-op: reads, writes (must be 0), time (includes ansible-playbook's start);
3. ``glue_host`` no-op rerun: reads and writes;
4. the no-op read of N domains' name servers through the provider, concurrently (the
   modules' way) against a baseline one domain at a time, in the same process: ratio.

Usage (from the repository root, after ``make venv``):

    .venv/bin/python bench/registrar/bench_registrar.py [--domains 1000] [--simulator-slow 0]

``--simulator-slow`` adds a delay to every API answer, closer to a real registry's latency
(Alibaba answers in tens of milliseconds from Europe or Asia; loopback in well under one).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIMULATOR = os.path.join(ROOT, 'tests', 'simulators', 'alicloud_domain.py')
KEY_ID, SECRET = 'bench-key', 'bench-secret'


def collections_path(tmp):
    """A collections tree whose dnsops/nameservers is this checkout."""
    base = os.path.join(tmp, 'collections')
    os.makedirs(os.path.join(base, 'ansible_collections', 'dnsops'))
    os.symlink(ROOT, os.path.join(base, 'ansible_collections', 'dnsops', 'nameservers'))
    return base


def start_simulator(tmp, count, slow):
    domains = [{'name': 'example.com', 'instance_id': 'S1000000',
                'nameservers': ['dns1.hichina.com', 'dns2.hichina.com'],
                'hosts': [{'name': 'ns1.example.com', 'ips': ['198.51.100.10']},
                          {'name': 'ns2.example.com', 'ips': ['198.51.100.20']}]}]
    domains += [{'name': 'customer%05d.net' % i, 'instance_id': 'S2%07d' % i,
                 'nameservers': ['dns1.hichina.com', 'dns2.hichina.com']} for i in range(count)]
    seed = os.path.join(tmp, 'seed.json')
    with open(seed, 'w') as handle:
        json.dump({'credentials': [{'access_key_id': KEY_ID, 'access_key_secret': SECRET}], 'domains': domains}, handle)
    ready = os.path.join(tmp, 'ready')
    log = os.path.join(tmp, 'requests.jsonl')
    cmd = [sys.executable, SIMULATOR, '--listen', '127.0.0.1:0', '--state', os.path.join(tmp, 'state.json'),
           '--seed', seed, '--log', log, '--task-delay', '0.2', '--ready-file', ready, '--slow', str(slow)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    for unused in range(200):
        if os.path.exists(ready) and os.path.getsize(ready):
            break
        time.sleep(0.05)
    with open(ready) as handle:
        return proc, 'http://' + handle.read().strip(), log


def log_counts(log):
    reads = writes = 0
    with open(log) as handle:
        for line in handle:
            entry = json.loads(line)
            if entry['write']:
                writes += 1
            else:
                reads += 1
    return reads, writes


def run_task(env, tmp, module, args):
    """One task in a playbook run by ansible-playbook; returns (seconds, module result)."""
    playbook = os.path.join(tmp, 'play.yml')
    result_file = os.path.join(tmp, 'result.json')
    with open(playbook, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'bench', module: args, 'register': 'result'},
            {'name': 'keep the result', 'ansible.builtin.copy': {'dest': result_file, 'content': '{{ result | to_json }}'}},
        ]}], handle)
    start = time.monotonic()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                    '-c', 'local', playbook], env=env, stdout=subprocess.DEVNULL, check=True)
    elapsed = time.monotonic() - start
    with open(result_file) as handle:
        return elapsed, json.load(handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--domains', type=int, default=1000)
    parser.add_argument('--simulator-slow', type=float, default=0.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        coll = collections_path(tmp)
        proc, endpoint, log = start_simulator(tmp, args.domains, args.simulator_slow)
        try:
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=coll, ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false',
                       ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
            conn = {'endpoint': endpoint, 'access_key_id': KEY_ID, 'access_key_secret': SECRET}
            customers = ['customer%05d.net' % i for i in range(args.domains)]
            ns_args = dict(conn, domains=customers, nameservers=['ns1.example.com', 'ns2.example.com'])

            rows = []
            for label in ('domain_nameservers: delegate %d domains' % args.domains,
                          'domain_nameservers: no-op rerun'):
                before = log_counts(log) if os.path.exists(log) else (0, 0)
                seconds, result = run_task(env, tmp, 'dnsops.nameservers.domain_nameservers', ns_args)
                after = log_counts(log)
                rows.append((label, after[0] - before[0], after[1] - before[1], seconds, result['changed']))

            glue_args = dict(conn, name='ns1.example.com', domain='example.com', ips=['198.51.100.10'])
            before = log_counts(log)
            seconds, result = run_task(env, tmp, 'dnsops.nameservers.glue_host', glue_args)
            after = log_counts(log)
            rows.append(('glue_host: no-op rerun', after[0] - before[0], after[1] - before[1], seconds, result['changed']))

            print('%-46s %7s %7s %9s %8s' % ('run', 'reads', 'writes', 'seconds', 'changed'))
            for row in rows:
                print('%-46s %7d %7d %9.2f %8s' % row)

            # The read side of a no-op rerun, in-process: concurrent (as the modules do) vs one at a time.
            sys.path.insert(0, coll)
            from ansible_collections.dnsops.nameservers.plugins.module_utils._alicloud import AlicloudRegistrar
            timings = {}
            for workers in (1, 8):
                registrar = AlicloudRegistrar(dict(conn, max_workers=workers))
                start = time.monotonic()
                found = registrar.get_domains(customers)
                timings[workers] = time.monotonic() - start
                assert all(found[name].nameservers == ['ns1.example.com', 'ns2.example.com'] for name in customers)
            print()
            print('reading %d domains\' name servers: one at a time %.2f s (baseline), 8 concurrent %.2f s, '
                  'ratio %.1fx' % (args.domains, timings[1], timings[8], timings[1] / timings[8]))
        finally:
            proc.terminate()
            proc.wait()


if __name__ == '__main__':
    main()
