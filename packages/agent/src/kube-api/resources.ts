/**
 * The resources this API serves, described once: discovery (`/api/v1`, `/apis/GROUP/VERSION`),
 * the OpenAPI documents and the router read them from here.
 */

export type Verb =
  'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** An API group's name: '' is the core (legacy) group under `/api/v1`. */
export type Group = '' | 'apps' | 'batch';

export interface ResourceInfo {
  group: Group;
  version: 'v1';
  /** The plural, as in the URL: `pods`. */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames?: readonly string[];
  categories?: readonly string[];
}

const ALL: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** Every resource served, group by group (subresources are listed apart). */
export const RESOURCES: readonly ResourceInfo[] = [
  {
    group: '',
    version: 'v1',
    name: 'namespaces',
    singularName: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
    shortNames: ['ns'],
  },
  {
    group: '',
    version: 'v1',
    name: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: ALL,
    shortNames: ['po'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    name: 'configmaps',
    singularName: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    verbs: ALL,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    name: 'secrets',
    singularName: 'secret',
    kind: 'Secret',
    namespaced: true,
    verbs: ALL,
  },
  {
    group: '',
    version: 'v1',
    name: 'events',
    singularName: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: ['get', 'list'],
    shortNames: ['ev'],
  },
  {
    group: '',
    version: 'v1',
    name: 'services',
    singularName: 'service',
    kind: 'Service',
    namespaced: true,
    verbs: ALL,
    shortNames: ['svc'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    name: 'endpoints',
    singularName: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ep'],
  },
  {
    group: '',
    version: 'v1',
    name: 'persistentvolumeclaims',
    singularName: 'persistentvolumeclaim',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    verbs: ALL,
    shortNames: ['pvc'],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'deployments',
    singularName: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    verbs: ALL,
    shortNames: ['deploy'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'replicasets',
    singularName: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs: ALL,
    shortNames: ['rs'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'statefulsets',
    singularName: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    verbs: ALL,
    shortNames: ['sts'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'daemonsets',
    singularName: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    verbs: ALL,
    shortNames: ['ds'],
    categories: ['all'],
  },
  {
    group: 'batch',
    version: 'v1',
    name: 'jobs',
    singularName: 'job',
    kind: 'Job',
    namespaced: true,
    verbs: ALL,
    categories: ['all'],
  },
];

/** core/v1 alone (what `/api/v1` lists). */
export const CORE_V1: readonly ResourceInfo[] = RESOURCES.filter((r) => r.group === '');

/** The API groups besides the core one, each with its one version. */
export const GROUPS: readonly Exclude<Group, ''>[] = ['apps', 'batch'];

/** Subresources listed in discovery (kubectl reads `pods/status` for `wait` and `describe`). */
export const SUBRESOURCES: readonly Omit<ResourceInfo, 'shortNames' | 'categories'>[] = [
  {
    group: '',
    version: 'v1',
    name: 'pods/status',
    singularName: '',
    kind: 'Pod',
    namespaced: true,
    verbs: ['get'],
  },
  {
    group: '',
    version: 'v1',
    name: 'pods/log',
    singularName: '',
    kind: 'Pod',
    namespaced: true,
    verbs: ['get'],
  },
  {
    group: '',
    version: 'v1',
    name: 'pods/exec',
    singularName: '',
    kind: 'PodExecOptions',
    namespaced: true,
    verbs: ['create', 'get'],
  },
  {
    group: '',
    version: 'v1',
    name: 'pods/portforward',
    singularName: '',
    kind: 'PodPortForwardOptions',
    namespaced: true,
    verbs: ['create', 'get'],
  },
  ...(['deployments', 'replicasets', 'statefulsets'] as const).flatMap((name) => [
    {
      group: 'apps' as const,
      version: 'v1' as const,
      name: `${name}/status`,
      singularName: '',
      kind:
        name === 'deployments'
          ? 'Deployment'
          : name === 'replicasets'
            ? 'ReplicaSet'
            : 'StatefulSet',
      namespaced: true,
      verbs: ['get'] as const,
    },
    {
      group: 'apps' as const,
      version: 'v1' as const,
      name: `${name}/scale`,
      singularName: '',
      // autoscaling/v1 (discovery names the group and version of a subresource's kind).
      kind: 'Scale',
      namespaced: true,
      verbs: ['get', 'patch', 'update'] as const,
    },
  ]),
];

/** `apps/v1`, or `v1` for the core group. */
export function groupVersion(group: Group): string {
  return group === '' ? 'v1' : `${group}/v1`;
}

export function findResource(group: string, name: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.name === name);
}

export function coreResource(name: string): ResourceInfo | undefined {
  return findResource('', name);
}
