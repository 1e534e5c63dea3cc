"""Prints the demo's report (written by demo.yml) for a person: each domain with the registrar
account holding it, its name servers and glue at the registry, each server's serial, every
check's result, and the served zones no account holds."""

import json
import sys


def print_domain(domain, account, check, glue):
    name = domain['name']
    print('%s  (%s at %s, account %s)' % (name, 'delegation OK' if check.get('ok') else 'delegation NOT OK',
                                          account['title'], account['name']))
    print('  name servers at the registry: %s' % ', '.join(domain['nameservers']))
    for server in domain['nameservers']:
        if server in glue:
            print('    glue %-22s %s' % (server, ' '.join(glue[server])))
    for server, serial in sorted((check.get('serials') or {}).items()):
        print('    serial %-40s %s' % (server, serial))
    findings = check.get('findings', [])
    passed = sorted(set(f['test'] for f in findings if f['level'] == 'ok'))
    print('  checks passed: %s' % (' '.join(passed) or 'none'))
    for finding in findings:
        if finding['level'] in ('warning', 'error'):
            print('  %s %s: %s' % (finding['level'].upper(), finding['test'], finding['message']))
    print()


def main(path):
    with open(path) as handle:
        report = json.load(handle)
    checks = dict((zone['zone'], zone) for zone in report['checks'])
    # Glue lives in the account holding the host's domain; a referral may use glue of another account.
    glue = {}
    for domains in report['registry']:
        for domain in domains:
            for host in domain['hosts']:
                glue[host['name']] = host['ips']
    for account, domains in zip(report['accounts'], report['registry']):
        for domain in domains:
            print_domain(domain, account, checks.get(domain['name'], {}), glue)
    for entry in report.get('unregistered') or []:
        print('%s  (in none of the registrar accounts: set its name servers to %s at its registrar)'
              % (entry['zone'], ', '.join(entry['nameservers'])))


if __name__ == '__main__':
    main(sys.argv[1])
