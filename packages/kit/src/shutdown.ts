import { PodkitError, KitErrorCode } from './errors.js';
import type { Logger } from './logger.js';

/** The abort reason of `Shutdown.signal` (code `KIT_SHUTDOWN`): not a failure. */
export class ShutdownRequested extends PodkitError {
  readonly reason: string;
  constructor(reason: string) {
    super(KitErrorCode.KIT_SHUTDOWN, `shutdown requested (${reason})`);
    this.name = 'ShutdownRequested';
    this.reason = reason;
  }
}

/** A cleanup step. `deadline` aborts when the shutdown deadline passes or a second signal forces. */
export type ShutdownHandler = (deadline: AbortSignal) => void | Promise<void>;

export type ShutdownOutcome =
  | { kind: 'clean'; reason: string }
  | { kind: 'handler-failed'; reason: string; failures: { name: string; error: unknown }[] }
  | { kind: 'deadline-exceeded'; reason: string; deadlineMs: number; pending: string[] }
  | { kind: 'forced'; reason: string; pending: string[] };

/** The process-like object shutdown listens on (injectable for tests). */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownOptions {
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** How long cleanup may take after the first signal (default 10000 ms). */
  deadlineMs?: number;
  logger?: Logger;
  /** Default: `process`. */
  source?: SignalSource;
}

export interface Shutdown extends Disposable {
  /** Aborts (reason: `ShutdownRequested`) on the first signal or `trigger()`. */
  readonly signal: AbortSignal;
  /**
   * Registers a cleanup step; steps run one at a time in reverse order of registration
   * (last started, first stopped). Returns a function that unregisters it.
   */
  onShutdown(handler: ShutdownHandler, name?: string): () => void;
  /** Starts shutting down as if a signal had arrived (no-op when already shutting down). */
  trigger(reason: string): void;
  /** Settles once shutdown has finished, failed, run out of time or been forced. */
  readonly done: Promise<ShutdownOutcome>;
}

/**
 * Graceful shutdown: the first SIGTERM/SIGINT aborts `signal` and runs the cleanup steps in
 * reverse order within `deadlineMs`; if they do not finish in time `done` settles with
 * `deadline-exceeded`, and a second signal settles it at once with `forced`. It never exits
 * the process: `runMain` turns the outcome into an exit code. Dispose it to remove the
 * signal listeners.
 *
 * @example
 *   using shutdown = createShutdown({ deadlineMs: 5000 });
 *   shutdown.onShutdown(() => server.close(), 'http');
 *   const outcome = await shutdown.done;
 */
export function createShutdown(options: ShutdownOptions = {}): Shutdown {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const deadlineMs = options.deadlineMs ?? 10_000;
  const source = options.source ?? process;
  const log = options.logger;
  const controller = new AbortController();
  const deadline = new AbortController();
  const handlers: { name: string; fn: ShutdownHandler }[] = [];
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  let resolveDone: (o: ShutdownOutcome) => void = () => undefined;
  const done = new Promise<ShutdownOutcome>((resolve) => {
    resolveDone = resolve;
  });

  const finish = (outcome: ShutdownOutcome): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    deadline.abort(
      new PodkitError(KitErrorCode.KIT_SHUTDOWN_DEADLINE, `shutdown ended: ${outcome.kind}`),
    );
    resolveDone(outcome);
  };

  const run = async (reason: string): Promise<void> => {
    const failures: { name: string; error: unknown }[] = [];
    const steps = [...handlers].reverse();
    pending = steps.map((s) => s.name);
    for (const step of steps) {
      if (settled) return;
      try {
        await step.fn(deadline.signal);
      } catch (error) {
        failures.push({ name: step.name, error });
        log?.error({ err: error, step: step.name }, 'shutdown step failed');
      }
      pending = pending.slice(1);
    }
    finish(
      failures.length > 0
        ? { kind: 'handler-failed', reason, failures }
        : { kind: 'clean', reason },
    );
  };

  const trigger = (reason: string): void => {
    if (controller.signal.aborted) return;
    log?.info({ reason, deadlineMs }, 'shutting down');
    controller.abort(new ShutdownRequested(reason));
    // Deliberately not unref'd: it keeps the process alive until the deadline even when a
    // hanging step holds nothing else on the event loop, so the outcome is always reported.
    timer = setTimeout(() => {
      log?.error({ pending, deadlineMs }, 'shutdown deadline exceeded');
      finish({ kind: 'deadline-exceeded', reason, deadlineMs, pending });
    }, deadlineMs);
    void run(reason);
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      trigger(sig);
    } else if (!settled) {
      log?.warn({ signal: sig, pending }, 'second signal: forcing shutdown');
      finish({ kind: 'forced', reason: sig, pending });
    }
  };
  for (const s of signals) source.on(s, onSignal);

  return {
    signal: controller.signal,
    done,
    trigger,
    onShutdown(fn, name = `step ${handlers.length + 1}`) {
      const entry = { name, fn };
      handlers.push(entry);
      return () => {
        const i = handlers.indexOf(entry);
        if (i !== -1) handlers.splice(i, 1);
      };
    },
    [Symbol.dispose]() {
      for (const s of signals) source.off(s, onSignal);
    },
  };
}
