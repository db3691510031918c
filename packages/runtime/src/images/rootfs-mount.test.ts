import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  rmdir,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { mountRootfs, unmountRootfs } from './rootfs-mount.js';
import { isMountPoint } from '../host/mounts.js';
import { hostImageIsolation } from './host-image.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  // Under /var/lib, not /tmp: a host overlay's lower layer must not hide its own upper dir.
  await mkdir('/var/lib/podkit-test', { recursive: true });
  const dir = await mkdtemp('/var/lib/podkit-test/rootfs-');
  t.after(async () => {
    await unmountRootfs(join(dir, 'c'));
    await rm(dir, { recursive: true, force: true });
    await rmdir('/var/lib/podkit-test').catch(() => undefined); // only when empty
  });
  return dir;
}

test('host image: the host / read-only below, writes go to a private upper dir', async (t) => {
  const dir = await tempDir(t);
  const containerDir = join(dir, 'c');
  const rootfs = await mountRootfs({ lowerDirs: ['/'], containerDir });
  assert.equal(rootfs.path, join(containerDir, 'rootfs'));
  assert.ok(await isMountPoint(rootfs.path));
  assert.equal(
    await readFile(join(rootfs.path, 'etc/debian_version'), 'utf8'),
    await readFile('/etc/debian_version', 'utf8'),
  );
  const name = `podkit-test-${process.pid}-${Date.now()}`;
  await writeFile(join(rootfs.path, 'opt', name), 'x');
  assert.equal(await readFile(join(rootfs.upperDir, 'opt', name), 'utf8'), 'x');
  await assert.rejects(stat(join('/opt', name)), { code: 'ENOENT' });
  await rootfs.unmount();
  await rootfs.unmount(); // idempotent
  assert.equal(await isMountPoint(rootfs.path), false);
  await assert.rejects(stat(join(containerDir, 'overlay')), { code: 'ENOENT' });
  await assert.rejects(stat(rootfs.path), { code: 'ENOENT' });
});

test('rootfs image: a plain directory below; /tmp and /run made writable in the upper dir', async (t) => {
  const dir = await tempDir(t);
  const image = join(dir, 'image');
  await mkdir(join(image, 'bin'), { recursive: true });
  await copyFile('/usr/bin/busybox', join(image, 'bin', 'busybox'));
  {
    await using rootfs = await mountRootfs({ lowerDirs: [image], containerDir: join(dir, 'c') });
    assert.ok((await stat(join(rootfs.path, 'bin/busybox'))).isFile());
    assert.equal((await stat(join(rootfs.path, 'tmp'))).mode & 0o7777, 0o1777);
    assert.ok((await stat(join(rootfs.upperDir, 'run'))).isDirectory());
    await assert.rejects(stat(join(image, 'tmp')), { code: 'ENOENT' });
  }
  assert.equal(await isMountPoint(join(dir, 'c', 'rootfs')), false);
});

test('a failed mount leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(
    mountRootfs({ lowerDirs: [join(dir, 'missing')], containerDir: join(dir, 'c') }),
    { code: 'ROOTFS_MOUNT_FAILED' },
  );
  await assert.rejects(stat(join(dir, 'c', 'overlay')), { code: 'ENOENT' });
});

test('host isolation: dirs become tmpfs with their mode, files are masked, missing skipped', async (t) => {
  const dir = await tempDir(t);
  const host = join(dir, 'host');
  await mkdir(join(host, 'root'), { recursive: true, mode: 0o700 });
  await mkdir(join(host, 'tmp'), { recursive: true });
  await chmod(join(host, 'tmp'), 0o1777);
  await mkdir(join(host, 'etc'), { recursive: true });
  await writeFile(join(host, 'etc', 'shadow'), 'secret');
  await mkdir(join(host, 'state'));
  const iso = await hostImageIsolation({
    stateRoot: '/state',
    extraHidden: ['/project'],
    hostRoot: host,
  });
  assert.deepEqual(iso.tmpfs, [
    { destination: '/root', mode: '700' },
    { destination: '/tmp', mode: '1777' },
    { destination: '/state', mode: '755' },
  ]);
  assert.deepEqual(iso.maskedPaths, ['/etc/shadow']);
});
