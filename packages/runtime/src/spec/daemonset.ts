import { readPodTemplate } from './pod-template.js';
import type { RestartRule } from './pod-spec.js';
import type { Fields } from './reader.js';
import type {
  IntOrPercent,
  LabelSelector,
  ManifestOrigin,
  ObjectMeta,
  PodTemplateSpec,
} from './types.js';
import { hostPortsOf, readIntOrPercent, readLabelSelector } from './workloads.js';

/** apps/v1 DaemonSetUpdateStrategy, defaults applied (RollingUpdate, maxUnavailable 1, maxSurge 0). */
export type DaemonSetUpdateStrategy =
  | {
      type: 'RollingUpdate';
      rollingUpdate: { maxUnavailable: IntOrPercent; maxSurge: IntOrPercent };
    }
  | { type: 'OnDelete' };

/** apps/v1 DaemonSetSpec, defaults applied. One machine is one node: one pod. */
export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy: DaemonSetUpdateStrategy;
  /** Seconds a new pod must be Ready before it counts as available (default 0). */
  minReadySeconds: number;
}

export interface DaemonSet {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  metadata: ObjectMeta;
  spec: DaemonSetSpec;
  origin: ManifestOrigin;
}

const ALWAYS: RestartRule = {
  allowed: ['Always'],
  reason: 'the pods of a DaemonSet always restart',
};

/**
 * Reads a DaemonSet's spec as the API server validates it (ValidateDaemonSetSpec) with its
 * defaults (SetDefaults_DaemonSet). Undefined when a part needed to run it is missing.
 */
export function readDaemonSetSpec(f: Fields): DaemonSetSpec | undefined {
  const selector = f.object('selector', readLabelSelector, {
    required: 'a label selector matching the template labels',
  });
  if (
    selector !== undefined &&
    Object.keys(selector.matchLabels).length === 0 &&
    selector.matchExpressions.length === 0
  )
    f.ctx.error(f.at('selector'), 'empty selector is invalid for a DaemonSet', 'required');
  const updateStrategy = f.object('updateStrategy', readUpdateStrategy) ?? {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  };
  const minReadySeconds = f.int32('minReadySeconds', { min: 0 }) ?? 0;
  f.int32('revisionHistoryLimit', { min: 0 });
  const template = readPodTemplate(f, selector, ALWAYS);
  if (
    template !== undefined &&
    updateStrategy.type === 'RollingUpdate' &&
    !isZero(updateStrategy.rollingUpdate.maxSurge) &&
    hostPortsOf(template.spec).length > 0
  )
    f.ctx.warning(
      f.at('updateStrategy'),
      "a surge starts the new pod while the old one still holds the template's host port, so it cannot start; use maxSurge: 0",
      'host-port-surge',
    );
  if (selector === undefined || template === undefined) return undefined;
  return { selector, template, updateStrategy, minReadySeconds };
}

function isZero(v: IntOrPercent): boolean {
  return v === 0 || (typeof v === 'string' && Number.parseInt(v, 10) === 0);
}

function readUpdateStrategy(f: Fields): DaemonSetUpdateStrategy | undefined {
  const type = f.enumeration('type', ['RollingUpdate', 'OnDelete'] as const) ?? 'RollingUpdate';
  if (type === 'OnDelete') {
    if (f.has('rollingUpdate'))
      f.ctx.error(
        f.at('rollingUpdate'),
        "may not be specified when strategy `type` is 'OnDelete'",
        'forbidden',
        'key',
      );
    f.accept('rollingUpdate');
    return { type };
  }
  const rolling = f.object('rollingUpdate', (r) => {
    const maxSurge = readIntOrPercent(r, 'maxSurge') ?? 0;
    const maxUnavailable = readIntOrPercent(r, 'maxUnavailable') ?? (isZero(maxSurge) ? 1 : 0);
    if (typeof maxUnavailable === 'string' && Number.parseInt(maxUnavailable, 10) > 100)
      r.ctx.error(r.at('maxUnavailable'), 'must not be greater than 100%', 'out-of-range');
    // ValidateRollingUpdateDaemonSet: exactly one of them may be 0.
    if (isZero(maxSurge) && isZero(maxUnavailable))
      r.ctx.error(r.at('maxUnavailable'), 'cannot be 0 when maxSurge is 0', 'invalid-value');
    if (!isZero(maxSurge) && !isZero(maxUnavailable))
      r.ctx.error(
        r.at('maxUnavailable'),
        'may not be set when maxSurge is non-zero',
        'invalid-value',
      );
    return { maxSurge, maxUnavailable };
  });
  return { type, rollingUpdate: rolling ?? { maxUnavailable: 1, maxSurge: 0 } };
}
