#!/usr/bin/env bash
# bench/pod-start: `podkit up -d` vs `podman kube play` of the same two-container busybox pod,
# interleaved in one run; prints p50/p95 of each and the ratio, and the resident memory of
# podkit's own processes per running pod. Run as root on Debian 12:
#   bash bench/pod-start/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh >/dev/null
if ! command -v podman >/dev/null; then
  echo "[bench] installing podman (Debian 4.3.1) for the comparison"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null
fi
# podman on these machines needs runc, cgroupfs, file events and rlimits within the hard limit
# (root lacks CAP_SYS_RESOURCE here); see shared/reference/kubelet.md.
mkdir -p /etc/containers/containers.conf.d
cat >/etc/containers/containers.conf.d/90-podkit-bench.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
exec node --import tsx bench/pod-start/bench.ts "${1:-20}"
