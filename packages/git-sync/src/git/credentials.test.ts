import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isPodkitError } from '@podkit/kit';
import { credentialSetup, parseCredentials, readCredentialSecrets } from './credentials.js';

test('parseCredentials: an object or a list, git-sync keys, errors never echo the JSON', () => {
  assert.deepEqual(parseCredentials('{"url":"https://h/x","username":"u","password-file":"/p"}'), [
    { url: 'https://h/x', username: 'u', password: undefined, passwordFile: '/p' },
  ]);
  assert.equal(parseCredentials('[{"url":"a"},{"url":"b","password":"p"}]').length, 2);
  for (const bad of [
    '{"url":"a","password":"hunter22',
    '{"username":"u","password":"hunter22"}',
    '{"url":"a","pasword":"hunter22"}',
    '{"url":"a","password":"hunter22","password-file":"/f"}',
    '"hunter22"',
  ]) {
    assert.throws(
      () => parseCredentials(bad),
      (err) => {
        assert.ok(isPodkitError(err, 'GIT_SYNC_CREDENTIALS_INVALID'));
        assert.ok(!err.message.includes('hunter22'), err.message);
        return true;
      },
    );
  }
});

test('the helper answers git credential fill from env and a re-read file; no user value in the config text', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-cred-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const pw = path.join(dir, "pass word's $(id)");
  await fs.writeFile(pw, 'first\n');
  const { config, env } = credentialSetup([
    { url: 'https://a.example/org/repo', username: 'u$(id)', passwordFile: pw },
    { url: 'https://b.example', username: 'bee', password: 'inline-pw' },
  ]);
  for (const value of Object.values(config)) {
    assert.ok(!value.includes('$(id)') && !value.includes('inline-pw'), value);
  }
  const gitEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    ...env,
    GIT_CONFIG_COUNT: String(Object.keys(config).length),
  };
  Object.entries(config).forEach(([k, v], i) => {
    gitEnv[`GIT_CONFIG_KEY_${i}`] = k;
    gitEnv[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  const fill = async (url: string): Promise<string> => {
    const u = new URL(url);
    const child = execFile('git', ['credential', 'fill'], { env: gitEnv });
    child.stdin?.end(
      `protocol=${u.protocol.slice(0, -1)}\nhost=${u.host}\npath=${u.pathname.slice(1)}\n\n`,
    );
    let out = '';
    child.stdout?.on('data', (d: string) => (out += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    return out;
  };
  assert.match(await fill('https://a.example/org/repo'), /username=u\$\(id\)\npassword=first\n/);
  await fs.writeFile(pw, 'second');
  assert.match(await fill('https://a.example/org/repo'), /password=second\n/);
  assert.match(await fill('https://b.example/any'), /username=bee\npassword=inline-pw\n/);
  await assert.rejects(fill('https://c.example/x')); // nothing configured: no prompt, a failure
  assert.deepEqual(
    await readCredentialSecrets([
      { url: 'x', passwordFile: pw },
      { url: 'y', password: 'p2' },
    ]),
    ['second', 'p2'],
  );
  await assert.rejects(
    readCredentialSecrets([{ url: 'x', passwordFile: path.join(dir, 'none') }]),
    (e) => isPodkitError(e, 'GIT_SYNC_CREDENTIALS_INVALID'),
  );
});
