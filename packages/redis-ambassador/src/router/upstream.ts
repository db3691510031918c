import net from 'node:net';
import { ReplyFramer, type FramerLimits } from '../resp/framer.js';
import type { Endpoint } from './address.js';
import { inBatch } from './write-batch.js';

/** Where the reply to one request goes. */
export interface ReplySink {
  /** Reply bytes, in order; `last` ends this reply; `type` is the frame's first byte. */
  deliver(bytes: Buffer, last: boolean, type: number): void;
  /** The connection died before the reply was complete. */
  abort(reason: string): void;
}

/** Up to this many queued bytes are joined into one buffer before a write. */
export const COALESCE_LIMIT = 64 * 1024;

/**
 * Every upstream socket reads into this one buffer (Node's `onread`): no ArrayBuffer is
 * allocated per read and the bytes skip the Readable stream's machinery. What was read is
 * copied out at once (a small copy lands in Node's pooled slab), since replies outlive the
 * callback: held for a later slot, waiting in the framer, or queued by a pending write.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * How deep a backend's reply may nest. Redis itself has no limit: a Lua script returning a
 * self-referencing table is answered ~8,000 levels deep before `-ERR reached lua stack limit`
 * (Redis's own scripting suite checks that), so the framer's default of 128 would drop a
 * healthy connection. The framer keeps an explicit stack: depth costs memory, not recursion.
 */
const REPLY_MAX_DEPTH = 16_384;

/** Swallows a reply (state replayed by the ambassador, broadcast copies). */
export const DISCARD: ReplySink = {
  deliver() {
    // nothing: the client never asked for this reply
  },
  abort() {
    // nothing
  },
};

/**
 * Who uses a connection: told about out-of-band pushes, each handled chunk (for
 * backpressure) and the connection's end. A client session while it holds the connection; the
 * node pool for its shared connection.
 */
export interface UpstreamOwner {
  /** An out-of-band RESP3 push frame (e.g. a tracking invalidation) outside pass-through. */
  onPush(bytes: Buffer, last: boolean): void;
  /** A chunk of replies was handled. */
  afterData(up: Upstream): void;
  /** The connection ended for any reason, after its pending sinks were aborted. */
  onUpstreamClose(up: Upstream, hadError: boolean, connected: boolean): void;
}

/**
 * One connection to a backend node. Requests are queued with the sink for their reply; the
 * node answers in order, so replies are matched FIFO. Bytes are forwarded unchanged, batched
 * per event-loop turn with cork/uncork (one writev). Its socket stays inside: users pause and
 * resume it, and learn about it through their {@link UpstreamOwner}.
 */
export class Upstream {
  readonly endpoint: Endpoint;
  private readonly socket: net.Socket;
  private readonly framer: ReplyFramer;
  private readonly sinks: ReplySink[] = [];
  private sinkHead = 0;
  /** The sink of the reply currently being received in pieces. */
  private current: ReplySink | undefined;
  private out: Buffer[] = [];
  private outBytes = 0;
  /**
   * A connection shared by many clients flushes itself once per event-loop turn (after the
   * poll phase read every ready client), so one write carries every client's requests.
   */
  private autoFlush = false;
  private flushScheduled = false;
  /** After the queued replies, every frame goes here (subscribe, MONITOR, CLIENT REPLY …). */
  private passthroughSink: ReplySink | undefined;
  /** The pass-through carries raw bytes, not RESP frames (a SYNC/PSYNC replication stream). */
  private raw = false;
  private owner: UpstreamOwner | undefined;
  closed = false;
  private connected = false;

  /**
   * @param preamble sent first, its reply discarded (AUTH with the backend password)
   * @param onGone called once when the connection has closed (the pool's bookkeeping)
   */
  constructor(
    endpoint: Endpoint,
    limits: FramerLimits = {},
    preamble?: Buffer,
    onGone?: (up: Upstream) => void,
  ) {
    this.endpoint = endpoint;
    this.framer = new ReplyFramer({ ...limits, maxDepth: limits.maxDepth ?? REPLY_MAX_DEPTH });
    this.socket = net.connect({
      host: endpoint.host,
      port: endpoint.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number): boolean => {
          const chunk = Buffer.allocUnsafe(n);
          READ_BUFFER.copy(chunk, 0, 0, n);
          inBatch(this.onChunk, chunk);
          return true;
        },
      },
    });
    if (preamble !== undefined) this.send(preamble, DISCARD);
    this.socket.on('connect', () => {
      this.connected = true;
    });
    this.socket.on('error', () => {
      // 'close' follows with hadError; handled there.
    });
    this.socket.on('close', (hadError) => {
      this.terminate(hadError ? 'connection error' : 'connection closed');
      this.owner?.onUpstreamClose(this, hadError, this.connected);
      onGone?.(this);
    });
  }

  /** Hands the connection to `owner` (undefined: back to nobody, e.g. idle in its pool). */
  setOwner(owner: UpstreamOwner | undefined): void {
    this.owner = owner;
  }

  /** Stops reading replies (the client reads slower than the node answers). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Calls `fn` once, when the socket drains or closes (whichever comes first). */
  onceWritable(fn: () => void): void {
    const once = (): void => {
      this.socket.off('drain', once);
      this.socket.off('close', once);
      fn();
    };
    this.socket.once('drain', once);
    this.socket.once('close', once);
  }

  /**
   * After the replies already awaited, everything the node sends goes to `sink`: RESP frames
   * (pub/sub, MONITOR …), or with `raw` the bytes as they come (a replication stream, whose
   * RDB payload has no trailing CRLF). Raw mode starts at once: the caller has no reply
   * outstanding on this connection.
   */
  startPassthrough(sink: ReplySink, raw: boolean): void {
    this.passthroughSink = sink;
    this.raw = raw;
  }

  /** Whether this connection is in pass-through (it is never reused). */
  get inPassthrough(): boolean {
    return this.passthroughSink !== undefined;
  }

  /** Requests whose replies have not fully arrived. */
  get pending(): number {
    return this.sinks.length - this.sinkHead;
  }

  /** Makes this a shared connection: what is sent is written at the end of the turn. */
  shareAcrossClients(): void {
    this.autoFlush = true;
  }

  /** Whether this connection carries many clients' requests. */
  get shared(): boolean {
    return this.autoFlush;
  }

  /** Queues a request (or its first piece) and the sink for its reply. */
  send(bytes: Buffer, sink: ReplySink | undefined): void {
    // An idle shared connection (no reply awaited, nothing queued) writes at once: batching
    // only pays while the node is busy answering earlier requests, and waiting for the end of
    // the turn would add its cost to a lone client's every round trip (`-c 1` latency).
    const idle = this.autoFlush && this.out.length === 0 && this.pending === 0;
    if (sink !== undefined) this.sinks.push(sink);
    if (idle) {
      if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
      return;
    }
    this.out.push(bytes);
    this.outBytes += bytes.length;
    if (this.autoFlush && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Writes what was queued; false when the socket asks the sender to wait for 'drain'. */
  flush(): boolean {
    const out = this.out;
    const size = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    // A destroyed socket refuses writes (false) and never drains; 'close' aborts the sinks.
    if (out.length === 0 || this.closed || this.socket.destroyed) return true;
    if (out.length === 1) return this.socket.write(out[0] as Buffer);
    // Small requests are joined (one copy is cheaper than a writev entry and a write request
    // per piece); big ones go out as they are.
    if (size <= COALESCE_LIMIT) return this.socket.write(Buffer.concat(out, size));
    this.socket.cork();
    let ok = true;
    for (const b of out) ok = this.socket.write(b);
    this.socket.uncork();
    return ok;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** One chunk of replies; the client writes it completes leave when it returns. */
  private readonly onChunk = (chunk: Buffer): void => {
    if (this.raw) this.passthroughSink?.deliver(chunk, false, 0);
    else this.onData(chunk);
    this.owner?.afterData(this);
  };

  private onData(chunk: Buffer): void {
    this.framer.push(chunk);
    for (let ev = this.framer.next(); ev; ev = this.framer.next()) {
      if (ev.kind === 'error') {
        // A backend that breaks the protocol cannot be trusted with further requests.
        this.socket.destroy();
        return;
      }
      let sink = this.current;
      if (ev.first) {
        if (
          ev.type === 0x3e /* '>' */ &&
          (this.passthroughSink === undefined || this.pending > 0)
        ) {
          this.owner?.onPush(ev.bytes, ev.last);
          continue;
        }
        sink = this.sinkHead < this.sinks.length ? this.sinks[this.sinkHead] : this.passthroughSink;
        if (sink === undefined) {
          this.socket.destroy(); // a reply nobody asked for: the stream is out of step
          return;
        }
        this.current = sink;
      }
      if (sink === undefined) continue;
      sink.deliver(ev.bytes, ev.last, ev.type);
      if (ev.last) {
        this.current = undefined;
        if (sink !== this.passthroughSink) this.shiftSink();
      }
    }
  }

  private shiftSink(): void {
    this.sinkHead++;
    if (this.sinkHead === this.sinks.length) {
      this.sinks.length = 0;
      this.sinkHead = 0;
    }
  }

  private terminate(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const pending = this.sinks.slice(this.sinkHead);
    this.sinks.length = 0;
    this.sinkHead = 0;
    for (const s of pending) s.abort(reason);
    if (this.passthroughSink && !pending.includes(this.passthroughSink))
      this.passthroughSink.abort(reason);
  }
}
