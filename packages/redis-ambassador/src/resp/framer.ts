import { splitInlineArgs } from './inline.js';

/**
 * Incremental, zero-copy RESP framers. They find frame boundaries in a byte stream and hand
 * back the frame's bytes unchanged (views into the received chunks whenever a frame lies in one
 * chunk), so the ambassador forwards exactly what it received.
 *
 * Two directions, two rule sets:
 * - {@link RequestFramer} reads what a client sends, with the rules of Redis' own request parser
 *   (networking.c: processMultibulkBuffer / processInlineBuffer) and its exact error messages,
 *   so a malformed request is answered as Redis would answer it.
 * - {@link ReplyFramer} reads what a server sends: every RESP2 and RESP3 type, streamed strings
 *   and aggregates, attributes, push frames, with a nesting-depth limit.
 *
 * Bounded memory: a frame whose buffered bytes reach `streamThreshold` is handed out in pieces
 * (`last: false`) as its bytes arrive, so a 500 MB bulk string never sits in memory whole. The
 * concatenation of a frame's pieces is exactly the frame.
 */

/** Limits shared by both framers. */
export interface FramerLimits {
  /** Largest bulk string accepted (Redis' proto-max-bulk-len). Default 512 MiB. */
  maxBulkLength?: number | undefined;
  /** Buffered bytes of one frame from which it is handed out in pieces. Default 256 KiB. */
  streamThreshold?: number | undefined;
  /** Deepest aggregate nesting accepted in replies. Default 128. */
  maxDepth?: number | undefined;
  /** Longest inline request / header line (Redis' PROTO_INLINE_MAX_SIZE). Default 64 KiB. */
  maxInlineSize?: number | undefined;
  /** How many leading arguments of a request are handed out for routing. Default 3. */
  maxArgs?: number | undefined;
}

/** A whole frame, or one piece of a frame that is being streamed. */
export interface FramePiece {
  readonly kind: 'frame';
  /** The bytes of this piece, exactly as received. */
  readonly bytes: Buffer;
  /** True for the first piece of a frame (the one that carries `args`). */
  readonly first: boolean;
  /** True when this piece ends the frame. */
  readonly last: boolean;
  /** Replies: the frame's first byte (`+`, `-`, `>`, `|` …). Requests: `*`, or 0 for inline. */
  readonly type: number;
  /** Requests: the number of arguments. Replies: 0. */
  readonly argc: number;
  /**
   * Requests, first piece: the leading arguments (up to `maxArgs`) that were complete when the
   * piece was cut; views into `bytes` for multibulk requests, decoded copies for inline ones.
   */
  readonly args: readonly Buffer[];
}

/** The peer broke the protocol; the framer accepts nothing more. */
export interface FrameError {
  readonly kind: 'error';
  /** Redis' wording, without the `-ERR ` prefix, e.g. `Protocol error: invalid bulk length`. */
  readonly message: string;
}

export type FrameEvent = FramePiece | FrameError;

/** The RESP error reply Redis sends for a protocol error (then it closes the connection). */
export function protocolErrorReply(message: string): Buffer {
  return Buffer.from(`-ERR ${message}\r\n`, 'latin1');
}

const EMPTY = Buffer.alloc(0);
const NO_ARGS: readonly Buffer[] = [];
const CR = 0x0d;
const LF = 0x0a;
const INT_MAX = 2147483647;

/** Buffer handling shared by both framers: a working buffer, a cursor, pending chunks. */
abstract class FramerBase {
  protected buf: Buffer = EMPTY;
  /** Scan cursor in `buf`. */
  protected pos = 0;
  /** Where the current frame's not-yet-emitted bytes begin in `buf`. */
  protected start = 0;
  /** Whether the current frame already handed out a piece. */
  protected streaming = false;
  protected failed = false;
  /** Chunks received while the scanner waits for at least `need` more bytes. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  protected need = 0;
  protected readonly maxBulkLength: number;
  protected readonly streamThreshold: number;
  protected readonly maxInlineSize: number;

  constructor(limits: FramerLimits) {
    this.maxBulkLength = limits.maxBulkLength ?? 512 * 1024 * 1024;
    this.streamThreshold = limits.streamThreshold ?? 256 * 1024;
    this.maxInlineSize = limits.maxInlineSize ?? 64 * 1024;
  }

  /** Adds received bytes. The chunk is kept by reference and never modified. */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.failed) return;
    if (this.start === this.buf.length && this.pendingLength === 0) {
      // Everything before was handed out: scan the new chunk in place (the zero-copy path).
      this.buf = chunk;
      this.pos = 0;
      this.start = 0;
    } else {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
    }
  }

  /** The next frame (or piece) or error, or undefined when more bytes are needed. */
  next(): FrameEvent | undefined {
    if (this.failed) return undefined;
    if (this.pendingLength > 0) {
      // Copy only when the scanner can make progress: a known-size body waits for all of it.
      if (this.pendingLength < this.need) return undefined;
      this.buf = Buffer.concat([this.buf.subarray(this.start), ...this.pending]);
      this.pos -= this.start;
      this.start = 0;
      this.pending = [];
      this.pendingLength = 0;
    }
    this.need = 0;
    return this.scan();
  }

  /** Bytes held for the current, unfinished frame (for memory accounting and tests). */
  get buffered(): number {
    return this.buf.length - this.start + this.pendingLength;
  }

  protected abstract scan(): FrameEvent | undefined;

  /** The bytes from `start` to `pos`: the received chunk itself when it is exactly that. */
  protected frameBytes(): Buffer {
    const buf = this.buf;
    return this.start === 0 && this.pos === buf.length ? buf : buf.subarray(this.start, this.pos);
  }

  protected fail(message: string): FrameError {
    this.failed = true;
    this.buf = EMPTY;
    this.pending = [];
    this.pendingLength = 0;
    this.pos = 0;
    this.start = 0;
    return { kind: 'error', message };
  }

  /**
   * Called when the scanner stopped for lack of bytes. Hands out the current frame's bytes up
   * to `safeEnd` when they have grown past the stream threshold; otherwise records `need`.
   */
  protected stall(
    safeEnd: number,
    need: number,
    piece: (bytes: Buffer) => FramePiece,
  ): FramePiece | undefined {
    if (safeEnd - this.start >= this.streamThreshold || (this.streaming && safeEnd > this.start)) {
      const bytes = this.buf.subarray(this.start, safeEnd);
      this.start = safeEnd;
      const ev = piece(bytes);
      this.streaming = true;
      return ev;
    }
    // Wake up when the wait is over, or when the frame has grown enough to be streamed.
    this.need = Math.max(1, Math.min(need, this.streamThreshold - (this.buf.length - this.start)));
    return undefined;
  }
}

/**
 * Frames client requests with Redis' request-parser rules: `*` starts a multibulk request of
 * `$` bulk strings, anything else is an inline command line. Empty requests (`*0`, `*-1`, blank
 * lines) are skipped as Redis skips them: they get no reply, so they yield no frame.
 *
 * @example
 *   const framer = new RequestFramer();
 *   framer.push(chunk);
 *   for (let ev = framer.next(); ev; ev = framer.next()) {
 *     if (ev.kind === 'error') socket.end(protocolErrorReply(ev.message));
 *     else route(ev);
 *   }
 */
export class RequestFramer extends FramerBase {
  private readonly maxArgs: number;
  /** Arguments still to read in the current multibulk request; -1 between requests. */
  private argsLeft = -1;
  private argc = 0;
  /** Bytes of the current bulk argument (plus its 2 trailing bytes) still to skip; -1 if none. */
  private bodyLeft = -1;
  /**
   * Offsets of the leading arguments relative to `start`. Until the first piece is handed out,
   * `start` is the frame's first byte and moves with the bytes when buffers are joined.
   */
  private argOffsets: number[] = [];

  constructor(limits: FramerLimits = {}) {
    super(limits);
    this.maxArgs = limits.maxArgs ?? 3;
  }

  protected scan(): FrameEvent | undefined {
    const buf = this.buf;
    for (;;) {
      if (this.argsLeft < 0) {
        // Between requests.
        if (this.pos >= buf.length) return undefined;
        this.start = this.pos;
        this.streaming = false;
        this.argOffsets.length = 0;
        if (buf[this.pos] !== 0x2a /* '*' */) {
          const inline = this.scanInline();
          if (inline === 'skip') continue;
          return inline;
        }
        // Multibulk count line. Redis looks for '\r' with strchr, which stops at a NUL byte.
        const cr = findCr(buf, this.pos);
        if (cr < 0) {
          if (buf.length - this.pos > this.maxInlineSize) {
            return this.fail('Protocol error: too big mbulk count string');
          }
          this.need = 1;
          return undefined;
        }
        if (cr + 1 >= buf.length) {
          this.need = 1;
          return undefined;
        }
        const ll = string2ll(buf, this.pos + 1, cr);
        if (ll === undefined || ll > INT_MAX) {
          return this.fail('Protocol error: invalid multibulk length');
        }
        this.pos = cr + 2;
        if (ll <= 0) {
          this.start = this.pos;
          continue;
        }
        this.argc = ll;
        this.argsLeft = ll;
        this.bodyLeft = -1;
      }
      // Inside a multibulk request.
      if (this.bodyLeft >= 0) {
        const avail = buf.length - this.pos;
        if (avail < this.bodyLeft) {
          return this.stall(buf.length, this.bodyLeft - avail, (bytes) => {
            this.bodyLeft -= buf.length - this.pos;
            this.pos = buf.length;
            return this.piece(bytes, false);
          });
        }
        // Like Redis, the two bytes after the body are skipped without being checked.
        this.pos += this.bodyLeft;
        this.bodyLeft = -1;
        this.argsLeft--;
        if (this.argsLeft === 0) {
          const bytes = this.frameBytes();
          this.start = this.pos;
          this.argsLeft = -1;
          return this.piece(bytes, true);
        }
        continue;
      }
      const cr = findCr(buf, this.pos);
      if (cr < 0) {
        if (buf.length - this.pos > this.maxInlineSize) {
          return this.fail('Protocol error: too big bulk count string');
        }
        return this.stall(this.pos, 1, (bytes) => this.piece(bytes, false));
      }
      if (cr + 1 >= buf.length) {
        return this.stall(this.pos, 1, (bytes) => this.piece(bytes, false));
      }
      const c = buf[this.pos] ?? 0;
      if (c !== 0x24 /* '$' */) {
        // Redis replaces CR/LF in error messages with spaces to keep the reply one line.
        const shown = c === CR || c === LF ? ' ' : String.fromCharCode(c);
        return this.fail(`Protocol error: expected '$', got '${shown}'`);
      }
      const ll = string2ll(buf, this.pos + 1, cr);
      if (ll === undefined || ll < 0 || ll > this.maxBulkLength) {
        return this.fail('Protocol error: invalid bulk length');
      }
      this.pos = cr + 2;
      const argIndex = this.argc - this.argsLeft;
      if (argIndex < this.maxArgs) {
        const rel = this.pos - this.start;
        this.argOffsets.push(rel, rel + ll);
      }
      this.bodyLeft = ll + 2;
    }
  }

  private piece(bytes: Buffer, last: boolean): FramePiece {
    const first = !this.streaming;
    let args: readonly Buffer[] = NO_ARGS;
    if (first) {
      const list: Buffer[] = [];
      const offs = this.argOffsets;
      for (let i = 0; i + 1 < offs.length; i += 2) {
        const s = offs[i] ?? 0;
        const e = offs[i + 1] ?? 0;
        if (e > bytes.length) break; // argument not complete in this piece
        list.push(bytes.subarray(s, e));
      }
      args = list;
    }
    if (!last) this.streaming = true;
    return { kind: 'frame', bytes, first, last, type: 0x2a, argc: this.argc, args };
  }

  /** An inline command: one line up to '\n' (a preceding '\r' is dropped), split like Redis. */
  private scanInline(): FrameEvent | 'skip' | undefined {
    const buf = this.buf;
    const nl = findLf(buf, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > this.maxInlineSize) {
        return this.fail('Protocol error: too big inline request');
      }
      this.need = 1;
      return undefined;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const args = splitInlineArgs(buf.subarray(this.pos, end));
    if (args === undefined) return this.fail('Protocol error: unbalanced quotes in request');
    const bytes = buf.subarray(this.pos, nl + 1);
    this.pos = nl + 1;
    this.start = this.pos;
    if (args.length === 0) return 'skip';
    return {
      kind: 'frame',
      bytes,
      first: true,
      last: true,
      type: 0,
      argc: args.length,
      args: args.slice(0, this.maxArgs),
    };
  }
}

/**
 * Frames server replies: RESP2 and RESP3 (`+ - : $ *` and `_ , # ! = ( % ~ > |`, streamed
 * `$?` strings and `*? %? ~?` aggregates ending in `.`). An attribute (`|`) belongs to the
 * value that follows it; a top-level push frame has `type` 0x3e (`>`).
 */
export class ReplyFramer extends FramerBase {
  private readonly maxDepth: number;
  /** Remaining elements of each open aggregate, innermost last; -1 for a streamed one. */
  private readonly stack: number[] = [];
  /** Bytes of the current bulk body still to skip; -1 when not inside a body. */
  private bodyLeft = -1;
  /** Inside a streamed string (`$?`): expecting `;len` chunks. */
  private inStreamedString = false;
  private frameType = 0;

  constructor(limits: FramerLimits = {}) {
    super(limits);
    this.maxDepth = limits.maxDepth ?? 128;
  }

  protected scan(): FrameEvent | undefined {
    const buf = this.buf;
    for (;;) {
      if (this.bodyLeft >= 0) {
        const avail = buf.length - this.pos;
        if (avail < this.bodyLeft + 2) {
          if (avail <= this.bodyLeft) {
            return this.stall(buf.length, this.bodyLeft + 2 - avail, (bytes) => {
              this.bodyLeft -= buf.length - this.pos;
              this.pos = buf.length;
              return this.piece(bytes, false);
            });
          }
          return this.stall(this.pos, this.bodyLeft + 2 - avail, (bytes) =>
            this.piece(bytes, false),
          );
        }
        const crlf = this.pos + this.bodyLeft;
        if (buf[crlf] !== CR || buf[crlf + 1] !== LF) {
          return this.fail('Protocol error: bulk string not terminated by CRLF');
        }
        this.pos = crlf + 2;
        this.bodyLeft = -1;
        if (this.inStreamedString) continue; // the next `;len` chunk
        const done = this.valueDone();
        if (done) return done;
        continue;
      }
      if (this.pos >= buf.length) {
        if (this.stack.length === 0 && !this.inStreamedString) return undefined;
        return this.stall(this.pos, 1, (bytes) => this.piece(bytes, false));
      }
      if (this.stack.length === 0 && !this.inStreamedString && this.start === this.pos) {
        this.streaming = false;
        this.frameType = buf[this.pos] ?? 0;
      }
      const cr = findCrLine(buf, this.pos);
      if (cr < 0 || cr + 1 >= buf.length) {
        if (buf.length - this.pos > this.maxInlineSize) {
          return this.fail('Protocol error: reply line too long');
        }
        return this.stall(this.pos, 1, (bytes) => this.piece(bytes, false));
      }
      if (buf[cr + 1] !== LF) return this.fail('Protocol error: line not terminated by CRLF');
      const type = buf[this.pos] ?? 0;
      const lineStart = this.pos + 1;
      this.pos = cr + 2;
      if (this.inStreamedString) {
        if (type !== 0x3b /* ';' */)
          return this.fail(`Protocol error: expected ';', got '${printable(type)}'`);
        const len = string2ll(buf, lineStart, cr);
        if (len === undefined || len < 0 || len > this.maxBulkLength) {
          return this.fail('Protocol error: invalid bulk length');
        }
        if (len === 0) {
          this.inStreamedString = false;
          const done = this.valueDone();
          if (done) return done;
          continue;
        }
        this.bodyLeft = len;
        continue;
      }
      let ev: FrameEvent | undefined;
      switch (type) {
        case 0x2b: // + simple string
        case 0x2d: // - error
        case 0x3a: // : integer
        case 0x5f: // _ null
        case 0x2c: // , double
        case 0x23: // # boolean
        case 0x28: // ( big number
          ev = this.valueDone();
          break;
        case 0x24: // $ bulk string
        case 0x21: // ! blob error
        case 0x3d: {
          // = verbatim string
          if (type === 0x24 && cr - lineStart === 1 && buf[lineStart] === 0x3f /* '?' */) {
            this.inStreamedString = true;
            break;
          }
          const len = string2ll(buf, lineStart, cr);
          if (len === -1 && type === 0x24) {
            ev = this.valueDone();
            break;
          }
          if (len === undefined || len < 0 || len > this.maxBulkLength) {
            return this.fail('Protocol error: invalid bulk length');
          }
          this.bodyLeft = len;
          break;
        }
        case 0x2a: // * array
        case 0x7e: // ~ set
        case 0x3e: // > push
        case 0x25: // % map
        case 0x7c: {
          // | attribute
          const streamed = cr - lineStart === 1 && buf[lineStart] === 0x3f;
          const n = streamed ? -1 : string2ll(buf, lineStart, cr);
          if (
            n === undefined ||
            n < -1 ||
            n > INT_MAX ||
            (n === -1 && !streamed && type !== 0x2a)
          ) {
            return this.fail('Protocol error: invalid multibulk length');
          }
          if (n === -1 && !streamed) {
            ev = this.valueDone(); // RESP2 null array
            break;
          }
          if (this.stack.length >= this.maxDepth) {
            return this.fail('Protocol error: reply nested too deeply');
          }
          if (streamed) {
            this.stack.push(-1);
            break;
          }
          // Maps and attributes hold key/value pairs; an attribute also owns the next value.
          const pairs = type === 0x25 || type === 0x7c;
          const count = (pairs ? n * 2 : n) + (type === 0x7c ? 1 : 0);
          if (count === 0) {
            ev = this.valueDone();
            break;
          }
          this.stack.push(count);
          break;
        }
        case 0x2e: {
          // . end of a streamed aggregate
          if (this.stack[this.stack.length - 1] !== -1 || cr !== lineStart) {
            return this.fail("Protocol error: unexpected '.'");
          }
          this.stack.pop();
          ev = this.valueDone();
          break;
        }
        default:
          return this.fail(`Protocol error: invalid reply type byte '${printable(type)}'`);
      }
      if (ev) return ev;
    }
  }

  /** A value ended: count it in its aggregate; return the frame when the top level is done. */
  private valueDone(): FramePiece | undefined {
    for (;;) {
      const top = this.stack.length - 1;
      if (top < 0) {
        const bytes = this.frameBytes();
        this.start = this.pos;
        return this.piece(bytes, true);
      }
      const left = this.stack[top] ?? 0;
      if (left === -1) return undefined; // streamed aggregate: ended by '.'
      if (left > 1) {
        this.stack[top] = left - 1;
        return undefined;
      }
      this.stack.pop();
    }
  }

  private piece(bytes: Buffer, last: boolean): FramePiece {
    const first = !this.streaming;
    if (!last) this.streaming = true;
    return { kind: 'frame', bytes, first, last, type: this.frameType, argc: 0, args: NO_ARGS };
  }
}

/**
 * First '\r' at or after `from`, or -1 — stopping at a NUL byte like C's strchr. A plain loop:
 * the lines are a few bytes long, and searching the NUL with indexOf scanned the whole rest of
 * a pipelined chunk for every line.
 */
function findCr(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c === CR) return i;
    if (c === 0) return -1;
  }
  return -1;
}

/**
 * First '\r' at or after `from`, or -1 (a reply line may hold NUL bytes). A loop in JavaScript:
 * reply lines are short, and Buffer#indexOf with a number is a call into C++ per line.
 */
function findCrLine(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) if (buf[i] === CR) return i;
  return -1;
}

/**
 * First '\n' at or after `from`, or -1 — stopping at a NUL byte: Redis finds the end of an
 * inline request with strchr, so a line with a NUL before its '\n' stays incomplete (until the
 * inline size limit) and nothing after it is answered.
 */
function findLf(buf: Buffer, from: number): number {
  const nl = buf.indexOf(LF, from);
  const end = nl < 0 ? buf.length : nl;
  return buf.subarray(from, end).indexOf(0) >= 0 ? -1 : nl;
}

/**
 * Redis' string2ll(): optional '-', then digits with no leading zero (a lone "0" is fine), no
 * '+', no spaces, within int64. Returns undefined where string2ll fails.
 */
export function string2ll(buf: Buffer, from: number, to: number): number | undefined {
  if (from >= to) return undefined;
  let p = from;
  let negative = false;
  if (to - from === 1 && buf[p] === 0x30) return 0;
  if (buf[p] === 0x2d) {
    negative = true;
    p++;
    if (p === to) return undefined;
  }
  const first = buf[p] ?? 0;
  if (first < 0x31 || first > 0x39) return undefined;
  let v = 0;
  for (; p < to; p++) {
    const c = buf[p] ?? 0;
    if (c < 0x30 || c > 0x39) return undefined;
    v = v * 10 + (c - 0x30);
    // Lengths beyond 2^53 cannot be valid here anyway; treat them as overflow.
    if (v > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return negative ? -v : v;
}

function printable(c: number): string {
  return c === CR || c === LF ? ' ' : String.fromCharCode(c);
}
