import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../loop/clock.js';
import { Notifier } from './notifier.js';

/** Sleeps return at once; the requested delays are recorded. */
function recordingClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => 0,
    sleep: (ms) => {
      delays.push(ms);
      return new Promise((r) => setImmediate(r));
    },
  };
}

test('notify() never waits for delivery; failures are retried with doubling backoff', async () => {
  const clock = recordingClock();
  const calls: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const results: [string, boolean][] = [];
  const n = new Notifier({
    name: 't',
    backoffMs: 1000,
    clock,
    random: () => 0.5, // no jitter
    run: async (sha) => {
      calls.push(sha);
      await gate;
      if (calls.length < 4) throw new Error('down');
    },
    onResult: (sha, err) => {
      results.push([sha, err === undefined]);
    },
  });
  n.notify('a');
  assert.deepEqual(calls, ['a'], 'delivery started');
  assert.deepEqual(results, [], 'but notify() returned before it finished');
  release();
  await n.idle();
  assert.deepEqual(calls, ['a', 'a', 'a', 'a']);
  assert.deepEqual(clock.delays, [1000, 2000, 4000]);
  assert.deepEqual(results[results.length - 1], ['a', true]);
  n.notify('a'); // already delivered: nothing to do
  await n.idle();
  assert.equal(calls.length, 4);
});

test('a newer SHA replaces a failing one and starts its own retry series', async () => {
  const clock = recordingClock();
  const calls: string[] = [];
  const n = new Notifier({
    name: 't',
    backoffMs: 10,
    clock,
    random: () => 0.5,
    run: (sha) => {
      calls.push(sha);
      if (sha === 'old') {
        n.notify('new'); // a newer publish arrives while the old one is being delivered
        return Promise.reject(new Error('fail'));
      }
      return Promise.resolve();
    },
  });
  n.notify('old');
  await n.idle();
  assert.deepEqual(calls, ['old', 'new'], 'the stale SHA is not retried');
  await n.close();
  n.notify('later');
  await n.idle();
  assert.deepEqual(calls, ['old', 'new'], 'closed: nothing more');
});
