/**
 * OpenAPI v3 for what this API serves, one document per group-version, generated from the
 * resource table and the compact schemas of openapi-types.ts instead of the upstream
 * megabytes. kubectl reads it for two things: whether a kind's PATCH takes `fieldValidation`
 * (then `kubectl apply/create` validates on the server, with Strict, and needs no
 * `/openapi/v2`), and `kubectl explain`. It computes a client-side apply's strategic-merge
 * patch from its own built-in types, not from these schemas (see PATCH_TYPES).
 */
import { createHash } from 'node:crypto';
import { KUBE_VERSION } from './discovery.js';
import { GROUP_OF, TYPES, type Compact } from './openapi-types.js';
import { GROUPS, RESOURCES, groupVersion, type Group, type ResourceInfo } from './resources.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const META_TYPES = new Set(['ObjectMeta', 'OwnerReference', 'ListMeta']);
/** Kinds served, by name: their definitions carry x-kubernetes-group-version-kind. */
const KINDS = new Map(RESOURCES.map((r) => [r.kind, r]));

function groupPrefix(group: Group): string {
  return `io.k8s.api.${group === '' ? 'core' : group}.v1.`;
}

function defName(t: string): string {
  return META_TYPES.has(t) ? META + t : groupPrefix(GROUP_OF[t] ?? '') + t;
}

type Schema = Record<string, unknown>;

function schemaOf(full: string): Schema {
  const [spec = '', strategy] = full.split('|');
  if (spec.startsWith('[]')) {
    const [item = 'object', key] = spec.slice(2).split('@');
    const s: Schema = { type: 'array', items: schemaOf(item) };
    if (key !== undefined) {
      s['x-kubernetes-patch-merge-key'] = key;
      s['x-kubernetes-patch-strategy'] = strategy === 'retainKeys' ? 'merge,retainKeys' : 'merge';
      s['x-kubernetes-list-type'] = 'map';
      s['x-kubernetes-list-map-keys'] = [key];
    } else if (strategy === 'merge') {
      s['x-kubernetes-patch-strategy'] = 'merge';
      s['x-kubernetes-list-type'] = 'set';
    }
    return s;
  }
  if (strategy === 'retainKeys')
    return { ...schemaOf(spec), 'x-kubernetes-patch-strategy': 'retainKeys' };
  switch (spec) {
    case 'string':
    case 'integer':
    case 'boolean':
    case 'number':
      return spec === 'integer' ? { type: 'integer', format: 'int64' } : { type: spec };
    case 'date-time':
      return { type: 'string', format: 'date-time' };
    case 'int-or-string':
      return { 'x-kubernetes-int-or-string': true };
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
  const served = KINDS.get(name);
  if (served !== undefined)
    s['x-kubernetes-group-version-kind'] = [{ group: served.group, kind: name, version: 'v1' }];
  return s;
}

function listDefinition(r: ResourceInfo): Schema {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [{ $ref: `#/components/schemas/${META}ListMeta` }] },
      items: {
        type: 'array',
        items: { allOf: [{ $ref: `#/components/schemas/${defName(r.kind)}` }] },
      },
    },
    'x-kubernetes-group-version-kind': [{ group: r.group, kind: `${r.kind}List`, version: 'v1' }],
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

/**
 * The PATCH bodies advertised. Strategic merge and apply are served too but not listed: a
 * kind whose PATCH lists strategic merge has kubectl compute its patches from these schemas
 * (a subset: it then warns and falls back); unlisted, kubectl uses its own built-in types,
 * which are complete.
 */
export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json'];

function ref(kind: string): Schema {
  return { $ref: `#/components/schemas/${defName(kind)}` };
}

function operationGroup(r: ResourceInfo): string {
  return r.group === '' ? 'CoreV1' : `${r.group[0]?.toUpperCase() ?? ''}${r.group.slice(1)}V1`;
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
    operationId: `${action}${operationGroup(r)}${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
    parameters: params,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
    'x-kubernetes-action': verb,
    'x-kubernetes-group-version-kind': { group: r.group, version: 'v1', kind: r.kind },
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

function paths(group: Group): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const root = group === '' ? '/api/v1' : `/apis/${group}/v1`;
  for (const r of RESOURCES) {
    if (r.group !== group) continue;
    const base = r.namespaced ? `${root}/namespaces/{namespace}/${r.name}` : `${root}/${r.name}`;
    const scope = r.namespaced ? [PATH_NS] : [];
    const list: Schema = { $ref: `#/components/schemas/${defName(r.kind)}List` };
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
    if (r.verbs.includes('update'))
      item.put = op(r, 'replace', 'put', ref(r.kind), WRITE_PARAMS, [
        'application/json',
        'application/yaml',
      ]);
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
      item.patch = op(r, 'patch', 'patch', ref(r.kind), WRITE_PARAMS, PATCH_TYPES);
    out[`${base}/{name}`] = item;
    if (r.namespaced && r.verbs.includes('list'))
      out[`${root}/${r.name}`] = {
        get: {
          ...op(r, 'list', 'list', list, LIST_PARAMS),
          operationId: `list${operationGroup(r)}${r.kind}ForAllNamespaces`,
        },
      };
  }
  return out;
}

const docs = new Map<Group, { doc: unknown; hash: string }>();

/** `/openapi/v3/api/v1` or `/openapi/v3/apis/GROUP/v1`, each made once. */
export function openApiV3(group: Group): unknown {
  return groupDoc(group).doc;
}

function groupDoc(group: Group): { doc: unknown; hash: string } {
  const made = docs.get(group);
  if (made !== undefined) return made;
  // Every definition goes in each document (the apps and batch kinds hold core/v1 types).
  const schemas: Record<string, Schema> = {};
  for (const [name, fields] of Object.entries(TYPES))
    schemas[defName(name)] = definition(name, fields);
  for (const r of RESOURCES) schemas[`${defName(r.kind)}List`] = listDefinition(r);
  const doc = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
    paths: paths(group),
    components: { schemas },
  };
  const hash = createHash('sha512')
    .update(JSON.stringify(doc))
    .digest('hex')
    .slice(0, 128)
    .toUpperCase();
  const out = { doc, hash };
  docs.set(group, out);
  return out;
}

/** `/openapi/v3`: where each group-version's document is (its hash lets kubectl cache it). */
export function openApiV3Root(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of ['', ...GROUPS] as Group[]) {
    const at = g === '' ? 'api/v1' : `apis/${groupVersion(g)}`;
    paths[at] = { serverRelativeURL: `/openapi/v3/${at}?hash=${groupDoc(g).hash}` };
  }
  return { paths };
}
