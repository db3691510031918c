import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import path from 'node:path';
import { isPodkitError, type PodkitError } from '@podkit/kit';
import { which } from '../host/preflight.js';
import {
  addPodNetwork,
  createNetns,
  defaultPodNetwork,
  deleteNetns,
  findHostPortConflicts,
  removePodNetwork,
  type HostPortConflict,
  type PodNetworkConfig,
  type PortMapping,
  type PublishedHostPort,
} from '../network/index.js';
import { Runc } from '../runc/index.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';
import {
  checkPathSegment,
  ensureStateLayout,
  isProcessAlive,
  processIdentity,
  readJsonFile,
  stateLayout,
  writeFileAtomic,
  writeJsonAtomic,
  type StateLayout,
} from '../state/index.js';
import { removeCgroup } from './cgroups.js';
import { buildEtcHosts, buildResolvConf, type HostAlias, type PodDnsConfig } from './etc-files.js';
import { buildPauseConfig } from './pause-bundle.js';
import { containerRuncId, sandboxFromRecord, type Sandbox } from './sandbox-record.js';
import { namespacePinsIn, pinNamespaces } from './pinned-namespaces.js';
import { unmountAll } from '../host/mounts.js';
import { mountShm, shmMountArgv } from './shm.js';
import { traceMark } from '../trace.js';
import { forgetContainer, runContainer } from '../supervisor/run-container.js';

/** Default /dev/shm size of a pod (as Docker and kubelet's pause). */
export const DEFAULT_SHM_SIZE_BYTES = 64 * 1024 * 1024;

export interface CreateSandboxOptions {
  /**
   * The cluster DNS this pod resolves through (dnsPolicy ClusterFirst, or
   * ClusterFirstWithHostNet with hostNetwork); undefined: the host's resolvers.
   */
  clusterDns?: { nameserver: string; domain: string } | undefined;
  uid: string;
  name: string;
  namespace: string;
  /** spec.hostname or metadata.name (the caller applies that rule). */
  hostname: string;
  subdomain?: string | undefined;
  hostNetwork: boolean;
  shareProcessNamespace: boolean;
  portMappings: readonly PortMapping[];
  dnsConfig?: PodDnsConfig | undefined;
  hostAliases?: readonly HostAlias[] | undefined;
  shmSizeBytes?: number | undefined;
  clusterDomain?: string | undefined;
  /** State root directory or layout (default: resolveStateRoot()). */
  state: StateLayout | string;
  /** Overrides of the pod network (tests use their own bridge and subnet). */
  network?: Partial<PodNetworkConfig> | undefined;
  /** The process owning the pod, if its death should let gc reap the pod. */
  ownerPid?: number | undefined;
  /** Host files read for the pod's copies (tests inject). */
  hostResolvConf?: string | undefined;
  catatonitPath?: string | undefined;
  runcBinary?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Work of the caller's inside the sandbox while its network is set up: called once the
   * pod's namespaces are pinned and its files (/etc/hosts without the pod's IP yet, written
   * again in place once known) and /dev/shm exist, with the sandbox as it is then (no `ip`).
   * The pod worker *creates* its first containers there (their processes wait in runc's init;
   * it starts them once the sandbox is returned). createSandbox resolves once both are done.
   * It must not reject; it resolves to what undoes it, which a failed sandbox calls before it
   * removes itself (the containers leave the pod's cgroup and namespaces first). Used only
   * without a pause and outside the host's network (otherwise never called).
   */
  whileNetworking?: ((early: Sandbox) => Promise<() => Promise<void>>) | undefined;
}

/** The pod's sandbox id: stable per (state root, uid); its first 6 hex chars name the root. */
export function sandboxIdFor(layout: StateLayout, uid: string): string {
  return rootTag(layout) + createHash('sha256').update(uid).digest('hex').slice(0, 10);
}

/** 6 hex chars naming a state root: every netns/cgroup/runc id of that root starts with it. */
export function rootTag(layout: StateLayout): string {
  return createHash('sha256').update(layout.root).digest('hex').slice(0, 6);
}

/** The netns name of a sandbox id. */
export function netnsNameFor(id: string): string {
  return `podkit-${id}`;
}

function toLayout(state: StateLayout | string): StateLayout {
  return typeof state === 'string' ? stateLayout(state) : state;
}

function recordPath(podDir: string): string {
  return path.join(podDir, 'sandbox.json');
}

/**
 * Creates a pod sandbox: netns + CNI (unless hostNetwork), /etc/hosts, /etc/hostname,
 * resolv.conf, a /dev/shm tmpfs, and the pod's own ipc and uts namespaces (hostname set),
 * pinned by bind mounts with no process running — unless shareProcessNamespace asks for a pid
 * namespace shared by the containers, which then gets a pause container as its PID 1 (holding
 * ipc/uts too). The record is written first and updated as each piece appears, so a crash at
 * any point leaves a record that destroySandbox / gc can finish. On failure everything created
 * is removed again.
 * Callers serialise per pod (acquireLock on the pod's lock file).
 *
 * @example
 *   const sb = await createSandbox({ uid, name: 'web', namespace: 'default', hostname: 'web',
 *     hostNetwork: false, shareProcessNamespace: false, portMappings: [], state: '/var/lib/podkit' });
 *   // sb.ip === '10.89.0.2', sb.namespaces.ipc === '/var/lib/podkit/pods/<uid>/sandbox/ns/ipc'
 */
export async function createSandbox(options: CreateSandboxOptions): Promise<Sandbox> {
  const layout = toLayout(options.state);
  checkPathSegment(options.uid, 'pod uid');
  const signal = options.signal;
  signal?.throwIfAborted();
  await ensureStateLayout(layout);
  const podDir = layout.podDir(options.uid);
  await mkdir(podDir, { recursive: true, mode: 0o700 });
  if ((await loadSandbox(layout, options.uid)) !== undefined) {
    throw runtimeError(
      RuntimeErrorCode.SANDBOX_FAILED,
      `pod ${options.namespace}/${options.name} (uid ${options.uid}) already has a sandbox`,
      { hint: 'remove it first (podkit down, or podkit gc after a crash)' },
    );
  }
  // hostPorts are checked again here (admission checked them first) because another pod may
  // have taken one since; nothing has been created yet, so the error leaves nothing behind.
  const conflicts = await checkHostPorts(layout, options.portMappings, options.uid);
  if (conflicts.length > 0) throw hostPortConflictError(conflicts);
  const id = sandboxIdFor(layout, options.uid);
  const sbDir = path.join(podDir, 'sandbox');
  const hostNetwork = options.hostNetwork;
  const hostname = hostNetwork ? osHostname() : options.hostname;
  const clusterDomain = options.clusterDomain ?? 'cluster.local';
  const fqdn =
    options.subdomain === undefined || options.subdomain === '' || hostNetwork
      ? undefined
      : `${hostname}.${options.subdomain}.${options.namespace}.svc.${clusterDomain}`;
  const owner =
    options.ownerPid === undefined ? undefined : await processIdentity(options.ownerPid);
  const network: PodNetworkConfig = { ...defaultPodNetwork(layout.cniDataDir), ...options.network };
  const netnsName = hostNetwork ? undefined : netnsNameFor(id);
  // A shared pid namespace needs a PID 1 that lives as long as the pod: the pause. Otherwise
  // nothing has to run for the pod's namespaces to exist (kubelet's ipc/uts of the pod are
  // kept with hostNetwork too: only the network is the host's).
  const infra = options.shareProcessNamespace ? 'pause' : 'pinned';
  let sb: Sandbox = {
    version: 2,
    id,
    uid: options.uid,
    name: options.name,
    namespace: options.namespace,
    hostname,
    fqdn,
    stateRoot: layout.root,
    podDir,
    phase: 'creating',
    hostNetwork,
    shareProcessNamespace: options.shareProcessNamespace,
    netnsName,
    netnsPath: netnsName === undefined ? undefined : `/run/netns/${netnsName}`,
    ip: undefined,
    portMappings: [...options.portMappings],
    network: hostNetwork
      ? undefined
      : {
          config: network,
          containerId: id,
          ifname: 'eth0',
          result: undefined,
          hostVeth: undefined,
        },
    infra,
    pauseId: infra === 'pause' ? containerRuncId({ id }, 'pause') : undefined,
    pausePid: undefined,
    pauseStartTime: undefined,
    cgroupParent: `/podkit/${id}`,
    namespaces: { net: undefined, ipc: undefined, uts: undefined, pid: undefined },
    etcHostsPath: path.join(sbDir, 'etc', 'hosts'),
    etcHostnamePath: path.join(sbDir, 'etc', 'hostname'),
    resolvConfPath: path.join(sbDir, 'etc', 'resolv.conf'),
    shmPath: path.join(sbDir, 'shm'),
    owner,
    createdAt: new Date().toISOString(),
  };
  // The network and the pause container (or the pins) are set up concurrently, each recording
  // its part: updates merge into the latest record and the writes are chained so the last one
  // on disk is the newest. Atomic, not durable (no fsync): a crashed worker's record is still in the
  // page cache for gc, and a machine crash takes the netns, mounts, processes and rules with
  // it (gc finds leftover leases and runc state by the root's id prefix, record or not).
  let writes: Promise<void> = Promise.resolve();
  const update = (patch: Partial<Sandbox>): Promise<void> => {
    sb = { ...sb, ...patch };
    const snapshot = sb;
    writes = writes.then(() =>
      writeJsonAtomic(recordPath(podDir), snapshot, 0o600, { durable: false }),
    );
    return writes;
  };
  await update({});
  let early: Promise<() => Promise<void>> | undefined;
  try {
    await mkdir(path.join(sbDir, 'etc'), { recursive: true, mode: 0o755 });
    await mkdir(sb.shmPath, { recursive: true, mode: 0o1777 });

    // Without a pause, one process makes and pins the pod's network, ipc and uts namespaces
    // (loopback up): CNI then attaches the network namespace. With a pause, the netns comes
    // first: the pause only needs it to exist, not its interfaces, so CNI and the pause start
    // run side by side. The files and the /dev/shm mount do not depend on the pod's IP: those
    // run from the start.
    const netnsName = sb.netnsName;
    // The pins' process also mounts the pod's /dev/shm when it makes a netns (one spawn less).
    const shmSize = options.shmSizeBytes ?? DEFAULT_SHM_SIZE_BYTES;
    const shmWithPins = sb.infra !== 'pause' && sb.netnsPath !== undefined;
    const pinned =
      sb.infra === 'pause'
        ? undefined
        : pinPodNamespaces(
            sb,
            update,
            signal,
            shmWithPins ? shmMountArgv(sb.shmPath, shmSize) : undefined,
          );
    const netns =
      netnsName === undefined
        ? Promise.resolve()
        : (pinned ?? createNetns(netnsName, signal)).then(() => {
            traceMark('sandbox.netns');
          });
    const files = writeIpIndependentFiles(sb, options, signal, !shmWithPins);
    const hosts = (ip: string | undefined): string =>
      buildEtcHosts({ ip, hostname, fqdn, hostAliases: options.hostAliases });
    const whileNetworking = options.whileNetworking;
    if (whileNetworking !== undefined && pinned !== undefined && netnsName !== undefined) {
      // The early work starts once the namespaces and files exist (a failure there is the
      // sandbox's, reported below: the early work does not start).
      early = Promise.all([pinned, files]).then(async () => {
        await writeFile(sb.etcHostsPath, hosts(undefined), { mode: 0o644 });
        return whileNetworking(sb);
      });
    }
    const settled = await Promise.allSettled([
      netns.then(() => setUpNetwork(sb, network, options, pinned !== undefined, update, signal)),
      pinned ?? netns.then(() => startPause(sb, layout, options, signal, update)),
      files,
      early,
    ]);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    traceMark('sandbox.network+infra');
    if (hostNetwork) {
      await writeFileAtomic(sb.etcHostsPath, await readFile('/etc/hosts', 'utf8'), 0o644, {
        durable: false,
      });
    } else if (early !== undefined) {
      // In place: the containers created early bind-mount this file (its inode); none of
      // their processes runs before the sandbox is returned.
      await writeFile(sb.etcHostsPath, hosts(sb.ip));
    } else {
      await writeFileAtomic(sb.etcHostsPath, hosts(sb.ip), 0o644, { durable: false });
    }
    await update({ phase: 'ready' });
    traceMark('sandbox.ready');
    return sb;
  } catch (err) {
    // What the caller made inside the sandbox goes first (out of its cgroup and namespaces).
    const undo = await early?.catch(() => undefined);
    await undo?.().catch(() => undefined);
    await destroySandbox(sb, { runcBinary: options.runcBinary }).catch(() => undefined);
    if (isPodkitError(err) && err.code === RuntimeErrorCode.SANDBOX_FAILED) throw err;
    throw runtimeError(
      RuntimeErrorCode.SANDBOX_FAILED,
      `cannot create the sandbox of pod ${options.namespace}/${options.name}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * The pod's /etc/hostname and resolv.conf and (when the pins do not) its /dev/shm tmpfs. Written atomically but not
 * durably: they are the sandbox's, rebuilt with it, and a machine crash ends the sandbox.
 */
async function writeIpIndependentFiles(
  sb: Sandbox,
  options: CreateSandboxOptions,
  signal: AbortSignal | undefined,
  shm: boolean,
): Promise<void> {
  const noSync = { durable: false };
  await writeFileAtomic(sb.etcHostnamePath, `${sb.hostname}\n`, 0o644, noSync);
  const hostResolv =
    options.hostResolvConf ?? (await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  const upstream = await readFile('/run/systemd/resolve/resolv.conf', 'utf8').catch(
    () => undefined,
  );
  await writeFileAtomic(
    sb.resolvConfPath,
    buildResolvConf({
      host: hostResolv,
      fallback: upstream,
      hostNetwork: sb.hostNetwork,
      dnsConfig: options.dnsConfig,
      cluster:
        options.clusterDns === undefined
          ? undefined
          : { ...options.clusterDns, namespace: options.namespace },
    }),
    0o644,
    noSync,
  );
  if (shm) await mountShm(sb.shmPath, options.shmSizeBytes ?? DEFAULT_SHM_SIZE_BYTES, signal);
}

/** CNI ADD into the pod's netns (or the host's address with hostNetwork); records the result. */
async function setUpNetwork(
  sb: Sandbox,
  network: PodNetworkConfig,
  options: CreateSandboxOptions,
  loopbackUp: boolean,
  update: (patch: Partial<Sandbox>) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (sb.netnsPath === undefined || sb.network === undefined) {
    await update({ ip: hostAddress() });
    return;
  }
  const status = await addPodNetwork(
    {
      network,
      containerId: sb.id,
      netns: sb.netnsPath,
      ifname: sb.network.ifname,
      portMappings: sb.portMappings,
      podName: options.name,
      podNamespace: options.namespace,
      podUid: options.uid,
      loopbackUp,
    },
    signal,
  );
  traceMark('sandbox.cni-added');
  await update({
    ip: status.ip,
    network: { ...sb.network, result: status.result, hostVeth: status.hostVeth },
  });
}

/** The pod's ipc and uts namespaces pinned on files of the sandbox dir (no pause). */
async function pinPodNamespaces(
  sb: Sandbox,
  update: (patch: Partial<Sandbox>) => Promise<void>,
  signal: AbortSignal | undefined,
  then: readonly string[] | undefined,
): Promise<void> {
  const pins = await pinNamespaces(
    namespacePinsIn(path.join(sb.podDir, 'sandbox')),
    sb.hostname,
    signal,
    sb.netnsPath,
    then,
  );
  traceMark('sandbox.pinned');
  await update({
    namespaces: { net: sb.netnsPath, ipc: pins.ipc, uts: pins.uts, pid: undefined },
  });
}

async function startPause(
  sb: Sandbox,
  layout: StateLayout,
  options: CreateSandboxOptions,
  signal: AbortSignal | undefined,
  update: (patch: Partial<Sandbox>) => Promise<void>,
): Promise<void> {
  const catatonit =
    options.catatonitPath ??
    (await which('catatonit', `${process.env.PATH ?? ''}:/usr/bin:/usr/sbin`)) ??
    '/usr/bin/catatonit';
  const bundle = path.join(sb.podDir, 'sandbox', 'pause');
  const rootfs = path.join(bundle, 'rootfs');
  for (const d of ['proc', 'dev']) await mkdir(path.join(rootfs, d), { recursive: true });
  await writeFile(path.join(rootfs, 'catatonit'), '', { mode: 0o755 });
  await writeJsonAtomic(
    path.join(bundle, 'config.json'),
    buildPauseConfig({
      hostname: sb.hostname,
      netnsPath: sb.netnsPath,
      catatonitPath: catatonit,
      cgroupsPath: `${sb.cgroupParent}/pause`,
    }),
    0o600,
    { durable: false },
  );
  await mkdir(layout.runcRoot, { recursive: true, mode: 0o700 });
  const runc = new Runc({ root: layout.runcRoot, binary: options.runcBinary });
  // Held by conmon like every container: it outlives the process that created the pod.
  const pauseId = sb.pauseId;
  if (pauseId === undefined) throw new TypeError('startPause: a pinned sandbox has no pause');
  const pause = await runContainer({
    runc,
    id: pauseId,
    bundleDir: bundle,
    logPath: path.join(bundle, 'pause.log'),
    signal,
  }).catch((err: unknown) => {
    const why = (err as Error).message.replace(/^container \S+ did not start: /, '');
    throw runtimeError(
      RuntimeErrorCode.SANDBOX_FAILED,
      `the pause container of ${sb.name} did not start: ${why}`,
      {
        cause: err,
        hint: `see ${path.join(bundle, 'pause.log')}`,
      },
    );
  });
  traceMark('sandbox.pause-started');
  const pid = pause.pid;
  const ident = await processIdentity(pid);
  if (ident === undefined) {
    throw runtimeError(
      RuntimeErrorCode.SANDBOX_FAILED,
      `the pause container of ${sb.name} exited at once`,
      {
        hint: `see ${path.join(bundle, 'pause.log')}`,
      },
    );
  }
  const ns = (kind: string): string => `/proc/${pid}/ns/${kind}`;
  await update({
    pausePid: pid,
    pauseStartTime: ident.startTime,
    namespaces: {
      net: sb.hostNetwork ? undefined : ns('net'),
      ipc: ns('ipc'),
      uts: ns('uts'),
      pid: sb.shareProcessNamespace ? ns('pid') : undefined,
    },
  });
}

function hostAddress(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/**
 * Removes a sandbox and everything it holds: the pause container (if it has one), the CNI
 * attachment (iptables rules, lease, veth), the netns, the mounts under the sandbox dir (the
 * ipc/uts pins, /dev/shm), the pod cgroup, the sandbox files and the record. Idempotent, and
 * works from any process and after a crash (pause SIGKILLed, netns already gone, pins half
 * made…). Each step runs even if an earlier one failed; the errors are reported together.
 *
 * @example
 *   await destroySandbox(sb);
 */
export async function destroySandbox(
  sb: Sandbox,
  options: { signal?: AbortSignal | undefined; runcBinary?: string | undefined } = {},
): Promise<void> {
  const { signal } = options;
  const layout = stateLayout(sb.stateRoot);
  const errors: unknown[] = [];
  const step = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      errors.push(err);
    }
  };
  const rec = recordPath(sb.podDir);
  await step(async () => {
    if ((await readJsonFile(rec)) !== undefined) {
      await writeJsonAtomic(rec, { ...sb, phase: 'destroying' });
    }
  });
  const pauseId = sb.pauseId;
  if (pauseId !== undefined) {
    const runc = new Runc({ root: layout.runcRoot, binary: options.runcBinary });
    await step(() => runc.delete(pauseId, { force: true, signal }));
    await step(() => forgetContainer(runc, pauseId, path.join(sb.podDir, 'sandbox', 'pause')));
  }
  await step(async () => {
    // runc's state may be gone while the process lives on (state dir removed by hand).
    if (sb.pausePid !== undefined && sb.pauseStartTime !== undefined) {
      if (await isProcessAlive({ pid: sb.pausePid, startTime: sb.pauseStartTime })) {
        process.kill(sb.pausePid, 'SIGKILL');
      }
    }
  });
  if (sb.network !== undefined && sb.netnsPath !== undefined) {
    const net = sb.network;
    const netnsPath = sb.netnsPath;
    await step(() =>
      removePodNetwork(
        {
          network: net.config,
          containerId: net.containerId,
          netns: netnsPath,
          ifname: net.ifname,
          portMappings: sb.portMappings,
          podName: sb.name,
          podNamespace: sb.namespace,
          podUid: sb.uid,
        },
        net.result,
        signal,
      ),
    );
  }
  if (sb.netnsName !== undefined) {
    const name = sb.netnsName;
    await step(() => deleteNetns(name, signal));
  }
  // The ipc/uts pins and /dev/shm: the namespaces end with their last mount (or member).
  await step(() => unmountAll(path.join(sb.podDir, 'sandbox'), signal));
  await step(() => removeCgroup(sb.cgroupParent));
  await step(() => rm(path.join(sb.podDir, 'sandbox'), { recursive: true, force: true }));
  if (errors.length === 0) {
    await step(async () => {
      await unlink(rec).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      });
      // The pod directory goes too once nothing else (containers, volumes) is left in it.
      await rmdir(sb.podDir).catch(() => undefined);
    });
  }
  if (errors.length > 0) {
    throw runtimeError(
      RuntimeErrorCode.SANDBOX_FAILED,
      `removing the sandbox of pod ${sb.namespace}/${sb.name} was incomplete: ${errors
        .map((e) => (e as Error).message)
        .join('; ')}`,
      { cause: errors[0], hint: 'run podkit gc to retry' },
    );
  }
}

/** The sandbox record of pod `uid`, or undefined. */
export async function loadSandbox(
  state: StateLayout | string,
  uid: string,
): Promise<Sandbox | undefined> {
  const layout = toLayout(state);
  const value = await readJsonFile(recordPath(layout.podDir(uid)));
  if (value === undefined) return undefined;
  const sb = sandboxFromRecord(value);
  if (sb === undefined) {
    throw runtimeError(
      RuntimeErrorCode.STATE_CORRUPT,
      `${recordPath(layout.podDir(uid))} is not a sandbox record`,
    );
  }
  return sb;
}

/** Every sandbox record under the state root. */
export async function listSandboxes(state: StateLayout | string): Promise<Sandbox[]> {
  const layout = toLayout(state);
  const uids = await readdir(layout.podsDir).catch(() => [] as string[]);
  const out: Sandbox[] = [];
  for (const uid of uids.sort()) {
    try {
      const sb = await loadSandbox(layout, uid);
      if (sb !== undefined) out.push(sb);
    } catch {
      // a name that is not a pod uid, or a corrupt record: gc reports those
    }
  }
  return out;
}

/** hostPorts published by the sandboxes under the state root (except pod `exceptUid`). */
export async function publishedHostPorts(
  state: StateLayout | string,
  exceptUid?: string,
): Promise<PublishedHostPort[]> {
  const out: PublishedHostPort[] = [];
  for (const sb of await listSandboxes(state)) {
    if (sb.uid === exceptUid) continue;
    for (const m of sb.portMappings)
      out.push({ mapping: m, owner: `pod ${sb.namespace}/${sb.name}` });
  }
  return out;
}

/**
 * Admission of a pod's hostPorts against this machine: other podkit pods and host sockets.
 * Returns every conflict (empty = free); admission turns them into HOSTPORT_CONFLICT problems.
 */
export async function checkHostPorts(
  state: StateLayout | string,
  mappings: readonly PortMapping[],
  exceptUid?: string,
): Promise<HostPortConflict[]> {
  return findHostPortConflicts(mappings, await publishedHostPorts(state, exceptUid));
}

/** One HOSTPORT_CONFLICT error naming every conflicting hostPort. */
export function hostPortConflictError(conflicts: readonly HostPortConflict[]): PodkitError {
  return runtimeError(
    RuntimeErrorCode.HOSTPORT_CONFLICT,
    `hostPort conflict: ${conflicts.map((c) => c.reason).join('; ')}`,
    { hint: 'pick another hostPort, or stop what uses it (podkit ps lists pods and their ports)' },
  );
}
