import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type {
  Deployment,
  Pod,
  PodRecord,
  ReplicaSetRecord,
  WorkloadKind,
  WorkloadRecord,
} from '@podkit/runtime';
import type { PodChange } from '@podkit/runtime/node';
import { WorkloadController, type WorkloadRuntime } from './workload-controller.js';
import { testDeployment, testPod } from './test-objects.js';

/**
 * An in-memory NodeRuntime: pods are records that run at once (Running, not Ready until the
 * test says so); a removal takes a few milliseconds (the pod is terminating meanwhile).
 */
class FakeRuntime implements WorkloadRuntime {
  readonly pods = new Map<string, PodRecord>();
  readonly workloads = new Map<string, WorkloadRecord>();
  readonly events = new EventEmitter();
  created = 0;
  failCreates = 0;
  #seq = 0;

  subscribe(listener: (change: PodChange) => void): () => void {
    this.events.on('pod', listener);
    return () => this.events.off('pod', listener);
  }
  subscribeWorkloads(listener: () => void): () => void {
    this.events.on('workloads', listener);
    return () => this.events.off('workloads', listener);
  }
  list(): Promise<PodRecord[]> {
    return Promise.resolve([...this.pods.values()].map((p) => structuredClone(p)));
  }
  listWorkloads(): Promise<WorkloadRecord[]> {
    return Promise.resolve([...this.workloads.values()].map((w) => structuredClone(w)));
  }
  writeWorkload(record: WorkloadRecord): Promise<void> {
    const m = record.object.metadata;
    this.workloads.set(`${record.kind}/${m.namespace}/${m.name}`, structuredClone(record));
    this.events.emit('workloads');
    return Promise.resolve();
  }
  removeWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<boolean> {
    const had = this.workloads.delete(`${kind}/${namespace}/${name}`);
    if (had) this.events.emit('workloads');
    return Promise.resolve(had);
  }
  createOwnedPod(pod: Pod): Promise<PodRecord> {
    if (this.failCreates > 0) {
      this.failCreates--;
      return Promise.reject(new Error('admission failed'));
    }
    this.created++;
    const seconds = String(this.#seq++).padStart(2, '0');
    const r: PodRecord = {
      ...testPod(pod.metadata.name, { createdAt: `2026-01-01T00:00:${seconds}Z` }),
      pod: { ...pod, spec: { ...pod.spec } },
    };
    this.pods.set(r.uid, r);
    this.events.emit('pod', { type: 'changed', record: r });
    return Promise.resolve(r);
  }
  async remove(namespace: string, name: string): Promise<PodRecord> {
    const r = [...this.pods.values()].find((p) => p.name === name && p.namespace === namespace);
    if (r === undefined) throw new Error(`no pod ${name}`);
    r.deletionTimestamp = '2026-01-01T00:00:00Z';
    this.events.emit('pod', { type: 'changed', record: r });
    // A grace period: the pod lingers, terminating, for a few milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.pods.delete(r.uid);
    this.events.emit('pod', { type: 'removed', uid: r.uid, namespace, name });
    return r;
  }
  /** Marks every pod that is not terminating Ready (as its readiness probe would). */
  readyAll(): void {
    for (const r of this.pods.values()) {
      if (r.deletionTimestamp !== undefined) continue;
      if (r.status.conditions.some((c) => c.type === 'Ready')) continue;
      r.status.conditions.push({
        type: 'Ready',
        status: 'True',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      });
      this.events.emit('pod', { type: 'changed', record: r });
    }
  }
  live(): PodRecord[] {
    return [...this.pods.values()].filter((p) => p.deletionTimestamp === undefined);
  }
  async apply(d: Deployment): Promise<void> {
    const key = `Deployment/${d.metadata.namespace}/${d.metadata.name}`;
    const old = this.workloads.get(key);
    await this.writeWorkload({
      version: 1,
      kind: 'Deployment',
      uid: old?.uid ?? 'd-uid',
      createdAt: '2026-01-01T00:00:00Z',
      source: 'd.yaml',
      object: d,
    });
  }
}

async function start(rt: FakeRuntime): Promise<WorkloadController> {
  const c = new WorkloadController({ runtime: rt, log: () => undefined, retryBaseMs: 20 });
  await c.start();
  return c;
}

/** Lets the controller's loop and the fake's removals run until nothing moves. */
async function settle(c: WorkloadController): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await c.settled();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await c.settled();
}

/** Resolves once `done()` holds, checked at every pod change; fails after 5 s. */
function podsUntil(rt: FakeRuntime, done: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      rt.events.off('pod', check);
      resolve();
    };
    const timer = setTimeout(() => {
      rt.events.off('pod', check);
      reject(new Error('timed out'));
    }, 5000);
    rt.events.on('pod', check);
    check();
  });
}

const hashOf = (p: PodRecord) => p.pod.metadata.labels['pod-template-hash'];

describe('WorkloadController (in-memory runtime)', () => {
  it('a Deployment gets one ReplicaSet and its 3 owned pods; a removed pod is replaced', async () => {
    const rt = new FakeRuntime();
    await using c = await start(rt);
    await rt.apply(testDeployment('web', 3));
    await settle(c);
    const rs = [...rt.workloads.values()].filter((w) => w.kind === 'ReplicaSet');
    assert.equal(rs.length, 1);
    assert.equal(rt.live().length, 3);
    const victim = rt.live()[0];
    assert.ok(victim !== undefined);
    await rt.remove('default', victim.name);
    await settle(c);
    assert.equal(rt.live().length, 3);
    assert.equal(rt.created, 4);
    assert.ok(!rt.live().some((p) => p.name === victim.name));
  });

  it('a template change rolls out: never more than 4 pods, never fewer than 3 Ready', async () => {
    const rt = new FakeRuntime();
    await using c = await start(rt);
    await rt.apply(testDeployment('web', 3));
    await settle(c);
    rt.readyAll();
    await settle(c);
    const first = hashOf(rt.live()[0] ?? testPod('x'));
    const edited = testDeployment('web', 3);
    const container = edited.spec.template.spec.containers[0];
    assert.ok(container?.env[0] !== undefined);
    container.env[0].value = '2';
    await rt.apply(edited);
    for (let step = 0; step < 20; step++) {
      await settle(c);
      const live = rt.live();
      assert.ok(live.length <= 4, `${live.length} pods`);
      const ready = live.filter((p) => p.status.conditions.some((x) => x.type === 'Ready'));
      assert.ok(ready.length >= 3, `${ready.length} ready`);
      if (live.length === 3 && live.every((p) => hashOf(p) !== first) && ready.length === 3) break;
      rt.readyAll();
    }
    await podsUntil(rt, () => rt.pods.size === 3);
    await settle(c);
    const live = rt.live();
    assert.equal(live.length, 3);
    assert.ok(live.every((p) => hashOf(p) !== first));
    const view = (await c.views()).find((v) => v.record.kind === 'Deployment');
    assert.equal(view?.status.complete, true);
    // The old ReplicaSet stays, scaled to 0 (history).
    const sets = [...rt.workloads.values()].filter(
      (w): w is ReplicaSetRecord => w.kind === 'ReplicaSet',
    );
    assert.deepEqual(sets.map((s) => s.object.spec.replicas).sort(), [0, 3]);
  });

  it('Recreate: the old pods go before any new one is created', async () => {
    const rt = new FakeRuntime();
    await using c = await start(rt);
    await rt.apply(testDeployment('web', 2, ['strategy: {type: Recreate}']));
    await settle(c);
    const first = hashOf(rt.live()[0] ?? testPod('x'));
    const seen: number[] = [];
    // When a new pod appears, no old one may exist, not even a terminating one.
    rt.subscribe(() => {
      const all = [...rt.pods.values()];
      if (all.some((p) => hashOf(p) !== first))
        seen.push(all.filter((p) => hashOf(p) === first).length);
    });
    const edited = testDeployment('web', 2, ['strategy: {type: Recreate}']);
    edited.spec.template.metadata.labels.extra = 'x';
    edited.spec.selector.matchLabels = { app: 'web' };
    await rt.apply(edited);
    await podsUntil(
      rt,
      () => rt.live().length === 2 && rt.live().every((p) => hashOf(p) !== first),
    );
    await settle(c);
    assert.equal(rt.pods.size, 2);
    assert.ok(seen.length > 0 && seen.every((n) => n === 0), JSON.stringify(seen));
  });

  it('scale down removes not-Ready pods first; deleting the Deployment deletes its ReplicaSets and pods', async () => {
    const rt = new FakeRuntime();
    await using c = await start(rt);
    await rt.apply(testDeployment('web', 2));
    await settle(c);
    rt.readyAll();
    await rt.apply(testDeployment('web', 3));
    await settle(c);
    const notReady = rt.live().filter((p) => p.status.conditions.length === 0);
    assert.equal(notReady.length, 1);
    await rt.apply(testDeployment('web', 2));
    await settle(c);
    assert.equal(rt.live().length, 2);
    assert.ok(!rt.live().some((p) => p.name === notReady[0]?.name));
    assert.equal(await c.remove('Deployment', 'default', 'web', 5000), 'removed');
    assert.equal(rt.workloads.size, 0);
    assert.equal(rt.pods.size, 0);
    assert.equal(await c.remove('Deployment', 'default', 'web', 10), 'none');
  });

  it("a file's ReplicaSet: its count kept, an ended pod replaced, its pods deleted with it", async () => {
    const rt = new FakeRuntime();
    await using c = await start(rt);
    const d = testDeployment('rs', 2);
    await rt.writeWorkload({
      version: 1,
      kind: 'ReplicaSet',
      uid: 'rs-uid',
      createdAt: '2026-01-01T00:00:00Z',
      source: 'rs.yaml',
      object: { ...d, kind: 'ReplicaSet', spec: { ...d.spec, minReadySeconds: 0 } },
    });
    await settle(c);
    assert.equal(rt.live().length, 2);
    assert.ok(
      rt.live().every((p) => p.name.startsWith('rs-') && p.name.length === 'rs-'.length + 5),
    );
    const ended = rt.live()[0];
    assert.ok(ended !== undefined);
    ended.status.phase = 'Failed';
    rt.events.emit('pod', { type: 'changed', record: ended });
    await settle(c);
    await podsUntil(rt, () => !rt.pods.has(ended.uid));
    await settle(c);
    assert.equal(rt.live().filter((p) => p.status.phase === 'Running').length, 2);
    assert.equal(rt.created, 3);
    assert.equal(await c.remove('ReplicaSet', 'default', 'rs', 5000), 'removed');
    assert.equal(rt.pods.size, 0);
  });

  it('a failed creation is retried after a delay, not in a tight loop', async () => {
    const rt = new FakeRuntime();
    rt.failCreates = 2;
    await using c = await start(rt);
    await rt.apply(testDeployment('web', 1));
    await settle(c);
    assert.equal(rt.live().length, 0);
    // Retried by its timer (20 ms, then 40 ms): the pod comes without any other change.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('no pod created within 5 s'));
      }, 5000);
      rt.events.once('pod', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await settle(c);
    assert.equal(rt.live().length, 1);
    assert.equal(rt.created, 1);
  });
});
