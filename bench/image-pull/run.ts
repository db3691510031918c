/**
 * bench/image-pull: cold pull + unpack of a five-layer image (busybox + four layers of mixed
 * small and large files, ~22 MiB compressed) from a local docker-registry on 127.0.0.1, by
 * `podkit image pull` (a fresh state root each run), `podman pull` (after `podman rmi`) and
 * `skopeo copy` + `umoci unpack` (what podman's pull does, in two tools), interleaved run by
 * run; then warm pod start with the image cached: `podkit up -d` vs `podman kube play`.
 * Prints p50/p95 and ratios.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { writeOciLayout } from '../../packages/runtime/src/images/oci/layout-writer.js';
import {
  BUSYBOX_PATH_ENV,
  makeBusyboxRootfs,
} from '../../packages/runtime/src/testing/busybox-rootfs.js';
import { skopeoCopy, startRegistry } from '../../packages/runtime/src/testing/registry-server.js';
import { pct, run, timed } from '../lib/timing.js';

const runs = Number(process.argv[2] ?? '10');
const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'packages/cli/dist/bundle/podkit.js');

/** Runs a pull with progress lines; returns [total ms, ms until the "Unpacking" line]. */
function timedPull(args: string[]): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let unpackAt = NaN;
    let err = '';
    const child = spawn('node', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (Number.isNaN(unpackAt) && err.includes('Unpacking'))
        unpackAt = Number(process.hrtime.bigint() - t0) / 1e6;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`podkit image pull failed (${String(code)}): ${err}`));
      else resolve([Number(process.hrtime.bigint() - t0) / 1e6, unpackAt]);
    });
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
// startRegistry registers its clean-up through a TestContext's `after`.
const ctx = {
  after: (fn: () => Promise<void> | void) => cleanups.push(fn),
} as unknown as TestContext;

const work = await mkdtemp(path.join(tmpdir(), 'podkit-bench-pull-'));
const repoName = `podkit-bench-pull-${randomBytes(3).toString('hex')}`;
let ref = '';
const manifest = path.join(work, 'pod.yaml');
try {
  // The image: busybox, then four layers each with 300 small files and one 5 MiB random file.
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  const layers: { dir: string }[] = [{ dir: rootfs }];
  for (let i = 0; i < 4; i++) {
    const dir = path.join(work, `layer${String(i)}`, `opt/data${String(i)}`);
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 300; f++)
      await writeFile(
        path.join(dir, `f${String(f)}.txt`),
        `file ${String(f)} of layer ${String(i)}\n`.repeat(20),
      );
    await writeFile(path.join(dir, 'blob.bin'), randomBytes(5 << 20));
    layers.push({ dir: path.join(work, `layer${String(i)}`) });
  }
  const layout = path.join(work, 'oci');
  await writeOciLayout(layout, [
    { refName: 'v1', layers, config: { env: [BUSYBOX_PATH_ENV], cmd: ['sleep', '100000'] } },
  ]);
  const reg = await startRegistry(ctx);
  ref = `${reg.host}/${repoName}:v1`;
  await skopeoCopy(`oci:${layout}:v1`, `docker://${ref}`);
  await writeFile(
    manifest,
    `apiVersion: v1
kind: Pod
metadata: { name: bench-pull }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - { name: one, image: "${ref}", imagePullPolicy: IfNotPresent }
    - { name: two, image: "${ref}", imagePullPolicy: IfNotPresent }
`,
  );

  const podkit: number[] = [];
  const podkitDownload: number[] = [];
  const podman: number[] = [];
  const skopeoUmoci: number[] = [];
  for (let i = 0; i < runs; i++) {
    const root = path.join(work, `state-${String(i)}`);
    const [total, download] = await timedPull([
      cli,
      '--root',
      root,
      'image',
      'pull',
      ref,
      '--insecure-registry',
      reg.host,
    ]);
    podkit.push(total);
    podkitDownload.push(download);
    await rm(root, { recursive: true, force: true });
    spawnSync('podman', ['rmi', '-f', ref], { stdio: 'ignore' });
    podman.push(timed('podman', ['pull', '-q', '--tls-verify=false', ref]));
    const oci = path.join(work, `su-${String(i)}`);
    skopeoUmoci.push(
      timed('sh', [
        '-c',
        `mkdir -p ${oci} && skopeo copy -q --src-tls-verify=false docker://${ref} oci:${oci}/layout:v1 && umoci --log=error unpack --image ${oci}/layout:v1 ${oci}/bundle`,
      ]),
    );
    await rm(oci, { recursive: true, force: true });
  }

  // Warm pod start: the image is in both stores.
  const warmRoot = path.join(work, 'state-warm');
  run('node', [
    cli,
    '--root',
    warmRoot,
    'image',
    'pull',
    '-q',
    ref,
    '--insecure-registry',
    reg.host,
  ]);
  const upPodkit: number[] = [];
  const upPodman: number[] = [];
  for (let i = 0; i < runs; i++) {
    upPodkit.push(timed('node', [cli, '--root', warmRoot, 'up', '-d', '-f', manifest]));
    run('node', [cli, '--root', warmRoot, 'down', 'bench-pull']);
    upPodman.push(timed('podman', ['kube', 'play', manifest]));
    run('podman', ['kube', 'down', manifest]);
  }
  spawnSync('node', [cli, '--root', warmRoot, 'gc'], { stdio: 'ignore' });

  const line = (name: string, xs: number[]): string =>
    `${name.padEnd(26)} p50 ${pct(xs, 50).toFixed(0).padStart(6)} ms   p95 ${pct(xs, 95).toFixed(0).padStart(6)} ms`;
  const ratio = (a: number[], b: number[]): string =>
    `p50 ${(pct(a, 50) / pct(b, 50)).toFixed(2)}   p95 ${(pct(a, 95) / pct(b, 95)).toFixed(2)}`;
  console.log(
    `cold pull + unpack, 5 layers (~22 MiB), local registry, ${String(runs)} runs each (interleaved)`,
  );
  console.log(line('podkit image pull', podkit));
  console.log(line('  until unpacking starts', podkitDownload));
  console.log(line('podman pull', podman));
  console.log(line('skopeo copy + umoci unpack', skopeoUmoci));
  console.log(`ratio podkit/podman                 ${ratio(podkit, podman)}`);
  console.log(`ratio podkit/(skopeo+umoci)         ${ratio(podkit, skopeoUmoci)}`);
  console.log(
    `warm pod start, two containers of the cached image, ${String(runs)} runs each (interleaved)`,
  );
  console.log(line('podkit up -d', upPodkit));
  console.log(line('podman kube play', upPodman));
  console.log(`ratio podkit/podman                 ${ratio(upPodkit, upPodman)}`);
} finally {
  spawnSync('podman', ['kube', 'down', manifest], { stdio: 'ignore' });
  if (ref !== '') spawnSync('podman', ['rmi', '-f', ref], { stdio: 'ignore' });
  for (const c of cleanups.reverse()) await c();
  await rm(work, { recursive: true, force: true });
}
