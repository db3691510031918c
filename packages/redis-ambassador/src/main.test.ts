import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { command, freePort, startRedis, startReplicaSet } from '../test/redis-servers.js';

import { binArgv } from '../../kit/test/bin-under-test.js';

interface Bin {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  stderr: string;
  readonly exited: Promise<number | null>;
}

/** Runs the bin (source through tsx, or the bundle: binArgv), in its own process group; collects its JSON log. */
function runBin(args: string[], env: Record<string, string> = {}): Bin {
  const child = spawn(
    process.execPath,
    [...binArgv('redis-ambassador', 'main', 'podkit-redis-ambassador'), ...args],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const bin: Bin = {
    child,
    lines: [],
    stderr: '',
    exited: once(child, 'exit').then(([code]) => code as number | null),
  };
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        bin.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    bin.stderr += d.toString();
  });
  return bin;
}

async function waitFor<T>(what: string, get: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopGroup(bin: Bin): Promise<unknown> {
  if (bin.child.exitCode === null && bin.child.pid !== undefined) {
    try {
      process.kill(-bin.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return bin.exited;
}

test('bin: GET/SET through it with AUTH from a password file, /readyz, /metrics, SIGTERM exits 0', async (t) => {
  const set = await startReplicaSet(1);
  t.after(() => set.stop());
  const replica = set.replicas[0]!;
  // The master and replica require a password; the replica authenticates to its master.
  for (const s of [set.master, replica]) {
    await command(s.port, ['CONFIG', 'SET', 'masterauth', 's3cret']);
    await command(s.port, ['CONFIG', 'SET', 'requirepass', 's3cret']);
  }
  const dir = await mkdtemp(join(tmpdir(), 'podkit-amb-bin-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pwFile = join(dir, 'password');
  await writeFile(pwFile, 's3cret\n', { mode: 0o600 });
  const httpPort = await freePort();
  const bin = runBin(
    [
      '--listen',
      '127.0.0.1:0',
      '--master',
      `127.0.0.1:${set.master.port}`,
      '--replica',
      `127.0.0.1:${replica.port}`,
      '--http-bind',
      `127.0.0.1:${httpPort}`,
      '--password-file',
      pwFile,
    ],
    { REDIS_AMBASSADOR_READ_YOUR_WRITES: 'off' },
  );
  t.after(() => stopGroup(bin));
  const listening = await waitFor('listening', () => bin.lines.find((l) => l.msg === 'listening'));
  const port = Number(String(listening.listen).split(':').at(-1));
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  t.after(() => {
    r.disconnect();
  });
  await r.connect();
  assert.equal(await r.set('bin:k', 'v1'), 'OK');
  await r.wait(1, 5000);
  assert.equal(await r.get('bin:k'), 'v1');

  const base = `http://127.0.0.1:${httpPort}`;
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /redis_ambassador_commands_total\{route="master"\} [1-9]/);
  assert.match(metrics, /redis_ambassador_commands_total\{route="replica"\} [1-9]/);
  assert.match(
    metrics,
    /redis_ambassador_command_duration_seconds_bucket\{le="[^"]+",route="replica"\}/,
  );
  assert.match(
    metrics,
    new RegExp(`redis_ambassador_node_up\\{node="127.0.0.1:${replica.port}",role="replica"\\} 1`),
  );
  assert.match(metrics, /redis_ambassador_failovers_total 0/);
  // The password never reaches the log.
  assert.doesNotMatch(JSON.stringify(bin.lines) + bin.stderr, /s3cret/);

  bin.child.kill('SIGTERM');
  assert.equal(await bin.exited, 0);
});

test('bin: /readyz is 503 while the master is down', async (t) => {
  const master = await startRedis();
  const port = master.port;
  await master.stop();
  const httpPort = await freePort();
  const bin = runBin([
    '--listen',
    '127.0.0.1:0',
    '--master',
    `127.0.0.1:${port}`,
    '--http-bind',
    `127.0.0.1:${httpPort}`,
  ]);
  t.after(() => stopGroup(bin));
  await waitFor('listening', () => bin.lines.find((l) => l.msg === 'listening'));
  const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /not ready: master 127\.0\.0\.1:\d+ not reachable/);
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);
});

test('bin: bad flags exit 2 with a message', async () => {
  const cases: [string[], RegExp][] = [
    [['--read-from', 'nowhere'], /--read-from.*expected one of master, replica, prefer-replica/],
    [['--master', 'not-an-address'], /--master: expected HOST:PORT/],
    [['--sentinel', '127.0.0.1:26379'], /--sentinel needs --master-name/],
    [[], /either --master or --sentinel is required/],
    [['--lisen', '127.0.0.1:1'], /unknown flag --lisen \(did you mean --listen\?\)/],
  ];
  for (const [args, message] of cases) {
    const bin = runBin(args);
    assert.equal(await bin.exited, 2, args.join(' '));
    assert.match(bin.stderr, message);
  }
});
