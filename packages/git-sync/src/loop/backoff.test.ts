import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, defaultBackoff } from './backoff.js';

test('delays grow exponentially to the cap', () => {
  const p = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p)),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test('jitter only shortens, within its fraction, and keeps growth strict', () => {
  for (let i = 0; i < 200; i++) {
    const r = Math.random();
    const d = backoffDelay(3, defaultBackoff, () => r);
    assert.ok(d <= 4000 && d >= 4000 * (1 - defaultBackoff.jitter), String(d));
  }
  // Worst case: the largest delay for n, the smallest for n + 1, still growing.
  for (let n = 1; n < 6; n++) {
    assert.ok(
      backoffDelay(n + 1, defaultBackoff, () => 1) > backoffDelay(n, defaultBackoff, () => 0),
    );
  }
});
