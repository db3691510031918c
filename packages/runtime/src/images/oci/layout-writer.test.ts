import assert from 'node:assert/strict';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
  link,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { runCommand } from '../../host/run-command.js';
import { getImage } from '../image-store.js';
import { layerPath } from './import-image.js';
import {
  tarDirectory,
  writeDockerArchive,
  writeOciLayout,
  type ImageInput,
} from './layout-writer.js';
import { loadImageArchive } from './load-archive.js';
import { skopeoCopy } from '../../testing/registry-server.js';

async function tmp(t: TestContext): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'podkit-writer-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A small tree with the kinds of entry a root filesystem has. */
async function sampleTree(dir: string): Promise<string> {
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await mkdir(path.join(dir, 'etc', 'empty'), { recursive: true });
  await writeFile(path.join(dir, 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o4755 });
  await link(path.join(dir, 'bin', 'tool'), path.join(dir, 'bin', 'tool2'));
  await symlink('tool', path.join(dir, 'bin', 'alias'));
  await symlink('/etc/hostname', path.join(dir, 'etc', 'abs-link'));
  await writeFile(path.join(dir, 'etc', 'secret'), 's', { mode: 0o600 });
  return dir;
}

/** `path type mode [link target]` of every entry below `dir`, sorted. */
async function listing(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const n of (await readdir(path.join(dir, rel))).sort()) {
    const r = rel === '' ? n : `${rel}/${n}`;
    const st = await lstat(path.join(dir, r));
    const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : '?';
    const extra = st.isSymbolicLink() ? ` -> ${await readlink(path.join(dir, r))}` : '';
    out.push(`${r} ${type} ${(st.mode & 0o7777).toString(8)}${extra}`);
    if (st.isDirectory()) out.push(...(await listing(dir, r)));
  }
  return out;
}

test('layouts are deterministic: the same input gives the same digests', async (t) => {
  const work = await tmp(t);
  const tree = await sampleTree(path.join(work, 'tree'));
  const input: ImageInput & { refName: string } = {
    refName: '1.0',
    layers: [{ dir: tree }, { entries: [{ name: 'x', content: 'x' }], compression: 'none' }],
    config: { cmd: ['sh'], labels: { a: 'b' }, exposedPorts: ['8080/tcp'] },
  };
  const a = await writeOciLayout(path.join(work, 'a'), [input]);
  const b = await writeOciLayout(path.join(work, 'b'), [input]);
  assert.deepEqual(a.descriptors, b.descriptors);
  assert.equal(
    await readFile(path.join(work, 'a', 'index.json'), 'utf8'),
    await readFile(path.join(work, 'b', 'index.json'), 'utf8'),
  );
  const config = a.images[0]?.configJson as { config: Record<string, unknown>; history: unknown[] };
  assert.deepEqual(config.config.ExposedPorts, { '8080/tcp': {} });
  assert.equal(config.history.length, 2);
});

test('skopeo and umoci read what the writers write; podkit loads what skopeo writes and unpacks as umoci does', async (t) => {
  const work = await tmp(t);
  const root = path.join(work, 'state');
  const tree = await sampleTree(path.join(work, 'tree'));
  const layout = path.join(work, 'layout');
  const res = await writeOciLayout(layout, [
    { refName: '1.0', layers: [{ dir: tree }], config: { cmd: ['/bin/tool'] } },
  ]);
  const built = res.images[0];
  assert.ok(built !== undefined);
  const raw = await runCommand(['skopeo', 'inspect', '--raw', `oci:${layout}:1.0`]);
  assert.deepEqual(JSON.parse(raw.stdout), built.manifestJson);

  // Both docker save forms, as skopeo reads them.
  for (const form of ['classic', 'oci'] as const) {
    const file = path.join(work, `${form}.tar`);
    await writeDockerArchive(
      file,
      [{ repoTags: ['example.com/w:1'], layers: [{ dir: tree }] }],
      form,
    );
    const inspect = JSON.parse(
      (await runCommand(['skopeo', 'inspect', `docker-archive:${file}`])).stdout,
    ) as { Layers: string[]; Architecture: string };
    assert.deepEqual(inspect.Layers, [built.layers[0]?.diffId], form);
    assert.equal(inspect.Architecture, 'amd64');
  }

  // skopeo's own docker-archive and oci-archive of our layout load into podkit.
  const fromSkopeo = path.join(work, 'skopeo-docker.tar');
  await skopeoCopy(`oci:${layout}:1.0`, `docker-archive:${fromSkopeo}:example.com/from-skopeo:1`);
  const ociArchive = path.join(work, 'skopeo-oci.tar');
  await skopeoCopy(`oci:${layout}:1.0`, `oci-archive:${ociArchive}:2.0`);
  await loadImageArchive(root, fromSkopeo);
  const [viaOci] = await loadImageArchive(root, ociArchive);
  assert.deepEqual(
    viaOci?.names,
    ['localhost/skopeo-oci:2.0'],
    'a bare tag ref.name gets a local name',
  );
  const rec = await getImage(root, 'example.com/from-skopeo:1');
  assert.ok(rec?.kind === 'oci');
  assert.deepEqual(rec.config.cmd, ['/bin/tool']);
  const diffId = rec.layers[0];
  assert.equal(diffId, built.layers[0]?.diffId);

  // umoci unpacks the same layout to the same tree podkit unpacked.
  const bundle = path.join(work, 'bundle');
  await runCommand(['umoci', 'unpack', '--image', `${layout}:1.0`, bundle]);
  assert.deepEqual(
    await listing(layerPath(root, String(diffId))),
    await listing(path.join(bundle, 'rootfs')),
  );
  assert.deepEqual(await listing(path.join(bundle, 'rootfs')), await listing(tree));

  // A layout tarred by tarDirectory is an oci-archive skopeo reads.
  const tarred = path.join(work, 'layout.tar');
  await tarDirectory(layout, tarred);
  const viaTar = await runCommand(['skopeo', 'inspect', '--raw', `oci-archive:${tarred}:1.0`]);
  assert.deepEqual(JSON.parse(viaTar.stdout), built.manifestJson);
});
