import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { CliErrorCode } from './errors.js';
import { expandManifestPaths, readManifestFiles } from './manifest-files.js';

async function tree(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-manifest-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'k8s', 'nested'), { recursive: true });
  await mkdir(path.join(dir, 'k8s', 'a-sub'));
  await mkdir(path.join(dir, 'empty'));
  await mkdir(path.join(dir, 'only-sub', 'inner'), { recursive: true });
  for (const [name, text] of [
    ['k8s/web.yaml', 'web'],
    ['k8s/db.yml', 'db'],
    ['k8s/config.json', 'config'],
    ['k8s/README.md', 'not a manifest'],
    ['k8s/web.yaml.bak', 'not a manifest'],
    ['k8s/a-sub/first.yaml', 'first'],
    ['k8s/nested/deep.yaml', 'deep'],
    ['only-sub/inner/x.yaml', 'x'],
    ['svc.txt', 'named explicitly'],
  ] as const)
    await writeFile(path.join(dir, name), text);
  return dir;
}

test("a directory is its *.json, *.yaml, *.yml files sorted by name, not its subdirectories' (kubectl's rule)", async (t) => {
  const dir = await tree(t);
  const k8s = path.join(dir, 'k8s');
  assert.deepEqual(await expandManifestPaths([k8s], false), [
    path.join(k8s, 'config.json'),
    path.join(k8s, 'db.yml'),
    path.join(k8s, 'web.yaml'),
  ]);
});

test('-R walks subdirectories, each where its name sorts', async (t) => {
  const dir = await tree(t);
  const k8s = path.join(dir, 'k8s');
  assert.deepEqual(await expandManifestPaths([k8s], true), [
    path.join(k8s, 'a-sub', 'first.yaml'),
    path.join(k8s, 'config.json'),
    path.join(k8s, 'db.yml'),
    path.join(k8s, 'nested', 'deep.yaml'),
    path.join(k8s, 'web.yaml'),
  ]);
});

test('files and directories in the order given; a file named explicitly counts whatever its name; a path twice counts once', async (t) => {
  const dir = await tree(t);
  const svc = path.join(dir, 'svc.txt');
  const web = path.join(dir, 'k8s', 'web.yaml');
  assert.deepEqual(await expandManifestPaths([svc, web, path.join(dir, 'k8s'), svc], false), [
    svc,
    web,
    path.join(dir, 'k8s', 'config.json'),
    path.join(dir, 'k8s', 'db.yml'),
  ]);
  assert.deepEqual(await readManifestFiles([svc, web], false), [
    { file: svc, manifest: 'named explicitly' },
    { file: web, manifest: 'web' },
  ]);
});

test('an empty directory, or one whose manifests are only below it, is a usage error saying so', async (t) => {
  const dir = await tree(t);
  await assert.rejects(
    expandManifestPaths([path.join(dir, 'empty')], false),
    (err) =>
      isPodkitError(err, CliErrorCode.CLI_USAGE) &&
      /empty: no manifest files in this directory \(\*\.yaml, \*\.yml, \*\.json\)$/.test(
        err.message,
      ),
  );
  await assert.rejects(
    expandManifestPaths([path.join(dir, 'only-sub')], false),
    (err) =>
      isPodkitError(err, CliErrorCode.CLI_USAGE) && /-R \(--recursive\)/.test(err.hint ?? ''),
  );
  assert.deepEqual(await expandManifestPaths([path.join(dir, 'only-sub')], true), [
    path.join(dir, 'only-sub', 'inner', 'x.yaml'),
  ]);
});

test('a missing file is a usage error when it is read', async (t) => {
  const dir = await tree(t);
  await assert.rejects(
    readManifestFiles([path.join(dir, 'nope.yaml')], false),
    (err) =>
      isPodkitError(err, CliErrorCode.CLI_USAGE) && /nope\.yaml: no such file/.test(err.message),
  );
});
