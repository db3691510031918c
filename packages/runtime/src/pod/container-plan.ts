import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import { resolveCommand } from '../oci/command.js';
import type { BindMountPlan, ContainerPlan, TmpfsPlan } from '../oci/config.js';
import { mergeEnv, type EnvEntry } from '../oci/expand-env.js';
import { resolveCapabilities } from '../oci/capabilities.js';
import { dockerSeccompToOci, type DockerSeccompProfile, type OciSeccomp } from '../oci/seccomp.js';
import { resolveUser } from '../oci/user.js';
import type { ImageRecord } from '../images/image-store.js';
import type { Sandbox } from '../sandbox/index.js';
import { cpuMillis, memoryBytes } from '../spec/quantity.js';
import type { Container, Pod } from '../spec/types.js';
import { resolveSubPath } from '../volumes/sub-path.js';
import type { PreparedVolume } from '../volumes/volume-manager.js';

export interface ContainerPlanInput {
  pod: Pod;
  container: Container;
  image: ImageRecord;
  /** The container's prepared root filesystem (overlay mount point). */
  rootfs: string;
  sandbox: Sandbox;
  volumes: ReadonlyMap<string, PreparedVolume>;
  /** The container's resolved env (resolveContainerEnv). */
  env: readonly EnvEntry[];
  /** Host-image isolation mounts (hostImageIsolation), empty for other images. */
  isolation?: { tmpfs: TmpfsPlan[]; maskedPaths: string[]; binds: BindMountPlan[] } | undefined;
  /** The RuntimeDefault profile (Docker format), when the host has one. */
  runtimeDefaultSeccomp?: DockerSeccompProfile | undefined;
}

/** Docker's and containerd's default PATH, for images whose config sets none. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function withDefaultPath(env: string[]): string[] {
  return env.some((e) => e.startsWith('PATH=')) ? env : [DEFAULT_PATH_ENV, ...env];
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function configError(container: Container, message: string, hint?: string): PodkitError {
  return new PodkitError(
    RuntimeErrorCode.CONTAINER_CONFIG_INVALID,
    `container "${container.name}": ${message}`,
    {
      ...(hint === undefined ? {} : { hint }),
    },
  );
}

/**
 * The ContainerPlan of one container of a pod (what kubelet's kuberuntime + containerd's CRI
 * plugin compute): the argv by the command/args rules, env merged over the image's, user and
 * groups, security context (container over pod), volume mounts (configMap/secret/downwardAPI
 * volumes always read-only, subPath resolved safely), the sandbox's namespaces and files, and
 * cgroup resources under the pod's cgroup. Throws CONTAINER_CONFIG_INVALID where kubelet would
 * report CreateContainerConfigError.
 */
export async function buildContainerPlan(input: ContainerPlanInput): Promise<ContainerPlan> {
  const { pod, container, image, sandbox } = input;
  const podSc = pod.spec.securityContext;
  const sc = container.securityContext ?? {};
  const env = [...input.env];
  // containerd's CRI plugin sets HOSTNAME unless the pod does.
  if (!env.some((e) => e.name === 'HOSTNAME'))
    env.unshift({ name: 'HOSTNAME', value: sandbox.hostname });
  const args = resolveCommand(
    {
      command: container.command,
      args: container.args,
      entrypoint: image.config.entrypoint,
      cmd: image.config.cmd,
    },
    env,
  );
  const user = resolveUser({
    imageUser: image.config.user,
    runAsUser: sc.runAsUser ?? podSc.runAsUser,
    runAsGroup: sc.runAsGroup ?? podSc.runAsGroup,
    supplementalGroups: [
      ...podSc.supplementalGroups,
      ...(podSc.fsGroup === undefined ? [] : [podSc.fsGroup]),
    ],
    passwd: await readOptional(path.join(input.rootfs, 'etc/passwd')),
    group: await readOptional(path.join(input.rootfs, 'etc/group')),
  });
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) === true && user.uid === 0) {
    throw configError(
      container,
      'runAsNonRoot is set and the container would run as root (uid 0)',
      'set securityContext.runAsUser to a non-zero uid',
    );
  }
  const mounts: BindMountPlan[] = [];
  for (const m of container.volumeMounts) {
    const vol = input.volumes.get(m.name);
    if (vol === undefined)
      throw configError(container, `volumeMount "${m.name}" names no prepared volume`);
    const source =
      m.subPath !== undefined && m.subPath !== ''
        ? await resolveSubPath(vol.hostPath, m.subPath)
        : vol.hostPath;
    mounts.push({ destination: m.mountPath, source, readOnly: m.readOnly || vol.alwaysReadOnly });
  }
  const limits = container.resources.limits;
  const requests = container.resources.requests;
  const seccompType = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
  let seccomp: OciSeccomp | undefined;
  if (seccompType === 'RuntimeDefault' && sc.privileged !== true) {
    if (input.runtimeDefaultSeccomp === undefined) {
      throw configError(
        container,
        'seccompProfile RuntimeDefault requested but no default profile is installed',
        'run: bash scripts/setup.sh (installs golang-github-containers-common)',
      );
    }
    seccomp = dockerSeccompToOci(input.runtimeDefaultSeccomp, {
      capabilities: resolveCapabilities({ add: sc.capabilities?.add, drop: sc.capabilities?.drop }),
    });
  }
  const isolation = input.isolation ?? { tmpfs: [], maskedPaths: [], binds: [] };
  const sysctls = Object.fromEntries(podSc.sysctls.map((s) => [s.name, s.value]));
  return {
    rootfs: input.rootfs,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
    args,
    env: withDefaultPath(mergeEnv(image.config.env ?? [], env)),
    cwd: container.workingDir ?? image.config.workingDir ?? '/',
    user,
    hostname: sandbox.hostname,
    privileged: sc.privileged === true,
    capabilities:
      sc.capabilities === undefined
        ? undefined
        : { add: sc.capabilities.add, drop: sc.capabilities.drop },
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    namespaces: {
      network: sandbox.namespaces.net === undefined ? 'host' : { path: sandbox.namespaces.net },
      ipc: sandbox.namespaces.ipc === undefined ? 'new' : { path: sandbox.namespaces.ipc },
      uts: sandbox.namespaces.uts === undefined ? 'new' : { path: sandbox.namespaces.uts },
      pid: sandbox.namespaces.pid === undefined ? 'new' : { path: sandbox.namespaces.pid },
    },
    sandbox: {
      hostsPath: sandbox.etcHostsPath,
      hostnamePath: sandbox.etcHostnamePath,
      resolvConfPath: sandbox.resolvConfPath,
      shmPath: sandbox.shmPath,
    },
    // Kept image paths first: a pod's own volume at the same path wins (mounted after).
    mounts: [...isolation.binds, ...mounts],
    tmpfs: isolation.tmpfs,
    maskedPaths: isolation.maskedPaths,
    cgroupsPath: `${sandbox.cgroupParent}/${container.name}`,
    resources: {
      cpuRequestMilli: requests.cpu === undefined ? undefined : cpuMillis(requests.cpu),
      cpuLimitMilli: limits.cpu === undefined ? undefined : cpuMillis(limits.cpu),
      memoryLimitBytes: limits.memory === undefined ? undefined : memoryBytes(limits.memory),
    },
    seccomp,
    sysctls,
    annotations: {
      'io.kubernetes.pod.name': pod.metadata.name,
      'io.kubernetes.pod.namespace': pod.metadata.namespace,
      'io.kubernetes.container.name': container.name,
    },
  };
}
