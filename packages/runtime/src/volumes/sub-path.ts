import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';

/**
 * The host path a `subPath` mount binds: `subPath` inside the volume, resolved so that no
 * symlink in the volume (which the pod's containers can write) makes it escape the volume —
 * the class of bug behind CVE-2017-1002101. Missing directories are created, as kubelet does.
 */
export async function resolveSubPath(volumeRoot: string, subPath: string): Promise<string> {
  const root = await realpath(volumeRoot);
  const parts = subPath.split('/').filter((p) => p !== '' && p !== '.');
  if (path.isAbsolute(subPath) || parts.includes('..')) {
    throw new PodkitError(
      RuntimeErrorCode.VOLUME_SUBPATH_INVALID,
      `subPath ${JSON.stringify(subPath)} must be a relative path without ".."`,
    );
  }
  let current = root;
  for (const part of parts) {
    const next = path.join(current, part);
    let st;
    try {
      st = await lstat(next);
    } catch {
      await mkdir(next, { mode: 0o755 });
      current = next;
      continue;
    }
    if (st.isSymbolicLink()) {
      const target = await realpath(next);
      if (target !== root && !target.startsWith(`${root}/`)) {
        throw new PodkitError(
          RuntimeErrorCode.VOLUME_SUBPATH_ESCAPE,
          `subPath ${JSON.stringify(subPath)} resolves outside its volume (through the symlink ${part})`,
          {
            hint: 'a subPath must stay inside the volume; remove the symlink or mount the whole volume',
          },
        );
      }
      current = target;
    } else {
      current = next;
    }
  }
  return current;
}
