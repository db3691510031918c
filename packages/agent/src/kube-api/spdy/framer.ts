import {
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameType,
  SPDY_VERSION,
  type ControlFrame,
  type DataPiece,
  type FrameEvent,
  type FramingError,
  type Setting,
} from './frames.js';

/** Limits of the framer. */
export interface FramerLimits {
  /**
   * Largest control frame accepted (its length field). Control frames are buffered whole; a
   * SYN_STREAM of kubectl is some 50 bytes. Default 64 KiB.
   */
  maxControlFrameLength?: number | undefined;
}

const EMPTY = Buffer.alloc(0);
const HEADER = 8;

/**
 * An incremental SPDY/3.1 frame reader: push the received chunks in any sizes, take frames
 * out with `next()`. DATA payloads are handed out as views into the pushed chunks, as their
 * bytes arrive (never copied, never buffered whole); only a frame header or a control frame
 * that straddles chunks is copied. Memory is bounded by the control frame limit: bytes are
 * held only while a header or a control frame is incomplete.
 *
 * It never throws on input: a frame the spec forbids (wrong version, a length its type cannot
 * have, stream id 0 where one is needed, a control frame over the limit) is one `error`
 * event, after which it reads nothing more. Unknown control frame types are skipped, as the
 * spec asks.
 *
 * @example
 *   const framer = new SpdyFramer();
 *   socket.on('data', (chunk) => {
 *     framer.push(chunk);
 *     for (let ev = framer.next(); ev; ev = framer.next()) handle(ev);
 *   });
 */
export class SpdyFramer {
  readonly #maxControl: number;
  /** Received chunks not consumed yet; `#offset` is the position in the first. */
  #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  /** Payload bytes of the current DATA frame still to hand out; -1 between frames. */
  #dataLeft = -1;
  #dataStream = 0;
  #dataFin = false;
  #dataFirst = false;
  #failed = false;

  constructor(limits: FramerLimits = {}) {
    this.#maxControl = limits.maxControlFrameLength ?? 64 * 1024;
  }

  /** Adds received bytes. The chunk is kept by reference and never modified. */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.#failed) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** Bytes received and not yet handed out (for accounting and tests). */
  get buffered(): number {
    return this.#buffered;
  }

  /** Whether the framer stopped at an error. */
  get failed(): boolean {
    return this.#failed;
  }

  /** The next frame, DATA piece or error; undefined when more bytes are needed. */
  next(): FrameEvent | undefined {
    for (;;) {
      if (this.#failed) return undefined;
      if (this.#dataLeft > 0) return this.#dataPiece();
      if (this.#buffered < HEADER) return undefined;
      const head = this.#peek(HEADER);
      const word0 = head.readUInt32BE(0);
      const word1 = head.readUInt32BE(4);
      const flags = word1 >>> 24;
      const length = word1 & 0xffffff;
      if ((word0 & 0x80000000) === 0) {
        const streamId = word0 & 0x7fffffff;
        if (streamId === 0) return this.#fail('DATA frame on stream 0');
        this.#skip(HEADER);
        const fin = (flags & FLAG_FIN) !== 0;
        if (length === 0) {
          return { kind: 'data', streamId, data: EMPTY, first: true, last: true, fin };
        }
        this.#dataLeft = length;
        this.#dataStream = streamId;
        this.#dataFin = fin;
        this.#dataFirst = true;
        if (this.#buffered === 0) return undefined;
        return this.#dataPiece();
      }
      const version = (word0 >>> 16) & 0x7fff;
      if (version !== SPDY_VERSION)
        return this.#fail(`unsupported SPDY version ${version} (only 3 is spoken)`);
      if (length > this.#maxControl)
        return this.#fail(
          `control frame of ${length} bytes exceeds the limit of ${this.#maxControl}`,
        );
      if (this.#buffered < HEADER + length) return undefined;
      this.#skip(HEADER);
      const payload = length === 0 ? EMPTY : this.#take(length);
      const frame = decodeControl(word0 & 0xffff, flags, payload);
      if (frame === undefined) continue; // an unknown type: skipped
      if (frame.kind === 'error') return this.#fail(frame.message);
      return frame;
    }
  }

  #dataPiece(): DataPiece | undefined {
    if (this.#buffered === 0) return undefined;
    const first = this.#chunks[0] ?? EMPTY;
    const n = Math.min(this.#dataLeft, first.length - this.#offset);
    const data =
      this.#offset === 0 && n === first.length
        ? first
        : first.subarray(this.#offset, this.#offset + n);
    this.#skip(n);
    this.#dataLeft -= n;
    const piece: DataPiece = {
      kind: 'data',
      streamId: this.#dataStream,
      data,
      first: this.#dataFirst,
      last: this.#dataLeft === 0,
      fin: this.#dataFin,
    };
    this.#dataFirst = false;
    if (this.#dataLeft === 0) this.#dataLeft = -1;
    return piece;
  }

  /** The next `n` buffered bytes (n ≤ buffered) without consuming them: a view when possible. */
  #peek(n: number): Buffer {
    const first = this.#chunks[0] ?? EMPTY;
    if (first.length - this.#offset >= n) return first.subarray(this.#offset, this.#offset + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let off = this.#offset;
    for (const c of this.#chunks) {
      filled += c.copy(out, filled, off, Math.min(c.length, off + n - filled));
      off = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Consumes `n` buffered bytes and returns them (a view when they lie in one chunk). */
  #take(n: number): Buffer {
    const out = this.#peek(n);
    this.#skip(n);
    return out;
  }

  #skip(n: number): void {
    this.#buffered -= n;
    while (n > 0) {
      const first = this.#chunks[0];
      if (first === undefined) break;
      const avail = first.length - this.#offset;
      if (n < avail) {
        this.#offset += n;
        return;
      }
      n -= avail;
      this.#chunks.shift();
      this.#offset = 0;
    }
  }

  #fail(message: string): FramingError {
    this.#failed = true;
    this.#chunks = [];
    this.#offset = 0;
    this.#buffered = 0;
    this.#dataLeft = -1;
    return { kind: 'error', message };
  }
}

function error(message: string): FramingError {
  return { kind: 'error', message };
}

const NAMES: Record<number, string> = {
  [FrameType.synStream]: 'SYN_STREAM',
  [FrameType.synReply]: 'SYN_REPLY',
  [FrameType.rstStream]: 'RST_STREAM',
  [FrameType.settings]: 'SETTINGS',
  [FrameType.ping]: 'PING',
  [FrameType.goAway]: 'GOAWAY',
  [FrameType.headers]: 'HEADERS',
  [FrameType.windowUpdate]: 'WINDOW_UPDATE',
};

/**
 * A control frame's fields from its payload (the 8-byte header already read); undefined for
 * a type this version does not define, which the receiver ignores.
 */
export function decodeControl(
  type: number,
  flags: number,
  p: Buffer,
): ControlFrame | FramingError | undefined {
  const name = NAMES[type];
  if (name === undefined) return undefined;
  const exactly = (n: number): FramingError | undefined =>
    p.length === n ? undefined : error(`${name} frame of ${p.length} bytes (${n} expected)`);
  const atLeast = (n: number): FramingError | undefined =>
    p.length >= n ? undefined : error(`${name} frame of ${p.length} bytes (at least ${n})`);
  const stream = (id: number): FramingError | undefined =>
    id === 0 ? error(`${name} frame on stream 0`) : undefined;
  const fin = (flags & FLAG_FIN) !== 0;
  switch (type) {
    case FrameType.synStream: {
      const bad = atLeast(10);
      if (bad) return bad;
      const streamId = p.readUInt32BE(0) & 0x7fffffff;
      return (
        stream(streamId) ?? {
          kind: 'syn_stream',
          streamId,
          associatedId: p.readUInt32BE(4) & 0x7fffffff,
          priority: (p[8] ?? 0) >>> 5,
          slot: p[9] ?? 0,
          fin,
          unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
          headerBlock: p.subarray(10),
        }
      );
    }
    case FrameType.synReply:
    case FrameType.headers: {
      const bad = atLeast(4);
      if (bad) return bad;
      const streamId = p.readUInt32BE(0) & 0x7fffffff;
      const kind = type === FrameType.synReply ? 'syn_reply' : 'headers';
      return stream(streamId) ?? { kind, streamId, fin, headerBlock: p.subarray(4) };
    }
    case FrameType.rstStream: {
      const bad = exactly(8);
      if (bad) return bad;
      const streamId = p.readUInt32BE(0) & 0x7fffffff;
      const status = p.readUInt32BE(4);
      if (status === 0) return error('RST_STREAM frame with status 0');
      return stream(streamId) ?? { kind: 'rst_stream', streamId, status };
    }
    case FrameType.settings: {
      const bad = atLeast(4);
      if (bad) return bad;
      const count = p.readUInt32BE(0);
      if (p.length !== 4 + count * 8)
        return error(`SETTINGS frame of ${p.length} bytes for ${count} entries`);
      const settings: Setting[] = [];
      for (let i = 0; i < count; i++) {
        const idFlags = p.readUInt32BE(4 + i * 8);
        settings.push({
          flags: idFlags >>> 24,
          id: idFlags & 0xffffff,
          value: p.readUInt32BE(8 + i * 8),
        });
      }
      return { kind: 'settings', clear: (flags & 0x01) !== 0, settings };
    }
    case FrameType.ping:
      return exactly(4) ?? { kind: 'ping', id: p.readUInt32BE(0) };
    case FrameType.goAway:
      return (
        exactly(8) ?? {
          kind: 'goaway',
          lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff,
          status: p.readUInt32BE(4),
        }
      );
    default: {
      // WINDOW_UPDATE (the last type NAMES has).
      const bad = exactly(8);
      if (bad) return bad;
      const delta = p.readUInt32BE(4) & 0x7fffffff;
      if (delta === 0) return error('WINDOW_UPDATE frame with a delta of 0');
      return { kind: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta };
    }
  }
}
