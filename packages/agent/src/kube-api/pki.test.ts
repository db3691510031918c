import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PodkitError } from '@podkit/kit';
import { credentialsDir, ensureCredentials } from './pki.js';

test('credentials: made once (0600 files in a 0700 directory), reused, refused when unsafe', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-pki-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const first = await ensureCredentials(root);
  const dir = credentialsDir(root);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  for (const f of ['ca.crt', 'ca.key', 'server.crt', 'server.key', 'token'])
    assert.equal((await stat(path.join(dir, f))).mode & 0o777, 0o600, f);
  assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);

  const ca = new X509Certificate(first.caPem);
  const server = new X509Certificate(first.certPem);
  assert.equal(ca.ca, true);
  assert.equal(server.ca, false);
  assert.equal(server.verify(ca.publicKey), true);
  assert.equal(server.checkIssued(ca), true);
  assert.equal(server.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
  assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(server.checkHost('localhost'), 'localhost');

  const again = await ensureCredentials(root);
  assert.deepEqual(again, first);

  await chmod(path.join(dir, 'token'), 0o644);
  await assert.rejects(
    ensureCredentials(root),
    (e: unknown) =>
      e instanceof PodkitError && e.code === 'KUBE_API_CREDENTIALS' && /token/.test(e.message),
  );
});
