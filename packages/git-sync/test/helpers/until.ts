import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export interface UntilOptions {
  /** A bound against hanging, not a timing assertion. Default 60 s. */
  timeoutMs?: number;
  /** The pause between two polls. Default 50 ms. */
  stepMs?: number;
}

/**
 * Polls `get` until it yields a value other than undefined and returns it; a rejection
 * counts as "not yet" (a server still starting). Fails the test naming `what` once
 * `timeoutMs` has passed.
 *
 * @example
 *   const s = await until(async () => ((await status()).sha === v1 ? s : undefined), 'v1');
 */
export async function until<T>(
  get: () => Promise<T | undefined>,
  what: string,
  options: UntilOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(options.stepMs ?? 50);
  }
}
