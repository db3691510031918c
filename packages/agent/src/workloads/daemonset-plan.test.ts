import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DaemonSetUpdateStrategy } from '@podkit/runtime';
import { planDaemonSet, type DaemonPod } from './daemonset-plan.js';

const ROLLING: DaemonSetUpdateStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
};
const SURGE: DaemonSetUpdateStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
};
const ON_DELETE: DaemonSetUpdateStrategy = { type: 'OnDelete' };

function pod(uid: string, o: Partial<DaemonPod> = {}): DaemonPod {
  return {
    uid,
    createdAt: `2026-01-01T00:00:0${uid.length}Z`,
    current: true,
    state: 'active',
    available: true,
    ...o,
  };
}

describe('planDaemonSet: one pod on this node', () => {
  it('none: one created; one: nothing to do', () => {
    assert.deepEqual(planDaemonSet(ROLLING, []), { create: true, delete: [] });
    assert.deepEqual(planDaemonSet(ROLLING, [pod('a')]), { create: false, delete: [] });
  });

  it('a pod that ended is deleted; the new one waits until it is gone', () => {
    const p = planDaemonSet(ROLLING, [pod('a', { state: 'ended', available: false })]);
    assert.deepEqual(
      p.delete.map((d) => d.uid),
      ['a'],
    );
    assert.equal(p.create, true);
    assert.deepEqual(planDaemonSet(ROLLING, [pod('a', { state: 'terminating' })]), {
      create: false,
      delete: [],
    });
  });

  it('two: the newer goes', () => {
    const p = planDaemonSet(ROLLING, [pod('a'), pod('bb')]);
    assert.deepEqual(
      p.delete.map((d) => d.uid),
      ['bb'],
    );
  });
});

describe('planDaemonSet: a changed template', () => {
  it('RollingUpdate (maxUnavailable 1): the old pod deleted first, the new one after it is gone', () => {
    const p1 = planDaemonSet(ROLLING, [pod('a', { current: false })]);
    assert.deepEqual(
      p1.delete.map((d) => d.uid),
      ['a'],
    );
    assert.equal(p1.create, false);
    assert.equal(
      planDaemonSet(ROLLING, [pod('a', { current: false, state: 'terminating' })]).create,
      false,
    );
    assert.equal(planDaemonSet(ROLLING, []).create, true);
  });

  it('maxSurge 1: the new pod first, the old one deleted once the new one is available', () => {
    const p1 = planDaemonSet(SURGE, [pod('a', { current: false })]);
    assert.deepEqual(p1, { create: true, delete: [] });
    const p2 = planDaemonSet(SURGE, [
      pod('a', { current: false }),
      pod('bb', { available: false }),
    ]);
    assert.deepEqual(p2, { create: false, delete: [] });
    const p3 = planDaemonSet(SURGE, [pod('a', { current: false }), pod('bb')]);
    assert.deepEqual(
      p3.delete.map((d) => d.uid),
      ['a'],
    );
  });

  it('an old pod that is not available goes at once', () => {
    const p = planDaemonSet(SURGE, [pod('a', { current: false, available: false })]);
    assert.deepEqual(
      p.delete.map((d) => d.uid),
      ['a'],
    );
  });

  it('OnDelete: the old pod stays until deleted; then the new template', () => {
    assert.deepEqual(planDaemonSet(ON_DELETE, [pod('a', { current: false })]), {
      create: false,
      delete: [],
    });
    assert.equal(planDaemonSet(ON_DELETE, []).create, true);
  });
});
