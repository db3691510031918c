import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import type { HostRuntimeErrorCode } from '../errors.js';
import { RuntimeErrorCode } from '../errors.js';

/** The cgroup layout of the host: pure v1, hybrid (v1 controllers + unified), or pure v2. */
export type CgroupLayout = 'v1' | 'hybrid' | 'v2';

/** One thing wrong with the host, with what to do about it. */
export interface HostProblem {
  readonly code: HostRuntimeErrorCode;
  readonly message: string;
  readonly hint: string;
}

/** What preflight found: absolute paths of the tools the runtime executes. */
export interface HostInfo {
  readonly cgroup: CgroupLayout;
  readonly runc: string;
  readonly catatonit: string;
  readonly ip: string;
  readonly iptables: string;
  readonly iptablesSave: string;
  readonly mount: string;
  readonly umount: string;
  readonly cniPluginDir: string;
}

/**
 * What to do about the problems as a whole: a user who is only not root needs sudo, not the
 * set-up script (which installs packages, and needs root itself).
 */
function preflightHint(problems: readonly HostProblem[]): string {
  if (problems.length > 0 && problems.every((p) => p.code === 'HOST_NOT_ROOT'))
    return 'run podkit as root: sudo podkit … (or from a root shell)';
  return 'run: bash scripts/setup.sh (as root), then try again';
}

/** Every host problem at once: the message lists them all, `problems` has them as data. */
export class HostPreflightError extends PodkitError {
  readonly problems: readonly HostProblem[];
  constructor(problems: readonly HostProblem[]) {
    super(
      RuntimeErrorCode.HOST_PREFLIGHT_FAILED,
      `this host cannot run pods:\n${problems.map((p) => `  - [${p.code}] ${p.message} (${p.hint})`).join('\n')}`,
      { hint: preflightHint(problems) },
    );
    this.name = 'HostPreflightError';
    this.problems = problems;
  }
}

/** The CNI plugins podkit's network needs. */
export const REQUIRED_CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'] as const;

export const DEFAULT_CNI_PLUGIN_DIR = '/usr/lib/cni';

export interface PreflightOptions {
  /** Directory holding the CNI plugin binaries (default /usr/lib/cni). */
  cniPluginDir?: string | undefined;
  /** PATH to search for tools (default: process.env.PATH plus the sbin directories). */
  searchPath?: string | undefined;
  /** Effective uid (default process.geteuid()); injectable for tests. */
  euid?: number | undefined;
  /** cgroup mount root (default /sys/fs/cgroup). */
  cgroupRoot?: string | undefined;
}

const SETUP_HINT = 'run: bash scripts/setup.sh';

/**
 * Checks that this host can run pods: root, runc, catatonit, ip, iptables, mount, the CNI
 * plugins, and a cgroup layout runc supports. Throws one HostPreflightError listing every
 * problem (not only the first), so a user fixes them in one go.
 *
 * @example
 *   const host = await preflight();
 *   console.log(host.cgroup); // 'hybrid'
 */
export async function preflight(options: PreflightOptions = {}): Promise<HostInfo> {
  const problems: HostProblem[] = [];
  const euid = options.euid ?? process.geteuid?.() ?? -1;
  if (euid !== 0) {
    problems.push({
      code: RuntimeErrorCode.HOST_NOT_ROOT,
      message: `podkit's runtime needs root (running as uid ${euid})`,
      hint: 'run it with sudo or as root',
    });
  }
  const searchPath =
    options.searchPath ?? `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin`;
  // Every look-up runs at once (`podkit up` waits for them); problems keep this order.
  const tools = [
    ['runc', 'runc'],
    ['catatonit', 'catatonit'],
    ['ip', 'iproute2'],
    ['iptables', 'iptables'],
    ['iptables-save', 'iptables'],
    ['mount', 'mount'],
    ['umount', 'mount'],
  ] as const;
  const cniPluginDir = options.cniPluginDir ?? DEFAULT_CNI_PLUGIN_DIR;
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  const [found, pluginsOk, cgroup] = await Promise.all([
    Promise.all(tools.map(([name]) => which(name, searchPath))),
    Promise.all(REQUIRED_CNI_PLUGINS.map((p) => isExecutable(path.join(cniPluginDir, p)))),
    detectCgroupLayout(cgroupRoot),
  ]);
  const [runc, catatonit, ip, iptables, iptablesSave, mount, umount] = tools.map(
    ([name, pkg], i) => {
      const at = found[i];
      if (at !== undefined) return at;
      problems.push({
        code: RuntimeErrorCode.HOST_MISSING_TOOL,
        message: `${name} not found in PATH (Debian package ${pkg})`,
        hint: SETUP_HINT,
      });
      return name;
    },
  ) as [string, string, string, string, string, string, string];
  const missingPlugins = REQUIRED_CNI_PLUGINS.filter((_, i) => pluginsOk[i] !== true);
  if (missingPlugins.length > 0) {
    problems.push({
      code: RuntimeErrorCode.HOST_MISSING_TOOL,
      message: `CNI plugin(s) ${missingPlugins.join(', ')} missing in ${cniPluginDir} (Debian package containernetworking-plugins)`,
      hint: SETUP_HINT,
    });
  }

  if (cgroup === undefined) {
    problems.push({
      code: RuntimeErrorCode.HOST_CGROUP_UNSUPPORTED,
      message: `no cgroup hierarchy found at ${cgroupRoot}`,
      hint: 'mount cgroups (v1 controllers or the v2 unified hierarchy) at /sys/fs/cgroup',
    });
  }

  if (problems.length > 0 || cgroup === undefined) throw new HostPreflightError(problems);
  return { cgroup, runc, catatonit, ip, iptables, iptablesSave, mount, umount, cniPluginDir };
}

/**
 * v2 when the root is the unified hierarchy (it has cgroup.controllers); hybrid when v1
 * controllers sit beside a `unified` mount; v1 when only controllers are there.
 */
export async function detectCgroupLayout(cgroupRoot: string): Promise<CgroupLayout | undefined> {
  if (await exists(path.join(cgroupRoot, 'cgroup.controllers'))) return 'v2';
  const hasV1 =
    (await exists(path.join(cgroupRoot, 'memory', 'tasks'))) ||
    (await exists(path.join(cgroupRoot, 'pids', 'tasks'))) ||
    (await exists(path.join(cgroupRoot, 'cpu', 'tasks')));
  if (!hasV1) return undefined;
  return (await exists(path.join(cgroupRoot, 'unified', 'cgroup.procs'))) ? 'hybrid' : 'v1';
}

/** Absolute path of `name` in the colon-separated `searchPath`, or undefined. */
export async function which(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(':')) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

// The look-ups are synchronous system calls: `podkit up` waits for the preflight, and its ~100
// stat/access calls (most of them ENOENT along PATH) take well under a millisecond as such,
// but 5-9 ms as promises, each a round trip through libuv's thread pool of four.
function isExecutable(file: string): Promise<boolean> {
  try {
    if (!statSync(file).isFile()) return Promise.resolve(false);
    accessSync(file, constants.X_OK);
    return Promise.resolve(true);
  } catch {
    return Promise.resolve(false);
  }
}

function exists(file: string): Promise<boolean> {
  return Promise.resolve(statSync(file, { throwIfNoEntry: false }) !== undefined);
}
