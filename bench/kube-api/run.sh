#!/usr/bin/env bash
# bench/kube-api: `kubectl get pods` against podkit's Kubernetes API with 50 running pods,
# beside `podkit ps` of the same pods (interleaved, RUNS each), and the time from
# `kubectl apply -f pod.yaml` to the pod Running (`kubectl wait`), beside `podkit up --wait`.
# Run as root after `npm run build`:
#   bash bench/kube-api/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --import tsx bench/kube-api/bench.ts "${1:-20}"
