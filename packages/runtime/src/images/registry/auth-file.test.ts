import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PodkitError } from '@podkit/kit';
import { authFileCandidates, findCredentials } from './auth-file.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('auth files: podman lookup order, key spellings, most specific entry, bad entries', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-auth-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = {
    HOME: path.join(dir, 'home'),
    XDG_RUNTIME_DIR: path.join(dir, 'run'),
    REGISTRY_AUTH_FILE: path.join(dir, 'registry-auth.json'),
  };
  assert.deepEqual(authFileCandidates(env), [
    env.REGISTRY_AUTH_FILE,
    path.join(dir, 'run/containers/auth.json'),
    path.join(dir, 'home/.docker/config.json'),
  ]);
  assert.deepEqual(authFileCandidates(env, '/x.json'), ['/x.json']);

  // Nothing anywhere: anonymous.
  assert.equal(await findCredentials('r.example:5000', 'a/b', { env }), undefined);

  await mkdir(path.join(dir, 'home/.docker'), { recursive: true });
  await writeFile(
    path.join(dir, 'home/.docker/config.json'),
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:pw') },
        'r.example:5000': { username: 'plain', password: 'p:w' },
        'r.example:5000/team': { auth: b64('team:pw') },
      },
    }),
  );
  assert.deepEqual(await findCredentials('docker.io', 'library/busybox', { env }), {
    username: 'hub',
    password: 'pw',
  });
  assert.deepEqual(await findCredentials('r.example:5000', 'other/app', { env }), {
    username: 'plain',
    password: 'p:w',
  });
  assert.deepEqual(await findCredentials('r.example:5000', 'team/app', { env }), {
    username: 'team',
    password: 'pw',
  });
  // An earlier file in the order wins.
  await mkdir(path.join(dir, 'run/containers'), { recursive: true });
  await writeFile(
    path.join(dir, 'run/containers/auth.json'),
    JSON.stringify({ auths: { 'r.example:5000': { auth: b64('xdg:pw') } } }),
  );
  assert.equal((await findCredentials('r.example:5000', 'other/app', { env }))?.username, 'xdg');

  await writeFile(
    env.REGISTRY_AUTH_FILE,
    JSON.stringify({ auths: { 'r.example:5000': { auth: b64('nocolon') } } }),
  );
  await assert.rejects(
    findCredentials('r.example:5000', 'x', { env }),
    (e: unknown) =>
      e instanceof PodkitError &&
      e.code === 'REGISTRY_AUTH_FILE_INVALID' &&
      !e.message.includes('nocolon'),
  );
  await writeFile(env.REGISTRY_AUTH_FILE, '{not json');
  await assert.rejects(findCredentials('r.example:5000', 'x', { env }), /is not valid JSON/);
  // An explicit file must exist.
  await assert.rejects(
    findCredentials('r.example:5000', 'x', { env, authFile: path.join(dir, 'missing.json') }),
    /cannot read auth file/,
  );
});
