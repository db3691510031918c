import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SyncStatus } from '../loop/sync-loop.js';
import { readiness, statusJson } from './status.js';

const base: SyncStatus = {
  sha: undefined,
  lastAttempt: undefined,
  lastSuccess: undefined,
  lastError: undefined,
  consecutiveFailures: 0,
  attempts: 0,
  nextAttempt: undefined,
};

test('readiness: unready before the first success and once the last success is stale', () => {
  let now = 100_000;
  let status: SyncStatus = base;
  const check = readiness(
    () => status,
    30_000,
    () => now,
  );
  assert.deepEqual(check(), { ok: false, reason: 'no successful sync yet' });
  status = { ...base, sha: 'a', lastSuccess: 100_000 };
  assert.equal(check(), true);
  now = 131_000;
  status = {
    ...status,
    lastError: { code: 'GIT_SYNC_GIT_FAILED', message: 'remote down', at: now },
  };
  const r = check();
  assert.ok(
    typeof r === 'object' && !r.ok && /31s ago.*remote down/.test(r.reason ?? ''),
    JSON.stringify(r),
  );
});

test('statusJson renders ISO times and nulls', () => {
  const j = statusJson({ ...base, sha: 'abc', lastSuccess: 0, attempts: 1 });
  assert.deepEqual(j, {
    sha: 'abc',
    lastAttempt: null,
    lastSuccess: '1970-01-01T00:00:00.000Z',
    nextAttempt: null,
    consecutiveFailures: 0,
    attempts: 1,
    lastError: null,
  });
});
