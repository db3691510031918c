import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, symlink, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  checkVolumes,
  prepareVolumes,
  releaseVolumes,
  resolveSubPath,
  type DownwardFacts,
  type VolumeObjects,
} from './index.js';
import { mountsUnder } from '../host/mounts.js';
import { parseManifests } from '../spec/manifests.js';
import type { Volume } from '../spec/types.js';

/** Volumes as the spec model defaults them (a pod around them, parsed from JSON). */
function vols(list: unknown[]): Volume[] {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { volumes: list, containers: [{ name: 'c', image: 'busybox' }] },
  };
  const set = parseManifests(JSON.stringify(pod), 'test.json');
  const parsed = set.pods[0];
  if (parsed === undefined) throw new Error(set.diagnostics.map((d) => d.message).join('; '));
  return parsed.spec.volumes;
}

const objects: VolumeObjects = {
  configMaps: new Map([
    [
      'web',
      new Map([
        ['index.html', Buffer.from('<h1>hi</h1>')],
        ['app.conf', Buffer.from('x=1')],
      ]),
    ],
  ]),
  secrets: new Map([['creds', new Map([['password', Buffer.from('s3cret')]])]]),
};

const facts: DownwardFacts = {
  name: 'web-1',
  namespace: 'default',
  uid: 'uid-1',
  labels: { app: 'web', tier: 'front' },
  annotations: {},
  nodeName: 'here',
  serviceAccountName: 'default',
  podIP: '10.89.0.5',
  hostIP: '127.0.0.1',
  containers: new Map([['c', { limits: { memory: '64Mi', cpu: '500m' }, requests: {} }]]),
  node: { cpuMillis: 2000, memoryBytes: 1 << 30, ephemeralStorageBytes: 1 << 30 },
};

async function podDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-vol-'));
  t.after(async () => {
    await releaseVolumes(dir);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

test('configMap volume honours defaultMode 0644 and items; secret is a tmpfs', async (t) => {
  const dir = await podDir(t);
  const prepared = await prepareVolumes(
    dir,
    vols([
      { name: 'web', configMap: { name: 'web', defaultMode: 0o644 } },
      {
        name: 'one',
        configMap: {
          name: 'web',
          items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }],
        },
      },
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            {
              path: 'mem',
              resourceFieldRef: {
                containerName: 'c',
                resource: 'limits.memory',
                divisor: '1Mi',
              },
            },
          ],
        },
      },
      { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ]),
    objects,
    facts,
  );
  const byName = new Map(prepared.map((v) => [v.name, v]));
  const web = byName.get('web')!;
  assert.equal((await stat(path.join(web.hostPath, 'index.html'))).mode & 0o777, 0o644);
  assert.equal(await readFile(path.join(web.hostPath, 'index.html'), 'utf8'), '<h1>hi</h1>');
  assert.ok(web.alwaysReadOnly);
  const one = byName.get('one')!;
  assert.equal((await stat(path.join(one.hostPath, 'conf/app.conf'))).mode & 0o777, 0o600);
  await assert.rejects(stat(path.join(one.hostPath, 'index.html')));
  const creds = byName.get('creds')!;
  assert.equal(await readFile(path.join(creds.hostPath, 'password'), 'utf8'), 's3cret');
  assert.equal((await stat(path.join(creds.hostPath, 'password'))).mode & 0o777, 0o400);
  const info = byName.get('info')!;
  assert.equal(
    await readFile(path.join(info.hostPath, 'labels'), 'utf8'),
    'app="web"\ntier="front"',
  );
  assert.equal(await readFile(path.join(info.hostPath, 'mem'), 'utf8'), '64');
  const mounts = await mountsUnder(dir);
  assert.ok(mounts.includes(creds.hostPath), 'secret volume is a tmpfs');
  assert.ok(mounts.includes(byName.get('scratch')!.hostPath), 'Memory emptyDir is a tmpfs');
  // The 1Mi tmpfs refuses a 2 MiB file.
  await assert.rejects(
    writeFile(path.join(byName.get('scratch')!.hostPath, 'big'), Buffer.alloc(2 << 20)),
    /ENOSPC/,
  );
  await releaseVolumes(dir);
  assert.deepEqual(await mountsUnder(dir), []);
});

test('checkVolumes lists every missing object and key without creating anything', async () => {
  const problems = await checkVolumes(
    vols([
      { name: 'a', configMap: { name: 'nope' } },
      { name: 'b', configMap: { name: 'web', items: [{ key: 'missing', path: 'm' }] } },
      { name: 'c', secret: { secretName: 'gone', optional: true } },
      { name: 'd', hostPath: { path: '/definitely/not/here', type: 'Directory' } },
      { name: 'e', hostPath: { path: '/etc/hostname', type: 'Directory' } },
    ]),
    objects,
  );
  assert.deepEqual(problems, [
    'volume "a": configMap "nope" not found in the manifest set',
    'volume "b": configMap "web" has no key "missing"',
    'volume "d": hostPath /definitely/not/here: does not exist (type Directory needs a directory)',
    'volume "e": hostPath /etc/hostname: is not a directory (type Directory)',
  ]);
});

test('a failed prepare removes what it made', async (t) => {
  const dir = await podDir(t);
  await assert.rejects(
    prepareVolumes(
      dir,
      vols([
        { name: 'creds', secret: { secretName: 'creds' } },
        { name: 'bad', configMap: { name: 'nope' } },
      ]),
      objects,
      facts,
    ),
    /configMap "nope" not found/,
  );
  assert.deepEqual(await mountsUnder(dir), []);
  await assert.rejects(stat(path.join(dir, 'volumes')));
});

test('subPath cannot escape its volume through a symlink', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-sub-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'inside'));
  await symlink('/etc', path.join(root, 'evil'));
  await symlink('inside', path.join(root, 'ok'));
  assert.equal(await resolveSubPath(root, 'ok'), path.join(root, 'inside'));
  assert.equal(await resolveSubPath(root, 'new/dir'), path.join(root, 'new/dir'));
  await assert.rejects(resolveSubPath(root, 'evil'), { code: 'VOLUME_SUBPATH_ESCAPE' });
  await assert.rejects(resolveSubPath(root, '../x'), { code: 'VOLUME_SUBPATH_INVALID' });
});
