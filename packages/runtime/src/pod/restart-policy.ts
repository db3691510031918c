import { Backoff } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { RestartPolicy } from '../spec/types.js';
import type { ContainerState, ContainerStatus } from './pod-status.js';

/**
 * Where a restart decision is made: whether a container that exited runs again (kind ×
 * restartPolicy × exit code), how long it waits first (kubelet's CrashLoopBackOff, kit's
 * Backoff), and which Waiting reason and message it shows meanwhile. Pure rules over plain
 * data; the pod worker applies them and does the waiting.
 */

/** CrashLoopBackOff: 0 for the first restart, then base, 2×base … capped (kubelet: 10 s, 300 s). */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** A container that ran this long cleanly has its backoff reset (kubelet: 10 min). */
  resetAfterMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = {
  baseMs: 10_000,
  capMs: 300_000,
  resetAfterMs: 600_000,
};

/** An init container with restartPolicy Always is a native sidecar (KEP-753). */
export type ContainerKind = 'init' | 'sidecar' | 'main';

/** How one start of a container went. */
export type StartOutcome = 'running' | 'killed' | 'configError' | 'startError' | 'pullError';

/** What the pod remembers of a container's back-off across agent restarts (pod.json). */
export interface SavedBackoff {
  backoffMs?: number | undefined;
  lastStartedAt?: number | undefined;
}

/** A container's CrashLoopBackOff series, restored from what the record saved. */
export function crashLoopBackoff(policy: BackoffPolicy, saved?: SavedBackoff): Backoff {
  return new Backoff(
    { ...policy, firstImmediate: true },
    {
      state: {
        delayMs: saved?.backoffMs ?? 0,
        lastStartedAt: saved?.lastStartedAt ?? null,
      },
    },
  );
}

/**
 * Whether a container that exited with `exitCode` runs again. Nothing restarts once the pod
 * stops; a sidecar always does; otherwise the pod's restartPolicy decides (a regular init
 * container that exited 0 is done even under Always).
 */
export function shouldRestart(
  kind: ContainerKind,
  policy: RestartPolicy,
  exitCode: number,
  stopping = false,
): boolean {
  if (stopping) return false;
  if (kind === 'sidecar') return true;
  return policy === 'Always'
    ? kind === 'main' || exitCode !== 0
    : policy === 'OnFailure' && exitCode !== 0;
}

/**
 * For a pod adopted after an agent restart: true when a container already terminated for
 * good (it is not supervised again), false when it will run again, undefined when its state
 * says nothing (not terminated, or a sidecar, which is always supervised).
 */
export function finishedForGood(
  kind: ContainerKind,
  policy: RestartPolicy,
  state: ContainerState,
): boolean | undefined {
  const t = state.terminated;
  if (t === undefined || kind === 'sidecar') return undefined;
  if (kind === 'init') return t.exitCode === 0;
  return !shouldRestart(kind, policy, t.exitCode);
}

/** Codes of a container that could not be created as configured: CreateContainerConfigError. */
export function isConfigError(code: unknown): boolean {
  return (
    code === RuntimeErrorCode.CONTAINER_CONFIG_INVALID ||
    code === RuntimeErrorCode.CONTAINER_NO_COMMAND ||
    code === RuntimeErrorCode.CONTAINER_USER_INVALID ||
    code === RuntimeErrorCode.CONTAINER_CAPABILITY_UNKNOWN
  );
}

/** A container that was never created (config error, image pull) did not restart. */
export function countsAsRestart(outcome: StartOutcome): boolean {
  return outcome !== 'configError' && outcome !== 'pullError';
}

/** The Waiting reason of a container in back-off, by how its last start went. */
export function backoffReason(outcome: StartOutcome): string {
  switch (outcome) {
    case 'configError':
      return 'CreateContainerConfigError';
    case 'startError':
      return 'RunContainerError';
    case 'pullError':
      return 'ImagePullBackOff';
    default:
      return 'CrashLoopBackOff';
  }
}

/** What a container shows while it waits `delayMs` before its next start. */
export interface BackoffDisplay {
  waiting: { reason: string; message: string };
  /** The BackOff event's message. */
  event: string;
}

/**
 * The Waiting state and event of a back-off, worded as kubelet does. `status` is the
 * container's status after the exit was recorded (lastState already moved when it restarts).
 */
export function backoffDisplay(
  outcome: StartOutcome,
  delayMs: number,
  container: { name: string; image: string },
  podName: string,
  status: Pick<ContainerStatus, 'state' | 'lastState'>,
): BackoffDisplay {
  const reason = backoffReason(outcome);
  const base = `back-off ${Math.round(delayMs / 1000)}s restarting failed container=${container.name} pod=${podName}`;
  const message =
    reason === 'CrashLoopBackOff'
      ? base
      : reason === 'ImagePullBackOff'
        ? `Back-off pulling image "${container.image}": ${status.state.waiting?.message ?? ''}`
        : `${status.lastState.terminated?.message ?? status.state.waiting?.message ?? ''} (${base})`;
  return {
    waiting: { reason, message },
    event:
      outcome === 'pullError'
        ? `Back-off pulling image "${container.image}"`
        : 'Back-off restarting failed container',
  };
}
