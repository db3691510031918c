#!/usr/bin/env bash
# The Redis side of the example, as host processes: a master, two replicas and three
# Sentinels (down-after 2000 ms, quorum 2), listening on 127.0.0.1 and on the pod network's
# gateway address (the host side of podkit's bridge), which is how the pod reaches the host.
#
#   bash examples/redis-ambassador/backends.sh up      # start (idempotent: stops a previous run)
#   bash examples/redis-ambassador/backends.sh down    # stop and remove the state directory
#
# Settings (environment): GATEWAY (10.89.0.1), BRIDGE (podkit0), PREFIX_LEN (16),
# PORT_BASE (6380: master, +1 and +2 replicas, Sentinels at PORT_BASE+20000 … +20002),
# DIR (/run/podkit-redis-demo). The bridge is created as podkit's CNI bridge would create it
# when it does not exist yet (no pod has run since boot), so the nodes can bind to GATEWAY.
set -euo pipefail
GATEWAY=${GATEWAY:-10.89.0.1}
BRIDGE=${BRIDGE:-podkit0}
PREFIX_LEN=${PREFIX_LEN:-16}
PORT_BASE=${PORT_BASE:-6380}
DIR=${DIR:-/run/podkit-redis-demo}
MASTER=$PORT_BASE
REPLICAS="$((PORT_BASE + 1)) $((PORT_BASE + 2))"
SENTINELS="$((PORT_BASE + 20000)) $((PORT_BASE + 20001)) $((PORT_BASE + 20002))"

down() {
  for f in "$DIR"/*.pid; do
    [ -e "$f" ] || continue
    kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  rm -rf "$DIR"
}

wait_port() { # port, what (up to 30 s: a loaded machine is slow to start a node)
  for _ in $(seq 1 600); do
    redis-cli -h 127.0.0.1 -p "$1" PING >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "backends: $2 on port $1 did not start (see $DIR/*.log)" >&2
  exit 1
}

node_up() { # name, port, extra redis-server args…
  local name=$1 port=$2
  shift 2
  mkdir -p "$DIR/$name"
  # Protected mode would refuse the pod (not loopback); these nodes listen only on loopback
  # and on the host side of the pod bridge, which nothing outside this machine can reach.
  redis-server --port "$port" --bind "127.0.0.1 $GATEWAY" --protected-mode no \
    --dir "$DIR/$name" --save '' --appendonly no --daemonize yes --pidfile "$DIR/$name.pid" --logfile "$DIR/$name.log" \
    --replica-announce-ip "$GATEWAY" "$@"
  wait_port "$port" "$name"
}

up() {
  down
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip link set "$BRIDGE" up
  fi
  if ! ip -4 addr show dev "$BRIDGE" | grep -q "inet $GATEWAY/"; then
    ip addr add "$GATEWAY/$PREFIX_LEN" dev "$BRIDGE"
  fi
  node_up master "$MASTER"
  local i=1
  for p in $REPLICAS; do
    node_up "replica-$i" "$p" --replicaof "$GATEWAY" "$MASTER"
    i=$((i + 1))
  done
  for p in $REPLICAS; do
    for _ in $(seq 1 200); do
      redis-cli -p "$p" INFO replication | grep -q 'master_link_status:up' && break
      sleep 0.05
    done
  done
  i=1
  for p in $SENTINELS; do
    # Sentinel rewrites its configuration file, so each has its own in DIR.
    cat >"$DIR/sentinel-$i.conf" <<CONF
port $p
bind 127.0.0.1 $GATEWAY
protected-mode no
daemonize yes
pidfile $DIR/sentinel-$i.pid
logfile $DIR/sentinel-$i.log
dir $DIR
sentinel announce-ip $GATEWAY
sentinel monitor mymaster $GATEWAY $MASTER 2
sentinel down-after-milliseconds mymaster 2000
sentinel failover-timeout mymaster 10000
sentinel parallel-syncs mymaster 1
CONF
    redis-sentinel "$DIR/sentinel-$i.conf"
    wait_port "$p" "sentinel-$i"
    i=$((i + 1))
  done
  echo "master $GATEWAY:$MASTER, replicas $GATEWAY:{${REPLICAS// /,}}, sentinels $GATEWAY:{${SENTINELS// /,}} (mymaster)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
