import { setTimeout as sleep } from 'node:timers/promises';
import type { FramerLimits } from '../resp/framer.js';
import type { TopologyMetrics } from '../metrics.js';
import { formatEndpoint, type Endpoint } from '../router/address.js';
import { ControlConnection, type PasswordSource } from '../router/control.js';
import { NodePool } from '../router/node-pool.js';
import { parseReplicationInfo, parseRole, type ReplicationInfo } from './replication-info.js';
import { SentinelWatch } from './sentinel.js';

/** How the ambassador learns its nodes. */
export type TopologyMode = 'static' | 'discover' | 'sentinel';

/** A minimal logging surface (pino's). */
export interface TopologyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TopologyOptions {
  readonly mode: TopologyMode;
  /** Static and discover modes: the master. */
  readonly master?: Endpoint | undefined;
  /** Static mode: the replicas (discover mode adds the master's online replicas to these). */
  readonly replicas?: readonly Endpoint[] | undefined;
  /** Sentinel mode. */
  readonly sentinels?: readonly Endpoint[] | undefined;
  readonly masterName?: string | undefined;
  readonly password?: PasswordSource | undefined;
  readonly limits?: FramerLimits | undefined;
  /** Health check period (default 500 ms) and timeout (default 1000 ms). */
  readonly healthIntervalMs?: number | undefined;
  readonly healthTimeoutMs?: number | undefined;
  /** A replica silent towards its master for longer than this is not read from (default 10). */
  readonly maxLagSeconds?: number | undefined;
  /** Sentinel poll period (default 1000 ms), besides the +switch-master subscription. */
  readonly sentinelPollMs?: number | undefined;
  readonly metrics?: TopologyMetrics | undefined;
  readonly log?: TopologyLog | undefined;
  /** Read weights by replica `host:port` (static, discovered or named by Sentinel); default 1. */
  readonly replicaWeights?: ReadonlyMap<string, number> | undefined;
}

/**
 * The nodes the router uses, kept current: health checks of every node (`INFO replication`
 * with a timeout), replica discovery from the master, Sentinel following, and replication
 * offsets for read-your-writes.
 *
 * Invariants: `master` is the node believed to be master (in Sentinel mode: named by the
 * Sentinels and verified with ROLE); a replica is read from only while `isUp()`; when a node
 * turns unhealthy or the master changes, the affected pools are closed, so requests in flight
 * abort at once (reads are then retried elsewhere) instead of hanging on a stopped node.
 */
export class Topology {
  master: NodePool;
  replicas: NodePool[] = [];
  private readonly opts: TopologyOptions;
  private readonly controls = new Map<NodePool, ControlConnection>();
  private readonly stop = new AbortController();
  private sentinel: SentinelWatch | undefined;
  private masterReachable = false;
  /** Highest master offset a session waits for replicas to reach. */
  private wanted = -1;
  private fastPolling = false;
  private offsetWaiters: ((off: number | undefined) => void)[] = [];
  private offsetQueryScheduled = false;
  /** Bumped on every master change; offsets of an older epoch are not comparable. */
  epoch = 0;

  constructor(options: TopologyOptions) {
    this.opts = options;
    const first = options.master ?? { host: '0.0.0.0', port: 0 };
    this.master = this.pool(first, 'master');
    for (const r of options.replicas ?? []) this.replicas.push(this.pool(r, 'replica'));
  }

  private pool(ep: Endpoint, role: 'master' | 'replica'): NodePool {
    const pool = new NodePool(ep, role, { limits: this.opts.limits, password: this.opts.password });
    pool.weight = this.opts.replicaWeights?.get(pool.name) ?? 1;
    return pool;
  }

  private control(pool: NodePool): ControlConnection {
    let c = this.controls.get(pool);
    if (c === undefined) {
      c = new ControlConnection(pool.endpoint, this.opts.password);
      this.controls.set(pool, c);
    }
    return c;
  }

  /** Resolves the master (Sentinel mode), runs the first health checks and starts the loops. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.opts.mode === 'sentinel') {
      this.sentinel = new SentinelWatch({
        sentinels: this.opts.sentinels ?? [],
        masterName: this.opts.masterName ?? 'mymaster',
        password: undefined,
        pollMs: this.opts.sentinelPollMs ?? 1000,
        onChange: (view) => this.applySentinelView(view),
        log: this.opts.log,
      });
      const view = await this.sentinel.start(signal);
      await this.applySentinelView(view);
    }
    await this.checkAll();
    void this.healthLoop();
  }

  /** Whether the master answered its last health check as a master. */
  get ready(): boolean {
    return this.masterReachable;
  }

  private async healthLoop(): Promise<void> {
    const every = this.opts.healthIntervalMs ?? 500;
    while (!this.stop.signal.aborted) {
      try {
        await sleep(every, undefined, { signal: this.stop.signal });
      } catch {
        return;
      }
      await this.checkAll();
    }
  }

  private async checkAll(): Promise<void> {
    await Promise.all([this.checkMaster(), ...this.replicas.map((r) => this.checkReplica(r))]);
  }

  private timeout(): AbortSignal {
    return AbortSignal.any([
      this.stop.signal,
      AbortSignal.timeout(this.opts.healthTimeoutMs ?? 1000),
    ]);
  }

  private async checkMaster(): Promise<void> {
    const pool = this.master;
    let ok: boolean;
    try {
      const info = parseReplicationInfo(
        await this.control(pool).query(['INFO', 'replication'], this.timeout()),
      );
      ok = info.role === 'master';
      if (ok) pool.offset = info.offset;
      if (ok && this.opts.mode === 'discover') this.discover(info.replicas);
    } catch {
      ok = false;
    }
    if (pool !== this.master || this.stop.signal.aborted) return;
    if (ok !== this.masterReachable) {
      this.opts.log?.[ok ? 'info' : 'warn']({ node: pool.name }, ok ? 'master up' : 'master down');
    }
    this.masterReachable = ok;
    pool.healthy = ok;
    this.opts.metrics?.nodeHealth(pool.name, 'master', ok);
  }

  private discover(found: readonly Endpoint[]): void {
    const known = new Set(this.replicas.map((r) => r.name));
    for (const ep of found) {
      if (known.has(formatEndpoint(ep)) || formatEndpoint(ep) === this.master.name) continue;
      const pool = this.pool(ep, 'replica');
      pool.healthy = false; // until its own check passes
      this.replicas = [...this.replicas, pool];
      this.opts.log?.info({ node: pool.name }, 'replica discovered');
      void this.checkReplica(pool);
    }
  }

  private async checkReplica(pool: NodePool): Promise<void> {
    let ok = false;
    let why: string;
    try {
      const info = parseReplicationInfo(
        await this.control(pool).query(['INFO', 'replication'], this.timeout()),
      );
      why = this.unusableReason(info);
      ok = why === '';
      if (ok) pool.offset = Math.max(pool.offset, info.offset);
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    if (this.stop.signal.aborted || !this.replicas.includes(pool)) return;
    this.setReplicaHealth(pool, ok, why);
  }

  /**
   * Why a replica that answered its health check is not read from; '' when it may be.
   *
   * While the master is down (or being replaced) a replica is read from although its link is
   * down, it follows another master or was just promoted itself: its data is as fresh as any
   * the ambassador can reach, and reads must not fail only because writes cannot be served.
   * A link down for at most the lag limit is accepted too (it heard from its master that
   * recently, as with a silent link), so the health check that sees a dead master's replicas
   * before the master's own check failed does not take them away. A replica still on its
   * first sync (link never up) is never read from.
   */
  private unusableReason(info: ReplicationInfo): string {
    const maxLag = this.opts.maxLagSeconds ?? 10;
    const masterDown = !this.masterReachable;
    if (info.role === 'master') return masterDown ? '' : 'role master';
    if (info.role !== 'slave') return `role ${info.role}`;
    if (info.linkUp) {
      if (info.lastIoSecondsAgo > maxLag) return `lagging ${info.lastIoSecondsAgo}s`;
    } else if (info.linkDownSeconds < 0) return 'master link down (never synced)';
    else if (!masterDown && info.linkDownSeconds > maxLag) {
      return `master link down ${info.linkDownSeconds}s`;
    }
    if (this.opts.mode === 'sentinel' && !masterDown && !this.follows(info.masterOf)) {
      return 'replicates another master';
    }
    return '';
  }

  private follows(masterOf: Endpoint | undefined): boolean {
    return masterOf?.port === this.master.endpoint.port;
  }

  private setReplicaHealth(pool: NodePool, ok: boolean, why: string): void {
    if (pool.healthy !== ok) {
      if (ok) this.opts.log?.info({ node: pool.name }, 'replica up');
      else this.opts.log?.warn({ node: pool.name, why }, 'replica down');
    }
    if (pool.healthy && !ok) {
      // In-flight reads on a stopped or dead node would hang: abort them so they are retried.
      pool.closeAll();
      pool.offset = -1;
    }
    pool.healthy = ok;
    this.opts.metrics?.nodeHealth(pool.name, 'replica', ok);
  }

  /**
   * The master's replication offset as of a query sent after this call (so it covers every
   * write whose reply the caller has already seen). Concurrent callers share one ROLE query.
   * Undefined when the master cannot be asked.
   */
  masterOffsetNow(): Promise<number | undefined> {
    return new Promise((resolve) => {
      this.offsetWaiters.push(resolve);
      if (this.offsetQueryScheduled) return;
      this.offsetQueryScheduled = true;
      setImmediate(() => {
        this.offsetQueryScheduled = false;
        const waiters = this.offsetWaiters;
        this.offsetWaiters = [];
        const pool = this.master;
        this.control(pool)
          .query(['ROLE'], this.timeout())
          .then(
            (reply) => {
              const { role, offset } = parseRole(reply);
              return role === 'master' && pool === this.master ? offset : undefined;
            },
            () => undefined,
          )
          .then(
            (off) => {
              for (const w of waiters) w(off);
            },
            () => undefined,
          );
      });
    });
  }

  /**
   * A session waits for replicas to reach `offset`: poll their applied offsets quickly
   * (ROLE, every `pollMs`) until every healthy replica has it, then stop polling.
   */
  want(offset: number, pollMs = 2): void {
    if (offset <= this.wanted && this.fastPolling) return;
    this.wanted = Math.max(this.wanted, offset);
    if (this.fastPolling) return;
    this.fastPolling = true;
    void (async () => {
      try {
        for (;;) {
          const behind = this.replicas.filter((r) => r.isUp() && r.offset < this.wanted);
          if (behind.length === 0 || this.stop.signal.aborted) return;
          await Promise.all(
            behind.map(async (r) => {
              try {
                const { role, offset: off } = parseRole(
                  await this.control(r).query(['ROLE'], this.timeout()),
                );
                if (role === 'slave') r.offset = Math.max(r.offset, off);
              } catch {
                // the health check decides about this node
              }
            }),
          );
          await sleep(pollMs);
        }
      } finally {
        this.fastPolling = false;
      }
    })();
  }

  private async applySentinelView(view: {
    master: Endpoint;
    replicas: readonly Endpoint[];
  }): Promise<void> {
    const name = formatEndpoint(view.master);
    if (name !== this.master.name) {
      // Believe a Sentinel only when the node itself says it is master now.
      try {
        const { role } = parseRole(
          await new ControlConnection(view.master, this.opts.password).query(
            ['ROLE'],
            this.timeout(),
          ),
        );
        if (role !== 'master') {
          this.opts.log?.warn({ node: name, role }, 'sentinel master not yet master; waiting');
          return;
        }
      } catch {
        return;
      }
      if (formatEndpoint(view.master) === this.master.name) return;
      const old = this.master;
      const first = old.endpoint.port === 0;
      this.master = this.pool(view.master, 'master');
      this.epoch++;
      this.wanted = -1;
      // Every pooled connection goes: clients holding MULTI, subscriptions or blocking pops on
      // the old master see them closed rather than talk to a demoted node.
      old.closeAll();
      this.controls.get(old)?.close();
      this.controls.delete(old);
      for (const r of this.replicas) r.closeAll();
      if (!first) {
        this.opts.metrics?.failover();
        this.opts.log?.warn({ from: old.name, to: name }, 'master changed');
      }
      this.masterReachable = true;
      this.master.healthy = true;
    }
    const byName = new Map(this.replicas.map((r) => [r.name, r]));
    const next: NodePool[] = [];
    for (const ep of view.replicas) {
      const n = formatEndpoint(ep);
      if (n === this.master.name) continue;
      const existing = byName.get(n);
      if (existing) {
        next.push(existing);
        byName.delete(n);
      } else {
        const pool = this.pool(ep, 'replica');
        pool.healthy = false; // until its check passes
        next.push(pool);
      }
    }
    for (const gone of byName.values()) {
      // While the master is down the Sentinels stop listing replicas whose link to it is
      // down (all of them): those still answer reads, so their own health checks decide.
      if (!this.masterReachable) {
        next.push(gone);
        continue;
      }
      gone.closeAll();
      this.controls.get(gone)?.close();
      this.controls.delete(gone);
    }
    this.replicas = next;
    for (const r of next) if (!r.healthy) void this.checkReplica(r);
  }

  /** Stops the loops and closes every connection. */
  close(): void {
    this.stop.abort();
    this.sentinel?.close();
    for (const c of this.controls.values()) c.close();
    this.controls.clear();
    this.master.closeAll();
    for (const r of this.replicas) r.closeAll();
  }
}
