import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeRemote, tempRoot } from '../test/helpers/git-remote.js';
import { collectStdout, startGitSync } from '../test/helpers/git-sync-bin.js';

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) =>
    child.on('close', (code) => {
      resolve(code);
    }),
  );
}

async function until<T>(get: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000; // a bound against hanging, not a timing assertion
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('--one-time with git-sync env vars publishes <root>/<leaf of repo> and exits 0', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  const sha = await remote.commit({ 'index.html': 'v1\n' });
  const child = startGitSync([], {
    GITSYNC_REPO: remote.url,
    GITSYNC_ROOT: root,
    GITSYNC_ONE_TIME: 'true',
    GITSYNC_LOG_LEVEL: 'warn',
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  assert.equal(await exitCode(child), 0, stderr);
  // git-sync's default link is the leaf of the repo URL: ".../remote.git" → "remote".
  assert.equal(await fs.readlink(path.join(root, 'remote')), `.worktrees/${sha}`);
  assert.equal(await fs.readFile(path.join(root, 'remote', 'index.html'), 'utf8'), 'v1\n');
});

test('a usage error exits 2 and names the problem', async () => {
  const child = startGitSync(['--period', 'soon']);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  assert.equal(await exitCode(child), 2);
  assert.match(stderr, /period|repo/);
});

test('serving: /readyz after the first sync, a signed webhook moves the link, /status, SIGTERM exits 0', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const first = await remote.commit({ 'index.html': 'v1\n' });
  const child = startGitSync([
    `--repo=${remote.url}`,
    `--root=${root}`,
    '--link=current',
    '--ref=main',
    '--period=1h', // only the webhook can make it sync again within this test
    '--http-bind=127.0.0.1:0',
    '--inbound-token=tok-123',
  ]);
  t.after(async () => {
    child.kill('SIGKILL');
    await remote.cleanup();
    await cleanup();
  });
  const stdout = collectStdout(child);
  const closed = exitCode(child);
  const url = await until(() => Promise.resolve(stdout.listeningUrl()), 'the http server');
  await until(
    async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
    'ready',
  );
  assert.equal(path.basename(await fs.readlink(path.join(root, 'current'))), first);

  const second = await remote.commit({ 'index.html': 'v2\n' });
  const body = JSON.stringify({ ref: 'refs/heads/main' });
  const denied = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { authorization: 'Bearer wrong' },
    body,
  });
  assert.equal(denied.status, 401);
  const accepted = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { authorization: 'Bearer tok-123' },
    body,
  });
  assert.equal(accepted.status, 202);
  await until(
    async () =>
      path.basename(await fs.readlink(path.join(root, 'current'))) === second ? true : undefined,
    'the webhook-triggered sync',
  );
  assert.equal(await fs.readFile(path.join(root, 'current', 'index.html'), 'utf8'), 'v2\n');
  // /status reports a sync once it has finished (cleanup included), just after the flip.
  const status = await until(async () => {
    const s = (await (await fetch(`${url}/status`)).json()) as { sha: string; lastError: unknown };
    return s.sha === second ? s : undefined;
  }, '/status to report the new SHA');
  assert.equal(status.lastError, null);
  assert.ok(!stdout.text().includes('tok-123'), 'the token is never logged');

  child.kill('SIGTERM');
  assert.equal(await closed, 0);
});

test("git-sync's legacy GIT_SYNC_* env names and --sync-on-signal: SIGHUP syncs at once (period 1 h); touch file relative to --root", async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const first = await remote.commit({ 'index.html': 'v1\n' });
  const child = startGitSync([], {
    GIT_SYNC_REPO: remote.url,
    GIT_SYNC_ROOT: root,
    GIT_SYNC_LINK: 'current',
    GIT_SYNC_PERIOD: '1h',
    GIT_SYNC_TOUCH_FILE: 'synced',
    GITSYNC_REF: 'main',
    GITSYNC_SYNC_ON_SIGNAL: 'SIGHUP',
    GITSYNC_VERBOSE: '5',
    GITSYNC_ADD_USER: 'true',
  });
  const closed = exitCode(child);
  t.after(async () => {
    child.kill('SIGKILL');
    await closed;
    await remote.cleanup();
    await cleanup();
  });
  const linked = async (sha: string): Promise<true | undefined> =>
    (await fs.readlink(path.join(root, 'current')).catch(() => '')) === `.worktrees/${sha}`
      ? true
      : undefined;
  await until(() => linked(first), 'the first sync');
  await until(
    () =>
      fs.access(path.join(root, 'synced')).then(
        () => true as const,
        () => undefined,
      ),
    'the touch file under --root',
  );
  const second = await remote.commit({ 'index.html': 'v2\n' });
  child.kill('SIGHUP');
  await until(() => linked(second), 'the SIGHUP-triggered sync');
  assert.equal(child.exitCode, null, 'SIGHUP does not stop it');
});
