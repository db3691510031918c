/**
 * The resources this API serves, described once: discovery (`/api/v1`), the OpenAPI document,
 * and the router read them from here.
 */

export type Verb =
  'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface ResourceInfo {
  /** The plural, as in the URL: `pods`. */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames?: readonly string[];
  categories?: readonly string[];
}

/** core/v1 as served here (subresources are listed as `pods/status`). */
export const CORE_V1: readonly ResourceInfo[] = [
  {
    name: 'namespaces',
    singularName: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ns'],
  },
  {
    name: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
  },
  {
    name: 'configmaps',
    singularName: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    verbs: ['create', 'get', 'list', 'patch'],
    shortNames: ['cm'],
  },
  {
    name: 'secrets',
    singularName: 'secret',
    kind: 'Secret',
    namespaced: true,
    verbs: ['create', 'get', 'list', 'patch'],
  },
  {
    name: 'events',
    singularName: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: ['get', 'list'],
    shortNames: ['ev'],
  },
];

/** Subresources listed in discovery (kubectl reads `pods/status` for `wait` and `describe`). */
export const CORE_V1_SUBRESOURCES = [
  { name: 'pods/status', singularName: '', kind: 'Pod', namespaced: true, verbs: ['get'] },
  { name: 'pods/log', singularName: '', kind: 'Pod', namespaced: true, verbs: ['get'] },
  {
    name: 'pods/exec',
    singularName: '',
    kind: 'PodExecOptions',
    namespaced: true,
    verbs: ['create', 'get'],
  },
  {
    name: 'pods/portforward',
    singularName: '',
    kind: 'PodPortForwardOptions',
    namespaced: true,
    verbs: ['create', 'get'],
  },
] as const;

export function coreResource(name: string): ResourceInfo | undefined {
  return CORE_V1.find((r) => r.name === name);
}
