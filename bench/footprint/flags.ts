/**
 * What V8's memory flags cost: the redis ambassador and the metrics adapter (their bundled
 * bins) under load with each candidate NODE_OPTIONS, interleaved round by round (compare only
 * figures of one run): redis-benchmark req/s through the ambassador (`-c 50`, GET+SET,
 * unpipelined and `-P 16`), the adapter's scrape latency (sequential scrapes of a Redis
 * target, keep-alive), and the resident memory each ends with (and its peak).
 *
 *   node --import tsx bench/footprint/flags.ts [rounds] [requests]
 *
 * Only flags NODE_OPTIONS accepts are candidates (V8's --single-threaded is not), since that
 * is how a user raises or drops them. The flags the images set (containers/*\/Containerfile, ENV NODE_OPTIONS) were chosen with it;
 * docs/benchmarks.md has the run.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freeHostPort } from '@podkit/runtime/testing';
import { startRedis } from '../../packages/adapters/test/servers.js';
import { httpStatus, launch, readyAfter, redisBenchmark, stopAll, stops } from '../lib/launch.js';
import { memory } from '../lib/proc.js';

const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
const ROUNDS = Number(numbers[0] ?? 3);
const REQUESTS = Number(numbers[1] ?? 100_000);
const SCRAPES = 500;
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const AMBASSADOR = join(REPO, 'packages/redis-ambassador/dist/bundle/podkit-redis-ambassador.js');
const ADAPTER = join(REPO, 'packages/adapters/dist/bundle/podkit-metrics-adapter.js');

const CANDIDATES = [
  '',
  '--max-semi-space-size=1',
  '--max-semi-space-size=2',
  '--v8-pool-size=1',
  '--max-semi-space-size=1 --v8-pool-size=1',
];

async function rps(port: number, pipeline: number): Promise<number> {
  const out = await redisBenchmark(port, [
    '--csv',
    '-c',
    '50',
    '-n',
    String(REQUESTS),
    '-t',
    'get,set',
    '-P',
    String(pipeline),
  ]);
  const values = out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[1]?.replace(/"/g, '')));
  return values.reduce((a, b) => a + b, 0) / values.length;
}

interface Row {
  rpsP1: number;
  rpsP16: number;
  ambRss: number;
  ambPeak: number;
  scrapeP50: number;
  scrapeP99: number;
  adapterRss: number;
  adapterPeak: number;
}

async function measure(nodeOptions: string, redisPort: number): Promise<Row> {
  const env = nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions };
  const [listen, http, metrics] = [
    await freeHostPort(),
    await freeHostPort(),
    await freeHostPort(),
  ];
  const amb = launch(
    process.execPath,
    [
      AMBASSADOR,
      '--listen',
      `127.0.0.1:${listen}`,
      '--master',
      `127.0.0.1:${redisPort}`,
      '--http-bind',
      `127.0.0.1:${http}`,
      '--log-level',
      'warn',
    ],
    env,
  );
  await readyAfter(amb, async () => (await httpStatus(http, '/readyz')) === 200, 'ambassador');
  const rpsP1 = await rps(listen, 1);
  const rpsP16 = await rps(listen, 16);
  const ambMem = await memory(amb.pid);
  await amb.stop();

  const adapter = launch(
    process.execPath,
    [
      ADAPTER,
      '--source',
      'redis',
      '--target',
      `127.0.0.1:${redisPort}`,
      '--http-bind',
      `127.0.0.1:${metrics}`,
      '--log-level',
      'warn',
    ],
    env,
  );
  await readyAfter(adapter, async () => (await httpStatus(metrics, '/readyz')) === 200, 'adapter');
  const times: number[] = [];
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${metrics}/metrics`);
    await res.text();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const adapterMem = await memory(adapter.pid);
  await adapter.stop();
  return {
    rpsP1,
    rpsP16,
    ambRss: ambMem.rss,
    ambPeak: ambMem.peak,
    scrapeP50: times[Math.floor(times.length * 0.5)] ?? NaN,
    scrapeP99: times[Math.floor(times.length * 0.99)] ?? NaN,
    adapterRss: adapterMem.rss,
    adapterPeak: adapterMem.peak,
  };
}

const f = (n: number, d = 1) => n.toFixed(d);
console.log(
  `bench/footprint/flags: ${ROUNDS} rounds, ${REQUESTS} requests per redis-benchmark, ${SCRAPES} scrapes; ${new Date().toISOString()}; load average ${loadavg()
    .map((l) => f(l, 2))
    .join(' ')}`,
);
const results = new Map<string, Row[]>();
try {
  const redis = await startRedis();
  stops.push(() => redis.stop());
  const redisPort = redis.port;
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of CANDIDATES) {
      results.set(c, [...(results.get(c) ?? []), await measure(c, redisPort)]);
    }
  }
} finally {
  await stopAll();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const base = results.get('') ?? [];
const med = (rows: Row[], k: keyof Row) => median(rows.map((x) => x[k]));
console.log(
  '\n| NODE_OPTIONS | ambassador GET+SET req/s -P 1 | -P 16 | RSS after MiB | peak | adapter scrape p50 ms | p99 | RSS after MiB | peak |',
);
console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: |');
for (const [c, rows] of results) {
  const rel = (k: keyof Row) => (c === '' ? '' : ` (${f(med(rows, k) / med(base, k), 2)}×)`);
  console.log(
    `| ${c === '' ? '(none)' : c} | ${f(med(rows, 'rpsP1'), 0)}${rel('rpsP1')} | ${f(med(rows, 'rpsP16'), 0)}${rel('rpsP16')} | ${f(med(rows, 'ambRss'))} | ${f(med(rows, 'ambPeak'))} | ${f(med(rows, 'scrapeP50'), 2)}${rel('scrapeP50')} | ${f(med(rows, 'scrapeP99'), 2)} | ${f(med(rows, 'adapterRss'))} | ${f(med(rows, 'adapterPeak'))} |`,
  );
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => f(l, 2))
    .join(' ')}`,
);
