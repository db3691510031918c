import { readFile } from 'node:fs/promises';
import { runCommand } from '../host/run-command.js';

/** Mount points (from /proc/self/mountinfo) at or under `dir`. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp === undefined) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const point = mp.replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(parseInt(o, 8)),
    );
    if (point === dir || point.startsWith(prefix)) out.push(point);
  }
  return out;
}

/** Mounts the pod's /dev/shm: a tmpfs of `sizeBytes`, mode 1777, nosuid/nodev/noexec. */
export async function mountShm(
  dir: string,
  sizeBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  if ((await mountsUnder(dir)).includes(dir)) return;
  await runCommand(
    [
      'mount',
      '-t',
      'tmpfs',
      '-o',
      `mode=1777,size=${Math.floor(sizeBytes)},nosuid,nodev,noexec`,
      'shm',
      dir,
    ],
    { signal },
  );
}

/** Unmounts everything at or under `dir` (deepest first); lazily when still busy. Idempotent. */
export async function unmountAll(dir: string, signal?: AbortSignal): Promise<void> {
  const points = (await mountsUnder(dir)).sort((a, b) => b.length - a.length);
  for (const p of points) {
    const r = await runCommand(['umount', p], { signal, allowFailure: true });
    if (r.code !== 0) await runCommand(['umount', '-l', p], { signal, allowFailure: true });
  }
}
