import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readJsonFile, writeJsonAtomic } from './atomic-write.js';
import { acquireLock } from './lock.js';
import { processIdentity } from './process-identity.js';
import { DEFAULT_STATE_ROOT, resolveStateRoot, stateLayout } from './state-root.js';

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('state root: option beats PODKIT_ROOT beats the default; layout paths', () => {
  assert.equal(resolveStateRoot('/x/y', { PODKIT_ROOT: '/env' }), '/x/y');
  assert.equal(resolveStateRoot(undefined, { PODKIT_ROOT: '/env' }), '/env');
  assert.equal(resolveStateRoot(undefined, {}), DEFAULT_STATE_ROOT);
  const l = stateLayout('/r');
  assert.equal(l.podDir('abc-1'), '/r/pods/abc-1');
  assert.equal(l.runcRoot, '/r/runc');
  assert.equal(l.cniDataDir, '/r/cni');
  assert.equal(l.imagesDir, '/r/images');
  assert.equal(l.podLockPath('abc-1'), '/r/locks/pod-abc-1.lock');
  for (const bad of ['../x', 'a/b', '.hidden', '', 'a b']) {
    assert.throws(() => l.podDir(bad), { code: 'STATE_INVALID_ID' });
  }
});

test('writeJsonAtomic replaces the file whole and leaves no temp file', async (t) => {
  const dir = await tmp(t);
  const f = path.join(dir, 'rec.json');
  await writeJsonAtomic(f, { a: 1 });
  await writeJsonAtomic(f, { a: 2, b: 'x' });
  assert.deepEqual(await readJsonFile(f), { a: 2, b: 'x' });
  assert.deepEqual(await readdir(dir), ['rec.json']);
  assert.equal(await readJsonFile(path.join(dir, 'missing.json')), undefined);
  await writeFile(f, '{"torn');
  await assert.rejects(readJsonFile(f), { code: 'STATE_CORRUPT' });
});

test('a held lock refuses a second holder; release lets it in; waiting works', async (t) => {
  const dir = await tmp(t);
  const f = path.join(dir, 'pod.lock');
  const first = await acquireLock(f, { what: 'pod web' });
  await assert.rejects(acquireLock(f, { what: 'pod web' }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'STATE_LOCKED');
    assert.match(e.message, /pod web is busy/);
    return true;
  });
  const waiting = acquireLock(f, { wait: true, timeoutMs: 10_000 });
  await first.release();
  const second = await waiting;
  assert.equal(
    await readFile(f, 'utf8'),
    `${process.pid} ${(await processIdentity(process.pid))?.startTime ?? ''}\n`,
  );
  await second[Symbol.asyncDispose]();
  assert.deepEqual(await readdir(dir), []);
});

test('a lock held by a dead process (or a garbled one) is broken', async (t) => {
  const dir = await tmp(t);
  const f = path.join(dir, 'g.lock');
  const child = spawn('true');
  const pid = child.pid ?? -1;
  await once(child, 'exit');
  await writeFile(f, `${pid} 12345\n`);
  const lock = await acquireLock(f);
  await lock.release();
  // pid reuse: our own pid with a different start time is not us.
  await writeFile(f, `${process.pid} 1\n`);
  await (await acquireLock(f)).release();
  await writeFile(f, 'garbage');
  const l3 = await acquireLock(f);
  await l3.release();
  assert.deepEqual(await readdir(dir), []);
});
