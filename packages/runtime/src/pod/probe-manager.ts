import type { Clock } from '../probes/clock.js';
import { ProbeWorker, type ProbeKind } from '../probes/probe-worker.js';
import type { Prober, ProbeTarget } from '../probes/types.js';
import type { Container, Probe } from '../spec/types.js';
import type { ContainerState, PodEvent } from './pod-status.js';

const PROBE_TITLE: Record<ProbeKind, string> = {
  liveness: 'Liveness',
  readiness: 'Readiness',
  startup: 'Startup',
};

/** What the probes read and write of one container (the pod worker's slot). */
export interface ProbedContainer {
  readonly container: Container;
  readonly status: { ready: boolean; started: boolean; state: ContainerState };
}

/** What the probes need of the pod around the container. */
export interface ProbeContext<S extends ProbedContainer> {
  readonly prober: Prober;
  readonly clock: Clock;
  /** The pod's terminationGracePeriodSeconds (a probe may override it for its kill). */
  readonly podGraceSeconds: number;
  target(slot: S): ProbeTarget;
  objectRef(slot: S): string;
  event(type: PodEvent['type'], reason: string, object: string, message: string): Promise<void>;
  /** started/ready changed: persist the status. */
  changed(): void;
  /** Liveness or startup failed: kill the attempt (the restart policy applies after). */
  kill(slot: S, graceMs: number, message: string): void;
}

/**
 * Starts the probes of a running attempt, as kubelet's prober manager: a startupProbe gates
 * liveness and readiness until it succeeds; liveness or startup failure kills the container;
 * readiness only sets `ready`. All of them stop when `signal` aborts (the attempt ends).
 *
 * `resumed`: probes taken over after an agent restart count their delays from the
 * container's start (not from now) and keep its readiness until they decide otherwise; a
 * container whose startup probe already passed is not startup-probed again.
 */
export function startProbes<S extends ProbedContainer>(
  ctx: ProbeContext<S>,
  slot: S,
  signal: AbortSignal,
  resumed = false,
): void {
  const c = slot.container;
  const workers: ProbeWorker[] = [];
  const running = slot.status.state.running?.startedAt;
  const startedAt = resumed && running !== undefined ? Date.parse(running) : ctx.clock.now();
  const spawn = (kind: ProbeKind, probe: Probe, onResult: (ok: boolean) => void): void => {
    if (signal.aborted) return;
    const w = new ProbeWorker({
      kind,
      probe,
      prober: ctx.prober,
      target: ctx.target(slot),
      clock: ctx.clock,
      startedAt,
      initialResult: resumed && kind === 'readiness' ? slot.status.ready : undefined,
      onProbe: (r) => {
        if (!r.ok && !signal.aborted) {
          void ctx.event(
            'Warning',
            'Unhealthy',
            ctx.objectRef(slot),
            `${PROBE_TITLE[kind]} probe failed: ${r.output}`,
          );
        }
      },
      onResult: (ok) => {
        if (!signal.aborted) onResult(ok);
      },
    });
    workers.push(w);
    void w.start();
  };
  signal.addEventListener(
    'abort',
    () => {
      for (const w of workers) w.stop();
    },
    { once: true },
  );
  const killFor = (kind: ProbeKind, probe: Probe): void => {
    const grace = (probe.terminationGracePeriodSeconds ?? ctx.podGraceSeconds) * 1000;
    ctx.kill(slot, grace, `Container ${c.name} failed ${kind} probe, will be restarted`);
  };
  const others = (): void => {
    const { livenessProbe, readinessProbe } = c;
    if (livenessProbe !== undefined)
      spawn('liveness', livenessProbe, (ok) => {
        if (!ok) killFor('liveness', livenessProbe);
      });
    if (readinessProbe !== undefined)
      spawn('readiness', readinessProbe, (ok) => {
        slot.status.ready = ok;
        ctx.changed();
      });
  };
  const startupProbe = c.startupProbe;
  if (startupProbe === undefined || (resumed && slot.status.started)) others();
  else
    spawn('startup', startupProbe, (ok) => {
      if (!ok) {
        killFor('startup', startupProbe);
        return;
      }
      slot.status.started = true;
      slot.status.ready = c.readinessProbe === undefined;
      ctx.changed();
      others();
    });
}
