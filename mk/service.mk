# The lock service: connectsvc, internal/server and `distlock serve`. Its Go tests run
# with the rest of the module in test-go; this adds a race-detector pass and a dev server.

SERVICE_PKGS := ./connectsvc/... ./internal/server/...

TEST_TARGETS += test-service-race

.PHONY: test-service-race
test-service-race: ## Race-detector run of connectsvc and internal/server (handlers, drain, shutdown).
	$(GO) test -race -count=1 -timeout 5m $(SERVICE_PKGS)

.PHONY: serve
serve: ## Run `distlock serve` on :8080 with three embedded Redis servers (development only).
	$(GO) run ./cmd/distlock serve
