import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { shellQuote, sshCommand } from './ssh.js';

const run = promisify(execFile);

test('shellQuote keeps any string one word for /bin/sh', async () => {
  const words = ["it's", 'a b', '$HOME', '`id`', '"q"', 'x\ny', '', "''", '\\'];
  const { stdout } = await run('/bin/sh', [
    '-c',
    `printf '%s\\0' ${words.map(shellQuote).join(' ')}`,
  ]);
  assert.deepEqual(stdout.split('\0').slice(0, -1), words);
});

test('sshCommand: strict host keys with a file, or none at all', () => {
  const strict = sshCommand({ keyFiles: ['/k'], knownHosts: true, knownHostsFile: '/kh' });
  assert.match(strict, /'StrictHostKeyChecking=yes' '-o' 'UserKnownHostsFile=\/kh'/);
  assert.match(strict, /'-i' '\/k'/);
  const lax = sshCommand({ keyFiles: [], knownHosts: false, knownHostsFile: '/kh' });
  assert.match(lax, /StrictHostKeyChecking=no.*UserKnownHostsFile=\/dev\/null/);
  assert.ok(!lax.includes('-i'));
});
