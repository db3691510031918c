/**
 * Redis ambassador benchmark: redis-benchmark against Redis directly, twemproxy (Debian
 * nutcracker, same single master) and podkit-redis-ambassador in master-only and split
 * modes, all in ONE run, printing ratios (compare only ratios measured together).
 *
 *   node --conditions=podkit-source --import tsx bench/redis/run.ts [requests] [--dist [--no-image-flags]] [--latency-only]
 *
 * The ambassador runs from source through tsx by default; with --dist it runs the shipped
 * bundle `dist/bundle/podkit-redis-ambassador.js` with its image's NODE_OPTIONS (build it
 * first: npm run build). tsx only costs start-up and esbuild's
 * name-keeping helper calls (< 1 % of a CPU profile under load), so the two should differ by
 * less than the noise.
 *
 * Every server is a child process on loopback in its own process group, removed at the end.
 *
 * Besides req/s it prints each serving process's CPU time per request (user + system, from
 * /proc/PID/stat, in µs): on a shared machine the req/s of one run swing with the other jobs'
 * load, while CPU per request moves much less (it is what decides req/s when the cores are
 * busy). For the proxies it is the proxy process alone, not the Redis behind it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  command,
  freePort,
  startReplicaSet,
} from '../../packages/redis-ambassador/test/redis-servers.js';
import { writeNutcrackerConfig } from '../lib/twemproxy.js';
import { AMBASSADOR_ENV, DIST, MAIN, NODE_ARGS } from './ambassador-bin.js';
import { probeLatency, quantile } from './latency-probe.js';

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200_000);
/** Only the `-c 1` latency rounds (quicker, when working on latency). */
const LATENCY_ONLY = process.argv.includes('--latency-only');

interface Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'inherit'], env });
  return { child, exited: once(child, 'exit') };
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null && p.child.pid !== undefined) {
    try {
      process.kill(-p.child.pid, 'SIGTERM');
    } catch {
      // gone
    }
    await p.exited;
  }
}

async function waitPing(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      if ((await command(port, ['PING'])) === 'PONG') return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing answers PING on ${port}`);
}

/** CPU time (user + system) of a process so far, in ms (clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Row {
  test: string;
  rps: number;
  p50: number;
}

/** Runs redis-benchmark (asynchronously: the ambassador may share nothing with this process). */
async function benchmark(port: number, args: string[]): Promise<Row[]> {
  const child = spawn(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', String(port), '--csv', ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`redis-benchmark exited with ${String(code)}`);
  const rows: Row[] = [];
  for (const line of out.trim().split('\n').slice(1)) {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    rows.push({ test: cells[0] ?? '', rps: Number(cells[1]), p50: Number(cells[4]) });
  }
  return rows;
}

const set = await startReplicaSet(2);
const dir = await mkdtemp(join(tmpdir(), 'podkit-bench-redis-'));
const procs: Proc[] = [];
try {
  const master = set.master.port;
  const nutPort = await freePort();
  await writeNutcrackerConfig(join(dir, 'nutcracker.yml'), nutPort, master);
  procs.push(
    start('nutcracker', ['-c', join(dir, 'nutcracker.yml'), '-s', String(await freePort())]),
  );
  const twemproxy = procs[0]?.child.pid ?? 0;
  const ambassador = async (extra: string[]): Promise<[number, number]> => {
    const port = await freePort();
    const p = start(
      process.execPath,
      [
        ...NODE_ARGS,
        MAIN,
        '--listen',
        `127.0.0.1:${port}`,
        '--master',
        `127.0.0.1:${master}`,
        '--http-bind',
        `127.0.0.1:${await freePort()}`,
        '--log-level',
        'warn',
        ...extra,
      ],
      AMBASSADOR_ENV,
    );
    procs.push(p);
    return [port, p.child.pid ?? 0];
  };
  const replicaArgs = set.replicas.flatMap((r) => ['--replica', `127.0.0.1:${r.port}`]);
  /** name, port, pid of the serving process */
  const targets: [string, number, number][] = [
    ['redis direct', master, set.master.pid],
    ['twemproxy', nutPort, twemproxy],
    ['ambassador master-only', ...(await ambassador(['--read-from', 'master', ...replicaArgs]))],
    ['ambassador split', ...(await ambassador(['--read-from', 'prefer-replica', ...replicaArgs]))],
  ];
  for (const [, port] of targets) await waitPing(port);
  await command(master, ['SET', 'key:__rand_int__', 'x']);

  const results = new Map<string, Map<string, number>>();
  const put = (target: string, metric: string, v: number): void => {
    const m = results.get(target) ?? new Map<string, number>();
    m.set(metric, v);
    results.set(target, m);
  };
  const startLoad = loadavg()[0] ?? 0;
  // Interleave targets per configuration so a noisy moment hits all of them alike.
  for (const pipe of LATENCY_ONLY ? [] : ['1', '16']) {
    for (const [name, port, pid] of targets) {
      const cpu0 = await cpuMs(pid);
      const rows = await benchmark(port, [
        '-c',
        '50',
        '-n',
        String(N),
        '-t',
        'get,set',
        '-P',
        pipe,
      ]);
      const cpu1 = await cpuMs(pid);
      for (const row of rows) put(name, `${row.test} -P ${pipe} req/s`, row.rps);
      put(name, `GET+SET -P ${pipe} CPU us/req`, ((cpu1 - cpu0) * 1000) / (N * rows.length));
    }
  }
  // `-c 1` latency: rounds interleaved across the targets, the median of each target's p50s
  // (one long run per target would let a noisy moment land on one of them only).
  const LATENCY_ROUNDS = 7;
  /** Round trips the µs probe times per target and round (latency-probe.ts). */
  const PROBE_REQUESTS = 5000;
  // Floors, in the same rounds: a bare Node forwarder to the master (master-only's floor) and
  // to one replica, and one alternating between the two replicas as the split mode's round
  // robin does (what alternation costs).
  const floors: [string, number][] = [];
  for (const [name, ups] of [
    ['bare forwarder, master', [master]],
    ['bare forwarder, 1 replica', [set.replicas[0]?.port ?? 0]],
    ['bare forwarder, 2 replicas alternating', set.replicas.map((r) => r.port)],
    // Two connections to the same replica, alternating: where alternation costs, this tells
    // the forwarder's side (switching sockets) from the servers' (two processes waking).
    [
      'bare forwarder, 2 connections to 1 replica alternating',
      [set.replicas[0]?.port ?? 0, set.replicas[0]?.port ?? 0],
    ],
  ] as const) {
    const port = await freePort();
    procs.push(
      start(process.execPath, [
        '--import',
        'tsx',
        fileURLToPath(new URL('bare-forwarder.ts', import.meta.url)),
        String(port),
        ...ups.map(String),
      ]),
    );
    await waitPing(port);
    floors.push([name, port]);
  }
  const p50s = new Map<string, number[]>();
  /** The probe's p50 (µs) of each target, per round. */
  const probed = new Map<string, number[]>();
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    for (const [name, port] of [...targets, ...floors]) {
      const times = await probeLatency(port, PROBE_REQUESTS);
      probed.set(name, [...(probed.get(name) ?? []), quantile(times, 0.5)]);
      for (const row of await benchmark(port, [
        '-c',
        '1',
        '-n',
        String(Math.ceil(Math.min(N, 70_000) / LATENCY_ROUNDS)),
        '-t',
        'get',
      ])) {
        p50s.set(name, [...(p50s.get(name) ?? []), row.p50]);
      }
    }
  }
  for (const [name, values] of p50s) {
    const sorted = [...values].sort((a, b) => a - b);
    if (floors.some(([f]) => f === name)) {
      console.log(`-c 1 p50 median, ${name}: ${sorted[Math.floor(sorted.length / 2)] ?? NaN} ms`);
    } else put(name, 'GET -c 1 p50 ms', sorted[Math.floor(sorted.length / 2)] ?? NaN);
    console.log(`-c 1 p50 of each round, ${name}: ${values.join(' ')}`);
  }

  // The probe's view: per round, each target's p50 minus direct's (its overhead) and minus
  // twemproxy's overhead; the medians over the rounds (a noisy round moves every target).
  const median = (v: number[]): number =>
    [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
  const direct = probed.get('redis direct') ?? [];
  const tw = probed.get('twemproxy') ?? [];
  console.log('\n-c 1 GET, µs probe (p50 per round, µs; overheads are medians over the rounds):');
  for (const [name, values] of probed) {
    const overhead = median(values.map((v, i) => v - (direct[i] ?? NaN)));
    const vsTw = median(values.map((v, i) => v - (tw[i] ?? NaN)));
    console.log(
      `${name}: p50 ${values.map((v) => v.toFixed(1)).join(' ')}; overhead over direct ${overhead.toFixed(1)} µs; minus twemproxy's ${vsTw >= 0 ? '+' : ''}${vsTw.toFixed(1)} µs`,
    );
  }

  const metrics = [...(results.get('redis direct')?.keys() ?? [])];
  const fmt = (v: number | undefined): string =>
    v === undefined ? '-' : Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `redis-benchmark -n ${N}, -c 50 unless noted; ambassador from ${DIST ? `dist, NODE_OPTIONS="${AMBASSADOR_ENV['NODE_OPTIONS'] ?? ''}"` : 'src (tsx)'}; ${new Date().toISOString()}; load average at the start ${startLoad.toFixed(2)}, at the end ${load}`,
  );
  console.log(['metric', ...targets.map(([n]) => n)].join(' | '));
  for (const m of metrics) {
    console.log([m, ...targets.map(([n]) => fmt(results.get(n)?.get(m)))].join(' | '));
  }
  console.log('\nratios (ambassador / twemproxy, ambassador / direct):');
  for (const m of metrics) {
    const tw = results.get('twemproxy')?.get(m) ?? NaN;
    const direct = results.get('redis direct')?.get(m) ?? NaN;
    for (const amb of ['ambassador master-only', 'ambassador split']) {
      const v = results.get(amb)?.get(m) ?? NaN;
      if (m.includes('CPU')) {
        console.log(
          `${m} ${amb}: ${(v / tw).toFixed(2)}x twemproxy's CPU per request (lower is better)`,
        );
      } else if (m.includes('p50')) {
        console.log(
          `${m} ${amb}: overhead over direct ${(v - direct).toFixed(3)} ms vs twemproxy's ${(tw - direct).toFixed(3)} ms`,
        );
      } else {
        console.log(
          `${m} ${amb}: ${(v / tw).toFixed(2)}x twemproxy, ${(v / direct).toFixed(2)}x direct`,
        );
      }
    }
  }
} finally {
  for (const p of procs) await stop(p);
  await set.stop();
  await rm(dir, { recursive: true, force: true });
}
