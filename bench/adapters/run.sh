#!/usr/bin/env bash
# bench/adapters: scrape latency, CPU and memory of podkit-metrics-adapter vs Debian's
# prometheus-redis-exporter and prometheus-nginx-exporter (same redis-server, same nginx), and
# the log adapter's lines per second and CPU, in one run. Loopback only; cleans up after itself.
#   bash bench/adapters/run.sh [scrapes per endpoint, default 2000] [log lines, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/../.."
for cmd in redis-server redis-cli nginx prometheus-redis-exporter prometheus-nginx-exporter; do
  command -v "$cmd" >/dev/null || { echo "bench/adapters: $cmd is missing (bash scripts/setup.sh)" >&2; exit 1; }
done
# The adapters run as built, as in the example's images.
npx tsc -b packages/adapters/tsconfig.build.json
exec node --conditions=podkit-source --import tsx bench/adapters/run.ts "$@"
