import type net from 'node:net';
import type { CommandTable } from '../commands/classify.js';
import {
  protocolErrorReply,
  RequestFramer,
  type FramePiece,
  type FramerLimits,
} from '../resp/framer.js';
import type { NodePool } from './node-pool.js';
import { ReplyQueue, type ReplySlot } from './reply-queue.js';
import { DISCARD, type ReplySink, type Upstream } from './upstream.js';

/** Where reads go: only the master, or replicas (falling back to the master when none is up). */
export type ReadFrom = 'master' | 'replica' | 'prefer-replica';

/** What every session of one ambassador shares. */
export interface RouterContext {
  readonly table: CommandTable;
  readonly master: NodePool;
  readonly replicas: readonly NodePool[];
  readonly readFrom: ReadFrom;
  readonly limits: FramerLimits;
  /** Round-robin cursor over the replicas, shared so load spreads across sessions. */
  rr: number;
}

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
  private readonly upstreams = new Map<NodePool, Upstream>();
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
        if (this.closeWhenIdle) this.client.end();
      },
    );
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      this.onClientData(chunk);
    });
    client.on('drain', () => {
      for (const up of this.upstreams.values()) up.socket.resume();
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

  private writeClient(bytes: Buffer): void {
    if (this.closed) return;
    if (!this.client.write(bytes)) {
      // The client reads slower than the backends answer: stop reading from them.
      for (const up of this.upstreams.values()) up.socket.pause();
    }
    if (this.heldPaused.size > 0 && this.queue.heldBytes < HOLD_LIMIT / 2) {
      for (const up of this.heldPaused) up.socket.resume();
      this.heldPaused.clear();
    }
  }

  private onClientData(chunk: Buffer): void {
    if (this.closeWhenIdle) return; // after QUIT or a protocol error nothing more is read
    this.framer.push(chunk);
    this.client.cork();
    try {
      for (let ev = this.framer.next(); ev; ev = this.framer.next()) {
        if (ev.kind === 'error') {
          // As Redis does: answer the requests before it, then the error, then close.
          this.queue.local(protocolErrorReply(ev.message));
          this.endAfterReplies();
          break;
        }
        this.route(ev);
        if (this.ending()) break;
      }
    } finally {
      let ok = true;
      for (const up of this.touched) {
        if (!up.flush()) {
          ok = false;
          up.socket.once('drain', () => {
            this.client.resume();
          });
        }
      }
      this.touched.clear();
      if (!ok) this.client.pause();
      this.client.uncork();
    }
  }

  /** After QUIT nothing more is read (a method, so control-flow narrowing does not apply). */
  private ending(): boolean {
    return this.closeWhenIdle;
  }

  private endAfterReplies(): void {
    this.closeWhenIdle = true;
    if (this.queue.pending === 0) this.client.end();
  }

  private route(piece: FramePiece): void {
    if (!piece.first) {
      for (const up of this.streamTargets ?? []) this.send(up, piece.bytes, undefined);
      if (piece.last) this.streamTargets = undefined;
      return;
    }
    const name = lower(piece.args[0]);
    const arg1 = piece.args[1];
    const key =
      this.ctx.table.isContainer(name) && arg1 !== undefined ? `${name}|${lower(arg1)}` : name;
    const targets: Upstream[] = [];

    if (this.passthrough !== undefined) {
      // Replies now flow as one stream from the master; every request goes there.
      const master = this.upstream(this.ctx.master);
      this.send(master, piece.bytes, undefined);
      targets.push(master);
    } else if (name === 'quit') {
      this.queue.local(OK);
      this.endAfterReplies();
      return;
    } else if (PASSTHROUGH.has(key)) {
      const master = this.upstream(this.ctx.master);
      this.passthrough = this.queue.open({ endless: true });
      const stream = this.passthrough;
      master.passthrough = {
        deliver: (bytes, last) => {
          stream.deliver(bytes, last);
        },
        abort: () => {
          // The master closed the stream (QUIT, or it went away): so does the ambassador.
          this.client.end();
        },
      };
      this.send(master, piece.bytes, undefined);
      targets.push(master);
    } else if (STATE_KINDS.has(key) || name === 'reset') {
      targets.push(...this.sendSessionCommand(key, piece.bytes));
    } else {
      const route = this.ctx.table.lookup(
        name,
        key === name ? undefined : key.slice(name.length + 1),
      );
      if (name === 'multi') this.inMulti = true;
      else if (name === 'exec' || name === 'discard') {
        this.inMulti = false;
        this.watching = false;
      } else if (name === 'watch') this.watching = true;
      else if (name === 'unwatch') this.watching = false;

      let pool: NodePool = this.ctx.master;
      if (route.class === 'replica' && !this.inMulti && !this.watching && this.blocking === 0) {
        pool = this.pickReplica() ?? this.ctx.master;
      }
      const up = this.upstream(pool);
      const slot = this.queue.open();
      if (route.class === 'pinned' && !this.inMulti && isBlocking(name)) {
        this.blocking++;
        this.send(
          up,
          piece.bytes,
          slotSink(slot, {
            onBroken: this.broken,
            onDone: () => {
              this.blocking--;
            },
          }),
        );
      } else {
        this.send(up, piece.bytes, slotSink(slot, { onBroken: this.broken }));
      }
      targets.push(up);
      if (route.broadcast) {
        for (const replica of this.ctx.replicas) {
          if (!replica.isUp()) continue;
          const r = this.upstream(replica);
          this.send(r, piece.bytes, DISCARD);
          targets.push(r);
        }
      }
    }
    if (!piece.last) this.streamTargets = targets;
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
    const master = this.upstream(this.ctx.master);
    const slot = this.queue.open();
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

  private pickReplica(): NodePool | undefined {
    if (this.ctx.readFrom === 'master') return undefined;
    const n = this.ctx.replicas.length;
    for (let i = 0; i < n; i++) {
      const pool = this.ctx.replicas[(this.ctx.rr++ & 0x7fffffff) % n];
      if (pool?.isUp()) return pool;
    }
    return undefined;
  }

  /** The client's connection to `pool`'s node, opened (and given the session state) on demand. */
  private upstream(pool: NodePool): Upstream {
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
    up.beforeData = () => {
      // Replies handled in one turn leave in one write.
      this.client.cork();
    };
    up.afterData = () => {
      this.client.uncork();
      if (this.queue.heldBytes > HOLD_LIMIT && !this.heldPaused.has(up)) {
        up.socket.pause();
        this.heldPaused.add(up);
      }
    };
    return up;
  }

  private send(up: Upstream, bytes: Buffer, sink: ReplySink | undefined): void {
    up.send(bytes, sink);
    this.touched.add(up);
  }

  /** Returns clean upstream connections to their pools and closes the others. */
  private release(): void {
    if (this.closed) return;
    this.closed = true;
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

interface SinkHooks {
  /** The reply's first byte arrived (its RESP type). */
  readonly onType?: ((type: number) => void) | undefined;
  /** The reply ended, or will never come. */
  readonly onDone?: (() => void) | undefined;
  /** The connection died mid-reply: the client's stream cannot be kept in step. */
  readonly onBroken: () => void;
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
