import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { unmountAll } from '../host/mounts.js';
import { unmountRootfs } from '../images/rootfs-mount.js';
import { Runc } from '../runc/runc.js';
import { containerRuncId, destroySandbox, loadSandbox, type Sandbox } from '../sandbox/index.js';
import type { StateLayout } from '../state/state-root.js';
import { forgetContainer } from '../supervisor/run-container.js';
import { releaseVolumes } from '../volumes/volume-manager.js';
import { releasePodObjects } from './pod-objects.js';

/**
 * The one way a pod's resources are freed, whoever frees them: its worker when the pod ends,
 * `remove`, and `gc` after a crash. In order: its containers (runc state and their conmon
 * files), their rootfs overlays, its volumes, the tmpfs of its ConfigMaps/Secrets, its sandbox,
 * and any mount still under the pod directory. The record, events and logs stay.
 *
 * Idempotent: every step looks at what exists and a second call finds nothing. Every step is
 * tried even when an earlier one fails (a stuck mount must not leave the netns behind); the
 * first failure is thrown at the end.
 *
 * @example await releasePodResources(layout, record.uid); // again later: a no-op
 */
export async function releasePodResources(
  layout: StateLayout,
  uid: string,
  options: { sandbox?: Sandbox | undefined } = {},
): Promise<void> {
  const errors: unknown[] = [];
  const step = async (run: () => Promise<unknown>): Promise<void> => {
    await run().catch((err: unknown) => errors.push(err));
  };
  const podDir = layout.podDir(uid);
  const containersDir = path.join(podDir, 'containers');
  const runc = new Runc({ root: layout.runcRoot });
  const sb = options.sandbox ?? (await loadSandbox(layout, uid).catch(() => undefined));
  const names = await readdir(containersDir).catch(() => [] as string[]);
  if (sb !== undefined) {
    // runc keeps a directory per container under its root: reading it finds the pod's
    // containers without spawning runc (a pod's stop is on the user's critical path).
    const prefix = containerRuncId(sb, '');
    const known = await readdir(runc.root).catch(() => [] as string[]);
    // The pause (a sandbox with shareProcessNamespace, or from an older agent) is the
    // sandbox's to remove, after the containers that joined it.
    const ids = new Set(known.filter((id) => id.startsWith(prefix) && id !== sb.pauseId));
    for (const name of names) ids.add(containerRuncId(sb, name));
    for (const id of ids) {
      if (known.includes(id)) await step(() => runc.delete(id, { force: true }));
      // Also for containers runc no longer knows: conmon's exit and pid files outlive them.
      await step(() =>
        forgetContainer(runc, id, path.join(containersDir, id.slice(prefix.length))),
      );
    }
  }
  for (const name of names) await step(() => unmountRootfs(path.join(containersDir, name)));
  await step(() => releaseVolumes(podDir));
  await step(() => releasePodObjects(podDir));
  if (sb !== undefined) await step(() => destroySandbox(sb));
  await step(() => unmountAll(podDir));
  if (errors.length > 0) throw errors[0];
}
