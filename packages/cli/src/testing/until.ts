import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `get` until it yields a value other than undefined and returns it; a rejection
 * counts as "not yet" (a server still starting). `timeoutMs` is a bound against hanging, not
 * a timing assertion: past it the test fails naming `what`.
 *
 * @example
 *   const body = await until(async () => ((await page()) === 'v2' ? 'v2' : undefined), 'v2');
 */
export async function until<T>(
  get: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = 90_000, stepMs = 100 }: { timeoutMs?: number; stepMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}
