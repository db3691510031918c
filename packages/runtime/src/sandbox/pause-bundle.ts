/**
 * The OCI runtime config of a pod's pause container: catatonit in pause mode (-P) as PID 1,
 * in a read-only empty root with only the catatonit binary bind-mounted, no capabilities.
 * It holds the pod's IPC and UTS namespaces (and PID with shareProcessNamespace) and sits in
 * the pod's network namespace, so that app containers can join them by path.
 */
export function buildPauseConfig(input: {
  hostname: string | undefined;
  netnsPath: string | undefined;
  catatonitPath: string;
  cgroupsPath: string;
}): Record<string, unknown> {
  const namespaces: Record<string, string>[] = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'mount' },
    ...(input.hostname === undefined ? [] : [{ type: 'uts' }]),
    // Without a network entry runc leaves the container in the caller's (host) network.
    ...(input.netnsPath === undefined ? [] : [{ type: 'network', path: input.netnsPath }]),
  ];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/catatonit', '-P'],
      env: ['PATH=/'],
      cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] },
      noNewPrivileges: true,
      // No rlimits: runc would try to set them, and this root cannot raise hard limits.
    },
    root: { path: 'rootfs', readonly: true },
    ...(input.hostname === undefined ? {} : { hostname: input.hostname }),
    mounts: [
      {
        destination: '/proc',
        type: 'proc',
        source: 'proc',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=64k'],
      },
      {
        destination: '/catatonit',
        type: 'bind',
        source: input.catatonitPath,
        options: ['rbind', 'ro', 'nosuid', 'nodev'],
      },
    ],
    linux: {
      cgroupsPath: input.cgroupsPath,
      namespaces,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus'],
    },
  };
}
