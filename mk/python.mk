# The Python SDK (sdks/python): a venv at the repository root with the SDK and its pinned
# dev tools, plus a wheelhouse of the SDK's runtime dependencies and build backend so the
# fresh-venv install test works offline. The tests start their own `distlock serve`.

PY_VENV       := .venv
PY            := $(PY_VENV)/bin/python
PY_SDK        := sdks/python
PY_STAMP      := $(PY_VENV)/.distlock-python-setup
PY_INSTALLED  := $(PY_VENV)/.distlock-python-installed
# Directories too: removing a file changes its directory, not any file left.
PY_SOURCES    := $(shell find $(PY_SDK)/src -not -path '*/__pycache__*')
PY_WHEELHOUSE := $(PY_VENV)/wheelhouse
# The same pins as the SDK's pyproject.toml (dependencies and build-system).
PY_WHEELS     := connectrpc==0.13.0 protobuf==7.36.2 aiohttp==3.14.5 opentelemetry-api==1.45.3 hatchling==1.33.0

SETUP_TARGETS += setup-python
TEST_TARGETS  += test-python
LINT_TARGETS  += lint-python

$(PY_STAMP): $(PY_SDK)/pyproject.toml
	test -x $(PY) || python3 -m venv $(PY_VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check '$(PY_SDK)[dev]'
	$(PY) -m pip download --quiet --disable-pip-version-check -d $(PY_WHEELHOUSE) $(PY_WHEELS)
	@touch $@

# The SDK's tests and the conformance adapters import the installed package, as users do:
# reinstall it from the tree whenever a source changed, so neither runs stale code.
$(PY_INSTALLED): $(PY_STAMP) $(PY_SOURCES)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall ./$(PY_SDK)
	@touch $@

.PHONY: setup-python
setup-python: $(PY_INSTALLED) ## Create .venv with the Python SDK, its pinned dev tools and an offline wheelhouse.

# The tests mostly wait on TTLs and renewals (22 s of CPU in a 188 s serial run), so six
# workers, each with its own `distlock serve`, fit on two cores: 43 s.
PY_TEST_WORKERS ?= 6

.PHONY: test-python
test-python: setup-python lint-python ## Python SDK: pytest against a real distlock serve (sync and async), mypy --strict, ruff.
	cd $(PY_SDK) && ../../$(PY) -m pytest -p no:cacheprovider -n $(PY_TEST_WORKERS) --dist worksteal

.PHONY: lint-python
lint-python: setup-python ## Python SDK: mypy --strict, ruff check and ruff format --check.
	cd $(PY_SDK) && ../../$(PY) -m mypy
	cd $(PY_SDK) && ../../$(PY) -m ruff check --no-cache .
	cd $(PY_SDK) && ../../$(PY) -m ruff format --no-cache --check .

# The Python bench (bench/python): the asyncio SDK through `distlock serve`, coalescing off
# and on, against pottery's AIORedlock on the same 3 redis-server nodes (issue 14). Its
# peers are pinned in bench/python/requirements.txt and installed, with the SDK, into a
# venv of their own under .venv/ so the SDK's dev venv stays as the SDK declares it.
PY_BENCH_VENV := $(PY_VENV)/bench
BENCH_PY_FLAGS ?=

.PHONY: bench-python
bench-python: ## Python SDK (asyncio; coalescing off and on) vs pottery AIORedlock through the service on 3 redis-server nodes; BENCH_PY_FLAGS=-h.
	test -x $(PY_BENCH_VENV)/bin/python || python3 -m venv $(PY_BENCH_VENV)
	$(PY_BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/python/requirements.txt
	$(PY_BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check ./$(PY_SDK)
	$(PY_BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./$(PY_SDK)
	$(GO) build -o $(PY_BENCH_VENV)/distlock ./cmd/distlock
	$(PY_BENCH_VENV)/bin/python bench/python/pottery_pairs.py --distlock $(PY_BENCH_VENV)/distlock $(BENCH_PY_FLAGS)

# `make bench` runs it too, before the Go bench (both start their own nodes).
bench: bench-python
