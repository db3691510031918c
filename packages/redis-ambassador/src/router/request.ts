import type { RouteLabel } from '../metrics.js';
import type { NodePool } from './node-pool.js';
import { ReplySlot, type ReplyQueue } from './reply-queue.js';
import type { ReplySink } from './upstream.js';

/** What a {@link Request} reports to the client session it belongs to. */
export interface RequestOwner {
  /** A replica answered NOSCRIPT: send the read to the master; true when it was sent. */
  retryOnMaster(req: Request): boolean;
  /** The read's node failed before its first reply byte: true when it was sent elsewhere. */
  retryRead(req: Request): boolean;
  /** The request's reply ended, or will never come. */
  requestDone(req: Request): void;
  /** A request on a shared connection is over. */
  sharedDone(): void;
  /** The master refused a session command: it is not replayed. */
  dropState(entry: StateEntry): void;
  /** The client cannot be kept in step (its node died mid-reply): close it. */
  destroy(): void;
}

/** Replayable session state: the command's kind (`select`, `auth` …) and its bytes. */
export interface StateEntry {
  readonly kind: string;
  readonly bytes: Buffer;
}

/* Request kinds (bits): what its reply means to the session besides reaching the client. */
/** A replica-eligible read (may be retried elsewhere). */
export const READ = 1;
/** A write for read-your-writes: reads stay on the master until it is answered. */
export const WRITE = 2;
/** A blocking command: everything goes to the master until it is answered. */
export const BLOCKING = 4;
/** A session command (AUTH, SELECT …): an error reply drops it from the replayed state. */
export const STATE = 8;

/**
 * One forwarded request: its slot in the client's reply queue and the sink for its reply, in
 * one object (closures per request cost more than forwarding the request). If its node dies
 * before the first reply byte, a read is sent again elsewhere (RequestOwner.retryRead); after
 * the first byte the client cannot be kept in step and is dropped; otherwise the client gets
 * an error reply in the request's place.
 */
export class Request extends ReplySlot implements ReplySink {
  private readonly session: RequestOwner;
  /** READ | WRITE | BLOCKING | STATE bits. */
  readonly kind: number;
  /** Where it went, for metrics. */
  label: RouteLabel;
  /** performance.now() when forwarded (0 without metrics). */
  readonly t0: number;
  /** Reads: the node serving it. */
  pool: NodePool | undefined;
  /** Reads: the whole request, to send again (undefined when it arrived in pieces). */
  readonly retryBytes: Buffer | undefined;
  readonly state: StateEntry | undefined;
  attempt = 0;
  /** Counted in the session's requests out on shared connections. */
  onShared = false;
  private started = false;
  private finished = false;

  constructor(
    session: RequestOwner,
    queue: ReplyQueue,
    kind: number,
    label: RouteLabel,
    t0: number,
    pool: NodePool | undefined,
    retryBytes: Buffer | undefined,
    state: StateEntry | undefined,
  ) {
    super(queue, false);
    this.session = session;
    this.kind = kind;
    this.label = label;
    this.t0 = t0;
    this.pool = pool;
    this.retryBytes = retryBytes;
    this.state = state;
  }

  deliver(bytes: Buffer, last: boolean, type: number): void {
    if (!this.started) {
      // A replica without the script (scripts are not replicated, and a restarted replica has
      // none): the master, where SCRIPT LOAD and EVAL always run, answers instead.
      if (type === 0x2d && last && this.label === 'replica' && isNoScript(bytes)) {
        const shared = this.onShared;
        this.onShared = false;
        if (this.session.retryOnMaster(this)) {
          if (shared) this.session.sharedDone();
          return;
        }
        this.onShared = shared;
      }
      this.started = true;
      // '-' or '!': the master refused the session command.
      if (this.state !== undefined && (type === 0x2d || type === 0x21)) {
        this.session.dropState(this.state);
      }
    }
    this.fill(bytes, last);
    if (!last) return;
    if (!this.finished) {
      this.finished = true;
      this.session.requestDone(this);
    }
    if (this.onShared) {
      this.onShared = false;
      this.session.sharedDone();
    }
  }

  abort(reason: string): void {
    if (this.finished) return;
    const shared = this.onShared;
    this.onShared = false;
    if (this.started || (this.kind & READ) === 0 || !this.session.retryRead(this)) {
      this.finished = true;
      this.session.requestDone(this);
      if (this.started) this.session.destroy();
      // The request may or may not have run; say so instead of leaving the client hanging.
      else this.fill(Buffer.from(`-ERR ambassador: backend ${reason}\r\n`), true);
    }
    if (shared) this.session.sharedDone();
  }
}

const NOSCRIPT = Buffer.from('-NOSCRIPT');

/** Whether an error reply is Redis's NOSCRIPT (the script is not in that node's cache). */
function isNoScript(reply: Buffer): boolean {
  return (
    reply.length >= NOSCRIPT.length &&
    reply.compare(NOSCRIPT, 0, NOSCRIPT.length, 0, NOSCRIPT.length) === 0
  );
}
