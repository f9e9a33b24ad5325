# KVM essentials: `make demo` converges a demo host VM, `make test` runs every test layer.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
LAB := $(PY) -m tests.labkit
APT_PACKAGES := $(shell sed 's/\#.*//' tests/apt-packages.txt)
COLLECTION_LINK := build/collections/ansible_collections/essentials/kvm
PYTEST_ARGS ?=
# The demo host's Debian suite: trixie (13) or bookworm (12).
DEMO_SUITE ?= trixie

.PHONY: help deps test unit fuzz lint format changelog lab-up lab-down lab-status demo demo-down report

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

deps: build/.apt-stamp $(VENV)/.stamp $(COLLECTION_LINK)  ## install apt packages and the Python venv

# Daemons are started by the lab, never by the package scripts (policy-rc.d answers 101).
build/.apt-stamp: tests/apt-packages.txt
	@mkdir -p build
	@missing=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(APT_PACKAGES) 2>/dev/null \
	  | awk '$$1 == "ii" {print $$2}' | sort | comm -13 - <(tr ' ' '\n' <<< "$(APT_PACKAGES)" | sort -u | grep .)); \
	if [ -n "$$missing" ]; then \
	  echo "apt: installing $$missing"; \
	  created=; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created=1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; rc=$$?; \
	  [ -z "$$created" ] || rm -f /usr/sbin/policy-rc.d; [ $$rc = 0 ] || exit $$rc; \
	fi
	@touch $@

$(VENV)/.stamp: tests/requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r tests/requirements.txt
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

# The homelab's site tests converge a host VM of their own from bare to done, one VM's work at a time. The whole
# suite runs them in a pytest of their own beside the rest, at a low priority (niceness 10: a tenth of a core
# the others want, so their runs keep within their timeouts): they take the CPU the other layers leave idle,
# and their log follows the main one (docs/testing.md, "Time per layer").
HOMELAB_TESTS := tests/host/test_site_homelab.py
HOMELAB_LOG := build/homelab-tests.log

test: deps  ## run unit, lab, host and sanity tests; the lab is started and stopped around them
	$(LAB) up
	status=0; \
	if [ -n "$(PYTEST_ARGS)" ]; then $(PY) -m pytest $(PYTEST_ARGS) || status=$$?; else \
	  nice -n 10 $(PY) -m pytest $(HOMELAB_TESTS) > $(HOMELAB_LOG) 2>&1 & homelab=$$!; \
	  $(PY) -m pytest --ignore=$(HOMELAB_TESTS) || status=$$?; \
	  wait $$homelab || status=$$?; echo "== $(HOMELAB_TESTS), run beside the rest:"; cat $(HOMELAB_LOG); \
	fi; \
	$(LAB) down || status=1; $(LAB) check-clean || status=1; exit $$status

unit: deps  ## unit tests only (seconds, no root)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

LINT_PATHS := plugins tests bench

lint: $(VENV)/.stamp  ## ruff check and ruff format --check (ruff.toml); tests/sanity/test_ruff.py does the same in make test
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

format: $(VENV)/.stamp  ## apply ruff's safe fixes and its formatting
	$(VENV)/bin/ruff check --fix $(LINT_PATHS)
	$(VENV)/bin/ruff format $(LINT_PATHS)

# antsibull-changelog lists new modules and roles with ansible-doc, which it looks up on PATH.
CHANGELOG_TOOL := PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/antsibull-changelog
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)

changelog: $(VENV)/.stamp  ## fold changelogs/fragments into changelogs/changelog.yaml (galaxy.yml's version), write CHANGELOG.md
	$(CHANGELOG_TOOL) lint
	$(CHANGELOG_TOOL) release --version $(VERSION)
	@{ echo '> Generated from `changelogs/` by `make changelog` (antsibull-changelog): add a fragment to'; \
	  echo '> `changelogs/fragments/` instead of editing this file.'; echo; cat CHANGELOG.md; } > CHANGELOG.md.new
	@mv CHANGELOG.md.new CHANGELOG.md

# FUZZ_SCALE multiplies the generated tests' examples (1 in make unit/test, about 20,000 cases); the seed is random
# unless FUZZ_SEED is given, and printed with the counts, so a failure can be replayed with FUZZ_SEED=<seed>.
FUZZ_SCALE ?= 20
fuzz: deps  ## long run of the generated-input tests (FUZZ_SCALE=20, random seed; FUZZ_SEED=N to replay)
	FUZZ_SCALE=$(FUZZ_SCALE) FUZZ_SEED=$${FUZZ_SEED:-$$RANDOM$$RANDOM} $(PY) -m pytest -p no:cacheprovider \
	  tests/unit/test_generated_inputs.py tests/unit/test_generated_apply.py tests/unit/test_generated_interfaces.py \
	  tests/unit/test_generated_ovs.py \
	  $(PYTEST_ARGS)

lab-up: deps  ## start the lab (libvirtd, virtlogd, ovsdb-server, ovs-vswitchd in a namespace)
	$(LAB) up

lab-down:  ## stop the lab and remove its VMs, networks and namespaces
	$(LAB) down

lab-status:
	$(LAB) status

demo: deps  ## boot a bare Debian 13 host VM (DEMO_SUITE=bookworm: Debian 12), converge it with playbooks/site.yml twice
	$(LAB) demo --suite $(DEMO_SUITE)

demo-down:  ## remove the demo host VM and stop the lab
	$(LAB) demo-down

report: $(VENV)/.stamp $(COLLECTION_LINK)  ## fleet report of INVENTORY in report/ (index.html, fleet.json); changes no host
	@test -n "$(INVENTORY)" || { echo "usage: make report INVENTORY=path/to/inventory [REPORT_DIR=report]"; exit 2; }
	@command -v dot >/dev/null || { echo "the report needs Graphviz dot (apt-get install graphviz)"; exit 2; }
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/build/collections $(VENV)/bin/ansible-playbook -i $(INVENTORY) \
	  playbooks/report.yml -e report_dir=$(abspath $(or $(REPORT_DIR),report))
