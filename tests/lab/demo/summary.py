"""Prints the demo's report (written by demo.yml) for a person: each domain, its name
servers and glue at the registry, each server's serial, and every check's result."""

import json
import sys


def main(path):
    with open(path) as handle:
        report = json.load(handle)
    checks = dict((zone['zone'], zone) for zone in report['checks'])
    glue = {}
    for domain in report['registry']:
        for host in domain['hosts']:
            glue[host['name']] = host['ips']
    for domain in report['registry']:
        name = domain['name']
        check = checks.get(name, {})
        print('%s  (%s)' % (name, 'delegation OK' if check.get('ok') else 'delegation NOT OK'))
        print('  name servers at the registry: %s' % ', '.join(domain['nameservers']))
        for server in domain['nameservers']:
            if server in glue:
                print('    glue %-22s %s' % (server, ' '.join(glue[server])))
        serials = check.get('serials') or {}
        for server, serial in sorted(serials.items()):
            print('    serial %-40s %s' % (server, serial))
        findings = check.get('findings', [])
        failed = [f for f in findings if f['level'] in ('warning', 'error')]
        passed = sorted(set(f['test'] for f in findings if f['level'] == 'ok'))
        print('  checks passed: %s' % (' '.join(passed) or 'none'))
        for finding in failed:
            print('  %s %s: %s' % (finding['level'].upper(), finding['test'], finding['message']))
        print()


if __name__ == '__main__':
    main(sys.argv[1])
