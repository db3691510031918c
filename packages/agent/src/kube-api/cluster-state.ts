/**
 * The Services, Endpoints, claims and workloads the API serves, each resource a WatchCache
 * kept in step with the node: a change of a workload, a Service or any pod (a workload's
 * status and a Service's endpoints are counted from the pods) schedules one refresh, coalesced,
 * which recomputes every object and records what changed (unchanged objects keep their
 * resourceVersion). A write through the API awaits a refresh before it answers.
 */
import { CoalescedLoop } from '@podkit/kit';
import type { PodRecord } from '@podkit/runtime';
import type { NodeRuntime } from '@podkit/runtime/node';
import { workloadViews } from '../workloads/workload-objects.js';
import { claimObject, endpointsObject, serviceObject, workloadObject } from './cluster-objects.js';
import type { ApiObject } from './objects.js';
import { WatchCache, type ResourceVersionClock } from './watch-cache.js';

export type ClusterRuntime = Pick<
  NodeRuntime,
  'listWorkloads' | 'listServices' | 'listClaims' | 'subscribeWorkloads' | 'subscribeServices'
>;

/** The resources kept here, by their URL name. */
export const CLUSTER_RESOURCES = [
  'services',
  'endpoints',
  'persistentvolumeclaims',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'jobs',
] as const;
export type ClusterResource = (typeof CLUSTER_RESOURCES)[number];

const WORKLOAD_RESOURCE = {
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
} as const;

export class ClusterObjects {
  readonly #caches: Record<ClusterResource, WatchCache<ApiObject>>;
  readonly #rt: ClusterRuntime;
  readonly #pods: () => readonly PodRecord[];
  readonly #loop: CoalescedLoop;
  readonly #off: (() => void)[] = [];

  constructor(
    rt: ClusterRuntime,
    clock: ResourceVersionClock,
    pods: () => readonly PodRecord[],
    log: (line: string) => void,
  ) {
    this.#rt = rt;
    this.#pods = pods;
    this.#caches = Object.fromEntries(
      CLUSTER_RESOURCES.map((r) => [r, new WatchCache<ApiObject>(clock)]),
    ) as Record<ClusterResource, WatchCache<ApiObject>>;
    this.#loop = new CoalescedLoop(
      () => this.#refresh(),
      (err: unknown) => {
        log(`kube-api: refreshing objects: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    this.#off.push(
      rt.subscribeWorkloads(() => {
        this.#loop.changed();
      }),
      rt.subscribeServices(() => {
        this.#loop.changed();
      }),
    );
  }

  cache(resource: ClusterResource): WatchCache<ApiObject> {
    return this.#caches[resource];
  }

  /** Something the objects are counted from changed (a pod). */
  changed(): void {
    this.#loop.changed();
  }

  /** Every object up to date with the node as it is now. */
  async refreshed(): Promise<void> {
    this.#loop.changed();
    await this.#loop.settled();
  }

  async #refresh(): Promise<void> {
    const [workloads, services, claims] = await Promise.all([
      this.#rt.listWorkloads(),
      this.#rt.listServices(),
      this.#rt.listClaims(),
    ]);
    const pods = this.#pods();
    const now = Date.now();
    const key = (o: ApiObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const next: Record<ClusterResource, ApiObject[]> = {
      services: services.map(serviceObject),
      endpoints: services.map((s) => endpointsObject(s, pods)),
      persistentvolumeclaims: claims.map(claimObject),
      deployments: [],
      replicasets: [],
      statefulsets: [],
      daemonsets: [],
      jobs: [],
    };
    for (const view of workloadViews(workloads, pods, now))
      next[WORKLOAD_RESOURCE[view.record.kind]].push(workloadObject(view));
    for (const resource of CLUSTER_RESOURCES) {
      const cache = this.#caches[resource];
      const seen = new Set<string>();
      for (const o of next[resource]) {
        seen.add(key(o));
        cache.put(key(o), o);
      }
      for (const o of cache.list().items) if (!seen.has(key(o))) cache.remove(key(o));
    }
  }

  close(): void {
    for (const off of this.#off) off();
    this.#loop.close();
  }
}
