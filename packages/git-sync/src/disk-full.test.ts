import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeRemote } from '../test/helpers/git-remote.js';
import { collectStdout, startGitSync } from '../test/helpers/git-sync-bin.js';
import { until as poll } from '../test/helpers/until.js';

const run = promisify(execFile);

interface Status {
  sha: string | null;
  lastError: { code: string; message: string } | null;
  consecutiveFailures: number;
  attempts: number;
}

const until = <T>(get: () => Promise<T | undefined>, what: string): Promise<T> =>
  poll(get, what, { timeoutMs: 120_000, stepMs: 50 });

test('disk full (a 2 MiB tmpfs root): a commit too big fails cleanly, the old tree stays published, status degraded; converges once space returns', async (t) => {
  const remote = await makeRemote();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-tmpfs-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'podkit-gs-test', root]);
  const own: { child?: ReturnType<typeof startGitSync> } = {};
  t.after(async () => {
    const { child } = own;
    if (child !== undefined && child.exitCode === null) {
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGKILL');
      await closed;
    }
    await run('umount', [root]).catch(() => run('umount', ['-l', root]));
    await fs.rm(root, { recursive: true, force: true });
    await remote.cleanup();
  });

  const v1 = await remote.commit({ 'index.html': 'v1\n', 'small.txt': 'small\n' });
  const child = startGitSync([
    `--repo=${remote.url}`,
    `--root=${root}`,
    '--link=current',
    '--ref=main',
    '--period=100ms',
    '--http-bind=127.0.0.1:0',
  ]);
  own.child = child;
  const stdout = collectStdout(child);
  const url = await until(() => Promise.resolve(stdout.listeningUrl()), 'the http server');
  const status = async (): Promise<Status> =>
    (await fetch(`${url}/status`)).json() as Promise<Status>;
  await until(async () => ((await status()).sha === v1 ? true : undefined), 'v1 published');

  // 3 MiB of incompressible data: neither the pack nor the checkout fits in 2 MiB.
  const big = randomBytes(3 * 1024 * 1024).toString('base64');
  const v2 = await remote.commit({ 'index.html': 'v2\n', 'small.txt': 'small\n', 'big.txt': big });
  const degraded = await until(async () => {
    const s = await status();
    return s.consecutiveFailures >= 2 ? s : undefined;
  }, 'two failed attempts');
  assert.equal(degraded.sha, v1, 'the old revision is still the live one');
  assert.match(degraded.lastError?.message ?? '', /No space left on device|ENOSPC/);
  assert.equal((await fetch(`${url}/readyz`)).status, 200, 'fresh enough: still ready');
  // The old tree: still published, complete and unchanged; nothing half-made beside it.
  assert.equal(await fs.readlink(path.join(root, 'current')), `.worktrees/${v1}`);
  assert.equal(await fs.readFile(path.join(root, 'current', 'index.html'), 'utf8'), 'v1\n');
  assert.equal(await fs.readFile(path.join(root, 'current', 'small.txt'), 'utf8'), 'small\n');
  const trees = (await fs.readdir(path.join(root, '.worktrees'))).sort();
  assert.deepEqual(trees, [`.${v1}.complete`, v1].sort());
  assert.deepEqual(
    (await fs.readdir(root)).filter((n) => n.includes('.tmp-')),
    [],
    'no temporary link left',
  );

  // Space returns: the next attempt (backoff: a few seconds at most here) converges.
  await run('mount', ['-o', 'remount,size=32m', root]);
  const healed = await until(async () => {
    const s = await status();
    return s.sha === v2 && s.lastError === null ? s : undefined;
  }, 'v2 published after space returned');
  assert.equal(healed.consecutiveFailures, 0);
  assert.equal(await fs.readlink(path.join(root, 'current')), `.worktrees/${v2}`);
  assert.equal(await fs.readFile(path.join(root, 'current', 'big.txt'), 'utf8'), big);
  assert.equal(await fs.readFile(path.join(root, 'current', 'index.html'), 'utf8'), 'v2\n');
});
