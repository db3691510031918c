/** Retry spacing after failures: exponential, capped, with jitter. */
export interface BackoffPolicy {
  /** Delay after the first failure. */
  initialMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
  /** Growth per consecutive failure. */
  factor: number;
  /**
   * Fraction of the delay that is randomised (0..1): the delay is scaled by
   * (1 - jitter * random). With factor * (1 - jitter) > 1 the delays still grow strictly
   * until the cap, while instances that failed together spread out.
   */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = {
  initialMs: 1000,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.2,
};

/**
 * The wait before the next attempt after `failures` consecutive failures (≥ 1).
 *
 * @example backoffDelay(3, defaultBackoff, () => 0) // 4000
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exp = policy.initialMs * policy.factor ** Math.max(0, failures - 1);
  const capped = Math.min(policy.maxMs, exp);
  return Math.max(0, Math.round(capped * (1 - policy.jitter * random())));
}
