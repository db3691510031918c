import { SpecInvalidError } from '../errors.js';
import { sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { readObject, type ManifestObjects } from './kinds.js';
import { readManifestFile } from './manifest-file.js';
import { SpecContext } from './reader.js';
import type { DaemonSet } from './daemonset.js';
import type { Job } from './job.js';
import type {
  ConfigMap,
  Deployment,
  PersistentVolumeClaim,
  Pod,
  ReplicaSet,
  Secret,
  Service,
  StatefulSet,
} from './types.js';
import { parseYamlDocuments } from './yaml-documents.js';

/** Everything read from one manifest file. */
export interface ManifestSet {
  file: string;
  /**
   * The pods that validated, defaults applied.
   */
  pods: Pod[];
  configMaps: ConfigMap[];
  secrets: Secret[];
  /** The Services of the file, defaults applied (the agent allocates their ClusterIPs). */
  services: Service[];
  /** Deployments and ReplicaSets, run by the agent's controllers (their pods are theirs). */
  deployments: Deployment[];
  replicaSets: ReplicaSet[];
  /** StatefulSets, run by the agent's StatefulSet controller. */
  statefulSets: StatefulSet[];
  /** Claims, bound to directories under the state root (before the pods that mount them). */
  persistentVolumeClaims: PersistentVolumeClaim[];
  /** Jobs and DaemonSets, run by the agent's controllers too. */
  jobs: Job[];
  daemonSets: DaemonSet[];
  /** Every problem of the file (errors and warnings), in source order. */
  diagnostics: Diagnostic[];
}

/** How a manifest is read. */
export interface ManifestOptions {
  /**
   * The namespace asked for (`podkit -n NS`, kubectl's `--namespace`): objects without
   * `metadata.namespace` go there, and an object naming another one is an error
   * (`namespace-mismatch`). Without it, objects keep their own namespace, else `default`.
   */
  namespace?: string | undefined;
}

/**
 * Parses and validates every document of a manifest text (YAML 1.1 or JSON, several
 * documents separated by `---`). Never throws for a bad manifest: problems are diagnostics.
 *
 * @example
 *   const set = parseManifests(text, 'pod.yaml', { namespace: 'staging' });
 *   for (const d of set.diagnostics) console.log(formatDiagnostic(d));
 */
export function parseManifests(
  text: string,
  file: string,
  options: ManifestOptions = {},
): ManifestSet {
  const parsed = parseYamlDocuments(text, file);
  const diagnostics = [...parsed.diagnostics];
  const objects: ManifestObjects = {
    pods: [],
    configMaps: [],
    secrets: [],
    services: [],
    deployments: [],
    replicaSets: [],
    statefulSets: [],
    persistentVolumeClaims: [],
    jobs: [],
    daemonSets: [],
  };
  for (const doc of parsed.documents) {
    const ctx = new SpecContext(file, doc.positions, diagnostics, options.namespace);
    readObject(ctx, doc.value, '', objects);
  }
  if (parsed.documents.length === 0 && diagnostics.length === 0) {
    diagnostics.push({
      severity: 'error',
      code: 'empty',
      file,
      line: 1,
      column: 1,
      path: '',
      message: 'no Kubernetes objects in this file',
    });
  }
  checkDuplicateNames(objects, diagnostics);
  return { file, ...objects, diagnostics: sortDiagnostics(diagnostics) };
}

/** Any object a manifest set holds. */
export type ManifestObject =
  | Pod
  | ConfigMap
  | Secret
  | Service
  | Deployment
  | ReplicaSet
  | StatefulSet
  | PersistentVolumeClaim
  | Job
  | DaemonSet;

/**
 * Every object list of a set with the kind its duplicates are named by (a new kind is one
 * more entry here): what duplicate checks, within a file and across files, walk.
 */
export function namedObjectLists(objects: ManifestObjects): [string, ManifestObject[]][] {
  return [
    ['pod', objects.pods],
    ['Deployment', objects.deployments],
    ['ReplicaSet', objects.replicaSets],
    ['StatefulSet', objects.statefulSets],
    ['PersistentVolumeClaim', objects.persistentVolumeClaims],
    ['Job', objects.jobs],
    ['DaemonSet', objects.daemonSets],
    ['ConfigMap', objects.configMaps],
    ['Secret', objects.secrets],
    ['Service', objects.services],
  ];
}

// Two objects of one kind with one name in one namespace: the second would replace the first.
function checkDuplicateNames(objects: ManifestObjects, diagnostics: Diagnostic[]): void {
  for (const [kind, list] of namedObjectLists(objects)) {
    const seen = new Set<string>();
    for (const object of list) {
      const key = `${object.metadata.namespace}/${object.metadata.name}`;
      if (seen.has(key)) {
        diagnostics.push({
          severity: 'error',
          code: 'duplicate',
          file: object.origin.file,
          line: object.origin.line,
          column: object.origin.column,
          path: 'metadata.name',
          message: `duplicate ${kind} name ${JSON.stringify(object.metadata.name)} in namespace ${JSON.stringify(object.metadata.namespace)}`,
        });
      }
      seen.add(key);
    }
  }
}

/**
 * Reads and parses a manifest file. Diagnostics name the file by `path` as given. Throws a
 * `POD_MANIFEST_UNREADABLE` PodkitError when the file cannot be read.
 */
export async function loadManifestFile(
  path: string,
  signal?: AbortSignal,
  options: ManifestOptions = {},
): Promise<ManifestSet> {
  return parseManifests(await readManifestFile(path, signal), path, options);
}

/** Throws a SpecInvalidError (code POD_SPEC_INVALID) when the set has any error. */
export function assertValid(set: ManifestSet): void {
  if (set.diagnostics.some((d) => d.severity === 'error'))
    throw new SpecInvalidError(set.diagnostics);
}
