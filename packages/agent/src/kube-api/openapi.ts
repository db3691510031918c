/**
 * OpenAPI v3 for what this API serves, generated from the resource table and a compact schema
 * description (below) instead of the upstream megabytes. kubectl reads it for two things:
 * whether a kind's PATCH takes `fieldValidation` (then `kubectl apply/create` validates on the
 * server, with Strict, and needs no `/openapi/v2`), and `kubectl explain`.
 *
 * PATCH bodies are advertised as JSON merge and JSON patch only: kubectl then computes a
 * client-side apply's strategic-merge patch from its own built-in types, not from these
 * schemas (which are a subset).
 */
import { createHash } from 'node:crypto';
import { KUBE_VERSION } from './discovery.js';
import { CORE_V1, type ResourceInfo } from './resources.js';

/**
 * A schema in one line: `string`, `integer`, `boolean`, `number`, `date-time`, `int-or-string`,
 * `quantity`, `object` (free-form), `map` (string → string), `Name` (a reference to another
 * definition), `[]T` (a list of T), `[]T@key` (a list merged by `key` in strategic patches).
 * A leading `!` marks the field required.
 */
type Compact = Record<string, string>;

const TYPES: Record<string, Compact> = {
  ObjectMeta: {
    name: 'string',
    generateName: 'string',
    namespace: 'string',
    uid: 'string',
    resourceVersion: 'string',
    generation: 'integer',
    creationTimestamp: 'date-time',
    deletionTimestamp: 'date-time',
    deletionGracePeriodSeconds: 'integer',
    labels: 'map',
    annotations: 'map',
    ownerReferences: '[]OwnerReference@uid',
    finalizers: '[]string',
    managedFields: '[]object',
  },
  OwnerReference: {
    apiVersion: '!string',
    kind: '!string',
    name: '!string',
    uid: '!string',
    controller: 'boolean',
    blockOwnerDeletion: 'boolean',
  },
  ListMeta: { resourceVersion: 'string', continue: 'string', remainingItemCount: 'integer' },
  Pod: {
    apiVersion: 'string',
    kind: 'string',
    metadata: 'ObjectMeta',
    spec: 'PodSpec',
    status: 'PodStatus',
  },
  PodSpec: {
    containers: '![]Container@name',
    initContainers: '[]Container@name',
    ephemeralContainers: '[]object',
    volumes: '[]Volume@name',
    restartPolicy: 'string',
    terminationGracePeriodSeconds: 'integer',
    activeDeadlineSeconds: 'integer',
    dnsPolicy: 'string',
    dnsConfig: 'object',
    nodeSelector: 'map',
    nodeName: 'string',
    serviceAccountName: 'string',
    serviceAccount: 'string',
    automountServiceAccountToken: 'boolean',
    hostNetwork: 'boolean',
    hostPID: 'boolean',
    hostIPC: 'boolean',
    shareProcessNamespace: 'boolean',
    securityContext: 'object',
    imagePullSecrets: '[]object',
    hostname: 'string',
    subdomain: 'string',
    affinity: 'object',
    schedulerName: 'string',
    tolerations: '[]object',
    hostAliases: '[]object',
    priorityClassName: 'string',
    priority: 'integer',
    readinessGates: '[]object',
    runtimeClassName: 'string',
    enableServiceLinks: 'boolean',
    preemptionPolicy: 'string',
    overhead: 'object',
    topologySpreadConstraints: '[]object',
    setHostnameAsFQDN: 'boolean',
    os: 'object',
    hostUsers: 'boolean',
    schedulingGates: '[]object',
    resourceClaims: '[]object',
    resources: 'ResourceRequirements',
  },
  Container: {
    name: '!string',
    image: 'string',
    command: '[]string',
    args: '[]string',
    workingDir: 'string',
    ports: '[]ContainerPort@containerPort',
    envFrom: '[]object',
    env: '[]EnvVar@name',
    resources: 'ResourceRequirements',
    resizePolicy: '[]object',
    restartPolicy: 'string',
    volumeMounts: '[]VolumeMount@mountPath',
    volumeDevices: '[]object',
    livenessProbe: 'Probe',
    readinessProbe: 'Probe',
    startupProbe: 'Probe',
    lifecycle: 'object',
    terminationMessagePath: 'string',
    terminationMessagePolicy: 'string',
    imagePullPolicy: 'string',
    securityContext: 'object',
    stdin: 'boolean',
    stdinOnce: 'boolean',
    tty: 'boolean',
  },
  ContainerPort: {
    name: 'string',
    hostPort: 'integer',
    containerPort: '!integer',
    protocol: 'string',
    hostIP: 'string',
  },
  EnvVar: { name: '!string', value: 'string', valueFrom: 'object' },
  VolumeMount: {
    name: '!string',
    readOnly: 'boolean',
    recursiveReadOnly: 'string',
    mountPath: '!string',
    subPath: 'string',
    mountPropagation: 'string',
    subPathExpr: 'string',
  },
  Volume: {
    name: '!string',
    emptyDir: 'object',
    hostPath: 'object',
    configMap: 'object',
    secret: 'object',
    downwardAPI: 'object',
    projected: 'object',
    persistentVolumeClaim: 'object',
    ephemeral: 'object',
    image: 'object',
  },
  ResourceRequirements: { limits: 'object', requests: 'object', claims: '[]object' },
  Probe: {
    exec: 'object',
    httpGet: 'object',
    tcpSocket: 'object',
    grpc: 'object',
    initialDelaySeconds: 'integer',
    timeoutSeconds: 'integer',
    periodSeconds: 'integer',
    successThreshold: 'integer',
    failureThreshold: 'integer',
    terminationGracePeriodSeconds: 'integer',
  },
  PodStatus: {
    phase: 'string',
    conditions: '[]PodCondition@type',
    message: 'string',
    reason: 'string',
    hostIP: 'string',
    hostIPs: '[]object',
    podIP: 'string',
    podIPs: '[]object',
    startTime: 'date-time',
    initContainerStatuses: '[]ContainerStatus',
    containerStatuses: '[]ContainerStatus',
    qosClass: 'string',
  },
  PodCondition: {
    type: '!string',
    status: '!string',
    lastProbeTime: 'date-time',
    lastTransitionTime: 'date-time',
    reason: 'string',
    message: 'string',
  },
  ContainerStatus: {
    name: '!string',
    state: 'object',
    lastState: 'object',
    ready: '!boolean',
    restartCount: '!integer',
    image: '!string',
    imageID: '!string',
    containerID: 'string',
    started: 'boolean',
  },
  ConfigMap: {
    apiVersion: 'string',
    kind: 'string',
    metadata: 'ObjectMeta',
    data: 'map',
    binaryData: 'object',
    immutable: 'boolean',
  },
  Secret: {
    apiVersion: 'string',
    kind: 'string',
    metadata: 'ObjectMeta',
    data: 'object',
    stringData: 'map',
    type: 'string',
    immutable: 'boolean',
  },
  Namespace: {
    apiVersion: 'string',
    kind: 'string',
    metadata: 'ObjectMeta',
    spec: 'object',
    status: 'object',
  },
  Event: {
    apiVersion: 'string',
    kind: 'string',
    metadata: 'ObjectMeta',
    involvedObject: '!object',
    reason: 'string',
    message: 'string',
    source: 'object',
    firstTimestamp: 'date-time',
    lastTimestamp: 'date-time',
    count: 'integer',
    type: 'string',
    eventTime: 'date-time',
    reportingComponent: 'string',
    reportingInstance: 'string',
  },
};

const PREFIX = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const META_TYPES = new Set(['ObjectMeta', 'OwnerReference', 'ListMeta']);
const KINDS = new Set(CORE_V1.map((r) => r.kind));

function defName(t: string): string {
  return (META_TYPES.has(t) ? META : PREFIX) + t;
}

type Schema = Record<string, unknown>;

function schemaOf(spec: string): Schema {
  if (spec.startsWith('[]')) {
    const [item = 'object', key] = spec.slice(2).split('@');
    const s: Schema = { type: 'array', items: schemaOf(item) };
    if (key !== undefined) {
      s['x-kubernetes-patch-merge-key'] = key;
      s['x-kubernetes-patch-strategy'] = 'merge';
      s['x-kubernetes-list-type'] = 'map';
      s['x-kubernetes-list-map-keys'] = [key];
    }
    return s;
  }
  switch (spec) {
    case 'string':
    case 'integer':
    case 'boolean':
    case 'number':
      return spec === 'integer' ? { type: 'integer', format: 'int64' } : { type: spec };
    case 'date-time':
      return { type: 'string', format: 'date-time' };
    case 'map':
      return { type: 'object', additionalProperties: { type: 'string', default: '' } };
    case 'object':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    default:
      return { allOf: [{ $ref: `#/components/schemas/${defName(spec)}` }] };
  }
}

function definition(name: string, fields: Compact): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [field, raw] of Object.entries(fields)) {
    const spec = raw.startsWith('!') ? raw.slice(1) : raw;
    if (raw.startsWith('!')) required.push(field);
    properties[field] = schemaOf(spec);
  }
  const s: Schema = { type: 'object', properties };
  if (required.length > 0) s.required = required;
  if (KINDS.has(name))
    s['x-kubernetes-group-version-kind'] = [{ group: '', kind: name, version: 'v1' }];
  return s;
}

function listDefinition(kind: string): Schema {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [{ $ref: `#/components/schemas/${META}ListMeta` }] },
      items: {
        type: 'array',
        items: { allOf: [{ $ref: `#/components/schemas/${PREFIX}${kind}` }] },
      },
    },
    'x-kubernetes-group-version-kind': [{ group: '', kind: `${kind}List`, version: 'v1' }],
  };
}

const q = (name: string, description: string, type = 'string'): Schema => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});
const PATH_NAME: Schema = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'name of the object',
  schema: { type: 'string', uniqueItems: true },
};
const PATH_NS: Schema = {
  name: 'namespace',
  in: 'path',
  required: true,
  description: 'object name and auth scope, such as for teams and projects',
  schema: { type: 'string', uniqueItems: true },
};
const LIST_PARAMS = [
  q('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  q('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
  q(
    'resourceVersion',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  q('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  q(
    'watch',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
    'boolean',
  ),
];
const WRITE_PARAMS = [
  q('dryRun', 'When present, indicates that modifications should not be persisted.'),
  q(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  q(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict.',
  ),
];

function ref(kind: string): Schema {
  return { $ref: `#/components/schemas/${PREFIX}${kind}` };
}

function op(
  r: ResourceInfo,
  action: string,
  verb: string,
  schema: Schema,
  params: Schema[],
  body?: string[],
): Schema {
  const o: Schema = {
    description: `${action} ${r.kind}`,
    operationId: `${action}CoreV1${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
    parameters: params,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
    'x-kubernetes-action': verb,
    'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: r.kind },
  };
  if (body !== undefined)
    o.requestBody = {
      content: Object.fromEntries(
        body.map((t) => [t, { schema: t.includes('patch') ? { type: 'object' } : schema }]),
      ),
      required: true,
    };
  return o;
}

function paths(): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const r of CORE_V1) {
    const base = r.namespaced ? `/api/v1/namespaces/{namespace}/${r.name}` : `/api/v1/${r.name}`;
    const scope = r.namespaced ? [PATH_NS] : [];
    const list: Schema = { $ref: `#/components/schemas/${PREFIX}${r.kind}List` };
    const collection: Schema = { parameters: scope };
    if (r.verbs.includes('list')) collection.get = op(r, 'list', 'list', list, LIST_PARAMS);
    if (r.verbs.includes('create'))
      collection.post = op(r, 'create', 'post', ref(r.kind), WRITE_PARAMS, [
        'application/json',
        'application/yaml',
      ]);
    out[base] = collection;
    const item: Schema = { parameters: [PATH_NAME, ...scope] };
    if (r.verbs.includes('get')) item.get = op(r, 'read', 'get', ref(r.kind), []);
    if (r.verbs.includes('delete'))
      item.delete = op(r, 'delete', 'delete', ref(r.kind), [
        q(
          'gracePeriodSeconds',
          'The duration in seconds before the object should be deleted.',
          'integer',
        ),
        q('propagationPolicy', 'Whether and how garbage collection will be performed.'),
      ]);
    if (r.verbs.includes('patch'))
      item.patch = op(r, 'patch', 'patch', ref(r.kind), WRITE_PARAMS, [
        'application/json-patch+json',
        'application/merge-patch+json',
      ]);
    out[`${base}/{name}`] = item;
    if (r.namespaced && r.verbs.includes('list'))
      out[`/api/v1/${r.name}`] = {
        get: {
          ...op(r, 'list', 'list', list, LIST_PARAMS),
          operationId: `listCoreV1${r.kind}ForAllNamespaces`,
        },
      };
  }
  return out;
}

let coreV1: { doc: unknown; hash: string } | undefined;

/** `/openapi/v3/api/v1`, made once. */
export function openApiV3CoreV1(): unknown {
  return coreV1Doc().doc;
}

function coreV1Doc(): { doc: unknown; hash: string } {
  if (coreV1 !== undefined) return coreV1;
  const schemas: Record<string, Schema> = {};
  for (const [name, fields] of Object.entries(TYPES))
    schemas[defName(name)] = definition(name, fields);
  for (const kind of KINDS) schemas[`${PREFIX}${kind}List`] = listDefinition(kind);
  const doc = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
    paths: paths(),
    components: { schemas },
  };
  const hash = createHash('sha512')
    .update(JSON.stringify(doc))
    .digest('hex')
    .slice(0, 128)
    .toUpperCase();
  return (coreV1 = { doc, hash });
}

/** `/openapi/v3`: where each group-version's document is (its hash lets kubectl cache it). */
export function openApiV3Root(): unknown {
  return {
    paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${coreV1Doc().hash}` } },
  };
}
