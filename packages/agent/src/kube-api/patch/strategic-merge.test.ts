import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError } from '../status.js';
import type { JsonObject } from './go-json.js';
import { kindSchema } from './schema.js';
import { strategicMerge } from './strategic-merge.js';
import { canonical, kubectlPatch } from './test-kubectl-oracle.js';

const pod = (spec: JsonObject, meta: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', ...meta },
  spec,
});

const c = (name: string, extra: JsonObject = {}): JsonObject => ({ name, image: 'img', ...extra });

interface Case {
  name: string;
  original: JsonObject;
  patch: JsonObject;
  expected: JsonObject;
  kind?: string;
}

// Behaviours of upstream's strategicpatch test cases (patch_test.go), on real kinds.
const CASES: Case[] = [
  {
    name: 'map merge, null deletes, new keys added',
    original: pod({ containers: [c('a')] }, { labels: { a: '1', b: '2' } }),
    patch: { metadata: { labels: { a: null, c: '3' } } },
    expected: pod({ containers: [c('a')] }, { labels: { b: '2', c: '3' } }),
  },
  {
    name: 'merge list by name: item merged in place',
    original: pod({ containers: [c('a'), c('b')] }),
    patch: { spec: { containers: [{ name: 'b', image: 'new' }] } },
    expected: pod({ containers: [c('a'), c('b', { image: 'new' })] }),
  },
  {
    name: 'merge list: a new item comes first',
    original: pod({ containers: [c('a'), c('b')] }),
    patch: { spec: { containers: [c('z')] } },
    expected: pod({ containers: [c('z'), c('a'), c('b')] }),
  },
  {
    name: '$patch: delete removes an item by merge key',
    original: pod({
      containers: [
        c('a', {
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        }),
      ],
    }),
    patch: { spec: { containers: [{ name: 'a', env: [{ name: 'X', $patch: 'delete' }] }] } },
    expected: pod({ containers: [c('a', { env: [{ name: 'Y', value: '2' }] })] }),
  },
  {
    name: '$patch: replace on a list replaces it',
    original: pod({ containers: [c('a'), c('b')] }),
    patch: { spec: { containers: [c('c'), { $patch: 'replace' }] } },
    expected: pod({ containers: [c('c')] }),
  },
  {
    name: '$patch: replace on a map replaces it',
    original: pod({ containers: [c('a')], nodeSelector: { a: '1', b: '2' } }),
    patch: { spec: { nodeSelector: { c: '3', $patch: 'replace' } } },
    expected: pod({ containers: [c('a')], nodeSelector: { c: '3' } }),
  },
  {
    name: '$patch: delete on a map empties it',
    original: pod({ containers: [c('a')], nodeSelector: { a: '1' } }),
    patch: { spec: { nodeSelector: { $patch: 'delete' } } },
    expected: pod({ containers: [c('a')], nodeSelector: {} }),
  },
  {
    name: 'lists without a strategy are replaced (args, tolerations)',
    original: pod({
      containers: [c('a', { args: ['1', '2'] })],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    }),
    patch: {
      spec: {
        containers: [{ name: 'a', args: ['3'] }],
        tolerations: [{ key: 'j', operator: 'Exists' }],
      },
    },
    expected: pod({
      containers: [c('a', { args: ['3'] })],
      tolerations: [{ key: 'j', operator: 'Exists' }],
    }),
  },
  {
    name: 'finalizers merge as a set; $deleteFromPrimitiveList removes',
    original: pod({ containers: [c('a')] }, { finalizers: ['a', 'b'] }),
    patch: { metadata: { finalizers: ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] } },
    expected: pod({ containers: [c('a')] }, { finalizers: ['c', 'a'] }),
  },
  {
    name: '$setElementOrder orders a merged list',
    original: pod({ containers: [c('a'), c('b'), c('c')] }),
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }],
        containers: [{ name: 'a', image: 'new' }],
      },
    },
    expected: pod({ containers: [c('c'), c('a', { image: 'new' }), c('b')] }),
  },
  {
    name: '$retainKeys drops the keys not listed (volume source switched)',
    original: pod({ containers: [c('a')], volumes: [{ name: 'v', emptyDir: {} }] }),
    patch: {
      spec: {
        volumes: [{ name: 'v', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }],
      },
    },
    expected: pod({ containers: [c('a')], volumes: [{ name: 'v', hostPath: { path: '/x' } }] }),
  },
  {
    name: 'ports by containerPort, volumeMounts by mountPath, imagePullSecrets by name',
    original: pod({
      containers: [
        c('a', {
          ports: [{ containerPort: 80 }, { containerPort: 443 }],
          volumeMounts: [{ name: 'v', mountPath: '/a' }],
        }),
      ],
      imagePullSecrets: [{ name: 's1' }],
    }),
    patch: {
      spec: {
        containers: [
          {
            name: 'a',
            ports: [{ containerPort: 443, name: 'https' }],
            volumeMounts: [{ name: 'w', mountPath: '/a' }],
          },
        ],
        imagePullSecrets: [{ name: 's2' }],
      },
    },
    expected: pod({
      containers: [
        c('a', {
          ports: [{ containerPort: 80 }, { containerPort: 443, name: 'https' }],
          volumeMounts: [{ name: 'w', mountPath: '/a' }],
        }),
      ],
      imagePullSecrets: [{ name: 's2' }, { name: 's1' }],
    }),
  },
  {
    name: 'Service ports merge by port',
    kind: 'Service',
    original: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81 }] },
    },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    expected: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 81 }] },
    },
  },
  {
    name: 'Deployment strategy $retainKeys (Recreate drops rollingUpdate)',
    kind: 'Deployment',
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    expected: { spec: { strategy: { type: 'Recreate' } } },
  },
  {
    name: 'new values lose nulls and directive maps',
    original: pod({ containers: [c('a')] }),
    patch: {
      spec: { dnsConfig: { options: [{ name: 'ndots', value: null }], nameservers: null } },
    },
    expected: pod({ containers: [c('a')], dnsConfig: { options: [{ name: 'ndots' }] } }),
  },
];

for (const k of CASES) {
  test(`strategic merge: ${k.name}`, () => {
    const before = canonical([k.original, k.patch]);
    const got = strategicMerge(k.original, k.patch, kindSchema(k.kind ?? 'Pod'));
    assert.deepEqual(got, k.expected);
    assert.equal(canonical([k.original, k.patch]), before, 'inputs untouched');
  });
}

test('strategic merge: the same results as kubectl patch --local (upstream code)', () => {
  for (const k of CASES.filter((x) => x.kind === undefined || x.kind === 'Service')) {
    const oracle = kubectlPatch(k.original, 'strategic', k.patch);
    assert.equal(oracle.error, undefined, k.name);
    const ours = strategicMerge(k.original, k.patch, kindSchema(k.kind ?? 'Pod'));
    assert.equal(canonical(ours), canonical(oracle.object), k.name);
  }
});

const ERRORS: { name: string; patch: JsonObject; code: number; message: RegExp }[] = [
  {
    name: 'a merged item without its merge key',
    patch: { spec: { containers: [{ image: 'x' }] } },
    code: 500,
    message: /^map: map\[image:x\] does not contain declared merge key: name$/,
  },
  {
    name: 'retainKeys not a list',
    patch: { spec: { $retainKeys: 'x' } },
    code: 400,
    message: /^invalid patch format of retainKeys$/,
  },
  {
    name: 'a patched key missing from retainKeys',
    patch: { spec: { $retainKeys: ['a'], containers: [] } },
    code: 400,
    message: /^invalid patch format of retainKeys$/,
  },
  {
    name: 'an unknown $patch',
    patch: { spec: { $patch: 'bogus' } },
    code: 500,
    message: /^unknown patch type: bogus in map: map\[\$patch:bogus\]$/,
  },
  {
    name: '$patch: merge in a list',
    patch: { spec: { containers: [{ name: 'a', $patch: 'merge' }] } },
    code: 500,
    message: /^merging lists cannot yet be specified in the patch$/,
  },
  {
    name: 'a list of lists',
    patch: { metadata: { finalizers: [['x']] } },
    code: 422,
    message: /^the server rejected our request due to an error in our request$/,
  },
  {
    name: 'a bad $deleteFromPrimitiveList key',
    patch: { metadata: { $deleteFromPrimitiveList: ['x'] } },
    code: 400,
    message: /^invalid patch format of primitive list$/,
  },
  {
    name: 'setElementOrder not matching the patch',
    patch: {
      spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b' }] },
    },
    code: 500,
    message: /^The order in patch list:/,
  },
];

for (const e of ERRORS) {
  test(`strategic merge refuses ${e.name}`, () => {
    const original = pod({ containers: [c('a')] }, { finalizers: [] });
    assert.throws(
      () => strategicMerge(original, e.patch, 'Pod'),
      (err: unknown) =>
        err instanceof KubeApiError &&
        err.status.code === e.code &&
        e.message.test(err.status.message ?? ''),
    );
  });
}

test('strategic merge: errors kubectl (upstream) refuses too', () => {
  const original = pod({ containers: [c('a')] }, { finalizers: [] });
  for (const e of ERRORS)
    assert.notEqual(kubectlPatch(original, 'strategic', e.patch).error, undefined, e.name);
});
