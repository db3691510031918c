import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode, claimError } from '../errors.js';
import { checkNamedTargetPorts } from '../services/named-target-ports.js';
import { getImage, type ImageRecord } from '../images/image-store.js';
import { mountsUnder } from '../host/mounts.js';
import { collectGarbage } from '../sandbox/index.js';
import type {
  ConfigMap,
  Deployment,
  PersistentVolumeClaim,
  Pod,
  ReplicaSet,
  Secret,
  Service,
  StatefulSet,
} from '../spec/types.js';
import {
  applyClaimRecords,
  ensureClaimRecords,
  listClaimRecords,
  removeClaimRecord,
  type ClaimRecord,
} from '../claims/claim-store.js';
import { missingClaims } from '../claims/claim-references.js';
import {
  applyWorkloadRecords,
  listWorkloadRecords,
  removeWorkloadRecord,
  writeWorkloadRecord,
  type Workload,
  type WorkloadKind,
  type WorkloadRecord,
} from '../workloads/workload-store.js';
import type { DaemonSet } from '../spec/daemonset.js';
import type { Job } from '../spec/job.js';
import {
  applyServiceRecords,
  listServiceRecords,
  removeServiceRecord,
  serviceEnvVars,
  type ServiceRecord,
} from '../services/index.js';
import { acquireLock, type FileLock } from '../state/lock.js';
import {
  isProcessAlive,
  processIdentity,
  type ProcessIdentity,
} from '../state/process-identity.js';
import { ensureStateLayout, type StateLayout } from '../state/state-root.js';
import { AdmissionError, admitPod, podPortMappings } from '../pod/admission.js';
import { podChange } from '../pod/pod-change.js';
import type { PodPullOptions } from '../pod/pod-images.js';
import { loadPodNetwork } from '../pod/network-config.js';
import type { Leftover } from '../sandbox/index.js';
import { releasePodResources } from '../pod/pod-release.js';
import { loadPodObjects, releasePodObjects, savePodObjects } from '../pod/pod-objects.js';
import type { PodObjects } from '../pod/container-env.js';
import { nowRfc3339, type PodEvent } from '../pod/pod-status.js';
import {
  findPodRecord,
  listPodRecords,
  readPodEvents,
  writePodRecord,
  type PodRecord,
} from '../pod/pod-store.js';
import {
  KUBELET_BACKOFF,
  PodWorker,
  type BackoffPolicy,
  type PodMetadataUpdate,
} from '../pod/pod-worker.js';
import { traceMark } from '../trace.js';
import type { RuncProcess } from '../runc/runc.js';
import { podLog, type PodLogOptions } from './container-log.js';
import { execInContainer, type ExecOptions } from './container-exec.js';
import { dialPodPort } from './pod-dial.js';

export interface NodeRuntimeOptions {
  layout: StateLayout;
  /** Paths a host-image container must not see besides the defaults. */
  hiddenHostPaths?: readonly string[] | undefined;
  /** Diagnostics of the runtime itself (adoption, failures of a pod's supervision). */
  log?: ((message: string) => void) | undefined;
  /** The cluster DNS pods with dnsPolicy ClusterFirst resolve through (the agent's). */
  clusterDns?: { nameserver: string; domain: string } | undefined;
  /** Awaited (bounded) before a pod's graceful stop signals anything: PodWorkerOptions.beforeStop. */
  beforeStop?: ((record: PodRecord) => Promise<void>) | undefined;
}

/** What `apply` starts: the Pods of one manifest with the objects they reference. */
export interface ApplyInput {
  pods: readonly Pod[];
  /** Created or updated before the pods (whose env then has their variables). */
  services?: readonly Service[] | undefined;
  /**
   * Created or updated after the Services, before the pods: their controllers (the agent's)
   * create their pods, with the ConfigMaps and Secrets of this input.
   */
  deployments?: readonly Deployment[] | undefined;
  replicaSets?: readonly ReplicaSet[] | undefined;
  statefulSets?: readonly StatefulSet[] | undefined;
  /** Created (bound to their directories) first: the file's workloads and pods mount them. */
  persistentVolumeClaims?: readonly PersistentVolumeClaim[] | undefined;
  jobs?: readonly Job[] | undefined;
  daemonSets?: readonly DaemonSet[] | undefined;
  /**
   * The source every record of the input names; undefined: each object's own file
   * (`origin.file`), as when the input is several files applied together.
   */
  source?: string | undefined;
  configMaps: readonly ConfigMap[];
  secrets: readonly Secret[];
  /** CrashLoopBackOff base/cap/reset in ms (tests scale them down). */
  backoff?: Partial<BackoffPolicy> | undefined;
  /** Registry settings and progress for admission's pulls. */
  pull?: PodPullOptions | undefined;
  /**
   * A re-`up`, as compose users do: a pod of the input that exists but ended (released,
   * Succeeded or Failed) is removed first and told here. A pod that still runs is left alone
   * (admission then says to remove it first). Without it, an existing pod fails admission.
   */
  onReplaced?: ((ended: PodRecord) => void) | undefined;
  /**
   * With it (a re-`up`): a pod of the input that runs already with the same labels,
   * annotations and spec is left running, told here and returned as if started (kubectl
   * apply's "unchanged"); one that differs is refused with the first field that does (a Pod
   * is not updated in place). Without it, an existing pod fails admission.
   */
  onUnchanged?: ((running: PodRecord) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface RemoveOptions {
  /** Kill at once instead of honouring the grace period. */
  force?: boolean | undefined;
  /** How long to wait for the pod to stop before killing it (default: grace + 30 s). */
  timeoutMs?: number | undefined;
  /** Told what the removal waits for, and how long at most. */
  onWait?: ((message: string) => void) | undefined;
}

export type { PodMetadataUpdate } from '../pod/pod-worker.js';

/** A change of a pod: its record as now, or its removal. */
export type PodChange =
  | { type: 'changed'; record: PodRecord }
  | { type: 'removed'; uid: string; namespace: string; name: string };

interface Running {
  worker: PodWorker;
  done: Promise<void>;
}

/** What `gc` removed. */
export interface GcReport {
  pods: string[];
  leftovers: Leftover[];
  errors: Error[];
}

/**
 * The local kubelet of one state root: runs every pod of the machine in this process (the
 * agent's), each by a PodWorker, with containers held by conmon. At most one per state root
 * (a lock): opening it adopts every pod an earlier one left running. This is the runtime's
 * face to the agent; the CLI never uses it directly.
 *
 * @example
 *   await using rt = await NodeRuntime.open({ layout });
 *   const [record] = await rt.apply({ pods, configMaps: [], secrets: [] });
 *   await rt.remove(record.namespace, record.name);
 */
export class NodeRuntime implements AsyncDisposable {
  readonly layout: StateLayout;
  readonly #o: NodeRuntimeOptions;
  readonly #lock: FileLock;
  readonly #self: ProcessIdentity;
  readonly #running = new Map<string, Running>();
  readonly #changes = new EventEmitter();
  /**
   * The ConfigMaps and Secrets applied last, by namespace: what a controller's new pod is
   * admitted with (kept in memory only: secrets never reach the disk). After an agent
   * restart, a pod's siblings' objects (on their tmpfs) stand in for them.
   */
  readonly #config = new Map<
    string,
    { configMaps: Map<string, ConfigMap>; secrets: Map<string, Secret> }
  >();
  #closed = false;

  private constructor(options: NodeRuntimeOptions, lock: FileLock, self: ProcessIdentity) {
    this.layout = options.layout;
    this.#o = options;
    this.#lock = lock;
    this.#self = self;
    this.#changes.setMaxListeners(0);
  }

  /** The lock file that makes this runtime the only one of its state root. */
  static lockPath(layout: StateLayout): string {
    return path.join(layout.locksDir, 'agent.lock');
  }

  /**
   * Takes the state root (AGENT_RUNNING when another process has it) and adopts every pod an
   * earlier runtime left: exits that happened meanwhile are applied, probes resume.
   */
  static async open(options: NodeRuntimeOptions): Promise<NodeRuntime> {
    const { layout } = options;
    await ensureStateLayout(layout);
    const self = await processIdentity(process.pid);
    if (self === undefined) throw new Error('cannot read /proc/self/stat');
    let lock: FileLock;
    try {
      lock = await acquireLock(NodeRuntime.lockPath(layout), {
        what: `the podkit agent of ${layout.root}`,
      });
    } catch (err) {
      throw new PodkitError(
        RuntimeErrorCode.AGENT_RUNNING,
        `another podkit agent runs for the state root ${layout.root}`,
        { cause: err, hint: '`podkit agent stop` stops it; pods keep running' },
      );
    }
    const rt = new NodeRuntime(options, lock, self);
    await rt.#adoptAll();
    return rt;
  }

  /** The process that supervises this runtime's pods (recorded as each pod's worker). */
  get identity(): ProcessIdentity {
    return this.#self;
  }

  /** Listens to every pod change; returns the function that stops listening. */
  subscribe(listener: (change: PodChange) => void): () => void {
    this.#changes.on('change', listener);
    return () => this.#changes.off('change', listener);
  }

  #emit(change: PodChange): void {
    this.#changes.emit('change', change);
  }

  /** Every pod record of the state root. */
  list(): Promise<PodRecord[]> {
    return listPodRecords(this.layout);
  }

  find(namespace: string, name: string): Promise<PodRecord | undefined> {
    return findPodRecord(this.layout, name, namespace);
  }

  /** The pod `name`, or POD_NOT_FOUND with what to do. */
  async require(namespace: string, name: string): Promise<PodRecord> {
    const r = await this.find(namespace, name);
    if (r === undefined) {
      throw new PodkitError(
        RuntimeErrorCode.POD_NOT_FOUND,
        `no pod named "${name}" in namespace "${namespace}"`,
        {
          hint: 'see `podkit ps -a` for the pods there are',
        },
      );
    }
    return r;
  }

  events(uid: string): Promise<PodEvent[]> {
    return readPodEvents(this.layout, uid);
  }

  /**
   * Admits and starts the pods of one apply (a file, or several applied as one set), after
   * its claims, Services, ConfigMaps/Secrets and workloads. Each pod is atomic (admission creates nothing
   * when it fails); when a later pod fails, the ones started here are removed again, so a file
   * comes up whole or not at all.
   */
  async apply(input: ApplyInput): Promise<PodRecord[]> {
    this.#assertOpen();
    const started: PodRecord[] = [];
    const { fresh, unchanged } = await this.#againstExisting(input);
    const services = input.services ?? [];
    const workloads: Workload[] = [
      ...(input.deployments ?? []),
      ...(input.replicaSets ?? []),
      ...(input.statefulSets ?? []),
      ...(input.jobs ?? []),
      ...(input.daemonSets ?? []),
    ];
    checkNamedTargetPorts(services, input.pods, workloads);
    const claims = input.persistentVolumeClaims ?? [];
    // A template naming a claim that neither the file nor the machine has: its pods could never
    // start (the kubelet would keep them Pending); refused before anything is created.
    const missing = missingClaims(workloads, claims, await this.listClaims());
    if (missing.length > 0)
      throw claimError(RuntimeErrorCode.CLAIM_NOT_FOUND, missing.join('; '), {
        hint: 'add the PersistentVolumeClaim to the file (or apply it first), or fix claimName',
      });
    const before = new Set(
      (services.length === 0 ? [] : await this.listServices()).map((r) => serviceKey(r.service)),
    );
    const workloadsBefore = new Set(
      (workloads.length === 0 ? [] : await this.listWorkloads()).map((r) => r.uid),
    );
    const newClaims = await this.applyClaims(claims, input.source, input.signal);
    try {
      await this.applyServices(services, input.source, input.signal);
    } catch (err) {
      await this.#removeNewClaims(newClaims);
      throw err;
    }
    this.#remember(input.configMaps, input.secrets);
    let applied: WorkloadRecord[] = [];
    try {
      applied = await this.applyWorkloads(workloads, input.source, input.signal);
      for (const pod of fresh) started.push(await this.#up(pod, input));
    } catch (err) {
      for (const r of started)
        await this.remove(r.namespace, r.name, { force: true }).catch(() => undefined);
      // Workloads and Services this apply created go too (updated ones keep their new spec).
      for (const w of applied)
        if (!workloadsBefore.has(w.uid))
          await this.removeWorkload(w.kind, w.object.metadata.namespace, w.object.metadata.name);
      for (const s of services)
        if (!before.has(serviceKey(s)))
          await this.removeService(s.metadata.namespace, s.metadata.name).catch(() => false);
      await this.#removeNewClaims(newClaims);
      throw err;
    }
    for (const r of unchanged) input.onUnchanged?.(r);
    // In the file's order.
    const byName = new Map([...unchanged, ...started].map((r) => [`${r.namespace}/${r.name}`, r]));
    return input.pods.flatMap((p) => {
      const r = byName.get(`${p.metadata.namespace}/${p.metadata.name}`);
      return r === undefined ? [] : [r];
    });
  }

  /**
   * The input's pods against the node's, in one look (a re-`up`, as compose users do): with
   * onReplaced, a pod that ended (released, Succeeded or Failed) is removed and made again;
   * with onUnchanged, one that runs with the same manifest is left running, and one whose
   * manifest changed is refused before anything is applied. Every other pod is `fresh`:
   * admission takes it (and refuses a name that exists).
   */
  async #againstExisting(
    input: ApplyInput,
  ): Promise<{ fresh: readonly Pod[]; unchanged: PodRecord[] }> {
    if (input.onReplaced === undefined && input.onUnchanged === undefined)
      return { fresh: input.pods, unchanged: [] };
    const existing = await this.list();
    const fresh: Pod[] = [];
    const unchanged: PodRecord[] = [];
    const ended: PodRecord[] = [];
    for (const pod of input.pods) {
      const { name, namespace } = pod.metadata;
      const r = existing.find((x) => x.name === name && x.namespace === namespace);
      const over =
        r !== undefined &&
        (r.released || r.status.phase === 'Succeeded' || r.status.phase === 'Failed');
      if (r === undefined || (over && input.onReplaced === undefined)) {
        fresh.push(pod);
      } else if (over) {
        ended.push(r);
        fresh.push(pod);
      } else if (input.onUnchanged === undefined || r.deletionTimestamp !== undefined) {
        fresh.push(pod);
      } else {
        const change = podChange(r.pod, pod);
        if (change !== undefined)
          throw new AdmissionError(pod, [
            `pod "${name}" runs already and ${change} differs in the file: a Pod is not updated in place (Kubernetes forbids it too); run \`podkit down ${name}\` and then \`up\` again, or make it a Deployment, whose pods are replaced by a rolling update`,
          ]);
        unchanged.push(r);
      }
    }
    for (const r of ended) {
      await this.remove(r.namespace, r.name, { force: true });
      input.onReplaced?.(r);
    }
    return { fresh, unchanged };
  }

  /**
   * The ConfigMaps and Secrets applied last (by `up`, or created through the Kubernetes API),
   * every namespace: what the agent's Kubernetes API lists. In memory only.
   */
  configObjects(): { configMaps: ConfigMap[]; secrets: Secret[] } {
    const configMaps: ConfigMap[] = [];
    const secrets: Secret[] = [];
    for (const c of this.#config.values()) {
      configMaps.push(...c.configMaps.values());
      secrets.push(...c.secrets.values());
    }
    return { configMaps, secrets };
  }

  /** Keeps ConfigMaps and Secrets for the pods created after them (the Kubernetes API's create). */
  rememberConfig(configMaps: readonly ConfigMap[], secrets: readonly Secret[]): void {
    this.#remember(configMaps, secrets);
  }

  /**
   * Forgets a ConfigMap or Secret (a Kubernetes API delete): pods made after this do not find
   * it; running pods keep the copy they were started with. False when none was remembered.
   */
  forgetConfig(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): boolean {
    const c = this.#config.get(namespace);
    if (c === undefined) return false;
    return (kind === 'ConfigMap' ? c.configMaps : c.secrets).delete(name);
  }

  #remember(configMaps: readonly ConfigMap[], secrets: readonly Secret[]): void {
    const of = (ns: string) => {
      let c = this.#config.get(ns);
      if (c === undefined)
        this.#config.set(ns, (c = { configMaps: new Map(), secrets: new Map() }));
      return c;
    };
    for (const m of configMaps) of(m.metadata.namespace).configMaps.set(m.metadata.name, m);
    for (const x of secrets) of(x.metadata.namespace).secrets.set(x.metadata.name, x);
  }

  /** Claims this apply created go again when it fails (they are new and empty). */
  async #removeNewClaims(created: readonly ClaimRecord[]): Promise<void> {
    for (const r of created)
      await removeClaimRecord(this.layout, r.claim.metadata.namespace, r.claim.metadata.name).catch(
        () => false,
      );
  }

  /** Runs `fn` holding the state root's lock (applies, removals and gc, one at a time). */
  async #underRootLock<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const lock = await acquireLock(this.layout.globalLockPath, {
      wait: true,
      what: 'the podkit state root',
      signal,
    });
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  /** Every PersistentVolumeClaim of the node, by namespace then name. */
  listClaims(): Promise<ClaimRecord[]> {
    return listClaimRecords(this.layout);
  }

  /**
   * Creates or updates the claims of one file under the state root's lock, all or none; each
   * new one is bound to a directory of its own. Returns the ones created.
   */
  async applyClaims(
    claims: readonly PersistentVolumeClaim[],
    source: string | undefined,
    signal?: AbortSignal,
  ): Promise<ClaimRecord[]> {
    this.#assertOpen();
    if (claims.length === 0) return [];
    return this.#underRootLock(async () => {
      return (await applyClaimRecords(this.layout, claims, source)).created;
    }, signal);
  }

  /** The claims a controller needs: missing ones created, existing ones kept as they are. */
  async ensureClaims(
    claims: readonly PersistentVolumeClaim[],
    source: string,
  ): Promise<ClaimRecord[]> {
    this.#assertOpen();
    if (claims.length === 0) return [];
    return this.#underRootLock(async () => {
      return await ensureClaimRecords(this.layout, claims, source);
    });
  }

  /**
   * Removes a claim and its directory with the data; false when there was none. A claim a pod
   * still mounts (not yet released) is kept (CLAIM_IN_USE), as Kubernetes' pvc-protection
   * keeps it while a pod uses it.
   */
  async removeClaim(namespace: string, name: string): Promise<boolean> {
    this.#assertOpen();
    return this.#underRootLock(async () => {
      const users = (await this.list()).filter(
        (r) =>
          !r.released &&
          r.namespace === namespace &&
          r.pod.spec.volumes.some((v) => v.persistentVolumeClaim?.claimName === name),
      );
      if (users.length > 0)
        throw claimError(
          RuntimeErrorCode.CLAIM_IN_USE,
          `PersistentVolumeClaim ${namespace}/${name} is in use by pod ${users.map((u) => u.name).join(', ')}`,
          { hint: 'remove the pods (or their workload) first: `podkit down -f FILE`' },
        );
      return await removeClaimRecord(this.layout, namespace, name);
    });
  }

  /** Every workload of the node (Deployments, ReplicaSets, Jobs, DaemonSets). */
  listWorkloads(): Promise<WorkloadRecord[]> {
    return listWorkloadRecords(this.layout);
  }

  /**
   * Creates or updates the workloads of one file under the state root's lock, all or none.
   * Listeners of subscribeWorkloads hear of it.
   */
  async applyWorkloads(
    workloads: readonly Workload[],
    source: string | undefined,
    signal?: AbortSignal,
  ): Promise<WorkloadRecord[]> {
    this.#assertOpen();
    if (workloads.length === 0) return [];
    const out = await this.#underRootLock(
      () => applyWorkloadRecords(this.layout, workloads, source),
      signal,
    );
    this.#changes.emit('workloads');
    return out;
  }

  /** Writes a workload record as a controller made it (a ReplicaSet, a new replica count). */
  async writeWorkload(record: WorkloadRecord): Promise<void> {
    await writeWorkloadRecord(this.layout, record);
    this.#changes.emit('workloads');
  }

  /** Removes a workload's record (its dependents go by the controllers' GC); false when none. */
  async removeWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<boolean> {
    const had = await removeWorkloadRecord(this.layout, kind, namespace, name);
    if (had) this.#changes.emit('workloads');
    return had;
  }

  /** Told whenever the node's workloads change. Returns the unsubscribe function. */
  subscribeWorkloads(listener: () => void): () => void {
    this.#changes.on('workloads', listener);
    return () => this.#changes.off('workloads', listener);
  }

  /**
   * Admits and starts one pod a controller made (owner references set): with the ConfigMaps
   * and Secrets last applied in its namespace, completed from those a running sibling (same
   * owner) was started with — after an agent restart only those remain.
   */
  async createOwnedPod(
    pod: Pod,
    options: {
      backoff?: Partial<BackoffPolicy> | undefined;
      signal?: AbortSignal | undefined;
      /** Claims the pod needs that its controller makes (a StatefulSet's): created first when missing. */
      claims?: readonly PersistentVolumeClaim[] | undefined;
      /** The file the claims are said to come from. */
      claimSource?: string | undefined;
    } = {},
  ): Promise<PodRecord> {
    this.#assertOpen();
    if (options.claims !== undefined && options.claims.length > 0)
      await this.ensureClaims(options.claims, options.claimSource ?? pod.origin.file);
    const ns = pod.metadata.namespace;
    const known = this.#config.get(ns);
    const configMaps = new Map(known?.configMaps);
    const secrets = new Map(known?.secrets);
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller)?.uid;
    if (owner !== undefined) {
      const sibling = (await this.list()).find(
        (r) =>
          !r.released &&
          r.namespace === ns &&
          r.pod.metadata.ownerReferences?.some((o) => o.uid === owner) === true,
      );
      if (sibling !== undefined) {
        const theirs = await loadPodObjects(this.layout.podDir(sibling.uid));
        for (const [k, v] of theirs.configMaps) if (!configMaps.has(k)) configMaps.set(k, v);
        for (const [k, v] of theirs.secrets) if (!secrets.has(k)) secrets.set(k, v);
      }
    }
    return this.#up(pod, {
      pods: [pod],
      configMaps: [...configMaps.values()],
      secrets: [...secrets.values()],
      backoff: options.backoff,
      signal: options.signal,
    });
  }

  /** Every Service of the node, by namespace then name. */
  listServices(): Promise<ServiceRecord[]> {
    return listServiceRecords(this.layout);
  }

  /**
   * Creates or updates Services under the state root's lock (ClusterIPs and NodePorts are
   * allocated there): all of them or, when one cannot be, none. Listeners of
   * subscribeServices hear of it.
   */
  async applyServices(
    services: readonly Service[],
    source: string | undefined,
    signal?: AbortSignal,
  ): Promise<ServiceRecord[]> {
    this.#assertOpen();
    if (services.length === 0) return [];
    const out = await this.#underRootLock(async () => {
      const hostPorts = new Map<number, string>();
      for (const r of await this.list()) {
        if (r.released) continue;
        for (const m of podPortMappings(r.pod))
          hostPorts.set(m.hostPort, `pod ${r.namespace}/${r.name}`);
      }
      return applyServiceRecords(this.layout, services, source, hostPorts);
    }, signal);
    this.#changes.emit('services');
    return out;
  }

  /** Removes a Service; false when there was none. */
  async removeService(namespace: string, name: string): Promise<boolean> {
    const had = await removeServiceRecord(this.layout, namespace, name);
    if (had) this.#changes.emit('services');
    return had;
  }

  /** Told whenever the node's Services change. Returns the unsubscribe function. */
  subscribeServices(listener: () => void): () => void {
    this.#changes.on('services', listener);
    return () => this.#changes.off('services', listener);
  }

  async #up(pod: Pod, input: ApplyInput): Promise<PodRecord> {
    const { layout } = this;
    const lock = await acquireLock(layout.globalLockPath, {
      wait: true,
      what: 'the podkit state root',
      signal: input.signal,
    });
    traceMark('up.locked');
    const uid = randomUUID();
    const podDir = layout.podDir(uid);
    let record: PodRecord;
    let images: Map<string, ImageRecord>;
    let claims: Record<string, string>;
    const objects = {
      configMaps: new Map(input.configMaps.map((c) => [c.metadata.name, c])),
      secrets: new Map(input.secrets.map((s) => [s.metadata.name, s])),
    };
    try {
      ({ images, claims } = await admitPod(layout, pod, objects, { pull: input.pull }));
      traceMark('up.admitted');
      await mkdir(podDir, { recursive: true, mode: 0o700 });
      await savePodObjects(podDir, input.configMaps, input.secrets);
      record = {
        version: 1,
        uid,
        name: pod.metadata.name,
        namespace: pod.metadata.namespace,
        createdAt: nowRfc3339(),
        source: pod.origin.file,
        pod,
        serviceEnv: await this.#serviceEnv(pod.metadata.namespace),
        ...(Object.keys(claims).length > 0 ? { claims } : {}),
        worker: this.#self,
        released: false,
        backoff: { ...KUBELET_BACKOFF, ...input.backoff },
        status: {
          phase: 'Pending',
          conditions: [],
          initContainerStatuses: [],
          containerStatuses: [],
        },
      };
      await writePodRecord(layout, record);
    } catch (err) {
      // Admission failed: nothing of the pod may remain.
      await releasePodObjects(podDir).catch(() => undefined);
      await rm(podDir, { recursive: true, force: true });
      throw err;
    } finally {
      await lock.release();
    }
    this.#start(record, images, objects, (w) => w.run());
    this.#emit({ type: 'changed', record });
    return record;
  }

  /** The variables of the namespace's Services, for a pod created now (kubelet's rule). */
  async #serviceEnv(namespace: string): Promise<PodRecord['serviceEnv']> {
    const services = (await this.listServices())
      .map((r) => r.service)
      .filter((s) => s.metadata.namespace === namespace && s.spec.clusterIP !== undefined);
    if (services.length === 0) return undefined;
    return serviceEnvVars(
      services.map((s) => ({
        name: s.metadata.name,
        clusterIP: s.spec.clusterIP ?? '',
        ports: s.spec.ports,
      })),
    );
  }

  #start(
    record: PodRecord,
    images: Map<string, ImageRecord>,
    objects: PodObjects,
    go: (w: PodWorker) => Promise<void>,
  ): void {
    const worker = new PodWorker({
      layout: this.layout,
      record,
      objects,
      images,
      backoff: record.backoff,
      hiddenHostPaths: this.#o.hiddenHostPaths,
      clusterDns: this.#o.clusterDns,
      beforeStop: this.#o.beforeStop,
      onChange: (r) => {
        this.#emit({ type: 'changed', record: r });
      },
    });
    const done = go(worker)
      .catch((err: unknown) => {
        this.#o.log?.(`pod ${record.namespace}/${record.name}: ${String(err)}`);
      })
      .finally(() => {
        // The worker released everything (releasePodResources) before its run ended.
        this.#running.delete(record.uid);
      });
    this.#running.set(record.uid, { worker, done });
  }

  /** Adopts every pod on disk that is not released and has no live supervisor of its own. */
  async #adoptAll(): Promise<void> {
    const records = await this.list();
    await Promise.all(
      records.map(async (r) => {
        if (r.released) return;
        // A pod run by a live process of its own (a pod worker of an older podkit) stays its.
        if (
          r.worker !== undefined &&
          r.worker.pid !== this.#self.pid &&
          (await isProcessAlive(r.worker))
        )
          return;
        const fresh = { ...r, worker: this.#self };
        const images = new Map<string, ImageRecord>();
        for (const c of [...fresh.pod.spec.initContainers, ...fresh.pod.spec.containers]) {
          const image = await getImage(this.layout.root, c.image);
          if (image !== undefined) images.set(c.name, image);
        }
        const objects = await loadPodObjects(this.layout.podDir(fresh.uid));
        this.#o.log?.(`adopting pod ${fresh.namespace}/${fresh.name} (${fresh.uid})`);
        // The runtime answers once each record says what runs (resume's first save).
        await new Promise<void>((adopted) => {
          this.#start(fresh, images, objects, (w) => w.resume(adopted));
        });
      }),
    );
  }

  /**
   * Replaces a pod's labels and annotations (whole maps: a key absent goes) while it runs, as
   * the API server lets `kubectl label` / `annotate` change them: the pod's worker writes the
   * record (its writes are serialised, so a status change meanwhile is kept too), subscribers
   * hear of it before this resolves (the API's watchers, the Services' endpoints), downward API
   * volumes are refreshed, and no container is touched. A terminating pod takes the change too
   * (Kubernetes allows it); a released one (its containers ended and its resources were freed)
   * or one another process supervises is refused with POD_RELEASED: no worker of this runtime
   * owns its record. Labels and annotations are trusted here: the caller validated them.
   *
   * @example
   *   await rt.updatePodMetadata('default', 'web', { labels: { app: 'web', tier: 'x' }, annotations: {} });
   */
  async updatePodMetadata(
    namespace: string,
    name: string,
    update: PodMetadataUpdate,
  ): Promise<PodRecord> {
    this.#assertOpen();
    const record = await this.require(namespace, name);
    const updated = await this.#running.get(record.uid)?.worker.updateMetadata(update);
    if (updated === undefined)
      throw new PodkitError(
        RuntimeErrorCode.POD_RELEASED,
        record.released
          ? `pod "${name}" in namespace "${namespace}" has ended and was released: its labels and annotations no longer change`
          : `pod "${name}" in namespace "${namespace}" is not supervised by this agent: its labels and annotations cannot change`,
        { hint: `delete the pod and create it again with the labels it should have` },
      );
    return updated;
  }

  /** Asks a pod to stop (the record stays): graceful the first time, forced the second. */
  stop(uid: string, options: { force?: boolean | undefined } = {}): void {
    const r = this.#running.get(uid);
    if (r === undefined) return;
    r.worker.requestStop();
    if (options.force === true) r.worker.requestStop();
  }

  /**
   * Stops a pod and removes it: the containers get their grace period (or are killed at once
   * with `force`), everything it held is released, then the record and logs go too.
   */
  async remove(namespace: string, name: string, options: RemoveOptions = {}): Promise<PodRecord> {
    const record = await this.require(namespace, name);
    const running = this.#running.get(record.uid);
    if (running !== undefined) {
      const graceMs = record.pod.spec.terminationGracePeriodSeconds * 1000;
      const timeoutMs = options.timeoutMs ?? graceMs + 30_000;
      running.worker.requestStop();
      if (options.force === true) running.worker.requestStop();
      else if (graceMs > 0)
        options.onWait?.(
          `stopping pod ${name}: waiting up to ${Math.round(graceMs / 1000)}s for its containers to exit (terminationGracePeriodSeconds)`,
        );
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        running.done.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => {
            resolve(true);
          }, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        options.onWait?.(
          `pod ${name} did not stop within ${Math.round(timeoutMs / 1000)}s: killing it`,
        );
        running.worker.requestStop();
        await running.done;
      }
    }
    await releasePodResources(this.layout, record.uid);
    await removePodDir(this.layout, record.uid);
    this.#emit({ type: 'removed', uid: record.uid, namespace, name });
    return record;
  }

  /**
   * Removes what crashes left: pods nobody supervises that are not released (all their
   * resources and records), then anything under the state root no pod accounts for (netns,
   * veths, leases, iptables rules, mounts, cgroups, runc containers).
   */
  async gc(): Promise<GcReport> {
    const report: GcReport = { pods: [], leftovers: [], errors: [] };
    await this.#underRootLock(async () => {
      const live = new Set<string>();
      for (const r of await this.list()) {
        if (r.released || this.#running.has(r.uid)) {
          live.add(r.uid);
          continue;
        }
        if (r.worker !== undefined && (await isProcessAlive(r.worker))) {
          live.add(r.uid);
          continue;
        }
        try {
          await releasePodResources(this.layout, r.uid);
          await removePodDir(this.layout, r.uid);
          report.pods.push(`${r.namespace}/${r.name}`);
        } catch (err) {
          report.errors.push(err as Error);
        }
      }
      const { removed, errors } = await collectGarbage(this.layout, {
        network: await loadPodNetwork(this.layout),
        isWanted: (sb) => Promise.resolve(live.has(sb.uid)),
      });
      report.leftovers = removed;
      report.errors.push(...errors);
    });
    return report;
  }

  /**
   * A container's log as `kubectl logs` prints it (every run of the container, one entry per
   * line); with `follow`, new lines until the container ended for good, the pod is removed,
   * or `signal` aborts.
   */
  async *logs(
    namespace: string,
    name: string,
    container: string,
    options: PodLogOptions = {},
  ): AsyncGenerator<Buffer> {
    const record = await this.require(namespace, name);
    yield* podLog(this.layout, record, container, options, (l) => this.subscribe(l));
  }

  /**
   * Runs a command in a running container (see container-exec.ts); CONTAINER_NOT_RUNNING when
   * it is not running.
   */
  async exec(
    namespace: string,
    name: string,
    container: string,
    argv: readonly string[],
    options: ExecOptions = {},
  ): Promise<RuncProcess> {
    const record = await this.require(namespace, name);
    return execInContainer(this.layout, record, container, argv, options);
  }

  /**
   * A TCP connection to `port` on localhost inside the pod's network namespace, for
   * `kubectl port-forward` (see pod-dial.ts): PORT_FORWARD_FAILED when the pod does not run or
   * nothing accepts; destroying the stream (or `signal`) stops what carries it.
   */
  async dialPod(
    namespace: string,
    name: string,
    port: number,
    signal?: AbortSignal,
  ): Promise<Duplex> {
    const record = await this.require(namespace, name);
    return dialPodPort(this.layout, record, port, signal);
  }

  /**
   * Lets go of the state root: supervision ends in this process, but every container keeps
   * running under its conmon, to be adopted by the next runtime. Records are as last written.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lock.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new PodkitError(RuntimeErrorCode.AGENT_STOPPING, 'the podkit agent is stopping');
  }
}

/** Removes a pod's directory, never through a mount (a hostPath bind would reach the host). */
async function removePodDir(layout: StateLayout, uid: string): Promise<void> {
  const dir = layout.podDir(uid);
  if ((await mountsUnder(dir)).length > 0) {
    throw new PodkitError(RuntimeErrorCode.POD_CLEANUP_FAILED, `${dir} still has mounts`, {
      hint: 'run `podkit gc`',
    });
  }
  await rm(dir, { recursive: true, force: true });
}

function serviceKey(s: Service): string {
  return `${s.metadata.namespace}/${s.metadata.name}`;
}
