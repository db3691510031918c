import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';

/**
 * SPDY/3 header compression: each direction of a connection is one zlib stream primed with
 * the SPDY dictionary, and every header block is the output of one Z_SYNC_FLUSH (what Go's
 * zlib `Flush` does in spdystream). The context lives as long as the connection, so blocks
 * must be (de)compressed one at a time, in the order they travel: each call waits for the
 * one before it.
 */
abstract class HeaderCodec<T extends Deflate | Inflate> {
  protected readonly z: T;
  #queue: Promise<unknown> = Promise.resolve();
  #error: Error | undefined;
  #out: Buffer[] = [];
  #outLength = 0;
  readonly #maxOutput: number;

  constructor(z: T, maxOutput: number) {
    this.z = z;
    this.#maxOutput = maxOutput;
    z.on('data', (d: Buffer) => {
      this.#out.push(d);
      this.#outLength += d.length;
      // Stop inflating at the limit: a small block can inflate a thousandfold.
      if (this.#outLength > this.#maxOutput && this.#error === undefined) {
        this.#error = new RangeError(`header block of more than ${this.#maxOutput} bytes`);
        z.destroy(this.#error);
      }
    });
    z.on('error', (err) => {
      this.#error ??= err;
    });
  }

  /** Runs `input` through the context with a sync flush; the output of exactly that input. */
  protected process(input: Buffer): Promise<Buffer> {
    const run = this.#queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.#error) {
            reject(this.#error);
            return;
          }
          this.#out = [];
          this.#outLength = 0;
          const done = (err?: Error | null): void => {
            const failure = this.#error ?? err ?? undefined;
            if (failure) {
              reject(failure);
              return;
            }
            resolve(Buffer.concat(this.#out, this.#outLength));
          };
          this.z.once('error', done);
          this.z.write(input);
          // The flush's callback runs after the output of everything written before it was
          // emitted ('data' is synchronous in flowing mode with nothing buffered).
          this.z.flush(constants.Z_SYNC_FLUSH, () => {
            this.z.off('error', done);
            done();
          });
        }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Frees the zlib context (pending calls fail). */
  close(): void {
    this.#error ??= new Error('header compression closed');
    this.z.destroy();
  }
}

/** The compressor of the header blocks one side sends. */
export class HeaderDeflater extends HeaderCodec<Deflate> {
  constructor() {
    super(createDeflate({ dictionary: SPDY3_DICTIONARY }), Number.MAX_SAFE_INTEGER);
  }

  /** The compressed form of an encoded header block (header-block.ts). */
  compress(block: Buffer): Promise<Buffer> {
    return this.process(block);
  }
}

/** The decompressor of the header blocks the peer sends; output bounded by `maxBlockSize`. */
export class HeaderInflater extends HeaderCodec<Inflate> {
  constructor(maxBlockSize = 64 * 1024) {
    super(createInflate({ dictionary: SPDY3_DICTIONARY }), maxBlockSize);
  }

  /**
   * The header block a compressed block inflates to. Rejects when the bytes are not the
   * continuation of the peer's zlib stream, or inflate to more than the limit.
   */
  decompress(compressed: Buffer): Promise<Buffer> {
    return this.process(compressed);
  }
}
