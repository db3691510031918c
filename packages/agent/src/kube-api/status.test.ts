import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alreadyExists, failure, gone, invalid, notFound, unauthorized } from './status.js';

test('Status builders: the API server reasons, codes and messages', () => {
  assert.deepEqual(notFound('pods', 'web'), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "web" not found',
    reason: 'NotFound',
    details: { name: 'web', kind: 'pods' },
    code: 404,
  });
  assert.equal(alreadyExists('pods', 'web').code, 409);
  assert.equal(alreadyExists('pods', 'web').message, 'pods "web" already exists');
  assert.equal(gone('5', '100').code, 410);
  assert.equal(gone('5', '100').message, 'too old resource version: 5 (100)');
  assert.equal(unauthorized().code, 401);
  assert.equal(failure('RequestEntityTooLarge', 'x').code, 413);
});

test('Invalid: one cause is the message; several are joined in brackets', () => {
  const one = invalid('Pod', 'web', [
    { reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' },
  ]);
  assert.equal(one.code, 422);
  assert.equal(one.message, 'Pod "web" is invalid: spec.containers[0].image: Required value');
  assert.deepEqual(one.details?.causes, [
    { reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' },
  ]);
  const two = invalid('Pod', 'web', [
    { reason: 'FieldValueInvalid', field: 'a', message: 'x' },
    { reason: 'FieldValueInvalid', field: 'b', message: 'y' },
  ]);
  assert.equal(two.message, 'Pod "web" is invalid: [a: x, b: y]');
});
