import type { Clock } from '../probes/clock.js';
import type { StateLayout } from '../state/state-root.js';
import {
  nowRfc3339,
  type ContainerStatus,
  type PodCondition,
  type PodConditionType,
  type PodEvent,
  type PodStatus,
} from './pod-status.js';
import {
  appendPodEvent,
  writePodRecord,
  type ContainerSupervision,
  type PodRecord,
} from './pod-store.js';
import type { ContainerKind } from './restart-policy.js';

/**
 * kubelet's status manager for one pod: the conditions and phase derived from its containers
 * (plain data in, the status updated in place), and the record's persistence — writes chained
 * so they land in order, the back-off state (`supervision`) saved with it, watchers told,
 * waiters woken — and the pod's events.
 */

/** What the rules read of the pod besides its status. */
export interface PodFacts {
  /** The sandbox exists (PodReadyToStartContainers). */
  sandboxReady: boolean;
  /** Every init container completed and every sidecar started (Initialized). */
  initialized: boolean;
  containers: readonly { kind: ContainerKind; status: Pick<ContainerStatus, 'ready' | 'state'> }[];
}

/**
 * Sets one condition; its lastTransitionTime moves only when its status flips. A False
 * condition carries `reason`, a True one none.
 */
export function setCondition(
  list: PodCondition[],
  type: PodConditionType,
  value: boolean,
  now: string,
  reason?: string,
): void {
  const status = value ? 'True' : 'False';
  const existing = list.find((c) => c.type === type);
  if (existing?.status === status && existing.reason === (value ? undefined : reason)) return;
  const cond: PodCondition = {
    type,
    status,
    lastTransitionTime: existing?.status === status ? existing.lastTransitionTime : now,
    reason: value ? undefined : reason,
  };
  if (existing === undefined) list.push(cond);
  else Object.assign(existing, cond);
}

/**
 * The four conditions, and Pending → Running once initialized with a main container created
 * (running or terminated). Ready counts sidecars and main containers, never regular init
 * containers; an ended pod (Succeeded/Failed) is not Ready, with reason PodCompleted.
 * Succeeded/Failed themselves are decided where containers end (the worker), not here.
 */
export function refreshPodStatus(st: PodStatus, facts: PodFacts, now: string): void {
  const sidecars = facts.containers.filter((s) => s.kind === 'sidecar');
  const mains = facts.containers.filter((s) => s.kind === 'main');
  const ended = st.phase === 'Succeeded' || st.phase === 'Failed';
  const list = st.conditions;
  setCondition(
    list,
    'PodReadyToStartContainers',
    facts.sandboxReady && !ended,
    now,
    'SandboxNotReady',
  );
  setCondition(list, 'Initialized', facts.initialized, now, 'ContainersNotInitialized');
  const ready = facts.initialized && [...sidecars, ...mains].every((s) => s.status.ready);
  const why = ended ? 'PodCompleted' : 'ContainersNotReady';
  setCondition(list, 'ContainersReady', ready && !ended, now, why);
  setCondition(list, 'Ready', ready && !ended, now, why);
  if (
    st.phase === 'Pending' &&
    facts.initialized &&
    mains.some(
      (s) => s.status.state.running !== undefined || s.status.state.terminated !== undefined,
    )
  ) {
    st.phase = 'Running';
  }
}

/** Waiting reasons of a container that has simply not started yet (no failure). */
const NOT_YET = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * Whether a main container counts as failed when its pod ends: its last termination was not
 * exit 0 — the current one, or the one before a wait (a container waiting in back-off after a
 * StartError ended with 128) — or it never ran and waits on an error (config, pull, start).
 * The kubelet reports such a pod Failed, never Succeeded.
 */
export function endedInFailure(st: ContainerStatus): boolean {
  const t =
    st.state.terminated ?? (st.state.waiting === undefined ? undefined : st.lastState.terminated);
  if (t !== undefined) return t.exitCode !== 0;
  const waiting = st.state.waiting?.reason;
  return waiting !== undefined && !NOT_YET.has(waiting);
}

/** The phase of a pod whose containers will not run again: Failed if any main one failed. */
export function endPhase(mains: readonly ContainerStatus[]): 'Succeeded' | 'Failed' {
  return mains.some(endedInFailure) ? 'Failed' : 'Succeeded';
}

export interface PodStatusManagerOptions {
  layout: StateLayout;
  /** The record the worker mutates; saved as it is at each save. */
  record: PodRecord;
  clock: Clock;
  /** What the condition rules read, at each save. */
  facts: () => PodFacts;
  /** Each container's back-off state, persisted so an adopting agent resumes it. */
  supervision: () => Record<string, ContainerSupervision>;
  /** Called with a snapshot of the record after every status change (the agent's watchers). */
  onChange?: ((record: PodRecord) => void) | undefined;
}

/** The record, its saves, its waiters and the pod's events. */
export class PodStatusManager {
  readonly #o: PodStatusManagerOptions;
  readonly #waiters = new Set<() => void>();
  #writeChain: Promise<void> = Promise.resolve();

  constructor(options: PodStatusManagerOptions) {
    this.#o = options;
  }

  /** Appends an event (best effort: a full disk must not stop the pod). */
  async event(
    type: PodEvent['type'],
    reason: string,
    object: string,
    message: string,
  ): Promise<void> {
    await appendPodEvent(this.#o.layout, this.#o.record.uid, {
      time: nowRfc3339(),
      type,
      reason,
      object,
      message,
    }).catch(() => undefined);
  }

  /**
   * Refreshes the conditions, persists the record (writes chained so they land in order; the
   * snapshot is taken now, so a later change cannot leak into this write) and wakes waiters.
   */
  save(): Promise<void> {
    const record = this.#o.record;
    refreshPodStatus(
      record.status,
      this.#o.facts(),
      nowRfc3339(() => this.#o.clock.now()),
    );
    record.supervision = this.#o.supervision();
    const snapshot = JSON.parse(JSON.stringify(record)) as PodRecord;
    // Watchers hear of a change once it is on disk: what a client was told (say, "started")
    // is what an agent restarted after a SIGKILL reads back.
    this.#writeChain = this.#writeChain
      .then(() => writePodRecord(this.#o.layout, snapshot))
      .catch(() => undefined)
      .then(() => this.#o.onChange?.(snapshot))
      .catch(() => undefined);
    for (const w of [...this.#waiters]) w();
    return this.#writeChain;
  }

  /** Resolves once `pred` holds (checked after every save). */
  async until(pred: () => boolean): Promise<void> {
    while (!pred()) {
      await new Promise<void>((resolve) => {
        const w = (): void => {
          this.#waiters.delete(w);
          resolve();
        };
        this.#waiters.add(w);
      });
    }
  }
}
