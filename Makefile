# dnsops.nameservers: the one entry point for the demo, the lab and the tests.
# Run as root on Debian 12 (the lab needs network namespaces and debootstrap).

SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV ?= $(ROOT)/.venv
PY := $(VENV)/bin/python
# ansible-test wants the collection under ansible_collections/NAMESPACE/NAME.
COLL_ROOT := $(ROOT)/build/collections
COLL_DIR := $(COLL_ROOT)/ansible_collections/dnsops/nameservers

export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT)

.PHONY: help venv sanity-deps collection live-collection demo lint e2e-test test sanity units simulator-tests dnscheck-tests integration awx-tests awx-lab-test ansible-test-pip

help:
	@echo "make demo     bring the lab up and run the deploy playbook against it"
	@echo "make test     sanity, unit, simulator, integration and lab tests"
	@echo "make lab-up | lab-down | lab-status | lab-clean"

$(VENV)/.installed: tests/requirements.txt
	python3 -c 'import ensurepip, venv' 2>/dev/null || \
	    { apt-get update -qq && apt-get install -y -qq python3-venv python3-pip; }
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r tests/requirements.txt
	touch $@

venv: $(VENV)/.installed

# A fresh copy of the tracked and new (not ignored) files: ansible-test resolves real
# paths, so the collection must really sit under ansible_collections/dnsops/nameservers.
collection: venv
	rm -rf $(COLL_DIR) && mkdir -p $(COLL_DIR)
	cd $(ROOT) && git ls-files -z --cached --others --exclude-standard | \
	    xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' | tar --null -cf - -T - | tar -xf - -C $(COLL_DIR)
	# The copy sits inside this repository's ignored build/; its own index tells ansible-test its files.
	cd $(COLL_DIR) && git init -q && git add -A

# ansible-test --venv downloads a pip bootstrap script from a host these machines cannot
# reach; this stand-in does the same job with ensurepip and the package index.
ansible-test-pip: venv
	@version=$$(sed -n "s/^ *pip='\([0-9.]*\)',/\1/p" $(VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py); \
	cache=$$HOME/.ansible/test/cache/get_pip_$${version//./_}.py; mkdir -p $$(dirname $$cache); \
	printf '%s\n' 'import subprocess, sys' \
	  'args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]' \
	  'subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])' \
	  'subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)' > $$cache

ANSIBLE_TEST := cd $(COLL_DIR) && $(VENV)/bin/ansible-test

# ansible-test's shellcheck test is skipped, silently, where shellcheck is missing.
sanity-deps:
	@command -v shellcheck >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck; }

sanity: collection ansible-test-pip sanity-deps
	$(ANSIBLE_TEST) sanity --venv --python 3.11 --color no

units: collection ansible-test-pip
	$(ANSIBLE_TEST) units --venv --python 3.11 --color no

simulator-tests: venv
	$(PY) -m pytest -q tests/simulators/tests

# Debian 12's dnspython and cryptography (which verifies the DNSSEC signatures) for dnscheck-tests.
# Under build/ (ignored), so `make collection` does not copy it; the stamp names the versions.
DNSPYTHON23_VENV := $(ROOT)/build/venv-dnspython23
DNSPYTHON23_PACKAGES := dnspython==2.3.0 cryptography==38.0.4
DNSPYTHON23_STAMP := $(DNSPYTHON23_VENV)/.installed-$(subst $(eval) ,-,$(DNSPYTHON23_PACKAGES))

$(DNSPYTHON23_STAMP): | $(VENV)/.installed
	python3 -m venv $(DNSPYTHON23_VENV)
	$(DNSPYTHON23_VENV)/bin/pip install --quiet pytest $(DNSPYTHON23_PACKAGES)
	touch $@

# delegation_check against real NSD and BIND daemons on loopback (installs them when missing),
# then its unit tests and those daemons again with dnspython 2.3.0 (Debian 12).
dnscheck-tests: venv $(DNSPYTHON23_STAMP)
	tests/dnscheck/setup.sh
	$(PY) -m pytest -q tests/dnscheck
	$(DNSPYTHON23_VENV)/bin/python -m pytest -q tests/unit/plugins/module_utils/test_dnscheck.py \
	    tests/unit/plugins/module_utils/test_dnscheck_dnssec.py tests/dnscheck

# The Galaxy artifact installed from a project's collections/requirements.yml, read by
# ansible-builder, and a job run by ansible-runner with injected credentials (AWX's way).
awx-tests: venv
	$(PY) -m pytest -q tests/awx --ignore=tests/awx/lab

# The example AWX project's deploy job, twice, each in a fresh directory, against fresh lab hosts.
awx-lab-test: venv lab-deps
	@$(LAB_DIR)/lab.sh down
	@rc=0; { $(E2E_ENV) $(LAB_DIR)/lab.sh up && $(E2E_ENV) $(PY) -m pytest -v tests/awx/lab; } || rc=$$?; \
	$(LAB_DIR)/lab.sh down; exit $$rc

integration: collection ansible-test-pip
	$(ANSIBLE_TEST) integration --venv --requirements --python 3.11 --color no

# The demo and the lab's end-to-end tests use this checkout as the collection, through a link.
LIVE_COLL_ROOT := $(ROOT)/build/live
live-collection:
	mkdir -p $(LIVE_COLL_ROOT)/ansible_collections/dnsops
	ln -sfn $(ROOT) $(LIVE_COLL_ROOT)/ansible_collections/dnsops/nameservers

LAB_INVENTORIES := -i tests/lab/inventory.yml -i tests/lab/demo/inventory.yml

# The playbook ends with its summary: each domain, its name servers, glue, serials and checks.
# A dry run first, without changing anything: make demo DEMO_ARGS='--check --diff'
demo: venv lab-up live-collection
	ANSIBLE_COLLECTIONS_PATH=$(LIVE_COLL_ROOT) $(VENV)/bin/ansible-playbook $(LAB_INVENTORIES) \
	    tests/lab/demo/demo.yml $(DEMO_ARGS)
	@echo
	@echo "Ask the registry (the parent of com, net, cn and org) and the servers yourself:"
	@echo "  dig @198.51.100.2 customer-a.com NS +norecurse     # the referral and its glue (Alibaba Cloud)"
	@echo "  dig @198.51.100.2 customer-d.org NS +norecurse     # a domain held at Route 53 Domains"
	@echo "  dig @198.51.100.10 customer-a.com SOA               # ns1 (BIND), also .11 (NSD) and .12"
	@echo "  dig @198.51.100.3 customer-a.com SOA +dnssec        # the validating resolver: the ad flag (signed, DS at the parent)"
	@echo "Run it again (a no-op converge): make demo.   Take the lab down: make lab-down"

# ansible-lint's production profile on the roles and playbooks users run.
lint: venv live-collection
	ANSIBLE_COLLECTIONS_PATH=$(LIVE_COLL_ROOT) $(VENV)/bin/ansible-lint --profile production roles playbooks awx tests/lab/demo

# End to end in the lab, each suite on fresh hosts: the nameserver role, the one playbook, changes under a probe.
# One suite alone: make e2e-test E2E_SUITES=deploy
E2E_SUITES ?= nameserver deploy changes
E2E_ENV := PATH=$(VENV)/bin:$$PATH ANSIBLE_COLLECTIONS_PATH=$(LIVE_COLL_ROOT) LAB_PY=$(PY)
e2e-test: venv lab-deps live-collection
	@rc=0; for suite in $(E2E_SUITES); do \
	    $(LAB_DIR)/lab.sh down; \
	    { $(E2E_ENV) $(LAB_DIR)/lab.sh up && $(E2E_ENV) $(PY) -m pytest -v tests/e2e/$$suite; } || rc=$$?; \
	    $(LAB_DIR)/lab.sh down; [ $$rc -eq 0 ] || break; \
	done; exit $$rc

test: lint sanity units simulator-tests dnscheck-tests integration awx-tests lab-test e2e-test awx-lab-test

-include tests/lab/lab.mk
