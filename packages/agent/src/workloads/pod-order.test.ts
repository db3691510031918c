import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { availableAt, isActive, isAvailable, scaleDownOrder } from './pod-order.js';
import { testPod } from './test-objects.js';

describe('scale-down order (controller.ActivePods)', () => {
  it('Pending, then not Ready, then Ready for less time, then more restarts, then newer', () => {
    const pods = [
      testPod('ready-long', { readyAt: '2026-01-01T00:00:10Z' }),
      testPod('pending', { phase: 'Pending' }),
      testPod('ready-recent', { readyAt: '2026-01-01T00:05:00Z' }),
      testPod('not-ready', {}),
      testPod('ready-long-restarted', { readyAt: '2026-01-01T00:00:10Z', restarts: 2 }),
      testPod('ready-long-newer', {
        readyAt: '2026-01-01T00:00:10Z',
        createdAt: '2026-01-01T00:00:05Z',
      }),
    ];
    assert.deepEqual(
      scaleDownOrder(pods).map((p) => p.name),
      [
        'pending',
        'not-ready',
        'ready-recent',
        'ready-long-restarted',
        'ready-long-newer',
        'ready-long',
      ],
    );
  });

  it('does not reorder the input array', () => {
    const pods = [testPod('b', { readyAt: '2026-01-01T00:00:00Z' }), testPod('a')];
    scaleDownOrder(pods);
    assert.equal(pods[0]?.name, 'b');
  });
});

describe('availability', () => {
  const t0 = Date.parse('2026-01-01T00:00:10Z');
  it('Ready for minReadySeconds', () => {
    const p = testPod('p', { readyAt: '2026-01-01T00:00:10Z' });
    assert.equal(isAvailable(p, 0, t0), true);
    assert.equal(isAvailable(p, 5, t0 + 4999), false);
    assert.equal(isAvailable(p, 5, t0 + 5000), true);
    assert.equal(availableAt(p, 5, t0), t0 + 5000);
    assert.equal(availableAt(p, 5, t0 + 6000), undefined);
    assert.equal(isAvailable(testPod('q'), 0, t0), false);
  });

  it('ended, released and terminating pods are not active', () => {
    assert.equal(isActive(testPod('a')), true);
    assert.equal(isActive(testPod('b', { phase: 'Failed' })), false);
    assert.equal(isActive(testPod('c', { phase: 'Succeeded' })), false);
    assert.equal(isActive({ ...testPod('d'), released: true }), false);
    assert.equal(isActive({ ...testPod('e'), deletionTimestamp: '2026-01-01T00:00:00Z' }), false);
  });
});
