import { randomUUID } from 'node:crypto';
import { CoalescedLoop } from '@podkit/kit';
import type {
  DaemonSetRecord,
  DeploymentRecord,
  JobRecord,
  Pod,
  PodRecord,
  ReplicaSetRecord,
  StatefulSetRecord,
  WorkloadKind,
  WorkloadRecord,
} from '@podkit/runtime';
import type { NodeRuntime } from '@podkit/runtime/node';
import type { ControllerContext } from './controller-context.js';
import { syncDaemonSet } from './daemonset-controller.js';
import { JobController } from './job-controller.js';
import type { JobBackoff } from './job-plan.js';
import { podNameFor, POD_TEMPLATE_HASH } from './names.js';
import { isActive, scaleDownOrder } from './pod-order.js';
import { planDeployment } from './rollout.js';
import { StatefulSetController } from './statefulset-controller.js';
import {
  REVISION,
  controllerOf,
  deploymentState,
  nextAvailability,
  podFor,
  podsOf,
  replicaSetFor,
  replicaSetsOf,
  workloadViews,
  type WorkloadView,
} from './workload-objects.js';

/** What the controllers use of the NodeRuntime (tests give an in-memory one). */
export type WorkloadRuntime = Pick<
  NodeRuntime,
  | 'subscribe'
  | 'subscribeWorkloads'
  | 'list'
  | 'listWorkloads'
  | 'writeWorkload'
  | 'removeWorkload'
  | 'createOwnedPod'
  | 'remove'
>;

export interface WorkloadControllerOptions {
  readonly runtime: WorkloadRuntime;
  readonly log: (message: string) => void;
  /** The clock (tests move it). */
  readonly now?: (() => number) | undefined;
  /** How long one pod creation (admission, pulls) may take. */
  readonly createTimeoutMs?: number | undefined;
  /** First and longest wait before creating again after a failed creation. */
  readonly retryBaseMs?: number | undefined;
  readonly retryCapMs?: number | undefined;
  /** The Job controller's back-off after a failed pod (tests shorten it; default 10 s → 6 min). */
  readonly jobBackoff?: JobBackoff | undefined;
}

interface Retry {
  delayMs: number;
  at: number;
  message: string;
}

/**
 * The Deployment, ReplicaSet, Job (job-controller.ts) and DaemonSet (daemonset-controller.ts)
 * controllers of kube-controller-manager, for one node, in one
 * coalesced loop (the ServiceController's shape): every pod or workload change schedules a
 * sync; changes during a sync fold into one more. A sync
 * 1. collects garbage: a ReplicaSet whose owning Deployment is gone is removed, a pod whose
 *    owning ReplicaSet is gone is deleted (owner references, background propagation);
 * 2. runs each Deployment one step (rollout.ts planDeployment): the ReplicaSet of its
 *    template created (`<name>-<pod-template-hash>`), ReplicaSets scaled, old ones pruned;
 * 3. runs each ReplicaSet: ended pods removed, missing pods created through the runtime
 *    (`<rs>-<5 random>`, owned), extra ones deleted in scaleDownOrder; each Job (planJob) and
 *    each DaemonSet (planDaemonSet) one step.
 * Pod deletions run in the background (each bounded by its grace period + 30 s: the runtime's
 * remove) and count as gone for the sync; a failed creation waits (1 s doubling to 60 s)
 * before it is tried again; a pod that becomes available only after minReadySeconds wakes the
 * loop with one timer. Nothing in a sync waits on another pod.
 */
export class WorkloadController implements AsyncDisposable {
  readonly #o: WorkloadControllerOptions;
  readonly #now: () => number;
  /** Syncs on every change heard, one at a time, coalesced. */
  readonly #loop = new CoalescedLoop(
    () => this.#sync(),
    (err: unknown) => {
      this.#o.log(`workloads: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  #closed = false;
  readonly #unsubscribe: (() => void)[] = [];
  /** Pod deletions under way, by pod uid. */
  readonly #deleting = new Map<string, Promise<void>>();
  /** ReplicaSets whose last pod creation failed, by uid. */
  readonly #retry = new Map<string, Retry>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  readonly #statefulSets: StatefulSetController;
  readonly #jobs: JobController;
  /** What the Job and DaemonSet controllers use of this one. */
  readonly #ctx: ControllerContext;

  constructor(options: WorkloadControllerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#statefulSets = new StatefulSetController({
      createOwnedPod: (pod, o) => options.runtime.createOwnedPod(pod, o),
      delete: (p, why) => {
        this.#delete(p, why);
      },
      deleting: () => new Set(this.#deleting.keys()),
      wakeAt: (at) => {
        this.#wakeAt(at);
      },
      log: options.log,
      now: () => this.#now(),
      createTimeoutMs: options.createTimeoutMs ?? 120_000,
      retryBaseMs: options.retryBaseMs ?? 1000,
      retryCapMs: options.retryCapMs ?? 60_000,
    });
    this.#jobs = new JobController(options.runtime, options.jobBackoff);
    this.#ctx = {
      now: () => this.#now(),
      log: (m) => {
        this.#o.log(m);
      },
      deleting: this.#deleting,
      delete: (p, why) => {
        this.#delete(p, why);
      },
      create: (uid, what, pod) => this.#create(uid, what, pod),
      creationDelayed: (uid) => this.#creationDelayed(uid),
      wakeAt: (at) => {
        this.#wakeAt(at);
      },
    };
  }

  /** Starts following the runtime; resolves after the first sync. */
  async start(): Promise<void> {
    const rt = this.#o.runtime;
    this.#unsubscribe.push(
      rt.subscribe(() => {
        this.changed();
      }),
      rt.subscribeWorkloads(() => {
        this.changed();
      }),
    );
    this.changed();
    await this.settled();
  }

  /** Schedules a sync (coalesced with any other change meanwhile). */
  changed(): void {
    this.#loop.changed();
  }

  /** Resolves once every change heard so far is synced. */
  settled(): Promise<void> {
    return this.#loop.settled();
  }

  /** Every workload with its status counted from the pods. */
  async views(): Promise<WorkloadView[]> {
    const rt = this.#o.runtime;
    const [workloads, pods] = await Promise.all([rt.listWorkloads(), rt.list()]);
    return workloadViews(workloads, pods, this.#now());
  }

  /**
   * Deletes a workload and waits (at most `timeoutMs`) until its dependents are gone too:
   * a Deployment's ReplicaSets and their pods, a ReplicaSet's pods. `none` when there was no
   * such workload, `pending` when dependents remained at the timeout (they still go).
   */
  async remove(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    timeoutMs: number,
  ): Promise<'none' | 'removed' | 'pending'> {
    const rt = this.#o.runtime;
    const workloads = await rt.listWorkloads();
    const record = workloads.find(
      (w) =>
        w.kind === kind &&
        w.object.metadata.namespace === namespace &&
        w.object.metadata.name === name,
    );
    if (record === undefined) return 'none';
    // Its dependents are known now: once the garbage collector removed a ReplicaSet, its
    // pods can no longer be traced back to the Deployment.
    const owners = new Set([record.uid]);
    const trace = (list: readonly WorkloadRecord[]): void => {
      for (const w of list) {
        const o = controllerOf(w.object.metadata);
        if (o !== undefined && owners.has(o.uid)) owners.add(w.uid);
      }
    };
    trace(workloads);
    await rt.removeWorkload(kind, namespace, name);
    const gone = async (): Promise<boolean> => {
      const [now, pods] = await Promise.all([rt.listWorkloads(), rt.list()]);
      trace(now);
      const left =
        now.some((w) => owners.has(controllerOf(w.object.metadata)?.uid ?? '')) ||
        pods.some((p) => owners.has(controllerOf(p.pod.metadata)?.uid ?? ''));
      return !left;
    };
    return (await this.#waitFor(gone, timeoutMs)) ? 'removed' : 'pending';
  }

  /** Checks `done` at every change until it holds (true) or `timeoutMs` passed (false). */
  async #waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const rt = this.#o.runtime;
    let wake: (() => void) | undefined;
    const poke = (): void => {
      wake?.();
    };
    const offs = [rt.subscribe(poke), rt.subscribeWorkloads(poke)];
    const deadline = this.#now() + timeoutMs;
    try {
      for (;;) {
        // Armed before the check, so a change during it is not missed.
        const next = new Promise<void>((resolve) => {
          wake = resolve;
        });
        if (await done()) return true;
        const left = deadline - this.#now();
        if (left <= 0) return false;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          next,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, Math.min(left, 1000));
          }),
        ]);
        clearTimeout(timer);
      }
    } finally {
      for (const off of offs) off();
    }
  }

  async #sync(): Promise<void> {
    const rt = this.#o.runtime;
    let [workloads, pods] = await Promise.all([rt.listWorkloads(), rt.list()]);
    await this.#collectGarbage(workloads, pods);
    const deployments = workloads.filter((w): w is DeploymentRecord => w.kind === 'Deployment');
    let wrote = false;
    for (const d of deployments) wrote = (await this.#syncDeployment(d, workloads, pods)) || wrote;
    if (wrote) workloads = await rt.listWorkloads();
    for (const w of workloads) {
      if (this.#closed) return;
      if (w.kind === 'ReplicaSet') await this.#syncReplicaSet(w as ReplicaSetRecord, pods);
      else if (w.kind === 'StatefulSet')
        await this.#statefulSets.sync(w as StatefulSetRecord, pods);
      else if (w.kind === 'Job') await this.#jobs.sync(this.#ctx, w as JobRecord, pods);
      else if (w.kind === 'DaemonSet') await syncDaemonSet(this.#ctx, w as DaemonSetRecord, pods);
    }
    pods = await rt.list();
    this.#wakeAt(nextAvailability(workloads, pods, this.#now()));
  }

  /** Owner-reference garbage collection (background): dependents of a deleted owner go. */
  async #collectGarbage(workloads: WorkloadRecord[], pods: readonly PodRecord[]): Promise<void> {
    const rt = this.#o.runtime;
    const uids = new Set(workloads.map((w) => w.uid));
    for (const w of [...workloads]) {
      const owner = controllerOf(w.object.metadata);
      if (owner === undefined || uids.has(owner.uid)) continue;
      this.#o.log(
        `workloads: ${w.kind} ${w.object.metadata.namespace}/${w.object.metadata.name}: its ${owner.kind} ${owner.name} is gone; removing it`,
      );
      await rt.removeWorkload(w.kind, w.object.metadata.namespace, w.object.metadata.name);
      uids.delete(w.uid);
      workloads.splice(workloads.indexOf(w), 1);
    }
    for (const p of pods) {
      const owner = controllerOf(p.pod.metadata);
      if (owner === undefined || uids.has(owner.uid)) continue;
      this.#delete(p, `its ${owner.kind} ${owner.name} is gone`);
    }
  }

  /** One step of a Deployment; true when it wrote a ReplicaSet. */
  async #syncDeployment(
    d: DeploymentRecord,
    workloads: readonly WorkloadRecord[],
    pods: readonly PodRecord[],
  ): Promise<boolean> {
    const rt = this.#o.runtime;
    // Pods being deleted still count as pods (Recreate waits for them), not as available ones.
    const deleting = new Set(this.#deleting.keys());
    const state = deploymentState(d, workloads, pods, this.#now(), deleting);
    const plan = planDeployment(state);
    const mine = replicaSetsOf(d.uid, workloads);
    let wrote = false;
    const { namespace, name } = d.object.metadata;
    // Keep the ReplicaSets' minReadySeconds the Deployment's (it may have changed alone).
    for (const rs of mine) {
      const scaled = plan.scale.get(rs.object.metadata.name);
      const min = d.object.spec.minReadySeconds;
      if (scaled === undefined && rs.object.spec.minReadySeconds === min) continue;
      const replicas = scaled ?? rs.object.spec.replicas;
      this.#o.log(
        `workloads: Deployment ${namespace}/${name}: ReplicaSet ${rs.object.metadata.name} ${rs.object.spec.replicas} → ${replicas}`,
      );
      await rt.writeWorkload({
        ...rs,
        object: { ...rs.object, spec: { ...rs.object.spec, replicas, minReadySeconds: min } },
      });
      wrote = true;
    }
    if (plan.create !== undefined) {
      const revision =
        Math.max(
          0,
          ...mine.map((rs) => Number(rs.object.metadata.annotations[REVISION] ?? '0') || 0),
        ) + 1;
      const object = replicaSetFor(d, state.hash, plan.create, revision);
      const taken = workloads.find(
        (w) =>
          w.kind === 'ReplicaSet' &&
          w.object.metadata.namespace === namespace &&
          w.object.metadata.name === object.metadata.name,
      );
      if (taken !== undefined) {
        // Not ours (a file's ReplicaSet of that name) or a hash collision: say it once a change.
        this.#o.log(
          `workloads: Deployment ${namespace}/${name}: ReplicaSet ${object.metadata.name} exists and is not its current one; not rolling out`,
        );
      } else {
        this.#o.log(
          `workloads: Deployment ${namespace}/${name}: new ReplicaSet ${object.metadata.name} (${POD_TEMPLATE_HASH} ${state.hash}, revision ${revision}) with ${plan.create} replicas`,
        );
        await rt.writeWorkload({
          version: 1,
          kind: 'ReplicaSet',
          uid: randomUUID(),
          createdAt: new Date(this.#now()).toISOString(),
          source: d.source,
          object,
        });
        wrote = true;
      }
    }
    for (const rsName of plan.remove) {
      this.#o.log(`workloads: Deployment ${namespace}/${name}: old ReplicaSet ${rsName} pruned`);
      await rt.removeWorkload('ReplicaSet', namespace, rsName);
      wrote = true;
    }
    return wrote;
  }

  async #syncReplicaSet(rs: ReplicaSetRecord, pods: readonly PodRecord[]): Promise<void> {
    const { namespace, name } = rs.object.metadata;
    const mine = podsOf(rs.uid, pods).filter((p) => !this.#deleting.has(p.uid));
    // A pod that ended (its containers will not run again, or it was stopped) is replaced, as
    // the ReplicaSet controller counts only active pods; podkit keeps ended pods, so it removes
    // them. One still stopping (someone asked) is left to finish.
    for (const p of mine)
      if (p.released || p.status.phase === 'Succeeded' || p.status.phase === 'Failed')
        this.#delete(p, `it ended (${p.released ? 'released' : p.status.phase})`);
    const active = mine.filter(isActive);
    const diff = active.length - rs.object.spec.replicas;
    if (diff > 0) {
      for (const p of scaleDownOrder(active).slice(0, diff))
        this.#delete(p, `ReplicaSet ${name} scaled to ${rs.object.spec.replicas}`);
      return;
    }
    if (diff === 0) {
      this.#retry.delete(rs.uid);
      return;
    }
    if (this.#creationDelayed(rs.uid)) return;
    for (let i = 0; i < -diff && !this.#closed; i++)
      if (
        !(await this.#create(
          rs.uid,
          `ReplicaSet ${namespace}/${name}`,
          podFor(rs, podNameFor(name)),
        ))
      )
        return;
  }

  /** Whether the owner's last creation failed and its retry is not due (the loop wakes then). */
  #creationDelayed(ownerUid: string): boolean {
    const retry = this.#retry.get(ownerUid);
    if (retry === undefined || retry.at <= this.#now()) return false;
    this.#wakeAt(retry.at);
    return true;
  }

  /**
   * Creates one pod of a workload through the runtime; false when it failed: the next try
   * waits 1 s, doubling to 60 s (said once per message).
   */
  async #create(ownerUid: string, what: string, pod: Pod): Promise<boolean> {
    if (this.#closed) return false;
    const retry = this.#retry.get(ownerUid);
    try {
      await this.#o.runtime.createOwnedPod(pod, {
        signal: AbortSignal.timeout(this.#o.createTimeoutMs ?? 120_000),
      });
      this.#retry.delete(ownerUid);
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const delayMs = Math.min(
        retry === undefined ? (this.#o.retryBaseMs ?? 1000) : retry.delayMs * 2,
        this.#o.retryCapMs ?? 60_000,
      );
      if (message !== retry?.message)
        this.#o.log(
          `workloads: ${what}: cannot create a pod (retrying, every ${Math.round(delayMs / 1000)}s at most): ${message}`,
        );
      const at = this.#now() + delayMs;
      this.#retry.set(ownerUid, { delayMs, at, message });
      this.#wakeAt(at);
      return false;
    }
  }

  /** Deletes a pod in the background (graceful, bounded by the runtime's remove). */
  #delete(p: PodRecord, why: string): void {
    if (this.#deleting.has(p.uid) || this.#closed) return;
    this.#o.log(`workloads: deleting pod ${p.namespace}/${p.name}: ${why}`);
    const done = this.#o.runtime
      .remove(p.namespace, p.name)
      .then(() => undefined)
      .catch((err: unknown) => {
        this.#o.log(
          `workloads: pod ${p.namespace}/${p.name} not removed: ${err instanceof Error ? err.message : String(err)}`,
        );
      })
      .finally(() => {
        this.#deleting.delete(p.uid);
        this.changed();
      });
    this.#deleting.set(p.uid, done);
  }

  /** One timer for the earliest moment a sync is due without a change (never earlier than needed). */
  #wakeAt(at: number | undefined): void {
    if (at === undefined || this.#closed) return;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.changed();
      },
      Math.max(0, at - this.#now()) + 5,
    );
    this.#timer.unref();
  }

  /**
   * Stops following changes. Workloads stay (the next agent goes on with them); pod deletions
   * under way are not waited for (each asked its pod to stop, which the pod does without the
   * agent; the next agent removes what ended).
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#loop.close();
    for (const u of this.#unsubscribe) u();
    clearTimeout(this.#timer);
    await this.settled();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
