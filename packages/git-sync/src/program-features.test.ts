import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startGitSync } from '../test/helpers/git-sync-bin.js';
import { makeRemote, tempRoot } from '../test/helpers/git-remote.js';

async function until<T>(get: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000; // a bound against hanging, not a timing assertion
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function metric(text: string, line: RegExp): number | undefined {
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (m) return Number(l.split(' ').at(-1));
  }
  return undefined;
}

test('post-publish exechook and outbound webhook (retried, async), metrics, touch file, group-write, --git-config', async (t) => {
  const sub = await makeRemote();
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const hookLog = path.join(remote.dir, 'hook.log');
  const touch = path.join(remote.dir, 'touched');
  // The exechook fails its first run (no flag file yet), then succeeds: a retry is needed.
  const hookScript = path.join(remote.dir, 'hook.sh');
  await fs.writeFile(
    hookScript,
    `#!/bin/sh\nif [ ! -e '${hookLog}.armed' ]; then : > '${hookLog}.armed'; exit 3; fi\n` +
      `printf '%s %s\\n' "$GITSYNC_HASH" "$(cat index.html)" >> '${hookLog}'\n`,
    { mode: 0o755 },
  );
  // The outbound webhook receiver answers 503 once, then 200.
  const received: { method: string; hash: string; status: number }[] = [];
  const receiver = createServer((req, res) => {
    const status = received.length === 0 ? 503 : 200;
    received.push({ method: req.method ?? '', hash: String(req.headers['gitsync-hash']), status });
    res.writeHead(status).end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookPort = (receiver.address() as AddressInfo).port;

  await sub.commit({ 'lib.txt': 'lib\n' });
  await remote.commit({ 'index.html': 'v1\n' });
  const work = path.join(remote.dir, 'work');
  await remote.git(
    ['-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', sub.url, 'lib'],
    work,
  );
  await remote.git(['commit', '--quiet', '-m', 'lib'], work);
  await remote.git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], work);
  const first = await remote.git(['rev-parse', 'HEAD'], work);

  const child = startGitSync([
    `--repo=${remote.url}`,
    `--root=${root}`,
    '--link=current',
    '--ref=main',
    '--period=1h',
    '--http-bind=127.0.0.1:0',
    '--inbound-token=tok',
    `--exechook-command=${hookScript}`,
    '--exechook-backoff=100ms',
    `--webhook-url=http://127.0.0.1:${hookPort}/deployed`,
    '--webhook-method=PUT',
    '--webhook-backoff=100ms',
    `--touch-file=${touch}`,
    '--group-write',
    // Without it git refuses the file:// submodule (protocol.file.allow=user by default).
    '--git-config=protocol.file.allow:always,"podkit.note":"a, b"',
  ]);
  t.after(async () => {
    child.kill('SIGKILL');
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    await sub.cleanup();
    await remote.cleanup();
    await cleanup();
  });
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const url = await until(
    () => Promise.resolve(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(logs)?.[1]),
    'the http server',
  );

  // First publish: submodule present (so --git-config reached git), hooks delivered after a retry.
  await until(
    async () => ((await fs.readFile(hookLog, 'utf8').catch(() => '')) === '' ? undefined : true),
    'exechook',
  );
  assert.equal(await fs.readFile(path.join(root, 'current', 'lib', 'lib.txt'), 'utf8'), 'lib\n');
  assert.equal(await fs.readFile(hookLog, 'utf8'), `${first} v1\n`);
  await until(
    () => Promise.resolve(received.some((r) => r.status === 200) ? true : undefined),
    'webhook',
  );
  assert.deepEqual(received.slice(0, 2), [
    { method: 'PUT', hash: first, status: 503 },
    { method: 'PUT', hash: first, status: 200 },
  ]);
  await fs.access(touch);
  const st = await fs.stat(path.join(root, 'current', 'index.html'));
  assert.equal(st.mode & 0o020, 0o020, 'group-writable checkout');

  // A second publish through the inbound webhook: hooks again, once each.
  const second = await remote.commit({ 'index.html': 'v2\n' });
  const r = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { authorization: 'Bearer tok' },
    body: '{}',
  });
  assert.equal(r.status, 202);
  await until(
    async () => ((await fs.readFile(hookLog, 'utf8')).includes(second) ? true : undefined),
    'second exechook',
  );
  await until(
    () => Promise.resolve(received.some((x) => x.hash === second) ? true : undefined),
    'second webhook',
  );

  // A hook's outcome is counted when it has exited, a moment after its side effect shows.
  const text = await until(async () => {
    const t = await (await fetch(`${url}/metrics`)).text();
    const done = (name: string): boolean =>
      metric(
        t,
        new RegExp(`^git_sync_hook_run_count_total\\{name="${name}",status="success"\\}`),
      ) === 2;
    return done('exechook') && done('webhook') ? t : undefined;
  }, 'second hook runs counted');
  assert.equal(metric(text, /^git_sync_count_total\{status="success"\}/), 2);
  assert.ok((metric(text, /^git_fetch_count_total /) ?? 0) >= 2);
  assert.equal(metric(text, /^git_sync_duration_seconds_count\{status="success"\}/), 2);
  assert.equal(metric(text, new RegExp(`^git_sync_revision_info\\{sha="${second}"\\}`)), 1);
  assert.ok(!text.includes(`sha="${first}"`), 'only the live revision is exported');
  const lastSuccess = metric(text, /^git_sync_last_success_timestamp_seconds /) ?? 0;
  assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 3600, `a unix time: ${lastSuccess}`);
  assert.equal(metric(text, /^git_sync_hook_run_count_total\{name="exechook",status="error"\}/), 1);
  assert.equal(
    metric(text, /^git_sync_hook_run_count_total\{name="exechook",status="success"\}/),
    2,
  );
  assert.equal(metric(text, /^git_sync_hook_run_count_total\{name="webhook",status="error"\}/), 1);
  assert.equal(
    metric(text, /^git_sync_hook_run_count_total\{name="webhook",status="success"\}/),
    2,
  );
  assert.match(text, /^process_cpu_seconds_total/m);
  child.kill('SIGTERM');
});

test('a hook that hangs never delays the next sync', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const first = await remote.commit({ 'index.html': 'v1\n' });
  const hang = path.join(remote.dir, 'hang.sh');
  await fs.writeFile(hang, '#!/bin/sh\nexec sleep 3600\n', { mode: 0o755 });
  // A webhook receiver that accepts and never answers.
  const requests: string[] = [];
  const silent = createServer((req) => {
    requests.push(String(req.headers['gitsync-hash']));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const silentPort = (silent.address() as AddressInfo).port;
  const child = startGitSync([
    `--repo=${remote.url}`,
    `--root=${root}`,
    '--link=current',
    '--period=1h',
    '--http-bind=127.0.0.1:0',
    '--inbound-token=tok',
    `--exechook-command=${hang}`,
    '--exechook-timeout=1h',
    `--webhook-url=http://127.0.0.1:${silentPort}/never`,
    '--webhook-timeout=1h',
  ]);
  const closed = new Promise((r) => child.on('close', r));
  t.after(async () => {
    // SIGTERM: shutdown cancels the hung hook (its process group) before the program exits.
    child.kill('SIGTERM');
    await closed;
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
    await remote.cleanup();
    await cleanup();
  });
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  const url = await until(
    () => Promise.resolve(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(logs)?.[1]),
    'the http server',
  );
  const live = async (): Promise<string> =>
    path.basename(await fs.readlink(path.join(root, 'current')));
  await until(async () => ((await live().catch(() => '')) === first ? true : undefined), 'first');
  for (let i = 2; i <= 4; i++) {
    const sha = await remote.commit({ 'index.html': `v${i}\n` });
    await fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok' },
      body: '{}',
    });
    await until(async () => ((await live()) === sha ? true : undefined), `publish ${i}`);
  }
  assert.deepEqual(requests, [first], 'the first webhook call is still hanging');
  // The first exechook still runs (in the first tree, kept by retention while it is needed
  // or not: the hook only holds its cwd); SIGTERM must end it with the program.
  const hookPid = await until(async () => {
    for (const pid of (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
      const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd !== 'sleep\u00003600\u0000') continue;
      const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => '');
      if (cwd.includes(root)) return Number(pid);
    }
    return undefined;
  }, 'the hung exechook process');
  child.kill('SIGTERM');
  assert.equal(await closed, 0);
  assert.throws(() => process.kill(hookPid, 0), /ESRCH/, 'the hook died with the program');
});
