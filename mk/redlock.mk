# core/redlock: its tests run with the main module's `go test ./...` (test-go); these
# targets are for working on the package.

.PHONY: test-redlock fuzz-redlock bench-redlock
test-redlock: ## Run core/redlock's tests (miniredis and real redis-server processes).
	$(GO) test -count=1 ./core/redlock/...

fuzz-redlock: ## Fuzz core/redlock's inputs (service URLs; resource names, TTLs, payloads), 30 s each.
	$(GO) test -run '^$$' -fuzz '^FuzzParseService$$' -fuzztime 30s -parallel 1 ./core/redlock/
	$(GO) test -run '^$$' -fuzz '^FuzzAcquireInput$$' -fuzztime 30s -parallel 1 ./core/redlock/

bench-redlock: ## Acquire+release pairs/s of core/redlock over 3 redis-server processes.
	$(GO) test -count=1 -run '^$$' -bench Pairs -benchtime 2s ./core/redlock/
