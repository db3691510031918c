/** An AbortSignal that fires after `timeoutMs` (none for Infinity) or when `signal` does. */
export function deadlineSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const signals: AbortSignal[] = [];
  if (Number.isFinite(timeoutMs)) signals.push(AbortSignal.timeout(Math.max(1, timeoutMs)));
  if (signal !== undefined) signals.push(signal);
  return signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals);
}

/** Human text of a timeout, as in kubelet's messages ("1s"). */
export function formatTimeout(timeoutMs: number): string {
  return timeoutMs % 1000 === 0 ? `${timeoutMs / 1000}s` : `${timeoutMs}ms`;
}
