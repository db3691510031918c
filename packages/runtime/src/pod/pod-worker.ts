import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { ImageRecord } from '../images/image-store.js';
import { readHostLimits } from '../oci/rlimits.js';
import { loadRuntimeDefaultSeccomp } from '../oci/seccomp.js';
import type { DockerSeccompProfile } from '../oci/seccomp.js';
import { Runc } from '../runc/runc.js';
import { containerRuncId, createSandbox, loadSandbox, type Sandbox } from '../sandbox/index.js';
import type { Container } from '../spec/types.js';
import type { StateLayout } from '../state/state-root.js';
import { prepareVolumes, type PreparedVolume } from '../volumes/volume-manager.js';
import { refreshDownwardVolumes } from '../volumes/downward-refresh.js';
import type { DownwardFacts } from '../volumes/types.js';
import { loadPodNetwork } from './network-config.js';
import { machineCapacity, podPortMappings, volumeObjects } from './admission.js';
import type { PodObjects } from './container-env.js';
import { prepareRootfs, type ContainerExit, type CreatedAttempt } from './container-runner.js';
import type { RootfsMount } from '../images/rootfs-mount.js';
import { adoptContainer, type AdoptedContainer } from '../supervisor/run-container.js';
import { preparedVolumesOf } from '../volumes/volume-manager.js';
import { systemClock, type Clock } from '../probes/clock.js';
import type { Prober, ProbeTarget } from '../probes/types.js';
import { nowRfc3339, type PodEvent } from './pod-status.js';
import type { PodRecord } from './pod-store.js';
import { traceMark } from '../trace.js';
import { savePodObjects } from './pod-objects.js';
import { releasePodResources } from './pod-release.js';
import { ContainerLifecycle, objectRef, type ContainerSlot } from './container-lifecycle.js';
import { PodStatusManager, endPhase } from './pod-status-manager.js';
import { startProbes, type ProbeContext } from './probe-manager.js';
import { stopContainer, terminateInOrder, type TerminationContext } from './termination.js';
import {
  KUBELET_BACKOFF,
  backoffDisplay,
  countsAsRestart,
  crashLoopBackoff,
  finishedForGood,
  shouldRestart,
  type BackoffPolicy,
  type ContainerKind,
  type StartOutcome,
} from './restart-policy.js';

export { KUBELET_BACKOFF, type BackoffPolicy } from './restart-policy.js';

export interface PodWorkerOptions {
  layout: StateLayout;
  record: PodRecord;
  objects: PodObjects;
  images: ReadonlyMap<string, ImageRecord>;
  backoff?: BackoffPolicy | undefined;
  /** Paths a host-image container must not see besides the defaults (e.g. the project dir). */
  hiddenHostPaths?: readonly string[] | undefined;
  /** Runs probes and hook handlers (default: the real one over runc and the network). */
  prober?: Prober | undefined;
  /** Time for probes, backoff and grace periods (default: the system clock). */
  clock?: Clock | undefined;
  /** Called with the record after every status change (the agent's watchers). */
  onChange?: ((record: PodRecord) => void) | undefined;
  /** The node's cluster DNS (the agent's): pods with dnsPolicy ClusterFirst resolve through it. */
  clusterDns?: { nameserver: string; domain: string } | undefined;
  /**
   * Awaited when a graceful stop begins, once the pod's record says it is being deleted and
   * before any container is signalled or its preStop runs (at most LEAVE_WAIT_MS; not for a
   * forced stop). The agent resolves it once the pod has left its Services' endpoints (the
   * proxy's rules are written), so that no new connection reaches a pod that stops serving.
   */
  beforeStop?: ((record: PodRecord) => Promise<void>) | undefined;
}

/** The longest a graceful stop waits for `beforeStop` (the endpoints' update). */
export const LEAVE_WAIT_MS = 2000;

export { MIN_KILL_GRACE_MS } from './termination.js';

type Kind = ContainerKind;

/** A pod's labels and annotations as they are to be, whole (what is absent goes). */
export interface PodMetadataUpdate {
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

type Slot = ContainerSlot;

/**
 * The real prober, loaded on its first probe or hook: its http/https/http2/net modules cost
 * the worker ~0.1 s of start-up, and a pod without probes or hooks never needs them.
 */
function lazyProber(runc: Runc): Prober {
  let real: Promise<Prober> | undefined;
  return {
    async run(action, target, timeoutMs, signal) {
      real ??= import('../probes/prober.js').then((m) => m.createProber(runc));
      return (await real).run(action, target, timeoutMs, signal);
    },
  };
}

/**
 * The pod worker: one per pod, in its own process, like kubelet's pod worker. It creates the
 * sandbox and volumes, runs init containers one at a time (a native sidecar must be *started*
 * — postStart done, startupProbe passed — before the next one), then starts the main
 * containers in order (a blocking postStart delays the next), probes them, restarts them by
 * the restart policy with CrashLoopBackOff, keeps the Kubernetes-shaped status in the pod
 * record, and on stop (or completion) terminates main containers in parallel, then sidecars in
 * reverse order (preStop, stop signal, grace, SIGKILL), and releases every resource.
 *
 * What remains here is the state machine: set-up, start order, each container's supervise
 * loop, run/resume, release. Each concern it composes has its own file, as kubelet's
 * kuberuntime does: container-lifecycle.ts (one start, exit, adoption), restart-policy.ts (the
 * restart decision and CrashLoopBackOff), probe-manager.ts, termination.ts,
 * pod-status-manager.ts (conditions, saves, events) and pod-release.ts.
 */
export class PodWorker {
  readonly #o: PodWorkerOptions;
  readonly #record: PodRecord;
  readonly #runc: Runc;
  readonly #backoff: BackoffPolicy;
  readonly #clock: Clock;
  readonly #prober: Prober;
  readonly #slots: Slot[];
  #sandbox: Sandbox | undefined;
  #volumes = new Map<string, PreparedVolume>();
  /** Images pulled again for a restart (imagePullPolicy Always), by container name. */
  readonly #pulled = new Map<string, ImageRecord>();
  /** First-attempt overlays mounted while the sandbox is created (undefined: mount failed). */
  readonly #premounts = new Map<string, Promise<RootfsMount | undefined>>();
  /** First attempts created while the pod's network was set up (see #precreate). */
  readonly #precreated = new Map<string, Promise<CreatedAttempt | undefined>>();
  #facts: DownwardFacts | undefined;
  /** The volumes were prepared (early, while the network was set up, or after the sandbox). */
  #volumesReady = false;
  #seccomp: DockerSeccompProfile | undefined;
  #hostLimits: Record<string, number> = {};
  #stopping = false;
  #initialized = false;
  /** Aborted by a second stop request: every wait for a grace period ends, SIGKILL follows. */
  readonly #force = new AbortController();
  #terminating: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Downward API refreshes, one at a time (each writes the facts current when it runs). */
  #downwardChain: Promise<void> = Promise.resolve();
  /** The labels or annotations changed since the pod was admitted (see #setUp). */
  #metadataUpdated = false;
  /** The record, its saves and waiters, the pod's events (pod-status-manager.ts). */
  readonly #status: PodStatusManager;
  /** What termination.ts needs of this pod to stop its containers. */
  readonly #termination: TerminationContext<Slot>;
  /** What probe-manager.ts needs of this pod to probe its containers. */
  readonly #probes: ProbeContext<Slot>;
  /** One container's start, exit and adoption (container-lifecycle.ts). */
  readonly #lifecycle: ContainerLifecycle;

  constructor(options: PodWorkerOptions) {
    this.#o = options;
    this.#record = options.record;
    this.#runc = new Runc({ root: options.layout.runcRoot });
    this.#backoff = options.backoff ?? KUBELET_BACKOFF;
    this.#clock = options.clock ?? systemClock;
    this.#prober = options.prober ?? lazyProber(this.#runc);
    const spec = this.#record.pod.spec;
    // A pod adopted from an earlier agent keeps its statuses and restart bookkeeping.
    const prior = new Map(
      [...this.#record.status.initContainerStatuses, ...this.#record.status.containerStatuses].map(
        (st) => [st.name, st],
      ),
    );
    const mk = (c: Container, kind: Kind): Slot => ({
      container: c,
      kind,
      status: prior.get(c.name) ?? {
        name: c.name,
        image: c.image,
        imageID: '',
        state: {
          waiting: {
            reason:
              kind === 'main' && spec.initContainers.length > 0
                ? 'PodInitializing'
                : 'ContainerCreating',
          },
        },
        lastState: {},
        ready: false,
        started: false,
        restartCount: 0,
      },
      attempt: undefined,
      done: false,
      lastStartedAt: this.#record.supervision?.[c.name]?.lastStartedAt ?? 0,
      backoff: crashLoopBackoff(this.#backoff, this.#record.supervision?.[c.name]),
      nextStartAt: this.#record.supervision?.[c.name]?.nextStartAt,
      attemptAbort: undefined,
      killing: undefined,
    });
    this.#slots = [
      ...spec.initContainers.map((c) => mk(c, c.restartPolicy === 'Always' ? 'sidecar' : 'init')),
      ...spec.containers.map((c) => mk(c, 'main')),
    ];
    this.#record.status.initContainerStatuses = this.#slots
      .filter((s) => s.kind !== 'main')
      .map((s) => s.status);
    this.#record.status.containerStatuses = this.#slots
      .filter((s) => s.kind === 'main')
      .map((s) => s.status);
    this.#status = new PodStatusManager({
      layout: options.layout,
      record: this.#record,
      clock: this.#clock,
      facts: () => ({
        sandboxReady: this.#sandbox !== undefined,
        initialized: this.#initialized,
        containers: this.#slots,
      }),
      supervision: () =>
        Object.fromEntries(
          this.#slots.map((s) => [
            s.container.name,
            {
              backoffMs: s.backoff.state.delayMs,
              lastStartedAt: s.lastStartedAt,
              nextStartAt: s.nextStartAt,
            },
          ]),
        ),
      onChange: options.onChange,
    });
    this.#termination = {
      clock: this.#clock,
      prober: this.#prober,
      podName: this.#record.name,
      force: this.#force.signal,
      stopSignal: (slot) =>
        (this.#o.images.get(slot.container.name)?.config.stopSignal ?? 'SIGTERM') as NodeJS.Signals,
      target: (slot) => this.#target(slot),
      objectRef,
      event: (type, reason, object, message) => this.#event(type, reason, object, message),
      changed: () => void this.#save(),
    };
    this.#probes = {
      prober: this.#prober,
      clock: this.#clock,
      podGraceSeconds: this.#record.pod.spec.terminationGracePeriodSeconds,
      target: (slot) => this.#target(slot),
      objectRef,
      event: (type, reason, object, message) => this.#event(type, reason, object, message),
      changed: () => void this.#save(),
      kill: (slot, graceMs, message) => void this.#stop(slot, graceMs, message),
    };
    this.#lifecycle = new ContainerLifecycle({
      runc: this.#runc,
      layout: options.layout,
      record: this.#record,
      objects: options.objects,
      images: options.images,
      hiddenHostPaths: options.hiddenHostPaths,
      clock: this.#clock,
      prober: this.#prober,
      pulled: this.#pulled,
      premounts: this.#premounts,
      precreated: this.#precreated,
      force: this.#force.signal,
      sandbox: () => this.#sandbox,
      facts: () => this.#facts,
      volumes: () => this.#volumes,
      hostLimits: () => this.#hostLimits,
      seccomp: () => this.#seccomp,
      isStopping: () => this.#stopping,
      runcId: (name) => this.#runcId(name),
      containerDir: (name) => this.#containerDir(name),
      target: (slot) => this.#target(slot),
      podGraceMs: () => this.#podGraceMs(),
      event: (type, reason, object, message) => this.#event(type, reason, object, message),
      save: () => this.#save(),
      stop: (slot, graceMs, message) => this.#stop(slot, graceMs, message),
      startProbes: (slot, signal, resumed) => {
        this.#startProbes(slot, signal, resumed);
      },
      pause: (ms) => this.#pause(ms),
    });
  }

  /** Asks the pod to stop: graceful the first time, forced (SIGKILL now) the second. */
  requestStop(): void {
    if (this.#record.deletionTimestamp === undefined && !this.#record.released) {
      this.#record.deletionTimestamp = this.#nowRfc3339();
      void this.#save();
    }
    if (this.#stopping) this.#force.abort();
    void this.#terminateOnce();
    // A second request while stopping: kill what is still running now.
    if (this.#forced)
      for (const s of this.#slots) void s.attempt?.kill('SIGKILL').catch(() => undefined);
  }

  /**
   * Sets the pod's labels and annotations in place, as the API server lets them change on a
   * running pod: nothing of the pod's containers changes. The record object is the one every
   * status save snapshots, and saves are chained (PodStatusManager), so this change and a
   * status change made meanwhile are both in every later write, in order: neither is lost.
   * Resolves with the record as saved and announced (onChange), once the downward API volumes
   * show the new values too; undefined when the pod is released (its worker no longer owns the
   * record). A pod that is terminating still takes the change, as in Kubernetes.
   */
  async updateMetadata(update: PodMetadataUpdate): Promise<PodRecord | undefined> {
    if (this.#record.released) return undefined;
    const meta = this.#record.pod.metadata;
    meta.labels = { ...update.labels };
    meta.annotations = { ...update.annotations };
    // Containers started from now on read their fieldRef env from these facts (kubelet's rule:
    // an env var keeps the value of its container's start).
    if (this.#facts !== undefined)
      this.#facts = { ...this.#facts, labels: meta.labels, annotations: meta.annotations };
    this.#metadataUpdated = true;
    const saved = this.#save();
    // The record as this save wrote it (save refreshes the conditions synchronously).
    const snapshot = JSON.parse(JSON.stringify(this.#record)) as PodRecord;
    await saved;
    await this.#refreshDownward();
    return snapshot;
  }

  /**
   * Rewrites the downward API files after a metadata change (volume set-up writes them with
   * the facts of its time). Not once the pod stops: its volumes are about to be released.
   */
  #refreshDownward(): Promise<void> {
    this.#downwardChain = this.#downwardChain.then(async () => {
      const facts = this.#facts;
      if (facts === undefined || !this.#volumesReady || this.#stopping || this.#record.released)
        return;
      await refreshDownwardVolumes(
        this.#layout.podDir(this.#record.uid),
        this.#record.pod.spec.volumes,
        facts,
      ).catch((err: unknown) =>
        this.#event(
          'Warning',
          'FailedMount',
          '',
          `downward API volumes not refreshed: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    });
    return this.#downwardChain;
  }

  get #forced(): boolean {
    return this.#force.signal.aborted;
  }

  #terminateOnce(): Promise<void> {
    this.#terminating ??= this.#terminate();
    return this.#terminating;
  }

  /** A method, not the field, so checks after an await are not narrowed away. */
  #isStopping(): boolean {
    return this.#stopping;
  }

  get #layout(): StateLayout {
    return this.#o.layout;
  }

  #nowRfc3339(): string {
    return nowRfc3339(() => this.#clock.now());
  }

  #event(type: PodEvent['type'], reason: string, object: string, message: string): Promise<void> {
    return this.#status.event(type, reason, object, message);
  }

  /** Persists the record and wakes status waiters (pod-status-manager.ts). */
  #save(): Promise<void> {
    return this.#status.save();
  }

  /** Resolves once `pred` holds (checked after every status change). */
  #until(pred: () => boolean): Promise<void> {
    return this.#status.until(pred);
  }

  /** Runs the pod to its end (completion, failure or a stop request) and releases it. */
  async run(): Promise<void> {
    const st = this.#record.status;
    st.phase = 'Pending';
    st.startTime = this.#nowRfc3339();
    await this.#event(
      'Normal',
      'Scheduled',
      '',
      `Successfully assigned ${this.#record.namespace}/${this.#record.name} to ${osHostname()}`,
    );
    await this.#runFromSetUp();
  }

  /** Sets the pod up, runs its containers to the pod's end and releases it. */
  async #runFromSetUp(): Promise<void> {
    try {
      await this.#setUp();
      await this.#save();
      if (!this.#stopping && (await this.#runInitContainers())) await this.#runMainContainers();
      await this.#terminateOnce();
    } catch (err) {
      await this.#failPod(err);
    } finally {
      await this.#release();
    }
  }

  /**
   * Takes over a pod that an earlier agent ran (its record on disk, its containers still held
   * by their conmons): the sandbox and volumes are found again, each container that still runs
   * gets its handle and its probes back, an exit that happened meanwhile is recorded and the
   * restart policy applied to it, a back-off in progress resumes where it was. Then the pod
   * goes on as under run(). `onAdopted` is called once the record on disk says what runs (a
   * container started just before the old agent died included), or the adoption failed.
   */
  async resume(onAdopted: () => void = () => undefined): Promise<void> {
    const st = this.#record.status;
    if (await this.#setUpInterrupted()) {
      // The earlier agent died while it set the pod up (no container began; its sandbox is
      // missing or half made): as the kubelet does with a sandbox that is not ready, what was
      // made is removed and the pod set up again.
      onAdopted();
      const podDir = this.#layout.podDir(this.#record.uid);
      await releasePodResources(this.#layout, this.#record.uid).catch(() => undefined);
      // The ConfigMaps and Secrets the pod was started with stay kept (released above).
      const { configMaps, secrets } = this.#o.objects;
      await savePodObjects(podDir, [...configMaps.values()], [...secrets.values()]).catch(
        () => undefined,
      );
      await this.#runFromSetUp();
      return;
    }
    this.#initialized = st.conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
    try {
      await this.#reattach();
      const adopted = new Map<Slot, AdoptedContainer>();
      await Promise.all(
        this.#slots.map(async (s) => {
          this.#markDoneIfFinished(s);
          if (s.done) return;
          const a = await adoptContainer({
            runc: this.#runc,
            id: this.#runcId(s.container.name),
            bundleDir: this.#containerDir(s.container.name),
            startedAt: startedAtOf(s.status.state.running?.startedAt),
          });
          this.#lifecycle.reconcileAdopted(s, a);
          adopted.set(s, a);
        }),
      );
      await this.#save();
      onAdopted();
      if (st.phase === 'Succeeded' || st.phase === 'Failed') {
        await this.#terminateOnce();
        return;
      }
      if (!this.#initialized) {
        if (await this.#runInitContainers(adopted)) await this.#runMainContainers(adopted);
      } else {
        for (const s of this.#slots)
          if (s.kind === 'sidecar' && !s.done) void this.#supervise(s, undefined, adopted.get(s));
        await this.#runMainContainers(adopted);
      }
      await this.#terminateOnce();
    } catch (err) {
      onAdopted();
      await this.#failPod(err);
    } finally {
      await this.#release();
    }
  }

  /** The pod could not be run (set-up or adoption failed): Failed, with why; then terminated. */
  async #failPod(err: unknown): Promise<void> {
    const st = this.#record.status;
    st.phase = 'Failed';
    st.reason = err instanceof PodkitError ? err.code : 'Error';
    st.message = err instanceof Error ? err.message : String(err);
    await this.#event('Warning', 'Failed', '', st.message);
    await this.#terminateOnce().catch(() => undefined);
  }

  /** A container that finished for good before the agent restarted is not supervised again. */
  #markDoneIfFinished(slot: Slot): void {
    const done = finishedForGood(slot.kind, this.#record.pod.spec.restartPolicy, slot.status.state);
    if (done !== undefined) slot.done = done;
  }

  /** Whether the pod's set-up never finished: Pending, no container began, sandbox not ready. */
  async #setUpInterrupted(): Promise<boolean> {
    const st = this.#record.status;
    if (st.phase !== 'Pending') return false;
    const began = [...st.initContainerStatuses, ...st.containerStatuses].some(
      (c) => c.containerID !== undefined || c.restartCount > 0 || c.state.terminated !== undefined,
    );
    if (began) return false;
    const sb = await loadSandbox(this.#layout, this.#record.uid).catch(() => undefined);
    return sb === undefined || sb.phase !== 'ready';
  }

  /** What #setUp made, found again for resume(): sandbox, volumes, host facts. */
  async #reattach(): Promise<void> {
    const pod = this.#record.pod;
    const sb = await loadSandbox(this.#layout, this.#record.uid);
    if (sb === undefined) {
      throw new PodkitError(
        RuntimeErrorCode.SANDBOX_FAILED,
        `the sandbox of pod ${pod.metadata.name} is gone: it cannot be resumed`,
      );
    }
    this.#sandbox = sb;
    this.#hostLimits = await readHostLimits().catch(() => ({}));
    this.#seccomp = await loadRuntimeDefaultSeccomp().catch(() => undefined);
    this.#facts = this.#downwardFacts(sb);
    this.#volumes = new Map(
      preparedVolumesOf(
        this.#layout.podDir(this.#record.uid),
        pod.spec.volumes,
        new Map(Object.entries(this.#record.claims ?? {})),
      ).map((v) => [v.name, v]),
    );
  }

  #downwardFacts(sb: Sandbox): DownwardFacts {
    const pod = this.#record.pod;
    const cap = machineCapacity();
    return {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      uid: this.#record.uid,
      labels: pod.metadata.labels,
      annotations: pod.metadata.annotations,
      nodeName: osHostname(),
      serviceAccountName: 'default',
      podIP: sb.ip ?? '',
      hostIP: '127.0.0.1',
      containers: new Map(this.#slots.map((s) => [s.container.name, s.container.resources])),
      node: {
        cpuMillis: cap.cpuMillis,
        memoryBytes: cap.memoryBytes,
        ephemeralStorageBytes: cap.memoryBytes,
      },
    };
  }

  async #setUp(): Promise<void> {
    const pod = this.#record.pod;
    // Host facts the containers need are read, and their first overlays mounted, while the
    // sandbox is being created. A failed mount is retried (and reported) by the start itself.
    const hostLimits = readHostLimits().catch(() => ({}));
    const seccomp = loadRuntimeDefaultSeccomp().catch(() => undefined);
    for (const s of this.#slots) {
      const image = this.#o.images.get(s.container.name);
      if (image === undefined) continue;
      const containerDir = this.#containerDir(s.container.name);
      this.#premounts.set(
        s.container.name,
        prepareRootfs({ containerDir, stateRoot: this.#layout.root, image }).catch(() => undefined),
      );
    }
    this.#sandbox = await createSandbox({
      uid: this.#record.uid,
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      hostname: pod.spec.hostname ?? pod.metadata.name,
      subdomain: pod.spec.subdomain,
      hostNetwork: pod.spec.hostNetwork,
      shareProcessNamespace: pod.spec.shareProcessNamespace,
      portMappings: podPortMappings(pod),
      state: this.#layout,
      network: await loadPodNetwork(this.#layout),
      ownerPid: process.pid,
      clusterDns: usesClusterDns(pod.spec) ? this.#o.clusterDns : undefined,
      whileNetworking:
        this.#precreatable().length === 0
          ? undefined
          : (early) => this.#precreate(early, hostLimits, seccomp),
    });
    this.#hostLimits = await hostLimits;
    this.#seccomp = await seccomp;
    const sb = this.#sandbox;
    this.#record.status.podIP = sb.ip;
    this.#record.status.hostIP = '127.0.0.1';
    this.#facts = this.#downwardFacts(sb);
    if (!this.#volumesReady) {
      const volumes = await prepareVolumes(
        this.#layout.podDir(this.#record.uid),
        pod.spec.volumes,
        {
          ...volumeObjects(this.#o.objects),
          claims: new Map(Object.entries(this.#record.claims ?? {})),
        },
        this.#facts,
      );
      this.#volumes = new Map(volumes.map((v) => [v.name, v]));
      this.#volumesReady = true;
    }
    // Volumes written early (#precreate) hold the facts of their time: a metadata change
    // that came meanwhile found them not ready yet.
    if (this.#metadataUpdated) await this.#refreshDownward();
    traceMark('worker.volumes');
  }

  /**
   * The containers created while the pod's network is set up: with no init container (main
   * containers start at once), each main container whose environment does not name the pod's
   * IP (not known yet: everything else of a container's plan is).
   */
  #precreatable(): Slot[] {
    if (this.#slots.some((s) => s.kind !== 'main')) return [];
    return this.#slots.filter(
      (s) =>
        this.#o.images.has(s.container.name) &&
        !s.container.env.some((e) => {
          const field = e.valueFrom?.fieldRef?.fieldPath;
          return field === 'status.podIP' || field === 'status.podIPs';
        }),
    );
  }

  /**
   * createSandbox's early work: the volumes, then `runc create` of each precreatable
   * container in the pinned namespaces (kubelet creates a pod's containers once its sandbox
   * is ready; here creation overlaps the CNI ADD and the start still waits for it, so a
   * container's process never runs without its network). A failure leaves that container to
   * its normal start, which creates it again and reports why. Resolves to what removes them.
   */
  async #precreate(
    early: Sandbox,
    hostLimits: Promise<Record<string, number>>,
    seccomp: Promise<DockerSeccompProfile | undefined>,
  ): Promise<() => Promise<void>> {
    const undo = async (): Promise<void> => {
      const created = await Promise.all(this.#precreated.values());
      this.#precreated.clear();
      await Promise.all(
        created.map(async (c) => {
          await c?.abort().catch(() => undefined);
        }),
      );
    };
    try {
      this.#hostLimits = await hostLimits;
      this.#seccomp = await seccomp;
      const facts = this.#downwardFacts(early);
      const volumes = await prepareVolumes(
        this.#layout.podDir(this.#record.uid),
        this.#record.pod.spec.volumes,
        {
          ...volumeObjects(this.#o.objects),
          claims: new Map(Object.entries(this.#record.claims ?? {})),
        },
        facts,
      );
      this.#volumes = new Map(volumes.map((v) => [v.name, v]));
      this.#volumesReady = true;
      for (const slot of this.#precreatable()) {
        this.#precreated.set(
          slot.container.name,
          this.#lifecycle.create(slot, early, facts).catch(() => undefined),
        );
      }
      await Promise.all(this.#precreated.values());
    } catch {
      // The volumes are prepared again after the sandbox, where a failure fails the pod.
    }
    return undo;
  }

  #containerDir(name: string): string {
    return path.join(this.#layout.podDir(this.#record.uid), 'containers', name);
  }

  #runcId(name: string): string {
    return containerRuncId(this.#sandbox ?? { id: 'x' }, name);
  }

  #target(slot: Slot): ProbeTarget {
    return {
      containerId: this.#runcId(slot.container.name),
      // The pod IP; with hostNetwork the host's loopback (servers listening on 127.0.0.1 only
      // answer there, and the pod shares the host's network anyway).
      host: this.#record.pod.spec.hostNetwork ? '127.0.0.1' : (this.#sandbox?.ip ?? '127.0.0.1'),
      ports: slot.container.ports,
    };
  }

  #podGraceMs(): number {
    return Math.max(this.#record.pod.spec.terminationGracePeriodSeconds, 0) * 1000;
  }

  /** Starts the probes of a running attempt (probe-manager.ts); they stop when `signal` aborts. */
  #startProbes(slot: Slot, signal: AbortSignal, resumed = false): void {
    startProbes(this.#probes, slot, signal, resumed);
  }

  #shouldRestart(slot: Slot, exitCode: number): boolean {
    return shouldRestart(slot.kind, this.#record.pod.spec.restartPolicy, exitCode, this.#stopping);
  }

  /** Waits `ms` unless a stop request comes first. */
  async #pause(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopping) return;
    const ac = new AbortController();
    this.#wake = () => {
      ac.abort();
    };
    await this.#clock.sleep(ms, ac.signal);
    this.#wake = undefined;
  }

  /**
   * The CrashLoopBackOff delay before the next start; waits through it, showing why. A
   * container that never got created (config error) keeps its reason and no restart counts.
   */
  async #backoffBeforeRestart(slot: Slot, outcome: StartOutcome): Promise<void> {
    // A container that ran cleanly for resetAfterMs starts the series over (kubelet: 10 min).
    const delay = slot.backoff.next(outcome === 'running' ? this.#clock.now() : undefined);
    if (countsAsRestart(outcome)) {
      slot.status.lastState = slot.status.state;
      slot.status.restartCount++;
    }
    if (delay > 0) {
      const shown = backoffDisplay(outcome, delay, slot.container, this.#record.name, slot.status);
      slot.status.state = { waiting: shown.waiting };
      await this.#event('Warning', 'BackOff', objectRef(slot), shown.event);
      slot.nextStartAt = this.#clock.now() + delay;
      await this.#save();
      await this.#pause(delay);
      slot.nextStartAt = undefined;
    }
  }

  /**
   * Runs a container until it will not run again: start, wait for the exit, restart by the
   * policy with backoff. `onFirstStart` is called once the first start has settled (running
   * after postStart, or failed): main containers start in order behind it.
   */
  async #supervise(
    slot: Slot,
    onFirstStart?: () => void,
    adopted?: AdoptedContainer,
  ): Promise<void> {
    let first = onFirstStart;
    let resumed = adopted;
    try {
      while (!this.#isStopping()) {
        let exit: ContainerExit | undefined;
        let outcome: StartOutcome;
        if (resumed !== undefined) {
          ({ outcome, exit } = await this.#lifecycle.resumeAttempt(slot, resumed));
          resumed = undefined;
        } else {
          outcome = await this.#lifecycle.startOnce(slot);
        }
        first?.();
        first = undefined;
        let exitCode = 128;
        if (outcome === 'configError' || outcome === 'pullError') {
          await this.#backoffBeforeRestart(slot, outcome);
          continue;
        }
        const attempt = slot.attempt;
        if (exit === undefined && attempt !== undefined) exit = await attempt.exited;
        if (exit !== undefined) {
          await this.#lifecycle.recordExit(slot, exit);
          exitCode = exit.exitCode;
        }
        if (slot.kind === 'init' && exitCode === 0) break;
        if (!this.#shouldRestart(slot, exitCode)) break;
        await this.#backoffBeforeRestart(slot, outcome);
      }
    } finally {
      first?.();
      slot.done = true;
      await this.#save();
    }
  }

  /** Init containers and sidecars in order; false when the pod failed (or stops) in init. */
  async #runInitContainers(adopted?: ReadonlyMap<Slot, AdoptedContainer>): Promise<boolean> {
    for (const slot of this.#slots.filter((s) => s.kind !== 'main')) {
      if (this.#stopping) return false;
      if (slot.done) continue;
      if (slot.kind === 'sidecar') {
        void this.#supervise(slot, undefined, adopted?.get(slot));
        await this.#until(() => slot.status.started || slot.done || this.#stopping);
        continue;
      }
      await this.#supervise(slot, undefined, adopted?.get(slot));
      const t = slot.status.state.terminated;
      if (this.#isStopping()) return false;
      if (t?.exitCode !== 0) {
        const st = this.#record.status;
        st.phase = 'Failed';
        st.reason = 'InitContainerFailed';
        st.message = `init container ${slot.container.name} ${t === undefined ? 'did not run' : `terminated with ${t.reason} (exit code ${t.exitCode})`}`;
        await this.#event('Warning', 'Failed', objectRef(slot), st.message);
        return false;
      }
    }
    this.#initialized = true;
    for (const s of this.#slots)
      if (s.kind === 'main') s.status.state = { waiting: { reason: 'ContainerCreating' } };
    await this.#save();
    return true;
  }

  async #runMainContainers(adopted?: ReadonlyMap<Slot, AdoptedContainer>): Promise<void> {
    const mains = this.#slots.filter((s) => s.kind === 'main');
    const loops: Promise<void>[] = [];
    for (const slot of mains) {
      if (this.#stopping) break;
      if (slot.done) continue;
      let settled!: () => void;
      const firstStart = new Promise<void>((resolve) => {
        settled = resolve;
      });
      loops.push(this.#supervise(slot, settled, adopted?.get(slot)));
      // kubelet starts main containers in spec order without waiting for them, except that a
      // postStart hook blocks the next start (manifests rely on that for ordering). So only a
      // container with a postStart is waited for; the others start concurrently (pod start
      // time is the slowest container, not their sum).
      if (slot.container.lifecycle?.postStart !== undefined) await firstStart;
    }
    await Promise.all(loops);
    if (!this.#stopping) this.#record.status.phase = endPhase(mains.map((s) => s.status));
  }

  /** Kills the current attempt (termination.ts: preStop, stop signal, grace, SIGKILL). */
  async #stop(slot: Slot, graceMs: number, message: string): Promise<void> {
    await stopContainer(this.#termination, slot, graceMs, message);
  }

  /** Ordered termination: main (and init) containers in parallel, then sidecars in reverse. */
  async #terminate(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    for (const s of this.#slots) s.attemptAbort?.abort();
    await this.#leaveEndpoints();
    await terminateInOrder(this.#termination, this.#slots, this.#podGraceMs());
    // Let the supervising loops record the exits (bounded: a lost exit must not hang us).
    await Promise.race([
      this.#until(() => this.#slots.every((s) => s.attempt === undefined)),
      new Promise((r) => setTimeout(r, 5000).unref()),
    ]);
    const st = this.#record.status;
    if (st.phase === 'Pending' || st.phase === 'Running') {
      st.phase = endPhase(this.#slots.filter((s) => s.kind === 'main').map((s) => s.status));
    }
    await this.#save();
  }

  /**
   * A graceful stop first lets the pod leave its Services (beforeStop, bounded by LEAVE_WAIT_MS
   * and by a force): on one machine the endpoints' update can be waited for, where Kubernetes
   * users add a preStop sleep and hope the proxies were quicker.
   */
  async #leaveEndpoints(): Promise<void> {
    const hook = this.#o.beforeStop;
    const force = this.#force.signal;
    // A function, not the getter, so the check after the await is not narrowed away.
    const forced = (): boolean => force.aborted;
    if (hook === undefined || forced()) return;
    // The hook waits on what the record says: the deletion mark is written first.
    await this.#save();
    if (forced()) return;
    let timer: NodeJS.Timeout | undefined;
    let onForce: (() => void) | undefined;
    await Promise.race([
      hook(this.#record).catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, LEAVE_WAIT_MS);
        onForce = resolve;
        force.addEventListener('abort', onForce, { once: true });
      }),
    ]);
    clearTimeout(timer);
    if (onForce !== undefined) force.removeEventListener('abort', onForce);
  }

  /** Releases every resource of the pod; its record, events and logs stay until `down`. */
  async #release(): Promise<void> {
    // Overlays mounted ahead but never used are removed with the rest (once they settled).
    await Promise.all(this.#premounts.values());
    this.#premounts.clear();
    // Containers created early that never started (the pod stopped first).
    for (const created of await Promise.all(this.#precreated.values()))
      await created?.abort().catch(() => undefined);
    this.#precreated.clear();
    // The same release as `remove` and `gc`; a failed step is left to `podkit gc`.
    await releasePodResources(this.#layout, this.#record.uid, { sandbox: this.#sandbox }).catch(
      () => undefined,
    );
    this.#sandbox = undefined;
    this.#record.released = true;
    this.#record.worker = undefined;
    await this.#save();
  }
}

/** A recorded RFC 3339 start time as a Date; undefined when none was recorded. */
function startedAtOf(recorded: string | undefined): Date | undefined {
  return recorded === undefined ? undefined : new Date(recorded);
}

/** kubelet's rule: ClusterFirst (unless hostNetwork), or ClusterFirstWithHostNet. */
function usesClusterDns(spec: PodRecord['pod']['spec']): boolean {
  return spec.hostNetwork
    ? spec.dnsPolicy === 'ClusterFirstWithHostNet'
    : spec.dnsPolicy === 'ClusterFirst' || spec.dnsPolicy === 'ClusterFirstWithHostNet';
}
