import type net from 'node:net';
import type { CommandRoute, CommandTable } from '../commands/classify.js';
import {
  protocolErrorReply,
  RequestFramer,
  type FrameError,
  type FramePiece,
  type FramerLimits,
} from '../resp/framer.js';
import { refusedReply } from '../errors.js';
import type { RouterMetrics } from '../metrics.js';
import type { NodePool } from './node-pool.js';
import { MASTER_ONLY, ReadYourWrites, type OffsetSource } from './read-your-writes.js';
import type { ReplicaBalancer } from './replica-balancer.js';
import { ReplyQueue, type ReplySlot } from './reply-queue.js';
import {
  BLOCKING,
  READ,
  Request,
  STATE,
  WRITE,
  type RequestOwner,
  type StateEntry,
} from './request.js';
import { inBatch, markDirty } from './write-batch.js';
import {
  COALESCE_LIMIT,
  DISCARD,
  type ReplySink,
  type Upstream,
  type UpstreamOwner,
} from './upstream.js';

/**
 * Where reads go: `master` only; `replica`: replicas only (an error when none is healthy,
 * except that read-your-writes and retries after a failure may still use the master);
 * `prefer-replica`: replicas, the master when none is healthy.
 */
export type ReadFrom = 'master' | 'replica' | 'prefer-replica';

/** The current nodes and their replication offsets (the Topology). */
export interface NodeSet extends OffsetSource {
  readonly master: NodePool;
  readonly replicas: readonly NodePool[];
}

/** What every session of one ambassador shares. */
export interface RouterContext {
  readonly table: CommandTable;
  readonly nodes: NodeSet;
  readonly readFrom: ReadFrom;
  /** Picks the replica for a read (`--balance`). */
  readonly balancer: ReplicaBalancer;
  /** After a client's write, its reads avoid replicas that have not applied that write. */
  readonly readYourWrites: boolean;
  readonly limits: FramerLimits;
  readonly metrics: RouterMetrics | undefined;
  /**
   * The replica the reads of the current event-loop turn go to (every client's): round robin
   * per turn, so the reads of one turn leave in one write to one node (see readPool).
   */
  turnReplica?: NodePool | undefined;
}

/** Ends the turn's replica choice (one function for every turn: no closure per turn). */
function endTurn(ctx: RouterContext): void {
  ctx.turnReplica = undefined;
}

/** Held reply bytes (for later slots) above which the delivering backend is paused. */
const HOLD_LIMIT = 8 * 1024 * 1024;

/**
 * One client connection: frames its requests, routes each to the master or a replica over the
 * client's own upstream connections, and returns replies in request order through a
 * ReplyQueue. Session state (AUTH, HELLO, SELECT, CLIENT SETNAME) is sent to every upstream
 * connection the client has open and replayed on any it opens later, so each backend sees the
 * client's database, user, protocol and name.
 */
export class ClientSession implements RequestOwner, UpstreamOwner {
  private readonly client: net.Socket;
  private readonly ctx: RouterContext;
  private readonly framer: RequestFramer;
  private readonly queue: ReplyQueue;
  /** The client's own upstream connections (dedicated mode). */
  private readonly upstreams = new Map<NodePool, Upstream>();
  /**
   * Until the client needs connection state (SELECT, AUTH, MULTI, a blocking command …) or
   * sends a request too big to arrive in one piece, its requests go over each node's shared
   * connection; from then on over its own connections, for the rest of its life.
   */
  private dedicated = false;
  /** Requests on shared connections whose replies have not ended. */
  private sharedPending = 0;
  /** The request that must wait for `sharedPending` to reach 0 before going dedicated. */
  private stalled: FramePiece | undefined;
  /** Reply bytes written to the client at the end of the current callback, in one write. */
  private out: Buffer[] = [];
  private outBytes = 0;
  private outScheduled = false;
  /** Replayable state, oldest first; a kind set again moves to the end. */
  private state: { kind: string; bytes: Buffer }[] = [];
  private inMulti = false;
  private watching = false;
  /** Blocking commands sent and not yet answered: until then everything goes to the master. */
  private blocking = 0;
  private passthrough: ReplySlot | undefined;
  /** Targets of the request currently arriving in pieces. */
  private streamTargets: Upstream[] | undefined;
  private readonly touched = new Set<Upstream>();
  private closeWhenIdle = false;
  /** The client half-closed: it is ended once the replies to what it sent are out. */
  private clientEnded = false;
  private closed = false;
  private readonly heldPaused = new Set<Upstream>();
  private readonly onClosed: (s: ClientSession) => void;
  /** Read-your-writes bookkeeping; undefined when it is off. */
  private readonly ryw: ReadYourWrites | undefined;

  constructor(client: net.Socket, ctx: RouterContext, onClosed: (s: ClientSession) => void) {
    this.client = client;
    this.ctx = ctx;
    this.onClosed = onClosed;
    this.framer = new RequestFramer(ctx.limits);
    this.ryw = ctx.readYourWrites ? new ReadYourWrites(ctx.nodes) : undefined;
    this.queue = new ReplyQueue(
      (bytes) => {
        this.writeClient(bytes);
      },
      () => {
        if (this.closeWhenIdle || (this.clientEnded && this.stalled === undefined))
          this.endClient();
      },
    );
    client.setNoDelay(true);
    ctx.metrics?.clients(1);
    client.on('data', (chunk: Buffer) => {
      inBatch(this.onClientData, chunk);
    });
    client.on('drain', () => {
      for (const up of this.upstreams.values()) up.resume();
      if (this.stalled === undefined) this.client.resume();
    });
    client.on('end', () => {
      this.onClientEnd();
    });
    client.on('error', () => {
      // 'close' follows.
    });
    client.on('close', () => {
      this.release();
    });
  }

  /**
   * The client half-closed (`printf 'PING\r\n' | nc -N …`). Redis answers every request it read
   * before the EOF, so the ambassador ends the connection only after those replies; but a
   * client in pub/sub or blocked in a command is dropped at once, as Redis drops it.
   */
  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.passthrough !== undefined || this.blocking > 0) this.destroy();
    else if (this.stalled === undefined && this.queue.pending === 0) this.endClient();
  }

  /** Closes the client connection and its upstream connections. */
  destroy(): void {
    this.client.destroy();
    this.release();
  }

  /**
   * Queues reply bytes for the client; they leave in one write when the current callback
   * (an upstream chunk with many replies, a client chunk with local replies) is done.
   */
  private writeClient(bytes: Buffer): void {
    if (this.closed) return;
    this.out.push(bytes);
    this.outBytes += bytes.length;
    if (!this.outScheduled) {
      this.outScheduled = true;
      markDirty(this);
    }
    if (this.heldPaused.size > 0 && this.queue.heldBytes < HOLD_LIMIT / 2) {
      for (const up of this.heldPaused) up.resume();
      this.heldPaused.clear();
    }
  }

  /** @internal Writes the queued reply bytes (see write-batch.ts). */
  flushClient(): void {
    this.outScheduled = false;
    const out = this.out;
    const size = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    if (this.closed || out.length === 0) return;
    let ok: boolean;
    if (out.length === 1) ok = this.client.write(out[0] as Buffer);
    else if (size <= COALESCE_LIMIT) ok = this.client.write(Buffer.concat(out, size));
    else {
      this.client.cork();
      ok = true;
      for (const b of out) ok = this.client.write(b);
      this.client.uncork();
    }
    if (!ok) {
      // The client reads slower than the backends answer: stop reading from its own
      // connections, and stop taking its requests (a shared connection is not paused for one
      // slow client; what it already asked for is buffered).
      for (const up of this.upstreams.values()) up.pause();
      this.client.pause();
    }
  }

  private readonly onClientData = (chunk: Buffer): void => {
    if (this.closeWhenIdle) return; // after QUIT or a protocol error nothing more is read
    this.framer.push(chunk);
    if (this.stalled !== undefined) return; // resumed when the shared replies are in
    this.pump(undefined);
  };

  /** Routes `first` (a request that had to wait) and then every complete request buffered. */
  private pump(first: FramePiece | undefined): void {
    try {
      let ev: FramePiece | FrameError | undefined = first ?? this.framer.next();
      for (; ev; ev = this.framer.next()) {
        if (ev.kind === 'error') {
          // As Redis does: answer the requests before it, then the error, then close.
          this.queue.local(protocolErrorReply(ev.message));
          this.endAfterReplies();
          break;
        }
        if (!this.route(ev)) {
          // Going dedicated while requests are still out on shared connections: wait, so the
          // new connection cannot overtake them.
          this.stalled = ev;
          this.client.pause();
          break;
        }
        if (this.ending()) break;
      }
    } finally {
      if (this.touched.size > 0) this.flushTouched();
    }
  }

  /** Writes what the dedicated connections were given in this callback. */
  private flushTouched(): void {
    let ok = true;
    for (const up of this.touched) {
      if (up.shared) continue; // flushes itself at the end of the turn
      if (!up.flush()) {
        ok = false;
        // Resumed on 'drain', or when the connection closes (a node that fails its health
        // check never drains: waiting for that left the client paused for good).
        up.onceWritable(this.resumeClient);
      }
    }
    this.touched.clear();
    if (!ok) this.client.pause();
  }

  private readonly resumeClient = (): void => {
    if (!this.closed && this.stalled === undefined) this.client.resume();
  };

  /**
   * @internal A reply on a shared connection ended: a waiting request may go on when none is
   * left.
   */
  sharedDone(): void {
    if (--this.sharedPending > 0 || this.stalled === undefined) return;
    queueMicrotask(() => {
      const ev = this.stalled;
      if (ev === undefined || this.closed || this.sharedPending > 0) return;
      this.stalled = undefined;
      this.client.resume();
      this.pump(ev);
    });
  }

  /** Ends the client connection after the reply bytes still queued for it. */
  private endClient(): void {
    if (this.outScheduled) this.flushClient();
    this.client.end();
  }

  /** After QUIT nothing more is read (a method, so control-flow narrowing does not apply). */
  private ending(): boolean {
    return this.closeWhenIdle;
  }

  private endAfterReplies(): void {
    this.closeWhenIdle = true;
    if (this.queue.pending === 0) this.endClient();
  }

  /** Routes one request piece; false when it must wait (see {@link pump}). */
  private route(piece: FramePiece): boolean {
    if (!piece.first) {
      for (const up of this.streamTargets ?? []) this.send(up, piece.bytes, undefined);
      if (piece.last) this.streamTargets = undefined;
      return true;
    }
    // The command's entry straight from its bytes (no string for known commands).
    const arg0 = piece.args[0];
    const arg1 = piece.args[1];
    const entry = arg0 === undefined ? undefined : this.ctx.table.entry(arg0);
    const name = entry !== undefined ? entry.name : lower(arg0);
    let key = name;
    let route: CommandRoute;
    if (entry !== undefined && !entry.container) route = entry.route;
    else {
      if (this.ctx.table.isContainer(name) && arg1 !== undefined) key = `${name}|${lower(arg1)}`;
      route = this.ctx.table.lookup(name, key === name ? undefined : key.slice(name.length + 1));
    }
    // CLIENT SETINFO and HELLO [2] (sent on connect by ioredis and node-redis) do not change a
    // RESP2 connection (a 7.0 server does not even know SETINFO): they must not cost the client
    // its shared connections.
    // A request arriving in pieces cannot share a connection: other clients' requests would
    // land between its pieces.
    if (
      !this.dedicated &&
      name !== 'quit' &&
      (!piece.last || !shareable(route, name, key, piece))
    ) {
      if (this.sharedPending > 0) return false;
      this.dedicated = true;
    }
    // The connections this request went to, kept only while it arrives in pieces.
    let targets: Upstream[] | undefined;

    if (this.passthrough !== undefined) {
      // Replies now flow as one stream from the master; every request goes there.
      const master = this.upstream(this.ctx.nodes.master);
      this.send(master, piece.bytes, undefined);
      targets = [master];
    } else if (name === 'quit') {
      this.queue.local(OK);
      this.endAfterReplies();
      return true;
    } else if (route.passthrough) {
      if (route.replication && this.hasOutstanding()) {
        // The stream starts right after the reply to SYNC: with replies still due on this
        // client's connections it could not be told apart from them.
        this.queue.local(
          refusedReply(name, 'a replication stream needs a connection with no reply outstanding'),
        );
        this.ctx.metrics?.command('local', 0);
        return true;
      }
      const master = this.upstream(this.ctx.nodes.master);
      const stream = this.queue.open({ endless: true });
      this.passthrough = stream;
      master.startPassthrough(
        {
          deliver: (bytes, last) => {
            stream.fill(bytes, last);
          },
          abort: () => {
            // The master closed the stream (QUIT, or it went away): so does the ambassador.
            this.endClient();
          },
        },
        route.replication,
      );
      this.send(master, piece.bytes, undefined);
      targets = [master];
    } else if (route.state || name === 'reset') {
      targets = this.sendSessionCommand(key, piece.bytes);
    } else {
      if (name === 'multi') this.inMulti = true;
      else if (name === 'exec' || name === 'discard') {
        this.inMulti = false;
        this.watching = false;
      } else if (name === 'watch') this.watching = true;
      else if (name === 'unwatch') this.watching = false;

      const t0 = this.ctx.metrics ? performance.now() : 0;
      if (route.class === 'replica' && !this.inMulti && !this.watching && this.blocking === 0) {
        const pool = this.readPool();
        if (pool === undefined) {
          this.queue.local(NO_REPLICA);
          this.ctx.metrics?.command('local', 0);
          return true;
        }
        const up = this.upstream(pool);
        const label = pool === this.ctx.nodes.master ? 'master' : 'replica';
        // A read that fits in one piece can be sent again if its node fails before answering.
        const retry = piece.last ? piece.bytes : undefined;
        const req = new Request(this, this.queue, READ, label, t0, pool, retry, undefined);
        this.send(up, piece.bytes, this.queue.add(req));
        if (!piece.last) this.streamTargets = [up];
        return true;
      }
      const up = this.upstream(this.ctx.nodes.master);
      let kind = 0;
      if (
        this.ryw !== undefined &&
        (route.class === 'master' ||
          route.class === 'pinned' ||
          route.class === 'unknown' ||
          route.class === 'admin')
      ) {
        kind |= WRITE;
        this.ryw.writeSent();
      }
      if (route.blocking && !this.inMulti) {
        kind |= BLOCKING;
        this.blocking++;
      }
      const label = route.class === 'pinned' ? 'pinned' : 'master';
      const req = new Request(this, this.queue, kind, label, t0, undefined, undefined, undefined);
      this.send(up, piece.bytes, this.queue.add(req));
      if (route.broadcast || !piece.last) {
        targets = [up];
        if (route.broadcast) {
          for (const replica of this.ctx.nodes.replicas) {
            if (!replica.isUp()) continue;
            const r = this.upstream(replica);
            this.send(r, piece.bytes, DISCARD);
            targets.push(r);
          }
        }
      }
    }
    if (!piece.last) this.streamTargets = targets;
    return true;
  }

  /**
   * AUTH / HELLO / SELECT / CLIENT SETNAME / RESET: sent to every open upstream connection at
   * once (so a pipelined read right after a SELECT already runs in the new database on a
   * replica), answered to the client from the master. Recorded for replay on connections
   * opened later; dropped again if the master refuses it.
   */
  private sendSessionCommand(kind: string, bytes: Buffer): Upstream[] {
    const entry: StateEntry = { kind, bytes };
    if (kind === 'reset') {
      this.state = [];
      this.inMulti = false;
      this.watching = false;
    } else {
      this.state = this.state.filter((e) => e.kind !== kind);
      this.state.push(entry);
    }
    const master = this.upstream(this.ctx.nodes.master);
    this.ctx.metrics?.command('session', 0);
    const req = new Request(this, this.queue, STATE, 'session', 0, undefined, undefined, entry);
    this.send(master, bytes, this.queue.add(req));
    const targets = [master];
    for (const up of this.upstreams.values()) {
      if (up === master) continue;
      this.send(up, bytes, DISCARD);
      targets.push(up);
    }
    return targets;
  }

  /** @internal The master refused a session command: it is not replayed. */
  dropState(entry: StateEntry): void {
    this.state = this.state.filter((e) => e !== entry);
  }

  /**
   * The node for a replica-eligible read: a healthy replica (per `--balance`) that has applied
   * this client's writes when read-your-writes is on, else the master; undefined only in
   * `replica` mode with no usable replica and no read-your-writes reason to use the master.
   */
  private readPool(): NodePool | undefined {
    const ctx = this.ctx;
    if (ctx.readFrom === 'master') return ctx.nodes.master;
    const minOffset = this.ryw === undefined ? -1 : this.ryw.readOffset();
    if (minOffset === MASTER_ONLY) return ctx.nodes.master;
    // One replica per event-loop turn: the reads of every client in one turn go to one replica
    // (one write there, one read of the replies; a pipeline's replies come back in one piece),
    // the next turn's to the next one. Per read, each pipeline was split across the replicas
    // and its replies waited for the slower one; each turn cost a write to every replica.
    const turn = ctx.turnReplica;
    if (turn !== undefined && turn.isUp() && turn.offset >= minOffset) return turn;
    const pool = ctx.balancer.pick(ctx.nodes.replicas, minOffset, undefined, false);
    if (pool === undefined) return this.fallbackPool(minOffset, undefined);
    if (turn === undefined) {
      ctx.turnReplica = pool;
      setImmediate(endTurn, ctx);
    }
    return pool;
  }

  /**
   * Where a read goes when no replica is usable by the normal rules: the master while it is
   * up; while it is down (a failover), a healthy replica even if a connection to it failed a
   * moment ago (Sentinel kills every client connection of the replicas it reconfigures: those
   * replicas still serve), so reads keep flowing and only writes wait for the new master.
   */
  private fallbackPool(minOffset: number, except: NodePool | undefined): NodePool | undefined {
    const { master, replicas } = this.ctx.nodes;
    if (!master.isUp()) {
      const replica = this.ctx.balancer.pick(replicas, minOffset, except, true);
      if (replica !== undefined) return replica;
    }
    if (this.ctx.readFrom === 'replica' && minOffset < 0 && except === undefined) return undefined;
    return master;
  }

  /**
   * @internal A read's node failed before the first reply byte: when the request is known
   * whole it is sent again to another healthy replica or the master, into the same reply
   * slot, so the client sees no error and replies stay in order. True when it was sent again.
   */
  retryRead(req: Request): boolean {
    const pool = req.pool;
    if (req.retryBytes === undefined || req.attempt >= 3 || pool === undefined) return false;
    if (this.closed) return false;
    pool.markDown();
    const minOffset = this.ryw === undefined ? -1 : this.ryw.retryOffset;
    const next =
      this.ctx.balancer.pick(this.ctx.nodes.replicas, minOffset, pool, false) ??
      this.fallbackPool(minOffset, pool);
    if (next === undefined || next === pool) return false;
    this.sendAgain(req, req.retryBytes, next);
    return true;
  }

  /**
   * @internal A read answered NOSCRIPT by a replica (EVALSHA_RO): sent again to the master,
   * into the same reply slot. True when it was sent again.
   */
  retryOnMaster(req: Request): boolean {
    if (req.retryBytes === undefined || req.attempt >= 2 || this.closed) return false;
    this.sendAgain(req, req.retryBytes, this.ctx.nodes.master);
    return true;
  }

  /** A read sent again, whole, to `pool`, into the same reply slot; counted as a retry. */
  private sendAgain(req: Request, bytes: Buffer, pool: NodePool): void {
    const up = this.upstream(pool);
    req.attempt++;
    req.pool = pool;
    req.label = pool === this.ctx.nodes.master ? 'master' : 'replica';
    // Counted like any request on a shared connection (a client waiting to go dedicated must
    // not overtake it).
    this.send(up, bytes, req);
    up.flush();
    this.ctx.metrics?.readRetried();
  }

  /** @internal A request's reply ended, or will never come. */
  requestDone(req: Request): void {
    const kind = req.kind;
    if (kind & STATE) return;
    if (kind & BLOCKING) this.blocking--;
    if (kind & WRITE) this.ryw?.writeDone();
    const metrics = this.ctx.metrics;
    if (metrics !== undefined) metrics.command(req.label, (performance.now() - req.t0) / 1000);
  }

  /** The client's connection to `pool`'s node, opened (and given the session state) on demand. */
  private upstream(pool: NodePool): Upstream {
    if (!this.dedicated) return pool.shared();
    const existing = this.upstreams.get(pool);
    if (existing !== undefined && !existing.closed) return existing;
    const up = pool.acquire();
    this.upstreams.set(pool, up);
    for (const { bytes } of this.state) up.send(bytes, DISCARD);
    up.setOwner(this);
    if (this.queue.heldBytes > HOLD_LIMIT) up.pause();
    return up;
  }

  /** @internal Out-of-band RESP3 push: given to the client between replies. */
  onPush(bytes: Buffer, last: boolean): void {
    this.queue.open().fill(bytes, last);
  }

  /** @internal A connection of this client's closed. */
  onUpstreamClose(up: Upstream, _hadError: boolean, connected: boolean): void {
    for (const [pool, own] of this.upstreams) {
      if (own !== up) continue;
      if (!connected) pool.markDown();
      this.upstreams.delete(pool);
      return;
    }
  }

  /** @internal A chunk of replies was handled: pause the connection while too much is held. */
  afterData(up: Upstream): void {
    if (this.queue.heldBytes > HOLD_LIMIT && !this.heldPaused.has(up)) {
      up.pause();
      this.heldPaused.add(up);
    }
  }

  /** Whether a reply is still due on any of this client's connections. */
  private hasOutstanding(): boolean {
    if (this.sharedPending > 0) return true;
    for (const up of this.upstreams.values()) if (up.pending > 0) return true;
    return false;
  }

  private send(up: Upstream, bytes: Buffer, sink: ReplySink | undefined): void {
    if (up.shared) {
      if (sink instanceof Request) {
        this.sharedPending++;
        sink.onShared = true;
      }
      up.send(bytes, sink);
      return;
    }
    up.send(bytes, sink);
    this.touched.add(up);
  }

  /** Returns clean upstream connections to their pools and closes the others. */
  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.metrics?.clients(-1);
    const dirty =
      this.state.length > 0 || this.inMulti || this.watching || this.passthrough !== undefined;
    for (const [pool, up] of this.upstreams) {
      if (dirty || up.pending > 0) up.destroy();
      else pool.release(up);
    }
    this.upstreams.clear();
    this.onClosed(this);
  }
}

const OK = Buffer.from('+OK\r\n');

const NO_REPLICA = Buffer.from('-ERR ambassador: no healthy replica (read-from replica)\r\n');

/** Whether a request may go over a connection shared with other clients. */
function shareable(route: CommandRoute, name: string, key: string, piece: FramePiece): boolean {
  if (route.shareable || key === 'client|setinfo') return true;
  if (name !== 'hello') return false;
  return piece.argc === 1 || (piece.argc === 2 && piece.args[1]?.toString() === '2');
}

/** ASCII lower case of a command name (names are short; only they become strings). */
function lower(b: Buffer | undefined): string {
  return b === undefined ? '' : b.toString('latin1').toLowerCase();
}
