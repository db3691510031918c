import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodkitError, PodkitError } from '@podkit/kit';
import { Redactor } from '../redact.js';
import type { Clock } from './clock.js';
import { SyncLoop } from './sync-loop.js';

/** A clock that only moves when the test says so. */
class FakeClock implements Clock {
  t = 1_000_000;
  readonly sleepers: { until: number; ms: number; wake: () => void }[] = [];
  #onSleep: (() => void) | undefined;

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        until: this.t + ms,
        ms,
        wake: () => {
          const i = this.sleepers.indexOf(entry);
          if (i >= 0) this.sleepers.splice(i, 1);
          resolve();
        },
      };
      if (signal.aborted) {
        resolve();
        return;
      }
      this.sleepers.push(entry);
      signal.addEventListener('abort', entry.wake, { once: true });
      this.#onSleep?.();
    });
  }

  /** Resolves with the duration of the next sleep the loop starts (or is already in). */
  async nextSleep(): Promise<number> {
    while (this.sleepers.length === 0) {
      await new Promise<void>((resolve) => {
        this.#onSleep = resolve;
      });
      this.#onSleep = undefined;
    }
    return this.sleepers[0]!.ms;
  }

  /** Jumps to the end of the current sleep. */
  fire(): void {
    const s = this.sleepers[0];
    assert.ok(s, 'the loop is sleeping');
    this.t = s.until;
    s.wake();
  }
}

test('failures back off exponentially with jitter, then recover to the period', async (t) => {
  const clock = new FakeClock();
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
  });
  const redactor = new Redactor();
  redactor.addUrlCredentials('https://u:hunter22@example.com/r.git');
  let down = true;
  const attempts: number[] = [];
  const loop = new SyncLoop({
    periodMs: 10_000,
    clock,
    random: () => 0.5,
    redact: (s) => redactor.redact(s),
    sync: () => {
      attempts.push(clock.now());
      if (down) {
        return Promise.reject(
          new PodkitError(
            'GIT_SYNC_GIT_FAILED',
            "unable to access 'https://u:hunter22@example.com/r.git'",
          ),
        );
      }
      return Promise.resolve({ sha: 'f'.repeat(40), changed: true });
    },
  });
  const running = loop.run(stop.signal);
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    waits.push(await clock.nextSleep());
    const st = loop.status();
    assert.equal(st.consecutiveFailures, i + 1);
    assert.equal(st.lastError?.code, 'GIT_SYNC_GIT_FAILED');
    assert.ok(!JSON.stringify(st).includes('hunter22'), 'status is redacted');
    assert.equal(st.sha, undefined);
    clock.fire();
  }
  down = false; // the remote comes back
  assert.equal(await clock.nextSleep(), 10_000, 'back on the normal period');
  // Attempt gaps equal the waits and strictly grow (1s, 2s, 4s ... scaled by the jitter).
  const gaps = attempts.slice(1).map((a, i) => a - attempts[i]!);
  assert.deepEqual(gaps, waits);
  for (let i = 1; i < waits.length; i++) assert.ok(waits[i]! > waits[i - 1]!, String(waits));
  assert.deepEqual(waits, [900, 1800, 3600, 7200, 14400, 28800]);

  const st = loop.status();
  assert.equal(st.consecutiveFailures, 0);
  assert.equal(st.lastError, undefined);
  assert.equal(st.sha, 'f'.repeat(40));
  assert.equal(st.lastSuccess, clock.now());
  stop.abort();
  await running;
});

test('max-failures ends the loop with GIT_SYNC_TOO_MANY_FAILURES; -1 never does', async () => {
  const clock = new FakeClock();
  const loop = new SyncLoop({
    periodMs: 1000,
    maxFailures: 2,
    clock,
    sync: () => Promise.reject(new Error('remote down')),
  });
  const running = loop.run(new AbortController().signal);
  const rejected = assert.rejects(running, (e) => isPodkitError(e, 'GIT_SYNC_TOO_MANY_FAILURES'));
  for (let i = 0; i < 2; i++) {
    await clock.nextSleep();
    clock.fire();
  }
  await rejected;
  assert.equal(loop.status().consecutiveFailures, 3);
  assert.equal(loop.status().lastError?.code, 'GIT_SYNC_UNEXPECTED');
});

test('one-time resolves after the first success (retrying failures first)', async () => {
  const clock = new FakeClock();
  let n = 0;
  const loop = new SyncLoop({
    periodMs: 1000,
    oneTime: true,
    clock,
    sync: () =>
      ++n < 3 ? Promise.reject(new Error('flaky')) : Promise.resolve({ sha: 'a', changed: true }),
  });
  const running = loop.run(new AbortController().signal);
  await clock.nextSleep();
  clock.fire();
  await clock.nextSleep();
  clock.fire();
  await running;
  assert.equal(n, 3);
  assert.equal(loop.status().sha, 'a');
});

test('a burst of triggers coalesces: one sync for a burst while idle, one for a burst while busy', async (t) => {
  const clock = new FakeClock();
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
  });
  let syncs = 0;
  let release: (() => void) | undefined;
  let started: (() => void) | undefined;
  const loop = new SyncLoop({
    periodMs: 3_600_000,
    clock,
    sync: async () => {
      syncs++;
      started?.();
      if (syncs === 2) {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      return { sha: String(syncs), changed: true };
    },
  });
  const running = loop.run(stop.signal);
  assert.equal(await clock.nextSleep(), 3_600_000);
  assert.equal(syncs, 1);

  const secondStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  for (let i = 0; i < 50; i++) loop.trigger(); // burst while idle: wakes the loop once
  await secondStarted;
  started = undefined;
  for (let i = 0; i < 50; i++) loop.trigger(); // burst while syncing: one follow-up sync
  release?.();
  assert.equal(await clock.nextSleep(), 3_600_000);
  assert.equal(syncs, 3);
  assert.equal(loop.status().sha, '3');
  stop.abort();
  await running;
  assert.equal(syncs, 3);
});

test('a trigger during failure backoff does not cut the wait short', async (t) => {
  const clock = new FakeClock();
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
  });
  let syncs = 0;
  const loop = new SyncLoop({
    periodMs: 10_000,
    clock,
    random: () => 0,
    sync: () => {
      syncs++;
      return Promise.reject(new Error('down'));
    },
  });
  const running = loop.run(stop.signal);
  assert.equal(await clock.nextSleep(), 1000);
  loop.trigger();
  await new Promise((r) => setImmediate(r));
  assert.equal(syncs, 1);
  assert.equal(clock.sleepers.length, 1);
  stop.abort();
  await running;
});

test('stopping during a sync resolves run() without counting a failure', async () => {
  const stop = new AbortController();
  const loop = new SyncLoop({
    periodMs: 1000,
    clock: new FakeClock(),
    sync: (signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(new PodkitError('GIT_SYNC_ABORTED', 'cancelled'));
        });
        stop.abort();
      }),
  });
  await loop.run(stop.signal);
  assert.equal(loop.status().consecutiveFailures, 0);
  assert.equal(loop.status().attempts, 1);
});
