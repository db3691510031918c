import type { PodRecord } from '../pod/pod-store.js';
import type { Pod } from '../spec/types.js';
import type { StateLayout } from '../state/state-root.js';
import { listClaimRecords } from './claim-store.js';

/** The claims a pod's volumes name (each once). */
export function claimNamesOf(pod: Pod): string[] {
  return [
    ...new Set(
      pod.spec.volumes.flatMap((v) =>
        v.persistentVolumeClaim === undefined ? [] : [v.persistentVolumeClaim.claimName],
      ),
    ),
  ];
}

/**
 * Binds a pod's persistentVolumeClaim volumes at admission: each claim must exist in the pod's
 * namespace (the kubelet would keep the pod Pending, `persistentvolumeclaim "X" not found`;
 * podkit refuses it, so nothing of it is created), and a ReadWriteOncePod claim may be used by
 * one live pod only. `paths`: each claim's directory, by claim name (kept in the pod's record,
 * what its volumes bind).
 */
export async function bindPodClaims(
  layout: StateLayout,
  pod: Pod,
  others: readonly PodRecord[],
): Promise<{ paths: Record<string, string>; problems: string[] }> {
  const names = claimNamesOf(pod);
  const paths: Record<string, string> = {};
  const problems: string[] = [];
  if (names.length === 0) return { paths, problems };
  const ns = pod.metadata.namespace;
  const claims = await listClaimRecords(layout);
  for (const v of pod.spec.volumes) {
    const name = v.persistentVolumeClaim?.claimName;
    if (name === undefined) continue;
    const c = claims.find(
      (r) => r.claim.metadata.namespace === ns && r.claim.metadata.name === name,
    );
    if (c === undefined) {
      problems.push(
        `volume "${v.name}": persistentvolumeclaim "${name}" not found in namespace "${ns}" (apply a PersistentVolumeClaim of that name first)`,
      );
      continue;
    }
    if (c.claim.spec.accessModes.includes('ReadWriteOncePod')) {
      const user = others.find(
        (r) =>
          !r.released &&
          r.namespace === ns &&
          r.pod.spec.volumes.some((x) => x.persistentVolumeClaim?.claimName === name),
      );
      if (user !== undefined)
        problems.push(
          `volume "${v.name}": persistentvolumeclaim "${name}" is ReadWriteOncePod and pod ${user.name} uses it`,
        );
    }
    paths[name] = c.path;
  }
  return { paths, problems };
}
