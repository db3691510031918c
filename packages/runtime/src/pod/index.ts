/** The pod layer: admission, the pod worker, records, and the operations the CLI calls. */
export {
  AdmissionError,
  admitPod,
  machineCapacity,
  podPortMappings,
  podRequest,
  type AdmittedPod,
  type MachineCapacity,
} from './admission.js';
export { resolveContainerEnv, type PodObjects } from './container-env.js';
export { resolvePodImages, shouldPull, type PodPullOptions } from './pod-images.js';
export { buildContainerPlan, type ContainerPlanInput } from './container-plan.js';
export { loadPodNetwork } from './network-config.js';
export { waitForPod } from './wait-for-pod.js';
export { releasePodResources } from './pod-release.js';
export {
  listPodRecords,
  findPodRecord,
  readPodRecord,
  readPodEvents,
  podStarted,
  containerLogPath,
  type PodRecord,
} from './pod-store.js';
export type * from './pod-status.js';
export { toKubernetesPod, type KubernetesPod } from './pod-object.js';
export { KUBELET_BACKOFF, type BackoffPolicy } from './restart-policy.js';
export { imageUsage } from './image-usage.js';
