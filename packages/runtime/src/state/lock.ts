import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { runtimeError, RuntimeErrorCode } from '../errors.js';
import { isProcessAlive, processIdentity, type ProcessIdentity } from './process-identity.js';

/** A held lock; dispose (or release) it to let others in. */
export interface FileLock extends AsyncDisposable {
  readonly path: string;
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  /** Wait for the holder instead of failing at once (default false). */
  wait?: boolean | undefined;
  /** How long to wait in total (default 30 s when wait is true). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Says what the lock guards, for the error message (e.g. `pod "web"`). */
  what?: string | undefined;
}

/**
 * Takes an exclusive lock file (created with O_EXCL, holding "<pid> <starttime>"), so two
 * `podkit up` of the same pod, or two gc runs, do not race. A lock whose holder is dead (or
 * whose pid was reused by another process) is stale and is broken.
 *
 * @example
 *   await using _lock = await acquireLock(layout.podLockPath(uid), { what: 'pod web' });
 */
export async function acquireLock(
  file: string,
  options: AcquireLockOptions = {},
): Promise<FileLock> {
  const me = await processIdentity(process.pid);
  if (me === undefined) throw new Error('cannot read /proc/self/stat');
  const content = `${me.pid} ${me.startTime}\n`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const fh = await open(file, 'wx', 0o600);
      // Not synced: after a machine crash the holder is gone either way, and a lock file left
      // empty or stale is broken like any other whose holder is dead.
      try {
        await fh.writeFile(content);
      } finally {
        await fh.close();
      }
      return heldLock(file, content);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(file);
    if (holder === 'gone') continue;
    if (holder === undefined || !(await isProcessAlive(holder.id))) {
      await breakStaleLock(file, holder?.raw);
      continue;
    }
    if (options.wait !== true || Date.now() >= deadline) {
      throw runtimeError(
        RuntimeErrorCode.STATE_LOCKED,
        `${options.what ?? file} is busy: another podkit process (pid ${holder.id.pid}) holds ${file}`,
        {
          hint: 'wait for it to finish, or stop it; a lock of a dead process is broken automatically',
        },
      );
    }
    await sleep(50, undefined, { signal: options.signal });
  }
}

function heldLock(file: string, content: string): FileLock {
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    // Remove it only while it is still ours (a stale-breaker may have replaced it).
    const now = await readFile(file, 'utf8').catch(() => undefined);
    if (now === content) await unlink(file).catch(() => undefined);
  };
  return { path: file, release, [Symbol.asyncDispose]: release };
}

async function readHolder(
  file: string,
): Promise<{ id: ProcessIdentity; raw: string } | undefined | 'gone'> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  const m = /^(\d+) (\d+)\n$/.exec(raw);
  if (!m) {
    // A holder that crashed between create and write leaves an empty file; give it a moment
    // before calling it stale, since a live holder may be writing right now.
    await sleep(100);
    const again = await readFile(file, 'utf8').catch(() => undefined);
    if (again === undefined) return 'gone';
    if (again !== raw) return readHolder(file);
    return undefined;
  }
  return { id: { pid: Number(m[1]), startTime: m[2] ?? '' }, raw };
}

/**
 * Moves the stale lock aside with rename (atomic: of several breakers only one wins). If what
 * was moved is no longer the stale content we judged (someone else broke it and took a fresh
 * lock meanwhile), put that fresh lock back with link(), which never overwrites.
 */
async function breakStaleLock(file: string, staleRaw: string | undefined): Promise<void> {
  const aside = `${file}.stale.${randomBytes(6).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (staleRaw !== undefined && moved !== staleRaw && moved !== undefined && moved !== '') {
    await link(aside, file).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}
