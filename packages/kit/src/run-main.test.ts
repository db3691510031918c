import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  ConfigError,
  PodkitError,
  UsageError,
  defineConfig,
  exitCodeFor,
  parseConfig,
  runProgram,
  type RunOptions,
  type SignalSource,
} from './index.js';
import { spawnFixture } from '../test/spawn-fixture.js';

function io(): { options: RunOptions; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    options: {
      name: 'prog',
      source: new EventEmitter() as SignalSource & EventEmitter,
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
    },
    out: () => out,
    err: () => err,
  };
}

test('exit codes: main value, usage/config 2, help 0, other errors 1', async () => {
  const a = io();
  assert.equal(await runProgram(() => 7, a.options), 7);
  assert.equal(await runProgram(() => Promise.resolve(undefined), a.options), 0);
  assert.equal(a.err(), '');

  const usage = io();
  assert.equal(
    await runProgram(() => {
      throw new UsageError('unknown flag --x');
    }, usage.options),
    2,
  );
  assert.equal(usage.err(), 'prog: unknown flag --x\nhint: run with --help to see every option\n');

  const spec = defineConfig({ name: 'prog', envPrefix: 'P_', options: { n: { type: 'int' } } });
  const cfg = io();
  assert.equal(await runProgram(() => parseConfig(spec, ['--n=x'], {}), cfg.options), 2);
  assert.match(cfg.err(), /^prog: --n \(env P_N\): got "x" from flag --n; expected an integer\n/);

  const help = io();
  assert.equal(await runProgram(() => parseConfig(spec, ['--help'], {}), help.options), 0);
  assert.match(help.out(), /^Usage: prog \[options\]/);
  assert.equal(help.err(), '');

  const known = io();
  const failure = new PodkitError('GIT_FAILED', 'git fetch failed', {
    cause: new Error('exit 128'),
    hint: 'check the URL',
  });
  assert.equal(await runProgram(() => Promise.reject(failure), known.options), 1);
  assert.equal(known.err(), 'prog: git fetch failed\ncause: exit 128\nhint: check the URL\n');

  const bug = io();
  assert.equal(
    await runProgram(() => {
      throw new TypeError('x is undefined');
    }, bug.options),
    1,
  );
  assert.match(bug.err(), /^prog: TypeError: x is undefined\n\s+at /, 'a bug shows its stack');

  assert.equal(exitCodeFor(new ConfigError([])), 2);
  assert.equal(exitCodeFor(new PodkitError('X', 'x'), { X: 3 }), 3);
});

test('a main that returns on abort, after a signal, exits 0; its abort error is not a failure', async () => {
  const r = io();
  const source = r.options.source as EventEmitter;
  const code = runProgram(async (ctx) => {
    setImmediate(() => source.emit('SIGTERM', 'SIGTERM'));
    await new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        reject(ctx.signal.reason as Error);
      });
    });
  }, r.options);
  assert.equal(await code, 0);
  assert.equal(r.err(), '');
});

test('bin: a bad flag → exit 2, the message on stderr, no stack trace', async (t) => {
  const fx = spawnFixture('config-bin.ts', ['--perod', '5s']);
  t.after(() => {
    fx.kill();
  });
  const { code } = await fx.exited;
  assert.equal(code, 2);
  assert.equal(
    fx.stderr(),
    'config-fixture: unknown flag --perod (did you mean --period?)\nhint: run with --help to see every option\n',
  );
  assert.doesNotMatch(fx.stderr(), /\bat .*:\d+:\d+/);
  assert.equal(fx.stdout(), '');
});

test('bin: a bad env value → exit 2 naming flag and env; good config → exit 0', async (t) => {
  const bad = spawnFixture('config-bin.ts', ['--depth=-1']);
  const good = spawnFixture('config-bin.ts', ['--period=1m30s']);
  t.after(() => {
    bad.kill();
    good.kill();
  });
  assert.equal((await bad.exited).code, 2);
  assert.match(
    bad.stderr(),
    /^config-fixture: --depth \(env FIXTURE_DEPTH\): got "-1" from flag --depth; expected an integer >= 0\n/,
  );
  assert.equal((await good.exited).code, 0, good.stderr());
  assert.deepEqual(JSON.parse(good.stdout()), { period: 90_000, depth: 1 });
});
