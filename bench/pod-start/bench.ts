/**
 * bench/pod-start: time from `podkit up -d` to every container running, beside `podman kube
 * play` of the same manifest, interleaved run by run so both see the same machine. Prints
 * p50/p95 and the ratio, and the resident memory of podkit's own processes per running pod.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { listPodRecords } from '../../packages/runtime/src/pod/pod-store.js';
import { stateLayout } from '../../packages/runtime/src/state/state-root.js';
import { makeBusyboxRootfs } from '../../packages/runtime/src/testing/busybox-rootfs.js';
import { pct, run, timed } from '../lib/timing.js';

const runs = Number(process.argv[2] ?? '20');
const repo = path.resolve(import.meta.dirname, '../..');
const manifest = path.join(repo, 'bench/pod-start/pod.yaml');
const image = 'localhost/podkit-bench-busybox:latest';
const cli = path.join(repo, 'packages/cli/dist/bundle/podkit.js');

async function rssOfTree(rootPids: number[]): Promise<number> {
  // Sum VmRSS of the given processes and all their descendants.
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  let kb = 0;
  const seen = new Set<number>();
  const stack = [...rootPids];
  while (stack.length > 0) {
    const pid = stack.pop() ?? 0;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    stack.push(...(children.get(pid) ?? []));
  }
  return kb;
}

const work = await mkdtemp(path.join(tmpdir(), 'podkit-bench-'));
const root = path.join(work, 'state');
try {
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  run('node', [
    cli,
    '--root',
    root,
    'image',
    'add',
    image,
    '--rootfs',
    rootfs,
    '--env',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ]);
  // podman gets the same root filesystem as an image.
  execFileSync('sh', [
    '-c',
    `tar -C ${rootfs} -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - ${image} >/dev/null`,
  ]);
  const podkit: number[] = [];
  const podman: number[] = [];
  let rssKb = 0;
  const loadBefore = loadavg()[0] ?? NaN;
  for (let i = 0; i < runs; i++) {
    podkit.push(timed('node', [cli, '--root', root, 'up', '-d', '-f', manifest]));
    if (i === 0) {
      // The pod worker and its `runc run` supervisors (their tree also holds the two busybox
      // `sleep`s, ~0.1 MiB each); the pause process is runc's, outside the tree, not counted.
      const [rec] = await listPodRecords(stateLayout(root));
      rssKb = await rssOfTree(rec?.worker === undefined ? [] : [rec.worker.pid]);
    }
    run('node', [cli, '--root', root, 'down', 'bench-pod']);
    podman.push(timed('podman', ['kube', 'play', manifest]));
    run('podman', ['kube', 'down', manifest]);
  }
  const line = (name: string, xs: number[]): string =>
    `${name.padEnd(18)} p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms   p95 ${pct(xs, 95).toFixed(0).padStart(5)} ms`;
  console.log(
    `pod start, two busybox containers, ${String(runs)} runs each (interleaved); load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? NaN).toFixed(1)}`,
  );
  console.log(line('podkit up -d', podkit));
  console.log(line('podman kube play', podman));
  console.log(
    `ratio podkit/podman   p50 ${(pct(podkit, 50) / pct(podman, 50)).toFixed(2)}   p95 ${(pct(podkit, 95) / pct(podman, 95)).toFixed(2)}`,
  );
  console.log(
    `podkit's own processes per running pod (pod worker + runc supervisors): ${(rssKb / 1024).toFixed(1)} MiB RSS`,
  );
} finally {
  spawnSync('node', [cli, '--root', root, 'down', 'bench-pod'], { stdio: 'ignore' });
  spawnSync('podman', ['kube', 'down', manifest], { stdio: 'ignore' });
  spawnSync('node', [cli, '--root', root, 'gc'], { stdio: 'ignore' });
  await rm(work, { recursive: true, force: true });
}
