# The conformance suite (conformance/): every case in conformance/cases against every
# target in conformance/targets.yaml, printed as a case x target matrix. It needs the
# Python venv and the TypeScript packages that setup-python and setup-ts install, and
# redis-server for the real-redis subset (skipped without it unless CI is set).
# Its own Go tests (schema, self-test with wrong adapters) run under test-go.

TEST_TARGETS += test-conformance

.PHONY: test-conformance
test-conformance: setup-python setup-ts ## Conformance suite: all cases x (Go core, Go SDK, raw HTTP JSON, Python SDK, TS SDK), miniredis and real redis-server; fails on any unexpected cell.
	$(GO) run ./conformance/cmd/conformance -real-redis -q

.PHONY: conformance-matrix
conformance-matrix: setup-python setup-ts ## Run the conformance suite and paste its matrix into conformance/README.md.
	$(GO) run ./conformance/cmd/conformance -real-redis -q -update-readme

LINT_TARGETS += lint-conformance

.PHONY: lint-conformance
lint-conformance: setup-python ## Conformance adapters: ruff and mypy --strict over the Python ones, node --check over the TypeScript one.
	.venv/bin/ruff check conformance/adapters/python
	.venv/bin/ruff format --check conformance/adapters/python
	cd conformance/adapters/python && ../../../.venv/bin/mypy --strict adapter.py adapter_async.py
	node --check conformance/adapters/ts/adapter.mjs
