import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export type LogStream = 'stdout' | 'stderr';

/** kubelet/containerd's default max_container_log_line_size: longer lines are split. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Wall-clock nanoseconds since the epoch, monotonic within the process. */
function makeClock(): () => bigint {
  const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => base + process.hrtime.bigint();
}

/** RFC 3339 with nine fractional digits in UTC, as containerd writes CRI logs. */
export function formatCriTimestamp(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString(); // …T12:34:56.789Z
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

export interface CriLogWriterOptions {
  /** Split lines longer than this many bytes into P(artial) records. Default 16 KiB. */
  maxLineBytes?: number | undefined;
  /** Injectable clock (ns since the epoch) for tests. */
  now?: (() => bigint) | undefined;
}

/**
 * Writes a container's stdout and stderr to one file in the CRI log format kubelet reads:
 * `2016-10-06T00:17:09.669794202Z stdout F hello` (P for a partial line). Each record is
 * one write(2) to an O_APPEND file, so the two streams interleave only at line boundaries.
 *
 * @example
 *   const log = await CriLogWriter.open('/var/lib/podkit/pods/p/c/0.log');
 *   await Promise.all([log.pipe(child.stdout, 'stdout'), log.pipe(child.stderr, 'stderr')]);
 *   await log.close();
 */
export class CriLogWriter {
  readonly path: string;
  readonly #file: FileHandle;
  readonly #maxLine: number;
  readonly #now: () => bigint;
  // Writes are chained so records keep their order and never overlap.
  #tail: Promise<void> = Promise.resolve();

  private constructor(path: string, file: FileHandle, options: CriLogWriterOptions) {
    this.path = path;
    this.#file = file;
    this.#maxLine = options.maxLineBytes ?? MAX_LOG_LINE_BYTES;
    this.#now = options.now ?? makeClock();
  }

  /** Opens (creating, appending to) the log file. */
  static async open(path: string, options: CriLogWriterOptions = {}): Promise<CriLogWriter> {
    return new CriLogWriter(path, await open(path, 'a', 0o640), options);
  }

  /** Appends one record (content without its newline). */
  write(stream: LogStream, partial: boolean, content: Buffer): Promise<void> {
    const head = Buffer.from(
      `${formatCriTimestamp(this.#now())} ${stream} ${partial ? 'P' : 'F'} `,
    );
    const record = Buffer.concat([head, content, Buffer.from('\n')]);
    const next = this.#tail.then(async () => {
      await this.#file.write(record);
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /**
   * Copies a stream into the log until it ends, line by line. Reading waits for each write,
   * so a fast writer is slowed down instead of buffering without bound. Text left without a
   * newline at the end is written as a full line (containerd does the same).
   */
  async pipe(source: Readable, stream: LogStream): Promise<void> {
    let pending: Buffer = Buffer.alloc(0);
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
      let cursor = 0;
      for (;;) {
        const nl = pending.indexOf(NEWLINE, cursor);
        if (nl < 0) break;
        let end = nl;
        if (end > cursor && pending[end - 1] === CR) end--;
        await this.#writeLine(stream, pending.subarray(cursor, end));
        cursor = nl + 1;
      }
      // An over-long line without its newline yet: flush whole partial chunks now.
      while (pending.length - cursor >= this.#maxLine) {
        await this.write(stream, true, pending.subarray(cursor, cursor + this.#maxLine));
        cursor += this.#maxLine;
      }
      pending = pending.subarray(cursor);
    }
    if (pending.length > 0) await this.#writeLine(stream, pending);
  }

  async #writeLine(stream: LogStream, line: Buffer): Promise<void> {
    let cursor = 0;
    while (line.length - cursor > this.#maxLine) {
      await this.write(stream, true, line.subarray(cursor, cursor + this.#maxLine));
      cursor += this.#maxLine;
    }
    await this.write(stream, false, line.subarray(cursor));
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#tail;
    await this.#file.close();
  }
}
