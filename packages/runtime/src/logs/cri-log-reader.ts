import { watch } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { PodkitError } from '@podkit/kit';
import type { LogStream } from './cri-log-writer.js';
import { RuntimeErrorCode } from '../errors.js';

/** One log line as a user sees it (partial records joined). */
export interface LogEntry {
  /** RFC 3339 timestamp of the line's first record. */
  timestamp: string;
  stream: LogStream;
  /** The line without its newline. */
  line: Buffer;
  /** What `podkit logs` prints: `line\n`, with `timestamp ` in front when asked. */
  output: Buffer;
}

export interface ReadLogsOptions {
  /** Only the last N lines (then, when following, everything new). */
  tail?: number | undefined;
  /** Keep reading as the file grows, until `signal` aborts. */
  follow?: boolean | undefined;
  timestamps?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** How often to look for new data when no change event arrives. Default 250 ms. */
  pollMs?: number | undefined;
}

interface Record_ {
  timestamp: string;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

const SPACE = 0x20;

/**
 * conmon (like CRI-O) writes UTC as `+00:00`, containerd as `Z`: both are RFC 3339. They are
 * shown as kubectl shows them, with `Z`.
 */
function utcTimestamp(ts: string): string {
  return ts.endsWith('+00:00') ? `${ts.slice(0, -6)}Z` : ts;
}

/** Parses one CRI log record (without newline); undefined when malformed. */
export function parseCriRecord(raw: Buffer): Record_ | undefined {
  const s1 = raw.indexOf(SPACE);
  const s2 = s1 < 0 ? -1 : raw.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = raw.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const s3 = raw.indexOf(SPACE, s2 + 1);
  // The tag field may be the last one for an empty line written without a trailing space.
  const tag = raw.toString('latin1', s2 + 1, s3 < 0 ? raw.length : s3);
  const partial = tag.split(':').includes('P');
  return {
    timestamp: utcTimestamp(raw.toString('latin1', 0, s1)),
    stream,
    partial,
    content: s3 < 0 ? Buffer.alloc(0) : raw.subarray(s3 + 1),
  };
}

class Assembler {
  readonly #partials = new Map<LogStream, { timestamp: string; parts: Buffer[] }>();
  readonly #timestamps: boolean;
  constructor(timestamps: boolean) {
    this.#timestamps = timestamps;
  }
  push(rec: Record_): LogEntry | undefined {
    const open_ = this.#partials.get(rec.stream);
    if (rec.partial) {
      if (open_ === undefined)
        this.#partials.set(rec.stream, { timestamp: rec.timestamp, parts: [rec.content] });
      else open_.parts.push(rec.content);
      return undefined;
    }
    this.#partials.delete(rec.stream);
    const line = open_ === undefined ? rec.content : Buffer.concat([...open_.parts, rec.content]);
    const timestamp = open_?.timestamp ?? rec.timestamp;
    const output = Buffer.concat([
      ...(this.#timestamps ? [Buffer.from(`${timestamp} `)] : []),
      line,
      Buffer.from('\n'),
    ]);
    return { timestamp, stream: rec.stream, line, output };
  }
}

async function* records(
  file: FileHandle,
  state: { position: number; rest: Buffer },
): AsyncGenerator<Record_> {
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    const { bytesRead } = await file.read(chunk, 0, chunk.length, state.position);
    if (bytesRead === 0) return;
    state.position += bytesRead;
    let buf = Buffer.concat([state.rest, chunk.subarray(0, bytesRead)]);
    let cursor = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, cursor);
      if (nl < 0) break;
      const rec = parseCriRecord(buf.subarray(cursor, nl));
      cursor = nl + 1;
      if (rec !== undefined) yield { ...rec, content: Buffer.from(rec.content) };
    }
    // Keep an incomplete last record (the writer may be mid-write) for the next read.
    buf = buf.subarray(cursor);
    state.rest = Buffer.from(buf);
  }
}

function waitForChange(path: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const done = (): void => {
      clearTimeout(timer);
      watcher?.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    try {
      watcher = watch(path, { persistent: false }, done);
      watcher.on('error', done);
    } catch {
      // No inotify here: the timer alone polls.
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads a CRI-format log as lines, for `podkit logs`: all of it or the last `tail` lines, then
 * with `follow` whatever is appended, until `signal` aborts (no error on abort).
 *
 * @example
 *   for await (const e of readLogs(path, { tail: 10, follow: true, signal })) process.stdout.write(e.output);
 */
export async function* readLogs(
  path: string,
  options: ReadLogsOptions = {},
): AsyncGenerator<LogEntry> {
  const { signal } = options;
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PodkitError(RuntimeErrorCode.LOG_NOT_FOUND, `no log file at ${path}`, {
        cause: err,
        hint: 'the container has not started yet, or its pod was removed',
      });
    }
    throw err;
  }
  try {
    const asm = new Assembler(options.timestamps === true);
    const state = { position: 0, rest: Buffer.alloc(0) };
    if (options.tail !== undefined) {
      const last: LogEntry[] = [];
      if (options.tail > 0) {
        for await (const rec of records(file, state)) {
          const e = asm.push(rec);
          if (e === undefined) continue;
          last.push(e);
          if (last.length > options.tail) last.shift();
        }
      } else {
        // tail 0: skip the existing content.
        state.position = (await file.stat()).size;
      }
      for (const e of last) yield e;
    } else {
      for await (const rec of records(file, state)) {
        const e = asm.push(rec);
        if (e !== undefined) yield e;
      }
    }
    if (options.follow !== true) return;
    // A function, so that TypeScript does not narrow `aborted` across awaits.
    const aborted = (): boolean => signal?.aborted === true;
    while (!aborted()) {
      let got = false;
      for await (const rec of records(file, state)) {
        got = true;
        const e = asm.push(rec);
        if (e !== undefined) yield e;
        if (aborted()) return;
      }
      if (got) continue;
      // conmon rotates a log past its size limit by renaming a new file over it: the file
      // at `path` is then another one (or shorter), and is read from its start.
      const [held, now] = await Promise.all([file.stat(), stat(path).catch(() => undefined)]);
      if (now !== undefined && (now.ino !== held.ino || now.size < state.position)) {
        const next = await open(path, 'r').catch(() => undefined);
        if (next !== undefined) {
          await file.close();
          file = next;
          state.position = 0;
          state.rest = Buffer.alloc(0);
          continue;
        }
      }
      await waitForChange(path, options.pollMs ?? 250, signal);
    }
  } finally {
    await file.close();
  }
}
