# The project's own set-up: `make demo` and `make test` need nothing installed by hand.
# Every step leaves a stamp, so a second run only re-does what changed and stays quiet.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMPS := $(VENV)/.stamps
# rustup installs into ~/.cargo/bin, which a non-login shell may not have on PATH.
export PATH := $(HOME)/.cargo/bin:$(PATH)
# Build and test the extension against the virtualenv's interpreter, never whatever python3 is first.
export PYO3_PYTHON := $(abspath $(PY))
RUST_MIN := 1.85
NATIVE_SOURCES := $(shell find native -name '*.rs' -o -name Cargo.toml) Cargo.toml Cargo.lock pyproject.toml

.PHONY: help setup sysdeps demo test lint fmt cargo-test pytest bench lock clean

help:
	@echo "make demo   - set up, then run the main job (local Kafka + native data plane)"
	@echo "make test   - set up, then lint, cargo test and pytest against a real local broker"
	@echo "make setup | lint | fmt | bench | lock | clean"

setup: $(STAMPS)/native $(STAMPS)/kafka-jars

# Debian packages the project needs; installed with apt-get only when something is missing.
sysdeps: $(STAMPS)/sysdeps
$(STAMPS)/sysdeps: Makefile
	@missing=(); \
	java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])' || missing+=(openjdk-17-jdk-headless); \
	command -v mvn >/dev/null || missing+=(maven); \
	command -v cc >/dev/null || missing+=(build-essential); \
	command -v curl >/dev/null || missing+=(curl); \
	python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv); \
	if [ $${#missing[@]} -gt 0 ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make: missing Debian packages: $${missing[*]} (run as root, or apt-get install them)" >&2; exit 1; fi; \
	  echo "Installing Debian packages: $${missing[*]}"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$${missing[@]}" >/dev/null; \
	fi; \
	have=$$(cargo --version 2>/dev/null | awk '{print $$2}'); \
	if [ -z "$$have" ] || [ "$$(printf '%s\n' $(RUST_MIN) "$$have" | sort -V | head -1)" != "$(RUST_MIN)" ]; then \
	  echo "make: Rust >= $(RUST_MIN) (cargo) is required, found '$${have:-none}'; install it with rustup" >&2; exit 1; fi
	@mkdir -p $(STAMPS) && touch $@

$(PY): | $(STAMPS)/sysdeps
	@python3 -m venv $(VENV)

# The hashed lock file pins every Python package, direct and transitive.
$(STAMPS)/deps: requirements.lock $(STAMPS)/sysdeps | $(PY)
	@$(PY) -m pip install -q --disable-pip-version-check uv==0.13.8
	@$(VENV)/bin/uv pip install -q --python $(PY) --require-hashes -r requirements.lock
	@touch $@

$(STAMPS)/native: $(STAMPS)/deps $(NATIVE_SOURCES)
	@echo "Building the native extension (release)..."
	@VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --uv -q 2>&1 \
	  | grep -vE '^(📦|✏️|🛠|Resolved|Checked|Audited)' || true
	@$(PY) -c 'import engine._native' && touch $@

# Apache Kafka's jars, resolved once by Maven into ~/.cache/kconnect (the command is a no-op when cached).
$(STAMPS)/kafka-jars: $(STAMPS)/native engine/localkafka/pom.xml
	@$(VENV)/bin/kconnect kafka install
	@touch $@

demo: setup
	@$(VENV)/bin/kconnect demo

lint: $(STAMPS)/native
	@$(VENV)/bin/ruff check --quiet engine connectors tests bench
	@$(VENV)/bin/ruff format --check --quiet engine connectors tests bench
	@$(VENV)/bin/mypy --no-error-summary
	@cargo fmt --all --check
	@cargo clippy --quiet --workspace --all-targets -- -D warnings

fmt: $(STAMPS)/deps
	@$(VENV)/bin/ruff format --quiet engine connectors tests bench
	@$(VENV)/bin/ruff check --quiet --fix engine connectors tests bench
	@cargo fmt --all

cargo-test: $(STAMPS)/sysdeps $(PY)
	@cargo test --quiet --workspace

# Group rebalances are timing-sensitive: the tests that run them get a broker of their own, started
# by their own pytest session, instead of one already busy with the rest of the suite's groups.
pytest: setup
	@$(PY) -m pytest -q -m "not cluster"
	@$(PY) -m pytest -q -m cluster

test: setup lint cargo-test pytest

bench: setup
	@$(PY) -m pytest bench --benchmark-enable -q

lock: $(STAMPS)/deps
	@$(VENV)/bin/uv pip compile pyproject.toml --group dev --python-version 3.11 --generate-hashes -q -o requirements.lock

clean:
	@rm -rf target engine/_native*.so $(STAMPS)/native .pytest_cache .mypy_cache .ruff_cache
