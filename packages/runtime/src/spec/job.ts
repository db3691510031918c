import { readPodTemplate } from './pod-template.js';
import type { RestartRule } from './pod-spec.js';
import type { Fields } from './reader.js';
import type { LabelSelector, ManifestOrigin, ObjectMeta, PodTemplateSpec } from './types.js';
import { hostPortsOf, readLabelSelector } from './workloads.js';

/** batch/v1 JobSpec, the part podkit runs, defaults applied (SetDefaults_Job). */
export interface JobSpec {
  /** Pods running at once at most (default 1). */
  parallelism: number;
  /**
   * Succeeded pods that complete the Job (default 1). `null` when only `parallelism` was
   * given: a work queue, complete once one pod succeeded and none still runs.
   */
  completions: number | null;
  /** Indexed: each pod gets an index 0..completions-1 (JOB_COMPLETION_INDEX). */
  completionMode: 'NonIndexed' | 'Indexed';
  /** Failed pods (or, with OnFailure, container restarts) before the Job fails (default 6). */
  backoffLimit: number;
  /** Seconds from the Job's start after which its pods are killed and it fails. */
  activeDeadlineSeconds: number | undefined;
  /** Seconds after it finished after which the Job (and its pods) are removed. */
  ttlSecondsAfterFinished: number | undefined;
  /** With manualSelector the user's selector; otherwise podkit's (controller-uid). */
  manualSelector: boolean;
  selector: LabelSelector | undefined;
  template: PodTemplateSpec;
}

export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: JobSpec;
  origin: ManifestOrigin;
}

/** Kubernetes' defaults (batch/v1 SetDefaults_Job). */
export const JOB_DEFAULTS = { parallelism: 1, completions: 1, backoffLimit: 6 } as const;

/** The largest completions/parallelism of an Indexed Job (the API server's limit). */
const MAX_INDEXED = 100_000;

const JOB_RESTART: RestartRule = {
  allowed: ['OnFailure', 'Never'],
  requiredBecause: 'a Job template needs Never or OnFailure',
  reason: 'a Job template needs Never or OnFailure',
};

/**
 * Reads a Job's spec as the API server validates it (ValidateJobSpec) with its defaults.
 * Undefined when a part needed to run it is missing (the errors are reported).
 */
export function readJobSpec(f: Fields): JobSpec | undefined {
  const parallelismGiven = f.int32('parallelism', { min: 0 });
  const completionsGiven = f.int32('completions', { min: 0 });
  const completionMode =
    f.enumeration('completionMode', ['NonIndexed', 'Indexed'] as const) ?? 'NonIndexed';
  // SetDefaults_Job: both absent → 1 and 1; parallelism alone → a work queue.
  const parallelism = parallelismGiven ?? JOB_DEFAULTS.parallelism;
  const completions = completionsGiven ?? (f.has('parallelism') ? null : JOB_DEFAULTS.completions);
  if (completionMode === 'Indexed') {
    if (completions === null)
      f.ctx.error(f.at('completions'), 'required when `completionMode` is Indexed', 'required');
    else if (completions > MAX_INDEXED)
      f.ctx.error(
        f.at('completions'),
        `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`,
        'out-of-range',
      );
    if (parallelism > MAX_INDEXED)
      f.ctx.error(
        f.at('parallelism'),
        `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`,
        'out-of-range',
      );
  }
  const backoffLimit = f.int32('backoffLimit', { min: 0 }) ?? JOB_DEFAULTS.backoffLimit;
  const activeDeadlineSeconds = f.integer('activeDeadlineSeconds', { min: 1 });
  const ttlSecondsAfterFinished = f.int32('ttlSecondsAfterFinished', { min: 0 });
  const manualSelector = f.boolean('manualSelector') ?? false;
  const selector = f.object('selector', readLabelSelector);
  if (selector !== undefined && !manualSelector)
    f.ctx.error(
      f.at('selector'),
      "`selector` not auto-generated: podkit makes a Job's selector from its uid; remove `selector`, or set `manualSelector: true`",
    );
  if (manualSelector && f.has('manualSelector') && selector === undefined)
    f.ctx.error(f.at('manualSelector'), 'a manual selector needs `selector`', 'required');
  if (f.boolean('suspend') === true)
    f.ctx.error(
      f.at('suspend'),
      'not supported by podkit (a Job runs once applied; apply it when it should run)',
      'unsupported',
    );
  for (const key of [
    'podFailurePolicy',
    'successPolicy',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
  ])
    f.unsupported(key, 'podkit counts every failed pod against backoffLimit');
  f.ignored('podReplacementPolicy', 'ignored: podkit replaces a pod once it failed');
  f.ignored('managedBy', 'ignored: the agent runs every Job');
  const template = readPodTemplate(f, manualSelector ? selector : undefined, JOB_RESTART);
  if (template !== undefined && parallelism > 1) {
    const [first] = hostPortsOf(template.spec);
    if (first !== undefined)
      f.ctx.error(
        f.at('parallelism'),
        `${parallelism} pods at once cannot run on one machine: the template binds host port ${first.port} (container ${first.container}) and two pods cannot bind one host port; use parallelism: 1`,
        'out-of-range',
      );
  }
  if (template === undefined) return undefined;
  return {
    parallelism,
    completions,
    completionMode,
    backoffLimit,
    activeDeadlineSeconds,
    ttlSecondsAfterFinished,
    manualSelector,
    selector: manualSelector ? selector : undefined,
    template,
  };
}
