import type { FramerLimits } from '../resp/framer.js';
import { formatEndpoint, type Endpoint } from './address.js';
import { authPreamble, type PasswordSource } from './control.js';
import { Upstream, type UpstreamOwner } from './upstream.js';

/**
 * Connections to one node: idle connections in their default state, handed to client
 * sessions and taken back only when clean (no pending reply, no session state). Holds the
 * node's health as the topology's checks see it, a short "down until" mark after a failed
 * connect, and the node's last known replication offset (for read-your-writes).
 */
export class NodePool {
  readonly endpoint: Endpoint;
  /** `host:port`, for metrics and logs. */
  readonly name: string;
  role: 'master' | 'replica';
  /** Set by health checks: false while the node fails them (or is not a usable replica). */
  healthy = true;
  /** Last replication offset this node is known to have processed; -1 when unknown. */
  offset = -1;
  /** Share of the reads among the replicas (0: never read from); see pickReplica. */
  weight = 1;
  /** Smooth weighted round robin state (see the router's pickReplica). */
  wrrCurrent = 0;
  private readonly idle: Upstream[] = [];
  private sharedUp: Upstream | undefined;
  private readonly all = new Set<Upstream>();
  private downUntil = 0;
  private readonly maxIdle: number;
  private readonly limits: FramerLimits;
  private readonly downFor: number;
  private readonly now: () => number;
  private readonly password: PasswordSource | undefined;

  constructor(
    endpoint: Endpoint,
    role: 'master' | 'replica',
    options: {
      maxIdle?: number | undefined;
      limits?: FramerLimits | undefined;
      downForMs?: number | undefined;
      now?: (() => number) | undefined;
      password?: PasswordSource | undefined;
    } = {},
  ) {
    this.endpoint = endpoint;
    this.name = formatEndpoint(endpoint);
    this.role = role;
    this.maxIdle = options.maxIdle ?? 64;
    this.limits = options.limits ?? {};
    this.downFor = options.downForMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.password = options.password;
  }

  /** Requests sent to this node whose replies have not fully arrived, over every connection. */
  outstanding(): number {
    let n = 0;
    for (const up of this.all) n += up.pending;
    return n;
  }

  /** Whether reads may be sent here: healthy and not marked down recently. */
  isUp(): boolean {
    return this.healthy && this.now() >= this.downUntil;
  }

  /** A connection to the node failed: avoid it for a while (health checks decide after that). */
  markDown(): void {
    this.downUntil = this.now() + this.downFor;
  }

  /** An idle connection, or a new one (which first authenticates when a password is set). */
  acquire(): Upstream {
    for (let up = this.idle.pop(); up; up = this.idle.pop()) {
      if (!up.closed) return up;
    }
    // The password file is read again for every new connection, so a rotated secret is used
    // without a restart.
    const up = new Upstream(this.endpoint, this.limits, authPreamble(this.password), (gone) => {
      this.all.delete(gone);
      const i = this.idle.indexOf(gone);
      if (i >= 0) this.idle.splice(i, 1);
    });
    this.all.add(up);
    return up;
  }

  /**
   * The connection shared by every client without connection state (as twemproxy does): the
   * node answers in order, so each reply is matched to its request FIFO, and requests of many
   * clients leave in one write. Never handed out by acquire() nor taken back by release().
   */
  shared(): Upstream {
    const current = this.sharedUp;
    if (current !== undefined && !current.closed) return current;
    const up = new Upstream(this.endpoint, this.limits, authPreamble(this.password), (gone) => {
      this.all.delete(gone);
      if (this.sharedUp === gone) this.sharedUp = undefined;
    });
    up.shareAcrossClients();
    up.setOwner(this.sharedOwner);
    this.all.add(up);
    this.sharedUp = up;
    return up;
  }

  /** The shared connection's owner: a connection that never connected marks the node down. */
  private readonly sharedOwner: UpstreamOwner = {
    onPush: () => undefined,
    afterData: () => undefined,
    onUpstreamClose: (_up, _hadError, connected) => {
      if (!connected) this.markDown();
    },
  };

  /** Takes a connection back; the caller guarantees it is clean. */
  release(up: Upstream): void {
    up.setOwner(undefined);
    if (up.closed || up.pending > 0 || up.inPassthrough || this.idle.length >= this.maxIdle) {
      up.destroy();
      return;
    }
    this.idle.push(up);
  }

  /**
   * Closes every connection (on shutdown, when the node fails its health check, or when its
   * role changes): requests in flight are aborted, so reads can be retried elsewhere.
   */
  closeAll(): void {
    for (const up of [...this.all]) up.destroy();
    this.all.clear();
    this.idle.length = 0;
    this.sharedUp = undefined;
  }

  /** Open connections (idle and in use). */
  get size(): number {
    return this.all.size;
  }
}
