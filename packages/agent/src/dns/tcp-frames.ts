/**
 * DNS over TCP frames each message with a 2-byte big-endian length (RFC 1035 §4.2.2). A
 * connection may carry several (RFC 7766 pipelining), split anywhere by the network.
 */

/** The most a frame can carry. */
export const MAX_FRAME_LENGTH = 0xffff;

/** `msg` with its length prefix. */
export function encodeFrame(msg: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(2 + msg.length);
  frame.writeUInt16BE(msg.length, 0);
  msg.copy(frame, 2);
  return frame;
}

/**
 * An incremental frame splitter: `push` each chunk as it arrives, get back the messages it
 * completed. Each byte is copied once, into a buffer of the frame's size allocated when its
 * length is read, so a client sending one byte at a time costs linear work, not quadratic.
 *
 * @example
 *   const reader = new FrameReader();
 *   socket.on('data', (chunk) => { for (const msg of reader.push(chunk)) handle(msg); });
 */
export class FrameReader {
  readonly #length = Buffer.alloc(2);
  /** Bytes of the length prefix read so far (0–2). */
  #lengthFill = 0;
  /** The frame being filled, once its length is known. */
  #frame: Buffer | undefined;
  #frameFill = 0;

  /** Bytes of an unfinished frame held (0 between frames). */
  get buffered(): number {
    return this.#lengthFill + this.#frameFill;
  }

  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let cursor = 0;
    while (cursor < chunk.length) {
      if (this.#frame === undefined) {
        const take = Math.min(2 - this.#lengthFill, chunk.length - cursor);
        chunk.copy(this.#length, this.#lengthFill, cursor, cursor + take);
        this.#lengthFill += take;
        cursor += take;
        if (this.#lengthFill < 2) break;
        this.#frame = Buffer.allocUnsafe(this.#length.readUInt16BE(0));
        this.#frameFill = 0;
      }
      const take = Math.min(this.#frame.length - this.#frameFill, chunk.length - cursor);
      chunk.copy(this.#frame, this.#frameFill, cursor, cursor + take);
      this.#frameFill += take;
      cursor += take;
      // A zero-length frame completes as soon as its prefix is read.
      if (this.#frameFill === this.#frame.length) {
        frames.push(this.#frame);
        this.#frame = undefined;
        this.#lengthFill = 0;
        this.#frameFill = 0;
      }
    }
    return frames;
  }
}
