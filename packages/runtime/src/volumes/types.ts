/**
 * The volume shapes the volume manager consumes. They mirror core/v1 after defaulting (the
 * spec model's Pod types are structurally compatible), so the manager can be used and tested
 * on its own.
 */

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number | undefined;
}

export interface ObjectFieldSelector {
  fieldPath: string;
}

export interface ResourceFieldSelector {
  containerName?: string | undefined;
  resource: string;
  divisor?: string | undefined;
}

export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector | undefined;
  resourceFieldRef?: ResourceFieldSelector | undefined;
  mode?: number | undefined;
}

export interface ConfigMapVolumeSource {
  name: string;
  items?: KeyToPath[] | undefined;
  defaultMode?: number | undefined;
  optional?: boolean | undefined;
}

export interface SecretVolumeSource {
  secretName: string;
  items?: KeyToPath[] | undefined;
  defaultMode?: number | undefined;
  optional?: boolean | undefined;
}

export interface DownwardAPIVolumeSource {
  items?: DownwardAPIVolumeFile[] | undefined;
  defaultMode?: number | undefined;
}

export interface VolumeProjection {
  configMap?: Omit<ConfigMapVolumeSource, 'defaultMode'> | undefined;
  secret?:
    { name: string; items?: KeyToPath[] | undefined; optional?: boolean | undefined } | undefined;
  downwardAPI?: { items?: DownwardAPIVolumeFile[] | undefined } | undefined;
}

export interface ProjectedVolumeSource {
  sources: VolumeProjection[];
  defaultMode?: number | undefined;
}

export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

export interface Volume {
  name: string;
  emptyDir?: { medium?: string | undefined; sizeLimit?: string | undefined } | undefined;
  hostPath?: { path: string; type?: HostPathType | undefined } | undefined;
  configMap?: ConfigMapVolumeSource | undefined;
  secret?: SecretVolumeSource | undefined;
  downwardAPI?: DownwardAPIVolumeSource | undefined;
  projected?: ProjectedVolumeSource | undefined;
}

/** What a configMap or secret holds, by key (secret values already base64-decoded). */
export type KeyedData = ReadonlyMap<string, Buffer>;

/** The objects volumes may refer to, from the same manifest set. */
export interface VolumeObjects {
  configMaps: ReadonlyMap<string, KeyedData>;
  secrets: ReadonlyMap<string, KeyedData>;
}

/** The pod facts the downward API exposes. */
export interface DownwardFacts {
  name: string;
  namespace: string;
  uid: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  nodeName: string;
  serviceAccountName: string;
  podIP: string;
  hostIP: string;
  /** Per container: its resources (quantities as written), for resourceFieldRef. */
  containers: ReadonlyMap<
    string,
    { limits: Readonly<Record<string, string>>; requests: Readonly<Record<string, string>> }
  >;
  /** Node allocatable, used when a container sets no limit (as kubelet does). */
  node: { cpuMillis: number; memoryBytes: number; ephemeralStorageBytes: number };
}

/** One file a projected-style volume holds. */
export interface ProjectedFile {
  path: string;
  data: Buffer;
  mode: number;
}
