import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { Runc, runcMessage } from './runc.js';

/** A bundle whose rootfs is busybox-static, running `args`. */
async function bundle(
  t: TestContext,
  args: string[],
): Promise<{ runc: Runc; dir: string; id: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-runc-'));
  const runc = new Runc({ root: path.join(dir, 'state') });
  const id = `t${path.basename(dir).slice(-6).toLowerCase()}`;
  t.after(async () => {
    await runc.delete(id, { force: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const rootfs = path.join(dir, 'rootfs');
  await mkdir(path.join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'dev', 'tmp']) await mkdir(path.join(rootfs, d));
  await copyFile('/usr/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  await symlink('busybox', path.join(rootfs, 'bin', 'sh'));
  const config = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/bin'],
      cwd: '/',
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    hostname: 'box',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    ],
    linux: {
      cgroupsPath: `/podkit-test/${id}`,
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'network' },
      ],
    },
  };
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  t.after(async () => {
    const { removeCgroup } = await import('../sandbox/cgroups.js');
    await removeCgroup(`/podkit-test/${id}`);
    await removeCgroup('/podkit-test');
  });
  return { runc, dir, id };
}

test('run (foreground) hands back the child and the container exit code', async (t) => {
  const { runc, dir, id } = await bundle(t, ['sh', '-c', 'echo out; echo err >&2; exit 7']);
  const p = runc.run(id, { bundle: dir });
  let out = '';
  p.child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const exit = await p.exited;
  assert.equal(exit.code, 7);
  assert.equal(exit.runcError, undefined);
  assert.equal(out, 'out\n');
  // A foreground `runc run` removes the container when it exits.
  assert.equal(await runc.state(id), undefined);
  await runc.delete(id);
});

test('runDetached, state, list, exec (exit code, env, stdin), kill, delete (idempotent)', async (t) => {
  const { runc, dir, id } = await bundle(t, [
    'sh',
    '-c',
    'trap "exit 0" TERM; while true; do sleep 1; done',
  ]);
  await runc.runDetached(id, { bundle: dir, pidFile: path.join(dir, 'pid') });
  const st = await runc.state(id);
  assert.equal(st?.status, 'running');
  assert.ok(st.pid > 0);
  assert.deepEqual(
    (await runc.list()).map((c) => c.id),
    [id],
  );
  const r = await runc.execCollect(id, {
    args: ['sh', '-c', 'echo $FOO; hostname; cat; exit 3'],
    env: ['FOO=bar'],
    input: 'in\n',
  });
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'bar\nbox\nin\n');
  await runc.kill(id, 'SIGKILL');
  const status = async (): Promise<string | undefined> => (await runc.state(id))?.status;
  for (let i = 0; i < 200 && (await status()) !== 'stopped'; i++) {
    await new Promise((res) => setTimeout(res, 10));
  }
  assert.equal((await runc.state(id))?.status, 'stopped');
  await runc.kill(id, 'SIGKILL'); // gone: not an error
  await runc.delete(id, { force: true });
  await runc.delete(id, { force: true });
  await runc.delete(id);
  assert.deepEqual(await runc.list(), []);
});

test('runc failures carry runc’s own message', async (t) => {
  const { runc, dir, id } = await bundle(t, ['/bin/does-not-exist']);
  await assert.rejects(runc.runDetached(id, { bundle: dir }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'RUNC_FAILED');
    assert.match(e.message, /does-not-exist/);
    return true;
  });
  await assert.rejects(runc.start('nope'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'RUNC_FAILED');
    assert.match(e.message, /container does not exist/);
    return true;
  });
  const p = runc.run(`${id}x`, { bundle: dir });
  const exit = await p.exited;
  assert.notEqual(exit.code, 0);
  assert.match(exit.runcError ?? '', /does-not-exist/);
  await runc.delete(`${id}x`, { force: true });
});

test('runcMessage extracts msg="…" parts', () => {
  assert.equal(
    runcMessage('time="2024" level=error msg="container \\"x\\" does not exist"\n'),
    'container "x" does not exist',
  );
});

test('startCreated releases a created container through its exec fifo, as runc start does', async (t) => {
  const { runc, dir, id } = await bundle(t, [
    'sh',
    '-c',
    'echo $$ > /started; trap "exit 0" TERM; while true; do sleep 1; done',
  ]);
  const pidFile = path.join(dir, 'init.pid');
  await runc.create(id, { bundle: dir, pidFile });
  const pid = Number(await readFile(pidFile, 'utf8'));
  assert.equal((await runc.state(id))?.status, 'created');
  // Created: init waits in runc's code, the process has not run.
  await assert.rejects(readFile(path.join(dir, 'rootfs', 'started'), 'utf8'), { code: 'ENOENT' });
  await runc.startCreated(id, pid);
  // runc itself sees it running (the fifo is gone), and the process ran as the container's pid 1.
  assert.equal((await runc.state(id))?.status, 'running');
  await assert.rejects(readFile(path.join(runc.root, id, 'exec.fifo')), { code: 'ENOENT' });
  const deadline = Date.now() + 10_000;
  let started: string | undefined;
  while (started === undefined && Date.now() < deadline) {
    started = await readFile(path.join(dir, 'rootfs', 'started'), 'utf8').catch(() => undefined);
    if (started === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(started, '1\n');
  // Again: no fifo, so runc start runs and says why.
  await assert.rejects(runc.startCreated(id, pid), /cannot start|running/);
  await runc.kill(id, 'SIGKILL');
});

test('startCreated of a created container whose init died: runc start says so, no hang', async (t) => {
  const { runc, dir, id } = await bundle(t, ['sh', '-c', 'exit 0']);
  const pidFile = path.join(dir, 'init.pid');
  await runc.create(id, { bundle: dir, pidFile });
  const pid = Number(await readFile(pidFile, 'utf8'));
  process.kill(pid, 'SIGKILL');
  await assert.rejects(runc.startCreated(id, pid), (err: Error) => {
    assert.match(err.message, /stopped|dead|not running|cannot start/);
    return true;
  });
});
