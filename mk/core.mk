# core: the Go API package, core/memory and the core/locktest suite.
# Their plain tests run in test-go with the rest of the module; this adds a race-detector
# pass over the concurrent code (Client, Hold, the memory store) and a fuzzing target.

TEST_TARGETS += test-core-race

.PHONY: test-core-race
test-core-race: ## Race-detector run of core and core/memory (-short: real-time expiry cases skipped).
	$(GO) test -race -short -count=1 ./core/ ./core/memory/

FUZZTIME ?= 30s

.PHONY: fuzz-core
fuzz-core: ## Fuzz resource and lease validation and service URLs, FUZZTIME (30s) each.
	for f in FuzzValidateResource FuzzValidateLease FuzzOpen; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./core/ || exit 1; \
	done
