import { test } from 'node:test';
import assert from 'node:assert/strict';

import fs from 'node:fs/promises';
import path from 'node:path';
import { startGitSync } from '../../test/helpers/git-sync-bin.js';
import { makeRemote, tempRoot } from '../../test/helpers/git-remote.js';
import { startHttpGitServer } from '../../test/helpers/http-git-server.js';
import { SyncEngine } from '../sync/engine.js';
import { authSetup } from './auth.js';

async function until<T>(get: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000; // a bound against hanging, not a timing assertion
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Polls every process's argv and environment while a test runs, collecting any that holds
 * one of `secrets`, and counting the git processes seen (so the audit is known to have looked).
 */
function procAudit(secrets: () => string[]): {
  stop: () => Promise<{ leaks: string[]; gitSeen: number }>;
} {
  const leaks: string[] = [];
  const seenPids = new Set<string>();
  let gitSeen = 0;
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      const pids = (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n));
      await Promise.all(
        pids.map(async (pid) => {
          const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          const env = await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
          if (/(^|\/)git(\0|-)|git-remote-http|credential/.test(cmd) && !seenPids.has(pid)) {
            seenPids.add(pid);
            gitSeen++;
          }
          for (const s of secrets()) {
            if (cmd.includes(s)) leaks.push(`argv of ${pid}: ${cmd.split('\0').join(' ')}`);
            if (env.includes(s)) leaks.push(`environment of ${pid}`);
          }
        }),
      );
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    stop: async () => {
      state.running = false;
      await loop;
      return { leaks, gitSeen };
    },
  };
}

test('HTTPS-style auth: password file re-read at every sync; a wrong one fails redacted everywhere', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const secretsDir = await fs.mkdtemp(path.join(remote.dir, 'secret-'));
  const pwFile = path.join(secretsDir, 'password');
  const errorFile = path.join(root, 'error.txt');
  const passwords = ['pw-one-Q8zK1', 'pw-two-M3xV7', 'wrong-pw-T5nB2'];
  let serverPassword = passwords[0]!;
  const server = await startHttpGitServer(remote.bare, {
    user: 'bot',
    password: () => serverPassword,
  });
  await fs.writeFile(pwFile, `${passwords[0]!}\n`, { mode: 0o600 });
  const first = await remote.commit({ 'index.html': 'v1\n' });

  const audit = procAudit(() => passwords);
  const child = startGitSync([
    `--repo=${server.url}`,
    `--root=${root}`,
    '--link=current',
    '--ref=main',
    '--username=bot',
    `--password-file=${pwFile}`,
    `--error-file=${errorFile}`,
    '--period=1h', // only the webhook syncs again
    '--http-bind=127.0.0.1:0',
    '--inbound-token=tok-auth',
    '--log-level=debug',
  ]);
  t.after(async () => {
    child.kill('SIGKILL');
    await audit.stop();
    await server.close();
    await remote.cleanup();
    await cleanup();
  });
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const url = await until(() => {
    const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(logs);
    return Promise.resolve(m?.[1]);
  }, 'the http server');
  const published = async (): Promise<string> =>
    path.basename(await fs.readlink(path.join(root, 'current')));
  const status = async (): Promise<{ sha: string | null; lastError: { message: string } | null }> =>
    (await (await fetch(`${url}/status`)).json()) as {
      sha: string | null;
      lastError: { message: string } | null;
    };
  const kick = async (): Promise<void> => {
    const r = await fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-auth' },
      body: JSON.stringify({ ref: 'refs/heads/main' }),
    });
    assert.equal(r.status, 202);
  };

  await until(async () => ((await status()).sha === first ? true : undefined), 'first sync');
  assert.equal(await published(), first);

  // Rotation: server and file change; no restart.
  serverPassword = passwords[1]!;
  await fs.writeFile(pwFile, passwords[1]!);
  const second = await remote.commit({ 'index.html': 'v2\n' });
  await kick();
  await until(async () => ((await status()).sha === second ? true : undefined), 'rotated sync');
  assert.equal(await fs.readFile(path.join(root, 'current', 'index.html'), 'utf8'), 'v2\n');

  // A wrong password: the sync fails, the last tree stays, nothing shows a password.
  await fs.writeFile(pwFile, passwords[2]!);
  const denied = server.seen.denied;
  const third = await remote.commit({ 'index.html': 'v3\n' });
  await kick();
  const failed = await until(async () => {
    const s = await status();
    return s.lastError === null ? undefined : s;
  }, 'the failed sync');
  assert.ok(server.seen.denied > denied, 'the server refused the wrong password');
  assert.equal(await published(), second, 'the last good tree stays live');
  const errorText = await fs.readFile(errorFile, 'utf8');
  assert.match(errorText, /Authentication failed|401|could not read/i);
  assert.match(failed.lastError?.message ?? '', /Authentication failed|401|could not read/i);

  // Fixed again: the next sync succeeds and the error file goes away.
  await fs.writeFile(pwFile, passwords[1]!);
  await kick();
  await until(async () => ((await status()).sha === third ? true : undefined), 'recovered sync');
  await assert.rejects(fs.access(errorFile));

  const { leaks, gitSeen } = await audit.stop();
  assert.deepEqual(leaks, [], 'no password in any argv or environment');
  assert.ok(gitSeen > 0, 'the audit saw git children');
  const statusText = JSON.stringify(failed);
  for (const pw of passwords) {
    assert.ok(!logs.includes(pw), `logs hold ${pw}`);
    assert.ok(!errorText.includes(pw), `error file holds ${pw}`);
    assert.ok(!statusText.includes(pw), `/status holds ${pw}`);
  }
  child.kill('SIGTERM');
});

test('--credential entries (env GITSYNC_CREDENTIAL JSON list) authenticate a one-time sync', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const server = await startHttpGitServer(remote.bare, { user: 'ci', password: () => 'c-pass-9' });
  t.after(async () => {
    await server.close();
    await remote.cleanup();
    await cleanup();
  });
  const pwFile = path.join(remote.dir, 'pw');
  await fs.writeFile(pwFile, 'c-pass-9\n');
  const sha = await remote.commit({ 'a.txt': 'a\n' });
  const origin = new URL(server.url).origin;
  const child = startGitSync([], {
    GITSYNC_REPO: server.url,
    GITSYNC_ROOT: root,
    GITSYNC_LINK: 'current',
    GITSYNC_ONE_TIME: 'true',
    GITSYNC_MAX_FAILURES: '0',
    GITSYNC_CREDENTIAL: JSON.stringify([
      { url: 'https://other.invalid', username: 'x', password: 'unused' },
      { url: `${origin}/`, username: 'ci', 'password-file': pwFile },
    ]),
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, out);
  assert.equal(path.basename(await fs.readlink(path.join(root, 'current'))), sha);
  assert.ok(!out.includes('c-pass-9') && !out.includes('unused'));
});

test('SSH: GIT_SSH_COMMAND keeps a key path with spaces and quotes one argv word; host keys checked', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  const sha = await remote.commit({ 'x.txt': 'over ssh\n' });
  // A stand-in for ssh: records its argv (one word per line), then runs the remote command
  // locally, as sshd would, so the whole transport is exercised.
  const bin = path.join(remote.dir, 'bin');
  await fs.mkdir(bin);
  const argvLog = path.join(remote.dir, 'ssh-argv');
  await fs.writeFile(
    path.join(bin, 'ssh'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvLog}'\nfor a; do last=$a; done\nexec sh -c "$last"\n`,
    { mode: 0o755 },
  );
  const key = path.join(remote.dir, "my keys/it's $HOME `id`");
  const setup = authSetup({
    repo: `ssh://git@example.invalid${remote.bare}`,
    credentials: [],
    sshKeyFiles: [key],
    sshKnownHosts: true,
    sshKnownHostsFile: '/etc/git-secret/known hosts',
  });
  const engine = new SyncEngine({
    repo: `ssh://git@example.invalid${remote.bare}`,
    root,
    gitEnv: { ...setup.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` },
  });
  const result = await engine.sync(AbortSignal.timeout(60_000));
  assert.equal(result.sha, sha);
  const argv = (await fs.readFile(argvLog, 'utf8')).split('\n');
  assert.ok(argv.includes(key), `the key path is one argument: ${argv.join(' | ')}`);
  assert.ok(argv.includes('StrictHostKeyChecking=yes'));
  assert.ok(argv.includes('UserKnownHostsFile=/etc/git-secret/known hosts'));
  assert.ok(argv.includes('BatchMode=yes') && argv.includes('IdentitiesOnly=yes'));
});
