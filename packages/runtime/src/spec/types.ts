/**
 * The typed Pod model: a subset of Kubernetes core/v1 with the same camelCase field names,
 * as it is *after* the API server's defaulting. Fields that Kubernetes always fills in are
 * non-optional here; lists and maps default to empty. Quantities stay strings as written
 * (use `parseQuantity`, `cpuMillis`, `memoryBytes`).
 */

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type DNSPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default';
export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

/** Where an object came from (not a Kubernetes field): for messages about it. */
export interface ManifestOrigin {
  file: string;
  line: number;
  column: number;
  /** The kind as written: `Pod`, or the workload (`Deployment`) whose template it is. */
  kind: string;
}

export interface ObjectMeta {
  name: string;
  /** Defaults to `default`. */
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /**
   * Set by podkit's controllers, never read from a manifest: the ReplicaSet that owns a pod,
   * the Deployment that owns a ReplicaSet (garbage collection follows them).
   */
  ownerReferences?: OwnerReference[] | undefined;
}

/** meta/v1 OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** True for the managing controller (at most one per object). */
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** meta/v1 LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** Non-empty for In/NotIn, empty for Exists/DoesNotExist. */
  values: string[];
}

/** meta/v1 LabelSelector: every matchLabels pair and every requirement must hold. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

/** core/v1 PodTemplateSpec: the pods a controller creates (their name comes from it). */
export interface PodTemplateSpec {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: PodSpec;
}

/** An intstr.IntOrString of a rolling update: a count, or a percentage such as `25%`. */
export type IntOrPercent = number | `${number}%`;

/** apps/v1 DeploymentStrategy, defaults applied (RollingUpdate 25%/25%). */
export type DeploymentStrategy =
  | {
      type: 'RollingUpdate';
      rollingUpdate: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent };
    }
  | { type: 'Recreate' };

/** apps/v1 DeploymentSpec, the part podkit runs, defaults applied. */
export interface DeploymentSpec {
  /** Defaults to 1. */
  replicas: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy: DeploymentStrategy;
  /** Seconds a new pod must be Ready before it counts as available (default 0). */
  minReadySeconds: number;
  /** Old ReplicaSets (scaled to 0) kept for history (default 10). */
  revisionHistoryLimit: number;
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: DeploymentSpec;
  origin: ManifestOrigin;
}

/** apps/v1 ReplicaSetSpec, defaults applied. */
export interface ReplicaSetSpec {
  /** Defaults to 1. */
  replicas: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  minReadySeconds: number;
}

export interface ReplicaSet {
  apiVersion: 'apps/v1';
  kind: 'ReplicaSet';
  metadata: ObjectMeta;
  spec: ReplicaSetSpec;
  origin: ManifestOrigin;
}

/** apps/v1 StatefulSetUpdateStrategy, defaults applied (RollingUpdate, partition 0). */
export type StatefulSetUpdateStrategy =
  { type: 'RollingUpdate'; rollingUpdate: { partition: number } } | { type: 'OnDelete' };

/** apps/v1 StatefulSetSpec, the part podkit runs, defaults applied. */
export interface StatefulSetSpec {
  /** Defaults to 1. */
  replicas: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  /** The (headless) Service that gives the pods their DNS names; `subdomain` of each pod. */
  serviceName: string | undefined;
  /** Defaults to OrderedReady: one pod at a time, each after the previous one is Ready. */
  podManagementPolicy: 'OrderedReady' | 'Parallel';
  updateStrategy: StatefulSetUpdateStrategy;
  /** One claim per pod and template, named `<template>-<statefulset>-<ordinal>`. */
  volumeClaimTemplates: PersistentVolumeClaimTemplate[];
  /** The first ordinal (spec.ordinals.start, default 0). */
  startOrdinal: number;
  minReadySeconds: number;
  revisionHistoryLimit: number;
}

export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec: StatefulSetSpec;
  origin: ManifestOrigin;
}

/** core/v1 PersistentVolumeClaimSpec, the part podkit keeps (capacity is not enforced). */
export interface PersistentVolumeClaimSpec {
  accessModes: ('ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod')[];
  /** resources.requests.storage as written (a quantity). */
  storage: string;
  storageClassName: string | undefined;
}

/** A StatefulSet's volumeClaimTemplates[] entry. */
export interface PersistentVolumeClaimTemplate {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: PersistentVolumeClaimSpec;
}

export interface PersistentVolumeClaim {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: ObjectMeta;
  spec: PersistentVolumeClaimSpec;
  origin: ManifestOrigin;
}

/** A Service port (core/v1 ServicePort), defaults applied. */
export interface ServicePort {
  /** Required (a DNS label, unique in the Service) when the Service has several ports. */
  name: string | undefined;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** A container port number, or the name of a container port (IANA_SVC_NAME); defaults to `port`. */
  targetPort: number | string;
  /** Only with type NodePort: a host port in 30000–32767 (allocated when omitted). */
  nodePort: number | undefined;
}

/** core/v1 ServiceSpec, the part podkit runs on one machine, defaults applied. */
export interface ServiceSpec {
  /** LoadBalancer is read as NodePort (with a warning: no load balancer on one machine). */
  type: 'ClusterIP' | 'NodePort';
  /** The pods whose addresses are the endpoints (`{}` or absent selects nothing). */
  selector: Record<string, string>;
  /** Undefined: allocated from the service range; `None`: headless (DNS only); else the IP asked for. */
  clusterIP: string | undefined;
  ports: ServicePort[];
  sessionAffinity: 'None' | 'ClientIP';
  /** sessionAffinityConfig.clientIP.timeoutSeconds (default 10800). */
  sessionAffinityTimeoutSeconds: number;
  /** Endpoints include pods that are not Ready (and DNS publishes them). */
  publishNotReadyAddresses: boolean;
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
  origin: ManifestOrigin;
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  origin: ManifestOrigin;
}

export interface PodSpec {
  volumes: Volume[];
  initContainers: Container[];
  containers: Container[];
  /** Defaults to `Always`. */
  restartPolicy: RestartPolicy;
  /** Seconds; defaults to 30. */
  terminationGracePeriodSeconds: number;
  /** Defaults to `ClusterFirst` (on one machine it reads the host's resolver, like `Default`). */
  dnsPolicy: DNSPolicy;
  hostname?: string;
  subdomain?: string;
  setHostnameAsFQDN: boolean;
  shareProcessNamespace: boolean;
  hostNetwork: boolean;
  /** Defaults to true: the Services of the namespace when the pod is created become `{SVC}_SERVICE_HOST`… variables. */
  enableServiceLinks: boolean;
  securityContext: PodSecurityContext;
}

export interface Container {
  name: string;
  image: string;
  /** `Always` for `:latest` or no tag, else `IfNotPresent`, unless set. */
  imagePullPolicy: PullPolicy;
  /** Empty = the image's ENTRYPOINT. */
  command: string[];
  /** Empty = the image's CMD (when `command` is empty too). */
  args: string[];
  workingDir?: string;
  ports: ContainerPort[];
  env: EnvVar[];
  envFrom: EnvFromSource[];
  resources: ResourceRequirements;
  volumeMounts: VolumeMount[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
  /** Defaults to `/dev/termination-log`. */
  terminationMessagePath: string;
  /** Defaults to `File`. */
  terminationMessagePolicy: 'File' | 'FallbackToLogsOnError';
  securityContext?: SecurityContext;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  /** Only on init containers: `Always` makes it a native sidecar. */
  restartPolicy?: 'Always';
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  /** 0/absent = not published on the host (with hostNetwork, defaults to containerPort). */
  hostPort?: number;
  /** Defaults to `TCP`. */
  protocol: Protocol;
  hostIP?: string;
}

export interface EnvVar {
  name: string;
  /** May hold `$(VAR)` references to earlier variables. */
  value?: string;
  valueFrom?: EnvVarSource;
}

/** Exactly one field is set. */
export interface EnvVarSource {
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  configMapKeyRef?: KeySelector;
  secretKeyRef?: KeySelector;
}

export interface ObjectFieldSelector {
  /** Always `v1`. */
  apiVersion: 'v1';
  /** e.g. `metadata.name`, `metadata.labels['app']`, `status.podIP`. */
  fieldPath: string;
}

export interface ResourceFieldSelector {
  /** Required in volumes; in env, absent means this container. */
  containerName?: string;
  /** e.g. `limits.cpu`, `requests.memory`. */
  resource: string;
  /** Defaults to `1`. */
  divisor: string;
}

export interface KeySelector {
  name: string;
  key: string;
  /** Defaults to false. */
  optional: boolean;
}

/** Exactly one of configMapRef / secretRef is set. */
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional: boolean };
  secretRef?: { name: string; optional: boolean };
}

export interface ResourceRequirements {
  /** Quantity strings as written, by resource name (`cpu`, `memory`, `ephemeral-storage`). */
  limits: Record<string, string>;
  /** As written; a resource with a limit and no request gets request = limit. */
  requests: Record<string, string>;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly: boolean;
  subPath?: string;
}

export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  /** Defaults: 0, 1, 10, 1, 3 (a 0 in the manifest also means the default, except delay). */
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  /** Overrides the pod's grace period when a liveness/startup failure kills the container. */
  terminationGracePeriodSeconds?: number;
}

export interface ExecAction {
  command: string[];
}

export interface HTTPGetAction {
  /** Defaults to `/`. */
  path: string;
  /** A number, or the name of one of the container's ports. */
  port: number | string;
  host?: string;
  /** Defaults to `HTTP`. */
  scheme: 'HTTP' | 'HTTPS';
  httpHeaders: { name: string; value: string }[];
}

export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

export interface GRPCAction {
  port: number;
  /** The service name for grpc.health.v1; defaults to "" (the server's overall health). */
  service: string;
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
}

/** Exactly one field is set. */
export interface LifecycleHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  sleep?: { seconds: number };
}

export interface SeccompProfile {
  type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  /** Only with type `Localhost`. */
  localhostProfile?: string;
}

/** Unset fields inherit from the pod's security context or the runtime's defaults. */
export interface SecurityContext {
  capabilities?: { add: string[]; drop: string[] };
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  seccompProfile?: SeccompProfile;
}

export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups: number[];
  fsGroup?: number;
  fsGroupChangePolicy?: 'OnRootMismatch' | 'Always';
  seccompProfile?: SeccompProfile;
  sysctls: { name: string; value: string }[];
}

/** Exactly one source is set. */
export interface Volume {
  name: string;
  emptyDir?: EmptyDirVolumeSource;
  hostPath?: HostPathVolumeSource;
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
  downwardAPI?: DownwardAPIVolumeSource;
  projected?: ProjectedVolumeSource;
  persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
}

/** A claim (in the pod's namespace) the pod mounts: its directory, bound on this machine. */
export interface PersistentVolumeClaimVolumeSource {
  claimName: string;
  /** Defaults to false. */
  readOnly: boolean;
}

export interface EmptyDirVolumeSource {
  /** `Memory` = tmpfs. */
  medium: '' | 'Memory';
  sizeLimit?: string;
}

export interface HostPathVolumeSource {
  path: string;
  type: HostPathType;
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface ConfigMapVolumeSource {
  name: string;
  items: KeyToPath[];
  /** File mode bits; defaults to 0644 (420). */
  defaultMode: number;
  optional: boolean;
}

export interface SecretVolumeSource {
  secretName: string;
  items: KeyToPath[];
  /** File mode bits; defaults to 0644 (420). */
  defaultMode: number;
  optional: boolean;
}

export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}

export interface DownwardAPIVolumeSource {
  items: DownwardAPIVolumeFile[];
  /** Defaults to 0644 (420). */
  defaultMode: number;
}

/** Exactly one field is set. */
export interface VolumeProjection {
  configMap?: { name: string; items: KeyToPath[]; optional: boolean };
  secret?: { name: string; items: KeyToPath[]; optional: boolean };
  downwardAPI?: { items: DownwardAPIVolumeFile[] };
}

export interface ProjectedVolumeSource {
  sources: VolumeProjection[];
  /** Defaults to 0644 (420). */
  defaultMode: number;
}

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data: Record<string, string>;
  binaryData: Record<string, Buffer>;
  immutable: boolean;
  origin: ManifestOrigin;
}

export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  /** Defaults to `Opaque`. */
  type: string;
  /** Decoded bytes; `stringData` is merged in (it wins over `data`). */
  data: Record<string, Buffer>;
  immutable: boolean;
  origin: ManifestOrigin;
}
