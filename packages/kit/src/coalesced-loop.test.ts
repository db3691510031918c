import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescedLoop } from './coalesced-loop.js';

test('changes during a run make one more run; runs never overlap; errors go to onError', async () => {
  let runs = 0;
  let active = 0;
  let maxActive = 0;
  const errors: unknown[] = [];
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const loop = new CoalescedLoop(
    async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await gate;
      active--;
      if (runs === 2) throw new Error('second run fails');
    },
    (err) => errors.push(err),
  );
  loop.changed();
  // Two more changes while the first run waits: one more run after it, not two.
  loop.changed();
  loop.changed();
  const firstGate = release;
  gate = Promise.resolve();
  firstGate();
  await loop.settled();
  assert.equal(runs, 2, 'three changes during one run: that run and one more');
  assert.equal(maxActive, 1);
  assert.equal(errors.length, 1);
  loop.changed();
  await loop.settled();
  assert.equal(runs, 3, 'the loop goes on after a failed run');
  loop.close();
  loop.changed();
  await loop.settled();
  assert.equal(runs, 3, 'nothing runs after close()');
});
