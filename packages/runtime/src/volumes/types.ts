/**
 * The volume manager's inputs: the spec model's volume types (core/v1 after defaulting), the
 * objects they refer to, and the pod facts the downward API exposes.
 */

export type {
  ConfigMapVolumeSource,
  DownwardAPIVolumeFile,
  DownwardAPIVolumeSource,
  HostPathType,
  KeyToPath,
  ObjectFieldSelector,
  ProjectedVolumeSource,
  ResourceFieldSelector,
  SecretVolumeSource,
  Volume,
  VolumeProjection,
} from '../spec/types.js';

/** What a configMap or secret holds, by key (secret values already base64-decoded). */
export type KeyedData = ReadonlyMap<string, Buffer>;

/** The objects volumes may refer to, from the same manifest set. */
export interface VolumeObjects {
  configMaps: ReadonlyMap<string, KeyedData>;
  secrets: ReadonlyMap<string, KeyedData>;
  /** The directories of the PersistentVolumeClaims the pod was admitted with, by claim name. */
  claims?: ReadonlyMap<string, string> | undefined;
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
