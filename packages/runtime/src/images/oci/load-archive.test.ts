import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { getImage, listImages, removeImage } from '../image-store.js';
import { imageLowerDirs, mountRootfs } from '../rootfs-mount.js';
import { blobsDir, hasBlob, putBlobBytes } from './blob-store.js';
import { importImage, layersDir } from './import-image.js';
import { tarDirectory, writeLayerBlob, writeOciLayout } from './layout-writer.js';
import { MEDIA_TYPES } from './media-types.js';
import { loadImageArchive } from './load-archive.js';
import { pruneImageStore } from './prune.js';
import { beginImageWrite } from './store-activity.js';

async function tmp(t: TestContext, prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

const ls = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);

test('a multi-arch index resolves to linux/amd64; name@digest finds the image', async (t) => {
  const work = await tmp(t, 'podkit-load-');
  const root = path.join(work, 'state');
  const layout = path.join(work, 'layout');
  const res = await writeOciLayout(layout, [
    {
      refName: 'example.com/multi:1',
      index: [
        {
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          layers: [{ entries: [{ name: 'arch', content: 'arm64' }] }],
        },
        { layers: [{ entries: [{ name: 'arch', content: 'amd64' }] }], config: { cmd: ['x'] } },
      ],
    },
  ]);
  const [loaded] = await loadImageArchive(root, layout);
  const amd64 = res.images[1];
  assert.ok(loaded !== undefined && amd64 !== undefined);
  assert.deepEqual(loaded.names, ['example.com/multi:1']);
  const rec = await getImage(root, 'example.com/multi:1');
  assert.ok(rec?.kind === 'oci');
  assert.equal(rec.digest, res.descriptors[0]?.digest, 'the index digest, as loaded');
  assert.equal(rec.manifestDigest, amd64.manifest.digest, 'the amd64 manifest');
  assert.deepEqual(rec.config.cmd, ['x']);
  const [layer] = rec.layers;
  assert.ok(layer !== undefined);
  assert.equal(await readFile(path.join(layersDir(root), layer.slice(7), 'arch'), 'utf8'), 'amd64');
  for (const d of [rec.digest, rec.manifestDigest]) {
    assert.equal((await getImage(root, `example.com/multi@${String(d)}`))?.name, rec.name);
  }
  assert.equal(await getImage(root, `example.com/other@${String(rec.digest)}`), undefined);

  // An index without amd64 is refused with the platforms it offers.
  const armOnly = path.join(work, 'arm');
  await writeOciLayout(armOnly, [
    {
      refName: 'example.com/arm:1',
      index: [{ platform: { os: 'linux', architecture: 'arm64' }, layers: [] }],
    },
  ]);
  await assert.rejects(loadImageArchive(root, armOnly), (err: unknown) => {
    assert.ok(isPodkitError(err, 'IMAGE_PLATFORM_NOT_FOUND'));
    assert.match(err.hint ?? '', /offers linux\/arm64/);
    return true;
  });
});

test('a corrupted blob is refused with a digest error and nothing is stored', async (t) => {
  const work = await tmp(t, 'podkit-load-');
  const root = path.join(work, 'state');
  const layout = path.join(work, 'layout');
  const res = await writeOciLayout(layout, [
    {
      refName: 'example.com/c:1',
      layers: [
        { entries: [{ name: 'a', content: 'first layer' }] },
        { entries: [{ name: 'b', content: 'second layer' }] },
      ],
    },
  ]);
  const bad = res.images[0]?.layers[1]?.digest;
  assert.ok(bad !== undefined);
  const file = path.join(layout, 'blobs', 'sha256', bad.slice(7));
  const bytes = await readFile(file);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
  await writeFile(file, bytes);
  const tarFile = path.join(work, 'c.tar');
  await tarDirectory(layout, tarFile);
  for (const src of [layout, tarFile]) {
    await assert.rejects(loadImageArchive(root, src), (err: unknown) => {
      assert.ok(isPodkitError(err, 'IMAGE_DIGEST_MISMATCH'), String(err));
      assert.match(err.message, new RegExp(`expected ${bad}`));
      return true;
    });
    assert.deepEqual(await listImages(root), []);
    assert.deepEqual(await ls(blobsDir(root)), [], 'no blob stored');
    assert.deepEqual(await ls(layersDir(root)), [], 'no layer unpacked');
  }
});

test('whiteouts and opaque directories apply across layers in the overlay; prune frees what no image uses', async (t) => {
  const work = await tmp(t, 'podkit-load-');
  const root = path.join(work, 'state');
  const layout = path.join(work, 'layout');
  await writeOciLayout(layout, [
    {
      refName: 'example.com/wh:1',
      layers: [
        {
          entries: [
            { name: 'keep', content: 'k' },
            { name: 'deleted', content: 'd' },
            { name: 'dir/', type: 'directory' },
            { name: 'dir/old1', content: '1' },
            { name: 'dir/old2', content: '2' },
            { name: 'merged/', type: 'directory' },
            { name: 'merged/lower', content: 'l' },
          ],
        },
        {
          entries: [
            { name: '.wh.deleted' },
            { name: 'dir/', type: 'directory' },
            { name: 'dir/.wh..wh..opq' },
            { name: 'dir/new', content: 'n' },
            { name: 'merged/upper', content: 'u' },
          ],
          compression: 'none',
        },
      ],
    },
  ]);
  await loadImageArchive(root, layout);
  const rec = await getImage(root, 'example.com/wh:1');
  assert.ok(rec !== undefined);
  const containerDir = path.join(work, 'c1');
  const mount = await mountRootfs({ lowerDirs: imageLowerDirs(root, rec), containerDir });
  t.after(() => mount.unmount());
  const top = (await readdir(mount.path)).sort();
  assert.deepEqual(
    top.filter((n) => n !== 'tmp' && n !== 'run'),
    ['dir', 'keep', 'merged'],
  );
  assert.deepEqual(await readdir(path.join(mount.path, 'dir')), ['new'], 'opaque: lower hidden');
  assert.deepEqual((await readdir(path.join(mount.path, 'merged'))).sort(), ['lower', 'upper']);

  // In use by a mounted container: prune keeps the layers even with the record gone.
  await removeImage(root, rec.name);
  const p1 = await pruneImageStore(root);
  assert.equal(p1.layers.length, 0, 'mounted layers are kept');
  assert.ok(p1.blobs.length >= 4, 'manifest, config and layer blobs removed');
  await mount.unmount();
  const p2 = await pruneImageStore(root);
  assert.equal(p2.layers.length, 2);
  assert.deepEqual(await ls(layersDir(root)), []);
  assert.deepEqual(await ls(blobsDir(root)), []);
});

test('prune keeps everything an image refers to', async (t) => {
  const work = await tmp(t, 'podkit-load-');
  const root = path.join(work, 'state');
  const layout = path.join(work, 'layout');
  const res = await writeOciLayout(layout, [
    { refName: 'example.com/a:1', layers: [{ entries: [{ name: 'a', content: 'a' }] }] },
    { refName: 'example.com/b:1', layers: [{ entries: [{ name: 'b', content: 'b' }] }] },
  ]);
  await loadImageArchive(root, layout);
  await removeImage(root, 'example.com/b:1');
  const r = await pruneImageStore(root);
  assert.equal(r.layers.length, 1);
  assert.equal(r.blobs.length, 3);
  const a = res.images[0];
  assert.ok(a !== undefined);
  for (const d of [a.manifest.digest, a.config.digest, ...a.layers.map((l) => l.digest)])
    assert.ok(await hasBlob(root, d), d);
  assert.ok(
    (await lstat(path.join(layersDir(root), a.layers[0]?.diffId.slice(7) ?? ''))).isDirectory(),
  );
});

test('docker save forms: a gzip-compressed classic archive with a symlinked duplicate layer; a Docker v2s2 manifest', async (t) => {
  const work = await tmp(t, 'podkit-load-');
  const root = path.join(work, 'state');
  // A classic archive by hand, as `docker save` of two images sharing a layer writes it:
  // the second image's layer.tar is a symlink to the first's.
  const tree = path.join(work, 'tree');
  const blobs = path.join(work, 'blobs');
  const layer = await writeLayerBlob(blobs, {
    entries: [{ name: 'shared', content: 'same bytes' }],
    compression: 'none',
  });
  const hex = (d: string): string => d.slice('sha256:'.length);
  const configJson = (cmd: string): Buffer =>
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: [cmd] },
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      }),
    );
  const configs = [configJson('one'), configJson('two')];
  const cfgHex = configs.map((c) => createHash('sha256').update(c).digest('hex'));
  await mkdir(path.join(tree, 'aaa'), { recursive: true });
  await mkdir(path.join(tree, 'bbb'), { recursive: true });
  await copyFile(
    path.join(blobs, 'sha256', hex(layer.digest)),
    path.join(tree, 'aaa', 'layer.tar'),
  );
  await symlink('../aaa/layer.tar', path.join(tree, 'bbb', 'layer.tar'));
  for (const [i, c] of configs.entries())
    await writeFile(path.join(tree, `${String(cfgHex[i])}.json`), c);
  await writeFile(
    path.join(tree, 'manifest.json'),
    JSON.stringify([
      { Config: `${String(cfgHex[0])}.json`, RepoTags: ['one:1'], Layers: ['aaa/layer.tar'] },
      { Config: `${String(cfgHex[1])}.json`, RepoTags: ['two:1'], Layers: ['bbb/layer.tar'] },
    ]),
  );
  const archive = path.join(work, 'saved.tar.gz');
  await tarDirectory(tree, archive, { gzip: true });
  const loaded = await loadImageArchive(root, archive);
  assert.deepEqual(
    loaded.map((l) => l.names),
    [['docker.io/library/one:1'], ['docker.io/library/two:1']],
  );
  const one = await getImage(root, 'one:1');
  const two = await getImage(root, 'two:1');
  assert.ok(one?.kind === 'oci' && two !== undefined);
  assert.deepEqual(one.config.cmd, ['one']);
  assert.deepEqual(two.config.cmd, ['two']);
  assert.equal(one.configDigest, `sha256:${String(cfgHex[0])}`);
  assert.deepEqual(await ls(layersDir(root)), [hex(layer.diffId)], 'one unpacked layer');

  // A tampered classic config (its file name is its digest) is refused.
  await writeFile(path.join(tree, `${String(cfgHex[0])}.json`), configJson('evil'));
  const bad = path.join(work, 'bad.tar');
  await tarDirectory(tree, bad);
  await assert.rejects(loadImageArchive(path.join(work, 'state2'), bad), (err: unknown) =>
    isPodkitError(err, 'IMAGE_DIGEST_MISMATCH'),
  );

  // A Docker v2 schema 2 manifest (as registries serve docker-built images) imports too.
  const cfg = await putBlobBytes(root, configJson('v2s2'));
  const manifest = await putBlobBytes(
    root,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.dockerManifest,
        config: {
          mediaType: MEDIA_TYPES.dockerConfig,
          digest: cfg,
          size: configJson('v2s2').length,
        },
        layers: [{ mediaType: MEDIA_TYPES.dockerLayer, digest: layer.digest, size: layer.size }],
      }),
    ),
  );
  const [rec] = await importImage(root, { names: ['v2s2:1'], manifestDigest: manifest });
  assert.ok(rec?.kind === 'oci');
  assert.deepEqual(rec.config.cmd, ['v2s2']);
  assert.deepEqual(rec.layers, [layer.diffId]);
});

test('prune is refused while a load or pull is under way; a crashed one does not block it', async (t) => {
  const root = await tmp(t, 'podkit-load-');
  const write = await beginImageWrite(root);
  await assert.rejects(pruneImageStore(root), (err: unknown) => {
    assert.ok(isPodkitError(err, 'IMAGE_IN_USE'));
    assert.match(err.message, new RegExp(`pid ${String(process.pid)}`));
    return true;
  });
  await write.release();
  // A mark left by a process that is gone (pid 2^22 + 1 is above pid_max's default).
  await writeFile(path.join(root, 'images', '.inflight', '4194305-dead'), '4194305 1\n');
  assert.deepEqual(await pruneImageStore(root), { blobs: [], layers: [], bytes: 0 });
  assert.deepEqual(await ls(path.join(root, 'images', '.inflight')), []);
});

test('an image of 45 layers mounts (relative lowerdirs) and prune keeps its mounted layers', async (t) => {
  const work = await tmp(t, 'podkit-load-');
  const root = path.join(work, 'state');
  const layout = path.join(work, 'layout');
  const layers = Array.from({ length: 45 }, (_, i) => ({
    entries: [
      { name: `f${String(i)}`, content: String(i) },
      { name: 'top', content: `layer ${String(i)}` },
    ],
  }));
  await writeOciLayout(layout, [{ refName: 'example.com/deep:1', layers }]);
  await loadImageArchive(root, layout);
  const rec = await getImage(root, 'example.com/deep:1');
  assert.ok(rec !== undefined);
  const lowers = imageLowerDirs(root, rec);
  assert.ok(lowers.join(':').length > 4096, 'absolute lowerdirs would not fit a mount');
  const mount = await mountRootfs({ lowerDirs: lowers, containerDir: path.join(work, 'c') });
  t.after(() => mount.unmount());
  assert.equal(await readFile(path.join(mount.path, 'f0'), 'utf8'), '0');
  assert.equal(await readFile(path.join(mount.path, 'top'), 'utf8'), 'layer 44');
  await removeImage(root, rec.name);
  assert.equal((await pruneImageStore(root)).layers.length, 0, 'all 45 are mounted');
  await mount.unmount();
  assert.equal((await pruneImageStore(root)).layers.length, 45);
});

test('an image with a hostile layer is refused whole: no record, no layer, no blob; the canary is untouched', async (t) => {
  const work = await tmp(t, 'podkit-load-');
  const root = path.join(work, 'state');
  const canary = path.join(work, 'canary');
  await writeFile(canary, 'canary');
  const layout = path.join(work, 'layout');
  await writeOciLayout(layout, [
    {
      refName: 'example.com/evil:1',
      layers: [
        { entries: [{ name: 'ok', content: 'fine' }] },
        {
          entries: [
            { name: 'esc', type: 'symlink', linkname: work },
            { name: 'esc/canary', content: 'pwned' },
          ],
        },
      ],
    },
  ]);
  await assert.rejects(loadImageArchive(root, layout), (err: unknown) => {
    assert.ok(isPodkitError(err, 'IMAGE_LAYER_UNSAFE'));
    assert.match(err.message, /"esc\/canary" goes through the symlink "esc"/);
    return true;
  });
  assert.equal(await readFile(canary, 'utf8'), 'canary');
  assert.deepEqual(await listImages(root), []);
  assert.deepEqual(await ls(layersDir(root)), [], 'the first, good layer was removed too');
  assert.deepEqual(await ls(blobsDir(root)), []);
});
