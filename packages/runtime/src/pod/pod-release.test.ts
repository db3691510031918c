import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountsUnder, mountTmpfs } from '../host/mounts.js';
import { parseManifests } from '../spec/index.js';
import { stateLayout } from '../state/state-root.js';
import { releasePodObjects, savePodObjects } from './pod-objects.js';
import { releasePodResources } from './pod-release.js';

// A pod whose sandbox is already gone (e.g. a crash mid-teardown) still holds its ConfigMap
// tmpfs, a memory volume and a container directory: one release frees all of it and a second
// finds nothing to do. (Containers and sandboxes: pod-cleanup.test.ts, with runc.)
test('releasePodResources frees pod objects, volumes and mounts, and is idempotent', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-release-'));
  const layout = stateLayout(root);
  const podDir = layout.podDir('u1');
  t.after(async () => {
    await releasePodObjects(podDir).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });
  const { configMaps } = parseManifests(
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n',
    'cfg.yaml',
  );
  await savePodObjects(podDir, configMaps, []);
  const volume = path.join(podDir, 'volumes', 'mem');
  await mkdir(volume, { recursive: true });
  await mountTmpfs(volume, { sizeBytes: 1024 * 1024, mode: 0o755 });
  await mkdir(path.join(podDir, 'containers', 'a'), { recursive: true });
  await writeFile(path.join(podDir, 'pod.json'), '{}');
  assert.equal((await mountsUnder(podDir)).length, 2);

  await releasePodResources(layout, 'u1');
  assert.deepEqual(await mountsUnder(podDir), []);
  await assert.rejects(stat(path.join(podDir, 'volumes')), { code: 'ENOENT' });
  // The record stays: only `down` removes it.
  assert.ok((await stat(path.join(podDir, 'pod.json'))).isFile());

  await releasePodResources(layout, 'u1');
  assert.deepEqual(await mountsUnder(podDir), []);
});

test('a file without ConfigMaps or Secrets keeps nothing: no tmpfs on the start path', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-release-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const podDir = stateLayout(root).podDir('u2');
  await savePodObjects(podDir, [], []);
  assert.deepEqual(await mountsUnder(podDir), []);
});
