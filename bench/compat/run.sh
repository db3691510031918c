#!/usr/bin/env bash
# bench/compat: each semantic of issue 4 under podkit and under `podman kube play` (Debian
# 4.3.1), observed the same way; writes docs/compatibility.md. Run as root on Debian 12:
#   bash bench/compat/run.sh [SCENARIO-ID...]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh >/dev/null
if ! command -v podman >/dev/null; then
  echo "[compat] installing podman (Debian 4.3.1) for the comparison"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null
fi
# As bench/pod-start/run.sh: podman here needs runc, cgroupfs, file events and rlimits within
# the hard limit (root lacks CAP_SYS_RESOURCE on these machines).
mkdir -p /etc/containers/containers.conf.d
cat >/etc/containers/containers.conf.d/90-podkit-bench.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
exec node --conditions=podkit-source --import tsx bench/compat/run.ts "$@"
