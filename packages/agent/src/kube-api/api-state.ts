/**
 * What the Kubernetes API serves, kept in step with the node: every pod (from the runtime's
 * change events, with its resourceVersion and watch history), the ConfigMaps and Secrets the
 * runtime remembers, and the namespaces in use. Pods made by `podkit up`, by controllers and
 * through this API are the same records: each client sees the others' pods.
 */
import { hostname } from 'node:os';
import type { NodeRuntime, PodChange } from '@podkit/runtime/node';
import type { PodRecord } from '@podkit/runtime';
import {
  configMapObject,
  eventObject,
  namespaceObject,
  podObject,
  secretObject,
  type ApiObject,
  type ApiPod,
} from './objects.js';
import { ClusterObjects, CLUSTER_RESOURCES, type ClusterRuntime } from './cluster-state.js';
import { CreatedNamespaces, type KeptNamespace } from './namespaces.js';
import { ResourceVersionClock, WatchCache } from './watch-cache.js';

/** The namespaces a cluster starts with (kubeadm's), listed whether or not anything uses them. */
export const BUILTIN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

export type StateRuntime = Pick<NodeRuntime, 'subscribe' | 'list' | 'events' | 'configObjects'> &
  ClusterRuntime;

export class KubeApiState {
  readonly clock: ResourceVersionClock;
  readonly pods: WatchCache<ApiPod>;
  readonly configMaps: WatchCache<ApiObject>;
  readonly secrets: WatchCache<ApiObject>;
  /** Services, Endpoints, claims and workloads. */
  readonly cluster: ClusterObjects;
  /** The namespaces created through the API. */
  createdNamespaces: CreatedNamespaces | undefined;
  readonly nodeName: string;
  readonly startedAt: string;
  readonly #rt: StateRuntime;
  readonly #firstSeen = new Map<string, string>();
  /** The pods' records as last announced, by uid (what workload status is counted from). */
  readonly #records = new Map<string, PodRecord>();
  #off: (() => void) | undefined;

  private constructor(
    rt: StateRuntime,
    clock: ResourceVersionClock,
    nodeName: string,
    log: (line: string) => void,
  ) {
    this.#rt = rt;
    this.clock = clock;
    this.nodeName = nodeName;
    this.startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.pods = new WatchCache(clock);
    this.configMaps = new WatchCache(clock);
    this.secrets = new WatchCache(clock);
    this.cluster = new ClusterObjects(rt, clock, () => [...this.#records.values()], log);
  }

  /**
   * Follows the runtime's pods from now on: changes announced while the records are read are
   * applied after them (an announced change is never older than the record on disk).
   */
  static async open(
    rt: StateRuntime,
    options: {
      clock?: ResourceVersionClock;
      nodeName?: string;
      log?: (line: string) => void;
      /** Where the namespaces created through the API are kept. */
      namespacesFile?: string;
    } = {},
  ): Promise<KubeApiState> {
    const state = new KubeApiState(
      rt,
      options.clock ?? new ResourceVersionClock(),
      options.nodeName ?? hostname(),
      options.log ?? (() => undefined),
    );
    let held: PodChange[] | undefined = [];
    state.#off = rt.subscribe((c) => {
      if (held !== undefined) held.push(c);
      else state.#apply(c);
    });
    for (const r of await rt.list()) state.#putRecord(r);
    const pending = held;
    held = undefined;
    for (const c of pending) state.#apply(c);
    await state.cluster.refreshed();
    state.createdNamespaces = await CreatedNamespaces.load(options.namespacesFile);
    return state;
  }

  #apply(c: PodChange): void {
    if (c.type === 'changed') this.#putRecord(c.record);
    else {
      this.#records.delete(c.uid);
      this.pods.remove(c.uid);
      this.cluster.changed();
    }
  }

  #putRecord(r: PodRecord): void {
    this.#records.set(r.uid, r);
    this.pods.put(r.uid, podObject(r, this.nodeName));
    this.cluster.changed();
  }

  /** The ConfigMaps and Secrets as the runtime holds them now (their cache brought up to date). */
  refreshConfig(): void {
    const { configMaps, secrets } = this.#rt.configObjects();
    const sync = <T extends { metadata: { namespace: string; name: string } }>(
      cache: WatchCache<ApiObject>,
      kind: string,
      objects: readonly T[],
      convert: (o: T, created: string) => ApiObject,
    ): void => {
      const seen = new Set<string>();
      for (const o of objects) {
        const key = `${o.metadata.namespace}/${o.metadata.name}`;
        seen.add(key);
        const fk = `${kind}/${key}`;
        let created = this.#firstSeen.get(fk);
        if (created === undefined) this.#firstSeen.set(fk, (created = this.startedAt));
        cache.put(key, convert(o, created));
      }
      for (const o of cache.list().items) {
        const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        if (!seen.has(key)) cache.remove(key);
      }
    };
    sync(this.configMaps, 'ConfigMap', configMaps, configMapObject);
    sync(this.secrets, 'Secret', secrets, secretObject);
  }

  /** When a ConfigMap or Secret created through the API was first seen (its creationTimestamp). */
  markCreated(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): void {
    this.#firstSeen.set(
      `${kind}/${namespace}/${name}`,
      new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    );
  }

  /** The namespaces some object uses (the built-in ones aside). */
  namespacesInUse(): Set<string> {
    this.refreshConfig();
    const names = new Set<string>();
    for (const c of [
      this.pods,
      this.configMaps,
      this.secrets,
      ...CLUSTER_RESOURCES.map((r) => this.cluster.cache(r)),
    ])
      for (const o of c.list().items) names.add(o.metadata.namespace ?? 'default');
    return names;
  }

  /** The built-in namespaces, those created through the API and every namespace an object uses. */
  namespaces(): ApiObject[] {
    const created = this.createdNamespaces?.entries() ?? new Map<string, KeptNamespace>();
    const names = new Set([...BUILTIN_NAMESPACES, ...created.keys(), ...this.namespacesInUse()]);
    return [...names].sort().map((n) => {
      const o = namespaceObject(
        n,
        created.get(n) ?? { at: this.startedAt, labels: {}, annotations: {} },
      );
      return { ...o, metadata: { ...o.metadata, resourceVersion: String(this.clock.current) } };
    });
  }

  /** Every pod's events as core/v1 Events, oldest first. */
  async events(namespace: string | undefined): Promise<ApiObject[]> {
    const records = (await this.#rt.list()).filter(
      (r) => namespace === undefined || r.namespace === namespace,
    );
    const out: { at: number; event: ApiObject }[] = [];
    for (const r of records) {
      const events = await this.#rt.events(r.uid).catch(() => []);
      events.forEach((e, i) =>
        out.push({ at: Date.parse(e.time), event: eventObject(r, e, i, this.nodeName) }),
      );
    }
    const rv = String(this.clock.current);
    // By the events' own (sub-second) times: the objects' timestamps are whole seconds.
    return out
      .sort((a, b) => a.at - b.at)
      .map(({ event: e }) => ({ ...e, metadata: { ...e.metadata, resourceVersion: rv } }));
  }

  close(): void {
    this.#off?.();
    this.cluster.close();
  }
}
