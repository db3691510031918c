import type { PersistentVolumeClaim } from '../spec/types.js';
import type { Workload } from '../workloads/workload-store.js';
import type { ClaimRecord } from './claim-store.js';

/**
 * The claims workloads' templates name that neither `claims` (the file's) nor `existing` (the
 * machine's) has, each as a message naming the workload, its volume and the claim. A
 * StatefulSet's volumeClaimTemplates are made by its controller and need nothing.
 */
export function missingClaims(
  workloads: readonly Workload[],
  claims: readonly PersistentVolumeClaim[],
  existing: readonly ClaimRecord[],
): string[] {
  const have = new Set([
    ...claims.map((c) => `${c.metadata.namespace}/${c.metadata.name}`),
    ...existing.map((r) => `${r.claim.metadata.namespace}/${r.claim.metadata.name}`),
  ]);
  const out: string[] = [];
  for (const w of workloads) {
    const ns = w.metadata.namespace;
    const made =
      w.kind === 'StatefulSet'
        ? new Set(w.spec.volumeClaimTemplates.map((t) => t.metadata.name))
        : new Set<string>();
    for (const v of w.spec.template.spec.volumes) {
      const name = v.persistentVolumeClaim?.claimName;
      if (name === undefined || made.has(v.name) || have.has(`${ns}/${name}`)) continue;
      out.push(
        `${w.kind} ${ns}/${w.metadata.name} (${w.origin.file}:${w.origin.line}): volume "${v.name}" uses persistentvolumeclaim "${name}", which is neither in the file nor on this machine`,
      );
    }
  }
  return out;
}
