/**
 * bench/pod-start/trace.ts: where a `podkit up -d` of the bench pod spends its time. Runs the
 * start RUNS times with PODKIT_TRACE set (every podkit process appends `<epoch ms> <pid> <mark>`
 * lines) and prints, per mark, the median time since the CLI process started, and which process
 * reached it (cli / worker). Run as root: node --import tsx bench/pod-start/trace.ts [RUNS]
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
const marks = new Map<string, number[]>();
const order: string[] = [];
const totals: number[] = [];
try {
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  run(['--root', root, 'image', 'add', image, '--rootfs', rootfs]);
  for (let i = 0; i < runs; i++) {
    const file = path.join(work, `trace-${String(i)}.txt`);
    const t0 = performance.timeOrigin + performance.now();
    run(['--root', root, 'up', '-d', '-f', manifest], { ...process.env, PODKIT_TRACE: file });
    totals.push(performance.timeOrigin + performance.now() - t0);
    run(['--root', root, 'down', 'bench-pod']);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    // The CLI is the process that reached `cli.up`; times count from its start.
    const cliPid = lines.find((l) => l[2] === 'cli.up')?.[1];
    const start = Number(lines.find((l) => l[1] === cliPid && l[2] === 'process.start')?.[0]);
    // As the bench sees it: when it spawned the CLI, and when the CLI had exited.
    lines.push(
      [String(t0), 'bench', 'spawn'],
      [String(t0 + (totals.at(-1) ?? 0)), 'bench', 'exited'],
    );
    for (const [at, pid, raw] of lines) {
      // Container ids carry the pod's sandbox id: `runc.<id>-one.pid` → `runc.one.pid`.
      const mark = (raw ?? '?').replace(/\.[0-9a-f]{16}-/, '.');
      const who = pid === cliPid ? 'cli   ' : pid === 'bench' ? 'bench ' : 'worker';
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
  await rm(work, { recursive: true, force: true });
}
