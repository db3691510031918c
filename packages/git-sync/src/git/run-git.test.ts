import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isPodkitError } from '@podkit/kit';
import { GitCommandError } from '../errors.js';
import { GitRunner } from './run-git.js';

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-git-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test('git sees a private HOME, no system config, C locale and env-only config', async (t) => {
  const home = await tmp(t);
  const spawned: Record<string, string>[] = [];
  const git = new GitRunner({
    home,
    config: { 'podkit.probe': 'value-1' },
    onSpawn: (_args, env) => spawned.push({ ...env }),
  });
  const { stdout } = await git.run(['config', '--get', 'podkit.probe']);
  assert.equal(stdout.trim(), 'value-1');
  const env = spawned[0]!;
  assert.equal(env['HOME'], home);
  assert.equal(env['GIT_TERMINAL_PROMPT'], '0');
  assert.equal(env['GIT_CONFIG_NOSYSTEM'], '1');
  assert.equal(env['LC_ALL'], 'C');
  assert.equal(env['USER'], undefined, 'nothing inherited beyond PATH');
});

test('a failure is a GitCommandError with code, exit status and redacted stderr', async (t) => {
  const home = await tmp(t);
  const git = new GitRunner({ home });
  git.redactor.add('topsecret');
  const err = await git.run(['--git-dir=/nonexistent/topsecret', 'rev-parse', 'HEAD']).then(
    () => assert.fail('expected failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GitCommandError);
  assert.ok(isPodkitError(err, 'GIT_SYNC_GIT_FAILED'));
  assert.equal(err.exitCode, 128);
  assert.match(err.stderr, /not a git repository/);
  assert.ok(!err.message.includes('topsecret') && !err.stderr.includes('topsecret'));
  assert.ok(err.args.some((a) => a.includes('***')));
});

test('timeouts and aborts have their own codes', async (t) => {
  const home = await tmp(t);
  // A stand-in for a git that hangs (a stalled remote), so the runner's own limits act.
  const hang = path.join(home, 'hang.sh');
  await fs.writeFile(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  const git = new GitRunner({ home, gitPath: hang });
  await assert.rejects(git.run(['x'], { timeoutMs: 200 }), (e) =>
    isPodkitError(e, 'GIT_SYNC_GIT_TIMEOUT'),
  );
  const ac = new AbortController();
  const p = git.run(['x'], { signal: ac.signal });
  setTimeout(() => {
    ac.abort();
  }, 50);
  await assert.rejects(p, (e) => isPodkitError(e, 'GIT_SYNC_ABORTED'));
  const missing = new GitRunner({ home, gitPath: path.join(home, 'no-git') });
  await assert.rejects(missing.run(['--version']), (e) =>
    isPodkitError(e, 'GIT_SYNC_SPAWN_FAILED'),
  );
});

test('every git gets safe.directory=* from the private global config, which env cannot redirect', async (t) => {
  const dir = await tmp(t);
  const home = path.join(dir, 'home'); // not there yet: the runner makes it
  const git = new GitRunner({
    home,
    config: { 'safe.directory': '/only/this' },
    env: { GIT_CONFIG_GLOBAL: path.join(dir, 'elsewhere'), HOME: dir },
  });
  const all = async (): Promise<string[]> =>
    (await git.run(['config', '--get-all', 'safe.directory'])).stdout.trim().split('\n');
  assert.deepEqual(await all(), ['*', '/only/this']);
  assert.equal(
    (await git.run(['config', '--global', '--get', 'safe.directory'])).stdout.trim(),
    '*',
  );
  assert.equal((await fs.stat(home)).mode & 0o777, 0o700);
  assert.equal((await fs.stat(git.globalConfigPath)).mode & 0o777, 0o600);
  // The home removed under a long-lived runner (a wiped volume): the next command restores it.
  await fs.rm(home, { recursive: true });
  assert.deepEqual(await all(), ['*', '/only/this']);
  assert.deepEqual(await fs.readdir(home), ['.gitconfig'], 'no temporary file left');
});
