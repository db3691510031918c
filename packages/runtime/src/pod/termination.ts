import type { Clock } from '../probes/clock.js';
import type { Prober, ProbeTarget } from '../probes/types.js';
import type { Container } from '../spec/types.js';
import type { ContainerHandle } from '../supervisor/run-container.js';
import { runLifecycleHook } from './lifecycle-hooks.js';
import type { PodEvent } from './pod-status.js';
import type { ContainerKind } from './restart-policy.js';

/** kubelet's minimumGracePeriodInSeconds: a stop signal is never followed by SIGKILL sooner. */
export const MIN_KILL_GRACE_MS = 2000;

/** What termination reads and writes of one container (the pod worker's slot). */
export interface StoppableContainer {
  readonly container: Container;
  readonly kind: ContainerKind;
  readonly status: { ready: boolean };
  /** The running attempt; undefined when nothing runs. */
  attempt: ContainerHandle | undefined;
  /** Aborted when the attempt is being killed: its probes and postStart end. */
  attemptAbort: AbortController | undefined;
  /** The kill in progress (one at a time: a probe kill and a pod stop share it). */
  killing: Promise<void> | undefined;
}

/** What termination needs of the pod around its containers. */
export interface TerminationContext<S extends StoppableContainer> {
  readonly clock: Clock;
  readonly prober: Prober;
  readonly podName: string;
  /** Aborted by a second stop request: grace periods end, SIGKILL follows at once. */
  readonly force: AbortSignal;
  /** The image's STOPSIGNAL (SIGTERM when it has none). */
  stopSignal(slot: S): NodeJS.Signals;
  target(slot: S): ProbeTarget;
  objectRef(slot: S): string;
  event(type: PodEvent['type'], reason: string, object: string, message: string): Promise<void>;
  /** A status change worth persisting (readiness dropped). */
  changed(): void;
}

/**
 * Kills the current attempt as kubelet's killContainer: preStop (skipped when the grace
 * period is 0; its time counts against the grace period), the image's stop signal, at least
 * 2 s more, SIGKILL. A forced stop sends SIGKILL at once. Concurrent calls share one kill.
 */
export async function stopContainer<S extends StoppableContainer>(
  ctx: TerminationContext<S>,
  slot: S,
  graceMs: number,
  message: string,
): Promise<void> {
  const attempt = slot.attempt;
  if (attempt === undefined) return;
  slot.killing ??= (async () => {
    slot.attemptAbort?.abort();
    if (slot.status.ready) {
      slot.status.ready = false;
      ctx.changed();
    }
    // An object, so that TypeScript does not narrow the flag across awaits.
    const exit = { gone: false };
    void attempt.exited.then(() => (exit.gone = true));
    await ctx.event('Normal', 'Killing', ctx.objectRef(slot), message);
    let grace = graceMs;
    const preStop = slot.container.lifecycle?.preStop;
    if (preStop !== undefined && grace > 0 && !ctx.force.aborted && !exit.gone) {
      const t0 = ctx.clock.now();
      const hookAbort = AbortSignal.any([ctx.force, AbortSignal.timeout(grace)]);
      const r = await Promise.race([
        runLifecycleHook({
          name: 'PreStop',
          handler: preStop,
          container: slot.container.name,
          pod: ctx.podName,
          prober: ctx.prober,
          target: ctx.target(slot),
          clock: ctx.clock,
          timeoutMs: grace,
          signal: hookAbort,
        }),
        attempt.exited.then(() => ({ ok: true, output: '' })),
      ]);
      if (!r.ok && !hookAbort.aborted)
        await ctx.event('Warning', 'FailedPreStopHook', ctx.objectRef(slot), r.output);
      grace -= ctx.clock.now() - t0;
    }
    grace = Math.max(grace, MIN_KILL_GRACE_MS);
    if (!ctx.force.aborted && !exit.gone) {
      await attempt.kill(ctx.stopSignal(slot)).catch(() => undefined);
      await Promise.race([attempt.exited, ctx.clock.sleep(grace, ctx.force)]);
    }
    if (!exit.gone) await attempt.kill('SIGKILL').catch(() => undefined);
    await attempt.exited;
  })();
  await slot.killing;
}

/**
 * kubelet's ordered shutdown: main (and init) containers in parallel, then native sidecars
 * one at a time in reverse spec order, each with what remains of the pod's grace period (a
 * sidecar must outlive the containers that use it).
 */
export async function terminateInOrder<S extends StoppableContainer>(
  ctx: TerminationContext<S>,
  slots: readonly S[],
  graceMs: number,
): Promise<void> {
  const deadline = ctx.clock.now() + graceMs;
  const stopMsg = (s: S): string => `Stopping container ${s.container.name}`;
  await Promise.all(
    slots
      .filter((s) => s.kind !== 'sidecar')
      .map((s) => stopContainer(ctx, s, graceMs, stopMsg(s))),
  );
  for (const s of slots.filter((x) => x.kind === 'sidecar').reverse())
    await stopContainer(ctx, s, Math.max(deadline - ctx.clock.now(), 0), stopMsg(s));
}
