import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineSplitter } from './line-splitter.js';

export interface FollowOptions {
  signal: AbortSignal;
  /** How often to look for new data and rotation (default 250 ms). */
  pollMs?: number;
  /** Read the file from its start instead of its end (default false, like tail -F). */
  fromStart?: boolean;
  /**
   * How long a file rotated away (rename + create) is still read, for a writer that has not
   * reopened yet (default 5000 ms, Fluent Bit's Rotate_Wait).
   */
  rotateWaitMs?: number;
  onLine: (line: string) => Promise<void> | void;
}

/** One opened file: its handle, read position, and the decoder and lines of its own. */
class OpenFile {
  private decoder = new StringDecoder('utf8');
  private readonly lines = new LineSplitter();

  readonly fh: FileHandle;
  readonly ino: number;
  pos: number;

  constructor(fh: FileHandle, ino: number, pos: number) {
    this.fh = fh;
    this.ino = ino;
    this.pos = pos;
  }

  /** Reads what was appended since the last call; complete lines go to `onLine`. */
  async drain(buf: Buffer, onLine: FollowOptions['onLine']): Promise<void> {
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.pos);
      if (bytesRead === 0) return;
      this.pos += bytesRead;
      for (const line of this.lines.push(this.decoder.write(buf.subarray(0, bytesRead)))) {
        await onLine(line);
      }
    }
  }

  /** The file is read from 0 again (copytruncate); a held partial line stays held. */
  restart(): void {
    this.pos = 0;
    this.decoder = new StringDecoder('utf8');
  }

  /** Reads to the end, gives the last line even without its newline, closes the file. */
  async finish(buf: Buffer, onLine: FollowOptions['onLine']): Promise<void> {
    try {
      await this.drain(buf, onLine);
      for (const line of this.lines.push(this.decoder.end())) await onLine(line);
      const last = this.lines.end();
      if (last !== undefined) await onLine(last);
    } finally {
      await this.fh.close();
    }
  }
}

/**
 * Follows a file like `tail -F`: reads new lines as they are appended and survives
 * rotation. Rename + create: the new file is followed from its start while the old one is
 * still read for `rotateWaitMs` (a writer may append to it until it reopens), then read to
 * its end and closed, so no line is lost. copytruncate: a file that became shorter than the
 * read position is read again from 0. A missing file is waited for. Returns when `signal`
 * aborts. A trailing line without a newline is held until it is completed (or the file is
 * rotated away).
 */
export async function followFile(path: string, options: FollowOptions): Promise<void> {
  const pollMs = options.pollMs ?? 250;
  const rotateWaitMs = options.rotateWaitMs ?? 5000;
  const { signal, onLine } = options;
  const buf = Buffer.alloc(64 * 1024);
  let file: OpenFile | undefined;
  /** Files rotated away, still read until their time is up. */
  let rotated: { file: OpenFile; until: number }[] = [];
  let first = true;

  try {
    while (!signal.aborted) {
      if (file === undefined) {
        let fh: FileHandle | undefined;
        try {
          fh = await open(path, 'r');
          const st = await fh.stat();
          file = new OpenFile(fh, st.ino, first && options.fromStart !== true ? st.size : 0);
        } catch {
          await fh?.close();
          file = undefined;
        }
        first = false;
      }
      for (const r of rotated) await r.file.drain(buf, onLine);
      const now = Date.now();
      for (const r of rotated.filter((x) => x.until <= now)) await r.file.finish(buf, onLine);
      rotated = rotated.filter((x) => x.until > now);
      if (file !== undefined) await file.drain(buf, onLine);
      let current: { ino: number; size: number } | undefined;
      try {
        current = await stat(path);
      } catch {
        current = undefined;
      }
      if (file !== undefined && (current === undefined || current.ino !== file.ino)) {
        // Renamed away (and maybe re-created): keep reading the old file for a while, and
        // follow the new one from its start.
        rotated.push({ file, until: Date.now() + rotateWaitMs });
        file = undefined;
        if (current !== undefined) continue;
      } else if (file !== undefined && current !== undefined && current.size < file.pos) {
        file.restart(); // copytruncate
        continue;
      }
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        break;
      }
    }
  } finally {
    // Stopping: what the rotated files still hold is read, as tail would have shown it.
    for (const r of rotated) await r.file.finish(buf, onLine).catch(() => undefined);
    await file?.fh.close();
  }
}
