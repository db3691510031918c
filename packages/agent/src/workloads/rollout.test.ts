import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentStrategy } from '@podkit/runtime';
import {
  fenceposts,
  planDeployment,
  rolloutComplete,
  scaled,
  type DeploymentState,
  type ReplicaSetState,
} from './rollout.js';

const rolling = (maxSurge: number | `${number}%`, maxUnavailable: number | `${number}%`) =>
  ({ type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }) as DeploymentStrategy;

function rs(
  name: string,
  replicas: number,
  available = replicas,
  pods = replicas,
): ReplicaSetState {
  return {
    name,
    hash: name,
    replicas,
    available,
    pods,
    createdAt: `2026-01-01T00:00:0${name === 'old' ? 0 : 1}Z`,
  };
}

function state(replicaSets: ReplicaSetState[], o: Partial<DeploymentState> = {}): DeploymentState {
  return {
    replicas: 3,
    strategy: rolling('25%', '25%'),
    revisionHistoryLimit: 10,
    hash: 'new',
    replicaSets,
    ...o,
  };
}

describe('fenceposts', () => {
  it('maxSurge rounds up, maxUnavailable down; both 0 make maxUnavailable 1', () => {
    assert.deepEqual(fenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
    assert.deepEqual(fenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
    assert.deepEqual(fenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
    assert.deepEqual(fenceposts(0, '25%', 3), { surge: 0, unavailable: 1 });
    assert.deepEqual(fenceposts(2, 1, 3), { surge: 2, unavailable: 1 });
    assert.equal(scaled('50%', 3, true), 2);
    assert.equal(scaled('50%', 3, false), 1);
  });
});

describe('planDeployment: steps', () => {
  it('a new Deployment creates its ReplicaSet with every replica', () => {
    const plan = planDeployment(state([]));
    assert.equal(plan.create, 3);
  });

  it('a template change creates the new ReplicaSet within maxSurge', () => {
    const plan = planDeployment(state([rs('old', 3)]));
    assert.equal(plan.create, 1);
    assert.equal(plan.scale.size, 0);
  });

  it('old pods are not scaled down before new ones are available', () => {
    const plan = planDeployment(state([rs('old', 3), rs('new', 1, 0)]));
    assert.equal(plan.create, undefined);
    assert.equal(plan.scale.size, 0);
  });

  it('one old pod goes once one new pod is available', () => {
    const plan = planDeployment(state([rs('old', 3), rs('new', 1, 1)]));
    assert.deepEqual([...plan.scale], [['old', 2]]);
  });

  it('an unavailable old pod goes first, within maxUnavailable', () => {
    const plan = planDeployment(
      state([rs('old', 3, 2), rs('new', 1, 0)], { strategy: rolling(1, 1) }),
    );
    // all 4, minAvailable 2, new unavailable 1: 1 may go, the unhealthy one.
    assert.deepEqual([...plan.scale], [['old', 2]]);
  });

  it('scaling a rolled-out Deployment sets its ReplicaSet', () => {
    assert.deepEqual(
      [...planDeployment(state([rs('new', 3)], { replicas: 1 })).scale],
      [['new', 1]],
    );
    assert.deepEqual(
      [...planDeployment(state([rs('new', 1)], { replicas: 3 })).scale],
      [['new', 3]],
    );
  });

  it('Recreate scales old ones to 0, waits for their pods, then creates the new one', () => {
    const recreate = { strategy: { type: 'Recreate' } as DeploymentStrategy };
    const p1 = planDeployment(state([rs('old', 3)], recreate));
    assert.deepEqual([...p1.scale], [['old', 0]]);
    assert.equal(p1.create, undefined);
    const p2 = planDeployment(state([rs('old', 0, 0, 2)], recreate));
    assert.equal(p2.scale.size, 0);
    assert.equal(p2.create, undefined);
    const p3 = planDeployment(state([rs('old', 0, 0, 0)], recreate));
    assert.equal(p3.create, 3);
  });

  it('old ReplicaSets beyond revisionHistoryLimit are pruned, oldest first', () => {
    const idle = (n: number): ReplicaSetState => ({
      ...rs(`old${n}`, 0, 0, 0),
      createdAt: `2026-01-01T00:00:0${n}Z`,
    });
    const plan = planDeployment(
      state([idle(1), idle(2), idle(3), rs('new', 3)], { revisionHistoryLimit: 1 }),
    );
    assert.deepEqual(plan.remove, ['old1', 'old2']);
  });
});

/** Runs a rollout to its end: after each step, the pods of every ReplicaSet become available. */
function simulate(
  start: ReplicaSetState[],
  o: Partial<DeploymentState>,
  check: (s: ReplicaSetState[]) => void,
): { steps: number; sets: ReplicaSetState[] } {
  let sets = start.map((s) => ({ ...s }));
  for (let steps = 1; steps < 50; steps++) {
    const d = state(sets, o);
    if (rolloutComplete(d)) return { steps, sets };
    const plan = planDeployment(d);
    if (plan.create !== undefined)
      sets.push({ ...rs('new', plan.create, 0, plan.create), createdAt: '2026-01-01T00:00:09Z' });
    for (const s of sets) {
      const n = plan.scale.get(s.name);
      if (n === undefined) continue;
      s.available = Math.min(s.available, n);
      s.replicas = n;
      s.pods = n;
    }
    sets = sets.filter((s) => !plan.remove.includes(s.name));
    check(sets);
    for (const s of sets) s.available = s.replicas;
  }
  throw new Error('the rollout did not end in 50 steps');
}

describe('planDeployment: whole rollouts', () => {
  it('25%/25% of 3: never more than 4 pods, never fewer than 3 available, ends 3 new', () => {
    const { sets } = simulate([rs('old', 3)], {}, (s) => {
      assert.ok(s.reduce((n, x) => n + x.replicas, 0) <= 4, JSON.stringify(s));
      assert.ok(s.reduce((n, x) => n + x.available, 0) >= 3, JSON.stringify(s));
    });
    assert.deepEqual(
      sets.map((s) => [s.name, s.replicas]),
      [
        ['old', 0],
        ['new', 3],
      ],
    );
  });

  it('maxSurge 0, maxUnavailable 1 of 3: never more than 3 pods, never fewer than 2', () => {
    simulate([rs('old', 3)], { strategy: rolling(0, 1) }, (s) => {
      assert.ok(s.reduce((n, x) => n + x.replicas, 0) <= 3, JSON.stringify(s));
      assert.ok(s.reduce((n, x) => n + x.available, 0) >= 2, JSON.stringify(s));
    });
  });

  it('10 replicas, 25%/25%: at most 13 pods, at least 8 available', () => {
    simulate([rs('old', 10)], { replicas: 10 }, (s) => {
      assert.ok(s.reduce((n, x) => n + x.replicas, 0) <= 13);
      assert.ok(s.reduce((n, x) => n + x.available, 0) >= 8);
    });
  });
});
