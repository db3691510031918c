import { readEnvFrom, readEnvVar } from './env.js';
import {
  checkDns1123Label,
  checkLocalDescendingPath,
  checkPortName,
  isIpAddress,
} from './names.js';
import { readLifecycle, readProbe, type ProbeKind } from './probes.js';
import { isObject, type Fields } from './reader.js';
import { childPath, indexPath } from './yaml-documents.js';
import { readResources } from './resources.js';
import { readSecurityContext } from './security-context.js';
import type { Container, ContainerPort, Probe, PullPolicy, VolumeMount } from './types.js';

export interface ContainerScope {
  /** True for `spec.initContainers[]` entries. */
  init: boolean;
  /** Names of every container of the pod (init and main), for resourceFieldRef. */
  containerNames: ReadonlySet<string>;
  /** Names of the pod's volumes, for volumeMounts. */
  volumeNames: ReadonlySet<string>;
  hostNetwork: boolean;
}

/**
 * The API server's imagePullPolicy default: `Always` when the tag is `latest` or there is
 * no tag (and no digest), else `IfNotPresent`.
 */
export function defaultPullPolicy(image: string): PullPolicy {
  const at = image.indexOf('@');
  const withoutDigest = at === -1 ? image : image.slice(0, at);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > lastSlash ? withoutDigest.slice(colon + 1) : undefined;
  if (tag === undefined) return at === -1 ? 'Always' : 'IfNotPresent';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function readPort(f: Fields, hostNetwork: boolean): ContainerPort | undefined {
  const name = f.string('name');
  if (name !== undefined && name !== '') {
    const bad = checkPortName(name);
    if (bad !== undefined) f.ctx.error(f.at('name'), bad);
  }
  const containerPort = f.int32('containerPort', { required: true, min: 1, max: 65535 });
  let hostPort = f.int32('hostPort', { min: 0, max: 65535 });
  const protocol = f.enumeration('protocol', ['TCP', 'UDP', 'SCTP']) ?? 'TCP';
  const hostIP = f.string('hostIP');
  if (hostIP !== undefined && hostIP !== '' && !isIpAddress(hostIP)) {
    f.ctx.error(f.at('hostIP'), `must be an IP address, got ${JSON.stringify(hostIP)}`);
  }
  if (containerPort === undefined) return undefined;
  if (hostNetwork) {
    // With the host's network, the container port *is* the host port.
    if (hostPort !== undefined && hostPort !== 0 && hostPort !== containerPort) {
      f.ctx.error(
        f.at('hostPort'),
        `must match containerPort (${containerPort}) when hostNetwork is true, got ${hostPort}`,
      );
    }
    hostPort = containerPort;
  }
  return {
    ...(name !== undefined && name !== '' ? { name } : {}),
    containerPort,
    ...(hostPort !== undefined && hostPort !== 0 ? { hostPort } : {}),
    protocol,
    ...(hostIP !== undefined && hostIP !== '' ? { hostIP } : {}),
  };
}

function readMount(f: Fields, volumeNames: ReadonlySet<string>): VolumeMount | undefined {
  f.unsupported('subPathExpr', 'use subPath');
  const propagation = f.enumeration('mountPropagation', [
    'None',
    'HostToContainer',
    'Bidirectional',
  ]);
  if (propagation !== undefined && propagation !== 'None') {
    f.ctx.error(
      f.at('mountPropagation'),
      `not supported by podkit (only None), got ${JSON.stringify(propagation)}`,
      'unsupported',
    );
  }
  const rro = f.enumeration('recursiveReadOnly', ['Disabled', 'IfPossible', 'Enabled']);
  if (rro !== undefined && rro !== 'Disabled') {
    f.ctx.error(
      f.at('recursiveReadOnly'),
      `not supported by podkit (only Disabled), got ${JSON.stringify(rro)}`,
      'unsupported',
    );
  }
  const name = f.string('name', { required: true });
  if (name !== undefined && !volumeNames.has(name)) {
    f.ctx.error(
      f.at('name'),
      `no volume named ${JSON.stringify(name)} in spec.volumes`,
      'not-found',
    );
  }
  const mountPath = f.string('mountPath', { required: 'an absolute path in the container' });
  if (mountPath !== undefined && !mountPath.startsWith('/')) {
    f.ctx.error(f.at('mountPath'), `must be an absolute path, got ${JSON.stringify(mountPath)}`);
  }
  const readOnly = f.boolean('readOnly') ?? false;
  const subPath = f.string('subPath');
  if (subPath !== undefined && subPath !== '') {
    const bad = checkLocalDescendingPath(subPath);
    if (bad !== undefined) f.ctx.error(f.at('subPath'), bad);
  }
  if (name === undefined || mountPath === undefined) return undefined;
  return {
    name,
    mountPath,
    readOnly,
    ...(subPath !== undefined && subPath !== '' ? { subPath } : {}),
  };
}

/**
 * Reports list entries whose `field` repeats an earlier entry's (on the raw list, so the
 * paths keep their indices even when an entry was dropped as invalid).
 */
export function reportDuplicates(
  f: Fields,
  list: string,
  field: string,
  message: (value: string) => string,
): void {
  const raw = f.value[list];
  if (!Array.isArray(raw)) return;
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const value = isObject(item) ? item[field] : undefined;
    if (typeof value !== 'string' || value === '') return;
    if (seen.has(value))
      f.ctx.error(childPath(indexPath(f.at(list), i), field), message(value), 'duplicate');
    seen.add(value);
  });
}

/** Reads one container (init or main) with its defaults. */
export function readContainer(f: Fields, scope: ContainerScope): Container | undefined {
  const ctx = f.ctx;
  f.unsupported('volumeDevices', 'raw block devices need PersistentVolumes');
  f.unsupported('resizePolicy', 'in-place resize');
  f.unsupported('restartPolicyRules');
  const name = f.string('name', { required: true });
  if (name !== undefined) {
    const bad = checkDns1123Label(name);
    if (bad !== undefined) ctx.error(f.at('name'), bad);
  }
  const image = f.string('image', { required: 'the container image to run' });
  if (image !== undefined && image.trim() !== image) {
    ctx.error(
      f.at('image'),
      `must not have leading or trailing whitespace, got ${JSON.stringify(image)}`,
    );
  }
  const imagePullPolicy = f.enumeration('imagePullPolicy', ['Always', 'IfNotPresent', 'Never']);
  const command = f.stringList('command') ?? [];
  const args = f.stringList('args') ?? [];
  const workingDir = f.string('workingDir');
  const ports = f.objectList('ports', (p) => readPort(p, scope.hostNetwork)) ?? [];
  reportDuplicates(f, 'ports', 'name', (v) => `duplicate port name ${JSON.stringify(v)}`);
  const env = f.objectList('env', (e) => readEnvVar(e, scope.containerNames)) ?? [];
  const envFrom = f.objectList('envFrom', readEnvFrom) ?? [];
  const resources = f.object('resources', readResources) ?? { limits: {}, requests: {} };
  const mounts = f.objectList('volumeMounts', (m) => readMount(m, scope.volumeNames)) ?? [];
  reportDuplicates(
    f,
    'volumeMounts',
    'mountPath',
    (v) => `must be unique: ${JSON.stringify(v)} is already mounted`,
  );
  const restartPolicy = f.string('restartPolicy');
  const sidecar = scope.init && restartPolicy === 'Always';
  if (restartPolicy !== undefined) {
    if (!scope.init) {
      ctx.error(
        f.at('restartPolicy'),
        'may only be set on init containers (restartPolicy: Always makes a native sidecar)',
        'forbidden',
        'key',
      );
    } else if (restartPolicy !== 'Always') {
      ctx.error(
        f.at('restartPolicy'),
        `must be Always (a native sidecar) or omitted, got ${JSON.stringify(restartPolicy)}`,
      );
    }
  }
  const probes: Partial<Record<ProbeKind, Probe>> = {};
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const key = `${kind}Probe`;
    if (scope.init && !sidecar && f.has(key)) {
      ctx.error(
        f.at(key),
        'may not be set for init containers without restartPolicy: Always',
        'forbidden',
        'key',
      );
      f.accept(key);
      continue;
    }
    const probe = f.object(key, (p) => readProbe(p, kind));
    if (probe !== undefined) probes[kind] = probe;
  }
  let lifecycle;
  if (scope.init && !sidecar && f.has('lifecycle')) {
    ctx.error(
      f.at('lifecycle'),
      'may not be set for init containers without restartPolicy: Always',
      'forbidden',
      'key',
    );
    f.accept('lifecycle');
  } else {
    lifecycle = f.object('lifecycle', readLifecycle);
  }
  const terminationMessagePath = f.string('terminationMessagePath');
  const terminationMessagePolicy = f.enumeration('terminationMessagePolicy', [
    'File',
    'FallbackToLogsOnError',
  ]);
  const securityContext = f.object('securityContext', readSecurityContext);
  const stdin = f.boolean('stdin') ?? false;
  const stdinOnce = f.boolean('stdinOnce') ?? false;
  const tty = f.boolean('tty') ?? false;

  // A probe may name a port; the kubelet fails the probe when the name is not declared.
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const probe = probes[kind];
    const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
    if (typeof port === 'string' && !ports.some((p) => p.name === port)) {
      const handler = probe?.httpGet !== undefined ? 'httpGet' : 'tcpSocket';
      ctx.warning(
        `${f.at(`${kind}Probe`)}.${handler}.port`,
        `no port named ${JSON.stringify(port)} in this container's ports; the probe will fail`,
        'not-found',
        'value',
      );
    }
  }
  if (name === undefined || image === undefined) return undefined;
  const container: Container = {
    name,
    image,
    imagePullPolicy: imagePullPolicy ?? defaultPullPolicy(image),
    command,
    args,
    ports,
    env,
    envFrom,
    resources,
    volumeMounts: mounts,
    terminationMessagePath:
      terminationMessagePath === undefined || terminationMessagePath === ''
        ? '/dev/termination-log'
        : terminationMessagePath,
    terminationMessagePolicy: terminationMessagePolicy ?? 'File',
    stdin,
    stdinOnce,
    tty,
  };
  if (workingDir !== undefined && workingDir !== '') container.workingDir = workingDir;
  if (probes.liveness !== undefined) container.livenessProbe = probes.liveness;
  if (probes.readiness !== undefined) container.readinessProbe = probes.readiness;
  if (probes.startup !== undefined) container.startupProbe = probes.startup;
  if (lifecycle !== undefined) container.lifecycle = lifecycle;
  if (securityContext !== undefined) container.securityContext = securityContext;
  if (sidecar) container.restartPolicy = 'Always';
  return container;
}
