import { sortDiagnostics, type Diagnostic } from './diagnostic.js';
import type { ManifestObjects } from './kinds.js';
import { namedObjectLists, type ManifestObject, type ManifestSet } from './manifests.js';

// Several files applied as one set (`up -f a.yaml -f dir/`), as kubectl apply takes them:
// every file is read on its own (its diagnostics name it), then the objects go together.

/**
 * The sets with, in each, an error for every object a file before it already defines (same
 * kind, namespace and name): applied together, one would silently replace the other. The
 * error is at the later object and names the earlier one's place. Duplicates within one file
 * are parseManifests' own.
 *
 * @example
 *   const sets = withCrossFileDuplicates([parseManifests(a, 'a.yaml'), parseManifests(b, 'b.yaml')]);
 */
export function withCrossFileDuplicates(sets: readonly ManifestSet[]): ManifestSet[] {
  const first = new Map<string, ManifestObject>();
  return sets.map((set) => {
    const found: Diagnostic[] = [];
    const mine = new Map<string, ManifestObject>();
    for (const [kind, list] of namedObjectLists(set)) {
      for (const object of list) {
        const key = `${kind}\u0000${object.metadata.namespace}\u0000${object.metadata.name}`;
        const earlier = first.get(key);
        if (earlier !== undefined) {
          const at = earlier.origin;
          found.push({
            severity: 'error',
            code: 'duplicate',
            file: object.origin.file,
            line: object.origin.line,
            column: object.origin.column,
            path: 'metadata.name',
            message: `duplicate ${kind} name ${JSON.stringify(object.metadata.name)} in namespace ${JSON.stringify(object.metadata.namespace)}: ${at.file}:${String(at.line)}:${String(at.column)} defines it too`,
          });
        } else if (!mine.has(key)) mine.set(key, object);
      }
    }
    for (const [key, object] of mine) first.set(key, object);
    return found.length === 0
      ? set
      : { ...set, diagnostics: sortDiagnostics([...set.diagnostics, ...found]) };
  });
}

/**
 * Several files' sets as one (cross-file duplicates checked): every object list in file
 * order, every diagnostic with its own file, `file` the files' names joined by ", ". One file
 * comes back as it is.
 */
export function combineManifestSets(sets: readonly ManifestSet[]): ManifestSet {
  if (sets.length === 1 && sets[0] !== undefined) return sets[0];
  const checked = withCrossFileDuplicates(sets);
  const objects: ManifestObjects = {
    pods: checked.flatMap((s) => s.pods),
    configMaps: checked.flatMap((s) => s.configMaps),
    secrets: checked.flatMap((s) => s.secrets),
    services: checked.flatMap((s) => s.services),
    deployments: checked.flatMap((s) => s.deployments),
    replicaSets: checked.flatMap((s) => s.replicaSets),
    statefulSets: checked.flatMap((s) => s.statefulSets),
    persistentVolumeClaims: checked.flatMap((s) => s.persistentVolumeClaims),
    jobs: checked.flatMap((s) => s.jobs),
    daemonSets: checked.flatMap((s) => s.daemonSets),
  };
  return {
    file: checked.map((s) => s.file).join(', '),
    ...objects,
    diagnostics: checked.flatMap((s) => s.diagnostics),
  };
}
