#!/usr/bin/env bash
# Shared by the benchmarks that compare with podman: set-up, then Debian's podman 4.3.1
# configured as it must be on these machines — runc, cgroupfs, file events, and rlimits within
# the hard limit (root lacks CAP_SYS_RESOURCE here; see shared/reference/kubelet.md).
# Sourced from the repository root.
bash scripts/setup.sh >/dev/null
if ! command -v podman >/dev/null; then
  echo "[bench] installing podman (Debian 4.3.1) for the comparison"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null
fi
mkdir -p /etc/containers/containers.conf.d
cat >/etc/containers/containers.conf.d/90-podkit-bench.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
