/**
 * Adapters benchmark, in ONE run (compare only ratios measured together):
 *
 * 1. Scrape latency (p50/p95/p99 over many scrapes), CPU per scrape and resident memory of
 *    podkit-metrics-adapter vs Debian's prometheus-redis-exporter in front of the same
 *    redis-server, and vs prometheus-nginx-exporter in front of the same nginx stub_status.
 *    The four endpoints are scraped interleaved (round robin, one at a time, keep-alive,
 *    Prometheus 2's Accept header), so load and noise fall on all of them alike.
 * 2. podkit-log-adapter throughput: lines per second and CPU seconds per million nginx
 *    combined lines, read from a file (`--file --from-start`, followed) and from stdin.
 *
 *   node --conditions=podkit-source --import tsx bench/adapters/run.ts [scrapes] [lines]
 *
 * Defaults: 2000 scrapes per endpoint (after 100 warm-up scrapes), 1,000,000 lines. The
 * adapters run as shipped (the bundles in packages/adapters/dist/bundle, as in the images:
 * npm run build first). Every program is a child on 127.0.0.1 in its own process group, stopped at the end;
 * the temp dir goes too. The whole run is bounded (15 min), then everything is stopped.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@podkit/kit';
import {
  startNginx,
  startOnFreePort,
  startRedis,
  type TestProcess,
} from '../../packages/adapters/test/servers.js';

const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
const SCRAPES = Number(numbers[0] ?? 2000);
const LINES = Number(numbers[1] ?? 1_000_000);
const WARMUP = 100;
const BOUND_MS = 15 * 60_000;
const METRICS_BIN = fileURLToPath(
  new URL('../../packages/adapters/dist/bundle/podkit-metrics-adapter.js', import.meta.url),
);
const LOG_BIN = fileURLToPath(
  new URL('../../packages/adapters/dist/bundle/podkit-log-adapter.js', import.meta.url),
);
// What Prometheus 2.42 sends (the exporters and the adapter all negotiate on it).
const ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const CLK_TCK = 100; // Linux USER_HZ for /proc/<pid>/stat

/** user+system CPU seconds of a live process. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
}

/** VmRSS and VmHWM (peak) in MiB. */
async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * (sorted.length - 1)))] ?? NaN;
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);

interface Endpoint {
  readonly name: string;
  readonly url: string;
  readonly proc: TestProcess;
  readonly ms: number[];
  bytes: number;
  cpu0: number;
}

async function scrape(e: Endpoint, record: boolean): Promise<void> {
  const t0 = performance.now();
  const res = await fetch(e.url, {
    headers: { accept: ACCEPT },
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${e.name}: HTTP ${res.status}`);
  if (!/_up 1$/m.test(body)) throw new Error(`${e.name}: upstream not up:\n${body.slice(0, 500)}`);
  if (record) {
    e.ms.push(ms);
    e.bytes = body.length;
  }
}

const stops: (() => Promise<void>)[] = [];
const dir = await mkdtemp(join(tmpdir(), 'podkit-bench-adapters-'));
stops.push(() => rm(dir, { recursive: true, force: true }));
const cleanup = async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  stops.length = 0;
};
const bound = setTimeout(() => {
  console.error(`bench/adapters: over ${BOUND_MS / 60_000} min, stopping`);
  void cleanup().finally(() => process.exit(1));
}, BOUND_MS);
process.once('SIGINT', () => {
  void cleanup().finally(() => process.exit(130));
});

async function startAdapter(name: string, args: string[]): Promise<TestProcess> {
  const p = await startOnFreePort(name, (port) =>
    Promise.resolve({
      cmd: process.execPath,
      args: [METRICS_BIN, ...args, '--http-bind', `127.0.0.1:${port}`, '--log-level', 'warn'],
    }),
  );
  stops.push(() => p.stop());
  return p;
}

async function startExporter(cmd: string, args: string[]): Promise<TestProcess> {
  const p = await startOnFreePort(cmd, (port) =>
    Promise.resolve({ cmd, args: [...args, '-web.listen-address', `127.0.0.1:${port}`] }),
  );
  stops.push(() => p.stop());
  return p;
}

/** Nginx combined lines with varied fields (and $request_time, as the example logs). */
async function writeAccessLog(file: string, n: number): Promise<number> {
  const out = createWriteStream(file);
  const paths = ['/', '/index.html', '/api/v1/items?id=42', '/static/app.js', '/login'];
  const statuses = [200, 200, 200, 200, 304, 404, 500, 301];
  const agents = ['curl/8.0', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', 'Prometheus/2.42'];
  let bytes = 0;
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const sec = String(i % 60).padStart(2, '0');
    const min = String(Math.floor(i / 60) % 60).padStart(2, '0');
    chunk +=
      `10.0.${(i >> 8) & 255}.${i & 255} - ${i % 7 === 0 ? 'alice' : '-'} ` +
      `[05/Dec/2026:10:${min}:${sec} +0100] "GET ${paths[i % paths.length] ?? '/'} HTTP/1.1" ` +
      `${statuses[i % statuses.length] ?? 200} ${(i * 37) % 20000} "-" ` +
      `"${agents[i % agents.length] ?? '-'}" ${((i % 1000) / 1000).toFixed(3)}\n`;
    if (chunk.length > 1 << 20) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += chunk.length;
  out.end(chunk);
  await once(out, 'finish');
  return bytes;
}

interface LogRun {
  mode: string;
  seconds: number;
  cpu: number;
  peakMiB: number;
}

/**
 * Runs the log adapter until it has written `n` records (counted on its stdout), then reads
 * its CPU and peak memory from /proc before stopping it. Time runs from spawn (start-up
 * included) to the last record.
 */
async function logRun(mode: 'file' | 'stdin', file: string, n: number): Promise<LogRun> {
  const args = [LOG_BIN, '--format', 'nginx', '--label', 'pod=bench', '--log-level', 'warn'];
  args.push(...(mode === 'file' ? ['--file', file, '--from-start'] : ['--stdin']));
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const pid = child.pid;
  if (pid === undefined) throw new Error('log adapter did not start');
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
      await exited;
    }
  };
  stops.push(kill);
  try {
    // stdin stays open (end: false) so the process is alive when /proc is read.
    if (mode === 'stdin') createReadStream(file).pipe(child.stdin, { end: false });
    let lines = 0;
    let checked = 0;
    const done = new Promise<void>((resolve, reject) => {
      let chunks = 0;
      child.stdout.on('data', (d: Buffer) => {
        for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
        // Spot-check every 64th chunk: its first whole line is a record without parse_error.
        if (chunks++ % 64 === 0) {
          const rec = d.toString('utf8').split('\n').slice(1, -1)[0];
          if (rec !== undefined) {
            const parsed = JSON.parse(rec) as Record<string, unknown>;
            if ('parse_error' in parsed || parsed['format'] !== 'nginx') {
              reject(new Error(`log adapter (${mode}): a bad record: ${rec}`));
            }
            checked++;
          }
        }
        if (lines >= n) resolve();
      });
      void exited.then(() => {
        reject(new Error(`log adapter (${mode}) exited after ${lines} of ${n} lines`));
      });
    });
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = await cpuSeconds(pid);
    const { peak } = await memory(pid);
    if (checked === 0) throw new Error(`log adapter (${mode}): no record checked`);
    return { mode, seconds, cpu, peakMiB: peak };
  } finally {
    child.stdin.destroy();
    await kill();
  }
}

try {
  for (const bin of [METRICS_BIN, LOG_BIN])
    await access(bin).catch(() => {
      throw new Error(
        `${bin} is missing: npm run build (or npx tsc -b packages/adapters/tsconfig.build.json)`,
      );
    });
  const env = { PATH: process.env['PATH'] };
  console.log(
    `bench/adapters: ${SCRAPES} scrapes per endpoint (+${WARMUP} warm-up), ${LINES} log lines; ` +
      `node ${process.version}, load ${loadavg().map(f2).join(' ')}`,
  );

  // ── metrics: the same redis-server and nginx behind the adapter and the exporters ──
  const redis = await startRedis();
  stops.push(() => redis.stop());
  const cli = (...a: string[]) =>
    runCommand('redis-cli', ['-p', String(redis.port), ...a], { env });
  // A realistic INFO: a keyspace, several commands in commandstats, an error.
  await cli('eval', "for i = 1, 10000 do redis.call('set', 'key:' .. i, i) end", '0');
  for (let i = 0; i < 20; i++) await cli('set', `ttl:${i}`, 'x', 'EX', '3600');
  await cli('get', 'key:1');
  await cli('hset', 'h', 'f', 'v');
  await cli('incr', 'h');
  const nginx = await startNginx();
  stops.push(() => nginx.stop());
  const stub = `http://127.0.0.1:${nginx.port}/stub_status`;

  const procs = {
    adapterRedis: await startAdapter('bench-adapter-redis', [
      '--source',
      'redis',
      '--target',
      `127.0.0.1:${redis.port}`,
    ]),
    exporterRedis: await startExporter('prometheus-redis-exporter', [
      '-redis.addr',
      `redis://127.0.0.1:${redis.port}`,
    ]),
    adapterNginx: await startAdapter('bench-adapter-nginx', [
      '--source',
      'nginx',
      '--target',
      stub,
    ]),
    exporterNginx: await startExporter('prometheus-nginx-exporter', ['-nginx.scrape-uri', stub]),
  };
  const endpoint = (name: string, proc: TestProcess): Endpoint => ({
    name,
    url: `http://127.0.0.1:${proc.port}/metrics`,
    proc,
    ms: [],
    bytes: 0,
    cpu0: 0,
  });
  const endpoints = [
    endpoint('podkit-metrics-adapter --source redis', procs.adapterRedis),
    endpoint('prometheus-redis-exporter 1.45', procs.exporterRedis),
    endpoint('podkit-metrics-adapter --source nginx', procs.adapterNginx),
    endpoint('prometheus-nginx-exporter 0.11', procs.exporterNginx),
  ];
  for (let i = 0; i < WARMUP; i++) for (const e of endpoints) await scrape(e, false);
  for (const e of endpoints) e.cpu0 = await cpuSeconds(e.proc.group.pid);
  for (let i = 0; i < SCRAPES; i++) for (const e of endpoints) await scrape(e, true);

  interface Row {
    name: string;
    p50: number;
    p95: number;
    p99: number;
    cpuMs: number;
    rss: number;
    peak: number;
    kib: number;
  }
  const rows: Row[] = [];
  for (const e of endpoints) {
    const sorted = [...e.ms].sort((a, b) => a - b);
    const cpu = (await cpuSeconds(e.proc.group.pid)) - e.cpu0;
    const mem = await memory(e.proc.group.pid);
    rows.push({
      name: e.name,
      p50: pct(sorted, 50),
      p95: pct(sorted, 95),
      p99: pct(sorted, 99),
      cpuMs: (cpu * 1000) / SCRAPES,
      rss: mem.rss,
      peak: mem.peak,
      kib: e.bytes / 1024,
    });
  }
  console.log('\nscrape latency (ms, client-side, keep-alive), CPU ms per scrape, memory (MiB)');
  console.log(
    '| endpoint | p50 | p95 | p99 | CPU ms/scrape | RSS | peak RSS | body KiB |\n| --- | --: | --: | --: | --: | --: | --: | --: |',
  );
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${f2(r.p50)} | ${f2(r.p95)} | ${f2(r.p99)} | ${f3(r.cpuMs)} | ${f1(r.rss)} | ${f1(r.peak)} | ${f1(r.kib)} |`,
    );
  }
  const ratio = (a: Row | undefined, b: Row | undefined, what: string) => {
    if (a === undefined || b === undefined) return;
    console.log(
      `${what}: adapter/exporter p50 ${f2(a.p50 / b.p50)}x, p95 ${f2(a.p95 / b.p95)}x, ` +
        `CPU/scrape ${f2(a.cpuMs / b.cpuMs)}x, RSS ${f2(a.rss / b.rss)}x`,
    );
  };
  ratio(rows[0], rows[1], 'redis');
  ratio(rows[2], rows[3], 'nginx');
  // The servers are not needed for the log part: free the CPU.
  await cleanup();
  await mkdir(dir);
  stops.push(() => rm(dir, { recursive: true, force: true }));

  // ── log adapter throughput ──
  const file = join(dir, 'access.log');
  const bytes = await writeAccessLog(file, LINES);
  console.log(
    `\nlog adapter: ${LINES} nginx combined lines (${f1(bytes / 2 ** 20)} MiB), --format nginx`,
  );
  console.log(
    '| input | lines/s | CPU s per million lines | wall s | peak RSS MiB |\n| --- | --: | --: | --: | --: |',
  );
  for (const mode of ['file', 'stdin'] as const) {
    const r = await logRun(mode, file, LINES);
    console.log(
      `| ${mode === 'file' ? '--file (followed, --from-start)' : '--stdin'} | ${Math.round(LINES / r.seconds)} | ` +
        `${f2((r.cpu * 1e6) / LINES)} | ${f2(r.seconds)} | ${f1(r.peakMiB)} |`,
    );
  }
  console.log(`\nload after: ${loadavg().map(f2).join(' ')}`);
} finally {
  clearTimeout(bound);
  await cleanup();
}
