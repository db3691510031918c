import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  rmdir,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { isPodkitError } from '@podkit/kit';
import { Runc } from '../runc/runc.js';
import { buildOciConfig, type ContainerPlan } from '../oci/config.js';
import { capabilitiesFromMask, DEFAULT_CAPABILITIES } from '../oci/capabilities.js';
import { readHostLimits } from '../oci/rlimits.js';
import { mountRootfs } from '../images/rootfs-mount.js';
import { isMountPoint } from '../host/mounts.js';
import { hostImageIsolation } from '../images/host-image.js';
import { readLogs } from '../logs/cri-log-reader.js';
import { runContainer, type ContainerExit } from './run-container.js';

const TEST_ROOT = '/var/lib/podkit-test';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
let seq = 0;

interface Fixture {
  dir: string;
  runc: Runc;
  busybox: string;
}

/** A per-test directory with a runc root and a busybox rootfs; removed after the test. */
async function fixture(t: { after: (fn: () => Promise<void>) => void }): Promise<Fixture> {
  await mkdir(TEST_ROOT, { recursive: true });
  const dir = await mkdtemp(join(TEST_ROOT, 'sup-'));
  const runc = new Runc({ root: join(dir, 'runc') });
  const busybox = join(dir, 'busybox');
  await mkdir(join(busybox, 'bin'), { recursive: true });
  await copyFile('/usr/bin/busybox', join(busybox, 'bin', 'busybox'));
  // Relative links: `busybox --install -s` would point them at the host path of busybox.
  const applets = spawnSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split(
    '\n',
  );
  for (const a of applets.filter((a) => a !== '' && a !== 'busybox')) {
    await symlink('busybox', join(busybox, 'bin', a));
  }
  t.after(async () => {
    // Whatever a failed test left: containers, mounts, cgroups, files.
    for (const c of await runc.list().catch(() => [])) await runc.delete(c.id, { force: true });
    const out = spawnSync('sh', ['-c', `grep -o ' ${dir}/[^ ]*' /proc/self/mountinfo`], {
      encoding: 'utf8',
    });
    for (const m of out.stdout
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .reverse()) {
      spawnSync('umount', ['-l', m]);
    }
    await rm(dir, { recursive: true, force: true });
    await rmdir(TEST_ROOT).catch(() => undefined);
    // runc removes each container's cgroup; the shared parent goes once empty.
    spawnSync('sh', [
      '-c',
      'for d in /sys/fs/cgroup/*/podkit-test; do rmdir "$d" 2>/dev/null; done; true',
    ]);
  });
  return { dir, runc, busybox };
}

interface RunResult {
  exit: ContainerExit;
  stdout: string;
  stderr: string;
  logText: string;
  pid: number;
}

/** Mounts the rootfs, runs the plan to completion, removes container and rootfs. */
async function runToExit(
  f: Fixture,
  lower: string,
  plan: Omit<ContainerPlan, 'rootfs'>,
): Promise<RunResult> {
  const id = `podkit-test-${process.pid}-${++seq}`;
  const containerDir = join(f.dir, id);
  await using rootfs = await mountRootfs({ lowerDirs: [lower], containerDir });
  const config = buildOciConfig(
    { ...plan, rootfs: rootfs.path, cgroupsPath: `/podkit-test/${id}` },
    { hostLimits: await readHostLimits() },
  );
  const logPath = join(containerDir, '0.log');
  await using c = await runContainer({
    runc: f.runc,
    id,
    bundleDir: containerDir,
    config,
    logPath,
  });
  assert.ok(c.pid > 0);
  const exit = await c.exited;
  let stdout = '';
  let stderr = '';
  for await (const e of readLogs(logPath)) {
    if (e.stream === 'stdout') stdout += e.output.toString();
    else stderr += e.output.toString();
  }
  return { exit, stdout, stderr, logText: await readFile(logPath, 'utf8'), pid: c.pid };
}

const root = { uid: 0, gid: 0, additionalGids: [0] };

test(
  'busybox rootfs image: CRI log lines, exit code 3, stderr tagged, nothing left behind',
  { timeout: 60_000 },
  async (t) => {
    const f = await fixture(t);
    const r = await runToExit(f, f.busybox, {
      args: ['/bin/sh', '-c', 'echo hello; echo oops >&2; exit 3'],
      env: [PATH_ENV],
      user: root,
    });
    assert.equal(r.exit.exitCode, 3);
    assert.equal(r.exit.signal, undefined);
    assert.equal(r.exit.oomKilled, false);
    // RFC 3339 with nanoseconds, UTC (conmon writes `+00:00` as CRI-O does; containerd `Z`).
    assert.match(r.logText, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|\+00:00) stdout F hello$/m);
    assert.match(r.logText, /^\S+ stderr F oops$/m);
    assert.equal(r.stdout, 'hello\n');
    // runc state, overlay and cgroup are gone once the handle is disposed.
    assert.deepEqual(await f.runc.list(), []);
    const id = `podkit-test-${process.pid}-${seq}`;
    assert.equal(await isMountPoint(join(f.dir, id, 'rootfs')), false);
    await assert.rejects(stat(`/sys/fs/cgroup/memory/podkit-test/${id}`), { code: 'ENOENT' });
  },
);

test(
  'host image: runs host software; writes stay in the private layer; secrets hidden',
  { timeout: 60_000 },
  async (t) => {
    const f = await fixture(t);
    const iso = await hostImageIsolation({ stateRoot: f.dir });
    const marker = `podkit-test-${process.pid}-${Date.now()}`;
    const r = await runToExit(f, '/', {
      args: [
        '/bin/sh',
        '-c',
        `cat /etc/debian_version; echo x > /opt/${marker}; echo y > /tmp/${marker}; cat /opt/${marker} /tmp/${marker}; ls -A /root | wc -l; wc -c < /etc/shadow; ls -A ${f.dir} | wc -l`,
      ],
      env: [PATH_ENV],
      user: root,
      tmpfs: iso.tmpfs,
      maskedPaths: iso.maskedPaths,
    });
    const debian = (await readFile('/etc/debian_version', 'utf8')).trim();
    assert.equal(r.exit.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [debian, 'x', 'y', '0', '0', '0']);
    await assert.rejects(stat(`/opt/${marker}`), { code: 'ENOENT' });
    await assert.rejects(stat(`/tmp/${marker}`), { code: 'ENOENT' });
  },
);

test(
  'read-only rootfs refuses writes; runAsUser 65534; the 14 default capabilities',
  { timeout: 60_000 },
  async (t) => {
    const f = await fixture(t);
    const r = await runToExit(f, f.busybox, {
      args: [
        '/bin/sh',
        '-c',
        'id -u; id -g; grep ^Cap /proc/self/status; if touch /newfile 2>/dev/null; then echo wrote; else echo refused; fi',
      ],
      env: [PATH_ENV],
      user: { uid: 65534, gid: 65534, additionalGids: [65534] },
      readOnlyRootFilesystem: true,
    });
    assert.equal(r.exit.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '65534');
    assert.equal(lines[1], '65534');
    assert.equal(lines.at(-1), 'refused');
    const caps = Object.fromEntries(
      lines.filter((l) => l.startsWith('Cap')).map((l) => l.split(/:\s+/) as [string, string]),
    );
    // Non-root: the bounding set keeps the 14, effective/permitted drop to none (no ambient).
    assert.deepEqual(
      new Set(capabilitiesFromMask(caps.CapBnd ?? '')),
      new Set(DEFAULT_CAPABILITIES),
    );
    assert.equal(caps.CapEff, '0000000000000000');
    assert.equal(caps.CapAmb, '0000000000000000');
    // Root in the container holds exactly the 14 in CapEff/CapPrm/CapBnd.
    const rootRun = await runToExit(f, f.busybox, {
      args: ['/bin/sh', '-c', 'grep ^Cap /proc/self/status; touch /ok && echo wrote'],
      env: [PATH_ENV],
      user: root,
    });
    const rc = Object.fromEntries(
      rootRun.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('Cap'))
        .map((l) => l.split(/:\s+/) as [string, string]),
    );
    assert.equal(rc.CapEff, '00000000a80425fb');
    assert.equal(rc.CapPrm, '00000000a80425fb');
    assert.equal(rc.CapBnd, '00000000a80425fb');
    assert.equal(rc.CapInh, '0000000000000000');
    assert.match(rootRun.stdout, /^wrote$/m);
  },
);

test(
  'kill delivers signals; dispose SIGKILLs; a bad command fails to start cleanly',
  { timeout: 60_000 },
  async (t) => {
    const f = await fixture(t);
    const id = `podkit-test-${process.pid}-${++seq}`;
    const containerDir = join(f.dir, id);
    const logPath = join(containerDir, '0.log');
    {
      await using rootfs = await mountRootfs({ lowerDirs: [f.busybox], containerDir });
      // As PID 1 the shell ignores SIGTERM unless it traps it (the kernel's rule for init).
      const script = "trap 'echo term; exit 7' TERM; echo ready; while :; do sleep 0.05; done";
      const config = buildOciConfig({
        rootfs: rootfs.path,
        args: ['/bin/sh', '-c', script],
        env: [PATH_ENV],
        user: root,
      });
      await using c = await runContainer({
        runc: f.runc,
        id,
        bundleDir: containerDir,
        config,
        logPath,
      });
      assert.equal((await f.runc.state(id))?.pid, c.pid);
      for await (const e of readLogs(logPath, {
        follow: true,
        signal: AbortSignal.timeout(30_000),
      })) {
        if (e.line.toString() === 'ready') break;
      }
      await c.kill('SIGTERM');
      const exit = await c.exited;
      assert.equal(exit.exitCode, 7);
      assert.match(await readFile(logPath, 'utf8'), /stdout F term$/m);
    }
    {
      await using rootfs = await mountRootfs({ lowerDirs: [f.busybox], containerDir });
      const config = buildOciConfig({
        rootfs: rootfs.path,
        args: ['/bin/sleep', '1000'],
        env: [PATH_ENV],
        user: root,
      });
      const c = await runContainer({ runc: f.runc, id, bundleDir: containerDir, config, logPath });
      await c.remove();
      assert.deepEqual(await c.exited.then((e) => [e.exitCode, e.signal]), [137, 'SIGKILL']);
      assert.equal(await f.runc.state(id), undefined);
    }
    {
      await using rootfs = await mountRootfs({ lowerDirs: [f.busybox], containerDir });
      const config = buildOciConfig({
        rootfs: rootfs.path,
        args: ['/no/such/binary'],
        env: [PATH_ENV],
        user: root,
      });
      await assert.rejects(
        runContainer({ runc: f.runc, id, bundleDir: containerDir, config, logPath }),
        (e) => isPodkitError(e, 'CONTAINER_START_FAILED') && /no such file/i.test(e.message),
      );
      assert.equal(await f.runc.state(id), undefined);
    }
  },
);

test(
  'conmon rotates the CRI log past --log-size-max; a follower of the file goes on in the new one',
  { timeout: 60_000 },
  async (t) => {
    const f = await fixture(t);
    const id = `podkit-test-${process.pid}-${++seq}`;
    const containerDir = join(f.dir, id);
    const logPath = join(containerDir, '0.log');
    await using rootfs = await mountRootfs({ lowerDirs: [f.busybox], containerDir });
    // 300 lines of ~100 bytes (~40 KiB of CRI records) into a log limited to 4 KiB; the
    // container waits for the follower's go (a file) before it writes.
    const script =
      'while [ ! -f /tmp/go ]; do sleep 0.02; done; ' +
      'i=0; while [ $i -lt 300 ]; do printf "line %03d %s\\n" $i ' +
      '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; ' +
      'i=$((i+1)); done; sleep 0.5; echo last';
    const config = buildOciConfig({
      rootfs: rootfs.path,
      args: ['/bin/sh', '-c', script],
      env: [PATH_ENV],
      user: root,
    });
    await using c = await runContainer({
      runc: f.runc,
      id,
      bundleDir: containerDir,
      config,
      logPath,
      logSizeMax: 4096,
    });
    const seen: string[] = [];
    const stop = new AbortController();
    const following = (async () => {
      for await (const e of readLogs(logPath, { follow: true, pollMs: 20, signal: stop.signal })) {
        seen.push(e.line.toString('utf8'));
        if (seen.at(-1) === 'last') stop.abort();
      }
    })();
    await writeFile(join(rootfs.path, 'tmp', 'go'), '');
    const exit = await c.exited;
    assert.equal(exit.exitCode, 0);
    await Promise.race([
      following,
      new Promise((_, reject) =>
        setTimeout(() => {
          reject(new Error(`the follower stopped at ${String(seen.at(-1))}`));
        }, 10_000),
      ),
    ]);
    stop.abort();
    // Rotated: the file holds the end only (conmon truncates, as CRI-O's k8s-file does).
    const size = (await stat(logPath)).size;
    assert.ok(size <= 4096 + 200, `log file ${String(size)} bytes`);
    assert.equal(seen.at(-1), 'last', 'the follower reached the last line after rotations');
  },
);
