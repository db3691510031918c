import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive, processIdentity } from '../../state/process-identity.js';

/**
 * Marks of loads and pulls under way, `<state root>/images/.inflight/<pid>-<rand>`: between a
 * blob's arrival and the image's record nothing refers to it, so `image prune` must not run
 * then. A mark holds "<pid> <start time>", so one left by a crashed process is recognised as
 * stale (and removed) instead of blocking prune forever.
 */
const inflightDir = (stateRoot: string): string => path.join(stateRoot, 'images', '.inflight');

/** A held mark; dispose (or `release`) when the image is recorded (or the load failed). */
export interface ImageWrite extends AsyncDisposable {
  release(): Promise<void>;
}

/**
 * Marks a load/pull as under way until released.
 *
 * @example
 *   await using _write = await beginImageWrite(stateRoot);
 */
export async function beginImageWrite(stateRoot: string): Promise<ImageWrite> {
  const me = await processIdentity(process.pid);
  const dir = inflightDir(stateRoot);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${String(process.pid)}-${randomBytes(4).toString('hex')}`);
  await writeFile(file, `${String(process.pid)} ${me?.startTime ?? ''}\n`, { mode: 0o600 });
  const release = (): Promise<void> => rm(file, { force: true });
  return { release, [Symbol.asyncDispose]: release };
}

/** The pids of live processes loading or pulling into this store (stale marks are removed). */
export async function activeImageWrites(stateRoot: string): Promise<number[]> {
  const dir = inflightDir(stateRoot);
  const names = await readdir(dir).catch(() => [] as string[]);
  const live: number[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    const [pid, startTime] = (await readFile(file, 'utf8').catch(() => '')).trim().split(' ');
    const id = { pid: Number(pid), startTime: startTime ?? '' };
    if (Number.isSafeInteger(id.pid) && id.pid > 0 && (await isProcessAlive(id))) live.push(id.pid);
    else await rm(file, { force: true });
  }
  return live;
}
