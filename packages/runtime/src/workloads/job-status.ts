/** A Job's condition (batch/v1 JobCondition): only True ones are kept. */
export interface JobCondition {
  type: 'Complete' | 'Failed';
  status: 'True';
  /** Failed: BackoffLimitExceeded or DeadlineExceeded; Complete: CompletionsReached. */
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** How a counted pod of a Job ended. */
export interface CountedPod {
  phase: 'Succeeded' | 'Failed';
  /** Its completion index (Indexed Jobs). */
  index?: number | undefined;
  /** When the controller counted it (the start of a failure back-off). */
  at: string;
}

/**
 * What the Job controller keeps of a Job in its record (the cluster keeps it in the Job's
 * status, and tracks pods with finalizers so that a removed pod is still counted): its start
 * and end, its conditions, and every pod of it that ended — so a restarted agent neither runs
 * a completion again nor forgets a failure.
 */
export interface JobStatus {
  startTime?: string | undefined;
  completionTime?: string | undefined;
  /** At most one: Complete or Failed (a Job finishes once). */
  conditions: JobCondition[];
  /** Ended pods by uid. */
  counted: Record<string, CountedPod>;
}

/** The finishing condition of a Job, if it finished. */
export function jobFinished(status: JobStatus | undefined): JobCondition | undefined {
  return status?.conditions[0];
}
