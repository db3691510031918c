import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPodkitError } from '@podkit/kit';
import { addImage, getImage, listImages, removeImage, resolveImage } from './image-store.js';

test('add, get by any spelling, list, replace, remove', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'podkit-images-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const rootfs = join(root, 'bb');
  await mkdir(rootfs);
  const nginx = await addImage(root, {
    name: 'nginx',
    source: { kind: 'host' },
    config: {
      entrypoint: ['nginx', '-g', 'daemon off;'],
      env: ['A=1'],
      workingDir: '/',
      user: 'www-data',
      stopSignal: 'SIGQUIT',
    },
  });
  assert.equal(nginx.name, 'docker.io/library/nginx:latest');
  await addImage(root, {
    name: 'busybox:test',
    source: { kind: 'rootfs', rootfs: join(root, '.', 'bb') },
  });
  const got = await getImage(root, 'docker.io/library/nginx');
  assert.ok(got !== undefined);
  assert.deepEqual(got.config.entrypoint, ['nginx', '-g', 'daemon off;']);
  assert.equal(got.kind, 'host');
  const bb = await resolveImage(root, 'docker.io/library/busybox:test');
  assert.equal(bb.kind === 'rootfs' ? bb.rootfs : '', rootfs);
  assert.deepEqual(
    (await listImages(root)).map((i) => i.name),
    ['docker.io/library/busybox:test', 'docker.io/library/nginx:latest'],
  );
  await addImage(root, { name: 'nginx:latest', source: { kind: 'host' }, config: { cmd: ['x'] } });
  assert.deepEqual((await getImage(root, 'nginx'))?.config, { cmd: ['x'] });
  assert.equal(await removeImage(root, 'nginx'), true);
  assert.equal(await removeImage(root, 'nginx'), false);
  assert.equal(await getImage(root, 'nginx'), undefined);
  // Atomic writes leave no temporary files behind.
  assert.deepEqual(await readdir(join(root, 'images')), [
    'docker.io%2Flibrary%2Fbusybox%3Atest.json',
  ]);
});

test('errors: missing image names the add command; bad rootfs; bad config', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'podkit-images-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.equal((await listImages(root)).length, 0);
  await assert.rejects(
    resolveImage(root, 'redis:7'),
    (e) =>
      isPodkitError(e, 'IMAGE_NOT_FOUND') &&
      (e.hint ?? '').includes('podkit image add redis:7 --host'),
  );
  await assert.rejects(
    addImage(root, { name: 'x', source: { kind: 'rootfs', rootfs: join(root, 'nope') } }),
    (e) => isPodkitError(e, 'IMAGE_ROOTFS_INVALID'),
  );
  await assert.rejects(
    addImage(root, { name: 'x', source: { kind: 'host' }, config: { workingDir: 'rel' } }),
    (e) => isPodkitError(e, 'IMAGE_CONFIG_INVALID'),
  );
  await assert.rejects(
    addImage(root, { name: 'x', source: { kind: 'host' }, config: { env: ['NOEQ'] } }),
    (e) => isPodkitError(e, 'IMAGE_CONFIG_INVALID'),
  );
});
