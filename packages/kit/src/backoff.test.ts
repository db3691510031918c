import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelay, type BackoffPolicy } from './backoff.js';
import { isPodkitError } from './errors.js';

const take = (b: Backoff, n: number, now?: number): number[] =>
  Array.from({ length: n }, () => b.next(now));

test('delays grow exponentially to the cap', () => {
  const p: BackoffPolicy = { baseMs: 100, capMs: 1000 };
  assert.deepEqual(take(new Backoff(p), 6), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.deepEqual(take(new Backoff({ ...p, factor: 3 }), 4), [100, 300, 900, 1000]);
});

test('shorten jitter only shortens, within its fraction, and keeps growth strict', () => {
  const p: BackoffPolicy = { baseMs: 1000, capMs: 60_000, jitter: 0.2 };
  for (let i = 0; i < 200; i++) {
    const r = Math.random();
    const d = backoffDelay(3, p, () => r);
    assert.ok(d <= 4000 && d >= 4000 * (1 - 0.2), String(d));
  }
  // Worst case: the largest delay for n, the smallest for n + 1, still growing.
  for (let n = 1; n < 6; n++) {
    assert.ok(backoffDelay(n + 1, p, () => 1) > backoffDelay(n, p, () => 0));
  }
  assert.deepEqual(take(new Backoff(p, { random: () => 0.5 }), 3), [900, 1800, 3600]);
});

test('spread jitter scatters both ways around the delay', () => {
  const p: BackoffPolicy = { baseMs: 1000, capMs: 60_000, jitter: 0.2, jitterMode: 'spread' };
  assert.deepEqual(take(new Backoff(p, { random: () => 0.5 }), 3), [1000, 2000, 4000]);
  assert.equal(new Backoff(p, { random: () => 0 }).next(), 800);
  assert.equal(new Backoff(p, { random: () => 1 }).next(), 1200);
});

test('reset() starts the series again', () => {
  const b = new Backoff({ baseMs: 10, capMs: 100 });
  assert.deepEqual(take(b, 3), [10, 20, 40]);
  b.reset();
  assert.deepEqual(take(b, 2), [10, 20]);
});

/**
 * The pod worker's CrashLoopBackOff as written in runtime/src/pod/pod-worker.ts
 * (#backoffBeforeRestart), kept here as the oracle kit's Backoff must reproduce.
 */
function podWorkerOracle(policy: { baseMs: number; capMs: number; resetAfterMs: number }) {
  const slot = { backoffMs: 0, lastStartedAt: 0 };
  return {
    started(now: number): void {
      slot.lastStartedAt = now;
    },
    next(now: number, ran: boolean): number {
      const ranFor = now - slot.lastStartedAt;
      if (ran && ranFor >= policy.resetAfterMs) slot.backoffMs = 0;
      const delay = slot.backoffMs;
      slot.backoffMs = delay === 0 ? policy.baseMs : Math.min(delay * 2, policy.capMs);
      return delay;
    },
  };
}

test("firstImmediate + resetAfterMs reproduce the pod worker's CrashLoopBackOff exactly", () => {
  const kubelet = { baseMs: 10_000, capMs: 300_000, resetAfterMs: 600_000 };
  const policy: BackoffPolicy = { ...kubelet, firstImmediate: true };
  const kit = new Backoff(policy);
  const oracle = podWorkerOracle(kubelet);
  // 0, then base, 2·base … capped at 300 s.
  const seq: number[] = [];
  let now = 1_000_000;
  for (let i = 0; i < 9; i++) {
    kit.started(now);
    oracle.started(now);
    now += 1000; // crashes after a second
    const d = kit.next(now);
    assert.equal(d, oracle.next(now, true));
    seq.push(d);
    now += d;
  }
  assert.deepEqual(seq, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);

  // Ten minutes of clean running reset the series: the next restart is immediate again.
  kit.started(now);
  oracle.started(now);
  now += 600_000;
  assert.equal(kit.next(now), 0);
  assert.equal(oracle.next(now, true), 0);
  kit.started(now);
  oracle.started(now);
  now += 1000;
  assert.equal(kit.next(now), 10_000);
  assert.equal(oracle.next(now, true), 10_000);

  // Just short of it: no reset. An attempt that never ran (config error: no `now`) never resets.
  kit.started(now);
  oracle.started(now);
  now += 599_999;
  assert.equal(kit.next(now), 20_000);
  assert.equal(oracle.next(now, true), 20_000);
  now += 600_000;
  assert.equal(kit.next(), 40_000);
  assert.equal(oracle.next(now, false), 40_000);

  // A random walk of run lengths and outcomes: the same delays every step.
  const a = new Backoff({ baseMs: 300, capMs: 3000, resetAfterMs: 1000, firstImmediate: true });
  const o = podWorkerOracle({ baseMs: 300, capMs: 3000, resetAfterMs: 1000 });
  let t = 0;
  for (let i = 0; i < 500; i++) {
    const ran = Math.random() < 0.8;
    if (ran) {
      a.started(t);
      o.started(t);
      t += Math.floor(Math.random() * 1500);
    }
    const d = a.next(ran ? t : undefined);
    assert.equal(d, o.next(t, ran), `step ${i}`);
    t += d;
  }
});

test('the state is JSON: a restored Backoff goes on where the saved one was', () => {
  const policy: BackoffPolicy = { baseMs: 10, capMs: 1000, firstImmediate: true, resetAfterMs: 50 };
  const b = new Backoff(policy);
  b.started(5);
  assert.deepEqual(take(b, 3), [0, 10, 20]);
  const saved = JSON.parse(JSON.stringify(b)) as unknown;
  assert.deepEqual(saved, { delayMs: 40, lastStartedAt: 5 });
  const restored = new Backoff(policy, { state: saved });
  assert.deepEqual(restored.state, b.state);
  assert.equal(restored.next(20), 40);
  assert.equal(restored.next(55), 0, 'the restored start time still counts for the reset');
  assert.deepEqual(new Backoff(policy).state, { delayMs: 0, lastStartedAt: null });
});

test('a bad policy or a corrupt saved state is KIT_BACKOFF_INVALID', () => {
  const bad = (f: () => unknown): void => {
    assert.throws(f, (e) => isPodkitError(e, 'KIT_BACKOFF_INVALID'));
  };
  bad(() => new Backoff({ baseMs: 0, capMs: 10 }));
  bad(() => new Backoff({ baseMs: 10, capMs: 10, factor: 0.5 }));
  bad(() => new Backoff({ baseMs: 10, capMs: 10, jitter: 2 }));
  bad(() => backoffDelay(1, { baseMs: Number.NaN, capMs: 10 }));
  const state = { delayMs: -1, lastStartedAt: null };
  bad(() => new Backoff({ baseMs: 10, capMs: 10 }, { state }));
  const junk = { delayMs: 5, lastStartedAt: 'yesterday' } as unknown as Backoff['state'];
  bad(() => new Backoff({ baseMs: 10, capMs: 10 }, { state: junk }));
});
