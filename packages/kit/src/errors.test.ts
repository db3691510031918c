import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodkitError, isPodkitError } from './index.js';

test('PodkitError carries code, hint and cause', () => {
  const cause = new Error('low level');
  const err = new PodkitError('KIT_X', 'something went wrong', { cause, hint: 'do this' });
  assert.equal(err.code, 'KIT_X');
  assert.equal(err.hint, 'do this');
  assert.equal(err.cause, cause);
  assert.ok(isPodkitError(err, 'KIT_X'));
  assert.ok(!isPodkitError(err, 'KIT_Y'));
  assert.ok(!isPodkitError(new Error('plain')));
});
