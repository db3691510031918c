import type { Pod, PodRecord } from '@podkit/runtime';

/**
 * What the WorkloadController lends each kind's controller for one sync: its clock, its
 * background deletions, its creation with retry, its one timer.
 */
export interface ControllerContext {
  now(): number;
  log(message: string): void;
  /** Pods whose deletion is under way (they count as gone). */
  readonly deleting: Pick<ReadonlySet<string>, 'has'>;
  /** Deletes a pod in the background (graceful, bounded). */
  delete(pod: PodRecord, why: string): void;
  /**
   * Creates a pod for the workload `ownerUid`; false when it failed (logged once per message,
   * retried after 1 s doubling to 60 s: a sync before then creates nothing for that owner).
   */
  create(ownerUid: string, what: string, pod: Pod): Promise<boolean>;
  /** Whether the owner's creations are waiting out a failure. */
  creationDelayed(ownerUid: string): boolean;
  /** Asks for a sync at `at` (ms since the epoch) without a change. */
  wakeAt(at: number | undefined): void;
}
