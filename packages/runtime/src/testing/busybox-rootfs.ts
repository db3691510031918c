import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Makes a minimal root filesystem from Debian's static busybox: /bin/busybox plus a relative
 * symlink per applet (`busybox --install -s` would point them at the host's path), /etc/passwd
 * with root and nobody. Used by tests as the rootfs of a `--rootfs` image.
 */
export async function makeBusyboxRootfs(dir: string): Promise<string> {
  const bin = path.join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await copyFile('/usr/bin/busybox', path.join(bin, 'busybox'));
  const applets = spawnSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split(
    '\n',
  );
  for (const a of applets) {
    if (a !== '' && a !== 'busybox') await symlink('busybox', path.join(bin, a));
  }
  await mkdir(path.join(dir, 'etc'), { recursive: true });
  await writeFile(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  for (const d of ['tmp', 'proc', 'sys', 'dev', 'etc', 'root', 'var'])
    await mkdir(path.join(dir, d), { recursive: true });
  return dir;
}

export const BUSYBOX_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
