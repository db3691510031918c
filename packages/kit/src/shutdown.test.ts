import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { ShutdownRequested, createShutdown, type SignalSource } from './index.js';
import { spawnFixture } from '../test/spawn-fixture.js';

function fakeProcess(): SignalSource & EventEmitter {
  return new EventEmitter() as SignalSource & EventEmitter;
}

test('the first signal aborts and runs the steps in reverse order', async () => {
  const source = fakeProcess();
  using shutdown = createShutdown({ source, deadlineMs: 10_000 });
  const ran: string[] = [];
  shutdown.onShutdown(() => {
    ran.push('db');
  }, 'db');
  shutdown.onShutdown(async () => {
    await new Promise((r) => setImmediate(r));
    ran.push('http');
  }, 'http');
  const off = shutdown.onShutdown(() => {
    ran.push('removed');
  });
  off();
  assert.equal(shutdown.signal.aborted, false);
  source.emit('SIGTERM', 'SIGTERM');
  assert.equal(shutdown.signal.aborted, true);
  assert.ok(shutdown.signal.reason instanceof ShutdownRequested);
  assert.deepEqual(await shutdown.done, { kind: 'clean', reason: 'SIGTERM' });
  assert.deepEqual(ran, ['http', 'db']);
});

test('a hanging step → deadline-exceeded, and the step sees its deadline signal abort', async () => {
  const source = fakeProcess();
  using shutdown = createShutdown({ source, deadlineMs: 100 });
  let sawDeadline = false;
  shutdown.onShutdown(() => undefined, 'fast');
  shutdown.onShutdown(
    (deadline) =>
      new Promise<void>((resolve) => {
        deadline.addEventListener('abort', () => {
          sawDeadline = true;
          resolve();
        });
      }),
    'stuck',
  );
  source.emit('SIGINT', 'SIGINT');
  assert.deepEqual(await shutdown.done, {
    kind: 'deadline-exceeded',
    reason: 'SIGINT',
    deadlineMs: 100,
    pending: ['stuck', 'fast'],
  });
  assert.equal(sawDeadline, true);
});

test('a second signal forces; a failing step is reported; trigger() starts shutdown', async () => {
  const source = fakeProcess();
  using forced = createShutdown({ source, deadlineMs: 60_000 });
  forced.onShutdown(() => new Promise<void>(() => undefined), 'never');
  source.emit('SIGTERM', 'SIGTERM');
  source.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(await forced.done, { kind: 'forced', reason: 'SIGTERM', pending: ['never'] });

  using failing = createShutdown({ source: fakeProcess() });
  const boom = new Error('boom');
  let after = false;
  failing.onShutdown(() => {
    after = true;
  }, 'after');
  failing.onShutdown(() => {
    throw boom;
  }, 'bad');
  failing.trigger('test');
  assert.deepEqual(await failing.done, {
    kind: 'handler-failed',
    reason: 'test',
    failures: [{ name: 'bad', error: boom }],
  });
  assert.equal(after, true, 'later steps still run after a failure');
});

test('dispose removes the signal listeners', () => {
  const source = fakeProcess();
  const shutdown = createShutdown({ source, signals: ['SIGTERM', 'SIGHUP'] });
  assert.equal(source.listenerCount('SIGTERM'), 1);
  assert.equal(source.listenerCount('SIGHUP'), 1);
  shutdown[Symbol.dispose]();
  assert.equal(source.listenerCount('SIGTERM'), 0);
  assert.equal(source.listenerCount('SIGHUP'), 0);
});

test('SIGTERM to a child process runs its cleanup and it exits 0', async (t) => {
  const fx = spawnFixture('shutdown-bin.ts', ['clean']);
  t.after(() => {
    fx.kill();
  });
  await fx.waitForLine('ready');
  fx.child.kill('SIGTERM');
  const { code, signal } = await fx.exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, fx.stderr());
  assert.deepEqual(fx.stdout().trim().split('\n'), [
    'ready',
    'cleanup: second registered',
    'cleanup: first registered',
    'main: returning',
  ]);
  assert.equal(fx.stderr(), '');
});

test('a cleanup step that hangs → exit after the deadline with a non-zero status', async (t) => {
  const fx = spawnFixture('shutdown-bin.ts', ['hang']);
  t.after(() => {
    fx.kill();
  });
  await fx.waitForLine('ready');
  fx.child.kill('SIGTERM');
  const { code, signal } = await fx.exited;
  assert.equal(signal, null, 'it exits by itself, not killed');
  assert.equal(code, 1);
  assert.equal(
    fx.stderr(),
    'shutdown-fixture: shutdown deadline exceeded: not finished after 500 ms (still running: second, first, main)\n',
  );
  assert.ok(
    !fx.stdout().includes('cleanup: first registered'),
    'the step after the hung one never ran',
  );
});
