/**
 * bench/pod-start: time from `podkit up -d` to every container running, beside `podman kube
 * play` of the same manifest, interleaved run by run so both see the same machine; then the
 * memory of podkit's own processes (the agent + every conmon) with 1 and with 10 running
 * two-container pods, beside podman's conmons for the same pods. Prints p50/p95, ratios and
 * MiB (RSS, and PSS: shared pages divided among the processes that map them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { makeBusyboxRootfs } from '../../packages/runtime/src/testing/busybox-rootfs.js';
import { memoryOf, type ProcessesMemory } from '../lib/proc.js';
import { pct, run, timed } from '../lib/timing.js';

const runs = Number(process.argv[2] ?? '20');
const repo = path.resolve(import.meta.dirname, '../..');
const template = await readFile(path.join(repo, 'bench/pod-start/pod.yaml'), 'utf8');
const image = 'localhost/podkit-bench-busybox:latest';
const cli = path.join(repo, 'packages/cli/dist/bundle/podkit.js');

const mib = (kb: number): string => (kb / 1024).toFixed(1);
const work = await mkdtemp(path.join(tmpdir(), 'podkit-bench-'));
const root = path.join(work, 'state');
const manifests: string[] = [];
for (let i = 0; i < 10; i++) {
  const file = path.join(work, `pod-${String(i)}.yaml`);
  await writeFile(file, template.replace('name: bench-pod', `name: bench-pod-${String(i)}`));
  manifests.push(file);
}
const podkitCmd = (...args: string[]): string[] => [cli, '--root', root, ...args];
const ofPodkit = (argv: string[]): boolean =>
  (argv[0]?.endsWith('conmon') === true && argv.some((a) => a.startsWith(root))) ||
  (argv.includes(cli) && argv.includes('agent') && argv.includes(root));
// podman's conmons keep their state under its storage (`/var/lib/containers`, `/run/libpod`);
// conmons of other podkit roots (tests running beside) are neither.
const ofPodman = (argv: string[]): boolean =>
  argv[0]?.endsWith('conmon') === true &&
  argv.some((a) => a.includes('/var/lib/containers') || a.includes('libpod'));
try {
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  run(
    'node',
    podkitCmd(
      'image',
      'add',
      image,
      '--rootfs',
      rootfs,
      '--env',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ),
  );
  // podman gets the same root filesystem as an image.
  execFileSync('sh', [
    '-c',
    `tar -C ${rootfs} -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - ${image} >/dev/null`,
  ]);
  const first = manifests[0] ?? '';
  // The agent is a long-lived process (like the kubelet): its own start is timed apart.
  const cold = timed('node', podkitCmd('up', '-d', '-f', first));
  run('node', podkitCmd('down', 'bench-pod-0'));
  const podkit: number[] = [];
  const podman: number[] = [];
  // NODE_EXTRA_CA_CERTS makes every node start read that CA file (~45 ms here); a fresh Debian
  // does not set it. When this environment does, podkit is also timed without it.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const { NODE_EXTRA_CA_CERTS: _omit, ...plainEnv } = process.env;
  const podkitPlain: number[] = [];
  const loadBefore = loadavg()[0] ?? NaN;
  for (let i = 0; i < runs; i++) {
    podkit.push(timed('node', podkitCmd('up', '-d', '-f', first)));
    run('node', podkitCmd('down', 'bench-pod-0'));
    if (extraCa !== undefined) {
      podkitPlain.push(timed('node', podkitCmd('up', '-d', '-f', first), plainEnv));
      run('node', podkitCmd('down', 'bench-pod-0'));
    }
    podman.push(timed('podman', ['kube', 'play', first]));
    run('podman', ['kube', 'down', first]);
  }
  const loadAfter = loadavg()[0] ?? NaN;
  // Memory with 1 and with 10 running pods, each side alone on the machine.
  const memory: Record<string, { podkit: ProcessesMemory; podman: ProcessesMemory }> = {};
  for (const n of [1, 10]) {
    for (const f of manifests.slice(0, n)) run('node', podkitCmd('up', '-d', '-f', f));
    const pk = await memoryOf(ofPodkit);
    for (let i = 0; i < n; i++) run('node', podkitCmd('down', `bench-pod-${String(i)}`));
    for (const f of manifests.slice(0, n)) run('podman', ['kube', 'play', f]);
    const pm = await memoryOf(ofPodman);
    for (const f of manifests.slice(0, n)) run('podman', ['kube', 'down', f]);
    memory[String(n)] = { podkit: pk, podman: pm };
  }
  const line = (name: string, xs: number[]): string =>
    `${name.padEnd(18)} p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms   p95 ${pct(xs, 95).toFixed(0).padStart(5)} ms`;
  console.log(
    `pod start, two busybox containers, ${String(runs)} runs each (interleaved); load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`,
  );
  const ratio = (xs: number[]): string =>
    `p50 ${(pct(xs, 50) / pct(podman, 50)).toFixed(2)}   p95 ${(pct(xs, 95) / pct(podman, 95)).toFixed(2)}`;
  console.log(line('podkit up -d', podkit));
  if (extraCa !== undefined) console.log(line('  without NEC', podkitPlain));
  console.log(line('podman kube play', podman));
  console.log(`ratio podkit/podman   ${ratio(podkit)}`);
  if (extraCa !== undefined) {
    console.log(`  without NEC         ${ratio(podkitPlain)}`);
    console.log(
      `(NEC: this environment sets NODE_EXTRA_CA_CERTS=${extraCa}; a fresh Debian does not)`,
    );
  }
  console.log(`first up -d, which also started the agent: ${cold.toFixed(0)} ms`);
  for (const [n, m] of Object.entries(memory)) {
    console.log(
      `${n.padStart(2)} running pod(s): podkit (agent + ${String(m.podkit.count - 1)} conmons) RSS ${mib(m.podkit.rssKb)} MiB, PSS ${mib(m.podkit.pssKb)} MiB;   podman's ${String(m.podman.count)} conmons RSS ${mib(m.podman.rssKb)} MiB, PSS ${mib(m.podman.pssKb)} MiB`,
    );
  }
} finally {
  for (let i = 0; i < 10; i++)
    spawnSync('node', podkitCmd('down', `bench-pod-${String(i)}`), { stdio: 'ignore' });
  for (const f of manifests) spawnSync('podman', ['kube', 'down', f], { stdio: 'ignore' });
  spawnSync('node', podkitCmd('gc'), { stdio: 'ignore' });
  spawnSync('node', podkitCmd('agent', 'stop'), { stdio: 'ignore' });
  await rm(work, { recursive: true, force: true });
}
