import { reportDuplicates } from './container.js';
import {
  checkDns1123Label,
  checkLabelValue,
  checkQualifiedName,
  isIpAddress,
  isIpv4Address,
} from './names.js';
import { readPortRef } from './probes.js';
import { isObject, oneOfMessage, typeMismatch, type Fields } from './reader.js';
import type { ServicePort, ServiceSpec } from './types.js';
import { childPath, indexPath, type JsonValue } from './yaml-documents.js';

/** core/v1 DefaultClientIPServiceAffinitySeconds: three hours. */
export const DEFAULT_SESSION_AFFINITY_SECONDS = 10800;
/** core MaxClientIPServiceAffinitySeconds: one day. */
const MAX_SESSION_AFFINITY_SECONDS = 86400;
/** The API server's default `--service-node-port-range`. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

const IPV4_ONLY = "podkit's service network is IPv4-only";
const NO_LOAD_BALANCER = 'ignored: there is no load balancer on one machine';
const ALL_LOCAL = 'ignored: on one machine every endpoint is local';

/** `type` as written (LoadBalancer is read as NodePort once validated). */
type WrittenType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

interface PortScope {
  /** Undefined when `type` itself was invalid (type-dependent checks are skipped). */
  type: WrittenType | undefined;
  /** More than one port: each needs a name. */
  several: boolean;
}

/**
 * An enum whose empty string is defaulted by the API server (SetDefaults_Service treats
 * `type: ""`, `sessionAffinity: ""` and `protocol: ""` as unset). `invalid` is true when a
 * value was present and reported.
 */
function defaultedEnum<T extends string>(
  f: Fields,
  key: string,
  allowed: readonly T[],
): { value: T | undefined; invalid: boolean } {
  if (f.value[key] === '') {
    f.accept(key);
    return { value: undefined, invalid: false };
  }
  const value = f.enumeration(key, allowed);
  return { value, invalid: value === undefined && f.has(key) };
}

function isUnset(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || value === '';
}

function readNodePort(f: Fields, type: WrittenType | undefined): number | undefined {
  const nodePort = f.int32('nodePort');
  // 0 is the API server's "allocate one" (the agent allocates on one machine).
  if (nodePort === undefined || nodePort === 0 || type === undefined) return undefined;
  if (type === 'ClusterIP') {
    f.ctx.error(
      f.at('nodePort'),
      'may not be used when type is ClusterIP (set type: NodePort)',
      'forbidden',
      'key',
    );
    return undefined;
  }
  if (type === 'ExternalName') return undefined;
  if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
    f.ctx.error(
      f.at('nodePort'),
      `must be in the node port range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}, got ${nodePort}`,
      'out-of-range',
    );
    return undefined;
  }
  return nodePort;
}

function readServicePort(f: Fields, scope: PortScope): ServicePort | undefined {
  const ctx = f.ctx;
  if (scope.several && isUnset(f.value.name)) {
    ctx.error(f.at('name'), 'required when the Service has more than one port', 'required');
  }
  const name = f.string('name');
  if (name !== undefined && name !== '') {
    const bad = checkDns1123Label(name);
    if (bad !== undefined) ctx.error(f.at('name'), bad);
  }
  const port = f.int32('port', { required: 'the port the Service serves', min: 1, max: 65535 });
  const protocol = defaultedEnum(f, 'protocol', ['TCP', 'UDP', 'SCTP'] as const).value ?? 'TCP';
  // SetDefaults_Service: an absent, 0 or "" targetPort is the Service's port.
  let targetPort: number | string | undefined = port;
  if (isUnset(f.value.targetPort) || f.value.targetPort === 0) f.accept('targetPort');
  else targetPort = readPortRef(f, 'targetPort', false);
  const nodePort = readNodePort(f, scope.type);
  // Only a hint for implementations (EndpointSlices carry it); it changes no routing.
  const appProtocol = f.string('appProtocol');
  if (appProtocol !== undefined) {
    const bad = checkQualifiedName(appProtocol);
    if (bad !== undefined) ctx.error(f.at('appProtocol'), bad);
  }
  if (port === undefined || targetPort === undefined) return undefined;
  return {
    name: name === '' ? undefined : name,
    protocol,
    port,
    targetPort,
    nodePort,
  };
}

/**
 * Two entries of `ports` with one `field` value and protocol: the API server's
 * `field.Duplicate` on (protocol, port) and on (protocol, nodePort). Checked on the raw list
 * so that paths keep their indices when an entry was dropped as invalid.
 */
function reportDuplicatePorts(f: Fields, field: 'port' | 'nodePort'): void {
  const raw = f.value.ports;
  if (!Array.isArray(raw)) return;
  const seen = new Map<string, number>();
  raw.forEach((item, i) => {
    if (!isObject(item)) return;
    const number = item[field];
    const protocol = isUnset(item.protocol) ? 'TCP' : item.protocol;
    if (typeof number !== 'number' || number === 0 || typeof protocol !== 'string') return;
    const key = `${number}/${protocol}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    f.ctx.error(
      childPath(indexPath(f.at('ports'), i), field),
      `duplicate ${field} ${key} (ports[${first}] has it)`,
      'duplicate',
    );
  });
}

/** `clusterIP` / `clusterIPs[0]`: `None` or an IPv4 address (the agent checks the range). */
function checkClusterIP(f: Fields, path: string, ip: string): void {
  if (ip === 'None' || isIpv4Address(ip)) return;
  const why = isIpAddress(ip)
    ? `${IPV4_ONLY}: must be an IPv4 address`
    : 'must be empty, "None" or an IPv4 address';
  f.ctx.error(path, `${why}, got ${JSON.stringify(ip)}`);
}

interface ClusterIPs {
  /** Undefined: allocate; `None`: headless; else the address asked for. */
  clusterIP: string | undefined;
  /** Where the address came from (for messages about it). */
  path: string;
}

/**
 * `clusterIP`, `clusterIPs`, `ipFamilies`, `ipFamilyPolicy`. The API server syncs the two
 * address fields before validating (an empty `clusterIP` takes `clusterIPs[0]`) and then
 * requires that `clusterIPs[0]` match `clusterIP`; a second address would be a dual-stack
 * Service, which podkit's IPv4-only service network cannot give.
 */
function readClusterIPs(f: Fields): ClusterIPs {
  const ctx = f.ctx;
  const clusterIP = f.string('clusterIP') ?? '';
  if (clusterIP !== '') checkClusterIP(f, f.at('clusterIP'), clusterIP);
  const ips = f.stringList('clusterIPs') ?? [];
  const first = ips[0];
  const firstPath = indexPath(f.at('clusterIPs'), 0);
  if (first !== undefined) {
    if (clusterIP !== '' && first !== clusterIP) {
      ctx.error(
        firstPath,
        `first value must match clusterIP (${JSON.stringify(clusterIP)}), got ${JSON.stringify(first)}`,
      );
    } else if (clusterIP === '') {
      checkClusterIP(f, firstPath, first);
    }
  }
  if (ips.length > 1) {
    ctx.error(
      indexPath(f.at('clusterIPs'), 1),
      first === 'None'
        ? '"None" must be the first and only value'
        : `${IPV4_ONLY}: one address at most (a second one makes a dual-stack Service)`,
    );
  }
  const families = f.list('ipFamilies', (item, path) => {
    if (typeof item !== 'string') {
      ctx.error(path, typeMismatch('string', item, ctx.position(path)), 'wrong-type');
      return undefined;
    }
    if (item === 'IPv6') ctx.error(path, `${IPV4_ONLY}: must be IPv4, got "IPv6"`);
    else if (item !== 'IPv4') ctx.error(path, oneOfMessage(['IPv4', 'IPv6'], item));
    return item;
  });
  families?.forEach((family, i) => {
    if (families.indexOf(family) !== i) {
      ctx.error(
        indexPath(f.at('ipFamilies'), i),
        `duplicate IP family ${JSON.stringify(family)}`,
        'duplicate',
      );
    }
  });
  // PreferDualStack on a single-stack cluster gives a single-stack Service, as here.
  const policy = f.enumeration('ipFamilyPolicy', [
    'SingleStack',
    'PreferDualStack',
    'RequireDualStack',
  ]);
  if (policy === 'RequireDualStack') {
    ctx.error(f.at('ipFamilyPolicy'), `${IPV4_ONLY}: use SingleStack or PreferDualStack`);
  }
  const chosen = clusterIP !== '' ? clusterIP : (first ?? '');
  return {
    clusterIP: chosen === '' ? undefined : chosen,
    path: clusterIP !== '' ? f.at('clusterIP') : firstPath,
  };
}

/** `sessionAffinityConfig.clientIP.timeoutSeconds`, or undefined when not given. */
function readAffinityTimeout(f: Fields): number | undefined {
  return f.object('sessionAffinityConfig', (config) =>
    config.object('clientIP', (clientIP) =>
      clientIP.int32('timeoutSeconds', {
        min: 1,
        max: MAX_SESSION_AFFINITY_SECONDS,
        range: `must be 1-${MAX_SESSION_AFFINITY_SECONDS} (seconds)`,
      }),
    ),
  );
}

/**
 * The fields that steer external load balancers and multi-node routing: meaningless on one
 * machine, so they warn; but the API server's rules on where they may appear still hold.
 */
function readTrafficFields(f: Fields, type: WrittenType | undefined): void {
  const ctx = f.ctx;
  const loadBalancer = type === 'LoadBalancer';
  const onlyLoadBalancer = (key: string): void => {
    if (type === undefined || loadBalancer) ctx.warning(f.at(key), NO_LOAD_BALANCER);
    else {
      ctx.error(f.at(key), 'may only be used when type is LoadBalancer', 'forbidden', 'key');
    }
  };

  const external = f.enumeration('externalTrafficPolicy', ['Cluster', 'Local']);
  if (external !== undefined) {
    if (type === 'ClusterIP') {
      ctx.error(
        f.at('externalTrafficPolicy'),
        'may only be set for externally-accessible Services (type NodePort or LoadBalancer)',
        'forbidden',
        'key',
      );
    } else if (external === 'Local') {
      ctx.warning(f.at('externalTrafficPolicy'), ALL_LOCAL);
    }
  }
  const healthCheckNodePort = f.int32('healthCheckNodePort');
  if (healthCheckNodePort !== undefined && healthCheckNodePort !== 0) {
    if (type !== undefined && !(loadBalancer && external === 'Local')) {
      ctx.error(
        f.at('healthCheckNodePort'),
        'may only be set when type is LoadBalancer and externalTrafficPolicy is Local',
        'forbidden',
        'key',
      );
    } else {
      ctx.warning(f.at('healthCheckNodePort'), NO_LOAD_BALANCER);
    }
  }
  // Cluster is the default: say nothing about it (`kubectl get -o yaml` prints it).
  if (f.enumeration('internalTrafficPolicy', ['Cluster', 'Local']) === 'Local') {
    ctx.warning(f.at('internalTrafficPolicy'), ALL_LOCAL);
  }
  const distribution = f.enumeration('trafficDistribution', [
    'PreferClose',
    'PreferSameZone',
    'PreferSameNode',
  ]);
  if (distribution !== undefined) {
    ctx.warning(
      f.at('trafficDistribution'),
      'ignored: on one machine every endpoint is equally close',
    );
  }
  const loadBalancerIP = f.string('loadBalancerIP');
  if (loadBalancerIP !== undefined && loadBalancerIP !== '') {
    ctx.warning(f.at('loadBalancerIP'), NO_LOAD_BALANCER);
  }
  const sourceRanges = f.stringList('loadBalancerSourceRanges');
  if (sourceRanges !== undefined && sourceRanges.length > 0) {
    onlyLoadBalancer('loadBalancerSourceRanges');
  }
  const loadBalancerClass = f.string('loadBalancerClass');
  if (loadBalancerClass !== undefined) {
    const bad = checkQualifiedName(loadBalancerClass);
    if (bad !== undefined) ctx.error(f.at('loadBalancerClass'), bad);
    onlyLoadBalancer('loadBalancerClass');
  }
  if (f.boolean('allocateLoadBalancerNodePorts') !== undefined) {
    onlyLoadBalancer('allocateLoadBalancerNodePorts');
  }
  // Ignoring these would drop traffic the manifest asks for: an error, not a warning.
  const externalIPs = f.stringList('externalIPs');
  if (externalIPs !== undefined && externalIPs.length > 0) {
    ctx.error(
      f.at('externalIPs'),
      'not supported by podkit (traffic to external IPs is not routed on one machine; use type: NodePort)',
      'unsupported',
      'key',
    );
  }
}

/**
 * Reads a Service's `spec` with the API server's validation (ValidateService) and
 * defaulting (SetDefaults_Service): `type` ClusterIP, `protocol` TCP, `targetPort` = `port`,
 * `sessionAffinity` None with a 10800 s timeout for ClientIP. LoadBalancer is read as
 * NodePort (with a warning); ExternalName and `externalIPs` are errors. Returns undefined
 * when the spec cannot be built (every problem is reported through `f.ctx`).
 *
 * @example
 *   const spec = f.object('spec', readServiceSpec, { required: 'the Service spec' });
 */
export function readServiceSpec(f: Fields): ServiceSpec | undefined {
  const ctx = f.ctx;
  const written = defaultedEnum(f, 'type', [
    'ClusterIP',
    'NodePort',
    'LoadBalancer',
    'ExternalName',
  ] as const);
  const type: WrittenType | undefined = written.invalid
    ? undefined
    : (written.value ?? 'ClusterIP');
  if (type === 'LoadBalancer') {
    ctx.warning(
      f.at('type'),
      'read as NodePort: there is no load balancer on one machine (the Service is reached on its node ports)',
      'ignored',
      'value',
    );
  } else if (type === 'ExternalName') {
    ctx.error(
      f.at('type'),
      'ExternalName is not supported by podkit (there is no cluster DNS to serve its CNAME); give the application the external host name itself',
      'unsupported',
    );
  }
  if (type === 'ExternalName') f.accept('externalName');
  else f.ignored('externalName', 'ignored: only a Service of type ExternalName uses it');

  const { clusterIP, path: clusterIPPath } = readClusterIPs(f);
  const headless = clusterIP === 'None';
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    ctx.error(clusterIPPath, `may not be "None" for a ${type} Service`);
  }

  const rawPorts = f.value.ports;
  const scope: PortScope = {
    type,
    several: Array.isArray(rawPorts) && rawPorts.length > 1,
  };
  const ports = f.objectList('ports', (p) => readServicePort(p, scope)) ?? [];
  const noPorts = isUnset(rawPorts) || (Array.isArray(rawPorts) && rawPorts.length === 0);
  if (noPorts && !headless && type !== 'ExternalName') {
    ctx.error(
      f.at('ports'),
      'required (at least one port; only a headless Service, clusterIP: None, may have none)',
      'required',
    );
  }
  reportDuplicates(f, 'ports', 'name', (v) => `duplicate port name ${JSON.stringify(v)}`);
  reportDuplicatePorts(f, 'port');
  if (type === 'NodePort' || type === 'LoadBalancer') reportDuplicatePorts(f, 'nodePort');

  const selector = f.stringMap('selector') ?? {};
  for (const [key, value] of Object.entries(selector)) {
    const path = childPath(f.at('selector'), key);
    const badKey = checkQualifiedName(key);
    if (badKey !== undefined) ctx.error(path, `label key ${badKey}`, 'invalid-value', 'key');
    const badValue = checkLabelValue(value);
    if (badValue !== undefined) ctx.error(path, `label value ${badValue}`);
  }
  const rawSelector = f.value.selector;
  const noSelector =
    isUnset(rawSelector) || (isObject(rawSelector) && Object.keys(rawSelector).length === 0);
  if (noSelector && type !== 'ExternalName') {
    ctx.warning(
      f.at('selector'),
      'no selector: this Service gets no endpoints (podkit does not run Endpoints or EndpointSlice objects)',
      'no-selector',
    );
  }

  const affinity = defaultedEnum(f, 'sessionAffinity', ['None', 'ClientIP'] as const);
  const sessionAffinity = affinity.value ?? 'None';
  const timeout = readAffinityTimeout(f);
  if (f.has('sessionAffinityConfig') && sessionAffinity === 'None' && !affinity.invalid) {
    ctx.error(
      f.at('sessionAffinityConfig'),
      'must not be set when sessionAffinity is None (set sessionAffinity: ClientIP)',
      'forbidden',
      'key',
    );
  }
  const publishNotReadyAddresses = f.boolean('publishNotReadyAddresses') ?? false;
  readTrafficFields(f, type);

  if (type === undefined || type === 'ExternalName') return undefined;
  return {
    type: type === 'LoadBalancer' ? 'NodePort' : type,
    selector,
    clusterIP,
    ports,
    sessionAffinity,
    sessionAffinityTimeoutSeconds: timeout ?? DEFAULT_SESSION_AFFINITY_SECONDS,
    publishNotReadyAddresses,
  };
}
