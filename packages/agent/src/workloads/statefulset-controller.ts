import type { PersistentVolumeClaim, Pod, PodRecord, StatefulSetRecord } from '@podkit/runtime';
import { availableAt } from './pod-order.js';
import { planStatefulSet } from './statefulset-plan.js';
import {
  REVISION_LABEL,
  claimsFor,
  podState,
  statefulPodFor,
  statefulPodsOf,
  statefulSetRevision,
  templateOfPod,
} from './statefulset-objects.js';

/** What the StatefulSet controller needs of the WorkloadController it runs in. */
export interface StatefulSetHost {
  /** Creates a pod a controller made, its claims first (NodeRuntime.createOwnedPod). */
  createOwnedPod(
    pod: Pod,
    options: {
      signal?: AbortSignal | undefined;
      claims?: readonly PersistentVolumeClaim[] | undefined;
      claimSource?: string | undefined;
    },
  ): Promise<unknown>;
  /** Deletes a pod in the background (the WorkloadController's one deletion path). */
  delete(p: PodRecord, why: string): void;
  /** Pod uids whose deletion is under way. */
  deleting(): ReadonlySet<string>;
  /** Asks for a sync at `at` (ms since the epoch). */
  wakeAt(at: number | undefined): void;
  log(message: string): void;
  now(): number;
  createTimeoutMs: number;
  retryBaseMs: number;
  retryCapMs: number;
}

interface Retry {
  delayMs: number;
  at: number;
  message: string;
}

/**
 * The StatefulSet controller of kube-controller-manager for one node, one sync at a time
 * (called from the WorkloadController's loop): each sync reads the set's pods, asks
 * planStatefulSet what to do, and does it — claims then pods created through the runtime,
 * pods deleted through the host. A failed creation waits (1 s doubling to 60 s) before the
 * set is tried again. Claims are never deleted here: they outlive pods, scale-downs and the
 * set itself.
 */
export class StatefulSetController {
  readonly #host: StatefulSetHost;
  readonly #retry = new Map<string, Retry>();
  /** The last thing each set waited for (logged when it changes). */
  readonly #waiting = new Map<string, string>();

  constructor(host: StatefulSetHost) {
    this.#host = host;
  }

  async sync(s: StatefulSetRecord, pods: readonly PodRecord[]): Promise<void> {
    const h = this.#host;
    const { spec, metadata } = s.object;
    const now = h.now();
    const deleting = h.deleting();
    const mine = statefulPodsOf(s, pods);
    const update = statefulSetRevision(s);
    const plan = planStatefulSet({
      replicas: spec.replicas,
      startOrdinal: spec.startOrdinal,
      podManagementPolicy: spec.podManagementPolicy,
      partition:
        spec.updateStrategy.type === 'RollingUpdate'
          ? spec.updateStrategy.rollingUpdate.partition
          : undefined,
      updateRevision: update,
      pods: mine.map((p) => podState(p.ordinal, p.record, spec.minReadySeconds, now, deleting)),
    });
    const where = `StatefulSet ${metadata.namespace}/${metadata.name}`;
    if (plan.waiting !== this.#waiting.get(s.uid)) {
      if (plan.waiting !== undefined) h.log(`workloads: ${where}: waiting for ${plan.waiting}`);
      if (plan.waiting === undefined) this.#waiting.delete(s.uid);
      else this.#waiting.set(s.uid, plan.waiting);
    }
    // A Ready pod becomes available after minReadySeconds without any change: wake then.
    for (const p of mine) h.wakeAt(availableAt(p.record, spec.minReadySeconds, now));
    for (const d of plan.delete) {
      const p = mine.find((x) => x.record.name === d.name);
      if (p !== undefined) h.delete(p.record, `${where}: ${d.why}`);
    }
    if (plan.create.length === 0) {
      this.#retry.delete(s.uid);
      return;
    }
    const retry = this.#retry.get(s.uid);
    if (retry !== undefined && retry.at > now) {
      h.wakeAt(retry.at);
      return;
    }
    // Below a partition a pod is made again at the current revision: the template of a pod
    // still at another revision than the update one (podkit keeps no ControllerRevisions).
    const old = mine.find((p) => p.record.pod.metadata.labels[REVISION_LABEL] !== update);
    for (const c of plan.create) {
      const fromOld = c.revision === 'current' && old !== undefined;
      const template = fromOld ? templateOfPod(old.record, s) : spec.template;
      const revision = fromOld
        ? (old.record.pod.metadata.labels[REVISION_LABEL] ?? update)
        : update;
      const pod = statefulPodFor(s, c.ordinal, template, revision);
      try {
        h.log(`workloads: ${where}: creating pod ${pod.metadata.name} (${revision})`);
        await h.createOwnedPod(pod, {
          signal: AbortSignal.timeout(h.createTimeoutMs),
          claims: claimsFor(s, c.ordinal),
          claimSource: s.source,
        });
        this.#retry.delete(s.uid);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const delayMs = Math.min(
          retry === undefined ? h.retryBaseMs : retry.delayMs * 2,
          h.retryCapMs,
        );
        if (message !== retry?.message)
          h.log(
            `workloads: ${where}: cannot create pod ${pod.metadata.name} (retrying, every ${String(Math.round(delayMs / 1000))}s at most): ${message}`,
          );
        const at = h.now() + delayMs;
        this.#retry.set(s.uid, { delayMs, at, message });
        h.wakeAt(at);
        return;
      }
    }
  }

  /** Forgets a set that is gone. */
  forget(uid: string): void {
    this.#retry.delete(uid);
    this.#waiting.delete(uid);
  }
}
