import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treesToRemove } from './retention.js';

const trees = [
  { sha: 'a', lastLiveMs: 100 },
  { sha: 'b', lastLiveMs: 300 },
  { sha: 'c', lastLiveMs: 200 },
];

test('keep N counts the live tree: keep 2 keeps the most recently live other', () => {
  assert.deepEqual(treesToRemove(trees, { keep: 2, staleAfterMs: 0 }, 1000).sort(), ['a', 'c']);
  assert.deepEqual(treesToRemove(trees, { keep: 1, staleAfterMs: 0 }, 1000).sort(), [
    'a',
    'b',
    'c',
  ]);
  assert.deepEqual(treesToRemove(trees, { keep: 4, staleAfterMs: 0 }, 1000), []);
});

test('a tree younger than staleAfterMs is kept even beyond N', () => {
  assert.deepEqual(treesToRemove(trees, { keep: 1, staleAfterMs: 750 }, 1000).sort(), ['a', 'c']);
  assert.deepEqual(treesToRemove(trees, { keep: 1, staleAfterMs: 10_000 }, 1000), []);
});
