import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodkitError } from '@podkit/kit';
import { unmountRootfs } from '../images/rootfs-mount.js';
import { Runc } from '../runc/runc.js';
import { collectGarbage, destroySandbox, loadSandbox, type Leftover } from '../sandbox/index.js';
import type { ConfigMap, Pod, Secret } from '../spec/types.js';
import { acquireLock } from '../state/lock.js';
import { isProcessAlive, processIdentity } from '../state/process-identity.js';
import { ensureStateLayout, type StateLayout } from '../state/state-root.js';
import { mountsUnder, unmountAll } from '../host/mounts.js';
import { releaseVolumes } from '../volumes/volume-manager.js';
import { admitPod } from './admission.js';
import type { PodPullOptions } from './pod-images.js';
import { loadPodNetwork } from './network-config.js';
import { nowRfc3339 } from './pod-status.js';
import {
  findPodRecord,
  isWorkerAlive,
  listPodRecords,
  readPodRecord,
  writePodRecord,
  type PodRecord,
} from './pod-store.js';
import {
  serializeObjects,
  spawnWorker,
  type PendingWorker,
  type PrelaunchedWorker,
} from './worker-launch.js';
import { traceMark } from '../trace.js';

export interface UpOptions {
  layout: StateLayout;
  pod: Pod;
  configMaps: readonly ConfigMap[];
  secrets: readonly Secret[];
  /** CrashLoopBackOff base/cap/reset window in ms (tests scale them down). */
  backoff?: { baseMs: number; capMs: number; resetAfterMs?: number | undefined } | undefined;
  hiddenHostPaths?: readonly string[] | undefined;
  signal?: AbortSignal | undefined;
  /** Registry settings added to `<root>/registries.json` for admission's pulls, progress. */
  pull?: PodPullOptions | undefined;
  /**
   * A worker already started for this state root (prelaunchWorker): the pod takes its uid and
   * directory. Owned by upPod from then on (cancelled and removed when admission fails).
   */
  prelaunched?: PrelaunchedWorker | undefined;
}

/**
 * Admits a pod and starts its worker (detached: the pod outlives the caller). Under the state
 * root's global lock from admission until the pod's record exists, so two `up`s cannot both
 * take the same name, hostPort or CPU. Returns the record as written.
 */
export async function upPod(options: UpOptions): Promise<PodRecord> {
  const { layout, pod, prelaunched } = options;
  if (prelaunched !== undefined && prelaunched.podDir !== layout.podDir(prelaunched.uid)) {
    await prelaunched.discard();
    throw new Error(
      `a worker prelaunched for ${prelaunched.root} cannot run a pod of ${layout.root}`,
    );
  }
  const lock = await (async () => {
    try {
      await ensureStateLayout(layout);
      return await acquireLock(layout.globalLockPath, {
        wait: true,
        what: 'the podkit state root',
        signal: options.signal,
      });
    } catch (err) {
      await prelaunched?.discard();
      throw err;
    }
  })();
  traceMark('up.locked');
  const uid = prelaunched?.uid ?? randomUUID();
  let worker: PendingWorker | undefined = prelaunched?.worker;
  try {
    if (worker === undefined) {
      await mkdir(layout.podDir(uid), { recursive: true, mode: 0o700 });
      worker = await spawnWorker(layout, uid);
    }
    traceMark('up.worker-spawned');
    const objects = {
      configMaps: new Map(options.configMaps.map((c) => [c.metadata.name, c])),
      secrets: new Map(options.secrets.map((s) => [s.metadata.name, s])),
    };
    await admitPod(layout, pod, objects, { pull: options.pull });
    traceMark('up.admitted');
    // The record names its worker from the start (the worker writes the same identity once
    // it runs), so a worker that dies before it ever writes is seen as dead, not waited for.
    const workerId = await processIdentity(worker.pid);
    if (workerId === undefined) throw await workerDiedEarly(layout, uid, pod.metadata.name);
    const record: PodRecord = {
      version: 1,
      uid,
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      createdAt: nowRfc3339(),
      source: pod.origin.file,
      pod,
      worker: workerId,
      released: false,
      status: {
        phase: 'Pending',
        conditions: [],
        initContainerStatuses: [],
        containerStatuses: [],
      },
    };
    await writePodRecord(layout, record);
    worker.start({
      stateRoot: layout.root,
      uid,
      ...serializeObjects(options.configMaps, options.secrets),
      backoff: options.backoff,
      hiddenHostPaths:
        options.hiddenHostPaths === undefined ? undefined : [...options.hiddenHostPaths],
    });
    traceMark('up.payload-sent');
    return record;
  } catch (err) {
    // Admission failed (or the worker could not start): nothing of the pod may remain.
    await worker?.cancel();
    await rm(layout.podDir(uid), { recursive: true, force: true });
    if (worker === undefined) {
      throw new PodkitError(
        'POD_START_FAILED',
        `cannot start the worker of pod ${pod.metadata.name}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    await lock.release();
  }
}

/** The error for a worker that exited before it got its pod, with the end of its log. */
async function workerDiedEarly(
  layout: StateLayout,
  uid: string,
  name: string,
): Promise<PodkitError> {
  const log = await readFile(path.join(layout.podDir(uid), 'worker.log'), 'utf8').catch(() => '');
  const tail = log.trimEnd().split('\n').slice(-5).join('\n');
  return new PodkitError(
    'POD_WORKER_DIED',
    `the worker of pod ${name} exited before it started the pod${tail === '' ? '' : `:\n${tail}`}`,
    {
      hint: 'nothing of the pod was created; check that podkit is installed completely (npm run build)',
    },
  );
}

/** True once every container of the pod has started at least once (or the pod ended). */
export function podStarted(record: PodRecord): boolean {
  const st = record.status;
  if (record.released || st.phase === 'Succeeded' || st.phase === 'Failed') return true;
  const want = record.pod.spec.containers.length;
  return (
    st.containerStatuses.length === want &&
    st.containerStatuses.every(
      (c) =>
        c.state.running !== undefined || c.state.terminated !== undefined || c.restartCount > 0,
    )
  );
}

/**
 * Waits until `until(record)` holds, the worker died, or the timeout passes. Returns the last
 * record read.
 */
export async function waitForPod(
  layout: StateLayout,
  uid: string,
  until: (r: PodRecord) => boolean,
  options: { timeoutMs: number; intervalMs?: number | undefined; signal?: AbortSignal | undefined },
): Promise<PodRecord> {
  const deadline = Date.now() + options.timeoutMs;
  let seenWorker = false;
  // The worker replaces pod.json by a rename in the pod directory: a watch on the directory
  // wakes the wait at once (the interval stays as the fallback, e.g. where inotify is short).
  const changed = watchDir(layout.podDir(uid));
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const r = await readPodRecord(layout, uid);
      if (r === undefined) throw new PodkitError('POD_NOT_FOUND', `pod uid ${uid} disappeared`);
      if (until(r)) return r;
      if (r.worker !== undefined) seenWorker = true;
      if (seenWorker && !r.released && !(await isWorkerAlive(r))) {
        // The worker may have finished between the read and the check: read once more.
        const last = await readPodRecord(layout, uid);
        if (last !== undefined && (until(last) || last.released)) return last;
        throw new PodkitError('POD_WORKER_DIED', `the worker of pod ${r.name} died`, {
          hint: `see ${path.join(layout.podDir(uid), 'worker.log')}; \`podkit gc\` removes what it left`,
        });
      }
      if (Date.now() > deadline) return r;
      await changed.next(options.intervalMs ?? 20);
    }
  } finally {
    changed.close();
  }
}

/** Wakes `next(ms)` early when an entry of `dir` changes; a plain timer if it cannot watch. */
function watchDir(dir: string): { next(ms: number): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  let dirty = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      dirty = true;
      wake?.();
    });
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined;
  }
  return {
    async next(ms) {
      if (dirty) {
        dirty = false;
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          dirty = false;
          resolve();
        }
        wake = done;
      });
    },
    close() {
      watcher?.close();
    },
  };
}

/** Removes every resource a pod may hold (containers, mounts, volumes, sandbox). Idempotent. */
export async function releasePodResources(layout: StateLayout, uid: string): Promise<void> {
  const podDir = layout.podDir(uid);
  const runc = new Runc({ root: layout.runcRoot });
  const sb = await loadSandbox(layout, uid).catch(() => undefined);
  if (sb !== undefined) {
    for (const c of await runc.list().catch(() => [])) {
      if (c.id.startsWith(`${sb.id}-`) && c.id !== sb.pauseId)
        await runc.delete(c.id, { force: true });
    }
  }
  const containersDir = path.join(podDir, 'containers');
  for (const name of await readdir(containersDir).catch(() => [] as string[])) {
    await unmountRootfs(path.join(containersDir, name)).catch(() => undefined);
  }
  await releaseVolumes(podDir);
  if (sb !== undefined) await destroySandbox(sb);
  await unmountAll(podDir);
}

/** Removes a pod's directory, never through a mount (a hostPath bind would reach the host). */
async function removePodDir(layout: StateLayout, uid: string): Promise<void> {
  const dir = layout.podDir(uid);
  if ((await mountsUnder(dir)).length > 0) {
    throw new PodkitError('POD_CLEANUP_FAILED', `${dir} still has mounts`, {
      hint: 'run `podkit gc`',
    });
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * Stops a pod and removes it: its worker terminates the containers (grace period honoured,
 * or at once with `force`) and releases everything; then the record and logs go too.
 */
export async function downPod(
  layout: StateLayout,
  name: string,
  options: {
    namespace?: string | undefined;
    force?: boolean | undefined;
    timeoutMs?: number | undefined;
  } = {},
): Promise<PodRecord> {
  const record = await findPodRecord(layout, name, options.namespace);
  if (record === undefined) {
    throw new PodkitError(
      'POD_NOT_FOUND',
      `no pod named "${name}" in namespace "${options.namespace ?? 'default'}"`,
      {
        hint: 'see `podkit ps` for the pods there are',
      },
    );
  }
  const worker = record.worker;
  if (worker !== undefined && (await isProcessAlive(worker))) {
    process.kill(worker.pid, 'SIGTERM');
    if (options.force === true) {
      await sleep(20);
      process.kill(worker.pid, 'SIGTERM');
    }
    const grace = record.pod.spec.terminationGracePeriodSeconds * 1000;
    const deadline = Date.now() + (options.timeoutMs ?? grace + 30_000);
    while ((await isProcessAlive(worker)) && Date.now() < deadline) await sleep(20);
    if (await isProcessAlive(worker)) process.kill(worker.pid, 'SIGKILL');
  }
  await releasePodResources(layout, record.uid);
  await removePodDir(layout, record.uid);
  return record;
}

/** What `gc` removed. */
export interface GcReport {
  pods: string[];
  leftovers: Leftover[];
  errors: Error[];
}

/**
 * Removes what crashed runs left: pods whose worker died before releasing them (all their
 * resources and records), then anything under the state root no live pod accounts for
 * (netns, veths, leases, iptables rules, mounts, cgroups, runc containers).
 */
export async function gcPods(layout: StateLayout): Promise<GcReport> {
  const report: GcReport = { pods: [], leftovers: [], errors: [] };
  await ensureStateLayout(layout);
  const lock = await acquireLock(layout.globalLockPath, {
    wait: true,
    what: 'the podkit state root',
  });
  try {
    const live = new Set<string>();
    for (const r of await listPodRecords(layout)) {
      if (r.released || (await isWorkerAlive(r))) {
        live.add(r.uid);
        continue;
      }
      // A record written a moment ago whose worker has not yet announced itself.
      if (r.worker === undefined && Date.now() - Date.parse(r.createdAt) < 10_000) {
        live.add(r.uid);
        continue;
      }
      try {
        await releasePodResources(layout, r.uid);
        await removePodDir(layout, r.uid);
        report.pods.push(`${r.namespace}/${r.name}`);
      } catch (err) {
        report.errors.push(err as Error);
      }
    }
    const { removed, errors } = await collectGarbage(layout, {
      network: await loadPodNetwork(layout),
      isWanted: (sb) => Promise.resolve(live.has(sb.uid)),
    });
    report.leftovers = removed;
    report.errors.push(...errors);
  } finally {
    await lock.release();
  }
  return report;
}
