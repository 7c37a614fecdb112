# Code generation from proto/ (buf), owned by the service part. See buf.gen.yaml.
# Tools are pinned in tools/ and installed into tools/node_modules and tools/.venv by
# setup-gen; after that every target here works offline.

BUF := tools/node_modules/.bin/buf
GEN_NPM_STAMP := tools/node_modules/.installed
GEN_VENV_STAMP := tools/.venv/.installed
# Each SDK that ships gencode generates into its own tree, so that directory installs on
# its own; the TypeScript conformance adapter's messages go to gen/ts by their own template.
GEN_SDK_TEMPLATES := sdks/python/buf.gen.yaml sdks/ts/buf.gen.yaml conformance/adapters/ts/buf.gen.yaml
GEN_DIRS := gen sdks/python/src/distlock/_gen sdks/ts/src/gen

SETUP_TARGETS += setup-gen
TEST_TARGETS  += check-generate lint-proto breaking-proto
LINT_TARGETS  += lint-proto

$(GEN_NPM_STAMP): tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	@touch $@

$(GEN_VENV_STAMP): tools/requirements.txt
	rm -rf tools/.venv
	python3 -m venv tools/.venv
	tools/.venv/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	@touch $@

.PHONY: setup-gen
setup-gen: $(GEN_NPM_STAMP) $(GEN_VENV_STAMP) ## Install the pinned code-generation tools (buf, protoc, protoc-gen-es, protoc-gen-connectrpc) into tools/.

.PHONY: generate
generate: setup-gen ## Regenerate gen/go, gen/python and the SDKs' gencode from proto/.
	$(BUF) generate
	for t in $(GEN_SDK_TEMPLATES); do $(BUF) generate --template $$t; done

.PHONY: check-generate
check-generate: generate ## Fail when regenerating changes anything in gen/ or the SDKs' gencode (they must be committed as generated).
	@out=$$(git status --porcelain --untracked-files=all -- $(GEN_DIRS)); \
	if [ -n "$$out" ]; then echo "generated code is stale; run 'make generate' and commit:"; echo "$$out"; git --no-pager diff --stat -- $(GEN_DIRS); exit 1; fi

.PHONY: lint-proto
lint-proto: setup-gen ## buf lint (STANDARD) and buf format over proto/.
	$(BUF) lint
	$(BUF) format --diff --exit-code

.PHONY: breaking-proto
breaking-proto: setup-gen ## buf breaking (FILE) against every recent committed version of proto/.
	tools/buf-breaking.sh
