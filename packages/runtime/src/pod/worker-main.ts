/**
 * The pod worker process (started by spawnWorker, detached from the CLI). It reads its
 * payload from stdin, runs the pod to its end, and exits. SIGTERM/SIGINT ask the pod to stop
 * gracefully; a second one forces it.
 */
import { readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { stateLayout } from '../state/state-root.js';
import { processIdentity } from '../state/process-identity.js';
import { getImage, type ImageRecord } from '../images/image-store.js';
import { PodWorker, type BackoffPolicy, KUBELET_BACKOFF } from './pod-worker.js';
import { readPodRecord, writePodRecord } from './pod-store.js';
import { deserializeObjects, type WorkerPayload } from './worker-launch.js';
import { traceMark } from '../trace.js';

async function main(): Promise<void> {
  traceMark('worker.loaded');
  const input = await text(process.stdin);
  if (input === '') {
    await abandon();
    return;
  }
  const payload = JSON.parse(input) as WorkerPayload;
  traceMark('worker.payload');
  const layout = stateLayout(payload.stateRoot);
  const record = await readPodRecord(layout, payload.uid);
  if (record === undefined) throw new Error(`no pod record for uid ${payload.uid}`);
  const me = await processIdentity(process.pid);
  record.worker = me;
  await writePodRecord(layout, record);
  const { configMaps, secrets } = deserializeObjects(payload);
  const images = new Map<string, ImageRecord>();
  for (const c of [...record.pod.spec.initContainers, ...record.pod.spec.containers]) {
    const image = await getImage(layout.root, c.image);
    if (image !== undefined) images.set(c.name, image);
  }
  const b = payload.backoff;
  const backoff: BackoffPolicy = {
    baseMs: b?.baseMs ?? KUBELET_BACKOFF.baseMs,
    capMs: b?.capMs ?? KUBELET_BACKOFF.capMs,
    resetAfterMs: b?.resetAfterMs ?? KUBELET_BACKOFF.resetAfterMs,
  };
  const worker = new PodWorker({
    layout,
    record,
    objects: {
      configMaps: new Map(configMaps.map((c) => [c.metadata.name, c])),
      secrets: new Map(secrets.map((s) => [s.metadata.name, s])),
    },
    images,
    backoff,
    hiddenHostPaths: payload.hiddenHostPaths,
  });
  process.on('SIGTERM', () => {
    worker.requestStop();
  });
  process.on('SIGINT', () => {
    worker.requestStop();
  });
  // The CLI may be gone; nobody reads a broken pipe.
  process.on('SIGPIPE', () => undefined);
  traceMark('worker.run');
  await worker.run();
}

/**
 * stdin closed without a payload: whoever started this worker went away before the pod was
 * admitted (a killed `podkit up`). Nothing of the pod exists but this worker's directory; it
 * goes, unless a pod record made it in (then the pod is gc's, as a record whose worker never
 * came).
 */
async function abandon(): Promise<void> {
  const [root, uid] = process.argv.slice(2);
  if (root === undefined || uid === undefined || !/^[0-9a-f-]{36}$/.test(uid)) return;
  const podDir = path.join(root, 'pods', uid);
  if ((await readdir(podDir).catch(() => [])).some((f) => f !== 'worker.log')) return;
  await rm(path.join(podDir, 'worker.log'), { force: true });
  await rmdir(podDir).catch(() => undefined);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `${new Date().toISOString()} pod worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
