import type { NodePool } from './node-pool.js';

/**
 * How a read picks among the usable replicas: `round-robin` (smooth weighted round robin, as
 * nginx's: with equal weights plain alternation) or `least-outstanding` (fewest requests in
 * flight per unit of weight; ties rotate).
 */
export type Balance = 'round-robin' | 'least-outstanding';

/**
 * One balancing strategy: a usable replica of `replicas`, or undefined when none is. Usable:
 * read weight above 0, up, applied offset at least `minOffset` (read-your-writes; -1: any),
 * and not `except` (the replica a read just failed on). With `evenIfMarked`, a replica that a
 * failed connection marked down a moment ago counts as up while its health check passes (used
 * while the master is down: Sentinel kills the client connections of the replicas it
 * reconfigures, and those replicas still serve). Positional arguments: no object per read.
 */
export interface ReplicaBalancer {
  readonly pick: PickReplica;
}

/** {@link ReplicaBalancer.pick}'s signature, which every strategy implements. */
export type PickReplica = (
  replicas: readonly NodePool[],
  minOffset: number,
  except: NodePool | undefined,
  evenIfMarked: boolean,
) => NodePool | undefined;

function usable(
  pool: NodePool | undefined,
  minOffset: number,
  except: NodePool | undefined,
  evenIfMarked: boolean,
): pool is NodePool {
  return (
    pool !== undefined &&
    pool !== except &&
    pool.weight > 0 &&
    (evenIfMarked ? pool.healthy : pool.isUp()) &&
    pool.offset >= minOffset
  );
}

/**
 * Smooth weighted round robin: each usable replica gains its weight, the highest is picked and
 * pays the total back; over any window reads follow the weights, interleaved. The state lives
 * on the pools (`wrrCurrent`), so every session shares it.
 */
export class RoundRobinBalancer implements ReplicaBalancer {
  readonly pick: PickReplica = (replicas, minOffset, except, evenIfMarked) => {
    let best: NodePool | undefined;
    let total = 0;
    for (const pool of replicas) {
      if (!usable(pool, minOffset, except, evenIfMarked)) continue;
      pool.wrrCurrent += pool.weight;
      total += pool.weight;
      if (best === undefined || pool.wrrCurrent > best.wrrCurrent) best = pool;
    }
    if (best !== undefined) best.wrrCurrent -= total;
    return best;
  };
}

/** Fewest requests in flight (over all of a node's connections) per unit of weight. */
export class LeastOutstandingBalancer implements ReplicaBalancer {
  /** Where the scan starts, shared by every session so that ties rotate. */
  private start = 0;

  readonly pick: PickReplica = (replicas, minOffset, except, evenIfMarked) => {
    const n = replicas.length;
    let best: NodePool | undefined;
    let bestLoad = Infinity;
    const start = this.start++ & 0x7fffffff;
    for (let i = 0; i < n; i++) {
      const pool = replicas[(start + i) % n];
      if (!usable(pool, minOffset, except, evenIfMarked)) continue;
      const load = pool.outstanding() / pool.weight;
      if (load < bestLoad) {
        best = pool;
        bestLoad = load;
      }
    }
    return best;
  };
}

/** The strategy named by `--balance`. */
export function createBalancer(balance: Balance): ReplicaBalancer {
  return balance === 'least-outstanding'
    ? new LeastOutstandingBalancer()
    : new RoundRobinBalancer();
}
