import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { addImage, resolveImage } from '../images/image-store.js';
import { listPodRecords } from './pod-store.js';
import { AdmissionError } from './admission.js';
import { podTestEnv } from './test-pod-env.js';

/*
 * An image made with `podkit image add --rootfs DIR` whose DIR was removed afterwards: refused
 * at admission, up front, naming the image, the directory and what to do — not a pod sitting
 * in Running while every start fails to mount its root filesystem.
 */

test('a --rootfs image whose directory was removed: resolveImage and admission refuse it, naming image and directory; nothing is created', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const dir = path.join(layout.root, 'gone-rootfs');
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await addImage(layout.root, {
    name: 'example.com/gone:1',
    source: { kind: 'rootfs', rootfs: dir },
  });
  await rm(dir, { recursive: true });

  await assert.rejects(resolveImage(layout.root, 'example.com/gone:1'), (e: unknown) => {
    assert.ok(isPodkitError(e, 'IMAGE_ROOTFS_MISSING'), String(e));
    assert.equal(
      e.message,
      `image "example.com/gone:1" cannot be used: its root filesystem directory ${dir} (podkit image add --rootfs) no longer exists`,
    );
    assert.match(e.hint ?? '', /podkit image add example\.com\/gone:1 --rootfs DIR/);
    return true;
  });

  // Two containers of the pod use it: one problem naming both, beside the pod's other image.
  const err = await up(`
apiVersion: v1
kind: Pod
metadata: { name: gone }
spec:
  containers:
    - { name: a, image: example.com/gone:1, command: [sleep, "100"] }
    - { name: b, image: example.com/gone:1, command: [sleep, "100"] }
    - { name: fine, image: busybox:test, command: [sleep, "100"] }
`).then(
    () => assert.fail('a pod with a vanished rootfs was admitted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AdmissionError, String(err));
  assert.equal(err.problems.length, 1, err.message);
  assert.match(
    err.problems[0] ?? '',
    new RegExp(
      `^containers "a", "b": image "example\\.com/gone:1" cannot be used: its root filesystem directory ${dir} .*no longer exists \\(restore ${dir}, or define the image again`,
    ),
  );
  assert.doesNotMatch(err.message, /\n\s+at /);
  assert.deepEqual(await listPodRecords(layout), []);
  assert.deepEqual(await readdir(layout.podsDir), []);

  // A file where the directory was: "no longer a directory".
  await writeFile(dir, 'not a rootfs');
  await assert.rejects(resolveImage(layout.root, 'example.com/gone:1'), /is no longer a directory/);
});
