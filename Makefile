# The two commands of the README's Quick start: `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCAL_PORT ?= 4750
LOCAL_URL := http://127.0.0.1:$(LOCAL_PORT)
STATE_DIR := $(CURDIR)/.pulumi-state

# The local stack's fake credentials and endpoints, for the dynamic providers (boto3) too.
LOCAL_ENV := AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-west-2 \
	AWS_ENDPOINT_URL=$(LOCAL_URL) PULUMI_BACKEND_URL=file://$(STATE_DIR) \
	PULUMI_CONFIG_PASSPHRASE=$${PULUMI_CONFIG_PASSPHRASE-local} PULUMI_PARALLEL=$${PULUMI_PARALLEL-64}

.PHONY: install install-base venv pulumi-cli test lint typecheck unit bench up local-aws down clean

# uv when it is there (seconds), else pip (about a minute for the base install the first time).
PIP := $(shell command -v uv >/dev/null 2>&1 && echo "uv pip install --python $(BIN)/python" || echo "$(BIN)/python -m pip install --disable-pip-version-check")

# A .venv left by another Python (too old, or removed since) is rebuilt, saying so, instead of
# failing the same way on every run.
venv:
	@if { [ -e $(BIN)/python ] || [ -L $(BIN)/python ]; } && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "install: $(VENV) was made by an unsupported or missing Python ($$($(BIN)/python -V 2>&1 | head -1)); rebuilding it with $(PYTHON)"; \
		rm -rf $(VENV); \
	fi
	@test -x $(BIN)/python || { echo "install: creating $(VENV) with $$($(PYTHON) -V 2>&1)"; $(PYTHON) -m venv $(VENV); }

# What `make up` needs: the package and the local AWS. `make test` adds the dev tools.
$(BIN)/.installed-base: pyproject.toml | venv
	@echo "install: the package and the local AWS into $(VENV) (pip shows its progress)"
	$(PIP) -e '.[local]'
	@touch $@

$(BIN)/.installed: pyproject.toml $(BIN)/.installed-base | venv
	@echo "install: the test and lint tools into $(VENV)"
	$(PIP) --quiet -e '.[dev]'
	@touch $@

install-base: venv $(BIN)/.installed-base
install: venv $(BIN)/.installed

# The Pulumi CLI: yours on PATH if you have one, else built from Go source into .tools/bin
# (with the dynamic-provider plugin beside it). Cached: seconds after the first build.
TOOLS_BIN := $(CURDIR)/.tools/bin
PULUMI_PATH := PATH="$(TOOLS_BIN):$$PATH"
pulumi-cli: install-base
	$(BIN)/python -m sagestack.toolchain

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/bandit -q -ll -r components sagestack policy
	$(BIN)/sagestack validate

typecheck: install
	$(BIN)/pyright

# Most tests wait on the local AWS rather than compute, so 4 workers fit 2 cores. The engine
# tests (tests/test_engine.py) run the CLI that `pulumi-cli` provides.
unit: install
	$(BIN)/python -m sagestack.toolchain --optional
	$(PULUMI_PATH) $(BIN)/pytest -n 4

test: lint typecheck unit

# Measured numbers (README: Benchmarks); not part of `make test`.
bench: install pulumi-cli
	for b in waiter state_weight program_overhead concurrency import_time engine_scale; do $(PULUMI_PATH) $(BIN)/python -m bench.$$b || exit 1; done

# Start the local AWS in the background unless one already answers on LOCAL_PORT.
local-aws: install-base
	@if curl -fsS $(LOCAL_URL)/_sagestack/health >/dev/null 2>&1; then \
		echo "local AWS already running at $(LOCAL_URL) ('make down' stops it)"; \
	else \
		nohup $(BIN)/sagestack local --port $(LOCAL_PORT) > .sagestack-local.$(LOCAL_PORT).log 2>&1 & \
		for i in $$(seq 1 50); do \
			curl -fsS $(LOCAL_URL)/_sagestack/health >/dev/null 2>&1 && break; sleep 0.2; \
		done; \
		curl -fsS $(LOCAL_URL)/_sagestack/health >/dev/null || { cat .sagestack-local.$(LOCAL_PORT).log; exit 1; }; \
		echo "local AWS running at $(LOCAL_URL) (log .sagestack-local.$(LOCAL_PORT).log; 'make down' stops it)"; \
	fi

up: local-aws pulumi-cli
	@mkdir -p $(STATE_DIR)
	@$(PULUMI_PATH) $(BIN)/python -m sagestack.toolchain --check-up
	$(PULUMI_PATH) $(LOCAL_ENV) pulumi stack select local --create --non-interactive
	$(PULUMI_PATH) $(LOCAL_ENV) pulumi up --stack local --yes --non-interactive

# Stop the local AWS answering on LOCAL_PORT, whoever started it: it tells its own pid.
down:
	@pid=$$(curl -fsS $(LOCAL_URL)/_sagestack/health 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null); \
	if [ -n "$$pid" ] && kill $$pid 2>/dev/null; then \
		for i in $$(seq 1 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
		echo "local AWS at $(LOCAL_URL) stopped (pid $$pid)"; \
	else \
		echo "no local AWS answering at $(LOCAL_URL)"; \
	fi

clean: down
	rm -rf $(VENV) .pytest_cache .ruff_cache .tools
