import { watch, type FSWatcher } from 'node:fs';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { StateLayout } from '../state/state-root.js';
import { readPodRecord, type PodRecord } from './pod-store.js';

/**
 * Waits until `until(record)` holds or the timeout passes; returns the last record read. For
 * tests and tools that run pods in-process (the agent's clients wait on its watch instead).
 */
export async function waitForPod(
  layout: StateLayout,
  uid: string,
  until: (r: PodRecord) => boolean,
  options: { timeoutMs: number; intervalMs?: number | undefined; signal?: AbortSignal | undefined },
): Promise<PodRecord> {
  const deadline = Date.now() + options.timeoutMs;
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
