import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { runCommand } from '../host/run-command.js';
import { addImage } from '../images/image-store.js';
import { parseManifests } from '../spec/manifests.js';
import { assertValid } from '../spec/manifests.js';
import { ensureStateLayout, stateLayout, type StateLayout } from '../state/state-root.js';
import { BUSYBOX_PATH_ENV, makeBusyboxRootfs } from '../testing/busybox-rootfs.js';
import { waitForPod } from './wait-for-pod.js';
import { NodeRuntime, type NodeRuntimeOptions } from '../node/node-runtime.js';
import type { ContainerStatus } from './pod-status.js';
import { listPodRecords, type PodRecord } from './pod-store.js';
import { reserveTestSubnet } from '../testing/test-subnet.js';

/** The runtime of each test state root in this process (stopPodWorker finds it here). */
const runtimes = new Map<string, NodeRuntime>();

/**
 * A per-test state root with its own pod network (bridge + random /24 in network.json) and a
 * `busybox:test` rootfs image. Everything — pods, bridge, files — is removed in t.after.
 */
export async function podTestEnv(
  t: TestContext,
  options: Pick<NodeRuntimeOptions, 'beforeStop'> = {},
): Promise<{
  layout: StateLayout;
  runtime: NodeRuntime;
  up: (
    yaml: string,
    options?: { backoff?: { baseMs: number; capMs: number; resetAfterMs?: number } },
  ) => Promise<PodRecord>;
}> {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-pod-'));
  const layout = stateLayout(root);
  await ensureStateLayout(layout);
  const hex = randomBytes(3).toString('hex');
  const bridge = `pkp${hex}`;
  await writeFile(
    path.join(root, 'network.json'),
    JSON.stringify({ name: `pkp-${hex}`, bridge, subnet: await reserveTestSubnet(t) }),
  );
  const rootfs = await makeBusyboxRootfs(path.join(root, 'busybox-rootfs'));
  await addImage(root, {
    name: 'busybox:test',
    source: { kind: 'rootfs', rootfs },
    config: { env: [BUSYBOX_PATH_ENV], cmd: ['sh'] },
  });
  const runtime = await NodeRuntime.open({ layout, beforeStop: options.beforeStop });
  runtimes.set(layout.root, runtime);
  t.after(async () => {
    for (const r of await listPodRecords(layout)) {
      await runtime
        .remove(r.namespace, r.name, { force: true, timeoutMs: 10_000 })
        .catch(() => undefined);
    }
    await runtime.gc().catch(() => undefined);
    await runtime.close();
    runtimes.delete(layout.root);
    await runCommand(['ip', 'link', 'del', bridge], { allowFailure: true });
    await rm(root, { recursive: true, force: true });
  });
  const up = async (
    yaml: string,
    options: { backoff?: { baseMs: number; capMs: number; resetAfterMs?: number } } = {},
  ): Promise<PodRecord> => {
    const set = parseManifests(yaml, 'test.yaml');
    assertValid(set);
    const pod = set.pods[0];
    if (pod === undefined) throw new Error('no pod in the test manifest');
    const [record] = await runtime.apply({
      pods: [pod],
      configMaps: set.configMaps,
      secrets: set.secrets,
      backoff: options.backoff,
    });
    if (record === undefined) throw new Error('apply returned no pod');
    return record;
  };
  return { layout, runtime, up };
}

/** A host directory for a test pod's hostPath volume (files survive the pod), removed after. */
export async function hostDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-w-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Lines of `file` as `[word, seconds]` pairs written by `echo WORD $(up)` in a container. */
export async function readMarks(file: string): Promise<{ what: string; at: number }[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const parts = l.trim().split(/\s+/);
      return { what: parts.slice(0, -1).join(' '), at: Number(parts.at(-1)) };
    });
}

/** Shell snippet: the host's uptime in seconds (10 ms resolution), the same in every pod. */
export const UPTIME = '$(cut -d" " -f1 /proc/uptime)';

/** Asks a pod to stop (as `down` does) and returns the record once it released all. */
export async function stopPodWorker(layout: StateLayout, uid: string): Promise<PodRecord> {
  const runtime = runtimes.get(layout.root);
  if (runtime === undefined) throw new Error(`no test runtime for ${layout.root}`);
  runtime.stop(uid);
  return waitForPod(layout, uid, (x) => x.released, { timeoutMs: 60_000 });
}

/** The status of container `name` (init or main). */
export function containerStatus(r: PodRecord, name: string): ContainerStatus | undefined {
  return [...r.status.initContainerStatuses, ...r.status.containerStatuses].find(
    (c) => c.name === name,
  );
}

/**
 * A native sidecar (YAML list item, for `initContainers`) that appends `<name>-start` to
 * /w/log, becomes startable after `startAfter` seconds (its startupProbe looks for
 * /tmp/started; with `markStartable` it also logs `<name>-startable`) and logs `<name>-stop`
 * on SIGTERM, exiting 143. The pod mounts a volume `w`.
 */
export function startupSidecar(
  name: string,
  startAfter: number,
  options: { markStartable?: boolean } = {},
): string {
  const mark =
    options.markStartable === true ? `\n          echo ${name}-startable ${UPTIME} >> /w/log` : '';
  return `
    - name: ${name}
      image: busybox:test
      restartPolicy: Always
      command:
        - sh
        - -c
        - |
          trap 'echo ${name}-stop ${UPTIME} >> /w/log; exit 143' TERM
          echo ${name}-start ${UPTIME} >> /w/log
          sleep ${startAfter}
          touch /tmp/started${mark}
          while :; do sleep 0.1; done
      startupProbe:
        exec: { command: [test, -f, /tmp/started] }
        periodSeconds: 1
        failureThreshold: 30
      volumeMounts: [{ name: w, mountPath: /w }]`;
}
