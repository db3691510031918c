/**
 * Redis's own TCL test suites as an oracle for the ambassador: each chosen `unit/` suite runs
 * in external-server mode (`./runtest --host H --port P --single unit/…`) against (a) a master
 * directly and (b) the ambassador with a replica behind it, each on fresh servers, each with a
 * bounded time; it prints the ok/err counts of both side by side.
 *
 *   node --conditions=podkit-source --import tsx bench/redis/suite.ts REDIS_SRC [unit/… …]
 *     [--timeout-s 300] [--dist] [--only direct|ambassador] [--log DIR]
 *
 * REDIS_SRC is a Redis source tree of the installed server's version (here 7.0.15) with
 * `runtest` and `tests/`; nothing is fetched at run time and none of it is committed. One way
 * to get it: `git clone --depth 1 --branch 7.0.15 https://github.com/redis/redis` (or, from a
 * mirror, `git --git-dir=MIRROR archive 7.0.15 runtest tests | tar -x -C /tmp/redis-tests`).
 * It needs `tclsh` (Debian: `apt-get install tcl`). The suites look for `src/redis-cli` and
 * `src/redis-server` in that tree: link the installed binaries there when they are missing
 * (this script does, in REDIS_SRC/src, when that directory has neither).
 *
 * With `--log DIR` each run's output is kept as DIR/<direct|ambassador>-<suite>.log.
 *
 * Every server and the ambassador are child processes in their own process groups, removed at
 * the end (also when a suite hangs: it is killed at its time limit and counted as such).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, symlink, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import {
  command,
  freePort,
  startRedis,
  startReplicaSet,
} from '../../packages/redis-ambassador/test/redis-servers.js';
import { DIST, MAIN, NODE_ARGS } from './ambassador-bin.js';

const DEFAULT_SUITES = [
  'unit/type/incr',
  'unit/type/hash',
  'unit/type/list',
  'unit/type/string',
  'unit/multi',
  'unit/keyspace',
  'unit/expire',
  'unit/scripting',
  'unit/pubsub',
];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const positional = process.argv.slice(2).filter((a, i, all) => {
  if (a.startsWith('--')) return false;
  const prev = all[i - 1];
  return prev !== '--timeout-s' && prev !== '--only' && prev !== '--log';
});
const srcArg = positional[0];
if (srcArg === undefined) {
  console.error('usage: suite.ts REDIS_SRC [unit/… …] [--timeout-s N] [--dist] [--only MODE]');
  process.exit(2);
}
const SRC = resolve(srcArg);
const SUITES = positional.length > 1 ? positional.slice(1) : DEFAULT_SUITES;
const TIMEOUT_MS = Number(option('--timeout-s') ?? 300) * 1000;
const ONLY = option('--only');
const LOG_DIR = option('--log');

/**
 * What the suites' own servers run with (tests/assets/default.conf) and external-mode tests
 * rely on: DEBUG and protected CONFIG settings allowed.
 */
const SERVER_ARGS = ['--enable-debug-command', 'yes', '--enable-protected-configs', 'yes'];

/** What one suite run printed: its ok/err/exception counts, whether it finished, the failures. */
interface SuiteResult {
  ok: number;
  err: number;
  exceptions: number;
  finished: boolean;
  ms: number;
  failed: string[];
}

/** Links the installed binaries where the suites expect them, when the tree has none. */
async function linkBinaries(): Promise<void> {
  await access(join(SRC, 'runtest'));
  await mkdir(join(SRC, 'src'), { recursive: true });
  for (const bin of ['redis-server', 'redis-cli', 'redis-benchmark', 'redis-check-aof']) {
    const path = join(SRC, 'src', bin);
    try {
      await access(path);
    } catch {
      await symlink(`/usr/bin/${bin}`, path).catch(() => undefined);
    }
  }
}

async function stopGroup(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone
  }
  await exited;
}

/** Runs one suite against host:port, killed (with its process group) at the time limit. */
async function runSuite(port: number, suite: string, mode: string): Promise<SuiteResult> {
  const started = Date.now();
  const child = spawn(
    './runtest',
    ['--host', '127.0.0.1', '--port', String(port), '--single', suite, '--timeout', '120'],
    { cwd: SRC, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(child, 'exit');
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
  let finished = true;
  const timer = setTimeout(() => {
    finished = false;
    void stopGroup(child, exited);
  }, TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  if (LOG_DIR !== undefined) {
    await mkdir(LOG_DIR, { recursive: true });
    await writeFile(join(LOG_DIR, `${mode}-${suite.replace(/\//g, '_')}.log`), out);
  }
  // eslint-disable-next-line no-control-regex -- the colour codes runtest prints
  const lines = out.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const count = (re: RegExp): number => lines.filter((l) => re.test(l)).length;
  const failed = lines
    .filter((l) => /^\[(err|exception)\]:/.test(l))
    .map((l) => l.replace(/ in tests\/unit\/.*$/, ''));
  return {
    ok: count(/^\[ok\]:/),
    err: count(/^\[err\]:/),
    exceptions: count(/^\[exception\]:/),
    finished,
    ms: Date.now() - started,
    failed,
  };
}

/** (a): one fresh master per suite. */
async function direct(suite: string): Promise<SuiteResult> {
  const master = await startRedis({ args: SERVER_ARGS });
  try {
    return await runSuite(master.port, suite, 'direct');
  } finally {
    await master.stop();
  }
}

/** (b): a fresh master, one replica and the ambassador (its bin, defaults) per suite. */
async function viaAmbassador(suite: string): Promise<SuiteResult> {
  const set = await startReplicaSet(1, SERVER_ARGS);
  const port = await freePort();
  const amb = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      MAIN,
      '--listen',
      `127.0.0.1:${port}`,
      '--master',
      `127.0.0.1:${set.master.port}`,
      '--replica',
      `127.0.0.1:${set.replicas[0]?.port ?? 0}`,
      '--http-bind',
      `127.0.0.1:${await freePort()}`,
      '--log-level',
      'warn',
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = once(amb, 'exit');
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await command(port, ['PING'])) === 'PONG') break;
      } catch {
        // not listening yet
      }
      if (i > 400) throw new Error('the ambassador does not answer PING');
      await new Promise((r) => setTimeout(r, 25));
    }
    return await runSuite(port, suite, 'ambassador');
  } finally {
    await stopGroup(amb, exited);
    await set.stop();
  }
}

function cell(r: SuiteResult | undefined): string {
  if (r === undefined) return '-';
  const extra = r.exceptions > 0 ? ` / ${r.exceptions} exc` : '';
  return `${r.ok} ok / ${r.err} err${extra}${r.finished ? '' : ' (killed)'} ${(r.ms / 1000).toFixed(0)} s`;
}

await linkBinaries();
const startLoad = loadavg()[0] ?? 0;
const rows: [string, SuiteResult | undefined, SuiteResult | undefined][] = [];
for (const suite of SUITES) {
  const a = ONLY === 'ambassador' ? undefined : await direct(suite);
  const b = ONLY === 'direct' ? undefined : await viaAmbassador(suite);
  rows.push([suite, a, b]);
  console.error(`${suite}: direct ${cell(a)} | ambassador ${cell(b)}`);
  for (const f of b?.failed ?? []) {
    if (!(a?.failed ?? []).includes(f)) console.error(`  through the ambassador only: ${f}`);
  }
}
console.log(
  `\nRedis ${SRC} suites, external mode; ambassador from ${DIST ? 'dist' : 'src (tsx)'} with one replica; ${new Date().toISOString()}; load average ${startLoad.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}`,
);
console.log('| suite | direct | ambassador |');
console.log('| --- | --- | --- |');
for (const [suite, a, b] of rows) console.log(`| ${suite} | ${cell(a)} | ${cell(b)} |`);
const sum = (pick: (r: SuiteResult) => number, i: 1 | 2): number =>
  rows.reduce((n, row) => n + (row[i] === undefined ? 0 : pick(row[i])), 0);
console.log(
  `| total | ${sum((r) => r.ok, 1)} ok / ${sum((r) => r.err, 1)} err | ${sum((r) => r.ok, 2)} ok / ${sum((r) => r.err, 2)} err |`,
);
