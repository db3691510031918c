#!/usr/bin/env bash
# bench/redis-app: the whole examples/redis-ambassador app (3 Redis nodes, 3 Sentinels, the app
# with its ambassador: 7 pods) — the time from `podkit up --wait -f app.yaml` to every pod
# Ready, over RUNS up/down runs (p50/max), and the memory of podkit's processes (agent +
# conmons) while it runs. Run as root after `npm run build`:
#   bash bench/redis-app/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --import tsx bench/redis-app/bench.ts "${1:-5}"
