/**
 * The Kubernetes-shaped status a pod worker maintains (core/v1 PodStatus subset). Times are
 * RFC 3339 strings, as `kubectl get pod -o yaml` prints them.
 */

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface ContainerStateWaiting {
  reason: string;
  message?: string | undefined;
}
export interface ContainerStateRunning {
  startedAt: string;
}
export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number | undefined;
  reason: string;
  message?: string | undefined;
  startedAt?: string | undefined;
  finishedAt: string;
}

/** Exactly one member is set (none = never created). */
export interface ContainerState {
  waiting?: ContainerStateWaiting | undefined;
  running?: ContainerStateRunning | undefined;
  terminated?: ContainerStateTerminated | undefined;
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string | undefined;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
}

export type PodConditionType =
  'PodReadyToStartContainers' | 'Initialized' | 'ContainersReady' | 'Ready';

export interface PodCondition {
  type: PodConditionType;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime: string;
  reason?: string | undefined;
  message?: string | undefined;
}

export interface PodStatus {
  phase: PodPhase;
  conditions: PodCondition[];
  reason?: string | undefined;
  message?: string | undefined;
  hostIP?: string | undefined;
  podIP?: string | undefined;
  startTime?: string | undefined;
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
}

/** One event, as `kubectl describe` lists them. */
export interface PodEvent {
  time: string;
  type: 'Normal' | 'Warning';
  reason: string;
  /** e.g. `spec.containers{nginx}`, or empty for the pod itself. */
  object: string;
  message: string;
}

/** The Kubernetes reason of a terminated container (kubelet/containerd). */
export function terminatedReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** An RFC 3339 timestamp of now (seconds precision, as the API server stores them). */
export function nowRfc3339(clock: () => number = Date.now): string {
  return new Date(Math.floor(clock() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
