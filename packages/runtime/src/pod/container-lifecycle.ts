import { PodkitError, type Backoff } from '@podkit/kit';
import { hostImageIsolation } from '../images/host-image.js';
import type { ImageRecord } from '../images/image-store.js';
import { loadRegistrySettings } from '../images/registry/registry-settings.js';
import type { RootfsMount } from '../images/rootfs-mount.js';
import type { DockerSeccompProfile } from '../oci/seccomp.js';
import type { Clock } from '../probes/clock.js';
import type { Prober, ProbeTarget } from '../probes/types.js';
import type { Runc } from '../runc/runc.js';
import { containerRuncId, type Sandbox } from '../sandbox/index.js';
import type { Container } from '../spec/types.js';
import type { StateLayout } from '../state/state-root.js';
import type { AdoptedContainer, ContainerHandle } from '../supervisor/run-container.js';
import { traceMark } from '../trace.js';
import type { PreparedVolume } from '../volumes/volume-manager.js';
import type { DownwardFacts } from '../volumes/types.js';
import { resolveContainerEnv, type PodObjects } from './container-env.js';
import { buildContainerPlan } from './container-plan.js';
import {
  cleanupAttempt,
  createAttempt,
  type ContainerExit,
  type CreatedAttempt,
} from './container-runner.js';
import { runLifecycleHook } from './lifecycle-hooks.js';
import { loadPullImage, pullFailureMessage, shouldPull } from './pod-images.js';
import { nowRfc3339, terminatedReason, type ContainerStatus, type PodEvent } from './pod-status.js';
import { containerLogPath, type PodRecord } from './pod-store.js';
import { isConfigError, type ContainerKind, type StartOutcome } from './restart-policy.js';

/**
 * One container's attempts, as kubelet's kuberuntime_container.go: create and start it
 * (postStart before it counts as Running; config, start and pull failures each with the
 * status kubelet shows), record its exit, and take over one an earlier agent started. Whether
 * it runs again is restart-policy.ts; the loop that ties them is the pod worker's #supervise.
 */

/** One container of the pod and its supervision state (the pod worker's slot). */
export interface ContainerSlot {
  container: Container;
  kind: ContainerKind;
  status: ContainerStatus;
  attempt: ContainerHandle | undefined;
  /** Set once the container will not run again. */
  done: boolean;
  lastStartedAt: number;
  /** CrashLoopBackOff of this container (kit's one backoff; its state is persisted). */
  backoff: Backoff;
  /** While waiting in back-off: when the next start is due (clock time). */
  nextStartAt: number | undefined;
  /** Aborted when the current attempt ends or is being killed: its probes and postStart. */
  attemptAbort: AbortController | undefined;
  /** The kill of the current attempt in progress (one at a time). */
  killing: Promise<void> | undefined;
}

/** What a container start needs of its pod (the pod worker owns all of it). */
export interface ContainerLifecycleContext {
  readonly runc: Runc;
  readonly layout: StateLayout;
  readonly record: PodRecord;
  readonly objects: PodObjects;
  readonly images: ReadonlyMap<string, ImageRecord>;
  readonly hiddenHostPaths?: readonly string[] | undefined;
  readonly clock: Clock;
  readonly prober: Prober;
  /** Images pulled again for a restart (imagePullPolicy Always), by container name. */
  readonly pulled: Map<string, ImageRecord>;
  /** First-attempt overlays mounted while the sandbox was created (taken by the first start). */
  readonly premounts: Map<string, Promise<RootfsMount | undefined>>;
  /**
   * First attempts created while the pod's network was set up (undefined: that failed, the
   * start creates it again and reports why); taken by the first start.
   */
  readonly precreated: Map<string, Promise<CreatedAttempt | undefined>>;
  /** Aborted by a forced stop: a pull in progress ends at once. */
  readonly force: AbortSignal;
  sandbox(): Sandbox | undefined;
  facts(): DownwardFacts | undefined;
  volumes(): ReadonlyMap<string, PreparedVolume>;
  hostLimits(): Record<string, number>;
  seccomp(): DockerSeccompProfile | undefined;
  isStopping(): boolean;
  runcId(name: string): string;
  containerDir(name: string): string;
  target(slot: ContainerSlot): ProbeTarget;
  podGraceMs(): number;
  event(type: PodEvent['type'], reason: string, object: string, message: string): Promise<void>;
  save(): Promise<void>;
  stop(slot: ContainerSlot, graceMs: number, message: string): Promise<void>;
  startProbes(slot: ContainerSlot, signal: AbortSignal, resumed?: boolean): void;
  /** Waits `ms` unless a stop request comes first. */
  pause(ms: number): Promise<void>;
}

/** `spec.containers{name}` / `spec.initContainers{name}`: the object of a container's events. */
export function objectRef(slot: Pick<ContainerSlot, 'kind' | 'container'>): string {
  return `${slot.kind === 'main' ? 'spec.containers' : 'spec.initContainers'}{${slot.container.name}}`;
}

export class ContainerLifecycle {
  readonly #c: ContainerLifecycleContext;

  constructor(context: ContainerLifecycleContext) {
    this.#c = context;
  }

  #nowRfc3339(): string {
    return nowRfc3339(() => this.#c.clock.now());
  }

  /**
   * Creates and starts one attempt of the container (runc), before any hook or probe. A first
   * attempt the pod worker created while the pod's network was set up is only started.
   */
  async #create(slot: ContainerSlot): Promise<ContainerHandle> {
    const name = slot.container.name;
    const precreated = this.#c.precreated.get(name);
    this.#c.precreated.delete(name);
    const created = await precreated;
    if (created !== undefined) return created.start();
    const sb = this.#c.sandbox();
    const facts = this.#c.facts();
    if (sb === undefined || facts === undefined) throw new Error('sandbox not ready');
    return (await this.create(slot, sb, facts)).start();
  }

  /**
   * The first half of an attempt: its rootfs, plan and `runc create` in `sb` (the pod worker
   * calls it directly for a first attempt while the pod's network is still being set up).
   */
  async create(slot: ContainerSlot, sb: Sandbox, facts: DownwardFacts): Promise<CreatedAttempt> {
    const image =
      this.#c.pulled.get(slot.container.name) ?? this.#c.images.get(slot.container.name);
    if (image === undefined) throw new Error(`no image for ${slot.container.name}`);
    const c = slot.container;
    const isolation =
      image.kind === 'host'
        ? await hostImageIsolation({
            stateRoot: this.#c.layout.root,
            extraHidden: this.#c.hiddenHostPaths,
            keep: image.keep,
          })
        : undefined;
    const record = this.#c.record;
    const serviceEnv = record.pod.spec.enableServiceLinks ? (record.serviceEnv ?? []) : [];
    const env = resolveContainerEnv(c, this.#c.objects, facts, serviceEnv).env;
    const premount = this.#c.premounts.get(c.name);
    this.#c.premounts.delete(c.name);
    const attempt = await createAttempt({
      rootfs: await premount,
      runc: this.#c.runc,
      id: containerRuncId(sb, c.name),
      containerDir: this.#c.containerDir(c.name),
      stateRoot: this.#c.layout.root,
      image,
      logPath: containerLogPath(this.#c.layout, this.#c.record.uid, c.name),
      hostFacts: { hostLimits: this.#c.hostLimits() },
      plan: (rootfs) =>
        buildContainerPlan({
          pod: this.#c.record.pod,
          container: c,
          image,
          rootfs,
          sandbox: sb,
          volumes: this.#c.volumes(),
          env,
          isolation,
          runtimeDefaultSeccomp: this.#c.seccomp(),
        }),
    });
    slot.status.imageID = image.name;
    return attempt;
  }

  /**
   * One start: create the container, run postStart (the container is not Running until it
   * returns; a failure kills it), then mark it Running and start its probes.
   */
  async startOnce(slot: ContainerSlot): Promise<StartOutcome> {
    const c = slot.container;
    // Admission pulled for the first start; a restart pulls again as its policy says.
    if (slot.status.restartCount > 0 && !(await this.#pullForRestart(slot))) return 'pullError';
    slot.lastStartedAt = this.#c.clock.now();
    slot.backoff.started(slot.lastStartedAt);
    let attempt: ContainerHandle;
    try {
      attempt = await this.#create(slot);
    } catch (err) {
      const e = err as PodkitError;
      const configError = isConfigError(e.code);
      await this.#c.event('Warning', 'Failed', objectRef(slot), `Error: ${e.message}`);
      if (configError) {
        slot.status.state = {
          waiting: { reason: 'CreateContainerConfigError', message: e.message },
        };
        await this.#c.save();
        return 'configError';
      }
      // runc could not start the process (e.g. the command does not exist): as containerd
      // reports it, a container that terminated with 128, reason StartError.
      const at = this.#nowRfc3339();
      slot.status.state = {
        terminated: {
          exitCode: 128,
          reason: 'StartError',
          message: e.message,
          startedAt: at,
          finishedAt: at,
        },
      };
      await this.#c.save();
      return 'startError';
    }
    slot.attempt = attempt;
    const ac = new AbortController();
    slot.attemptAbort = ac;
    slot.status.containerID = `runc://${attempt.id}`;
    await this.#c.event('Normal', 'Created', objectRef(slot), `Created container ${c.name}`);
    await this.#c.event('Normal', 'Started', objectRef(slot), `Started container ${c.name}`);
    if (this.#c.isStopping()) {
      // Termination began while this container was being created: it must not outlive it.
      await attempt.kill('SIGKILL').catch(() => undefined);
      return 'killed';
    }
    const postStart = c.lifecycle?.postStart;
    if (postStart !== undefined) {
      // Not Running until the hook returns (a restart's CrashLoopBackOff is over by now).
      slot.status.state = { waiting: { reason: 'ContainerCreating' } };
      await this.#c.save();
      const r = await Promise.race([
        runLifecycleHook({
          name: 'PostStart',
          handler: postStart,
          container: c.name,
          pod: this.#c.record.name,
          prober: this.#c.prober,
          target: this.#c.target(slot),
          clock: this.#c.clock,
          timeoutMs: Infinity,
          signal: ac.signal,
        }),
        attempt.exited.then(() => ({ ok: false, output: 'the container exited' })),
      ]);
      if (ac.signal.aborted) return 'killed';
      if (!r.ok) {
        await this.#c.event('Warning', 'FailedPostStartHook', objectRef(slot), r.output);
        void this.#c.stop(slot, this.#c.podGraceMs(), 'FailedPostStartHook');
        return 'killed';
      }
    }
    slot.lastStartedAt = this.#c.clock.now();
    slot.backoff.started(slot.lastStartedAt);
    slot.status.state = { running: { startedAt: this.#nowRfc3339() } };
    slot.status.started = c.startupProbe === undefined;
    slot.status.ready =
      slot.status.started && c.readinessProbe === undefined && slot.kind !== 'init';
    if (slot.kind !== 'init') this.#c.startProbes(slot, ac.signal);
    await this.#c.save();
    traceMark(`container.${c.name}.saved-running`);
    return 'running';
  }

  /**
   * kubelet's image step of a container start: with imagePullPolicy Always (an OCI image) the
   * image is pulled again; a failure leaves the container Waiting with ErrImagePull (false).
   */
  async #pullForRestart(slot: ContainerSlot): Promise<boolean> {
    const c = slot.container;
    const local = this.#c.pulled.get(c.name) ?? this.#c.images.get(c.name);
    if (!shouldPull(c.imagePullPolicy, local)) return true;
    await this.#c.event('Normal', 'Pulling', objectRef(slot), `Pulling image "${c.image}"`);
    try {
      const settings = await loadRegistrySettings(this.#c.layout.root);
      // A forced stop ends the pull at once; a graceful one lets it finish (its retries are bounded).
      const pullImage = await loadPullImage();
      const r = await pullImage(this.#c.layout.root, c.image, {
        settings,
        signal: this.#c.force,
      });
      const record = r.records.find((x) => x.name === r.name) ?? r.records[0];
      if (record !== undefined) this.#c.pulled.set(c.name, record);
      await this.#c.event(
        'Normal',
        'Pulled',
        objectRef(slot),
        `Successfully pulled image "${c.image}"`,
      );
      return true;
    } catch (err) {
      const message = pullFailureMessage(c.image, err);
      slot.status.state = { waiting: { reason: 'ErrImagePull', message } };
      await this.#c.event('Warning', 'Failed', objectRef(slot), message);
      await this.#c.event('Warning', 'Failed', objectRef(slot), 'Error: ErrImagePull');
      await this.#c.save();
      return false;
    }
  }

  /** Records an exit and removes what the attempt left. */
  async recordExit(slot: ContainerSlot, exit: ContainerExit): Promise<void> {
    slot.attemptAbort?.abort();
    const started = slot.status.state.running?.startedAt;
    slot.status.state = {
      terminated: {
        exitCode: exit.exitCode,
        signal: exit.signal === undefined ? undefined : exit.exitCode - 128,
        reason:
          exit.lost === true
            ? 'ContainerStatusUnknown'
            : terminatedReason(exit.exitCode, exit.oomKilled),
        message:
          exit.lost === true
            ? 'The container could not be located when the pod was adopted'
            : undefined,
        startedAt: started,
        finishedAt: this.#nowRfc3339(),
      },
    };
    slot.status.ready = false;
    slot.status.started = false;
    slot.attempt = undefined;
    slot.killing = undefined;
    await cleanupAttempt(
      this.#c.runc,
      this.#c.runcId(slot.container.name),
      this.#c.containerDir(slot.container.name),
    ).catch(() => undefined);
    await this.#c.save();
  }

  /**
   * Brings the record in line with a container adoption found running: the agent died after
   * the container started and before its record said so, so the record says it runs (since
   * runc created it). Saved by the caller with the rest of the adoption.
   */
  reconcileAdopted(slot: ContainerSlot, adopted: AdoptedContainer): void {
    if (adopted.state !== 'running' || slot.status.state.running !== undefined) return;
    slot.lastStartedAt = adopted.handle.startedAt.getTime();
    slot.backoff.started(slot.lastStartedAt);
    slot.status.state = { running: { startedAt: nowRfc3339(() => slot.lastStartedAt) } };
    slot.status.started = slot.container.startupProbe === undefined;
    slot.status.ready =
      slot.status.started && slot.container.readinessProbe === undefined && slot.kind !== 'init';
  }

  /**
   * The first turn of a container found by resume(): a running one gets its handle and probes
   * back; an exit conmon recorded meanwhile is returned to be applied; a container that was
   * running and is gone without an exit is lost; one waiting in back-off waits the rest of it.
   */
  async resumeAttempt(
    slot: ContainerSlot,
    adopted: AdoptedContainer,
  ): Promise<{ outcome: StartOutcome; exit?: ContainerExit | undefined }> {
    if (adopted.state === 'running') {
      slot.attempt = adopted.handle;
      const ac = new AbortController();
      slot.attemptAbort = ac;
      if (slot.kind !== 'init') this.#c.startProbes(slot, ac.signal, true);
      return { outcome: 'running' };
    }
    if (adopted.state === 'exited') return { outcome: 'running', exit: adopted.exit };
    if (slot.status.state.running !== undefined) {
      const lost: ContainerExit = {
        exitCode: 137,
        signal: 'SIGKILL',
        oomKilled: false,
        lost: true,
        finishedAt: new Date(),
      };
      return { outcome: 'running', exit: lost };
    }
    if (slot.nextStartAt !== undefined) {
      await this.#c.pause(slot.nextStartAt - this.#c.clock.now());
      slot.nextStartAt = undefined;
      if (this.#c.isStopping()) return { outcome: 'killed' };
    }
    return { outcome: await this.startOnce(slot) };
  }
}
