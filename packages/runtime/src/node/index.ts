/**
 * `@podkit/runtime/node`: the node runtime, the facade the agent runs every pod through (one per
 * state root: apply, stop, remove, watch, exec, logs, gc, adoption).
 */
export {
  NodeRuntime,
  type ApplyInput,
  type GcReport,
  type NodeRuntimeOptions,
  type PodChange,
  type PodMetadataUpdate,
  type RemoveOptions,
} from './node-runtime.js';
export { containerEnded, logTimeMs, type LogWindow } from './container-log.js';
export {
  SERVICE_CIDR,
  serviceEndpoints,
  serviceEnvVars,
  portKey,
  type ServiceEndpoint,
  type ServiceRecord,
} from '../services/index.js';
export { rootTag } from '../sandbox/index.js';
export { loadPodNetwork } from '../pod/network-config.js';
export type {
  DaemonSetRecord,
  DeploymentRecord,
  JobRecord,
  ReplicaSetRecord,
  Workload,
  WorkloadKind,
  WorkloadRecord,
} from '../workloads/workload-store.js';
