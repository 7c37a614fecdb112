# The conformance suite (conformance/): every case in conformance/cases against every
# target in conformance/targets.yaml, printed as a case x target matrix. It needs the
# Python venv and the TypeScript packages that setup-python and setup-ts install, and
# redis-server for the real-redis subset (skipped without it unless CI is set).
# Its own Go tests (schema, self-test with wrong adapters) run under test-go.

TEST_TARGETS  += test-conformance
SETUP_TARGETS += setup-conformance

CONF_TS       := conformance/adapters/ts
CONF_TS_STAMP := $(CONF_TS)/node_modules/.distlock-setup

$(CONF_TS_STAMP): $(CONF_TS)/package.json $(CONF_TS)/package-lock.json
	cd $(CONF_TS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: setup-conformance
setup-conformance: $(CONF_TS_STAMP) ## Conformance: npm ci for the TypeScript adapter (its protobuf runtime and compiler).

.PHONY: test-conformance
test-conformance: setup-python setup-ts setup-conformance ## Conformance suite: all cases x (Go core, Go SDK, raw HTTP JSON, Python SDK, TS SDK), miniredis and real redis-server; fails on any unexpected cell.
	$(GO) run ./conformance/cmd/conformance -real-redis -q

.PHONY: conformance-matrix
conformance-matrix: setup-python setup-ts setup-conformance ## Run the conformance suite and paste its matrix into conformance/README.md.
	$(GO) run ./conformance/cmd/conformance -real-redis -q -update-readme

LINT_TARGETS += lint-conformance

.PHONY: lint-conformance
lint-conformance: setup-python setup-ts setup-conformance ## Conformance adapters: ruff and mypy --strict over the Python one, a strict tsc build of the TypeScript one.
	.venv/bin/ruff check conformance/adapters/python
	.venv/bin/ruff format --check conformance/adapters/python
	cd conformance/adapters/python && ../../../.venv/bin/mypy --strict adapter.py
	npm --prefix $(CONF_TS) run --silent build
