import { selects, traceMark, type Service, type StatefulSet, type Workload } from '@podkit/runtime';
import { combineManifestSets, parseManifests } from '@podkit/runtime/spec';
import type { NodeRuntime } from '@podkit/runtime/node';
import type { AppliedService, ApplyLine, ApplyRequest, ManifestFile } from '../apply-wire.js';
import { AgentErrorCode, agentError } from '../errors.js';
import { manifestVerdict, workloadsOf } from '../manifest-verdict.js';

/** The runtime calls an apply makes (tests pass a fake). */
export type ApplyRuntime = Pick<NodeRuntime, 'apply' | 'list' | 'listServices'>;

/**
 * The body of `POST /v1/apply`, checked: one manifest's text and file name, or several
 * (`files`), and optionally a namespace.
 */
export function applyRequestOf(body: unknown): ApplyRequest {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Partial<
    Record<keyof ApplyRequest, unknown>
  >;
  const isFile = (f: unknown): boolean => {
    const x = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    return typeof x.manifest === 'string' && typeof x.file === 'string';
  };
  const files =
    b.files === undefined
      ? isFile(b)
      : Array.isArray(b.files) && b.files.length > 0 && b.files.every(isFile);
  if (!files || (b.namespace !== undefined && typeof b.namespace !== 'string'))
    throw agentError(
      AgentErrorCode.AGENT_BAD_REQUEST,
      'an apply needs the manifest text and its file name (strings), or a non-empty list of them as files, and, optionally, a namespace',
      {
        hint: 'the CLI and the agent may be of different podkit versions: `podkit agent stop`, then retry',
      },
    );
  return body as ApplyRequest;
}

/** The files of a checked request, in order. */
export function requestFiles(input: ApplyRequest): ManifestFile[] {
  return input.files ?? [{ manifest: input.manifest ?? '', file: input.file ?? '' }];
}

/**
 * `POST /v1/apply`: parses and validates every file's text with the agent's warm parser, says
 * what it found (the `manifest` line: every diagnostic of every file, duplicates across files
 * included), and — when all are valid and hold something to run — applies them as one set
 * through NodeRuntime.apply, which creates claims, Services, ConfigMaps/Secrets, workloads and
 * pods in that order (pulls and replaced pods told as they happen), answering with what was
 * made. An error in any file applies nothing.
 */
export async function applyManifest(
  rt: ApplyRuntime,
  input: ApplyRequest,
  line: (value: ApplyLine) => void,
  signal: AbortSignal,
): Promise<void> {
  const set = combineManifestSets(
    requestFiles(input).map((f) =>
      parseManifests(f.manifest, f.file, { namespace: input.namespace }),
    ),
  );
  traceMark('apply.parsed');
  const verdict = manifestVerdict(set);
  line(verdict);
  if (!verdict.valid || !verdict.runnable) return;
  // Every object list of the set goes to the runtime under its own name (pods, services,
  // deployments, replicaSets, configMaps, secrets, and the kinds added later); each record's
  // source is its object's own file.
  const { file: _, diagnostics: __, ...objects } = set;
  const records = await rt.apply({
    ...objects,
    backoff: input.backoff,
    onReplaced:
      input.replaceEnded === true
        ? (r) => {
            line({ type: 'replaced', name: r.name, namespace: r.namespace, phase: r.status.phase });
          }
        : undefined,
    onUnchanged:
      input.replaceEnded === true
        ? (r) => {
            line({ type: 'unchanged', name: r.name, namespace: r.namespace });
          }
        : undefined,
    pull: {
      onEvent: (image, event) => {
        line({ type: 'pull', image, event });
      },
    },
    signal,
  });
  line({
    type: 'result',
    records,
    services: await appliedServices(rt, set.services, workloadsOf(set)),
    workloads: workloadsOf(set),
    claims: set.persistentVolumeClaims,
    warnings: await serviceNameWarnings(rt, set.statefulSets),
  });
}

/**
 * A StatefulSet's pods get DNS names (`NAME-0.SVC`) from the headless Service its serviceName
 * names: when there is none (or it has a ClusterIP), it runs, with a warning saying so — as
 * Kubernetes accepts it and the Service may come later.
 */
async function serviceNameWarnings(
  rt: ApplyRuntime,
  statefulSets: readonly StatefulSet[],
): Promise<string[]> {
  if (statefulSets.length === 0) return [];
  const all = await rt.listServices();
  const out: string[] = [];
  for (const s of statefulSets) {
    const wanted = s.spec.serviceName;
    const what = `statefulset/${s.metadata.name}`;
    if (wanted === undefined) {
      out.push(
        `${what} has no serviceName: its pods get no DNS names (${s.metadata.name}-0.SERVICE)`,
      );
      continue;
    }
    const svc = all.find(
      (r) =>
        r.service.metadata.name === wanted && r.service.metadata.namespace === s.metadata.namespace,
    );
    if (svc === undefined)
      out.push(
        `${what}: its serviceName Service "${wanted}" does not exist: ${s.metadata.name}-0.${wanted} and the other pod names resolve once a headless Service "${wanted}" (clusterIP: None) selecting its pods is applied`,
      );
    else if (svc.service.spec.clusterIP !== 'None')
      out.push(
        `${what}: its serviceName Service "${wanted}" is not headless (clusterIP ${svc.service.spec.clusterIP ?? '?'}): only a headless Service gives the pods DNS names (${s.metadata.name}-0.${wanted})`,
      );
  }
  return out;
}

/**
 * The Services with the addresses they got, and whether any pod matches each — or will: a
 * workload of the same apply whose pod template it selects (its controller makes the pods
 * right after).
 */
async function appliedServices(
  rt: ApplyRuntime,
  services: readonly Service[],
  workloads: readonly Workload[],
): Promise<AppliedService[]> {
  if (services.length === 0) return [];
  const [all, pods] = await Promise.all([rt.listServices(), rt.list()]);
  return services.flatMap((s) => {
    const { name, namespace } = s.metadata;
    const record = all.find(
      (x) => x.service.metadata.name === name && x.service.metadata.namespace === namespace,
    );
    if (record === undefined) return [];
    const selectsPods =
      pods.some(
        (p) => p.namespace === namespace && selects(s.spec.selector, p.pod.metadata.labels),
      ) ||
      workloads.some(
        (w) =>
          w.metadata.namespace === namespace &&
          selects(s.spec.selector, w.spec.template.metadata.labels),
      );
    return [{ record, selectsPods }];
  });
}
