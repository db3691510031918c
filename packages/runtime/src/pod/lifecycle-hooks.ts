import type { Clock } from '../probes/clock.js';
import type { Prober, ProbeResult, ProbeTarget } from '../probes/types.js';
import type { LifecycleHandler } from '../spec/types.js';

export type HookName = 'PostStart' | 'PreStop';

/** How a handler is named in kubelet's hook failure messages. */
function describeHandler(h: LifecycleHandler): string {
  if (h.exec !== undefined) return `Exec lifecycle hook (${JSON.stringify(h.exec.command)})`;
  if (h.httpGet !== undefined) return `HTTP lifecycle hook (${h.httpGet.path})`;
  return `Sleep lifecycle hook (${String(h.sleep?.seconds ?? 0)}s)`;
}

/**
 * Runs a postStart/preStop handler: exec in the container and httpGet through the prober
 * (same rules as probes: 200 ≤ status < 400), sleep on the clock. `timeoutMs` bounds it
 * (Infinity for postStart, which kubelet does not bound; the remaining grace for preStop);
 * `signal` ends it early (the container is being killed). The output of a failure names the
 * hook as kubelet's FailedPostStartHook/FailedPreStopHook events do.
 */
export async function runLifecycleHook(input: {
  name: HookName;
  handler: LifecycleHandler;
  container: string;
  pod: string;
  prober: Prober;
  target: ProbeTarget;
  clock: Clock;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<ProbeResult> {
  const h = input.handler;
  let r: ProbeResult;
  if (h.sleep !== undefined) {
    await input.clock.sleep(Math.min(h.sleep.seconds * 1000, input.timeoutMs), input.signal);
    r = { ok: true, output: '' };
  } else {
    r = await input.prober.run(
      { exec: h.exec, httpGet: h.httpGet },
      input.target,
      input.timeoutMs,
      input.signal,
    );
  }
  if (r.ok) return r;
  return {
    ok: false,
    output: `${describeHandler(h)} for Container "${input.container}" in Pod "${input.pod}" failed - error: ${r.output}`,
  };
}
