/**
 * bench/redis-app: time from `podkit up --wait -f examples/redis-ambassador/app.yaml` to all 7
 * pods Ready (the command returns when they are; checked from the pod records), RUNS times
 * with a `down` between, on a state root and pod bridge of its own with free host ports; then,
 * with the app running, the memory of podkit's own processes (the agent and every conmon:
 * RSS, and PSS, shared pages divided among the processes that map them). The containers'
 * processes (redis-server, node) are the app's, not podkit's, and are not counted.
 *
 * The anchor: `kind create cluster` alone takes about 33 s (minikube's time-to-k8s benchmark,
 * shared/reference/applications.md) before any manifest is applied; kind is not installed on
 * this offline machine, so that figure is quoted, not measured here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { freeHostPorts } from '../../packages/runtime/src/testing/host-port.js';
import { memoryOf, type ProcessesMemory } from '../lib/proc.js';
import { pct, run, timed } from '../lib/timing.js';

const runs = Number(process.argv[2] ?? '5');
const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'packages/cli/dist/bundle/podkit.js');
const example = path.join(repo, 'examples/redis-ambassador');

const mib = (kb: number): string => (kb / 1024).toFixed(1);
const work = await mkdtemp(path.join(tmpdir(), 'podkit-bench-redis-app-'));
const root = path.join(work, 'state');
const hex = randomBytes(3).toString('hex');
const bridge = `pkb${hex}`;
const podkit = (...args: string[]): string[] => [cli, '--root', root, ...args];
const appFile = path.join(work, 'app.yaml');
try {
  await mkdir(root, { recursive: true });
  // A /24 of its own, apart from the default pod network and the tests' subnets.
  const third = 180 + Math.floor(Math.random() * 30);
  await writeFile(
    path.join(root, 'network.json'),
    JSON.stringify({ name: `pkb-${hex}`, bridge, subnet: `10.89.${String(third)}.0/24` }),
  );
  const [web = 0, metrics = 0] = await freeHostPorts(2);
  const app = (await readFile(path.join(example, 'app.yaml'), 'utf8'))
    .replace('hostPort: 29180', `hostPort: ${String(web)}`)
    .replace('hostPort: 29121', `hostPort: ${String(metrics)}`);
  await writeFile(appFile, app);
  run(
    process.execPath,
    podkit(
      'image',
      'add',
      'docker.io/library/redis:7.0',
      '--host',
      '--entrypoint',
      '["redis-server"]',
    ),
  );
  run(
    process.execPath,
    podkit(
      'image',
      'add',
      'ghcr.io/podkit/redis-ambassador:0.1.0',
      '--host',
      '--keep',
      repo,
      '--entrypoint',
      JSON.stringify([
        'node',
        path.join(repo, 'packages/redis-ambassador/dist/bundle/podkit-redis-ambassador.js'),
      ]),
    ),
  );
  run(
    process.execPath,
    podkit(
      'image',
      'add',
      'example.com/podkit/redis-demo-app:0.1.0',
      '--host',
      '--keep',
      repo,
      '--entrypoint',
      JSON.stringify(['node', path.join(example, 'app.js')]),
    ),
  );

  const times: number[] = [];
  let mem: ProcessesMemory | undefined;
  for (let i = 0; i < runs; i++) {
    times.push(timed(process.execPath, podkit('up', '--wait', '-f', appFile)));
    const notReady: string[] = [];
    for (const uid of await readdir(path.join(root, 'pods'))) {
      const rec = JSON.parse(await readFile(path.join(root, 'pods', uid, 'pod.json'), 'utf8')) as {
        name: string;
        status: { conditions?: { type: string; status: string }[] };
      };
      if (!rec.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        notReady.push(rec.name);
    }
    if (notReady.length > 0)
      throw new Error(`run ${String(i)}: not Ready after up --wait: ${notReady.join(', ')}`);
    if (i === runs - 1) {
      mem = await memoryOf(
        (argv) =>
          (argv[0]?.endsWith('conmon') === true && argv.some((a) => a.startsWith(root))) ||
          (argv.includes(cli) && argv.includes('agent') && argv.includes(root)),
      );
    }
    run(process.execPath, podkit('down', '-f', appFile));
  }
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  console.log(
    `bench/redis-app — ${new Date().toISOString()}, load ${loadavg()[0]?.toFixed(2) ?? '?'}, ${String(runs)} runs`,
  );
  console.log(
    `podkit up --wait -f app.yaml → 7 pods Ready: p50 ${ms(pct(times, 50))}, max ${ms(Math.max(...times))} (${times.map((t) => t.toFixed(0)).join(', ')})`,
  );
  if (mem)
    console.log(
      `podkit's processes while the app runs (agent + ${String(mem.count - 1)} conmons): RSS ${mib(mem.rssKb)} MiB, PSS ${mib(mem.pssKb)} MiB`,
    );
  console.log(
    'anchor (quoted, not measured: kind is not installed here): `kind create cluster` alone ≈ 33 s',
  );
} finally {
  spawnSync(process.execPath, podkit('down', '--force', '-f', appFile), { stdio: 'ignore' });
  spawnSync(process.execPath, podkit('agent', 'stop'), { stdio: 'ignore' });
  spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  await rm(work, { recursive: true, force: true });
}
