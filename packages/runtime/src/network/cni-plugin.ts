import path from 'node:path';
import { runCommand } from '../host/run-command.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

/** A CNI 1.0 success result (the fields podkit reads). */
export interface CniResult {
  readonly cniVersion: string;
  readonly interfaces?: readonly { name: string; mac?: string; sandbox?: string }[] | undefined;
  readonly ips?: readonly { address: string; gateway?: string; interface?: number }[] | undefined;
  readonly routes?: readonly { dst: string; gw?: string }[] | undefined;
  readonly dns?: unknown;
}

export interface CniInvocation {
  command: CniCommand;
  /** Plugin binary name (the config's `type`). */
  plugin: string;
  /** The derived execution configuration, written to the plugin's stdin. */
  config: Record<string, unknown>;
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs, e.g. K8S_POD_NAME. */
  args?: Readonly<Record<string, string>> | undefined;
  pluginDir: string;
  signal?: AbortSignal | undefined;
}

/**
 * Executes one CNI plugin as the CNI spec 1.0 says: parameters in CNI_* environment
 * variables, the network configuration on stdin, the result (or an error object) on stdout.
 *
 * @example
 *   await invokeCniPlugin({ command: 'ADD', plugin: 'loopback', config: { cniVersion: '1.0.0',
 *     name: 'lo', type: 'loopback' }, containerId: id, netns, ifname: 'lo', pluginDir: '/usr/lib/cni' });
 */
export async function invokeCniPlugin(inv: CniInvocation): Promise<CniResult | undefined> {
  const cniArgs = Object.entries({ IgnoreUnknown: '1', ...(inv.args ?? {}) })
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
  const env: NodeJS.ProcessEnv = {
    // Plugins run iptables, ip, sysctl: they need a PATH with the sbin directories.
    PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin`,
    CNI_COMMAND: inv.command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifname,
    CNI_ARGS: cniArgs,
    CNI_PATH: inv.pluginDir,
  };
  const r = await runCommand([path.join(inv.pluginDir, inv.plugin)], {
    env,
    input: JSON.stringify(inv.config),
    allowFailure: true,
    signal: inv.signal,
  });
  if (r.code !== 0) {
    let detail = r.stderr.trim() || r.stdout.trim();
    try {
      const e = JSON.parse(r.stdout) as { code?: number; msg?: string; details?: string };
      detail = `${e.msg ?? ''}${e.details ? ` (${e.details})` : ''} [CNI error ${String(e.code)}]`;
    } catch {
      // not a CNI error object: keep the raw text
    }
    throw runtimeError(
      RuntimeErrorCode.CNI_FAILED,
      `CNI plugin ${inv.plugin} ${inv.command} for ${inv.containerId} failed: ${detail}`,
    );
  }
  if (inv.command === 'DEL' || inv.command === 'CHECK') return undefined;
  try {
    return JSON.parse(r.stdout) as CniResult;
  } catch (cause) {
    throw runtimeError(
      RuntimeErrorCode.CNI_FAILED,
      `CNI plugin ${inv.plugin} ${inv.command}: unreadable result`,
      {
        cause,
      },
    );
  }
}
