import path from 'node:path';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { DEFAULT_CNI_PLUGIN_DIR } from '../host/preflight.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';
import { invokeCniPlugin, type CniResult } from './cni-plugin.js';
import { addPodMasquerade, purgeIptablesRules } from './nat-rules.js';

/** A hostPort publication, as CNI's portmap `portMappings` capability takes it. */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  /** Host address to publish on; empty/undefined = every address. */
  readonly hostIP?: string | undefined;
}

/** podkit's pod network: one bridge, one subnet, host-local IPAM under the state root. */
export interface PodNetworkConfig {
  /** The CNI network name (host-local keeps leases under `<dataDir>/<name>`). */
  readonly name: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway?: string | undefined;
  readonly rangeStart?: string | undefined;
  readonly rangeEnd?: string | undefined;
  readonly dataDir: string;
  readonly pluginDir: string;
}

/**
 * podkit's defaults: bridge podkit0 on 10.89.0.0/16 (podman's own network takes 10.88.0.0/16,
 * so both run side by side).
 */
export function defaultPodNetwork(cniDataDir: string): PodNetworkConfig {
  return {
    name: 'podkit',
    bridge: 'podkit0',
    subnet: '10.89.0.0/16',
    dataDir: cniDataDir,
    pluginDir: DEFAULT_CNI_PLUGIN_DIR,
  };
}

interface PluginConf extends Record<string, unknown> {
  type: string;
  capabilities?: Record<string, boolean>;
}

/** The chained network configuration list (CNI 1.0) podkit uses: bridge, then portmap. */
export function buildConflist(net: PodNetworkConfig): {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
} {
  return {
    cniVersion: '1.0.0',
    name: net.name,
    plugins: [
      {
        type: 'bridge',
        bridge: net.bridge,
        isGateway: true,
        // The outbound masquerade is podkit's own (nat-rules.ts): the same chain in one
        // iptables-restore instead of the plugin's five iptables runs.
        ipMasq: false,
        // A pod must reach itself through its own hostPort / service-like paths.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [
            [
              {
                subnet: net.subnet,
                ...(net.gateway === undefined ? {} : { gateway: net.gateway }),
                ...(net.rangeStart === undefined ? {} : { rangeStart: net.rangeStart }),
                ...(net.rangeEnd === undefined ? {} : { rangeEnd: net.rangeEnd }),
              },
            ],
          ],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: net.dataDir,
        },
      },
      // snat (default true) makes 127.0.0.1:hostPort work: portmap sets route_localnet on the
      // bridge and masquerades 127/8 sources, since a reply to 127.0.0.1 could not leave the pod.
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** What a pod's CNI attachment needs to be checked or removed later, by any process. */
export interface PodAttachment {
  readonly network: PodNetworkConfig;
  readonly containerId: string;
  readonly netns: string;
  readonly ifname: string;
  readonly portMappings: readonly PortMapping[];
  readonly podName?: string | undefined;
  readonly podNamespace?: string | undefined;
  readonly podUid?: string | undefined;
  /**
   * The namespace's `lo` is already up (the sandbox brought it up when it made the namespace):
   * the loopback plugin's ADD is skipped. Its DEL has nothing to free either way.
   */
  readonly loopbackUp?: boolean | undefined;
}

/** The result of attaching a pod. */
export interface PodNetworkStatus {
  readonly result: CniResult;
  /** The pod IP (without prefix length). */
  readonly ip: string;
  /** The host side of the pod's veth pair. */
  readonly hostVeth: string | undefined;
}

const LOOPBACK_NET = 'podkit-loopback';

/**
 * Attaches a pod's network namespace: loopback up (`lo`) beside the bridge → portmap chain for
 * `eth0` (the two touch different interfaces), each chained plugin given the previous one's
 * result. On failure, whatever was attached is removed again (CNI DEL), and the error is thrown.
 *
 * @example
 *   const { ip } = await addPodNetwork({ network, containerId: id, netns, ifname: 'eth0', portMappings: [] });
 */
export async function addPodNetwork(
  att: PodAttachment,
  signal?: AbortSignal,
): Promise<PodNetworkStatus> {
  try {
    const list = buildConflist(att.network);
    const chain = async (): Promise<CniResult | undefined> => {
      let prev: CniResult | undefined;
      let masquerade: Promise<void> | undefined;
      try {
        for (const plugin of list.plugins) {
          // portmap's ADD without port mappings returns its prevResult untouched (plugins
          // v1.1 `cmdAdd`): skip the process. Its DEL still runs (it is idempotent).
          if (plugin.type === 'portmap' && att.portMappings.length === 0 && prev !== undefined)
            continue;
          prev = await invokeChainPlugin('ADD', list, plugin, att, prev, signal);
          // Once the bridge gave the pod its address, its masquerade goes in beside the rest.
          const podIp = prev?.ips?.[0]?.address.split('/')[0];
          if (plugin.type === 'bridge' && podIp !== undefined) {
            masquerade = addPodMasquerade(
              {
                networkName: att.network.name,
                containerId: att.containerId,
                podIp,
                subnet: att.network.subnet,
              },
              signal,
            );
          }
        }
      } finally {
        // Settled before anything fails or returns: the DEL of a failure must not race it.
        await masquerade?.catch(() => undefined);
      }
      await masquerade;
      return prev;
    };
    // Both settle before a failure is handled: the DEL below must not race a running ADD.
    const [lo, eth] = await Promise.allSettled([
      att.loopbackUp === true ? Promise.resolve() : invokeLoopback('ADD', att, signal),
      chain(),
    ]);
    if (lo.status === 'rejected') throw lo.reason;
    if (eth.status === 'rejected') throw eth.reason;
    const prev = eth.value;
    if (prev === undefined)
      throw runtimeError(RuntimeErrorCode.CNI_FAILED, 'CNI chain returned no result');
    const ip = prev.ips?.[0]?.address.split('/')[0];
    if (ip === undefined)
      throw runtimeError(RuntimeErrorCode.CNI_FAILED, 'CNI ADD gave the pod no IP address');
    const hostVeth = prev.interfaces?.find(
      (i) => (i.sandbox === undefined || i.sandbox === '') && i.name !== att.network.bridge,
    )?.name;
    return { result: prev, ip, hostVeth };
  } catch (err) {
    await removePodNetwork(att, undefined).catch(() => undefined);
    throw err;
  }
}

/**
 * CNI DEL of the chain (in reverse) and of loopback. Idempotent: DEL of what is gone succeeds.
 * Then, because the bridge plugin skips its masquerade teardown when the netns is already gone,
 * any iptables rule still carrying this container's id is removed, and so is its lease.
 */
export async function removePodNetwork(
  att: PodAttachment,
  prevResult: CniResult | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const list = buildConflist(att.network);
  const errors: unknown[] = [];
  for (const plugin of [...list.plugins].reverse()) {
    try {
      await invokeChainPlugin('DEL', list, plugin, att, prevResult, signal);
    } catch (err) {
      errors.push(err);
    }
  }
  try {
    await invokeLoopback('DEL', att, signal);
  } catch {
    // loopback DEL has nothing to free outside the namespace
  }
  await purgeIptablesRules(att.network.name, att.containerId, signal).catch((e: unknown) =>
    errors.push(e),
  );
  await purgeLeases(att.network, att.containerId).catch((e: unknown) => errors.push(e));
  if (errors.length > 0) {
    throw runtimeError(
      RuntimeErrorCode.CNI_FAILED,
      `removing the network of ${att.containerId}: ${errors.map((e) => (e as Error).message).join('; ')}`,
      { cause: errors[0] },
    );
  }
}

/** CNI CHECK of the chain against the ADD result. */
export async function checkPodNetwork(
  att: PodAttachment,
  prevResult: CniResult,
  signal?: AbortSignal,
): Promise<void> {
  const list = buildConflist(att.network);
  const hasV6 = (prevResult.ips ?? []).some((i) => i.address.includes(':'));
  for (const plugin of list.plugins) {
    await invokeChainPlugin('CHECK', list, plugin, att, prevResult, signal).catch(
      (err: unknown) => {
        // portmap ≤ 1.2 CHECKs ip6tables rules it never created for an IPv4-only pod
        // (containernetworking/plugins#819); that is not a broken attachment.
        if (
          plugin.type === 'portmap' &&
          !hasV6 &&
          /could not check ipv6 dnat/.test((err as Error).message)
        ) {
          return undefined;
        }
        throw err;
      },
    );
  }
}

/**
 * The per-plugin execution configuration (CNI spec 1.0 §"Deriving execution configuration"):
 * the list's name and cniVersion, prevResult, and runtimeConfig for each declared capability.
 */
function execConfig(
  list: { cniVersion: string; name: string },
  plugin: PluginConf,
  att: PodAttachment,
  prev: CniResult | undefined,
): Record<string, unknown> {
  const { capabilities, ...rest } = plugin;
  const runtimeConfig: Record<string, unknown> = {};
  if (capabilities?.portMappings === true) {
    runtimeConfig.portMappings = att.portMappings.map((m) => ({
      hostPort: m.hostPort,
      containerPort: m.containerPort,
      protocol: m.protocol,
      ...(m.hostIP === undefined || m.hostIP === '' ? {} : { hostIP: m.hostIP }),
    }));
  }
  return {
    ...rest,
    cniVersion: list.cniVersion,
    name: list.name,
    ...(Object.keys(runtimeConfig).length > 0 ? { runtimeConfig } : {}),
    ...(prev === undefined ? {} : { prevResult: prev }),
  };
}

/** One plugin of the pod's chain, on the pod's interface, with its execution config. */
function invokeChainPlugin(
  command: 'ADD' | 'DEL' | 'CHECK',
  list: ReturnType<typeof buildConflist>,
  plugin: PluginConf,
  att: PodAttachment,
  prev: CniResult | undefined,
  signal: AbortSignal | undefined,
): Promise<CniResult | undefined> {
  return invokeCniPlugin({
    command,
    plugin: plugin.type,
    config: execConfig(list, plugin, att, prev),
    containerId: att.containerId,
    netns: att.netns,
    ifname: att.ifname,
    args: cniArgs(att),
    pluginDir: att.network.pluginDir,
    signal,
  });
}

/** The loopback plugin on the pod's `lo` (outside the chain, as kubelet's runtimes do). */
async function invokeLoopback(
  command: 'ADD' | 'DEL',
  att: PodAttachment,
  signal: AbortSignal | undefined,
): Promise<void> {
  await invokeCniPlugin({
    command,
    plugin: 'loopback',
    config: { cniVersion: '1.0.0', name: LOOPBACK_NET, type: 'loopback' },
    containerId: att.containerId,
    netns: att.netns,
    ifname: 'lo',
    pluginDir: att.network.pluginDir,
    signal,
  });
}

function cniArgs(att: PodAttachment): Record<string, string> {
  return {
    ...(att.podNamespace === undefined ? {} : { K8S_POD_NAMESPACE: att.podNamespace }),
    ...(att.podName === undefined ? {} : { K8S_POD_NAME: att.podName }),
    ...(att.podUid === undefined ? {} : { K8S_POD_UID: att.podUid }),
    K8S_POD_INFRA_CONTAINER_ID: att.containerId,
  };
}

/** host-local lease files (`<dataDir>/<network>/<ip>`) and the container id each holds. */
export async function listLeases(
  net: Pick<PodNetworkConfig, 'dataDir' | 'name'>,
): Promise<{ file: string; ip: string; containerId: string }[]> {
  const dir = path.join(net.dataDir, net.name);
  const names = await readdir(dir).catch(() => [] as string[]);
  const leases: { file: string; ip: string; containerId: string }[] = [];
  for (const name of names) {
    // last_reserved_ip.0 and lock are bookkeeping, not leases.
    if (!/^[0-9a-f.:]+$/i.test(name) || (!name.includes('.') && !name.includes(':'))) continue;
    const content = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
    if (content === undefined) continue;
    leases.push({
      file: path.join(dir, name),
      ip: name,
      containerId: content.split(/\r?\n/)[0] ?? '',
    });
  }
  return leases.sort((a, b) => a.ip.localeCompare(b.ip));
}

async function purgeLeases(net: PodNetworkConfig, containerId: string): Promise<void> {
  for (const lease of await listLeases(net)) {
    if (lease.containerId === containerId) await unlink(lease.file).catch(() => undefined);
  }
}
