# The TypeScript SDK (sdks/ts): npm packages pinned by its package-lock.json. Its tests
# build `distlock` once, start their own `distlock serve`, and drive /usr/bin/chromium
# for the browser test (skipped without it, unless CI is set).

TS_SDK   := sdks/ts
TS_STAMP := $(TS_SDK)/node_modules/.distlock-setup

SETUP_TARGETS += setup-ts
TEST_TARGETS  += test-ts
LINT_TARGETS  += lint-ts

$(TS_STAMP): $(TS_SDK)/package.json $(TS_SDK)/package-lock.json
	cd $(TS_SDK) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: setup-ts
setup-ts: $(TS_STAMP) ## TypeScript SDK: npm ci in sdks/ts when node_modules is missing or older than the lockfile.

.PHONY: test-ts
test-ts: setup-ts ## TypeScript SDK: type-check (README examples too), build, unit and integration tests, install test (path and tarball, README examples), headless Chromium test.
	cd $(TS_SDK) && npm test --silent

.PHONY: lint-ts
lint-ts: setup-ts ## TypeScript SDK: strict type-check of the sources, specs and README examples.
	cd $(TS_SDK) && npm run --silent typecheck

.PHONY: ui
ui: setup-ts ## Inspector page: bundle sdks/ts/inspector/main.ts with the SDK into internal/ui/page/app.js (committed; `distlock serve` embeds it).
	cd $(TS_SDK) && node scripts/build-inspector.mjs

.PHONY: ui-screenshots
ui-screenshots: setup-ts ## Retake docs/ui/*.png (the README's inspector screenshots) with the inspector's Chromium spec.
	cd $(TS_SDK) && node scripts/build.mjs && node scripts/build-tests.mjs && DISTLOCK_UPDATE_SCREENSHOTS=1 node scripts/test.mjs inspector.spec

# The TypeScript SDK against node-redlock (bench/ts, its own package.json: redlock and
# ioredis are bench-only, never dependencies of the SDK). `make bench` runs it first.
BENCH_TS       := bench/ts
BENCH_TS_STAMP := $(BENCH_TS)/node_modules/.distlock-setup

$(BENCH_TS_STAMP): $(BENCH_TS)/package.json $(BENCH_TS)/package-lock.json
	cd $(BENCH_TS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: setup-bench-ts
setup-bench-ts: $(BENCH_TS_STAMP) ## TypeScript bench: npm ci in bench/ts (node-redlock and ioredis, pinned).

.PHONY: bench-ts
bench-ts: setup-ts setup-bench-ts ## TypeScript SDK through distlock serve vs node-redlock on 3 redis-server nodes, c=1 and c=16, SDK before/after (about 1 minute); BENCH_TS_FLAGS="--reps 1".
	cd $(TS_SDK) && node scripts/build.mjs
	node $(BENCH_TS)/bench.mjs $(BENCH_TS_FLAGS)

bench: bench-ts
