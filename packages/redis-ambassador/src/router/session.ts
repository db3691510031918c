import type net from 'node:net';
import type { CommandTable } from '../commands/classify.js';
import {
  protocolErrorReply,
  RequestFramer,
  type FrameError,
  type FramePiece,
  type FramerLimits,
} from '../resp/framer.js';
import type { RouteLabel, RouterMetrics } from '../metrics.js';
import type { NodePool } from './node-pool.js';
import { ReplyQueue, type ReplySlot } from './reply-queue.js';
import { COALESCE_LIMIT, DISCARD, type ReplySink, type Upstream } from './upstream.js';

/**
 * Where reads go: `master` only; `replica`: replicas only (an error when none is healthy,
 * except that read-your-writes and retries after a failure may still use the master);
 * `prefer-replica`: replicas, the master when none is healthy.
 */
export type ReadFrom = 'master' | 'replica' | 'prefer-replica';

/** The current nodes and their replication offsets (the Topology). */
export interface NodeSet {
  readonly master: NodePool;
  readonly replicas: readonly NodePool[];
  /** The master's offset from a query sent after this call; undefined when unknown. */
  masterOffsetNow(): Promise<number | undefined>;
  /** Asks for quick replica offset polling until they reach `offset`. */
  want(offset: number): void;
}

/** What every session of one ambassador shares. */
export interface RouterContext {
  readonly table: CommandTable;
  readonly nodes: NodeSet;
  readonly readFrom: ReadFrom;
  /** After a client's write, its reads avoid replicas that have not applied that write. */
  readonly readYourWrites: boolean;
  readonly limits: FramerLimits;
  readonly metrics: RouterMetrics | undefined;
  /** Round-robin cursor over the replicas, shared so load spreads across sessions. */
  rr: number;
}

/** An offset no replica reaches: reads stay on the master until a lookup succeeds. */
const UNKNOWN_OFFSET = Number.MAX_SAFE_INTEGER;

/** Commands after which the session's replies come as an open-ended stream from the master. */
const PASSTHROUGH = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'monitor',
  'client|reply',
  'client|tracking',
]);

/** Session state replayed on every upstream connection the client uses, by kind. */
const STATE_KINDS = new Set(['auth', 'hello', 'select', 'client|setname']);

/** Held reply bytes (for later slots) above which the delivering backend is paused. */
const HOLD_LIMIT = 8 * 1024 * 1024;

/**
 * One client connection: frames its requests, routes each to the master or a replica over the
 * client's own upstream connections, and returns replies in request order through a
 * ReplyQueue. Session state (AUTH, HELLO, SELECT, CLIENT SETNAME) is sent to every upstream
 * connection the client has open and replayed on any it opens later, so each backend sees the
 * client's database, user, protocol and name.
 */
export class ClientSession {
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
  private closed = false;
  private readonly heldPaused = new Set<Upstream>();
  private readonly onClosed: (s: ClientSession) => void;
  /* Read-your-writes bookkeeping (see docs/redis-ambassador.md). */
  /** Writes sent whose reply has not come yet: reads go to the master meanwhile. */
  private rywWrites = 0;
  /** A write was answered since the last offset lookup started. */
  private rywDirty = false;
  /** An offset lookup is in flight: reads go to the master meanwhile. */
  private rywLookup = false;
  /** The master offset covering every answered write: replicas below it are not read from. */
  private rywOffset = -1;

  constructor(client: net.Socket, ctx: RouterContext, onClosed: (s: ClientSession) => void) {
    this.client = client;
    this.ctx = ctx;
    this.onClosed = onClosed;
    this.framer = new RequestFramer(ctx.limits);
    this.queue = new ReplyQueue(
      (bytes) => {
        this.writeClient(bytes);
      },
      () => {
        if (this.closeWhenIdle) this.endClient();
      },
    );
    client.setNoDelay(true);
    ctx.metrics?.clients(1);
    client.on('data', (chunk: Buffer) => {
      this.onClientData(chunk);
    });
    client.on('drain', () => {
      for (const up of this.upstreams.values()) up.socket.resume();
      if (this.stalled === undefined) this.client.resume();
    });
    client.on('error', () => {
      // 'close' follows.
    });
    client.on('close', () => {
      this.release();
    });
  }

  /** A reply stream broke mid-frame: the client cannot be kept in step, so it is dropped. */
  private readonly broken = (): void => {
    this.destroy();
  };

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
      process.nextTick(this.flushClient);
    }
    if (this.heldPaused.size > 0 && this.queue.heldBytes < HOLD_LIMIT / 2) {
      for (const up of this.heldPaused) up.socket.resume();
      this.heldPaused.clear();
    }
  }

  private readonly flushClient = (): void => {
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
      for (const up of this.upstreams.values()) up.socket.pause();
      this.client.pause();
    }
  };

  private onClientData(chunk: Buffer): void {
    if (this.closeWhenIdle) return; // after QUIT or a protocol error nothing more is read
    this.framer.push(chunk);
    if (this.stalled !== undefined) return; // resumed when the shared replies are in
    this.pump(undefined);
  }

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
      let ok = true;
      for (const up of this.touched) {
        if (up.shared) continue; // flushes itself at the end of the turn
        if (!up.flush()) {
          ok = false;
          // Resumed on 'drain', or when the connection closes (a node that fails its health
          // check never drains: waiting for that left the client paused for good).
          const resume = (): void => {
            up.socket.off('drain', resume);
            up.socket.off('close', resume);
            if (!this.closed && this.stalled === undefined) this.client.resume();
          };
          up.socket.once('drain', resume);
          up.socket.once('close', resume);
        }
      }
      this.touched.clear();
      if (!ok) this.client.pause();
    }
  }

  /** A reply on a shared connection ended: a waiting request may go on when none is left. */
  private sharedDone(): void {
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
    const name = lower(piece.args[0]);
    const arg1 = piece.args[1];
    const key =
      this.ctx.table.isContainer(name) && arg1 !== undefined ? `${name}|${lower(arg1)}` : name;
    const route = this.ctx.table.lookup(
      name,
      key === name ? undefined : key.slice(name.length + 1),
    );
    // CLIENT SETINFO and HELLO [2] (sent on connect by ioredis and node-redis) do not change a
    // RESP2 connection (a 7.0 server does not even know SETINFO): they must not cost the client
    // its shared connections.
    // A request arriving in pieces cannot share a connection: other clients' requests would
    // land between its pieces.
    const shareable =
      route.shareable ||
      key === 'client|setinfo' ||
      (name === 'hello' && (piece.argc === 1 || (piece.argc === 2 && arg1?.toString() === '2')));
    if (!this.dedicated && name !== 'quit' && (!shareable || !piece.last)) {
      if (this.sharedPending > 0) return false;
      this.dedicated = true;
    }
    const targets: Upstream[] = [];

    if (this.passthrough !== undefined) {
      // Replies now flow as one stream from the master; every request goes there.
      const master = this.upstream(this.ctx.nodes.master);
      this.send(master, piece.bytes, undefined);
      targets.push(master);
    } else if (name === 'quit') {
      this.queue.local(OK);
      this.endAfterReplies();
      return true;
    } else if (PASSTHROUGH.has(key)) {
      const master = this.upstream(this.ctx.nodes.master);
      this.passthrough = this.queue.open({ endless: true });
      const stream = this.passthrough;
      master.passthrough = {
        deliver: (bytes, last) => {
          stream.deliver(bytes, last);
        },
        abort: () => {
          // The master closed the stream (QUIT, or it went away): so does the ambassador.
          this.endClient();
        },
      };
      this.send(master, piece.bytes, undefined);
      targets.push(master);
    } else if (STATE_KINDS.has(key) || name === 'reset') {
      targets.push(...this.sendSessionCommand(key, piece.bytes));
    } else {
      if (name === 'multi') this.inMulti = true;
      else if (name === 'exec' || name === 'discard') {
        this.inMulti = false;
        this.watching = false;
      } else if (name === 'watch') this.watching = true;
      else if (name === 'unwatch') this.watching = false;

      const slot = this.queue.open();
      const t0 = this.ctx.metrics ? performance.now() : 0;
      if (route.class === 'replica' && !this.inMulti && !this.watching && this.blocking === 0) {
        const pool = this.readPool();
        if (pool === undefined) {
          slot.deliver(NO_REPLICA, true);
          this.ctx.metrics?.command('local', 0);
          return true;
        }
        const up = this.upstream(pool);
        // A read that fits in one piece can be sent again if its node fails before answering.
        const retry = piece.last ? piece.bytes : undefined;
        this.send(up, piece.bytes, this.readSink(slot, retry, pool, t0, 0));
        targets.push(up);
        if (!piece.last) this.streamTargets = targets;
        return true;
      }
      const up = this.upstream(this.ctx.nodes.master);
      const writes =
        this.ctx.readYourWrites &&
        (route.class === 'master' ||
          route.class === 'pinned' ||
          route.class === 'unknown' ||
          route.class === 'admin');
      if (writes) this.rywWrites++;
      const blocking = route.class === 'pinned' && !this.inMulti && isBlocking(name);
      if (blocking) this.blocking++;
      const label: RouteLabel = route.class === 'pinned' ? 'pinned' : 'master';
      this.send(
        up,
        piece.bytes,
        slotSink(slot, {
          onBroken: this.broken,
          onDone: () => {
            if (blocking) this.blocking--;
            if (writes) {
              this.rywWrites--;
              this.rywDirty = true;
            }
            this.ctx.metrics?.command(label, (performance.now() - t0) / 1000);
          },
        }),
      );
      targets.push(up);
      if (route.broadcast) {
        for (const replica of this.ctx.nodes.replicas) {
          if (!replica.isUp()) continue;
          const r = this.upstream(replica);
          this.send(r, piece.bytes, DISCARD);
          targets.push(r);
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
    const entry = { kind, bytes };
    if (kind === 'reset') {
      this.state = [];
      this.inMulti = false;
      this.watching = false;
    } else {
      this.state = this.state.filter((e) => e.kind !== kind);
      this.state.push(entry);
    }
    const master = this.upstream(this.ctx.nodes.master);
    const slot = this.queue.open();
    this.ctx.metrics?.command('session', 0);
    this.send(
      master,
      bytes,
      slotSink(slot, {
        onBroken: this.broken,
        onType: (type) => {
          if (type === 0x2d /* '-' */ || type === 0x21 /* '!' */) {
            this.state = this.state.filter((e) => e !== entry);
          }
        },
      }),
    );
    const targets = [master];
    for (const up of this.upstreams.values()) {
      if (up === master) continue;
      this.send(up, bytes, DISCARD);
      targets.push(up);
    }
    return targets;
  }

  /**
   * The node for a replica-eligible read: a healthy replica (round robin) that has applied
   * this client's writes when read-your-writes is on, else the master; undefined only in
   * `replica` mode with no usable replica and no read-your-writes reason to use the master.
   */
  private readPool(): NodePool | undefined {
    const nodes = this.ctx.nodes;
    if (this.ctx.readFrom === 'master') return nodes.master;
    let minOffset = -1;
    if (this.ctx.readYourWrites) {
      if (this.rywWrites > 0 || this.rywLookup) return nodes.master;
      if (this.rywDirty) {
        this.startOffsetLookup();
        return nodes.master;
      }
      minOffset = this.rywOffset;
    }
    const pool = this.pickReplica(minOffset, undefined);
    if (pool !== undefined) return pool;
    if (this.ctx.readFrom === 'replica' && minOffset < 0) return undefined;
    return nodes.master;
  }

  /** Finds the master offset that covers every write answered so far (one lookup at a time). */
  private startOffsetLookup(): void {
    this.rywDirty = false;
    this.rywLookup = true;
    const nodes = this.ctx.nodes;
    void nodes.masterOffsetNow().then((off) => {
      this.rywLookup = false;
      if (off === undefined) {
        this.rywOffset = UNKNOWN_OFFSET;
        this.rywDirty = true; // try again on the next read
        return;
      }
      this.rywOffset = this.rywOffset === UNKNOWN_OFFSET ? off : Math.max(this.rywOffset, off);
      nodes.want(off);
    });
  }

  private pickReplica(minOffset: number, except: NodePool | undefined): NodePool | undefined {
    const replicas = this.ctx.nodes.replicas;
    const n = replicas.length;
    for (let i = 0; i < n; i++) {
      const pool = replicas[(this.ctx.rr++ & 0x7fffffff) % n];
      if (pool !== undefined && pool !== except && pool.isUp() && pool.offset >= minOffset) {
        return pool;
      }
    }
    return undefined;
  }

  /**
   * The sink of a read: if its node fails before the first reply byte, the request (when it
   * is known whole) is sent again to another healthy replica or the master, into the same
   * reply slot, so the client sees no error and replies stay in order.
   */
  private readSink(
    slot: ReplySlot,
    request: Buffer | undefined,
    pool: NodePool,
    t0: number,
    attempt: number,
  ): ReplySink {
    const label: RouteLabel = pool === this.ctx.nodes.master ? 'master' : 'replica';
    return slotSink(slot, {
      onBroken: this.broken,
      onDone: () => {
        this.ctx.metrics?.command(label, (performance.now() - t0) / 1000);
      },
      retry:
        request === undefined || attempt >= 2
          ? undefined
          : () => {
              if (this.closed) return false;
              pool.markDown();
              const next =
                this.pickReplica(this.ctx.readYourWrites ? this.rywOffset : -1, pool) ??
                this.ctx.nodes.master;
              if (next === pool) return false;
              const up = this.upstream(next);
              // Counted like any request on a shared connection (a client waiting to go
              // dedicated must not overtake it).
              this.send(up, request, this.readSink(slot, request, next, t0, attempt + 1));
              up.flush();
              this.ctx.metrics?.readRetried();
              return true;
            },
    });
  }

  /** The client's connection to `pool`'s node, opened (and given the session state) on demand. */
  private upstream(pool: NodePool): Upstream {
    if (!this.dedicated) return pool.shared();
    const existing = this.upstreams.get(pool);
    if (existing !== undefined && !existing.closed) return existing;
    const up = pool.acquire();
    this.upstreams.set(pool, up);
    for (const { bytes } of this.state) up.send(bytes, DISCARD);
    up.onPush = (bytes, last) => {
      // Out-of-band RESP3 push: give it to the client between replies.
      this.queue.open().deliver(bytes, last);
    };
    up.onClose = (_hadError, connected) => {
      if (!connected) pool.markDown();
      if (this.upstreams.get(pool) === up) this.upstreams.delete(pool);
    };
    if (this.queue.heldBytes > HOLD_LIMIT) up.socket.pause();
    up.afterData = () => {
      if (this.queue.heldBytes > HOLD_LIMIT && !this.heldPaused.has(up)) {
        up.socket.pause();
        this.heldPaused.add(up);
      }
    };
    return up;
  }

  private send(up: Upstream, bytes: Buffer, sink: ReplySink | undefined): void {
    if (up.shared) {
      if (sink !== undefined && sink !== DISCARD) {
        this.sharedPending++;
        sink = countedSink(sink, this.countShared);
      }
      up.send(bytes, sink);
      return;
    }
    up.send(bytes, sink);
    this.touched.add(up);
  }

  private readonly countShared = (): void => {
    this.sharedDone();
  };

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

/** Wraps a sink to report once when its reply ended or will never come. */
function countedSink(sink: ReplySink, done: () => void): ReplySink {
  return {
    deliver(bytes, last, type) {
      sink.deliver(bytes, last, type);
      if (last) done();
    },
    abort(reason) {
      sink.abort(reason);
      done();
    },
  };
}

interface SinkHooks {
  /** The reply's first byte arrived (its RESP type). */
  readonly onType?: ((type: number) => void) | undefined;
  /** The reply ended, or will never come. */
  readonly onDone?: (() => void) | undefined;
  /** The connection died mid-reply: the client's stream cannot be kept in step. */
  readonly onBroken: () => void;
  /** The connection died before any reply byte: try elsewhere (true when resent). */
  readonly retry?: (() => boolean) | undefined;
}

/** Adapts a reply slot to an upstream sink, with hooks for the session's bookkeeping. */
function slotSink(slot: ReplySlot, hooks: SinkHooks): ReplySink {
  let started = false;
  let finished = false;
  return {
    deliver(bytes, last, type) {
      if (!started) {
        started = true;
        hooks.onType?.(type);
      }
      slot.deliver(bytes, last);
      if (last && !finished) {
        finished = true;
        hooks.onDone?.();
      }
    },
    abort(reason) {
      if (finished) return;
      if (!started && hooks.retry?.() === true) {
        finished = true;
        return;
      }
      finished = true;
      hooks.onDone?.();
      if (started) {
        hooks.onBroken();
        return;
      }
      // The request may or may not have run; say so instead of leaving the client hanging.
      slot.deliver(Buffer.from(`-ERR ambassador: backend ${reason}\r\n`), true);
    },
  };
}

const BLOCKING = new Set([
  'blpop',
  'brpop',
  'blmove',
  'blmpop',
  'brpoplpush',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'xreadgroup',
  'wait',
  'waitaof',
]);

function isBlocking(name: string): boolean {
  return BLOCKING.has(name);
}

/** ASCII lower case of a command name (names are short; only they become strings). */
function lower(b: Buffer | undefined): string {
  return b === undefined ? '' : b.toString('latin1').toLowerCase();
}
