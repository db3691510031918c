#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine, run as root: installs every system package
# podkit and its tests need (skipping those already installed), then `npm ci` (only when the
# lockfile changed since the last install) and the build. Says what it does.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

# System packages. Later issues append theirs here; keep the list sorted and commented.
packages=(
  attr                        # setfattr: overlay opaque-directory marks when unpacking OCI layers
  apache2-utils               # htpasswd: registry tests' basic-auth users
  busybox-static              # a tiny root filesystem for test images
  ca-certificates             # https git remotes (push-to-deploy, git-sync) and registries; git and curl only recommend it
  catatonit                   # the pod sandbox's pause process
  conmon                      # holds each container (stdio, CRI log, exit status), as for CRI-O and podman
  containernetworking-plugins # bridge, host-local, portmap, loopback CNI plugins (/usr/lib/cni)
  curl                        # the examples' READMEs fetch their pages with curl (readme-examples.test.ts types them as written)
  docker-registry             # a real OCI distribution registry for image pull tests
  git                         # git-sync and its tests
  iproute2                    # ip netns / ip link, for checks and cleanup
  iptables                    # CNI portmap/bridge masquerade rules
  openssh-client              # ssh: git-sync's ssh remotes and its image (build-node --include /usr/bin/ssh); git only recommends it
  openssl                     # registry tests: certificates for the TLS registry and token server
  nftables                    # nft: the node agent's Service proxy writes its own nftables table (agent/src/proxy)
  nutcracker                  # twemproxy: the anchor of bench/redis
  nginx-light                 # host-image web server: runtime tests and the push-to-deploy example
  prometheus prometheus-redis-exporter prometheus-nginx-exporter # adapters: promtool, a real scraper, differential tests
  redis-server redis-sentinel redis-tools # redis-ambassador tests/bench: backends, Sentinel, redis-benchmark
  runc                        # executes containers
  tcl                         # tclsh: bench/redis/suite.ts runs Redis's own TCL suites (their tree is not committed)
  skopeo umoci                # images: reference tools the OCI layout writer and registry tests check against (skopeo brings containers-common: /usr/share/containers/seccomp.json, the RuntimeDefault profile)
  zstd                        # the OCI layout writer compresses zstd layers (unpack-layer tests)
)

if [ "$(id -u)" -ne 0 ]; then
  say "not root: skipping system packages (podkit's runtime and its tests need root)"
else
  missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "system packages already installed (${#packages[@]})"
  fi
fi

command -v node >/dev/null || { say "node is missing: install Node.js 20 (>= 20.19) first"; exit 1; }

# npm ci only when package-lock.json changed since the last successful install.
stamp=node_modules/.podkit-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "node modules up to date"
else
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

say "building"
npm run --silent build

# `podkit` on PATH: sudo, timeout and watch find it (a link to the bundled bin of this clone).
bin="$PWD/packages/cli/dist/bundle/podkit.js"
chmod 755 "$bin"
if [ "$(id -u)" -eq 0 ]; then
  if [ "$(readlink /usr/local/bin/podkit 2>/dev/null)" != "$bin" ]; then
    ln -sfn "$bin" /usr/local/bin/podkit
    say "linked /usr/local/bin/podkit -> $bin"
  fi
else
  say "not root: /usr/local/bin/podkit not linked (run: sudo ln -s $bin /usr/local/bin/podkit)"
fi
say "done"
