import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KIT_VERSION } from './index.js';

test('kit exports a version', () => {
  assert.match(KIT_VERSION, /^\d+\.\d+\.\d+$/);
});
