/**
 * bench/pod-start/trace.ts: where a `podkit up -d` of the bench pod spends its time. Starts the
 * agent, then runs the start RUNS times with PODKIT_TRACE set (every podkit process appends
 * `<epoch ms> <pid> <mark>` lines to one file; each run's are those between its spawn and its
 * CLI's exit) and prints, per mark, the median time since the CLI process started, and which
 * process reached it (cli / agent). Run as root: node --import tsx bench/pod-start/trace.ts [RUNS]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeBusyboxRootfs } from '../../packages/runtime/src/testing/busybox-rootfs.js';

const runs = Number(process.argv[2] ?? '10');
const repo = path.resolve(import.meta.dirname, '../..');
const manifest = path.join(repo, 'bench/pod-start/pod.yaml');
const image = 'localhost/podkit-bench-busybox:latest';
const cli = path.join(repo, 'packages/cli/dist/bundle/podkit.js');

function run(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`podkit ${args.join(' ')} failed: ${r.stderr}`);
}

const work = await mkdtemp(path.join(tmpdir(), 'podkit-trace-'));
const root = path.join(work, 'state');
const file = path.join(work, 'trace.txt');
const traced = { ...process.env, PODKIT_TRACE: file };
const marks = new Map<string, number[]>();
const order: string[] = [];
const totals: number[] = [];
const now = (): number => performance.timeOrigin + performance.now();
try {
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  run(['--root', root, 'image', 'add', image, '--rootfs', rootfs]);
  // The agent runs before the pods are started (as the bench times it), tracing to the same file.
  run(['--root', root, 'ps'], traced);
  const windows: { t0: number; t1: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    run(['--root', root, 'up', '-d', '-f', manifest], traced);
    const t1 = now();
    totals.push(t1 - t0);
    windows.push({ t0, t1 });
    run(['--root', root, 'down', 'bench-pod']);
  }
  const lines = (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  const agentPid = lines.find((l) => l[2] === 'up.locked')?.[1];
  for (const { t0, t1 } of windows) {
    // The lines of this run: the CLI's own (the process that reached `cli.up` in the window)
    // and the agent's between the spawn and the CLI's exit; times count from the CLI's start.
    const inRun = lines.filter((l) => Number(l[0]) >= t0 - 1 && Number(l[0]) <= t1 + 1);
    const cliPid = inRun.find((l) => l[2] === 'cli.up')?.[1];
    const start = Number(inRun.find((l) => l[1] === cliPid && l[2] === 'process.start')?.[0]);
    const mine = inRun.filter((l) => l[1] === cliPid || l[1] === agentPid);
    mine.push([String(t0), 'bench', 'spawn'], [String(t1), 'bench', 'exited']);
    for (const [at, pid, raw] of mine) {
      // Container ids carry the pod's sandbox id: `runc.<id>-one.pid` → `runc.one.pid`.
      const mark = (raw ?? '?').replace(/\.[0-9a-f]{16}-/, '.');
      const who = pid === cliPid ? 'cli   ' : pid === 'bench' ? 'bench ' : 'agent ';
      const key = `${who} ${mark}`;
      if (!marks.has(key)) {
        marks.set(key, []);
        order.push(key);
      }
      marks.get(key)?.push(Number(at) - start);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
  const rows = order
    .map((k) => [k, median(marks.get(k) ?? [])] as const)
    .sort((a, b) => a[1] - b[1]);
  console.log(
    `median ms since the CLI process started, ${String(runs)} runs (wall clock of up -d: ${median(totals).toFixed(0)} ms)`,
  );
  for (const [k, v] of rows) console.log(`${v.toFixed(0).padStart(6)}  ${k}`);
} finally {
  spawnSync('node', [cli, '--root', root, 'down', 'bench-pod'], { stdio: 'ignore' });
  spawnSync('node', [cli, '--root', root, 'gc'], { stdio: 'ignore' });
  spawnSync('node', [cli, '--root', root, 'agent', 'stop'], { stdio: 'ignore' });
  await rm(work, { recursive: true, force: true });
}
