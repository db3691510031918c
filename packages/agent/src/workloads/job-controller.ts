import type { JobRecord, Pod, PodRecord } from '@podkit/runtime';
import type { WorkloadRuntime } from './workload-controller.js';
import type { ControllerContext } from './controller-context.js';
import { planJob, type JobBackoff, type JobPod } from './job-plan.js';
import { randomSuffix } from './names.js';
import { podsOf } from './workload-objects.js';

/** The labels (and, for the index, annotation) Kubernetes puts on a Job's pods. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** A Job's pod as it sees it. */
export function jobPodState(p: PodRecord, deleting: Pick<ReadonlySet<string>, 'has'>): JobPod {
  const ended = p.released || p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
  const raw = p.pod.metadata.annotations[COMPLETION_INDEX];
  const index = raw === undefined || !/^\d+$/.test(raw) ? undefined : Number(raw);
  return {
    uid: p.uid,
    name: p.name,
    createdAt: p.createdAt,
    // A pod that ended without a phase of its own (stopped) did not succeed.
    state: ended
      ? p.status.phase === 'Succeeded'
        ? 'Succeeded'
        : 'Failed'
      : deleting.has(p.uid) || p.deletionTimestamp !== undefined
        ? 'terminating'
        : 'active',
    index,
    restarts: [...p.status.initContainerStatuses, ...p.status.containerStatuses].reduce(
      (n, s) => n + s.restartCount,
      0,
    ),
  };
}

/**
 * A pod of a Job: its template, named `<job>-<5 random>` (Indexed: `<job>-<index>-<5>`),
 * with the job-name and controller-uid labels (both spellings, as Kubernetes), an owner
 * reference, and for Indexed Jobs the completion index as annotation, label and
 * JOB_COMPLETION_INDEX in every container's environment.
 */
export function jobPodFor(job: JobRecord, index: number | undefined): Pod {
  const { metadata, spec, origin } = job.object;
  const labels: Record<string, string> = {
    ...spec.template.metadata.labels,
    [CONTROLLER_UID_LABEL]: job.uid,
    [JOB_NAME_LABEL]: metadata.name,
    'controller-uid': job.uid,
    'job-name': metadata.name,
  };
  const annotations = { ...spec.template.metadata.annotations };
  let podSpec = spec.template.spec;
  if (index !== undefined) {
    labels[COMPLETION_INDEX] = String(index);
    annotations[COMPLETION_INDEX] = String(index);
    const withIndex = <C extends { env: Pod['spec']['containers'][number]['env'] }>(c: C): C => ({
      ...c,
      env: [
        ...c.env.filter((e) => e.name !== 'JOB_COMPLETION_INDEX'),
        { name: 'JOB_COMPLETION_INDEX', value: String(index) },
      ],
    });
    podSpec = {
      ...podSpec,
      initContainers: podSpec.initContainers.map(withIndex),
      containers: podSpec.containers.map(withIndex),
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${metadata.name}-${index === undefined ? '' : `${index}-`}${randomSuffix()}`,
      namespace: metadata.namespace,
      labels,
      annotations,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: metadata.name,
          uid: job.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: podSpec,
    origin: { ...origin, kind: 'Job' },
  };
}

/**
 * The Job controller: each sync runs planJob on a Job and its pods, keeps the status it
 * returns in the Job's record, deletes and creates pods, and removes a Job whose TTL passed
 * (the garbage collector then deletes its pods). Finished pods stay (Completed or Error) until
 * then, as on a cluster.
 */
export class JobController {
  readonly #rt: Pick<WorkloadRuntime, 'writeWorkload' | 'removeWorkload'>;
  readonly #backoff: JobBackoff | undefined;

  constructor(
    runtime: Pick<WorkloadRuntime, 'writeWorkload' | 'removeWorkload'>,
    backoff?: JobBackoff,
  ) {
    this.#rt = runtime;
    this.#backoff = backoff;
  }

  async sync(ctx: ControllerContext, job: JobRecord, pods: readonly PodRecord[]): Promise<void> {
    const { namespace, name } = job.object.metadata;
    const what = `Job ${namespace}/${name}`;
    const mine = podsOf(job.uid, pods);
    const plan = planJob(
      job.object.spec,
      job.status,
      mine.map((p) => jobPodState(p, ctx.deleting)),
      ctx.now(),
      this.#backoff,
    );
    if (plan.remove) {
      ctx.log(`workloads: ${what}: ttlSecondsAfterFinished passed; removing it and its pods`);
      await this.#rt.removeWorkload('Job', namespace, name);
      return;
    }
    if (plan.statusChanged) {
      const before = new Set(job.status?.conditions.map((c) => c.type));
      for (const c of plan.status.conditions)
        if (!before.has(c.type))
          ctx.log(`workloads: ${what}: ${c.type} (${c.reason}: ${c.message})`);
      await this.#rt.writeWorkload({ ...job, status: plan.status });
    }
    for (const d of plan.delete) {
      const p = mine.find((x) => x.uid === d.uid);
      if (p !== undefined) ctx.delete(p, d.why);
    }
    if (plan.create.length > 0 && !ctx.creationDelayed(job.uid))
      for (const index of plan.create)
        if (!(await ctx.create(job.uid, what, jobPodFor(job, index)))) break;
    ctx.wakeAt(plan.wakeAt);
  }
}
