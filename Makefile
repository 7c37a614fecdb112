# distlock — the one entry point for building, testing and generating.
# Each part of the repo adds its own targets in mk/<part>.mk and appends them to the
# TEST_TARGETS / SETUP_TARGETS / LINT_TARGETS lists, so this file stays short.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
TEST_TARGETS  := test-go
SETUP_TARGETS :=
LINT_TARGETS  := lint-go

include $(sort $(wildcard mk/*.mk))

.PHONY: help
help: ## Show this help.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

.PHONY: setup
setup: $(SETUP_TARGETS) ## Install project-local dependencies (Python venv, npm packages).

.PHONY: test
test: setup ## Run the whole test suite (Go, SDKs, browser, conformance).
	@$(MAKE) --no-print-directory $(TEST_TARGETS)

.PHONY: test-go
# Four test binaries at a time on two cores: the slow packages (core/redlock, the Go SDK)
# mostly wait on TTLs, so this takes 98 s instead of 138 s.
test-go: ## Run the Go tests of the main module (real redis-server tests skip if it is absent, unless CI is set).
	$(GO) test -p 4 -count=1 -timeout 10m ./...

.PHONY: lint
lint: $(LINT_TARGETS) ## Run every linter.

.PHONY: lint-go
lint-go: ## go vet, staticcheck and gofmt over the Go code.
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
