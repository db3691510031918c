import type { StatefulSet } from '../spec/types.js';
import { canonicalText } from './canonical-text.js';

/**
 * Why `next` cannot replace the StatefulSet `old` (ValidateStatefulSetUpdate: only replicas,
 * ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds
 * and revisionHistoryLimit may change), or undefined. The selector is checked by the store.
 */
export function statefulSetUpdateProblem(old: StatefulSet, next: StatefulSet): string | undefined {
  const frozen = (s: StatefulSet) =>
    canonicalText({
      serviceName: s.spec.serviceName ?? '',
      podManagementPolicy: s.spec.podManagementPolicy,
      volumeClaimTemplates: s.spec.volumeClaimTemplates,
    });
  if (frozen(old) === frozen(next)) return undefined;
  const changed = [
    old.spec.serviceName !== next.spec.serviceName ? 'serviceName' : undefined,
    old.spec.podManagementPolicy !== next.spec.podManagementPolicy
      ? 'podManagementPolicy'
      : undefined,
    canonicalText(old.spec.volumeClaimTemplates) !== canonicalText(next.spec.volumeClaimTemplates)
      ? 'volumeClaimTemplates'
      : undefined,
  ].filter((x) => x !== undefined);
  return `updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden (changed: ${changed.join(', ')})`;
}
