import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  planStatefulSet,
  type StatefulPodState,
  type StatefulSetPlanInput,
} from './statefulset-plan.js';

/** A healthy pod of ordinal `n` at revision `rev`, with `o` overriding its state. */
function pod(n: number, o: Partial<StatefulPodState> = {}, rev = 'r2'): StatefulPodState {
  return {
    name: `db-${String(n)}`,
    ordinal: n,
    revision: rev,
    ended: false,
    terminating: false,
    runningAndReady: true,
    available: true,
    ...o,
  };
}

function plan(pods: StatefulPodState[], o: Partial<StatefulSetPlanInput> = {}) {
  return planStatefulSet({
    replicas: 3,
    startOrdinal: 0,
    podManagementPolicy: 'OrderedReady',
    partition: 0,
    updateRevision: 'r2',
    pods,
    ...o,
  });
}

const NOT_READY = { runningAndReady: false, available: false };

describe('planStatefulSet: OrderedReady creation', () => {
  it('creates ordinal 0 first, and only it', () => {
    const p = plan([]);
    assert.deepEqual(p.create, [{ ordinal: 0, revision: 'update' }]);
    assert.deepEqual(p.delete, []);
  });

  it('creates N+1 only once 0…N are Running and Ready (and available)', () => {
    assert.deepEqual(plan([pod(0, NOT_READY)]).create, []);
    assert.match(plan([pod(0, NOT_READY)]).waiting ?? '', /db-0 to be Running and Ready/);
    assert.deepEqual(plan([pod(0, { available: false })]).create, []);
    assert.deepEqual(plan([pod(0)]).create, [{ ordinal: 1, revision: 'update' }]);
    assert.deepEqual(plan([pod(0), pod(1)]).create, [{ ordinal: 2, revision: 'update' }]);
    assert.deepEqual(plan([pod(0), pod(1), pod(2)]), {
      create: [],
      delete: [],
      waiting: undefined,
    });
  });

  it('a missing pod in the middle is made again (same name) before anything above it', () => {
    assert.deepEqual(plan([pod(0), pod(2)]).create, [{ ordinal: 1, revision: 'update' }]);
  });

  it('an ended pod is deleted, and waited for', () => {
    const p = plan([pod(0), pod(1, { ended: true, runningAndReady: false }), pod(2)]);
    assert.deepEqual(p.delete, [{ name: 'db-1', why: 'it ended; it is made again' }]);
    assert.deepEqual(p.create, []);
  });

  it('starts at ordinals.start', () => {
    assert.deepEqual(plan([], { startOrdinal: 5 }).create, [{ ordinal: 5, revision: 'update' }]);
  });
});

describe('planStatefulSet: Parallel', () => {
  it('creates every missing ordinal at once, without waiting for readiness', () => {
    assert.deepEqual(plan([pod(1, NOT_READY)], { podManagementPolicy: 'Parallel' }).create, [
      { ordinal: 0, revision: 'update' },
      { ordinal: 2, revision: 'update' },
    ]);
  });

  it('scales down every pod above the count at once', () => {
    const p = plan([pod(0), pod(1), pod(2, NOT_READY), pod(3)], {
      replicas: 1,
      podManagementPolicy: 'Parallel',
    });
    assert.deepEqual(
      p.delete.map((d) => d.name),
      ['db-3', 'db-2', 'db-1'],
    );
  });
});

describe('planStatefulSet: OrderedReady scale down', () => {
  it('from the highest ordinal, one at a time, waiting for each to be gone', () => {
    const pods = [pod(0), pod(1), pod(2)];
    const first = plan(pods, { replicas: 1 });
    assert.deepEqual(first.delete, [{ name: 'db-2', why: 'scaled down to 1' }]);
    const second = plan([pod(0), pod(1), pod(2, { terminating: true })], { replicas: 1 });
    assert.deepEqual(second.delete, []);
    assert.match(second.waiting ?? '', /db-2 to terminate/);
    assert.deepEqual(plan([pod(0), pod(1)], { replicas: 1 }).delete, [
      { name: 'db-1', why: 'scaled down to 1' },
    ]);
  });

  it('waits while a pod in range is unhealthy; the first unhealthy condemned pod may go', () => {
    assert.deepEqual(plan([pod(0, NOT_READY), pod(1), pod(2)], { replicas: 1 }).delete, []);
    assert.deepEqual(plan([pod(0), pod(1), pod(2, NOT_READY)], { replicas: 1 }).delete, [
      { name: 'db-2', why: 'scaled down to 1' },
    ]);
    // Kubernetes checks the pod being deleted, not the ones below it: db-2 is healthy and goes.
    assert.deepEqual(
      plan([pod(0), pod(1, NOT_READY), pod(2)], { replicas: 1 }).delete.map((d) => d.name),
      ['db-2'],
    );
    // Then db-1, unhealthy, is the first unhealthy pod: it may go.
    assert.deepEqual(
      plan([pod(0), pod(1, NOT_READY)], { replicas: 1 }).delete.map((d) => d.name),
      ['db-1'],
    );
  });
});

describe('planStatefulSet: updates', () => {
  const old = (n: number, o: Partial<StatefulPodState> = {}) => pod(n, o, 'r1');

  it('RollingUpdate: the highest ordinal first, one at a time, each available again first', () => {
    assert.deepEqual(plan([old(0), old(1), old(2)]).delete, [
      { name: 'db-2', why: 'rolling update: made again at the new revision' },
    ]);
    assert.deepEqual(plan([old(0), old(1), pod(2, NOT_READY)]).delete, []);
    assert.deepEqual(
      plan([old(0), old(1), pod(2)]).delete.map((d) => d.name),
      ['db-1'],
    );
    assert.deepEqual(
      plan([old(0), pod(1), pod(2)]).delete.map((d) => d.name),
      ['db-0'],
    );
  });

  it('a partition keeps the ordinals below it at the old revision (made again at it)', () => {
    assert.deepEqual(plan([old(0), old(1), pod(2)], { partition: 2 }).delete, []);
    assert.deepEqual(plan([pod(1), pod(2)], { partition: 2 }).create, [
      { ordinal: 0, revision: 'current' },
    ]);
  });

  it('OnDelete: nothing is deleted for an update; a deleted pod comes back at the new revision', () => {
    assert.deepEqual(plan([old(0), old(1), old(2)], { partition: undefined }).delete, []);
    assert.deepEqual(plan([old(0), old(2)], { partition: undefined }).create, [
      { ordinal: 1, revision: 'update' },
    ]);
  });

  it('scaling takes precedence over updating', () => {
    assert.deepEqual(
      plan([old(0), old(1), old(2), old(3)]).delete.map((d) => d.name),
      ['db-3'],
    );
  });
});
