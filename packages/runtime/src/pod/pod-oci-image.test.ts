import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { getImage } from '../images/image-store.js';
import { layersDir } from '../images/oci/import-image.js';
import {
  tarDirectory,
  writeDockerArchive,
  writeOciLayout,
  type ImageInput,
} from '../images/oci/layout-writer.js';
import { loadImageArchive } from '../images/oci/load-archive.js';
import { readLogs } from '../logs/cri-log-reader.js';
import { BUSYBOX_PATH_ENV, makeBusyboxRootfs } from '../testing/busybox-rootfs.js';
import { waitForPod } from './wait-for-pod.js';
import { containerLogPath } from './pod-store.js';
import { hostDir, podTestEnv } from './test-pod-env.js';

test('OCI layouts (dir and tar) and docker save archives (both forms) load and run in a pod, sharing the busybox layer', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const work = await hostDir(t);
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  // Each image: the busybox layer (shared) + a layer with /hello naming its format.
  const image = (form: string): ImageInput => ({
    layers: [{ dir: rootfs }, { entries: [{ name: 'hello', content: `hello from ${form}\n` }] }],
    config: {
      env: [BUSYBOX_PATH_ENV, `FORM=${form}`],
      entrypoint: ['sh', '-c'],
      cmd: ['cat /hello; echo "env $FORM"; echo "pwd $(pwd)"'],
      workingDir: '/etc',
    },
  });
  const ociDir = path.join(work, 'oci-dir');
  await writeOciLayout(ociDir, [{ refName: 'example.com/oci-dir:1', ...image('oci-dir') }]);
  const ociTarDir = path.join(work, 'oci-tar');
  await writeOciLayout(ociTarDir, [{ refName: 'example.com/oci-tar:1', ...image('oci-tar') }]);
  await tarDirectory(ociTarDir, path.join(work, 'oci.tar'));
  await writeDockerArchive(
    path.join(work, 'classic.tar'),
    [{ repoTags: ['example.com/classic:1'], ...image('classic') }],
    'classic',
  );
  await writeDockerArchive(
    path.join(work, 'docker-oci.tar'),
    [{ repoTags: ['example.com/docker-oci:1'], ...image('docker-oci') }],
    'oci',
  );
  for (const src of [ociDir, 'oci.tar', 'classic.tar', 'docker-oci.tar']) {
    await loadImageArchive(layout.root, path.resolve(work, src));
  }
  const forms = ['oci-dir', 'oci-tar', 'classic', 'docker-oci'];
  const records = await Promise.all(forms.map((f) => getImage(layout.root, `example.com/${f}:1`)));
  const busyboxLayers = new Set(records.map((r) => (r?.kind === 'oci' ? r.layers[0] : '')));
  assert.equal(busyboxLayers.size, 1, 'every image has the same busybox diff_id');
  // One busybox layer + four /hello layers: the shared layer was unpacked once.
  assert.equal((await readdir(layersDir(layout.root))).filter((n) => !n.startsWith('.')).length, 5);

  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: loaded }
spec:
  restartPolicy: Never
  containers:
${forms.map((f) => `    - { name: ${f}, image: "example.com/${f}:1" }`).join('\n')}
    - name: nobody
      image: "example.com/classic:1"
      securityContext: { runAsUser: 65534, runAsGroup: 65534 }
      args: ['cat /hello; id -u']
`);
  const done = await waitForPod(layout, rec.uid, (r) => r.released, { timeoutMs: 90_000 });
  for (const f of forms) {
    const s = done.status.containerStatuses.find((c) => c.name === f);
    assert.equal(s?.state.terminated?.exitCode, 0, `${f}: ${JSON.stringify(s)}`);
    const lines: string[] = [];
    for await (const e of readLogs(containerLogPath(layout, rec.uid, f)))
      lines.push(e.line.toString('utf8'));
    assert.deepEqual(lines, [`hello from ${f}`, `env ${f}`, 'pwd /etc'], f);
  }
  // A non-root user reads the image's files (the 0700 store is no obstacle to the overlay).
  const nobody: string[] = [];
  for await (const e of readLogs(containerLogPath(layout, rec.uid, 'nobody')))
    nobody.push(e.line.toString('utf8'));
  assert.deepEqual(nobody, ['hello from classic', '65534']);
  // The image's files were not changed by the containers' runs (their writes go to upper).
  const hello = records[0]?.kind === 'oci' ? records[0].layers[1] : undefined;
  assert.equal(
    await readFile(path.join(layersDir(layout.root), String(hello?.slice(7)), 'hello'), 'utf8'),
    'hello from oci-dir\n',
  );
});
