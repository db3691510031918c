import { lstat, mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { HostPathType } from './types.js';

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const WANT: Record<Exclude<HostPathType, ''>, { what: string; test: (s: Stats) => boolean }> = {
  DirectoryOrCreate: { what: 'a directory', test: (s) => s.isDirectory() },
  Directory: { what: 'a directory', test: (s) => s.isDirectory() },
  FileOrCreate: { what: 'a regular file', test: (s) => s.isFile() },
  File: { what: 'a regular file', test: (s) => s.isFile() },
  Socket: { what: 'a UNIX socket', test: (s) => s.isSocket() },
  CharDevice: { what: 'a character device', test: (s) => s.isCharacterDevice() },
  BlockDevice: { what: 'a block device', test: (s) => s.isBlockDevice() },
};

/**
 * Kubelet's hostPath type check, without side effects (admission must create nothing):
 * returns the problem, or undefined when the path is usable. `*OrCreate` paths may be absent.
 */
export async function checkHostPath(
  p: string,
  type: HostPathType = '',
): Promise<string | undefined> {
  if (type === '') return undefined;
  const want = WANT[type];
  const s = await statOrUndefined(p);
  if (s === undefined) {
    if (type === 'DirectoryOrCreate') return undefined;
    if (type === 'FileOrCreate') {
      const parent = await statOrUndefined(p.replace(/\/[^/]*\/?$/, '') || '/');
      return parent?.isDirectory() === true
        ? undefined
        : `hostPath ${p}: its parent directory does not exist`;
    }
    return `hostPath ${p}: does not exist (type ${type} needs ${want.what})`;
  }
  return want.test(s) ? undefined : `hostPath ${p}: is not ${want.what} (type ${type})`;
}

/** Creates a `DirectoryOrCreate` / `FileOrCreate` path as kubelet does (0755 dir, 0644 file). */
export async function createHostPath(p: string, type: HostPathType = ''): Promise<void> {
  if (type === 'DirectoryOrCreate') {
    await mkdir(p, { recursive: true, mode: 0o755 });
  } else if (type === 'FileOrCreate') {
    try {
      await lstat(p);
    } catch {
      const fh = await open(p, 'a', 0o644);
      await fh.close();
    }
  }
}
