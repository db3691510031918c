import { getImage } from '../images/image-store.js';
import type { StateLayout } from '../state/state-root.js';
import { listPodRecords } from './pod-store.js';

/**
 * Which pods (not yet released: running, starting or crashed until gc) use which image:
 * image record name → `namespace/pod` list. `podkit image rm` refuses an image in use.
 *
 * @example
 *   const users = (await imageUsage(layout)).get('docker.io/library/busybox:latest') ?? [];
 */
export async function imageUsage(layout: StateLayout): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await listPodRecords(layout)) {
    if (r.released) continue;
    const names = new Set<string>();
    for (const c of [...r.pod.spec.initContainers, ...r.pod.spec.containers]) {
      const image = await getImage(layout.root, c.image).catch(() => undefined);
      if (image !== undefined) names.add(image.name);
    }
    for (const n of names) out.set(n, [...(out.get(n) ?? []), `${r.namespace}/${r.name}`]);
  }
  return out;
}
