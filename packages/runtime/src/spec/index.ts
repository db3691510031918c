/**
 * `@podkit/runtime/spec`: the Pod manifest model — parse (YAML 1.1 / JSON, with positions),
 * validate, default. The agent parses the files `up` sends; the CLI loads it only on demand.
 */
export { formatDiagnostic, sortDiagnostics, type Diagnostic } from './diagnostic.js';
export { didYouMean, editDistance } from './did-you-mean.js';
export {
  parseManifests,
  loadManifestFile,
  assertValid,
  type ManifestObject,
  type ManifestOptions,
  type ManifestSet,
} from './manifests.js';
export { combineManifestSets, withCrossFileDuplicates } from './manifest-sets.js';
export { readManifestFile } from './manifest-file.js';
export {
  parseYamlDocuments,
  childPath,
  indexPath,
  PositionMap,
  type JsonObject,
  type JsonValue,
  type ParsedDocument,
  type ParsedFile,
} from './yaml-documents.js';
export {
  parseQuantity,
  tryParseQuantity,
  compareQuantities,
  cpuMillis,
  memoryBytes,
  type Quantity,
} from './quantity.js';
export { PROBE_DEFAULTS } from './probes.js';
export { DEFAULT_VOLUME_MODE } from './volumes.js';
export { defaultPullPolicy } from './container.js';
export { DEPLOYMENT_DEFAULTS, hostPortsOf, selectorMatches, selectorText } from './workloads.js';
export { STATEFULSET_DEFAULTS } from './statefulset.js';
export { JOB_DEFAULTS, type Job, type JobSpec } from './job.js';
export { type DaemonSet, type DaemonSetSpec, type DaemonSetUpdateStrategy } from './daemonset.js';
export { SpecInvalidError } from '../errors.js';
export type * from './types.js';
export { checkDns1123Label } from './names.js';
