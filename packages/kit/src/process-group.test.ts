import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { CommandError, isPodkitError, runCommand, spawnGroup, type ProcessGroup } from './index.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

/** Dead means no such process, or a zombie waiting for a reaper (it runs no code any more). */
function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Waits (bounded) for a process to be dead; signal delivery and reaping are asynchronous. */
async function waitDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (isDead(pid)) return true;
    await sleep(25);
  }
  return false;
}

/** Reads stdout lines until `n` have arrived. */
async function readLines(stream: Readable, n: number): Promise<string[]> {
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    const lines = text.split('\n');
    if (lines.length > n) return lines.slice(0, n);
  }
  throw new Error(`stream ended after: ${text}`);
}

/** Cleanup for t.after: SIGKILL the whole group if a test failed half-way. */
function cleanup(group: ProcessGroup, ...pids: number[]): () => void {
  return () => {
    for (const pid of [-group.pid, ...pids]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
}

test('the child leads its own process group', async (t) => {
  const g = await spawnGroup('sh', ['-c', 'cut -d " " -f 5 /proc/$$/stat; sleep 1000'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(cleanup(g));
  const [pgid] = await readLines(g.child.stdout!, 1);
  assert.equal(Number(pgid), g.pid);
  await g.stop({ graceMs: 5000 });
});

test('stop() kills the child and its grandchild', async (t) => {
  const g = await spawnGroup('sh', ['-c', 'sleep 1000 & echo $!; sleep 1000'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await readLines(g.child.stdout!, 1);
  const grandchild = Number(line);
  t.after(cleanup(g, grandchild));
  assert.ok(grandchild > 0 && grandchild !== g.pid);
  assert.equal(isDead(grandchild), false, 'the grandchild runs before stop()');

  const status = await g.stop({ graceMs: 10_000 });
  assert.deepEqual(status, { code: null, signal: 'SIGTERM' }, 'SIGTERM was enough for the leader');
  assert.equal(await waitDead(g.pid), true, 'child gone');
  assert.equal(await waitDead(grandchild), true, 'grandchild gone');
  assert.equal(await g.stop(), status, 'stop() is idempotent');
});

test('a child that ignores SIGTERM is killed by SIGKILL after the grace period', async (t) => {
  const g = await spawnGroup('sh', ['-c', "trap '' TERM; sleep 1000 & echo $!; wait"], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await readLines(g.child.stdout!, 1);
  const grandchild = Number(line);
  t.after(cleanup(g, grandchild));
  const status = await g.stop({ graceMs: 300 });
  assert.deepEqual(status, { code: null, signal: 'SIGKILL' });
  assert.equal(await waitDead(grandchild), true, 'the TERM-ignoring grandchild is gone too');
});

test('aborting the signal stops the group; dispose stops it too', async (t) => {
  const ac = new AbortController();
  const g = await spawnGroup('sleep', ['1000'], { env, signal: ac.signal, graceMs: 5000 });
  t.after(cleanup(g));
  ac.abort();
  assert.deepEqual(await g.exited, { code: null, signal: 'SIGTERM' });

  const d = await spawnGroup('sleep', ['1000'], { env });
  t.after(cleanup(d));
  await d[Symbol.asyncDispose]();
  assert.equal(await waitDead(d.pid), true);
});

test('a program that does not exist → KIT_SPAWN_FAILED', async () => {
  await assert.rejects(
    spawnGroup('podkit-no-such-program', [], { env }),
    (e) =>
      isPodkitError(e, 'KIT_SPAWN_FAILED') &&
      e.message === 'cannot run podkit-no-such-program: ENOENT',
  );
});

test('runCommand collects output, passes argv without a shell and env explicitly', async () => {
  const r = await runCommand(
    'sh',
    ['-c', 'printf "%s|%s|%s" "$1" "$GREETING" "$HOME"; echo oops >&2', 'sh', '$(id) ; rm -rf /'],
    { env: { ...env, GREETING: 'hi' } },
  );
  assert.deepEqual(r, {
    code: 0,
    signal: null,
    stdout: '$(id) ; rm -rf /|hi|',
    stderr: 'oops\n',
  });
  const cat = await runCommand('cat', [], { env, input: 'from stdin' });
  assert.equal(cat.stdout, 'from stdin');
});

test('runCommand: a non-zero exit throws KIT_COMMAND_FAILED with stderr, unless allowed', async () => {
  const err = await runCommand(
    'sh',
    ['-c', 'echo "fatal: repository not found" >&2; exit 128', 'https://user:tok@example.com/r'],
    { env },
  ).catch((e: unknown) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.code, 'KIT_COMMAND_FAILED');
  assert.deepEqual(err.status, { code: 128, signal: null });
  assert.equal(err.stderr, 'fatal: repository not found\n');
  assert.match(err.message, /exited with code 128: fatal: repository not found$/);
  assert.ok(!err.message.includes('tok'), 'URL credentials are hidden');
  assert.ok(err.message.includes('https://<redacted>@example.com/r'));

  const allowed = await runCommand('sh', ['-c', 'exit 3'], { env, allowFailure: true });
  assert.equal(allowed.code, 3);
});

test('runCommand: timeout kills the whole group (KIT_COMMAND_TIMEOUT)', async () => {
  const err = await runCommand('sh', ['-c', 'sleep 1000 & echo $!; wait'], {
    env,
    timeoutMs: 200,
    graceMs: 5000,
  }).catch((e: unknown) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.code, 'KIT_COMMAND_TIMEOUT');
  const grandchild = Number(err.stdout.trim());
  assert.ok(grandchild > 0);
  assert.equal(await waitDead(grandchild), true);
});

test('runCommand: abort rejects with the reason; too much output → KIT_COMMAND_OUTPUT_LIMIT', async () => {
  const ac = new AbortController();
  const reason = new Error('stop now');
  const running = runCommand('sleep', ['1000'], { env, signal: ac.signal });
  setImmediate(() => {
    ac.abort(reason);
  });
  await assert.rejects(running, (e) => e === reason);
  // Aborted while the process is still starting: no listener has fired yet.
  const early = new AbortController();
  const starting = runCommand('sleep', ['1000'], { env, signal: early.signal });
  early.abort(reason);
  await assert.rejects(starting, (e) => e === reason);

  await assert.rejects(runCommand('yes', [], { env, maxOutputBytes: 64 * 1024 }), (e) =>
    isPodkitError(e, 'KIT_COMMAND_OUTPUT_LIMIT'),
  );
});

// The timeout only bounds a regression (a hang); it asserts nothing about speed.
test(
  'runCommand: a backgrounded leftover does not keep it waiting',
  { timeout: 60_000 },
  async () => {
    // The leader exits at once while its grandchild holds stdout open.
    const r = await runCommand('sh', ['-c', 'sleep 1000 & echo $!'], { env });
    const grandchild = Number(r.stdout.trim());
    assert.equal(r.code, 0);
    assert.equal(await waitDead(grandchild), true);
  },
);
