import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { isPodkitError, runGroup, startGroup } from './index.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
const node = process.execPath;

/** A leader that starts a grandchild in its group (stdio ignored), prints its pid, exits. */
const LEAVES_GRANDCHILD = `
  const { spawn } = require('node:child_process');
  const g = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
  console.log(g.pid);
  process.exit(0);`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls (up to 10 s) until `pid` is gone: a killed orphan lingers until init reaps it. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 1000 && alive(pid); i++) await pause(10);
  return !alive(pid);
}

test('runGroup reports the exit without judging it; stdin input; onSpawned gets the group id', async () => {
  let spawned = 0;
  const r = await runGroup(
    node,
    [
      '-e',
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{console.log(s);process.exit(3)})',
    ],
    { env, input: 'in', onSpawned: (pid) => (spawned = pid) },
  );
  assert.deepEqual(r, { code: 3, signal: null, stdout: 'in\n', stderr: '', stoppedFor: undefined });
  assert.ok(spawned > 0);
});

test('runGroup: an already aborted signal starts nothing; a missing program is KIT_SPAWN_FAILED with the spawn error as cause', async () => {
  const r = await runGroup('/nonexistent/prog', [], { env, signal: AbortSignal.abort() });
  assert.equal(r.stoppedFor, 'abort');
  await assert.rejects(runGroup('/nonexistent/prog', [], { env }), (err) => {
    assert.ok(isPodkitError(err, 'KIT_SPAWN_FAILED'));
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
    return true;
  });
});

test('runGroup overflow "truncate": the run goes on, stdout keeps its head, stderr its tail', async () => {
  const script =
    'process.stdout.write("a".repeat(5000)+"END");process.stderr.write("START"+"b".repeat(5000)+"z");';
  const r = await runGroup(node, ['-e', script], {
    env,
    maxOutputBytes: 100,
    overflow: 'truncate',
  });
  assert.equal(r.code, 0);
  assert.equal(r.stoppedFor, undefined);
  assert.equal(r.stdout, 'a'.repeat(100));
  assert.equal(r.stderr, `${'b'.repeat(99)}z`);
  const stopped = await runGroup(node, ['-e', script], { env, maxOutputBytes: 100 });
  assert.equal(stopped.stoppedFor, 'output');
});

test('runGroup: output to an fd; the group is killed after the leader, unless leaveGroup', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-run-group-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  for (const leaveGroup of [false, true]) {
    const file = join(dir, `out-${String(leaveGroup)}`);
    const fd = openSync(file, 'w');
    const r = await runGroup(node, ['-e', LEAVES_GRANDCHILD], { env, stdout: fd, leaveGroup });
    closeSync(fd);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '', 'not captured');
    const grandchild = Number(readFileSync(file, 'utf8').trim());
    assert.ok(grandchild > 0);
    if (leaveGroup) {
      assert.ok(alive(grandchild), 'left running');
      process.kill(grandchild, 'SIGKILL');
    } else {
      assert.ok(await gone(grandchild), 'killed with its group');
    }
  }
});

test('startGroup hands back the child at once; spawned is the group to stop', async () => {
  const { child, spawned } = startGroup(node, ['-e', 'setInterval(()=>{},1000)'], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.ok(child.stdout !== null, 'stdio available synchronously');
  const group = await spawned;
  assert.equal(group.pid, child.pid);
  const status = await group.stop({ graceMs: 5000 });
  assert.equal(status.signal, 'SIGTERM');
  const missing = startGroup('/nonexistent/prog', [], { env });
  await assert.rejects(missing.spawned, (err) => isPodkitError(err, 'KIT_SPAWN_FAILED'));
});
