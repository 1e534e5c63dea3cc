# The lab: isolated Debian hosts on this machine (see tests/lab/README.md).
# Included from the root Makefile, which defines ROOT, VENV and PY.

LAB_DIR := $(ROOT)/tests/lab
# The controller's Python for the simulator and the publisher: the project venv when built.
LAB_PY = $(if $(wildcard $(PY)),$(PY),python3)
LAB_DEBS := debootstrap iproute2 openssh-client apt-utils dpkg-dev rsync gnupg util-linux curl

.PHONY: lab-deps lab-up lab-down lab-status lab-clean lab-test

# Only what is missing is installed, so a second run does not touch apt at all.
lab-deps:
	@missing=$$(for p in $(LAB_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "lab-deps: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The venv: the publisher signs the registry's zones with dnspython and cryptography.
lab-up: venv lab-deps
	LAB_PY=$(LAB_PY) $(LAB_DIR)/lab.sh up

lab-down:
	$(LAB_DIR)/lab.sh down

lab-status:
	@LAB_PY=$(LAB_PY) $(LAB_DIR)/lab.sh status

lab-clean: lab-down
	$(LAB_DIR)/lab.sh clean

# Up, tests, and down whatever happened (even when up failed half-way); the status is the tests'.
lab-test: venv lab-deps
	@$(LAB_DIR)/lab.sh down  # the tests need fresh hosts, not ones a demo has configured
	@rc=0; { LAB_PY=$(PY) $(LAB_DIR)/lab.sh up && $(PY) -m pytest -v $(LAB_DIR)/tests; } || rc=$$?; \
	$(LAB_DIR)/lab.sh down; exit $$rc
