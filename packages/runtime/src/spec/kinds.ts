import { checkTotalSize, readBase64Map, readStringData } from './config-objects.js';
import { didYouMean } from './did-you-mean.js';
import { readObjectMeta } from './meta.js';
import { checkDns1035Label } from './names.js';
import { readPodSpec, type RestartRule } from './pod-spec.js';
import { Fields, isObject, typeMismatch, type SpecContext } from './reader.js';
import { readServiceSpec } from './service.js';
import type {
  ConfigMap,
  Deployment,
  ManifestOrigin,
  ObjectMeta,
  Pod,
  ReplicaSet,
  Secret,
  Service,
} from './types.js';
import { readDaemonSetSpec, type DaemonSet } from './daemonset.js';
import { readJobSpec, type Job } from './job.js';
import { readDeploymentSpec, readReplicaSetSpec } from './workloads.js';
import { childPath, type JsonValue } from './yaml-documents.js';

/** The objects read from one file. */
export interface ManifestObjects {
  pods: Pod[];
  configMaps: ConfigMap[];
  secrets: Secret[];
  services: Service[];
  deployments: Deployment[];
  replicaSets: ReplicaSet[];
  jobs: Job[];
  daemonSets: DaemonSet[];
}

const KINDS: Readonly<Record<string, string>> = {
  Pod: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  List: 'v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
};

const NO_API = 'no Kubernetes API on one machine, so nothing to grant access to';
const NO_PROXY =
  'no ingress or gateway controller on one machine; reach a Service on its node port';
const NO_STORAGE = 'no volume provisioning on one machine; use hostPath';

/**
 * Well-known kinds podkit does not run, with why: accepted with one warning each and not
 * read further (what users of `podman kube play` asked for, podman #27712). Any apiVersion.
 */
const IGNORED_KINDS: Readonly<Record<string, string>> = {
  Ingress: NO_PROXY,
  Gateway: NO_PROXY,
  HTTPRoute: NO_PROXY,
  Namespace: 'a namespace needs no creating: objects name theirs in metadata.namespace or with -n',
  PersistentVolume: NO_STORAGE,
  StorageClass: NO_STORAGE,
  ServiceAccount: NO_API,
  Role: NO_API,
  RoleBinding: NO_API,
  ClusterRole: NO_API,
  ClusterRoleBinding: NO_API,
  CustomResourceDefinition: NO_API,
  NetworkPolicy: 'pod traffic is not filtered on one machine',
  HorizontalPodAutoscaler: 'podkit runs one pod per workload; nothing scales',
  PodDisruptionBudget: 'nothing evicts pods on one machine',
  Endpoints: "a Service's endpoints come from its selector",
  EndpointSlice: "a Service's endpoints come from its selector",
  LimitRange: 'no admission defaults or quotas on one machine',
  ResourceQuota: 'no admission defaults or quotas on one machine',
  PodTemplate: 'a template runs nothing by itself',
  PriorityClass: 'no scheduler or preemption on one machine',
  RuntimeClass: 'podkit runs every pod with runc',
};

/**
 * Kinds that would run something (or hold data) podkit cannot give: ignoring them would
 * silently drop it, so they stay errors, each with what to write instead.
 */
const UNSUPPORTED_KINDS: Readonly<Record<string, string>> = {
  CronJob: 'use a Job, started on a schedule by cron or a systemd timer',
  PersistentVolumeClaim: 'no PersistentVolumes on one machine; use a hostPath or emptyDir volume',
  ReplicationController: 'use a ReplicaSet or Deployment with the same pod template',
};

const SUPPORTED_LIST =
  'Pod, ConfigMap, Secret, Service, Deployment, ReplicaSet, Job, DaemonSet, or the pod template of a StatefulSet';

interface WorkloadShape {
  /** Spec fields that decide the number of pods (must be 1 or omitted). */
  counts: readonly string[];
  /** Spec fields that make sense only for a controller: accepted with a warning. */
  controllerFields: readonly string[];
  restart: RestartRule;
}

const always = (kind: string): RestartRule => ({
  allowed: ['Always'],
  reason: `the pods of a ${kind} always restart`,
});

const WORKLOADS: Readonly<Record<string, WorkloadShape>> = {
  StatefulSet: {
    counts: ['replicas'],
    controllerFields: [
      'serviceName',
      'podManagementPolicy',
      'updateStrategy',
      'revisionHistoryLimit',
      'minReadySeconds',
      'persistentVolumeClaimRetentionPolicy',
      'ordinals',
    ],
    restart: always('StatefulSet'),
  },
};

function originOf(ctx: SpecContext, path: string, kind: string): ManifestOrigin {
  const { line, column } = ctx.positions.locate(path);
  return { file: ctx.file, line, column, kind };
}

/**
 * Reads one top-level object (or one `items[]` entry of a List) at `path` into `out`,
 * reporting every problem through `ctx`.
 */
export function readObject(
  ctx: SpecContext,
  value: JsonValue,
  path: string,
  out: ManifestObjects,
  inList = false,
): void {
  if (!isObject(value)) {
    ctx.error(
      path,
      typeMismatch('a Kubernetes object (a mapping with apiVersion and kind)', value),
      'wrong-type',
    );
    return;
  }
  const f = Fields.of(ctx, value, path);
  if (f === undefined) return;
  const apiVersion = f.string('apiVersion', { required: 'e.g. v1' });
  const kind = f.string('kind', { required: 'e.g. Pod' });
  if (apiVersion === undefined || kind === undefined) return;
  const expected = KINDS[kind];
  if (expected === undefined) {
    const ignored = IGNORED_KINDS[kind];
    const unsupported = UNSUPPORTED_KINDS[kind];
    if (ignored !== undefined) {
      const meta = f.value.metadata;
      const name = isObject(meta) && typeof meta.name === 'string' ? ` ${meta.name}` : '';
      ctx.warning(
        f.at('kind'),
        `${kind}${name} is not run by podkit (${ignored}); ignored`,
        'ignored-kind',
        'value',
      );
    } else if (unsupported !== undefined) {
      ctx.error(f.at('kind'), `${kind} is not supported by podkit (${unsupported})`, 'unsupported');
    } else {
      const known = [
        ...Object.keys(KINDS),
        ...Object.keys(IGNORED_KINDS),
        ...Object.keys(UNSUPPORTED_KINDS),
      ];
      const suggestion = didYouMean(kind, known);
      const hint =
        suggestion === undefined
          ? `; expected ${SUPPORTED_LIST}`
          : `; did you mean "${suggestion}"?`;
      ctx.error(f.at('kind'), `unknown kind ${JSON.stringify(kind)}${hint}`, 'unknown-kind');
    }
    return;
  }
  if (apiVersion !== expected) {
    const known = [...new Set(Object.values(KINDS))];
    const suggestion = known.includes(apiVersion) ? undefined : didYouMean(apiVersion, known);
    const hint = suggestion === expected ? `; did you mean "${expected}"?` : '';
    ctx.error(
      f.at('apiVersion'),
      `${kind} is served as ${JSON.stringify(expected)}, got ${JSON.stringify(apiVersion)}${hint}`,
    );
    return;
  }
  if (kind === 'List') {
    if (inList) {
      ctx.error(f.at('kind'), 'a List may not contain another List');
      return;
    }
    f.ignored('metadata', 'ignored (a List has no metadata of its own)');
    f.list(
      'items',
      (item, itemPath) => {
        readObject(ctx, item, itemPath, out, true);
        return undefined;
      },
      { required: 'the objects of the list' },
    );
    f.end();
    return;
  }
  // `status: {}` is what `kubectl … --dry-run -o yaml` prints (for a Service,
  // `status: {loadBalancer: {}}`): say nothing about an empty status.
  const status = f.value.status;
  const empty = (v: JsonValue | undefined) => isObject(v) && Object.values(v).every(empty);
  if (empty(status)) f.accept('status');
  else f.ignored('status', 'set by the cluster; ignored');
  const errorsBefore = ctx.errorCount;
  // A Service's name becomes a DNS label (svc.ns.svc.cluster.local): DNS-1035, as the API server.
  const metadata = f.object(
    'metadata',
    (m) => readObjectMeta(m, true, kind === 'Service' ? checkDns1035Label : undefined),
    { required: 'with at least a name' },
  );
  if (kind === 'ConfigMap') {
    const data = readStringData(f, 'data');
    const binaryData = readBase64Map(f, 'binaryData');
    for (const key of Object.keys(binaryData)) {
      if (key in data)
        ctx.error(
          childPath(f.at('binaryData'), key),
          `duplicate of key ${JSON.stringify(key)} in data`,
          'duplicate',
          'key',
        );
    }
    const immutable = f.boolean('immutable') ?? false;
    f.end();
    checkTotalSize(f, sizeOf(data) + sizeOf(binaryData));
    if (metadata !== undefined && ctx.errorCount === errorsBefore) {
      out.configMaps.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata,
        data,
        binaryData,
        immutable,
        origin: originOf(ctx, path, kind),
      });
    }
    return;
  }
  if (kind === 'Secret') {
    const type = f.string('type') ?? '';
    const data = readBase64Map(f, 'data');
    const stringData = readStringData(f, 'stringData');
    // As the API server: stringData is merged into data, and wins on the same key.
    for (const [key, text] of Object.entries(stringData)) data[key] = Buffer.from(text, 'utf8');
    const immutable = f.boolean('immutable') ?? false;
    f.end();
    if (type === 'kubernetes.io/tls') {
      for (const key of ['tls.crt', 'tls.key']) {
        if (!(key in data))
          ctx.error(
            f.at('data'),
            `required key ${JSON.stringify(key)} for type kubernetes.io/tls`,
            'required',
          );
      }
    }
    checkTotalSize(f, sizeOf(data));
    if (metadata !== undefined && ctx.errorCount === errorsBefore) {
      out.secrets.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata,
        type: type === '' ? 'Opaque' : type,
        data,
        immutable,
        origin: originOf(ctx, path, kind),
      });
    }
    return;
  }
  if (kind === 'Service') {
    const spec = f.object('spec', readServiceSpec, {
      required: 'the Service spec: its ports and a selector',
    });
    f.end();
    if (metadata !== undefined && spec !== undefined && ctx.errorCount === errorsBefore) {
      out.services.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: metadata,
        spec,
        origin: originOf(ctx, path, kind),
      });
    }
    return;
  }
  if (kind === 'Pod') {
    const spec = f.object('spec', (s) => readPodSpec(s), { required: 'the pod spec' });
    f.end();
    if (metadata !== undefined && spec !== undefined && ctx.errorCount === errorsBefore) {
      out.pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata,
        spec,
        origin: originOf(ctx, path, kind),
      });
    }
    return;
  }
  if (kind === 'Deployment') {
    const spec = f.object('spec', readDeploymentSpec, { required: 'the Deployment spec' });
    f.end();
    if (metadata !== undefined && spec !== undefined && ctx.errorCount === errorsBefore) {
      out.deployments.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec,
        origin: originOf(ctx, path, kind),
      });
    }
    return;
  }
  if (kind === 'ReplicaSet') {
    const spec = f.object('spec', readReplicaSetSpec, { required: 'the ReplicaSet spec' });
    f.end();
    if (metadata !== undefined && spec !== undefined && ctx.errorCount === errorsBefore) {
      out.replicaSets.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata,
        spec,
        origin: originOf(ctx, path, kind),
      });
    }
    return;
  }
  if (kind === 'Job' || kind === 'DaemonSet') {
    readController(ctx, f, kind, path, metadata, errorsBefore, out);
    return;
  }
  const shape = WORKLOADS[kind];
  if (shape === undefined) return;
  const pod = f.object('spec', (s) => readWorkloadSpec(s, kind, shape, metadata), {
    required: 'the workload spec',
  });
  f.end();
  if (pod !== undefined && ctx.errorCount === errorsBefore) {
    out.pods.push({ ...pod, origin: originOf(ctx, path, kind) });
  }
}

/** A Job or DaemonSet: run by the agent's controllers. */
function readController(
  ctx: SpecContext,
  f: Fields,
  kind: 'Job' | 'DaemonSet',
  path: string,
  metadata: ObjectMeta | undefined,
  errorsBefore: number,
  out: ManifestObjects,
): void {
  const origin = (): ManifestOrigin => originOf(ctx, path, kind);
  if (kind === 'Job') {
    const spec = f.object('spec', readJobSpec, { required: 'the Job spec' });
    f.end();
    if (metadata !== undefined && spec !== undefined && ctx.errorCount === errorsBefore)
      out.jobs.push({ apiVersion: 'batch/v1', kind, metadata, spec, origin: origin() });
    return;
  }
  const spec = f.object('spec', readDaemonSetSpec, { required: 'the DaemonSet spec' });
  f.end();
  if (metadata !== undefined && spec !== undefined && ctx.errorCount === errorsBefore)
    out.daemonSets.push({ apiVersion: 'apps/v1', kind, metadata, spec, origin: origin() });
}

function sizeOf(data: Record<string, string | Buffer>): number {
  let total = 0;
  for (const [key, value] of Object.entries(data)) total += Buffer.byteLength(key) + value.length;
  return total;
}

/** A workload's pod: its template, named after the workload. */
function readWorkloadSpec(
  f: Fields,
  kind: string,
  shape: WorkloadShape,
  workloadMeta: ObjectMeta | undefined,
): Omit<Pod, 'origin'> | undefined {
  for (const key of shape.counts) {
    const count = f.integer(key, { min: 0 });
    if (count !== undefined && count !== 1) {
      f.ctx.error(
        f.at(key),
        `podkit runs one pod per manifest: ${key} must be 1 (or omitted), got ${count}`,
        'out-of-range',
      );
    }
  }
  for (const key of shape.controllerFields)
    f.ignored(key, `ignored: podkit runs the ${kind}'s pod template once, as a Pod`);
  if (kind === 'StatefulSet') {
    const claims = f.raw('volumeClaimTemplates');
    if (Array.isArray(claims) && claims.length > 0) {
      f.ctx.error(
        f.at('volumeClaimTemplates'),
        'not supported by podkit (no PersistentVolumes on one machine; use hostPath)',
        'unsupported',
        'key',
      );
    }
  }
  const matchLabels = f.object(
    'selector',
    (s) => {
      s.accept('matchExpressions');
      return s.stringMap('matchLabels');
    },
    { required: kind === 'Job' ? false : 'a label selector matching the template labels' },
  );
  const template = f.object(
    'template',
    (t) => {
      const meta = t.object('metadata', (m) => readObjectMeta(m, false));
      const spec = t.object('spec', (s) => readPodSpec(s, shape.restart), {
        required: 'the pod spec',
      });
      const labels = meta?.labels ?? {};
      for (const [key, value] of Object.entries(matchLabels ?? {})) {
        if (labels[key] !== value) {
          t.ctx.error(
            childPath(childPath(t.path, 'metadata'), 'labels'),
            `must match the selector: ${key}=${value} is missing (selector does not match template labels)`,
          );
        }
      }
      return spec === undefined ? undefined : { meta, spec };
    },
    { required: 'the pod template' },
  );
  if (template === undefined || workloadMeta === undefined) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: workloadMeta.name,
      namespace: workloadMeta.namespace,
      labels: template.meta?.labels ?? {},
      annotations: template.meta?.annotations ?? {},
    },
    spec: template.spec,
  };
}
