#!/usr/bin/env bash
# bench/image-pull: cold pull + unpack of a five-layer image from a local docker-registry by
# `podkit image pull` vs `podman pull` and vs `skopeo copy` + `umoci unpack`, interleaved run by
# run; then warm pod start (image cached) by `podkit up -d` vs `podman kube play`. Run as root on
# Debian 12:
#   bash bench/image-pull/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/podman-setup.sh
for tool in docker-registry skopeo umoci; do
  if ! command -v "$tool" >/dev/null; then
    echo "[bench] installing $tool"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      docker-registry skopeo umoci >/dev/null
  fi
done
exec node --import tsx bench/image-pull/run.ts "${1:-10}"
