#!/usr/bin/env bash
# bench/compat: each semantic of issue 4 under podkit and under `podman kube play` (Debian
# 4.3.1), observed the same way; writes docs/compatibility.md. Run as root on Debian 12:
#   bash bench/compat/run.sh [SCENARIO-ID...]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/podman-setup.sh
exec node --conditions=podkit-source --import tsx bench/compat/run.ts "$@"
