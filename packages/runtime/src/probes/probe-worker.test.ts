import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Probe } from '../spec/types.js';
import { virtualClock } from './clock.js';
import { ProbeWorker, type ProbeKind } from './probe-worker.js';
import type { Prober } from './types.js';

const probe = (p: Partial<Probe> = {}): Probe => ({
  exec: { command: ['true'] },
  initialDelaySeconds: 0,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
  ...p,
});

/** Runs a worker over a scripted series of outcomes on a virtual clock. */
async function drive(kind: ProbeKind, p: Probe, outcomes: boolean[]) {
  const clock = virtualClock(1000);
  const probedAt: number[] = [];
  const changes: [number, boolean][] = [];
  let i = 0;
  const prober: Prober = {
    run: (_a, _t, timeoutMs) => {
      assert.equal(timeoutMs, p.timeoutSeconds * 1000);
      const ok = outcomes[i++];
      if (ok === undefined) worker.stop();
      else probedAt.push(clock.now() - 1000);
      return Promise.resolve({ ok: ok === true, output: ok === true ? '' : `fail ${i}` });
    },
  };
  const worker: ProbeWorker = new ProbeWorker({
    kind,
    probe: p,
    prober,
    target: { containerId: 'c', host: '127.0.0.1', ports: [] },
    clock,
    startedAt: clock.now(),
    onResult: (ok) => changes.push([clock.now() - 1000, ok]),
  });
  const initial = worker.result;
  await worker.start();
  return { probedAt, changes, initial, final: worker.result };
}

test('readiness: not ready before the first success; thresholds both ways; periods after initialDelay', async () => {
  const r = await drive(
    'readiness',
    probe({ initialDelaySeconds: 5, successThreshold: 2, failureThreshold: 2 }),
    [true, true, false, true, false, false, true, true],
  );
  assert.equal(r.initial, false);
  assert.deepEqual(r.probedAt, [5000, 15000, 25000, 35000, 45000, 55000, 65000, 75000]);
  assert.deepEqual(r.changes, [
    [15000, true],
    [55000, false],
    [75000, true],
  ]);
});

test('liveness: success until failureThreshold failures in a row, then the worker stops', async () => {
  const r = await drive('liveness', probe({ periodSeconds: 1 }), [
    false,
    false,
    true,
    false,
    false,
    false,
    true,
  ]);
  assert.equal(r.initial, true);
  assert.deepEqual(r.changes, [[5000, false]]);
  assert.equal(r.probedAt.length, 6, 'no probe after the container was declared dead');
});

test('startup: undecided, then stops probing at the first success', async () => {
  const r = await drive('startup', probe({ periodSeconds: 2, failureThreshold: 30 }), [
    false,
    false,
    true,
    true,
  ]);
  assert.equal(r.initial, undefined);
  assert.deepEqual(r.changes, [[4000, true]]);
  assert.deepEqual(r.probedAt, [0, 2000, 4000]);
  const failed = await drive('startup', probe({ periodSeconds: 1, failureThreshold: 2 }), [
    false,
    false,
    true,
  ]);
  assert.deepEqual(failed.changes, [[1000, false]]);
});
