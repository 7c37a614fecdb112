#!/usr/bin/env bash
# Fails when the schema in proto/ breaks (buf's FILE rules) any earlier committed version
# of it. Checking every recent version, not only the previous one, means the schema that
# last landed is always among them, whichever commit that was, and that a field added by
# one landing cannot silently disappear in a later one. It passes on the first landing,
# where the only earlier version is the lead's draft.
#
# BREAKING_AGAINST=<git ref> checks against that one ref instead: the way to start over
# after a deliberate break, which needs a new package (distlock.v2) anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=tools/node_modules/.bin/buf

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ -n "${BREAKING_AGAINST:-}" ]]; then
  refs=$(git rev-parse --verify "$BREAKING_AGAINST^{commit}")
else
  refs=$(git log --format=%H -n 20 -- proto)
fi

declare -A seen=()
checked=0
for ref in $refs; do
  tree=$(git rev-parse --verify -q "$ref:proto") || continue # proto/ deleted there
  [[ -n "${seen[$tree]:-}" ]] && continue
  seen[$tree]=1
  mkdir -p "$tmp/$tree"
  git archive "$ref" proto | tar -x -C "$tmp/$tree"
  "$buf" breaking --against "$tmp/$tree/proto"
  checked=$((checked + 1))
done
echo "buf breaking: proto/ is compatible with $checked earlier version(s)"
