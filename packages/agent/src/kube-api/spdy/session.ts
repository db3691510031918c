import type { Duplex } from 'node:stream';
import { PodkitError } from '@podkit/kit';
import { AgentErrorCode } from '../../errors.js';
import {
  dataFrameHeader,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSynReply,
} from './frame-writer.js';
import {
  GoAwayStatus,
  MAX_FRAME_LENGTH,
  RstStatus,
  type FrameEvent,
  type SynStreamFrame,
} from './frames.js';
import { SpdyFramer, type FramerLimits } from './framer.js';
import { decodeHeaderBlock, encodeHeaderBlock, type SpdyHeaders } from './header-block.js';
import { HeaderDeflater, HeaderInflater } from './header-compression.js';
import { SpdyStream, type StreamHost } from './stream.js';

export interface SessionLimits extends FramerLimits {
  /** Largest decompressed header block accepted. Default 64 KiB. */
  maxHeaderBlockSize?: number | undefined;
  /** Streams open at once; more are refused (RST_STREAM REFUSED_STREAM). Default 1000. */
  maxStreams?: number | undefined;
}

export interface SpdySessionOptions {
  /**
   * Checks a new stream's headers: a reason to refuse it (RST_STREAM REFUSED_STREAM, as the
   * kubelet resets a stream its handler rejects), or undefined to accept it.
   */
  accept?: (headers: SpdyHeaders, id: number) => string | undefined;
  /** An accepted stream, after its SYN_REPLY was queued. */
  onStream: (stream: SpdyStream) => void;
  /** The peer broke the protocol (the session then ends with GOAWAY PROTOCOL_ERROR). */
  onProtocolError?: (err: PodkitError) => void;
  limits?: SessionLimits;
}

const EMPTY_HEADERS = encodeHeaderBlock([]);

/**
 * The server side of a SPDY/3.1 connection over any byte transport (a TLS socket after an
 * `Upgrade: SPDY/3.1`, or a WebSocket's binary messages as a stream): streams the peer opens
 * are answered with SYN_REPLY and handed out as SpdyStreams; PINGs are echoed; GOAWAY ends
 * the session once its streams are done; SETTINGS and WINDOW_UPDATE are read and ignored,
 * as moby/spdystream (kubectl's side) ignores them: it does no flow control, so neither
 * side's window ever closes. Backpressure instead: a stream whose reader is full stops the
 * reading of the whole connection (as spdystream's frame workers block), and writers wait
 * for the connection to drain.
 *
 * Frames are handled strictly in order; a header block's inflation is asynchronous, and
 * reading waits for it (one zlib context per direction for the whole connection).
 *
 * @example
 *   const session = new SpdySession(socket, {
 *     onStream: (stream) => stream.pipe(stream), // an echo
 *   });
 *   await session.closed;
 */
export class SpdySession implements StreamHost {
  readonly #transport: Duplex;
  readonly #options: SpdySessionOptions;
  readonly #framer: SpdyFramer;
  readonly #inflater: HeaderInflater;
  readonly #deflater = new HeaderDeflater();
  readonly #streams = new Map<number, SpdyStream>();
  readonly #blocked = new Set<SpdyStream>();
  readonly #maxStreams: number;
  #drainWaiters: (() => void)[] = [];
  #busy = false;
  #done = false;
  #peerGoneAway = false;
  #lastStreamId = 0;
  #resolveClosed!: () => void;
  /** Settles once the connection is gone and every stream with it. */
  readonly closed: Promise<void>;

  constructor(transport: Duplex, options: SpdySessionOptions) {
    this.#transport = transport;
    this.#options = options;
    this.#framer = new SpdyFramer(options.limits);
    this.#inflater = new HeaderInflater(options.limits?.maxHeaderBlockSize);
    this.#maxStreams = options.limits?.maxStreams ?? 1000;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    transport.on('data', (chunk: Buffer) => {
      this.#framer.push(chunk);
      this.#pump();
    });
    transport.on('drain', () => {
      this.#flushDrainWaiters();
    });
    transport.on('end', () => {
      // The peer will send nothing more: its streams cannot finish.
      this.#shutdown();
    });
    transport.on('error', () => {
      this.#shutdown();
    });
    transport.on('close', () => {
      this.#shutdown();
    });
  }

  /** Streams open now. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Ends the session: GOAWAY with `status`, then the transport's end. */
  close(status: number = GoAwayStatus.ok): void {
    if (this.#done) return;
    this.#write(encodeGoAway(this.#lastStreamId, status));
    this.#transport.end();
    this.#shutdown();
  }

  // StreamHost

  sendData(id: number, data: Buffer, fin: boolean): boolean {
    if (this.#done) return false;
    let ok = true;
    let offset = 0;
    do {
      const n = Math.min(MAX_FRAME_LENGTH, data.length - offset);
      const last = offset + n === data.length;
      ok = this.#write(dataFrameHeader(id, n, fin && last)) && ok;
      if (n > 0)
        ok = this.#write(n === data.length ? data : data.subarray(offset, offset + n)) && ok;
      offset += n;
    } while (offset < data.length);
    return ok;
  }

  whenDrained(callback: () => void): void {
    if (this.#done) callback();
    else this.#drainWaiters.push(callback);
  }

  sendReset(id: number, status: number): void {
    this.#write(encodeRstStream(id, status));
  }

  readResumed(stream: SpdyStream): void {
    if (this.#blocked.delete(stream)) this.#pump();
  }

  forget(stream: SpdyStream): void {
    this.#streams.delete(stream.id);
    if (this.#blocked.delete(stream)) this.#pump();
    if (this.#peerGoneAway && this.#streams.size === 0) this.close();
  }

  // Reading

  /** Handles buffered frames until one needs to wait (a header block, a full reader). */
  #pump(): void {
    while (!this.#busy && this.#blocked.size === 0 && !this.#done) {
      const ev = this.#framer.next();
      if (ev === undefined) break;
      this.#handle(ev);
    }
    if (this.#done) return;
    const hold = this.#busy || this.#blocked.size > 0;
    if (hold && !this.#transport.isPaused()) this.#transport.pause();
    else if (!hold && this.#transport.isPaused()) this.#transport.resume();
  }

  #handle(ev: FrameEvent): void {
    switch (ev.kind) {
      case 'error':
        this.#protocolError(ev.message);
        return;
      case 'data': {
        // A stream already gone (reset, or never opened): its late data is dropped, as
        // spdystream drops it.
        const stream = this.#streams.get(ev.streamId);
        if (stream === undefined) return;
        if (ev.data.length > 0 && !stream.receive(ev.data)) this.#blocked.add(stream);
        if (ev.last && ev.fin) stream.receiveFin();
        return;
      }
      case 'syn_stream':
        this.#withHeaders(ev.headerBlock, (headers) => {
          this.#open(ev, headers);
        });
        return;
      case 'syn_reply':
      case 'headers':
        // Nothing to do with them here, but their blocks advance the zlib context.
        this.#withHeaders(ev.headerBlock, () => {
          if (ev.fin) this.#streams.get(ev.streamId)?.receiveFin();
        });
        return;
      case 'rst_stream':
        this.#streams.get(ev.streamId)?.receiveReset();
        return;
      case 'ping':
        // Pings this side started would have even ids; the peer's are odd and echoed.
        if (ev.id % 2 === 1) this.#write(encodePing(ev.id));
        return;
      case 'goaway':
        this.#peerGoneAway = true;
        if (this.#streams.size === 0) this.close();
        return;
      case 'settings':
      case 'window_update':
        return;
    }
  }

  /** Inflates a header block, then runs `then` with its headers; reading waits meanwhile. */
  #withHeaders(block: Buffer, then: (headers: SpdyHeaders) => void): void {
    this.#busy = true;
    this.#inflater.decompress(block).then(
      (raw) => {
        this.#busy = false;
        if (this.#done) return;
        const decoded = decodeHeaderBlock(raw);
        if ('error' in decoded) this.#protocolError(decoded.error);
        else then(decoded.headers);
        this.#pump();
      },
      (err: unknown) => {
        this.#busy = false;
        if (this.#done) return;
        this.#protocolError(
          `cannot decompress a header block: ${err instanceof Error ? err.message : String(err)}`,
        );
      },
    );
  }

  #open(frame: SynStreamFrame, headers: SpdyHeaders): void {
    const id = frame.streamId;
    // Client streams are odd and grow (SPDY/3 §2.3.2).
    if (id % 2 === 0 || id <= this.#lastStreamId) {
      this.sendReset(id, RstStatus.protocolError);
      return;
    }
    this.#lastStreamId = id;
    if (this.#peerGoneAway || this.#streams.size >= this.#maxStreams) {
      this.sendReset(id, RstStatus.refusedStream);
      return;
    }
    const refusal = this.#options.accept?.(headers, id);
    if (refusal !== undefined) {
      this.sendReset(id, RstStatus.refusedStream);
      return;
    }
    const replied = this.#deflater.compress(EMPTY_HEADERS).then((block) => {
      this.#write(encodeSynReply(id, block));
    });
    replied.catch(() => undefined); // the stream's writes see it
    const stream = new SpdyStream(this, id, headers, replied);
    this.#streams.set(id, stream);
    if (frame.fin) stream.receiveFin();
    this.#options.onStream(stream);
  }

  #protocolError(message: string): void {
    this.#options.onProtocolError?.(
      new PodkitError(AgentErrorCode.SPDY_PROTOCOL, `SPDY protocol error: ${message}`),
    );
    this.close(GoAwayStatus.protocolError);
  }

  // Writing and the end

  #write(bytes: Buffer): boolean {
    if (this.#done || !this.#transport.writable) return false;
    return this.#transport.write(bytes);
  }

  #flushDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  #shutdown(): void {
    if (this.#done) return;
    this.#done = true;
    for (const stream of [...this.#streams.values()]) stream.connectionLost();
    this.#streams.clear();
    this.#blocked.clear();
    this.#flushDrainWaiters();
    this.#inflater.close();
    this.#deflater.close();
    // The peer's end: ours follows (a WebSocket's close frame, a socket's FIN).
    if (!this.#transport.writableEnded) this.#transport.end();
    this.#transport.resume();
    if (this.#transport.destroyed) this.#resolveClosed();
    else {
      this.#transport.once('close', () => {
        this.#resolveClosed();
      });
      // A peer that never closes its side is not waited for.
      setTimeout(() => this.#transport.destroy(), 5000).unref();
    }
  }
}
