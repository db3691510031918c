import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError } from '../status.js';
import type { Json, JsonObject } from './go-json.js';
import { applyJsonPatch, type JsonPatchOperation } from './json-patch.js';
import { jsonMergePatch } from './json-merge.js';
import { canonical, kubectlPatch } from './test-kubectl-oracle.js';

/**
 * Differential test: random JSON patches and merge patches on a ConfigMap-shaped object,
 * here and through kubectl patch --local (evanphx/json-patch, as the API server).
 */

const RUNS = Number(process.env.PODKIT_PATCH_ORACLE_RUNS ?? 150);
let seed = Number(process.env.PODKIT_PATCH_ORACLE_SEED ?? 777);
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;

const KEYS = ['a', 'b', 'c', 'a~1b', 'x~0'];
const POINTERS = [
  '/data/a',
  '/data/b',
  '/data/zz',
  '/data/a~1b',
  '/data',
  '/metadata/labels',
  '/metadata/labels/l',
  '/metadata/finalizers',
  '/metadata/finalizers/0',
  '/metadata/finalizers/1',
  '/metadata/finalizers/-',
  '/metadata/finalizers/-1',
  '/metadata/finalizers/5',
  '/metadata/annotations/q',
  '/nope/x',
  '',
  '/',
];
const VALUES: Json[] = [
  '1',
  '2',
  'v',
  null,
  ['f'],
  { l: 'v' },
  { a: '1' },
  { a: '1', b: '1' },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' } },
];

function object(): JsonObject {
  const data: JsonObject = {};
  for (const k of KEYS)
    if (rnd(2) === 0) data[k.replace('~1', '/').replace('~0', '~')] = pick(['1', '2']);
  const meta: JsonObject = { name: 'cfg', namespace: 'default' };
  if (rnd(2) === 0) meta.finalizers = ['f1', 'f2'];
  if (rnd(2) === 0) meta.labels = { l: 'v' };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data };
}

function ops(): Record<string, Json>[] {
  return Array.from({ length: 1 + rnd(3) }, () => {
    const op: Record<string, Json> = {
      op: pick(['add', 'remove', 'replace', 'move', 'copy', 'test']),
      path: pick(POINTERS),
    };
    if (op.op === 'move' || op.op === 'copy') op.from = pick(POINTERS);
    if (op.op !== 'remove' && op.op !== 'move' && op.op !== 'copy') op.value = pick(VALUES);
    return op;
  });
}

function decoded(list: Record<string, Json>[]): JsonPatchOperation[] {
  return list.map((o) => {
    const op: JsonPatchOperation = { hasValue: 'value' in o };
    if (typeof o.op === 'string') op.op = o.op;
    if (typeof o.path === 'string') op.path = o.path;
    if (typeof o.from === 'string') op.from = o.from;
    if (op.hasValue) op.value = o.value as Json;
    return op;
  });
}

function mergePatch(): JsonObject {
  const data: JsonObject = {};
  for (const k of KEYS) if (rnd(3) === 0) data[k] = pick([null, 'n']);
  const p: JsonObject = { data: rnd(6) === 0 ? null : data };
  if (rnd(2) === 0) p.metadata = { labels: pick([null, { l: null, m: 'x' }, { l: 'y' }]) };
  return p;
}

test('JSON patch and JSON merge patch agree with kubectl patch --local', () => {
  let applied = 0;
  for (let i = 0; i < RUNS; i++) {
    const doc = object();
    const json = rnd(3) !== 0;
    const patch = json ? ops() : mergePatch();
    const oracle = kubectlPatch(doc, json ? 'json' : 'merge', patch);
    let ours: unknown;
    let err: unknown;
    try {
      ours = json
        ? applyJsonPatch(doc, decoded(patch as Record<string, Json>[]))
        : jsonMergePatch(doc, patch);
    } catch (e) {
      err = e;
    }
    const context = `doc ${JSON.stringify(doc)}\npatch ${JSON.stringify(patch)}\nkubectl ${oracle.error ?? canonical(oracle.object)}\nours ${err === undefined ? canonical(ours) : err instanceof Error ? err.message : 'a non-Error'}`;
    if (oracle.error !== undefined) {
      // kubectl also refuses results it cannot decode as a ConfigMap (e.g. data: ["f"]).
      if (err === undefined) continue;
      assert.ok(err instanceof KubeApiError, context);
    } else {
      assert.equal(err, undefined, context);
      assert.equal(canonical(ours), canonical(oracle.object), context);
      applied++;
    }
  }
  assert.ok(applied > RUNS / 4, `applied ${String(applied)}`);
});
