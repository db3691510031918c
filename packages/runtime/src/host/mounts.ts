import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './run-command.js';

/** Decodes the octal escapes (`\040` for a space) of /proc/self/mountinfo fields. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Every mount point of this mount namespace (a point mounted twice appears twice). */
export async function mountPoints(): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined) out.push(unescapeMountField(field));
  }
  return out;
}

/** True when `p` is a mount point here. */
export async function isMountPoint(p: string): Promise<boolean> {
  return (await mountPoints()).includes(path.resolve(p));
}

/** The distinct mount points at or under `dir`, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  const points = new Set(
    (await mountPoints()).filter((mp) => mp === root || mp.startsWith(`${root}/`)),
  );
  return [...points].sort((a, b) => b.length - a.length);
}

/** What mountTmpfs may be told. */
export interface TmpfsOptions {
  sizeBytes?: number | undefined;
  mode?: number | undefined;
  noexec?: boolean | undefined;
  /** The source name shown in mount tables (default `tmpfs`). */
  source?: string | undefined;
}

/** The `mount` command line of a tmpfs on `target` (mountTmpfs runs it; others may batch it). */
export function tmpfsMountArgv(target: string, options: TmpfsOptions = {}): string[] {
  const opts = ['nosuid', 'nodev', `mode=${(options.mode ?? 0o755).toString(8)}`];
  if (options.noexec === true) opts.push('noexec');
  if (options.sizeBytes !== undefined)
    opts.push(`size=${Math.max(Math.floor(options.sizeBytes), 4096)}`);
  return ['mount', '-t', 'tmpfs', '-o', opts.join(','), options.source ?? 'tmpfs', target];
}

/** Mounts a tmpfs at `target` (nosuid, nodev; mode 0755 unless given; size in bytes when given). */
export async function mountTmpfs(
  target: string,
  options: TmpfsOptions & { signal?: AbortSignal | undefined } = {},
): Promise<void> {
  await runCommand(tmpfsMountArgv(target, options), { signal: options.signal });
}

/**
 * Unmounts everything at or under `dir`, deepest first; lazily when a mount is busy, so a
 * process holding it cannot wedge cleanup. Stacked mounts on one point take one round each.
 * Idempotent.
 */
export async function unmountAll(dir: string, signal?: AbortSignal): Promise<void> {
  for (let round = 0; round < 8; round++) {
    const points = await mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) {
      const r = await runCommand(['umount', p], { signal, allowFailure: true });
      if (r.code !== 0) await runCommand(['umount', '-l', p], { signal, allowFailure: true });
    }
  }
}
