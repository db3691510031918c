import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenges } from './challenge.js';

test('WWW-Authenticate: Bearer with quoted params, Basic, several challenges, escapes', () => {
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    ),
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ],
  );
  assert.deepEqual(parseChallenges('Basic realm="podkit test"'), [
    { scheme: 'basic', params: { realm: 'podkit test' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="a\\"b", Bearer realm=x, error=invalid_token'), [
    { scheme: 'basic', params: { realm: 'a"b' } },
    { scheme: 'bearer', params: { realm: 'x', error: 'invalid_token' } },
  ]);
  assert.deepEqual(parseChallenges(''), []);
});
