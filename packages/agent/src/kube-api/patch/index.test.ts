import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiObject } from '../objects.js';
import { KubeApiError } from '../status.js';
import { applyObject, patchedResourceVersion, patchObject } from './index.js';
import { canonical, kubectlPatch, type PatchKind } from './test-kubectl-oracle.js';

const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JSONP = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const body = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function deployment(image: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image,
              ports: [{ containerPort: 80 }, { containerPort: 443 }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
          ],
        },
      },
    },
    ...extra,
  };
}

// The live object: the last applied configuration, plus what the server added.
const lastApplied = deployment('nginx:1.25');
const live = structuredClone(lastApplied) as unknown as ApiObject;
live.metadata.uid = '1f2e3d4c-0000-4000-a000-000000000001';
live.metadata.resourceVersion = '41';
live.metadata.annotations = { [LAST_APPLIED]: `${JSON.stringify(lastApplied)}\n` };
const liveContainer = (
  live.spec as { template: { spec: { containers: Record<string, unknown>[] } } }
).template.spec.containers[0] as Record<string, unknown>;
liveContainer.imagePullPolicy = 'IfNotPresent';
liveContainer.terminationMessagePath = '/dev/termination-log';
live.status = { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] };

// The edited manifest: image changed, a container added, env B, port 443 and label tier gone.
const edited = deployment('nginx:1.27');
const editedMeta = edited.metadata as { labels: Record<string, string> };
delete editedMeta.labels.tier;
const editedContainers = (
  edited.spec as { template: { spec: { containers: Record<string, unknown>[] } } }
).template.spec.containers;
editedContainers[0] = {
  name: 'web',
  image: 'nginx:1.27',
  ports: [{ containerPort: 80 }],
  env: [{ name: 'A', value: '1' }],
};
editedContainers.push({ name: 'sidecar', image: 'busybox', command: ['sleep', 'infinity'] });

// What kubectl apply sends (patcher.go: CreateThreeWayMergePatch(last-applied, edited, live)
// with $setElementOrder for the lists it changed), written out by hand.
const kubectlApplyPatch = {
  metadata: {
    annotations: { [LAST_APPLIED]: `${JSON.stringify(edited)}\n` },
    labels: { tier: null },
  },
  spec: {
    template: {
      spec: {
        '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
        containers: [
          {
            '$setElementOrder/env': [{ name: 'A' }],
            '$setElementOrder/ports': [{ containerPort: 80 }],
            env: [{ $patch: 'delete', name: 'B' }],
            image: 'nginx:1.27',
            name: 'web',
            ports: [{ $patch: 'delete', containerPort: 443 }],
          },
          { command: ['sleep', 'infinity'], image: 'busybox', name: 'sidecar' },
        ],
      },
    },
  },
};

test("kubectl apply's client-side patch of an edited Deployment gives the edited object", () => {
  const before = canonical(live);
  const got = patchObject(SMP, live, body(kubectlApplyPatch), 'Deployment') as typeof live;
  assert.equal(canonical(live), before, 'the live object is untouched');
  const spec = got.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
  assert.deepEqual(spec.template.spec.containers, [
    {
      name: 'web',
      image: 'nginx:1.27',
      ports: [{ containerPort: 80 }],
      env: [{ name: 'A', value: '1' }],
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    },
    { name: 'sidecar', image: 'busybox', command: ['sleep', 'infinity'] },
  ]);
  assert.deepEqual(got.metadata.labels, { app: 'web' });
  assert.equal(got.metadata.annotations?.[LAST_APPLIED], `${JSON.stringify(edited)}\n`);
  assert.deepEqual(got.status, live.status);
  assert.equal(patchedResourceVersion(got), '41');
});

test('the Deployment apply patch: the same result as kubectl patch --local', () => {
  const oracle = kubectlPatch(live, 'strategic', kubectlApplyPatch);
  assert.equal(oracle.error, undefined);
  assert.equal(
    canonical(patchObject(SMP, live, body(kubectlApplyPatch), 'Deployment')),
    canonical(oracle.object),
  );
});

const cm = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default', uid: 'u-1', resourceVersion: '7' },
  data: { a: '1', b: '2' },
} as unknown as ApiObject;

const ORACLE: { type: PatchKind; patch: unknown }[] = [
  { type: 'merge', patch: { data: { a: null, c: '3' }, metadata: { labels: { x: 'y' } } } },
  {
    type: 'json',
    patch: [
      { op: 'add', path: '/data/c', value: '3' },
      { op: 'remove', path: '/data/a' },
    ],
  },
  { type: 'json', patch: [{ op: 'replace', path: '/data/z', value: 'new' }] },
  {
    type: 'json',
    patch: [
      { op: 'add', path: '/metadata/labels', value: { 'a~/b': '1' } },
      { op: 'move', from: '/metadata/labels/a~0~1b', path: '/data/m' },
    ],
  },
  {
    type: 'json',
    patch: [
      { op: 'copy', from: '/data/b', path: '/data/c' },
      { op: 'test', path: '/data/c', value: '2' },
    ],
  },
  {
    type: 'json',
    patch: [
      { op: 'add', path: '/metadata/finalizers', value: ['x'] },
      { op: 'add', path: '/metadata/finalizers/-', value: 'y' },
      { op: 'add', path: '/metadata/finalizers/0', value: 'w' },
      { op: 'remove', path: '/metadata/finalizers/-1' },
    ],
  },
];

test('JSON merge and JSON patch: the same results as kubectl patch --local', () => {
  for (const o of ORACLE) {
    const oracle = kubectlPatch(cm, o.type, o.patch);
    assert.equal(oracle.error, undefined, JSON.stringify(o.patch));
    const ours = patchObject(o.type === 'merge' ? MERGE : JSONP, cm, body(o.patch), 'ConfigMap');
    assert.equal(canonical(ours), canonical(oracle.object), JSON.stringify(o.patch));
  }
});

const FAILS: {
  name: string;
  type: string;
  patch: unknown;
  code: number;
  reason?: string;
  message: string;
}[] = [
  {
    name: 'a failed test',
    type: JSONP,
    patch: [{ op: 'test', path: '/data/a', value: 'no' }],
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
  },
  {
    name: 'a missing path',
    type: JSONP,
    patch: [{ op: 'remove', path: '/data/zz' }],
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
  },
  {
    name: 'a missing parent',
    type: JSONP,
    patch: [{ op: 'add', path: '/nope/x', value: 1 }],
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
  },
  {
    name: 'an unknown op',
    type: JSONP,
    patch: [{ op: 'frob', path: '/data' }],
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
  },
  {
    name: 'JSON patch not a list',
    type: JSONP,
    patch: {},
    code: 400,
    reason: 'BadRequest',
    message:
      'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
  },
  {
    name: 'malformed JSON patch',
    type: JSONP,
    patch: '[{"op": }]',
    code: 400,
    reason: 'BadRequest',
    message: "error decoding patch: invalid character '}' looking for beginning of value",
  },
  {
    name: 'malformed merge patch',
    type: MERGE,
    patch: '{"a":',
    code: 400,
    reason: 'BadRequest',
    message: 'error decoding patch: unexpected end of JSON input',
  },
  {
    name: 'null merge patch',
    type: MERGE,
    patch: 'null',
    code: 400,
    reason: 'BadRequest',
    message: 'Invalid JSON Patch',
  },
  {
    name: 'a strategic patch that is a list',
    type: SMP,
    patch: '[]',
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
  },
  {
    name: 'malformed strategic patch',
    type: SMP,
    patch: '{x}',
    code: 400,
    reason: 'BadRequest',
    message: "invalid character 'x' looking for beginning of object key string",
  },
  {
    name: 'a renaming patch',
    type: MERGE,
    patch: { metadata: { name: 'other' } },
    code: 400,
    reason: 'BadRequest',
    message: 'the name of the object (other) does not match the name on the URL (cfg)',
  },
  {
    name: 'a name removed',
    type: JSONP,
    patch: [{ op: 'remove', path: '/metadata/name' }],
    code: 400,
    reason: 'BadRequest',
    message: 'the name of the object (cfg based on URL) was undeterminable: name must be provided',
  },
  {
    name: 'another namespace',
    type: SMP,
    patch: { metadata: { namespace: 'kube-system' } },
    code: 400,
    reason: 'BadRequest',
    message:
      'the namespace of the provided object does not match the namespace sent on the request',
  },
  {
    name: 'another uid',
    type: SMP,
    patch: { metadata: { uid: 'u-2' } },
    code: 422,
    reason: 'Invalid',
    message: 'ConfigMap "cfg" is invalid: metadata.uid: Invalid value: "u-2": field is immutable',
  },
  {
    name: 'another kind',
    type: MERGE,
    patch: { kind: 'Secret' },
    code: 422,
    reason: 'Invalid',
    message: 'ConfigMap "cfg" is invalid: kind: Invalid value: "Secret": field is immutable',
  },
  {
    name: 'another content type',
    type: 'application/json',
    patch: {},
    code: 415,
    reason: 'UnsupportedMediaType',
    message:
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
  },
  {
    name: 'apply without fieldManager',
    type: APPLY,
    patch: 'apiVersion: v1\nkind: ConfigMap\n',
    code: 422,
    reason: 'Invalid',
    message:
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  },
];

for (const f of FAILS) {
  test(`patchObject refuses ${f.name}`, () => {
    assert.throws(
      () => patchObject(f.type, cm, body(f.patch), 'ConfigMap'),
      (err: unknown) => {
        assert.ok(err instanceof KubeApiError);
        assert.equal(err.status.code, f.code);
        assert.equal(err.status.reason, f.reason);
        assert.equal(err.status.message, f.message);
        return true;
      },
    );
  });
}

test('removing namespace, uid, kind or apiVersion gets them back', () => {
  const patch = [
    { op: 'remove', path: '/metadata/namespace' },
    { op: 'remove', path: '/metadata/uid' },
    { op: 'remove', path: '/kind' },
    { op: 'remove', path: '/apiVersion' },
  ];
  assert.equal(canonical(patchObject(JSONP, cm, body(patch), 'ConfigMap')), canonical(cm));
});

test('a content type with parameters is read by its media type; force only for apply', () => {
  const got = patchObject(`${MERGE}; charset=utf-8`, cm, body({ data: { a: '9' } }), 'ConfigMap');
  assert.deepEqual(got.data, { a: '9', b: '2' });
  assert.throws(
    () => patchObject(MERGE, cm, body({}), 'ConfigMap', { force: true }),
    (e: unknown) =>
      e instanceof KubeApiError &&
      e.status.code === 422 &&
      /force: Forbidden/.test(e.status.message ?? ''),
  );
});

test('server-side apply: merged into the live object (omitted fields kept); absent: created', () => {
  const yaml =
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {a: b}\ndata:\n  b: "3"\n  c: "4"\n';
  const got = patchObject(APPLY, cm, body(yaml), 'ConfigMap', {
    fieldManager: 'kubectl',
    force: true,
  });
  assert.deepEqual(got.data, { a: '1', b: '3', c: '4' });
  assert.deepEqual((got.metadata as { labels: unknown }).labels, { a: 'b' });
  const created = applyObject(undefined, body(yaml), 'ConfigMap', { fieldManager: 'kubectl' });
  assert.equal(created.created, true);
  assert.deepEqual(created.object.data, { b: '3', c: '4' });
  assert.throws(
    () =>
      applyObject(cm, body('apiVersion: apps/v1\nkind: ConfigMap\n'), 'ConfigMap', {
        fieldManager: 'm',
      }),
    (e: unknown) =>
      e instanceof KubeApiError &&
      e.status.message ===
        'Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: v1',
  );
  assert.throws(
    () => applyObject(cm, body('a: [\n'), 'ConfigMap', { fieldManager: 'm' }),
    (e: unknown) =>
      e instanceof KubeApiError &&
      e.status.code === 400 &&
      /^error decoding YAML: /.test(e.status.message ?? ''),
  );
});

// Random objects and random patches of every type: only KubeApiError, inputs never modified.
test('fuzz: any patch either applies or fails with a KubeApiError, inputs untouched', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const keys = [
    'a',
    'b',
    'name',
    'containers',
    'env',
    '$patch',
    '$retainKeys',
    '$setElementOrder/containers',
    '$deleteFromPrimitiveList/finalizers',
    'finalizers',
    '__proto__',
    'metadata',
    'spec',
    '0',
    '-',
  ];
  const scalars = [null, true, 1, 1.5, '', 'x', 'delete', 'replace', 'merge'];
  const value = (depth: number): unknown => {
    const r = rnd(depth > 3 ? 1 : 4);
    if (r === 0) return scalars[rnd(scalars.length)];
    if (r === 1) return Array.from({ length: rnd(4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = rnd(4); i > 0; i--)
      Object.defineProperty(o, keys[rnd(keys.length)] ?? 'a', {
        value: value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return o;
  };
  const pointer = (): string =>
    Array.from({ length: 1 + rnd(3) }, () => keys[rnd(keys.length)])
      .map((k) => `/${String(k)}`)
      .join('');
  const ops = ['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'];
  for (let i = 0; i < 3000; i++) {
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'u', finalizers: ['f'] },
      spec: value(0),
    } as unknown as ApiObject;
    const type = [SMP, MERGE, JSONP, APPLY][rnd(4)] ?? SMP;
    let patch: unknown;
    if (type === JSONP)
      patch = Array.from({ length: rnd(4) }, () => ({
        op: ops[rnd(ops.length)],
        path: pointer(),
        from: pointer(),
        value: value(1),
      }));
    else patch = { spec: value(0), metadata: rnd(2) === 0 ? value(1) : { name: 'p' } };
    const raw =
      type === APPLY
        ? JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...(patch as object) })
        : JSON.stringify(patch);
    const before = JSON.stringify(obj);
    try {
      const out = patchObject(type, obj, Buffer.from(raw), 'Pod', { fieldManager: 'f' });
      assert.equal(Object.getPrototypeOf(out), Object.prototype);
    } catch (err) {
      if (!(err instanceof KubeApiError))
        throw new Error(`${type} ${raw} on ${before}`, { cause: err });
    }
    assert.equal(JSON.stringify(obj), before, 'the object is untouched');
  }
});
