import { Duplex } from 'node:stream';
import { RstStatus } from './frames.js';
import type { SpdyHeaders } from './header-block.js';

const EMPTY = Buffer.alloc(0);

/** What a stream needs from its session (session.ts). */
export interface StreamHost {
  /** Sends a DATA frame; false when the connection's buffer is full (wait for `whenDrained`). */
  sendData(id: number, data: Buffer, fin: boolean): boolean;
  /** Calls `callback` once the connection takes writes again (at once if it is gone). */
  whenDrained(callback: () => void): void;
  sendReset(id: number, status: number): void;
  /** The stream's reader wants more: the session may read the connection again. */
  readResumed(stream: SpdyStream): void;
  /** The stream is gone (both sides finished, or reset): the session drops it. */
  forget(stream: SpdyStream): void;
}

/**
 * One SPDY stream the peer opened, as a Duplex: what it reads is the peer's DATA (its end is
 * the peer's FLAG_FIN), what is written goes out as DATA frames (`end()` sends an empty one
 * with FLAG_FIN). Half-closed either way on its own. Destroying it before both sides finished
 * resets it (RST_STREAM CANCEL); a reset from the peer destroys it without an error.
 *
 * Writes wait for the stream's SYN_REPLY to be sent, and for the connection to drain when its
 * buffer is full, so a fast producer piped in is held back by the connection.
 */
export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: SpdyHeaders;
  readonly #host: StreamHost;
  readonly #replied: Promise<void>;
  #remoteFin = false;
  #localFin = false;
  #remoteReset = false;
  #connectionGone = false;

  constructor(host: StreamHost, id: number, headers: SpdyHeaders, replied: Promise<void>) {
    super({ allowHalfOpen: true });
    this.#host = host;
    this.id = id;
    this.headers = headers;
    this.#replied = replied;
  }

  /** Whether the peer sent its FLAG_FIN. */
  get remoteFinished(): boolean {
    return this.#remoteFin;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error | null) => void) {
    this.#replied.then(() => {
      if (this.destroyed || this.#connectionGone) {
        callback();
        return;
      }
      if (this.#host.sendData(this.id, chunk, false)) callback();
      else
        this.#host.whenDrained(() => {
          callback();
        });
    }, callback);
  }

  override _final(callback: (e?: Error | null) => void) {
    this.#replied.then(() => {
      if (!this.destroyed && !this.#connectionGone) this.#host.sendData(this.id, EMPTY, true);
      this.#localFin = true;
      callback();
    }, callback);
  }

  override _read(): void {
    this.#host.readResumed(this);
  }

  override _destroy(err: Error | null, callback: (e?: Error | null) => void) {
    const finished = this.#localFin && this.#remoteFin;
    if (!finished && !this.#remoteReset && !this.#connectionGone)
      this.#host.sendReset(this.id, RstStatus.cancel);
    this.#host.forget(this);
    callback(err);
  }

  /** The session's: payload of the peer. False when the reader is full (stop reading). */
  receive(data: Buffer): boolean {
    if (this.#remoteFin || this.destroyed) return true;
    return this.push(data);
  }

  /** The session's: the peer's FLAG_FIN. */
  receiveFin(): void {
    if (this.#remoteFin || this.destroyed) return;
    this.#remoteFin = true;
    this.push(null);
  }

  /** The session's: RST_STREAM from the peer. */
  receiveReset(): void {
    this.#remoteReset = true;
    this.destroy();
  }

  /** The session's: the connection is gone, nothing more is sent. */
  connectionLost(): void {
    this.#connectionGone = true;
    this.destroy();
  }
}
