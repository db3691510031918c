#!/usr/bin/env bash
# The README's test command: all set-up, then lint, typecheck and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[test] lint"
npm run --silent lint
echo "[test] typecheck"
npm run --silent typecheck
echo "[test] tests"
bash scripts/run-tests.sh
