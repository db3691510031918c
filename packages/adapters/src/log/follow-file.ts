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
  onLine: (line: string) => Promise<void> | void;
}

/**
 * Follows a file like `tail -F`: reads new lines as they are appended and survives
 * rotation. Rename + create: the old file is read to its end before the new one is opened
 * (from its start), so no line is lost. copytruncate: a file that became shorter than the
 * read position is read again from 0. A missing file is waited for. Returns when `signal`
 * aborts. A trailing line without a newline is held until it is completed (or the file is
 * rotated away).
 */
export async function followFile(path: string, options: FollowOptions): Promise<void> {
  const pollMs = options.pollMs ?? 250;
  const { signal } = options;
  let fh: FileHandle | undefined;
  let ino = -1;
  let pos = 0;
  let first = true;
  const buf = Buffer.alloc(64 * 1024);

  // One decoder per opened file: a multi-byte character split between two reads is kept
  // whole.
  let decoder = new StringDecoder('utf8');

  const lines = new LineSplitter();
  const emit = async (text: string): Promise<void> => {
    for (const line of lines.push(text)) await options.onLine(line);
  };
  const drain = async (): Promise<void> => {
    if (fh === undefined) return;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      await emit(decoder.write(buf.subarray(0, bytesRead)));
    }
  };

  try {
    while (!signal.aborted) {
      if (fh === undefined) {
        try {
          fh = await open(path, 'r');
          decoder = new StringDecoder('utf8');
          const st = await fh.stat();
          ino = st.ino;
          pos = first && options.fromStart !== true ? st.size : 0;
        } catch {
          fh = undefined;
        }
        first = false;
      }
      await drain();
      let current: { ino: number; size: number } | undefined;
      try {
        current = await stat(path);
      } catch {
        current = undefined;
      }
      if (fh !== undefined && (current === undefined || current.ino !== ino)) {
        // Renamed away (and maybe re-created): finish the old file, then switch.
        await drain();
        await emit(decoder.end());
        const last = lines.end();
        if (last !== undefined) await options.onLine(last);
        await fh.close();
        fh = undefined;
        if (current !== undefined) continue;
      } else if (fh !== undefined && current !== undefined && current.size < pos) {
        pos = 0; // copytruncate
        decoder = new StringDecoder('utf8');
        continue;
      }
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        break;
      }
    }
  } finally {
    await fh?.close();
  }
}
