/**
 * The ObjectStore of each stored resource: which cache answers, how a write reaches the node
 * (NodeRuntime.apply, as `podkit up` applies a file: claims, Services, ConfigMaps/Secrets and
 * workloads, each created or updated) and how a delete does.
 */
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode, type WorkloadKind } from '@podkit/runtime';
import type { NodeRuntime } from '@podkit/runtime/node';
import type { ManifestSet } from '@podkit/runtime/spec';
import type { KubeApiState } from './api-state.js';
import type { ClusterResource } from './cluster-state.js';
import type { ObjectStore, Tabler } from './object-handler.js';
import { findResource, type Group } from './resources.js';
import { failure, invalid, KubeApiError, type StatusCause } from './status.js';
import {
  claimTable,
  daemonSetTable,
  deploymentTable,
  endpointsTable,
  jobTable,
  replicaSetTable,
  serviceTable,
  statefulSetTable,
} from './cluster-tables.js';
import { configMapTable, secretTable } from './tables.js';

export type StoreRuntime = Pick<
  NodeRuntime,
  'apply' | 'removeWorkload' | 'removeService' | 'removeClaim' | 'rememberConfig' | 'forgetConfig'
>;

/** A write through NodeRuntime.apply, its refusals turned into the API server's answers. */
async function applySet(rt: StoreRuntime, set: ManifestSet, group: string): Promise<void> {
  const { file: _, diagnostics: __, ...objects } = set;
  try {
    await rt.apply({ ...objects });
  } catch (err) {
    if (err instanceof PodkitError) {
      const o = [
        ...set.services,
        ...set.persistentVolumeClaims,
        ...set.deployments,
        ...set.replicaSets,
        ...set.statefulSets,
        ...set.jobs,
        ...set.daemonSets,
      ][0];
      const kind = o?.kind ?? 'object';
      // The runtime names the object and its origin first (`Deployment ns/web (file:1): …`):
      // the Status names the object already.
      const where = o === undefined ? '' : `${kind} ${o.metadata.namespace}/${o.metadata.name} (`;
      const message =
        where !== '' && err.message.startsWith(where) && err.message.includes('): ')
          ? err.message.slice(err.message.indexOf('): ') + 3)
          : err.message;
      throw new KubeApiError(invalid(kind, o?.metadata.name ?? '', [causeOf(message)], group), {
        cause: err,
      });
    }
    throw err;
  }
}

const WORKLOADS: Record<string, WorkloadKind> = {
  deployments: 'Deployment',
  replicasets: 'ReplicaSet',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  jobs: 'Job',
};

const TABLES: Record<ClusterResource, Tabler> = {
  services: serviceTable,
  endpoints: endpointsTable,
  persistentvolumeclaims: claimTable,
  deployments: deploymentTable,
  replicasets: replicaSetTable,
  statefulsets: statefulSetTable,
  daemonsets: daemonSetTable,
  jobs: jobTable,
};

/** Server-filled fields of each kind, dropped before an object is admitted again. */
export function forAdmission(
  resource: string,
): ((o: Record<string, unknown>) => Record<string, unknown>) | undefined {
  const specWithout =
    (...fields: string[]) =>
    (o: Record<string, unknown>): Record<string, unknown> => {
      const spec = { ...((o.spec ?? {}) as Record<string, unknown>) };
      for (const f of fields) Reflect.deleteProperty(spec, f);
      return { ...o, spec };
    };
  switch (resource) {
    case 'services':
      return specWithout(
        'clusterIPs',
        'ipFamilies',
        'ipFamilyPolicy',
        'internalTrafficPolicy',
        'externalTrafficPolicy',
      );
    case 'persistentvolumeclaims':
      return specWithout('volumeName', 'volumeMode');
    case 'deployments':
      return specWithout('progressDeadlineSeconds');
    case 'statefulsets':
      return specWithout('persistentVolumeClaimRetentionPolicy');
    case 'daemonsets':
      return specWithout('revisionHistoryLimit');
    case 'jobs':
      return specWithout('suspend');
    default:
      return undefined;
  }
}

/** The store of `resource` in `group`, or undefined when it is not one of these. */
export function storeFor(
  group: Group,
  resource: string,
  state: KubeApiState,
  rt: StoreRuntime,
): ObjectStore | undefined {
  const info = findResource(group, resource);
  if (info === undefined) return undefined;
  if (resource === 'configmaps' || resource === 'secrets') {
    const kind = resource === 'configmaps' ? 'ConfigMap' : 'Secret';
    return {
      info,
      cache: resource === 'configmaps' ? state.configMaps : state.secrets,
      refresh: () => {
        state.refreshConfig();
      },
      table: resource === 'configmaps' ? configMapTable : secretTable,
      write: (set, existing) => {
        const o = set.configMaps[0] ?? set.secrets[0];
        if (o !== undefined && existing === undefined)
          state.markCreated(kind, o.metadata.namespace, o.metadata.name);
        rt.rememberConfig(set.configMaps, set.secrets);
        return Promise.resolve();
      },
      remove: (namespace, name) => {
        rt.forgetConfig(kind, namespace, name);
        return Promise.resolve();
      },
    };
  }
  const cluster = resource as ClusterResource;
  if (!Object.hasOwn(TABLES, cluster)) return undefined;
  const store: ObjectStore = {
    info,
    cache: state.cluster.cache(cluster),
    refresh: () => state.cluster.refreshed(),
    table: TABLES[cluster],
  };
  const strip = forAdmission(resource);
  if (strip !== undefined) store.forAdmission = strip;
  if (resource === 'endpoints') return store; // kept by the Services' controller
  store.write = (set) => applySet(rt, set, group);
  const workload = WORKLOADS[resource];
  store.remove = async (namespace, name) => {
    if (workload !== undefined) await rt.removeWorkload(workload, namespace, name);
    else if (resource === 'services') await rt.removeService(namespace, name);
    else {
      try {
        await rt.removeClaim(namespace, name);
      } catch (err) {
        if (err instanceof PodkitError && err.code === RuntimeErrorCode.CLAIM_IN_USE)
          throw new KubeApiError(
            failure('Conflict', `persistentvolumeclaims "${name}": ${err.message}`, {
              name,
              kind: 'persistentvolumeclaims',
            }),
            { cause: err },
          );
        throw err;
      }
    }
  };
  return store;
}

/** A runtime refusal as a Status cause: `spec.selector is immutable …` names its field. */
function causeOf(message: string): StatusCause {
  const m = /^((?:spec|metadata)\.[\w.[\]]+) (.*)$/s.exec(message);
  return m === null
    ? { reason: 'FieldValueInvalid', field: 'spec', message: `Invalid value: ${message}` }
    : {
        reason: 'FieldValueInvalid',
        field: m[1] ?? 'spec',
        message: `Invalid value: ${m[2] ?? ''}`,
      };
}
