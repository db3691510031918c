import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeRemote, tempRoot } from '../../test/helpers/git-remote.js';
import { SyncEngine } from '../sync/engine.js';
import type { Clock } from './clock.js';
import { SyncLoop } from './sync-loop.js';

/** Virtual time: each sleep is recorded and released by the test. */
class StepClock implements Clock {
  t = 0;
  pending: { ms: number; wake: () => void } | undefined;
  #notify: (() => void) | undefined;
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.pending = undefined;
        resolve();
      };
      signal.addEventListener('abort', wake, { once: true });
      this.pending = { ms, wake };
      this.#notify?.();
    });
  }
  async nextSleep(): Promise<number> {
    while (this.pending === undefined) {
      await new Promise<void>((r) => (this.#notify = r));
    }
    return this.pending.ms;
  }
  fire(): void {
    const p = this.pending;
    assert.ok(p);
    this.t += p.ms;
    p.wake();
  }
}

test('an unreachable remote: last tree kept, attempts back off, the loop recovers by itself', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const stop = new AbortController();
  t.after(async () => {
    stop.abort();
    await remote.cleanup();
    await cleanup();
  });
  const first = await remote.commit({ 'f.txt': 'one\n' });
  const engine = new SyncEngine({ repo: remote.url, root, ref: 'main' });
  const clock = new StepClock();
  const attempts: number[] = [];
  const loop = new SyncLoop({
    periodMs: 10_000,
    clock,
    random: () => 0,
    sync: (s) => {
      attempts.push(clock.now());
      return engine.sync(s);
    },
  });
  const running = loop.run(stop.signal);
  assert.equal(await clock.nextSleep(), 10_000);
  assert.equal(loop.status().sha, first);

  const away = `${remote.bare}.away`;
  await fs.rename(remote.bare, away); // the remote disappears
  const waits: number[] = [];
  clock.fire();
  for (let i = 0; i < 4; i++) {
    waits.push(await clock.nextSleep());
    assert.equal(loop.status().consecutiveFailures, i + 1);
    assert.equal(loop.status().lastError?.code, 'GIT_SYNC_GIT_FAILED');
    assert.equal(path.basename(await fs.readlink(path.join(root, 'current'))), first);
    if (i < 3) clock.fire();
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000]);

  await fs.rename(away, remote.bare); // it comes back, with a new commit
  const second = await remote.commit({ 'f.txt': 'two\n' });
  clock.fire();
  assert.equal(await clock.nextSleep(), 10_000, 'back on the period after a success');
  const st = loop.status();
  assert.deepEqual([st.sha, st.consecutiveFailures, st.lastError], [second, 0, undefined]);
  assert.equal(await fs.readFile(path.join(root, 'current', 'f.txt'), 'utf8'), 'two\n');
  const gaps = attempts.slice(1).map((a, i) => a - attempts[i]!);
  assert.deepEqual(gaps, [10_000, 1000, 2000, 4000, 8000]);
  stop.abort();
  await running;
});
