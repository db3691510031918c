#!/usr/bin/env bash
# Shared by the benchmarks that compare with podman: set-up, then Debian's podman 4.3.1
# configured as it must be on these machines — runc, cgroupfs, file events, and rlimits within
# the hard limit (root lacks CAP_SYS_RESOURCE here; see shared/reference/kubelet.md).
# Sourced from the repository root.
bash scripts/setup.sh >/dev/null
# podman with its own network stack (netavark, aardvark-dns: recommends of podman, which a
# --no-install-recommends install leaves out; without them its CNI fallback fails here with
# "route ip+net: no such network interface").
missing=()
for p in podman netavark aardvark-dns; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "[bench] installing ${missing[*]} (Debian) for the comparison"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p /etc/containers/containers.conf.d
cat >/etc/containers/containers.conf.d/90-podkit-bench.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[network]
network_backend = "netavark"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
