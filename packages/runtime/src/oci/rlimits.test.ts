import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampRlimits, parseProcLimits, readHostLimits } from './rlimits.js';

test('parses /proc/PID/limits', () => {
  const text = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 20000                files
Max processes             96364                96364                processes
`;
  assert.deepEqual(parseProcLimits(text), {
    RLIMIT_CPU: Infinity,
    RLIMIT_NOFILE: 20000,
    RLIMIT_NPROC: 96364,
  });
});

test('clamps to the real hard limit of this process', async () => {
  const host = await readHostLimits();
  assert.equal(typeof host.RLIMIT_NOFILE, 'number');
  const [nofile] = clampRlimits(
    [{ type: 'RLIMIT_NOFILE', soft: Number.MAX_SAFE_INTEGER, hard: Number.MAX_SAFE_INTEGER }],
    host,
  );
  assert.equal(nofile?.hard, host.RLIMIT_NOFILE);
  assert.deepEqual(clampRlimits([{ type: 'RLIMIT_X', soft: 5, hard: 3 }], host), [
    { type: 'RLIMIT_X', soft: 3, hard: 3 },
  ]);
});
