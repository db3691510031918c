/**
 * @podkit/runtime — the local kubelet. Its face is `NodeRuntime`, in `@podkit/runtime/node`
 * (the node agent runs every pod through it). This entry is what the CLI needs to look up
 * images, check the host and render pods, and nothing that a CLI start would pay for in vain:
 * the manifest model (YAML parsing, validation, defaulting) is `@podkit/runtime/spec` — the
 * agent parses the files `up` sends it —, image loads, pulls and builds are
 * `@podkit/runtime/images`. Every export is named.
 *
 * Everything this entry exports from a value is loaded with the CLI (the bundler keeps every
 * module a statically imported entry re-exports in the CLI's start-up chunks, used or not):
 * exports here must stay light. `src/bundle.test.ts` of the CLI checks that no YAML or spec
 * validation code is loaded at start.
 */

// The facade the agent uses (one per state root: apply, stop, remove, watch, exec, logs, gc) is
// `@podkit/runtime/node`; the CLI, which only talks to the agent, does not load it.
export type { GcReport } from './node/node-runtime.js';
export {
  serializeObjects,
  deserializeObjects,
  type SerializedObjects,
} from './pod/serialized-objects.js';

// Pods as records and as Kubernetes objects (what the agent answers; the CLI renders them).
export { listPodRecords, podStarted, readPodRecord, type PodRecord } from './pod/pod-store.js';
export type { ContainerState, ContainerStatus, PodEvent, PodStatus } from './pod/pod-status.js';
export { toKubernetesPod } from './pod/pod-object.js';
export { imageUsage } from './pod/image-usage.js';

// Manifests: their model and types (the parser is `@podkit/runtime/spec`), a file's text, and
// the diagnostics the parser reports.
export type { ManifestOptions, ManifestSet } from './spec/manifests.js';
export { readManifestFile } from './spec/manifest-file.js';
export type { JsonObject, JsonValue, ParsedDocument } from './spec/yaml-documents.js';
export { formatDiagnostic, sortDiagnostics, type Diagnostic } from './spec/diagnostic.js';
export type {
  Container,
  Deployment,
  DeploymentStrategy,
  IntOrPercent,
  LabelSelector,
  ObjectMeta,
  OwnerReference,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  PersistentVolumeClaim,
  PersistentVolumeClaimTemplate,
  ReplicaSet,
  Service,
  StatefulSet,
  Volume,
} from './spec/types.js';
export type { ServiceRecord } from './services/service-store.js';
export type { ClaimRecord } from './claims/claim-store.js';
export { selects } from './services/endpoints.js';
export type {
  DaemonSetRecord,
  DeploymentRecord,
  JobRecord,
  ReplicaSetRecord,
  StatefulSetRecord,
  Workload,
  WorkloadKind,
  WorkloadRecord,
} from './workloads/workload-store.js';
export { isWorkloadKind } from './workloads/workload-store.js';
export {
  jobFinished,
  type CountedPod,
  type JobCondition,
  type JobStatus,
} from './workloads/job-status.js';
export type { Job, JobSpec } from './spec/job.js';
export type { DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy } from './spec/daemonset.js';

// Images: the local store, loads, pulls, builds, OCI layouts.
export {
  addImage,
  getImage,
  listImages,
  removeImage,
  type ImageConfig,
  type ImageRecord,
  type ImageSource,
} from './images/image-store.js';
export { familiarImageName, normaliseImageName } from './images/image-name.js';
export type { PullEvent } from './images/registry/pull-image.js';
// Loads, pulls, builds and OCI layouts are `@podkit/runtime/images` (loaded when used).

// The host and the state root.
export { HostPreflightError, preflight, type HostInfo } from './host/preflight.js';
export { runCommand } from './host/run-command.js';
export { resolveStateRoot, stateLayout, type StateLayout } from './state/state-root.js';
export { isProcessAlive, processIdentity } from './state/process-identity.js';
export type { RuncExit } from './runc/runc.js';

export { RuntimeErrorCode } from './errors.js';
export { traceMark } from './trace.js';
export { canonicalText } from './workloads/canonical-text.js';
