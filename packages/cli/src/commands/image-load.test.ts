import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { getImage } from '@podkit/runtime';
import { tarDirectory, writeOciLayout } from '@podkit/runtime/images';
import { BUSYBOX_PATH_ENV, cliTestEnv, makeBusyboxRootfs } from '../testing/cli-test-env.js';

test('image load (OCI tar), ls, rm refused while a pod uses it, rm --force / prune', async (t) => {
  const env = await cliTestEnv(t);
  const rootfs = await makeBusyboxRootfs(path.join(env.root, 'bb-src'));
  const layoutDir = path.join(env.root, 'layout');
  const res = await writeOciLayout(layoutDir, [
    {
      refName: 'example.com/bb:1',
      layers: [{ dir: rootfs }],
      config: { env: [BUSYBOX_PATH_ENV], cmd: ['sleep', '1000'] },
    },
  ]);
  const archive = path.join(env.root, 'bb.tar');
  await tarDirectory(layoutDir, archive);
  const manifestDigest = res.descriptors[0]?.digest ?? '';

  const load = await env.run(['image', 'load', archive]);
  assert.equal(load.code, 0, load.err());
  assert.equal(load.out(), `image/example.com/bb:1 loaded (${manifestDigest})\n`);

  const ls = await env.run(['image', 'ls']);
  assert.equal(ls.code, 0, ls.err());
  const row = ls
    .out()
    .split('\n')
    .find((l) => l.startsWith('example.com/bb:1'));
  const configHex = res.images[0]?.config.digest.slice(7, 19) ?? '';
  assert.match(
    row ?? '',
    new RegExp(
      `^example\\.com/bb:1 +oci +${configHex} +1\\.\\d+ MB +\\d+ years ago +\\["sleep","1000"\\]$`,
    ),
  );

  const file = await env.manifest(
    'pod.yaml',
    `apiVersion: v1
kind: Pod
metadata: { name: user }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - { name: main, image: "example.com/bb@${manifestDigest}" }
`,
  );
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.err());

  const refused = await env.run(['image', 'rm', 'example.com/bb:1']);
  assert.equal(refused.code, 1);
  assert.match(refused.err(), /image "example\.com\/bb:1" is used by pod default\/user/);
  assert.match(refused.err(), /--force/);
  assert.ok(await getImage(env.root, 'example.com/bb:1'), 'still there');

  // --force removes the record; prune keeps the layer the running container has mounted.
  const forced = await env.run(['image', 'rm', '--force', 'example.com/bb:1']);
  assert.equal(forced.code, 0, forced.err());
  const layers = path.join(env.root, 'images', 'layers', 'sha256');
  const prune1 = await env.run(['image', 'prune']);
  assert.equal(prune1.code, 0, prune1.err());
  assert.match(prune1.out(), /^removed 3 blobs and 0 layers, 1\.\d+ MB of blobs freed\n$/);
  assert.equal((await readdir(layers)).length, 1, 'the mounted layer is kept');

  const down = await env.run(['down', 'user']);
  assert.equal(down.code, 0, down.err());
  const prune2 = await env.run(['image', 'prune']);
  assert.equal(prune2.code, 0, prune2.err());
  assert.match(prune2.out(), /^removed 0 blobs and 1 layer, 0 B of blobs freed\n$/);
  assert.deepEqual(await readdir(layers), []);
});

test('image load: an unnamed layout needs --name; an unreadable path is a clear error', async (t) => {
  const env = await cliTestEnv(t);
  const dir = path.join(env.root, 'unnamed');
  await writeOciLayout(dir, [{ layers: [{ entries: [{ name: 'f', content: 'x' }] }] }]);
  const noName = await env.run(['image', 'load', dir]);
  assert.equal(noName.code, 1);
  assert.match(noName.err(), /has no name/);
  assert.match(noName.err(), /--name/);
  const named = await env.run(['image', 'load', dir, '--name', 'mine:2']);
  assert.equal(named.code, 0, named.err());
  assert.match(named.out(), /^image\/mine:2 loaded \(sha256:[0-9a-f]{64}\)\n$/);
  const missing = await env.run(['image', 'load', path.join(env.root, 'nope.tar')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err(), /cannot read .*nope\.tar/);
  assert.doesNotMatch(missing.err(), /\n\s+at /, 'no stack trace');
  const blobs = path.join(env.root, 'images', 'blobs', 'sha256');
  const before = await readdir(blobs);
  const junk = path.join(env.root, 'junk.tar');
  await writeFile(junk, 'not a tar at all');
  const bad = await env.run(['image', 'load', junk]);
  assert.equal(bad.code, 1);
  assert.match(bad.err(), /junk\.tar is not a readable image archive/);
  assert.doesNotMatch(bad.err(), /\n\s+at /, 'no stack trace');
  assert.deepEqual(await readdir(blobs), before, 'nothing stored');
});
