import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '../host/run-command.js';

/** Mounts a tmpfs at `target` (mode 0755 unless given; size in bytes when given). */
export async function mountTmpfs(
  target: string,
  options: { sizeBytes?: number | undefined; mode?: number | undefined } = {},
): Promise<void> {
  const opts = ['nosuid', 'nodev', `mode=${(options.mode ?? 0o755).toString(8)}`];
  if (options.sizeBytes !== undefined) opts.push(`size=${Math.max(options.sizeBytes, 4096)}`);
  await runCommand(['mount', '-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', target]);
}

/** Decodes the octal escapes (`\040` for a space) of /proc/self/mountinfo fields. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Every mount point at or under `dir`, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of info.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const mp = unescapeMountField(field);
    if (mp === root || mp.startsWith(`${root}/`)) points.add(mp);
  }
  return [...points].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or under `dir` (lazily, so a busy mount cannot wedge cleanup). */
export async function unmountAllUnder(dir: string): Promise<void> {
  // Stacked mounts on one point need one umount each: loop until none is left.
  for (let round = 0; round < 8; round++) {
    const points = await mountsUnder(dir);
    if (points.length === 0) return;
    for (const mp of points) {
      await runCommand(['umount', '-l', mp], { allowFailure: true });
    }
  }
}
