import { readObjectMeta } from './meta.js';
import { checkLabelValue, checkQualifiedName } from './names.js';
import { readPodSpec, type RestartRule } from './pod-spec.js';
import { typeMismatch, type Fields } from './reader.js';
import type {
  DeploymentSpec,
  DeploymentStrategy,
  IntOrPercent,
  LabelSelector,
  LabelSelectorRequirement,
  PodSpec,
  PodTemplateSpec,
  ReplicaSetSpec,
} from './types.js';
import { childPath, indexPath } from './yaml-documents.js';

const ALWAYS: RestartRule = {
  allowed: ['Always'],
  reason: 'the pods of a Deployment always restart',
};

/** Kubernetes' defaults (apps/v1 SetDefaults_Deployment). */
export const DEPLOYMENT_DEFAULTS = {
  replicas: 1,
  maxSurge: '25%',
  maxUnavailable: '25%',
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
} as const;

/**
 * Reads a Deployment's spec as the API server validates it (ValidateDeploymentSpec) with its
 * defaults. Undefined when a part needed to run it is missing (the errors are reported).
 */
export function readDeploymentSpec(f: Fields): DeploymentSpec | undefined {
  const common = readReplicated(f, 'Deployment');
  const strategy = f.object('strategy', readStrategy) ?? {
    type: 'RollingUpdate',
    rollingUpdate: {
      maxSurge: DEPLOYMENT_DEFAULTS.maxSurge,
      maxUnavailable: DEPLOYMENT_DEFAULTS.maxUnavailable,
    },
  };
  const revisionHistoryLimit =
    f.int32('revisionHistoryLimit', { min: 0 }) ?? DEPLOYMENT_DEFAULTS.revisionHistoryLimit;
  f.ignored('progressDeadlineSeconds', 'ignored: podkit reports no rollout deadline');
  f.ignored('paused', 'ignored: podkit does not pause rollouts');
  if (common === undefined) return undefined;
  warnSurgeWithHostPort(f, common.replicas, common.template.spec, strategy);
  return { ...common, strategy, revisionHistoryLimit };
}

/** Reads a ReplicaSet's spec (ValidateReplicaSetSpec) with its defaults. */
export function readReplicaSetSpec(f: Fields): ReplicaSetSpec | undefined {
  return readReplicated(f, 'ReplicaSet');
}

function readReplicated(f: Fields, kind: string): ReplicaSetSpec | undefined {
  const replicas = f.int32('replicas', { min: 0 }) ?? DEPLOYMENT_DEFAULTS.replicas;
  const minReadySeconds =
    f.int32('minReadySeconds', { min: 0 }) ?? DEPLOYMENT_DEFAULTS.minReadySeconds;
  const selector = f.object('selector', readLabelSelector, {
    required: 'a label selector matching the template labels',
  });
  if (selector !== undefined && isEmptySelector(selector))
    f.ctx.error(f.at('selector'), 'empty selector is invalid for a ' + kind, 'required');
  const template = f.object(
    'template',
    (t) => {
      const meta = t.object('metadata', (m) => readObjectMeta(m, false));
      const spec = t.object(
        'spec',
        (s) => readPodSpec(s, { ...ALWAYS, reason: `the pods of a ${kind} always restart` }),
        { required: 'the pod spec' },
      );
      const labels = meta?.labels ?? {};
      if (
        selector !== undefined &&
        !isEmptySelector(selector) &&
        !selectorMatches(selector, labels)
      )
        t.ctx.error(
          childPath(childPath(t.path, 'metadata'), 'labels'),
          `\`selector\` does not match template \`labels\` (${selectorText(selector)})`,
        );
      if (spec === undefined) return undefined;
      const out: PodTemplateSpec = {
        metadata: { labels, annotations: meta?.annotations ?? {} },
        spec,
      };
      return out;
    },
    { required: 'the pod template' },
  );
  if (template !== undefined && replicas > 1) refuseSharedHostPorts(f, replicas, template.spec);
  if (selector === undefined || template === undefined) return undefined;
  return { replicas, selector, template, minReadySeconds };
}

/** The host ports a pod binds (with hostNetwork, every container port is one). */
export function hostPortsOf(spec: PodSpec): { container: string; port: number }[] {
  const out: { container: string; port: number }[] = [];
  for (const c of [...spec.initContainers, ...spec.containers])
    for (const p of c.ports) {
      const port = p.hostPort ?? (spec.hostNetwork ? p.containerPort : 0);
      if (port !== 0) out.push({ container: c.name, port });
    }
  return out;
}

// Kubernetes would leave the extra pods Pending (unschedulable); one machine has one node, so
// the file is refused before anything is created.
function refuseSharedHostPorts(f: Fields, replicas: number, spec: PodSpec): void {
  const ports = hostPortsOf(spec);
  const first = ports[0];
  if (first === undefined) return;
  f.ctx.error(
    f.at('replicas'),
    `${replicas} replicas cannot run on one machine: the template binds host port ${first.port} (container ${first.container}${spec.hostNetwork ? ', hostNetwork' : ''}) and two pods cannot bind one host port; use replicas: 1, or drop the hostPort and reach the pods through a Service`,
    'out-of-range',
  );
}

function warnSurgeWithHostPort(
  f: Fields,
  replicas: number,
  spec: PodSpec,
  strategy: DeploymentStrategy,
): void {
  if (replicas > 1 || strategy.type !== 'RollingUpdate' || hostPortsOf(spec).length === 0) return;
  if (strategy.rollingUpdate.maxSurge === 0 || strategy.rollingUpdate.maxSurge === '0%') return;
  f.ctx.warning(
    f.has('strategy') ? f.at('strategy') : f.path,
    "a rolling update surges a new pod while the old one still holds the template's host port, so it cannot start; use strategy type Recreate or rollingUpdate.maxSurge: 0",
    'host-port-surge',
  );
}

function readStrategy(f: Fields): DeploymentStrategy | undefined {
  const type = f.enumeration('type', ['RollingUpdate', 'Recreate'] as const) ?? 'RollingUpdate';
  if (type === 'Recreate') {
    if (f.has('rollingUpdate'))
      f.ctx.error(
        f.at('rollingUpdate'),
        "may not be specified when strategy `type` is 'Recreate'",
        'forbidden',
        'key',
      );
    f.accept('rollingUpdate');
    f.end();
    return { type };
  }
  const rolling = f.object('rollingUpdate', (r) => {
    const maxSurge = readIntOrPercent(r, 'maxSurge') ?? DEPLOYMENT_DEFAULTS.maxSurge;
    const maxUnavailable =
      readIntOrPercent(r, 'maxUnavailable') ?? DEPLOYMENT_DEFAULTS.maxUnavailable;
    if (typeof maxUnavailable === 'string' && Number.parseInt(maxUnavailable, 10) > 100)
      r.ctx.error(r.at('maxUnavailable'), 'must not be greater than 100%', 'out-of-range');
    if (isZero(maxSurge) && isZero(maxUnavailable))
      r.ctx.error(r.at('maxUnavailable'), 'may not be 0 when `maxSurge` is 0', 'invalid-value');
    r.end();
    return { maxSurge, maxUnavailable };
  });
  f.end();
  return {
    type,
    rollingUpdate: rolling ?? {
      maxSurge: DEPLOYMENT_DEFAULTS.maxSurge,
      maxUnavailable: DEPLOYMENT_DEFAULTS.maxUnavailable,
    },
  };
}

function isZero(v: IntOrPercent): boolean {
  return v === 0 || (typeof v === 'string' && Number.parseInt(v, 10) === 0);
}

/** An intstr.IntOrString of a rolling update: a count ≥ 0 or `N%`. */
export function readIntOrPercent(f: Fields, key: string): IntOrPercent | undefined {
  const v = f.raw(key);
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) {
      f.ctx.error(f.at(key), `must be greater than or equal to 0, got ${v}`, 'out-of-range');
      return undefined;
    }
    return v;
  }
  if (typeof v === 'string') {
    if (/^[0-9]+%$/.test(v)) return v as `${number}%`;
    f.ctx.error(
      f.at(key),
      `a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%'), got ${JSON.stringify(v)}`,
    );
    return undefined;
  }
  f.ctx.error(
    f.at(key),
    typeMismatch('integer or percent string', v, f.ctx.position(f.at(key))),
    'wrong-type',
  );
  return undefined;
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** Reads a meta/v1 LabelSelector (ValidateLabelSelector). */
export function readLabelSelector(f: Fields): LabelSelector {
  const matchLabels = f.stringMap('matchLabels') ?? {};
  for (const [key, value] of Object.entries(matchLabels)) {
    const path = childPath(f.at('matchLabels'), key);
    const badKey = checkQualifiedName(key);
    if (badKey !== undefined) f.ctx.error(path, badKey, 'invalid-value', 'key');
    const badValue = checkLabelValue(value);
    if (badValue !== undefined) f.ctx.error(path, badValue);
  }
  const matchExpressions =
    f.objectList('matchExpressions', (e, i) => {
      const key = e.string('key', { required: 'the label key' });
      const operator = e.enumeration('operator', OPERATORS, {
        required: 'In, NotIn, Exists or DoesNotExist',
      });
      const values = e.stringList('values') ?? [];
      e.end();
      if (key === undefined || operator === undefined) return undefined;
      const path = indexPath(f.at('matchExpressions'), i);
      const listed = operator === 'In' || operator === 'NotIn';
      if (listed && values.length === 0)
        f.ctx.error(
          childPath(path, 'values'),
          `must be specified when \`operator\` is '${operator}'`,
          'required',
        );
      if (!listed && values.length > 0)
        f.ctx.error(
          childPath(path, 'values'),
          `may not be specified when \`operator\` is '${operator}'`,
          'forbidden',
        );
      const req: LabelSelectorRequirement = { key, operator, values };
      return req;
    }) ?? [];
  f.end();
  return { matchLabels, matchExpressions };
}

function isEmptySelector(s: LabelSelector): boolean {
  return Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0;
}

/** Whether `labels` satisfy the selector (an empty selector matches everything, as in Kubernetes). */
export function selectorMatches(
  s: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [k, v] of Object.entries(s.matchLabels)) if (labels[k] !== v) return false;
  for (const r of s.matchExpressions) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    if (r.operator === 'Exists' && !has) return false;
    if (r.operator === 'DoesNotExist' && has) return false;
    if (r.operator === 'In' && (value === undefined || !r.values.includes(value))) return false;
    if (r.operator === 'NotIn' && value !== undefined && r.values.includes(value)) return false;
  }
  return true;
}

/** kubectl's rendering of a selector: `app=web,tier in (a,b)`. */
export function selectorText(s: LabelSelector): string {
  const parts = Object.entries(s.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of s.matchExpressions) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${r.values.join(',')})`);
  }
  return parts.join(',');
}
