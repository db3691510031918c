import type { Probe } from '../spec/types.js';
import type { Clock } from './clock.js';
import type { Prober, ProbeResult, ProbeTarget } from './types.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  prober: Prober;
  target: ProbeTarget;
  clock: Clock;
  /** When the container started (clock time): initialDelaySeconds counts from there. */
  startedAt: number;
  /**
   * The result to start from instead of the kind's default: a probe resumed after the agent
   * restarted keeps the container's last readiness until probes say otherwise.
   */
  initialResult?: boolean | undefined;
  /** Every probe run, before thresholds (kubelet records Unhealthy for each failure). */
  onProbe?: ((result: ProbeResult) => void) | undefined;
  /** The thresholded result changed (true = success), with the probe run that changed it. */
  onResult: (ok: boolean, last: ProbeResult) => void;
}

/**
 * One probe of one container attempt, as kubelet's prober worker: nothing before
 * initialDelaySeconds, then a probe every periodSeconds (a ticker, not "period after the last
 * one ended"), each bounded by timeoutSeconds; the result flips only after successThreshold
 * successes or failureThreshold failures in a row. Initial results: readiness failure
 * (not ready before the first success), liveness success, startup unknown.
 *
 * A startup probe stops at its first success; a liveness or startup probe stops once it has
 * failed (the container is about to be killed; its next attempt gets a new worker).
 */
export class ProbeWorker {
  readonly #o: ProbeWorkerOptions;
  readonly #ac = new AbortController();
  #result: boolean | undefined;
  #running: Promise<void> | undefined;

  constructor(options: ProbeWorkerOptions) {
    this.#o = options;
    this.#result =
      options.initialResult ??
      (options.kind === 'readiness' ? false : options.kind === 'liveness' ? true : undefined);
  }

  /** The current thresholded result (undefined: a startup probe that has not decided yet). */
  get result(): boolean | undefined {
    return this.#result;
  }

  /** Starts probing; returns a promise that settles when the worker stops. */
  start(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  stop(): void {
    this.#ac.abort();
  }

  async #loop(): Promise<void> {
    const { probe, clock, kind } = this.#o;
    const signal = this.#ac.signal;
    const periodMs = probe.periodSeconds * 1000;
    const first = this.#o.startedAt + probe.initialDelaySeconds * 1000;
    await clock.sleep(first - clock.now(), signal);
    let lastOk: boolean | undefined;
    let run = 0;
    // A function, so the check after each await is not narrowed away.
    const stopped = (): boolean => signal.aborted;
    for (let tick = 1; !stopped(); tick++) {
      const r = await this.#o.prober.run(
        probe,
        this.#o.target,
        probe.timeoutSeconds * 1000,
        signal,
      );
      if (stopped()) return;
      this.#o.onProbe?.(r);
      if (r.ok === lastOk) run++;
      else {
        lastOk = r.ok;
        run = 1;
      }
      const threshold = r.ok ? probe.successThreshold : probe.failureThreshold;
      if (run >= threshold && this.#result !== r.ok) {
        this.#result = r.ok;
        this.#o.onResult(r.ok, r);
      }
      if (kind === 'startup' && this.#result === true) return;
      if (kind !== 'readiness' && this.#result === false) return;
      await clock.sleep(first + tick * periodMs - clock.now(), signal);
    }
  }
}
