import { RuntimeErrorCode, workloadError } from '../errors.js';
import type { Job } from '../spec/job.js';

/**
 * A Job applied again: as the API server (ValidateJobUpdate), its pod template, completions,
 * completionMode and selector cannot change; parallelism, backoffLimit, activeDeadlineSeconds
 * and ttlSecondsAfterFinished may. Throws WORKLOAD_INVALID naming the first field changed.
 */
export function checkJobUpdate(where: string, old: Job, next: Job): void {
  const fixed = [
    'template',
    'completions',
    'completionMode',
    'manualSelector',
    'selector',
  ] as const;
  for (const key of fixed) {
    if (canonical(old.spec[key]) === canonical(next.spec[key])) continue;
    throw workloadError(
      RuntimeErrorCode.WORKLOAD_INVALID,
      `${where}: spec.${key} is immutable (a Job runs what it was created with)`,
      { hint: 'remove the Job first (podkit down -f FILE), or apply it under another name' },
    );
  }
}

/** JSON with sorted keys (so that a template read twice compares equal). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}
