import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { Leftover } from '../sandbox/index.js';
import type { StateLayout } from '../state/state-root.js';
import { isWorkerAlive, readPodRecord, type PodRecord } from './pod-store.js';

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
      if (r === undefined)
        throw new PodkitError(RuntimeErrorCode.POD_NOT_FOUND, `pod uid ${uid} disappeared`);
      if (until(r)) return r;
      if (r.worker !== undefined) seenWorker = true;
      if (seenWorker && !r.released && !(await isWorkerAlive(r))) {
        // The worker may have finished between the read and the check: read once more.
        const last = await readPodRecord(layout, uid);
        if (last !== undefined && (until(last) || last.released)) return last;
        throw new PodkitError(
          RuntimeErrorCode.POD_WORKER_DIED,
          `the worker of pod ${r.name} died`,
          {
            hint: `see ${path.join(layout.podDir(uid), 'worker.log')}; \`podkit gc\` removes what it left`,
          },
        );
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

/** What `gc` removed. */
export interface GcReport {
  pods: string[];
  leftovers: Leftover[];
  errors: Error[];
}
