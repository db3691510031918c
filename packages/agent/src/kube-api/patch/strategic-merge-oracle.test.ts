import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError } from '../status.js';
import type { Json, JsonObject } from './go-json.js';
import { strategicMerge } from './strategic-merge.js';
import { canonical, kubectlPatch } from './test-kubectl-oracle.js';

/**
 * Differential test: random Pods and random strategic patches built from the fields and
 * directives kubectl sends, applied here and by kubectl patch --local (upstream's code).
 * Both must agree on the result, or both refuse the patch.
 */

// PODKIT_PATCH_ORACLE_RUNS and PODKIT_PATCH_ORACLE_SEED widen the search when changing this code.
let seed = Number(process.env.PODKIT_PATCH_ORACLE_SEED ?? 4242);
const RUNS = Number(process.env.PODKIT_PATCH_ORACLE_RUNS ?? 150);
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
const subset = <T>(xs: readonly T[]): T[] => xs.filter(() => rnd(2) === 0);
const shuffle = <T>(xs: T[]): T[] => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
};

const NAMES = ['a', 'b', 'c'];
const ENVS = ['X', 'Y', 'Z'];
const PORTS = [80, 443, 8080];

function container(name: string): JsonObject {
  const c: JsonObject = { name, image: pick(['i1', 'i2']) };
  const env = subset(ENVS).map((e) => ({ name: e, value: pick(['1', '2']) }));
  if (env.length > 0) c.env = env;
  const ports = subset(PORTS).map((p) => ({ containerPort: p }));
  if (ports.length > 0) c.ports = ports;
  if (rnd(3) === 0) c.args = subset(['x', 'y']);
  return c;
}

function livePod(): JsonObject {
  const names = shuffle(subset(NAMES));
  const meta: JsonObject = { name: 'p', namespace: 'default' };
  const fin = subset(['f1', 'f2', 'f3']);
  if (fin.length > 0) meta.finalizers = fin;
  const labels = Object.fromEntries(subset(['l1', 'l2']).map((l) => [l, 'v']));
  if (Object.keys(labels).length > 0) meta.labels = labels;
  const spec: JsonObject = { containers: (names.length > 0 ? names : ['a']).map(container) };
  if (rnd(2) === 0) spec.volumes = [{ name: 'v', emptyDir: {} }];
  if (rnd(2) === 0) spec.tolerations = [{ key: 'k', operator: 'Exists' }];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

function containerPatch(name: string): JsonObject {
  const r = rnd(8);
  if (r === 0) return { name, $patch: 'delete' };
  const c: JsonObject = { name };
  if (rnd(2) === 0) c.image = pick(['i3', 'i4']);
  if (rnd(2) === 0) {
    const env: Json[] = subset(ENVS).map((e) =>
      rnd(3) === 0 ? { name: e, $patch: 'delete' } : { name: e, value: pick(['3', '4']) },
    );
    if (rnd(6) === 0) env.push({ $patch: 'replace' });
    c.env = env;
    if (rnd(3) === 0) c['$setElementOrder/env'] = shuffle([...ENVS]).map((e) => ({ name: e }));
  }
  if (rnd(3) === 0)
    c.ports = subset(PORTS).map((p) =>
      rnd(3) === 0
        ? { containerPort: p, $patch: 'delete' }
        : { containerPort: p, name: `p${String(p)}` },
    );
  if (rnd(4) === 0) c.args = rnd(2) === 0 ? null : ['z'];
  if (rnd(8) === 0) c.image = null;
  return c;
}

function randomPatch(): JsonObject {
  const patch: JsonObject = {};
  const meta: JsonObject = {};
  // Not both for one list without its $setElementOrder: upstream then applies them in Go's
  // random map order (kubectl patch --local gives either result).
  const finalizers = rnd(4);
  if (finalizers < 2) meta.finalizers = subset(['f1', 'f4']);
  else if (finalizers === 2)
    meta['$deleteFromPrimitiveList/finalizers'] = subset(['f1', 'f2', 'f3']);
  if (rnd(2) === 0) meta.labels = { l1: rnd(2) === 0 ? null : 'w', l3: 'n' };
  if (Object.keys(meta).length > 0) patch.metadata = meta;
  const spec: JsonObject = {};
  if (rnd(4) !== 0) {
    const items: Json[] = shuffle(subset(NAMES)).map(containerPatch);
    if (rnd(8) === 0) items.push({ $patch: 'replace' });
    spec.containers = items;
  }
  if (rnd(3) === 0)
    spec['$setElementOrder/containers'] = shuffle([...NAMES]).map((n) => ({ name: n }));
  if (rnd(4) === 0)
    spec.volumes = [
      rnd(2) === 0
        ? { name: 'v', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }
        : { name: 'w', configMap: { name: 'cm' } },
    ];
  if (rnd(4) === 0) spec.tolerations = rnd(2) === 0 ? null : [{ key: 'j', operator: 'Exists' }];
  if (rnd(6) === 0) spec.nodeSelector = { $patch: pick(['replace', 'delete']), a: 'b' };
  if (Object.keys(spec).length > 0) patch.spec = spec;
  return patch;
}

/**
 * What the API server stores of a result: its typed decoding prints no nulls and no empty
 * lists or maps, and has no directive keys (unknown fields: dropped, or refused under
 * fieldValidation=Strict) — kubectl patch --local prints the untyped result, with them.
 */
function typed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(typed);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
      const t = typed(x);
      if (t === null || (Array.isArray(t) && t.length === 0)) continue;
      if (
        typeof t === 'object' &&
        !Array.isArray(t) &&
        Object.keys(t).length === 0 &&
        k !== 'emptyDir'
      )
        continue;
      out[k] = t;
    }
    return out;
  }
  return v;
}

test('strategic merge agrees with kubectl patch --local on random pods and patches', () => {
  let applied = 0;
  let refused = 0;
  for (let i = 0; i < RUNS; i++) {
    const live = livePod();
    const patch = randomPatch();
    const oracle = kubectlPatch(live, 'strategic', patch);
    let ours: unknown;
    let err: unknown;
    try {
      ours = strategicMerge(live, patch, 'Pod');
    } catch (e) {
      err = e;
    }
    const context = `live ${JSON.stringify(live)}\npatch ${JSON.stringify(patch)}\nkubectl ${oracle.error ?? canonical(oracle.object)}\nours ${err === undefined ? canonical(ours) : err instanceof Error ? err.message : 'a non-Error'}`;
    if (oracle.error !== undefined) {
      assert.ok(err instanceof KubeApiError, context);
      refused++;
    } else {
      assert.equal(err, undefined, context);
      assert.equal(canonical(typed(ours)), canonical(typed(oracle.object)), context);
      applied++;
    }
  }
  assert.ok(applied > RUNS / 3, `applied ${String(applied)}, refused ${String(refused)}`);
});
