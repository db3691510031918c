import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

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
  let partial = '';
  let first = true;
  const buf = Buffer.alloc(64 * 1024);

  const emit = async (text: string): Promise<void> => {
    partial += text;
    let nl = partial.indexOf('\n');
    while (nl >= 0) {
      await options.onLine(partial.slice(0, nl).replace(/\r$/, ''));
      partial = partial.slice(nl + 1);
      nl = partial.indexOf('\n');
    }
  };
  const drain = async (): Promise<void> => {
    if (fh === undefined) return;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      // latin1→utf8 safety: decode whole chunks; a split multi-byte char is rare in logs and
      // only garbles that character, never a line boundary.
      await emit(buf.toString('utf8', 0, bytesRead));
    }
  };

  try {
    while (!signal.aborted) {
      if (fh === undefined) {
        try {
          fh = await open(path, 'r');
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
        if (partial !== '') await emit('\n');
        await fh.close();
        fh = undefined;
        if (current !== undefined) continue;
      } else if (fh !== undefined && current !== undefined && current.size < pos) {
        pos = 0; // copytruncate
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
