/**
 * Footprint benchmark: each pattern container beside its Go/C anchor on the same upstream, in
 * ONE run (compare only figures measured together): resident memory idle, resident memory
 * under its typical load, and the time from exec to ready.
 *
 *   node --import tsx bench/footprint/run.ts [rounds] [--load-seconds=N] [--no-image-flags]
 *
 * - podkit-redis-ambassador vs twemproxy (Debian nutcracker), both in front of one
 *   redis-server; load: `redis-benchmark -c 50 -n 100000 -t get,set` through each;
 * - podkit-metrics-adapter vs prometheus-redis-exporter (redis_exporter) on that redis-server,
 *   and vs prometheus-nginx-exporter on one nginx stub_status; load: 10 scrapes/s each;
 * - podkit-log-adapter following an access log (100 lines/s written) with its metrics scraped
 *   10 times/s, beside the same nginx exporter (the Go program in the same role: nginx
 *   metrics for Prometheus; it reads stub_status, not the log);
 * - podkit-git-sync over 100 syncs (a commit pushed to a file:// remote, the webhook called,
 *   the new file awaited). kubernetes/git-sync is a Go binary not available offline here: its
 *   column is empty and docs/benchmarks.md quotes its published figures instead.
 *
 * The containers run as shipped: the bundled bins (`npm run build` first) with the
 * NODE_OPTIONS of their image's Containerfile (`ENV NODE_OPTIONS=…`; `--no-image-flags` runs
 * them without, to measure what the flags change), and only PATH from this environment (no
 * NODE_EXTRA_CA_CERTS, which costs every node start ~60 ms here and is not in the images).
 * Ready: our bins' `/readyz` answers 200 (the ambassador's once the master answers PING,
 * git-sync's once the first sync is published); an anchor's port accepts a connection. Each
 * figure is the median over the rounds. Every process is a child in its own process group,
 * stopped at the end; temp dirs go too.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freeHostPort } from '@podkit/runtime/testing';
import { makeRemote, tempRoot } from '../../packages/git-sync/test/helpers/git-remote.js';
import { startNginx, startRedis } from '../../packages/adapters/test/servers.js';
import {
  accepts,
  httpStatus,
  launch,
  readyAfter,
  redisBenchmark,
  stopAll,
  stops,
  type Proc,
} from '../lib/launch.js';
import { memory, type Memory } from '../lib/proc.js';
import { bundledBin, imageNodeOptions } from '../lib/shipped.js';
import { writeNutcrackerConfig } from '../lib/twemproxy.js';

const ROUNDS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3);
const LOAD_S = Number(
  /^--load-seconds=(\d+)$/.exec(
    process.argv.find((a) => a.startsWith('--load-seconds=')) ?? '',
  )?.[1] ?? 20,
);
const IMAGE_FLAGS = !process.argv.includes('--no-image-flags');
const SYNCS = 100;
/** The ambassador's and twemproxy's load. */
const BENCHMARK = ['-c', '50', '-n', '100000', '-t', 'get,set', '-q'];

/** A container's shipped bin and the NODE_OPTIONS its image sets. */
async function shipped(
  container: string,
  pkg: string,
): Promise<{ bin: string; nodeOptions: string }> {
  return { bin: bundledBin(container, pkg), nodeOptions: await imageNodeOptions(container) };
}

const readyz = (port: number) => async () => (await httpStatus(port, '/readyz')) === 200;
const listening = (port: number) => () => accepts(port);
const settle = () => new Promise((r) => setTimeout(r, 2000));

/** One process's figures in one round. */
interface Figures {
  ready: number;
  idle: Memory;
  load: Memory;
}

/** Scrapes `url` 10 times a second for LOAD_S seconds. */
async function scrapeAtTen(port: number, path: string): Promise<void> {
  const end = performance.now() + LOAD_S * 1000;
  while (performance.now() < end) {
    const next = performance.now() + 100;
    const status = await httpStatus(port, path);
    if (status !== 200) throw new Error(`:${port}${path}: HTTP ${status}`);
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
}

async function round(): Promise<Map<string, Figures>> {
  const out = new Map<string, Figures>();
  const dir = await mkdtemp(join(tmpdir(), 'podkit-bench-footprint-'));
  stops.push(() => rm(dir, { recursive: true, force: true }));
  const env = (nodeOptions: string): Record<string, string> =>
    IMAGE_FLAGS && nodeOptions !== '' ? { NODE_OPTIONS: nodeOptions } : {};

  // ── upstreams ──
  const redis = await startRedis();
  stops.push(() => redis.stop());
  const redisPort = redis.port;
  const nginx = await startNginx();
  stops.push(() => nginx.stop());
  const nginxPort = nginx.port;
  const accessLog = join(dir, 'access.log');
  await writeFile(accessLog, '');
  const stub = `http://127.0.0.1:${nginxPort}/stub_status`;

  // ── ambassador vs twemproxy ──
  const amb = await shipped('redis-ambassador', 'redis-ambassador');
  const [ambPort, ambHttp, nutPort, nutStats] = await Promise.all(
    [1, 2, 3, 4].map(() => freeHostPort()),
  );
  const ambassador = launch(
    process.execPath,
    [
      amb.bin,
      '--listen',
      `127.0.0.1:${ambPort}`,
      '--master',
      `127.0.0.1:${redisPort}`,
      '--http-bind',
      `127.0.0.1:${ambHttp}`,
      '--log-level',
      'warn',
    ],
    env(amb.nodeOptions),
  );
  const ambReady = await readyAfter(ambassador, readyz(ambHttp!), 'ambassador');
  await writeNutcrackerConfig(join(dir, 'nutcracker.yml'), nutPort!, redisPort);
  const nut = launch('nutcracker', ['-c', join(dir, 'nutcracker.yml'), '-s', String(nutStats)]);
  const nutReady = await readyAfter(nut, listening(nutPort!), 'nutcracker');
  await settle();
  const ambIdle = await memory(ambassador.pid);
  const nutIdle = await memory(nut.pid);
  await redisBenchmark(ambPort!, BENCHMARK);
  await redisBenchmark(nutPort!, BENCHMARK);
  out.set('podkit-redis-ambassador', {
    ready: ambReady,
    idle: ambIdle,
    load: await memory(ambassador.pid),
  });
  out.set('twemproxy (nutcracker)', {
    ready: nutReady,
    idle: nutIdle,
    load: await memory(nut.pid),
  });
  await ambassador.stop();
  await nut.stop();

  // ── adapters vs exporters, all scraped at once ──
  const ma = await shipped('metrics-adapter', 'adapters');
  const la = await shipped('log-adapter', 'adapters');
  const ports = await Promise.all([1, 2, 3, 4, 5].map(() => freeHostPort()));
  const [aRedis, eRedis, aNginx, eNginx, aLog] = ports as [number, number, number, number, number];
  const adapter = (port: number, args: string[]) =>
    launch(
      process.execPath,
      [ma.bin, ...args, '--http-bind', `127.0.0.1:${port}`, '--log-level', 'warn'],
      env(ma.nodeOptions),
    );
  const scraped: [string, Proc, number][] = [];
  const readies = new Map<string, number>();
  // One at a time, each ready before the next starts: start-ups do not compete for the CPU.
  const started = async (name: string, p: Proc, port: number, ready: () => Promise<boolean>) => {
    readies.set(name, await readyAfter(p, ready, name));
    scraped.push([name, p, port]);
  };
  const p1 = adapter(aRedis, ['--source', 'redis', '--target', `127.0.0.1:${redisPort}`]);
  await started('podkit-metrics-adapter --source redis', p1, aRedis, readyz(aRedis));
  const p2 = launch('prometheus-redis-exporter', [
    '-redis.addr',
    `redis://127.0.0.1:${redisPort}`,
    '-web.listen-address',
    `127.0.0.1:${eRedis}`,
  ]);
  await started('redis_exporter', p2, eRedis, listening(eRedis));
  const p3 = adapter(aNginx, ['--source', 'nginx', '--target', stub]);
  await started('podkit-metrics-adapter --source nginx', p3, aNginx, readyz(aNginx));
  const p4 = launch('prometheus-nginx-exporter', [
    '-nginx.scrape-uri',
    stub,
    '-web.listen-address',
    `127.0.0.1:${eNginx}`,
  ]);
  await started('nginx-prometheus-exporter', p4, eNginx, listening(eNginx));
  const p5 = launch(
    process.execPath,
    [
      la.bin,
      '--file',
      accessLog,
      '--format',
      'nginx',
      '--metrics-bind',
      `127.0.0.1:${aLog}`,
      '--log-level',
      'warn',
    ],
    env(la.nodeOptions),
  );
  await started('podkit-log-adapter', p5, aLog, readyz(aLog));
  await settle();
  const idles = new Map<string, Memory>();
  for (const [name, p] of scraped) idles.set(name, await memory(p.pid));
  // The access log grows by 100 lines/s while everything is scraped 10 times/s.
  const writing = (async () => {
    const end = performance.now() + LOAD_S * 1000;
    for (let i = 0; performance.now() < end; i++) {
      const lines = Array.from(
        { length: 10 },
        (_, j) =>
          `10.0.0.${j} - - [07/Dec/2026:04:00:${String(i % 60).padStart(2, '0')} +0000] "GET /page/${i}/${j} HTTP/1.1" ${j === 9 ? 404 : 200} ${100 + j} "-" "bench" 0.00${j}\n`,
      );
      await appendFile(accessLog, lines.join(''));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.all([...scraped.map(([, , port]) => scrapeAtTen(port, '/metrics')), writing]);
  for (const [name, p] of scraped) {
    out.set(name, {
      ready: readies.get(name) ?? NaN,
      idle: idles.get(name) as Memory,
      load: await memory(p.pid),
    });
    await p.stop();
  }

  // ── git-sync over 100 syncs ──
  const gs = await shipped('git-sync', 'git-sync');
  const remote = await makeRemote();
  stops.push(() => remote.cleanup());
  await remote.commit({ 'index.html': 'start\n' });
  const { root, cleanup } = await tempRoot();
  stops.push(cleanup);
  const gsHttp = await freeHostPort();
  const token = 'bench-token';
  const gitSync = launch(
    process.execPath,
    [
      gs.bin,
      `--repo=${remote.url}`,
      `--root=${root}`,
      '--link=current',
      '--ref=main',
      '--period=1h',
      `--http-bind=127.0.0.1:${gsHttp}`,
      `--inbound-token=${token}`,
      '--log-level=warn',
    ],
    env(gs.nodeOptions),
  );
  const gsReady = await readyAfter(gitSync, readyz(gsHttp), 'git-sync');
  await settle();
  const gsIdle = await memory(gitSync.pid);
  const page = join(root, 'current', 'index.html');
  for (let i = 0; i < SYNCS; i++) {
    const body = `sync ${i}\n`;
    await remote.commit({ 'index.html': body });
    const res = await fetch(`http://127.0.0.1:${gsHttp}/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{"ref":"refs/heads/main"}',
    });
    await res.arrayBuffer();
    for (;;) {
      const text = await readFile(page, 'utf8').catch(() => '');
      if (text === body) break;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  out.set('podkit-git-sync', { ready: gsReady, idle: gsIdle, load: await memory(gitSync.pid) });
  await gitSync.stop();

  await stopAll();
  return out;
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const f1 = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(1));
const f2 = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(2));

const PAIRS: [string, string | undefined][] = [
  ['podkit-redis-ambassador', 'twemproxy (nutcracker)'],
  ['podkit-metrics-adapter --source redis', 'redis_exporter'],
  ['podkit-metrics-adapter --source nginx', 'nginx-prometheus-exporter'],
  ['podkit-log-adapter', 'nginx-prometheus-exporter'],
  ['podkit-git-sync', undefined],
];

const load0 = loadavg().map(f2).join(' ');
const flags = await Promise.all(
  [
    ['redis-ambassador', 'redis-ambassador'],
    ['metrics-adapter', 'adapters'],
    ['log-adapter', 'adapters'],
    ['git-sync', 'git-sync'],
  ].map(
    async ([c, p]) =>
      `${c}: ${IMAGE_FLAGS ? (await shipped(c!, p!)).nodeOptions || '(none)' : '(none: --no-image-flags)'}`,
  ),
);
console.log(
  `bench/footprint: ${ROUNDS} rounds, load ${LOAD_S} s, ${SYNCS} syncs; node ${process.version}; ${new Date().toISOString()}; load average ${load0}\nNODE_OPTIONS — ${flags.join('; ')}`,
);
const rounds: Map<string, Figures>[] = [];
process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});
try {
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round());
} finally {
  await stopAll();
}
const med = (name: string, pick: (f: Figures) => number): number =>
  median(
    rounds
      .map((r) => r.get(name))
      .filter((f) => f !== undefined)
      .map(pick),
  );

console.log(
  '\n| container | anchor | RSS idle MiB | anchor | ratio | RSS under load MiB | anchor | ratio | peak RSS MiB | anchor | ready ms | anchor |',
);
console.log('| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
for (const [ours, anchor] of PAIRS) {
  const a = (pick: (f: Figures) => number) => (anchor === undefined ? NaN : med(anchor, pick));
  const idle = med(ours, (f) => f.idle.rss);
  const load = med(ours, (f) => f.load.rss);
  console.log(
    `| ${ours} | ${anchor ?? 'kubernetes/git-sync: no binary here'} | ${f1(idle)} | ${f1(a((f) => f.idle.rss))} | ${f2(idle / a((f) => f.idle.rss))} | ${f1(load)} | ${f1(a((f) => f.load.rss))} | ${f2(load / a((f) => f.load.rss))} | ${f1(med(ours, (f) => f.load.peak))} | ${f1(a((f) => f.load.peak))} | ${f1(med(ours, (f) => f.ready))} | ${f1(a((f) => f.ready))} |`,
  );
}
console.log(
  '\nwhere the memory is (medians, MiB): anonymous / file-backed (mostly the node binary)',
);
for (const [ours] of PAIRS) {
  console.log(
    `${ours}: idle ${f1(med(ours, (f) => f.idle.anon))} / ${f1(med(ours, (f) => f.idle.file))}, under load ${f1(med(ours, (f) => f.load.anon))} / ${f1(med(ours, (f) => f.load.file))}`,
  );
}
console.log(
  `\nready ms per round: ${PAIRS.map(([o]) => `${o} ${rounds.map((r) => f1(r.get(o)?.ready ?? NaN)).join('/')}`).join('; ')}`,
);
console.log(`load average at the end: ${loadavg().map(f2).join(' ')}`);
