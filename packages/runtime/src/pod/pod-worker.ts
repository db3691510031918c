import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodkitError } from '@podkit/kit';
import { hostImageIsolation } from '../images/host-image.js';
import type { ImageRecord } from '../images/image-store.js';
import { readHostLimits } from '../oci/rlimits.js';
import { loadRuntimeDefaultSeccomp } from '../oci/seccomp.js';
import type { DockerSeccompProfile } from '../oci/seccomp.js';
import { Runc } from '../runc/runc.js';
import { createSandbox, destroySandbox, loadSandbox, type Sandbox } from '../sandbox/index.js';
import type { Container } from '../spec/types.js';
import type { StateLayout } from '../state/state-root.js';
import { prepareVolumes, releaseVolumes, type PreparedVolume } from '../volumes/volume-manager.js';
import type { DownwardFacts } from '../volumes/types.js';
import { loadPodNetwork } from './network-config.js';
import { machineCapacity, podPortMappings, volumeObjects } from './admission.js';
import { resolveContainerEnv, type PodObjects } from './container-env.js';
import { buildContainerPlan } from './container-plan.js';
import { cleanupAttempt, startAttempt, type ContainerExit } from './container-runner.js';
import type { ContainerHandle } from '../supervisor/run-container.js';
import {
  nowRfc3339,
  terminatedReason,
  type ContainerStatus,
  type PodCondition,
  type PodConditionType,
  type PodEvent,
} from './pod-status.js';
import { appendPodEvent, containerLogPath, writePodRecord, type PodRecord } from './pod-store.js';

/** CrashLoopBackOff: 0 for the first restart, then base, 2×base … capped (kubelet: 10 s, 300 s). */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** A container that ran this long cleanly has its backoff reset (kubelet: 10 min). */
  resetAfterMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = {
  baseMs: 10_000,
  capMs: 300_000,
  resetAfterMs: 600_000,
};

export interface PodWorkerOptions {
  layout: StateLayout;
  record: PodRecord;
  objects: PodObjects;
  images: ReadonlyMap<string, ImageRecord>;
  backoff?: BackoffPolicy | undefined;
  /** Paths a host-image container must not see besides the defaults (e.g. the project dir). */
  hiddenHostPaths?: readonly string[] | undefined;
}

type Kind = 'init' | 'sidecar' | 'main';

interface Slot {
  container: Container;
  kind: Kind;
  status: ContainerStatus;
  attempt: ContainerHandle | undefined;
  /** Set once the container will not run again. */
  done: boolean;
  lastStartedAt: number;
  backoffMs: number;
}

function objectRef(slot: Slot): string {
  return `${slot.kind === 'main' ? 'spec.containers' : 'spec.initContainers'}{${slot.container.name}}`;
}

/**
 * The pod worker: one per pod, in its own process, like kubelet's pod worker. It creates the
 * sandbox and volumes, runs init containers one at a time, starts native sidecars and then the
 * main containers, restarts containers by the restart policy with CrashLoopBackOff, keeps the
 * Kubernetes-shaped status in the pod record, and on stop (or completion) terminates main
 * containers in parallel, then sidecars in reverse order, and releases every resource.
 */
export class PodWorker {
  readonly #o: PodWorkerOptions;
  readonly #record: PodRecord;
  readonly #runc: Runc;
  readonly #backoff: BackoffPolicy;
  readonly #slots: Slot[];
  #sandbox: Sandbox | undefined;
  #volumes = new Map<string, PreparedVolume>();
  #facts: DownwardFacts | undefined;
  #seccomp: DockerSeccompProfile | undefined;
  #hostLimits: Record<string, number> = {};
  #stopping = false;
  #forced = false;
  #terminating: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #writeChain: Promise<void> = Promise.resolve();

  constructor(options: PodWorkerOptions) {
    this.#o = options;
    this.#record = options.record;
    this.#runc = new Runc({ root: options.layout.runcRoot });
    this.#backoff = options.backoff ?? KUBELET_BACKOFF;
    const spec = this.#record.pod.spec;
    const mk = (c: Container, kind: Kind): Slot => ({
      container: c,
      kind,
      status: {
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
      lastStartedAt: 0,
      backoffMs: 0,
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
  }

  /** Asks the pod to stop: graceful the first time, forced (SIGKILL now) the second. */
  requestStop(): void {
    if (this.#stopping) this.#forced = true;
    void this.#terminateOnce();
    // A second request while stopping: kill what is still running now.
    if (this.#forced)
      for (const s of this.#slots) void s.attempt?.kill('SIGKILL').catch(() => undefined);
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

  async #event(
    type: PodEvent['type'],
    reason: string,
    object: string,
    message: string,
  ): Promise<void> {
    await appendPodEvent(this.#layout, this.#record.uid, {
      time: nowRfc3339(),
      type,
      reason,
      object,
      message,
    });
  }

  /** Persists the record; writes are chained so they land in order. */
  #save(): Promise<void> {
    this.#refreshConditions();
    const snapshot = JSON.parse(JSON.stringify(this.#record)) as PodRecord;
    this.#writeChain = this.#writeChain
      .then(() => writePodRecord(this.#layout, snapshot))
      .catch(() => undefined);
    return this.#writeChain;
  }

  #setCondition(type: PodConditionType, value: boolean, reason?: string): void {
    const status = value ? 'True' : 'False';
    const list = this.#record.status.conditions;
    const existing = list.find((c) => c.type === type);
    if (existing?.status === status) return;
    const cond: PodCondition = {
      type,
      status,
      lastTransitionTime: nowRfc3339(),
      reason: value ? undefined : reason,
    };
    if (existing === undefined) list.push(cond);
    else Object.assign(existing, cond);
  }

  #refreshConditions(): void {
    const st = this.#record.status;
    const inits = this.#slots.filter((s) => s.kind === 'init');
    const sidecars = this.#slots.filter((s) => s.kind === 'sidecar');
    const mains = this.#slots.filter((s) => s.kind === 'main');
    this.#setCondition('PodReadyToStartContainers', this.#sandbox !== undefined && !this.#stopping);
    const initialized =
      inits.every((s) => s.status.state.terminated?.exitCode === 0) &&
      sidecars.every((s) => s.status.started);
    this.#setCondition('Initialized', initialized, 'ContainersNotInitialized');
    for (const s of [...sidecars, ...mains]) {
      s.status.ready = s.status.state.running !== undefined;
      s.status.started = s.status.state.running !== undefined;
    }
    const ready = initialized && [...sidecars, ...mains].every((s) => s.status.ready);
    this.#setCondition('ContainersReady', ready, 'ContainersNotReady');
    this.#setCondition('Ready', ready, 'ContainersNotReady');
    if (
      st.phase === 'Pending' &&
      mains.some(
        (s) => s.status.state.running !== undefined || s.status.state.terminated !== undefined,
      )
    ) {
      st.phase = 'Running';
    }
  }

  /** Runs the pod to its end (completion, failure or a stop request) and releases it. */
  async run(): Promise<void> {
    const st = this.#record.status;
    st.phase = 'Pending';
    st.startTime = nowRfc3339();
    await this.#event(
      'Normal',
      'Scheduled',
      '',
      `Successfully assigned ${this.#record.namespace}/${this.#record.name} to ${osHostname()}`,
    );
    try {
      await this.#setUp();
      await this.#save();
      if (!this.#stopping) await this.#runInitContainers();
      if (!this.#stopping) await this.#runMainContainers();
      await this.#terminateOnce();
    } catch (err) {
      st.phase = 'Failed';
      st.reason = err instanceof PodkitError ? err.code : 'Error';
      st.message = err instanceof Error ? err.message : String(err);
      await this.#event('Warning', 'Failed', '', st.message);
      await this.#terminateOnce().catch(() => undefined);
    } finally {
      await this.#release();
    }
  }

  async #setUp(): Promise<void> {
    const pod = this.#record.pod;
    this.#hostLimits = await readHostLimits().catch(() => ({}));
    this.#seccomp = await loadRuntimeDefaultSeccomp().catch(() => undefined);
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
    });
    const sb = this.#sandbox;
    this.#record.status.podIP = sb.ip;
    this.#record.status.hostIP = '127.0.0.1';
    const cap = machineCapacity();
    this.#facts = {
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
    const volumes = await prepareVolumes(
      this.#layout.podDir(this.#record.uid),
      pod.spec.volumes,
      volumeObjects(this.#o.objects),
      this.#facts,
    );
    this.#volumes = new Map(volumes.map((v) => [v.name, v]));
  }

  #containerDir(name: string): string {
    return path.join(this.#layout.podDir(this.#record.uid), 'containers', name);
  }

  #runcId(name: string): string {
    return `${this.#sandbox?.id ?? 'x'}-${name}`;
  }

  async #start(slot: Slot): Promise<void> {
    const sb = this.#sandbox;
    const facts = this.#facts;
    if (sb === undefined || facts === undefined) throw new Error('sandbox not ready');
    const image = this.#o.images.get(slot.container.name);
    if (image === undefined) throw new Error(`no image for ${slot.container.name}`);
    const c = slot.container;
    const isolation =
      image.kind === 'host'
        ? await hostImageIsolation({
            stateRoot: this.#layout.root,
            extraHidden: this.#o.hiddenHostPaths,
          })
        : undefined;
    const env = resolveContainerEnv(c, this.#o.objects, facts).env;
    try {
      slot.attempt = await startAttempt({
        runc: this.#runc,
        id: this.#runcId(c.name),
        containerDir: this.#containerDir(c.name),
        stateRoot: this.#layout.root,
        image,
        logPath: containerLogPath(this.#layout, this.#record.uid, c.name),
        hostFacts: { hostLimits: this.#hostLimits },
        plan: (rootfs) =>
          buildContainerPlan({
            pod: this.#record.pod,
            container: c,
            image,
            rootfs,
            sandbox: sb,
            volumes: this.#volumes,
            env,
            isolation,
            runtimeDefaultSeccomp: this.#seccomp,
          }),
      });
    } catch (err) {
      const e = err as PodkitError;
      const reason =
        e.code === 'CONTAINER_CONFIG_INVALID' || e.code === 'CONTAINER_NO_COMMAND'
          ? 'CreateContainerConfigError'
          : e.code === 'CONTAINER_START_FAILED'
            ? 'RunContainerError'
            : 'CreateContainerError';
      slot.status.state = { waiting: { reason, message: e.message } };
      await this.#event('Warning', 'Failed', objectRef(slot), `Error: ${e.message}`);
      await this.#save();
      throw err;
    }
    if (this.#stopping) {
      // Termination began while this container was being created: it must not outlive it.
      await slot.attempt.kill('SIGKILL').catch(() => undefined);
    }
    slot.lastStartedAt = Date.now();
    slot.status.imageID = image.name;
    slot.status.containerID = `runc://${slot.attempt.id}`;
    slot.status.state = { running: { startedAt: nowRfc3339() } };
    await this.#event('Normal', 'Created', objectRef(slot), `Created container ${c.name}`);
    await this.#event('Normal', 'Started', objectRef(slot), `Started container ${c.name}`);
    await this.#save();
  }

  /** Records an exit; returns it. */
  async #recordExit(slot: Slot, exit: ContainerExit): Promise<void> {
    const started = slot.status.state.running?.startedAt;
    slot.status.state = {
      terminated: {
        exitCode: exit.exitCode,
        reason: terminatedReason(exit.exitCode, exit.oomKilled),
        startedAt: started,
        finishedAt: nowRfc3339(),
      },
    };
    slot.attempt = undefined;
    await cleanupAttempt(
      this.#runc,
      this.#runcId(slot.container.name),
      this.#containerDir(slot.container.name),
    );
    await this.#save();
  }

  #shouldRestart(slot: Slot, exitCode: number): boolean {
    if (this.#stopping) return false;
    if (slot.kind === 'sidecar') return true;
    const policy = this.#record.pod.spec.restartPolicy;
    return policy === 'Always'
      ? slot.kind === 'main' || exitCode !== 0
      : policy === 'OnFailure' && exitCode !== 0;
  }

  /** Waits `ms` unless a stop request comes first. */
  async #pause(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopping) return;
    const ac = new AbortController();
    this.#wake = () => {
      ac.abort();
    };
    await sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined);
    this.#wake = undefined;
  }

  /** The CrashLoopBackOff delay before the next start; waits through it, showing the reason. */
  async #backoffBeforeRestart(slot: Slot): Promise<void> {
    const ranFor = Date.now() - slot.lastStartedAt;
    if (ranFor >= this.#backoff.resetAfterMs) slot.backoffMs = 0;
    const delay = slot.backoffMs;
    slot.backoffMs = delay === 0 ? this.#backoff.baseMs : Math.min(delay * 2, this.#backoff.capMs);
    slot.status.lastState = slot.status.state;
    slot.status.restartCount++;
    if (delay > 0) {
      slot.status.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${slot.container.name}`,
        },
      };
      await this.#event(
        'Warning',
        'BackOff',
        objectRef(slot),
        'Back-off restarting failed container',
      );
      await this.#save();
      await this.#pause(delay);
    }
  }

  /** Keeps a sidecar running (restarting it) until the pod stops. */
  #superviseForever(slot: Slot): void {
    void (async () => {
      while (slot.attempt !== undefined) {
        const exit = await slot.attempt.exited;
        await this.#recordExit(slot, exit);
        if (!this.#shouldRestart(slot, exit.exitCode)) break;
        await this.#backoffBeforeRestart(slot);
        if (this.#stopping) break;
        await this.#start(slot).catch(() => undefined);
      }
      slot.done = true;
    })();
  }

  async #runInitContainers(): Promise<void> {
    for (const slot of this.#slots.filter((s) => s.kind !== 'main')) {
      if (this.#stopping) return;
      await this.#start(slot);
      if (slot.kind === 'sidecar') {
        this.#superviseForever(slot);
        continue;
      }
      for (;;) {
        const attempt = slot.attempt;
        if (attempt === undefined) break;
        const exit = await attempt.exited;
        await this.#recordExit(slot, exit);
        if (exit.exitCode === 0) break;
        if (!this.#shouldRestart(slot, exit.exitCode)) {
          this.#record.status.phase = 'Failed';
          this.#record.status.reason = 'InitContainerFailed';
          this.#record.status.message = `init container ${slot.container.name} exited with ${exit.exitCode}`;
          this.#stopping = true;
          return;
        }
        await this.#backoffBeforeRestart(slot);
        if (this.#isStopping()) return;
        await this.#start(slot);
      }
      slot.done = true;
    }
  }

  async #runMainContainers(): Promise<void> {
    const mains = this.#slots.filter((s) => s.kind === 'main');
    for (const slot of mains) await this.#start(slot);
    await Promise.all(
      mains.map(async (slot) => {
        while (slot.attempt !== undefined) {
          const exit = await slot.attempt.exited;
          await this.#recordExit(slot, exit);
          if (!this.#shouldRestart(slot, exit.exitCode)) break;
          await this.#backoffBeforeRestart(slot);
          if (this.#stopping) break;
          await this.#start(slot);
        }
        slot.done = true;
      }),
    );
    if (!this.#stopping) {
      const failed = mains.some((s) => (s.status.state.terminated?.exitCode ?? 0) !== 0);
      this.#record.status.phase = failed ? 'Failed' : 'Succeeded';
    }
  }

  /** Stops one container: its stop signal, the grace period, then SIGKILL. */
  async #stop(slot: Slot, graceMs: number): Promise<void> {
    const attempt = slot.attempt;
    if (attempt === undefined) return;
    const image = this.#o.images.get(slot.container.name);
    const stopSignal = (image?.config.stopSignal ?? 'SIGTERM') as NodeJS.Signals;
    await this.#event(
      'Normal',
      'Killing',
      objectRef(slot),
      `Stopping container ${slot.container.name}`,
    );
    await attempt.kill(this.#forced ? 'SIGKILL' : stopSignal).catch(() => undefined);
    const deadline = Date.now() + graceMs;
    while (!this.#forced && Date.now() < deadline) {
      const done = await Promise.race([
        attempt.exited.then(() => true),
        sleep(50).then(() => false),
      ]);
      if (done) return;
    }
    await attempt.kill('SIGKILL').catch(() => undefined);
    await attempt.exited;
  }

  /** Ordered termination: main containers in parallel, then sidecars in reverse order. */
  async #terminate(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    const grace = Math.max(this.#record.pod.spec.terminationGracePeriodSeconds * 1000, 0);
    const mains = this.#slots.filter((s) => s.kind === 'main');
    await Promise.all(mains.map((s) => this.#stop(s, grace)));
    for (const s of this.#slots.filter((x) => x.kind === 'sidecar').reverse())
      await this.#stop(s, grace);
    for (const s of this.#slots.filter((x) => x.kind === 'init')) await this.#stop(s, grace);
    // Let the supervising loops record the exits.
    for (let i = 0; i < 100 && this.#slots.some((s) => s.attempt !== undefined); i++)
      await sleep(10);
    const st = this.#record.status;
    if (st.phase === 'Pending' || st.phase === 'Running') {
      const failed = mains.some((s) => (s.status.state.terminated?.exitCode ?? 0) !== 0);
      st.phase = failed ? 'Failed' : 'Succeeded';
    }
    await this.#save();
  }

  /** Releases every resource of the pod; its record, events and logs stay until `down`. */
  async #release(): Promise<void> {
    for (const s of this.#slots) {
      await cleanupAttempt(
        this.#runc,
        this.#runcId(s.container.name),
        this.#containerDir(s.container.name),
      ).catch(() => undefined);
    }
    await releaseVolumes(this.#layout.podDir(this.#record.uid)).catch(() => undefined);
    const sb =
      this.#sandbox ?? (await loadSandbox(this.#layout, this.#record.uid).catch(() => undefined));
    if (sb !== undefined) await destroySandbox(sb).catch(() => undefined);
    this.#sandbox = undefined;
    this.#record.released = true;
    this.#record.worker = undefined;
    await this.#save();
  }
}
