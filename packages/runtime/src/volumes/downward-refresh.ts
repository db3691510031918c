import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import { downwardProjection } from './projection.js';
import type { DownwardFacts, Volume } from './types.js';
import { volumesDir } from './volume-manager.js';

/**
 * Rewrites the downward API files of a running pod's volumes after its labels or annotations
 * changed, as the kubelet refreshes them. Each file that differs is replaced atomically (a
 * temporary file beside it, its mode set, then renamed over it), so a container reading it sees
 * the old content or the new, never a torn one; the kubelet's AtomicWriter swaps a `..data`
 * symlink to replace a volume's files all at once, podkit replaces them one by one. A volume
 * whose directory is gone (the pod is being released) is skipped: nothing is created for it.
 * Files bound with `subPath` are not refreshed (Kubernetes does not refresh them either).
 * Returns the paths rewritten, relative to the pod's volumes directory.
 *
 * @example
 *   await refreshDownwardVolumes(layout.podDir(uid), pod.spec.volumes, facts);
 */
export async function refreshDownwardVolumes(
  podDir: string,
  volumes: readonly Volume[],
  facts: DownwardFacts,
): Promise<string[]> {
  const written: string[] = [];
  for (const v of volumes) {
    if (v.downwardAPI === undefined && v.projected === undefined) continue;
    const files = downwardProjection(v, facts);
    if (files.length === 0) continue;
    const dir = path.join(volumesDir(podDir), v.name);
    if (!(await isDirectory(dir))) continue;
    for (const f of files) {
      const target = path.join(dir, f.path);
      // Validation rejects absolute paths and `..`; re-check so a bug there cannot write outside.
      if (!target.startsWith(`${dir}/`))
        throw new PodkitError(
          RuntimeErrorCode.VOLUME_PATH_INVALID,
          `volume file path ${JSON.stringify(f.path)} escapes its volume`,
        );
      const current = await readFile(target).catch(() => undefined);
      if (current?.equals(f.data) === true) continue;
      await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
      const tmp = path.join(path.dirname(target), `..${path.basename(target)}.podkit-tmp`);
      await unlink(tmp).catch(() => undefined);
      try {
        await writeFile(tmp, f.data, { mode: f.mode, flag: 'wx' });
        // The umask may have cleared bits of the requested mode: set it exactly.
        await chmod(tmp, f.mode);
        await rename(tmp, target);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      written.push(path.join(v.name, f.path));
    }
  }
  return written;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
