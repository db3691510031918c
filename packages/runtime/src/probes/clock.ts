import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Time as the lifecycle code sees it: probes, backoff and grace periods read `now()` and wait
 * with `sleep()`, so tests can drive them with a virtual clock instead of sleeping.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0 || signal?.aborted === true) return;
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  },
};

/**
 * A clock whose sleeps return at once and move its time forward: deterministic tests of
 * timing rules (thresholds, periods, backoff) without waiting.
 *
 * @example
 *   const clock = virtualClock();
 *   await clock.sleep(10_000); // returns immediately
 *   clock.now(); // 10_000
 */
export function virtualClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: (ms, signal) => {
      if (signal?.aborted !== true && ms > 0) t += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
