import { readClaimSpec } from './claims.js';
import { readObjectMeta } from './meta.js';
import { checkDns1123Label } from './names.js';
import { readPodSpec } from './pod-spec.js';
import type { Fields } from './reader.js';
import type {
  PersistentVolumeClaimTemplate,
  PodTemplateSpec,
  StatefulSetSpec,
  StatefulSetUpdateStrategy,
} from './types.js';
import { hostPortsOf, readLabelSelector, selectorMatches, selectorText } from './workloads.js';
import { childPath } from './yaml-documents.js';

/** Kubernetes' defaults (apps/v1 SetDefaults_StatefulSet). */
export const STATEFULSET_DEFAULTS = {
  replicas: 1,
  podManagementPolicy: 'OrderedReady',
  partition: 0,
  revisionHistoryLimit: 10,
  minReadySeconds: 0,
} as const;

/**
 * Reads a StatefulSet's spec as the API server validates it (ValidateStatefulSetSpec) with its
 * defaults. Its template's pod spec is validated too, with the claim templates counted as
 * volumes (what the API server's TODO asks for: a mount of a name neither has is a typo here,
 * a pod that cannot start on a cluster).
 */
export function readStatefulSetSpec(f: Fields): StatefulSetSpec | undefined {
  const errorsBefore = f.ctx.errorCount;
  const replicas = f.int32('replicas', { min: 0 }) ?? STATEFULSET_DEFAULTS.replicas;
  const minReadySeconds =
    f.int32('minReadySeconds', { min: 0 }) ?? STATEFULSET_DEFAULTS.minReadySeconds;
  const revisionHistoryLimit =
    f.int32('revisionHistoryLimit', { min: 0 }) ?? STATEFULSET_DEFAULTS.revisionHistoryLimit;
  const serviceName = f.string('serviceName');
  if (serviceName !== undefined && serviceName !== '') {
    const bad = checkDns1123Label(serviceName);
    if (bad !== undefined) f.ctx.error(f.at('serviceName'), bad);
  }
  const podManagementPolicy =
    f.enumeration('podManagementPolicy', ['OrderedReady', 'Parallel'] as const) ??
    STATEFULSET_DEFAULTS.podManagementPolicy;
  const updateStrategy = f.object('updateStrategy', readUpdateStrategy) ?? {
    type: 'RollingUpdate',
    rollingUpdate: { partition: STATEFULSET_DEFAULTS.partition },
  };
  const startOrdinal = f.object('ordinals', (o) => o.int32('start', { min: 0 }) ?? 0) ?? 0;
  f.object('persistentVolumeClaimRetentionPolicy', (p) => {
    for (const key of ['whenDeleted', 'whenScaled']) {
      const v = p.enumeration(key, ['Retain', 'Delete'] as const);
      if (v === 'Delete')
        p.ctx.error(
          p.at(key),
          'not supported by podkit (claims are kept: `podkit down --volumes` or `podkit down pvc/NAME` removes them)',
          'unsupported',
        );
    }
  });
  const claimNames = new Set<string>();
  const claimTemplates =
    f.objectList('volumeClaimTemplates', (c) => {
      const t = readClaimTemplate(c);
      if (t !== undefined) checkClaimTemplateName(c, t.metadata.name, claimNames);
      return t;
    }) ?? [];
  const selector = f.object('selector', readLabelSelector, {
    required: 'a label selector matching the template labels',
  });
  const empty =
    selector !== undefined &&
    Object.keys(selector.matchLabels).length === 0 &&
    selector.matchExpressions.length === 0;
  if (empty) f.ctx.error(f.at('selector'), 'empty selector is invalid for statefulset', 'required');
  const template = f.object(
    'template',
    (t) => {
      const tmeta = t.object('metadata', (m) => readObjectMeta(m, false));
      const spec = t.object(
        'spec',
        (s) =>
          readPodSpec(
            s,
            { allowed: ['Always'], reason: 'the pods of a StatefulSet always restart' },
            claimTemplates.map((c) => c.metadata.name),
          ),
        { required: 'the pod spec' },
      );
      const labels = tmeta?.labels ?? {};
      if (selector !== undefined && !empty && !selectorMatches(selector, labels))
        t.ctx.error(
          childPath(childPath(t.path, 'metadata'), 'labels'),
          `\`selector\` does not match template \`labels\` (${selectorText(selector)})`,
        );
      if (spec === undefined) return undefined;
      if (spec.hostname !== undefined || spec.subdomain !== undefined)
        t.ctx.warning(
          childPath(t.path, 'spec'),
          "ignored: a StatefulSet's pods are named NAME-ORDINAL, their hostname is their name and their subdomain spec.serviceName",
          'ignored',
          'key',
        );
      const out: PodTemplateSpec = {
        metadata: { labels, annotations: tmeta?.annotations ?? {} },
        spec,
      };
      return out;
    },
    { required: 'the pod template' },
  );
  if (template !== undefined && replicas > 1) {
    const first = hostPortsOf(template.spec)[0];
    if (first !== undefined)
      f.ctx.error(
        f.at('replicas'),
        `${replicas} replicas cannot run on one machine: the template binds host port ${first.port} (container ${first.container}${template.spec.hostNetwork ? ', hostNetwork' : ''}) and two pods cannot bind one host port; use replicas: 1, or drop the hostPort and reach the pods through a Service`,
        'out-of-range',
      );
  }
  if (selector === undefined || template === undefined || f.ctx.errorCount > errorsBefore)
    return undefined;
  return {
    replicas,
    selector,
    template,
    serviceName: serviceName === '' ? undefined : serviceName,
    podManagementPolicy,
    updateStrategy,
    volumeClaimTemplates: claimTemplates,
    startOrdinal,
    minReadySeconds,
    revisionHistoryLimit,
  };
}

/**
 * A StatefulSet's pods are named `NAME-ORDINAL` and that name is their hostname: the last one
 * must be a DNS-1123 label (the API server would accept the StatefulSet and refuse the pod).
 * Undefined when it is; else why not.
 */
export function statefulSetNameProblem(name: string, spec: StatefulSetSpec): string | undefined {
  const last = `${name}-${String(spec.startOrdinal + Math.max(0, spec.replicas - 1))}`;
  const bad = checkDns1123Label(last);
  if (bad === undefined) return undefined;
  return `its pods are named ${last} and so on, and a pod's name is its hostname: ${bad}`;
}

function readUpdateStrategy(f: Fields): StatefulSetUpdateStrategy | undefined {
  const type = f.enumeration('type', ['RollingUpdate', 'OnDelete'] as const) ?? 'RollingUpdate';
  if (type === 'OnDelete') {
    if (f.has('rollingUpdate'))
      f.ctx.error(
        f.at('rollingUpdate'),
        "only allowed for updateStrategy 'RollingUpdate'",
        'forbidden',
        'key',
      );
    f.accept('rollingUpdate');
    return { type };
  }
  const partition =
    f.object('rollingUpdate', (r) => {
      r.ignored(
        'maxUnavailable',
        'ignored: the MaxUnavailableStatefulSet feature is off (as on a cluster by default); one pod is updated at a time',
      );
      return r.int32('partition', { min: 0 });
    }) ?? STATEFULSET_DEFAULTS.partition;
  return { type, rollingUpdate: { partition } };
}

function readClaimTemplate(f: Fields): PersistentVolumeClaimTemplate | undefined {
  f.accept('apiVersion', 'kind');
  f.ignored('status', 'set by the cluster; ignored');
  const meta = f.object('metadata', (m) => readObjectMeta(m, true), {
    required: 'with the claim name',
  });
  const spec = f.object('spec', readClaimSpec, {
    required: 'the claim spec: accessModes and resources.requests.storage',
  });
  if (meta === undefined || spec === undefined) return undefined;
  return {
    metadata: { name: meta.name, labels: meta.labels, annotations: meta.annotations },
    spec,
  };
}

/** A claim template's name is its pods' volume name too: a DNS label, once per StatefulSet. */
function checkClaimTemplateName(f: Fields, name: string, seen: Set<string>): void {
  const path = childPath(f.at('metadata'), 'name');
  if (seen.has(name))
    f.ctx.error(path, `duplicate volumeClaimTemplate name ${JSON.stringify(name)}`, 'duplicate');
  seen.add(name);
  const bad = checkDns1123Label(name);
  if (bad !== undefined) f.ctx.error(path, `${bad} (it names the pods' volume)`);
}
