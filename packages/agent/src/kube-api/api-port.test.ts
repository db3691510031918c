import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rememberedPort, rememberPort } from './api-port.js';
import { credentialsDir } from './pki.js';
import { apiPortCandidates, DEFAULT_API_PORT } from './server.js';

test('the port served last is kept (0600) and tried first next time; one asked for is tried alone', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-api-port-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(credentialsDir(root), { mode: 0o700 });
  assert.equal(await rememberedPort(root), undefined);
  await rememberPort(root, 38117);
  assert.equal(await rememberedPort(root), 38117);
  assert.equal((await stat(path.join(credentialsDir(root), 'port'))).mode & 0o777, 0o600);
  await writeFile(path.join(credentialsDir(root), 'port'), 'not a port\n');
  assert.equal(await rememberedPort(root), undefined);

  const defaults = Array.from({ length: 11 }, (_, i) => DEFAULT_API_PORT + i);
  assert.deepEqual(apiPortCandidates(undefined, undefined), [...defaults, 0]);
  assert.deepEqual(apiPortCandidates(undefined, 38117), [38117, ...defaults, 0]);
  // A remembered default-range port first, once.
  const third = DEFAULT_API_PORT + 2;
  assert.deepEqual(apiPortCandidates(undefined, third), [
    third,
    ...defaults.filter((p) => p !== third),
    0,
  ]);
  assert.deepEqual(apiPortCandidates(7443, 38117), [7443]);
});
