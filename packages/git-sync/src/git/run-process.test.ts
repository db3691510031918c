import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess } from './run-process.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

test('runs argv without a shell and with exactly the given environment', async () => {
  const r = await runProcess(
    process.execPath,
    [
      '-e',
      'process.stdout.write(JSON.stringify([process.argv[1], process.env.FOO, process.env.HOME]))',
      '$(echo hi); *',
    ],
    { env: { ...env, FOO: 'bar' } },
  );
  assert.equal(r.exitCode, 0);
  assert.deepEqual(JSON.parse(r.stdout), ['$(echo hi); *', 'bar', null]);
});

test('passes stdin and reports the exit code and stderr', async () => {
  const r = await runProcess(
    process.execPath,
    [
      '-e',
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{console.error("got "+s);process.exit(3)})',
    ],
    { env, stdin: 'secret-input' },
  );
  assert.equal(r.exitCode, 3);
  assert.equal(r.stderr.trim(), 'got secret-input');
  assert.equal(r.killedFor, undefined);
});

test('a timeout kills the whole process group, grandchildren included', async () => {
  // The child starts a grandchild that would outlive it, then both sleep.
  const script = `
    const { spawn } = require('node:child_process');
    const g = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
    console.log(g.pid);
    setInterval(() => {}, 1000);`;
  // Long enough for a Node child to start and spawn its grandchild on a loaded machine.
  const r = await runProcess(process.execPath, ['-e', script], {
    env,
    timeoutMs: 3000,
    killGraceMs: 200,
  });
  assert.equal(r.killedFor, 'timeout');
  const grandchild = Number(r.stdout.trim());
  assert.ok(grandchild > 0);
  // kill(pid, 0) throws ESRCH once the process is gone (it may linger briefly as a zombie
  // of init, which also counts as stopped for our purpose: wait for ESRCH with a bound).
  let alive = true;
  for (let i = 0; i < 100 && alive; i++) {
    try {
      process.kill(grandchild, 0);
      await new Promise((res) => setTimeout(res, 20));
    } catch {
      alive = false;
    }
  }
  assert.equal(alive, false, 'grandchild was killed with the group');
});

test('an AbortSignal stops the child; an already aborted signal never spawns', async () => {
  const ac = new AbortController();
  const p = runProcess(process.execPath, ['-e', 'setInterval(()=>{},1000)'], {
    env,
    signal: ac.signal,
  });
  ac.abort();
  const r = await p;
  assert.equal(r.killedFor, 'abort');
  const r2 = await runProcess('/nonexistent', [], { env, signal: AbortSignal.abort() });
  assert.equal(r2.killedFor, 'abort');
});

test('rejects when the program does not exist', async () => {
  await assert.rejects(runProcess('/nonexistent/prog', [], { env }), { code: 'ENOENT' });
});
