#!/usr/bin/env bash
# Runs every *.test.ts under packages/ (and bench/ smoke tests) with node:test through tsx.
# Node 20's --test does not expand globs, so the files are listed with find.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find packages -path '*/node_modules' -prune -o -path '*/dist' -prune -o -name '*.test.ts' -print | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi
# A test that hangs fails after 10 minutes instead of holding CI until its limit, and a file
# whose tests are done exits even if a leaked handle would keep its event loop alive
# (scripts/test-exit-guard.ts; not --test-force-exit, which drops tests on Node 20).
exec node --conditions=podkit-source --import tsx --import ./scripts/test-exit-guard.ts --test \
  --test-concurrency="${PODKIT_TEST_CONCURRENCY:-2}" --test-timeout=600000 \
  "$@" "${files[@]}"
