/**
 * What a parsed manifest means for `up`, decided once for the agent (which applies it) and the
 * CLI (which checks a file itself only before it starts an agent). Imports types only: the
 * client exports it.
 */
import type { ManifestSet, Workload } from '@podkit/runtime';
import type { ManifestVerdict } from './apply-wire.js';

/**
 * The workloads of a file, in the order `up` reports them: every workload kind of ManifestSet
 * (a new kind is one more list here).
 */
export function workloadsOf(set: ManifestSet): Workload[] {
  return [
    ...set.deployments,
    ...set.replicaSets,
    ...set.statefulSets,
    ...set.jobs,
    ...set.daemonSets,
  ];
}

/**
 * The `manifest` line of an apply: the file's diagnostics, whether it is valid, and whether it
 * holds anything to run (a pod, a Service, a workload, a claim; ConfigMaps and Secrets alone do not).
 *
 * @example
 *   const v = manifestVerdict(parseManifests(text, 'pod.yaml'));
 *   if (v.valid && v.runnable) … // apply it
 */
export function manifestVerdict(set: ManifestSet): ManifestVerdict {
  return {
    type: 'manifest',
    diagnostics: set.diagnostics,
    valid: !set.diagnostics.some((d) => d.severity === 'error'),
    runnable:
      set.pods.length > 0 ||
      set.services.length > 0 ||
      workloadsOf(set).length > 0 ||
      set.persistentVolumeClaims.length > 0,
  };
}
