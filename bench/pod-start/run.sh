#!/usr/bin/env bash
# bench/pod-start: `podkit up -d` vs `podman kube play` of the same two-container busybox pod,
# interleaved in one run; prints p50/p95 of each and the ratio, and the resident memory of
# podkit's own processes per running pod. Run as root on Debian 12:
#   bash bench/pod-start/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/podman-setup.sh
exec node --import tsx bench/pod-start/bench.ts "${1:-20}"
