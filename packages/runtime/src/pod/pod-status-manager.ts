import type { ContainerStatus, PodCondition, PodConditionType, PodStatus } from './pod-status.js';
import type { ContainerKind } from './restart-policy.js';

/**
 * The pod's conditions and phase as kubelet's status manager derives them from its
 * containers: plain data in, the status updated in place. The pod worker calls
 * `refreshPodStatus` before each save.
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
