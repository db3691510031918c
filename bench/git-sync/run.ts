/**
 * git-sync benchmark: push-to-served latency (p50/p95) with the inbound webhook and with
 * polling, and the idle CPU and memory of the sidecar. The sidecar is the shipped bin
 * (packages/git-sync/dist/bundle/podkit-git-sync.js, as in the image) on a file:// remote;
 * "served" = the published tree's index.html (read through the link, as nginx does) holds the new
 * commit. kubernetes/git-sync itself is a Go binary not available offline here, so there is
 * no side-by-side run: its polling latency is bounded below by the same period arithmetic.
 *
 *   node --conditions=podkit-source --import tsx bench/git-sync/run.ts [pushes] [idle seconds]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  makeRemote,
  tempRoot,
  type TestRemote,
} from '../../packages/git-sync/test/helpers/git-remote.js';

const PUSHES = Number(process.argv[2] ?? 20);
const IDLE_S = Number(process.argv[3] ?? 60);
const BIN = fileURLToPath(
  new URL('../../packages/git-sync/dist/bundle/podkit-git-sync.js', import.meta.url),
);
const TOKEN = 'bench-token';

interface Sidecar {
  child: ChildProcess;
  url: string;
  root: string;
  stop(): Promise<void>;
}

async function startSidecar(remote: TestRemote, extra: string[]): Promise<Sidecar> {
  const { root, cleanup } = await tempRoot();
  const child = spawn(
    process.execPath,
    [
      BIN,
      `--repo=${remote.url}`,
      `--root=${root}`,
      '--link=current',
      '--ref=main',
      '--http-bind=127.0.0.1:0',
      `--inbound-token=${TOKEN}`,
      ...extra,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  const url = await waitFor(() => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1]);
  await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
  return {
    child,
    url,
    root,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await exited;
      await cleanup();
    },
  };
}

async function waitFor<T>(
  get: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(get)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function latencies(
  remote: TestRemote,
  sidecar: Sidecar,
  webhook: boolean,
  label: string,
): Promise<number[]> {
  const out: number[] = [];
  const page = path.join(sidecar.root, 'current', 'index.html');
  for (let i = 0; i < PUSHES; i++) {
    const body = `${label} ${i} ${Date.now()}\n`;
    await remote.commit({ 'index.html': body });
    const t0 = performance.now();
    if (webhook) {
      // What the example's post-receive hook does.
      await fetch(`${sidecar.url}/webhook`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '{"ref":"refs/heads/main"}',
      });
    }
    await waitFor(async () => ((await fs.readFile(page, 'utf8')) === body ? true : undefined));
    out.push(performance.now() - t0);
    // Pushes land at random points of the (1 s) polling period, as real ones do; without
    // this they would follow each detection closely and always wait almost a full period.
    await new Promise((r) => setTimeout(r, Math.random() * 1000));
  }
  return out;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

async function procSample(pid: number): Promise<{ ticks: number; rssKiB: number }> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime (fields 14-17): children (git) count once reaped.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0);
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { ticks, rssKiB };
}

async function main(): Promise<void> {
  await fs.access(BIN).catch(() => {
    throw new Error(`${BIN} missing: run npm run build`);
  });
  const remote = await makeRemote();
  try {
    await remote.commit({ 'index.html': 'start\n' });
    const rows: string[] = [];

    const hooked = await startSidecar(remote, ['--period=1h']);
    const w = await latencies(remote, hooked, true, 'webhook').finally(() => hooked.stop());
    rows.push(
      `| webhook (period 1h)  | ${PUSHES} | ${pct(w, 50).toFixed(0)} | ${pct(w, 95).toFixed(0)} | ${Math.max(...w).toFixed(0)} |`,
    );

    const polled = await startSidecar(remote, ['--period=1s']);
    const p = await latencies(remote, polled, false, 'poll').finally(() => polled.stop());
    rows.push(
      `| polling (period 1s)  | ${PUSHES} | ${pct(p, 50).toFixed(0)} | ${pct(p, 95).toFixed(0)} | ${Math.max(...p).toFixed(0)} |`,
    );

    console.log('| mode                 | pushes | p50 ms | p95 ms | max ms |');
    console.log('| -------------------- | ------ | ------ | ------ | ------ |');
    for (const r of rows) console.log(r);

    // Idle: the default 10 s period (one ls-remote per period, nothing to fetch).
    const idle = await startSidecar(remote, ['--period=10s']);
    try {
      const pid = idle.child.pid ?? 0;
      await new Promise((r) => setTimeout(r, 5000)); // past start-up
      const a = await procSample(pid);
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      const b = await procSample(pid);
      const hz = 100; // USER_HZ on Linux
      const cpu = ((b.ticks - a.ticks) / hz / IDLE_S) * 100;
      console.log(
        `\nidle over ${IDLE_S} s (period 10s): CPU ${cpu.toFixed(2)} % of one core (git children included), RSS ${(b.rssKiB / 1024).toFixed(1)} MiB`,
      );
    } finally {
      await idle.stop();
    }
  } finally {
    await remote.cleanup();
  }
}

await main();
