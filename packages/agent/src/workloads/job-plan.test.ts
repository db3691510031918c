import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobSpec, JobStatus } from '@podkit/runtime';
import { parseManifests } from '@podkit/runtime/spec';
import { planJob, type JobPod } from './job-plan.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const BACKOFF = { baseMs: 10_000, capMs: 360_000 };

/** A Job's spec read from YAML (`extra` lines under `spec:`). */
function spec(extra: string[] = [], restartPolicy = 'Never'): JobSpec {
  const set = parseManifests(
    [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: j}',
      'spec:',
      ...extra.map((l) => `  ${l}`),
      '  template:',
      `    spec: {restartPolicy: ${restartPolicy}, containers: [{name: c, image: busybox}]}`,
    ].join('\n'),
    'j.yaml',
  );
  const job = set.jobs[0];
  if (job === undefined) throw new Error(JSON.stringify(set.diagnostics));
  return job.spec;
}

let seq = 0;
function pod(state: JobPod['state'], o: { index?: number; restarts?: number } = {}): JobPod {
  seq++;
  return {
    uid: `u${seq}`,
    name: `j-${seq}`,
    createdAt: new Date(T0 + seq).toISOString(),
    state,
    index: o.index,
    restarts: o.restarts ?? 0,
  };
}

describe('planJob: completions and parallelism', () => {
  it('a new Job: startTime set, parallelism pods created (no more than completions)', () => {
    const p = planJob(spec(['completions: 3', 'parallelism: 2']), undefined, [], T0, BACKOFF);
    assert.deepEqual(p.create, [undefined, undefined]);
    assert.equal(p.status.startTime, '2026-01-01T00:00:00.000Z');
    assert.equal(p.statusChanged, true);
    const one = planJob(spec(['completions: 1', 'parallelism: 5']), undefined, [], T0, BACKOFF);
    assert.equal(one.create.length, 1);
  });

  it('completions 3, parallelism 2: never more than 2 active, Complete at the third success', () => {
    const s = spec(['completions: 3', 'parallelism: 2']);
    let status: JobStatus | undefined;
    let pods: JobPod[] = [];
    let maxActive = 0;
    for (let step = 0; step < 10; step++) {
      const plan = planJob(s, status, pods, T0 + step * 1000, BACKOFF);
      status = plan.status;
      assert.deepEqual(plan.delete, []);
      pods = [...pods, ...plan.create.map(() => pod('active'))];
      const active = pods.filter((p) => p.state === 'active');
      maxActive = Math.max(maxActive, active.length);
      if (status.conditions.length > 0) break;
      // The oldest active pod succeeds.
      const first = active[0];
      if (first !== undefined) first.state = 'Succeeded';
    }
    assert.equal(maxActive, 2);
    assert.equal(pods.length, 3);
    assert.equal(pods.filter((p) => p.state === 'Succeeded').length, 3);
    assert.deepEqual(
      status?.conditions.map((c) => [c.type, c.reason]),
      [['Complete', 'CompletionsReached']],
    );
    assert.notEqual(status.completionTime, undefined);
  });

  it('a counted pod stays counted when it is gone (no second run of a completion)', () => {
    const s = spec(['completions: 2']);
    const done = pod('Succeeded');
    const first = planJob(s, undefined, [done], T0, BACKOFF);
    assert.equal(first.create.length, 1);
    // The succeeded pod removed by hand: still one success, still one pod to create.
    const again = planJob(s, first.status, [], T0 + 1000, BACKOFF);
    assert.equal(again.create.length, 1);
    assert.equal(Object.keys(again.status.counted).length, 1);
  });

  it('a work queue (parallelism alone): complete once one succeeded and none is active', () => {
    const s = spec(['parallelism: 2']);
    const a = pod('Succeeded');
    const b = pod('active');
    const p1 = planJob(s, undefined, [a, b], T0, BACKOFF);
    assert.deepEqual(p1.create, []);
    assert.equal(p1.status.conditions.length, 0);
    b.state = 'Succeeded';
    const p2 = planJob(s, p1.status, [a, b], T0 + 1, BACKOFF);
    assert.equal(p2.status.conditions[0]?.type, 'Complete');
  });

  it('Indexed: the missing indexes, lowest first; a failed index is run again', () => {
    const s = spec(['completions: 3', 'parallelism: 2', 'completionMode: Indexed']);
    const p1 = planJob(s, undefined, [], T0, BACKOFF);
    assert.deepEqual(p1.create, [0, 1]);
    const p2 = planJob(
      s,
      p1.status,
      [pod('Succeeded', { index: 0 }), pod('active', { index: 1 })],
      T0 + 1000,
      BACKOFF,
    );
    assert.deepEqual(p2.create, [2]);
    const p3 = planJob(
      s,
      p2.status,
      [pod('Succeeded', { index: 0 }), pod('Failed', { index: 1 }), pod('active', { index: 2 })],
      T0 + 2000,
      BACKOFF,
    );
    // Index 1 failed: again, after the back-off.
    assert.deepEqual(p3.create, []);
    assert.equal(p3.wakeAt, T0 + 2000 + 10_000);
    const p4 = planJob(s, p3.status, [pod('active', { index: 2 })], T0 + 12_000, BACKOFF);
    assert.deepEqual(p4.create, [1]);
  });
});

describe('planJob: failures', () => {
  it('back-off 10 s · 2^(n−1) after each failure, capped; the Job fails past backoffLimit', () => {
    const s = spec(['backoffLimit: 2']);
    const p1 = planJob(s, undefined, [pod('Failed')], T0, BACKOFF);
    assert.deepEqual(p1.create, []);
    assert.equal(p1.wakeAt, T0 + 10_000);
    assert.deepEqual(planJob(s, p1.status, [], T0 + 10_000, BACKOFF).create, [undefined]);
    const p2 = planJob(s, p1.status, [pod('Failed')], T0 + 11_000, BACKOFF);
    assert.equal(p2.wakeAt, T0 + 11_000 + 20_000);
    assert.equal(p2.status.conditions.length, 0);
    const p3 = planJob(s, p2.status, [pod('Failed')], T0 + 40_000, BACKOFF);
    assert.deepEqual(
      p3.status.conditions.map((c) => [c.type, c.reason, c.message]),
      [['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit']],
    );
    assert.deepEqual(p3.create, []);
    // Capped.
    const many: JobStatus = { conditions: [], counted: {} };
    for (let i = 0; i < 12; i++)
      many.counted[`f${i}`] = { phase: 'Failed', at: new Date(T0).toISOString() };
    const capped = planJob(spec(['backoffLimit: 100']), many, [], T0, BACKOFF);
    assert.equal(capped.wakeAt, T0 + 360_000);
  });

  it('backoffLimit 0: the first failure fails the Job', () => {
    const p = planJob(spec(['backoffLimit: 0']), undefined, [pod('Failed')], T0, BACKOFF);
    assert.equal(p.status.conditions[0]?.reason, 'BackoffLimitExceeded');
  });

  it('OnFailure: container restarts count against backoffLimit; its active pods are deleted', () => {
    const s = spec(['backoffLimit: 2'], 'OnFailure');
    const running = pod('active', { restarts: 1 });
    assert.equal(planJob(s, undefined, [running], T0, BACKOFF).status.conditions.length, 0);
    running.restarts = 2;
    const p = planJob(s, undefined, [running], T0, BACKOFF);
    assert.equal(p.status.conditions[0]?.reason, 'BackoffLimitExceeded');
    assert.deepEqual(
      p.delete.map((d) => d.uid),
      [running.uid],
    );
  });

  it('activeDeadlineSeconds: a wake-up at the deadline, then Failed DeadlineExceeded and the pods killed', () => {
    const s = spec(['activeDeadlineSeconds: 5']);
    const sleeper = pod('active');
    const p1 = planJob(s, undefined, [sleeper], T0, BACKOFF);
    assert.equal(p1.wakeAt, T0 + 5000);
    const p2 = planJob(s, p1.status, [sleeper], T0 + 5000, BACKOFF);
    assert.deepEqual(
      p2.status.conditions.map((c) => [c.type, c.reason]),
      [['Failed', 'DeadlineExceeded']],
    );
    assert.deepEqual(
      p2.delete.map((d) => d.uid),
      [sleeper.uid],
    );
    assert.equal(p2.status.completionTime, undefined);
  });
});

describe('planJob: a finished Job', () => {
  it('creates nothing more; ttlSecondsAfterFinished removes it when it passed', () => {
    const s = spec(['ttlSecondsAfterFinished: 30']);
    const done = planJob(s, undefined, [pod('Succeeded')], T0, BACKOFF);
    assert.equal(done.status.conditions[0]?.type, 'Complete');
    assert.equal(done.wakeAt, T0 + 30_000);
    const later = planJob(s, done.status, [], T0 + 10_000, BACKOFF);
    assert.deepEqual(later.create, []);
    assert.equal(later.remove, false);
    assert.equal(later.statusChanged, false);
    assert.equal(planJob(s, done.status, [], T0 + 30_000, BACKOFF).remove, true);
    // Without a TTL it stays.
    const kept = planJob(spec(), undefined, [pod('Succeeded')], T0, BACKOFF);
    assert.equal(planJob(spec(), kept.status, [], T0 + 1e9, BACKOFF).remove, false);
  });
});
