#!/usr/bin/env bash
# bench/pod-start: `podkit up -d` vs `podman kube play` of the same two-container busybox pod,
# interleaved in one run; prints p50/p95 of each and the ratio, then the memory of podkit's agent
# and conmons with 1 and 10 running pods beside podman's conmons. Run as root on Debian 12:
#   bash bench/pod-start/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/podman-setup.sh
exec node --import tsx bench/pod-start/bench.ts "${1:-20}"
