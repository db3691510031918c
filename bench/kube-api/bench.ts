/**
 * bench/kube-api: the Kubernetes API's latency as kubectl sees it, beside podkit's own CLI.
 * On a state root and pod bridge of its own (busybox pods, `sleep`):
 * 1. 50 pods running (`podkit up -d` of one file); then RUNS times, interleaved,
 *    `kubectl get pods` (a Table of 50 rows over HTTPS) and `podkit ps` (the agent's socket):
 *    p50/p95 of each and the ratio, and the agent's memory with the 50 pods;
 * 2. RUNS/4 times, a one-container pod: `kubectl apply -f` then `kubectl wait` until Running
 *    (two kubectl processes, as a user types them), beside `podkit up --wait -f` of the same
 *    pod; each removed before the next.
 * Both clients are processes started cold each time, as users run them.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { freeHostPort } from '../../packages/runtime/src/testing/host-port.js';
import { memoryOf } from '../lib/proc.js';
import { pct, run, timed } from '../lib/timing.js';

const runs = Number(process.argv[2] ?? '20');
const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'packages/cli/dist/bundle/podkit.js');
const work = await mkdtemp(path.join(tmpdir(), 'podkit-bench-kube-api-'));
const root = path.join(work, 'state');
const hex = randomBytes(3).toString('hex');
const bridge = `pkk${hex}`;
const podkit = (...args: string[]): string[] => [cli, '--root', root, ...args];
const kubeconfig = path.join(work, 'kubeconfig');
const kubectl = (...args: string[]): string[] => [
  '--kubeconfig',
  kubeconfig,
  '--cache-dir',
  path.join(work, 'kube-cache'),
  ...args,
];

const POD = (name: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox:bench
      command: [sleep, '100000']
`;

const ms = (x: number): string => `${x.toFixed(0)} ms`;
const summary = (xs: number[]): string => `p50 ${ms(pct(xs, 50))}, p95 ${ms(pct(xs, 95))}`;

try {
  await mkdir(root, { recursive: true });
  const third = 210 + Math.floor(Math.random() * 30);
  await writeFile(
    path.join(root, 'network.json'),
    JSON.stringify({ name: `pkk-${hex}`, bridge, subnet: `10.89.${String(third)}.0/24` }),
  );
  await writeFile(path.join(root, 'agent.json'), JSON.stringify({ apiPort: await freeHostPort() }));
  // A busybox root filesystem: Debian's static busybox and a link per applet.
  const rootfs = path.join(work, 'rootfs');
  await mkdir(path.join(rootfs, 'bin'), { recursive: true });
  await copyFile('/usr/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  for (const a of ['sh', 'sleep']) await symlink('busybox', path.join(rootfs, 'bin', a));
  run(
    process.execPath,
    podkit('image', 'add', 'busybox:bench', '--rootfs', rootfs, '--env', 'PATH=/bin'),
  );
  const kc = spawnSync(process.execPath, podkit('kubeconfig'), { encoding: 'utf8' });
  if (kc.status !== 0) throw new Error(`podkit kubeconfig: ${kc.stderr}`);
  await writeFile(kubeconfig, kc.stdout, { mode: 0o600 });

  // 1. 50 pods.
  const many = path.join(work, 'pods.yaml');
  await writeFile(
    many,
    Array.from({ length: 50 }, (_, i) => POD(`p${String(i).padStart(2, '0')}`)).join('---\n'),
  );
  run(process.execPath, podkit('up', '-d', '-f', many));
  run('kubectl', kubectl('wait', '--for=condition=Ready', 'pods', '--all', '--timeout=120s'));
  // Warm kubectl's discovery cache once, as a user's is after their first command.
  run('kubectl', kubectl('get', 'pods'));
  const rows = spawnSync('kubectl', kubectl('get', 'pods', '--no-headers'), { encoding: 'utf8' });
  const count = rows.stdout.trim().split('\n').length;
  if (count !== 50) throw new Error(`kubectl get pods listed ${String(count)} pods, not 50`);
  const viaKubectl: number[] = [];
  const viaPs: number[] = [];
  for (let i = 0; i < runs; i++) {
    viaKubectl.push(timed('kubectl', kubectl('get', 'pods')));
    viaPs.push(timed(process.execPath, podkit('ps')));
  }
  const mem = await memoryOf(
    (argv) => argv.includes(cli) && argv.includes('agent') && argv.includes(root),
  );
  run(process.execPath, podkit('down', '--force', '-f', many));

  // 2. apply → Running.
  const one = path.join(work, 'one.yaml');
  await writeFile(one, POD('one'));
  const applyRunning: number[] = [];
  const upWait: number[] = [];
  const n = Math.max(3, Math.floor(runs / 4));
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    run('kubectl', kubectl('apply', '-f', one));
    run(
      'kubectl',
      kubectl('wait', '--for=jsonpath={.status.phase}=Running', 'pod/one', '--timeout=60s'),
    );
    applyRunning.push(Number(process.hrtime.bigint() - t0) / 1e6);
    run('kubectl', kubectl('delete', 'pod', 'one', '--grace-period=0', '--force', '--wait=true'));
    upWait.push(timed(process.execPath, podkit('up', '--wait', '-f', one)));
    run(process.execPath, podkit('down', '--force', '-f', one));
  }

  console.log(
    `bench/kube-api — ${new Date().toISOString()}, load ${loadavg()[0]?.toFixed(2) ?? '?'}, ${String(runs)} runs`,
  );
  console.log(`kubectl get pods (50 pods): ${summary(viaKubectl)}`);
  console.log(`podkit ps        (50 pods): ${summary(viaPs)}`);
  console.log(
    `ratio kubectl get pods / podkit ps (p50): ${(pct(viaKubectl, 50) / pct(viaPs, 50)).toFixed(2)}`,
  );
  console.log(
    `agent with 50 pods and the API: RSS ${(mem.rssKb / 1024).toFixed(1)} MiB, PSS ${(mem.pssKb / 1024).toFixed(1)} MiB`,
  );
  console.log(
    `kubectl apply + kubectl wait → Running (${String(n)} runs): ${summary(applyRunning)}`,
  );
  console.log(`podkit up --wait           → Ready   (${String(n)} runs): ${summary(upWait)}`);
  console.log(
    `ratio (p50): ${(pct(applyRunning, 50) / pct(upWait, 50)).toFixed(2)}; anchor (quoted, not measured: no kind here): a kind cluster takes ≈ 33 s to create before the first apply`,
  );
} finally {
  for (const f of ['pods.yaml', 'one.yaml'])
    spawnSync(process.execPath, podkit('down', '--force', '-f', path.join(work, f)), {
      stdio: 'ignore',
    });
  spawnSync(process.execPath, podkit('agent', 'stop'), { stdio: 'ignore' });
  spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  await rm(work, { recursive: true, force: true });
}
