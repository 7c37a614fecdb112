# Benchmarks (bench/, its own Go module so redsync never enters the main module).
# `make bench` is not part of `make test`; test-bench only keeps the harness from rotting.

BENCH_FLAGS ?=

.PHONY: bench
bench: ## Benchmark distlock vs redsync vs raw go-redis on 3 local redis-server processes (a few minutes); BENCH_FLAGS=-h lists options.
	cd bench && $(GO) run . $(BENCH_FLAGS)

.PHONY: test-bench
test-bench: ## Build the bench module and run its unit tests (a tiny end-to-end run against real redis-server).
	cd bench && $(GO) build ./... && $(GO) test -count=1 -timeout 5m ./...

.PHONY: lint-bench
lint-bench: ## go vet and staticcheck over the bench module.
	cd bench && $(GO) vet ./...
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(GO) build -o "$$tmp/staticcheck" honnef.co/go/tools/cmd/staticcheck && \
		cd bench && "$$tmp/staticcheck" ./...

TEST_TARGETS += test-bench
LINT_TARGETS += lint-bench
