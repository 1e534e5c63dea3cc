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

.PHONY: help venv collection test sanity units simulator-tests integration

help:
	@echo "make demo     bring the lab up and run the deploy playbook against it"
	@echo "make test     sanity, unit, simulator, integration and lab tests"
	@echo "make lab-up | lab-down | lab-status | lab-clean"

$(VENV)/.installed: tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r tests/requirements.txt
	touch $@

venv: $(VENV)/.installed

# A copy (not a symlink: ansible-test resolves the real path) of the tracked and new files.
collection: venv
	mkdir -p $(COLL_DIR)
	rsync -a --delete --exclude-from=<(git -C $(ROOT) ls-files --others --ignored --exclude-standard --directory) \
	    --exclude .git --exclude build $(ROOT)/ $(COLL_DIR)/

-include tests/lab/lab.mk
