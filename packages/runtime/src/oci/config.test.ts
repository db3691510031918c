import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOciConfig, milliCpuToQuota, milliCpuToShares, type ContainerPlan } from './config.js';
import {
  ALL_CAPABILITIES,
  capabilitiesFromMask,
  capabilityMask,
  resolveCapabilities,
} from './capabilities.js';

const base: ContainerPlan = {
  rootfs: '/bundle/rootfs',
  args: ['/bin/sh', '-c', 'true'],
  env: ['PATH=/bin'],
  user: { uid: 0, gid: 0, additionalGids: [] },
};

const DEFAULT_14 = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

test("default capabilities are exactly containerd's 14, no ambient or inheritable", () => {
  const c = buildOciConfig(base);
  assert.deepEqual(c.process.capabilities, {
    bounding: DEFAULT_14,
    effective: DEFAULT_14,
    permitted: DEFAULT_14,
  });
  // The mask Docker and containerd containers show in /proc/self/status.
  assert.equal(capabilityMask(DEFAULT_14), 0xa80425fbn);
  assert.deepEqual(new Set(capabilitiesFromMask('00000000a80425fb')), new Set(DEFAULT_14));
});

test('add/drop follow containerd: ALL first, then individual entries', () => {
  assert.deepEqual(resolveCapabilities({ drop: ['ALL'], add: ['net_bind_service'] }), [
    'CAP_NET_BIND_SERVICE',
  ]);
  const c = resolveCapabilities({ add: ['NET_ADMIN', 'CAP_SYS_TIME'], drop: ['MKNOD', 'NET_RAW'] });
  assert.equal(c.length, 14);
  assert.ok(c.includes('CAP_NET_ADMIN') && c.includes('CAP_SYS_TIME') && !c.includes('CAP_MKNOD'));
  const all = resolveCapabilities({ add: ['ALL'], drop: ['CHOWN'] });
  assert.equal(all.length, ALL_CAPABILITIES.length - 1);
  assert.throws(() => resolveCapabilities({ add: ['NOT_A_CAP'] }), /unknown capability/);
});

test('privileged: all available caps, no masked/readonly paths, rw sysfs, all devices', () => {
  const available = ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
  const c = buildOciConfig(
    { ...base, privileged: true, maskedPaths: ['/etc/shadow'] },
    { availableCapabilities: available },
  );
  assert.deepEqual(c.process.capabilities.bounding, available);
  assert.deepEqual(c.linux.maskedPaths, ['/etc/shadow']);
  assert.deepEqual(c.linux.readonlyPaths, []);
  assert.deepEqual(c.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.ok(c.mounts.find((m) => m.destination === '/sys')?.options.includes('rw'));
});

test("masked and read-only paths are containerd's", () => {
  const c = buildOciConfig(base);
  assert.deepEqual(c.linux.maskedPaths, [
    '/proc/acpi',
    '/proc/asound',
    '/proc/kcore',
    '/proc/keys',
    '/proc/latency_stats',
    '/proc/timer_list',
    '/proc/timer_stats',
    '/proc/sched_debug',
    '/sys/firmware',
    '/sys/devices/virtual/powercap',
    '/proc/scsi',
  ]);
  assert.deepEqual(c.linux.readonlyPaths, [
    '/proc/bus',
    '/proc/fs',
    '/proc/irq',
    '/proc/sys',
    '/proc/sysrq-trigger',
  ]);
  assert.deepEqual(c.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
});

test('cgroup resources: cpu 500m → shares 512, quota 50000/100000; memory 64Mi; pids', () => {
  const c = buildOciConfig({
    ...base,
    cgroupsPath: '/podkit/p/c',
    resources: {
      cpuRequestMilli: 500,
      cpuLimitMilli: 500,
      memoryLimitBytes: 64 * 1024 * 1024,
      pidsLimit: 100,
    },
  });
  assert.deepEqual(c.linux.resources.cpu, { shares: 512, quota: 50_000, period: 100_000 });
  assert.deepEqual(c.linux.resources.memory, { limit: 67_108_864 });
  assert.deepEqual(c.linux.resources.pids, { limit: 100 });
  assert.equal(c.linux.cgroupsPath, '/podkit/p/c');
  // No request: shares follow the limit; nothing at all: the minimum, no quota.
  assert.deepEqual(
    buildOciConfig({ ...base, resources: { cpuLimitMilli: 250 } }).linux.resources.cpu,
    {
      shares: 256,
      quota: 25_000,
      period: 100_000,
    },
  );
  assert.deepEqual(buildOciConfig(base).linux.resources.cpu, { shares: 2 });
  assert.equal(buildOciConfig(base).linux.resources.memory, undefined);
  assert.equal(milliCpuToShares(1), 2);
  assert.equal(milliCpuToShares(1000), 1024);
  assert.equal(milliCpuToQuota(1), 1000);
  assert.equal(milliCpuToQuota(0), undefined);
});

test('rlimits are clamped to the host hard limits', () => {
  const c = buildOciConfig(
    {
      ...base,
      rlimits: [
        { type: 'RLIMIT_NOFILE', soft: 1_048_576, hard: 1_048_576 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 10 },
      ],
    },
    { hostLimits: { RLIMIT_NOFILE: 20_000, RLIMIT_CORE: Infinity } },
  );
  assert.deepEqual(c.process.rlimits, [
    { type: 'RLIMIT_NOFILE', soft: 20_000, hard: 20_000 },
    { type: 'RLIMIT_CORE', soft: 0, hard: 10 },
  ]);
});

test('namespaces: join given paths, new mount ns, pid only when shared, host = absent', () => {
  const c = buildOciConfig({
    ...base,
    hostname: 'web',
    namespaces: {
      network: { path: '/proc/9/ns/net' },
      ipc: { path: '/proc/9/ns/ipc' },
      uts: { path: '/proc/9/ns/uts' },
    },
  });
  assert.deepEqual(c.linux.namespaces, [
    { type: 'mount' },
    { type: 'network', path: '/proc/9/ns/net' },
    { type: 'ipc', path: '/proc/9/ns/ipc' },
    { type: 'uts', path: '/proc/9/ns/uts' },
    { type: 'pid' },
  ]);
  const shared = buildOciConfig({
    ...base,
    namespaces: { pid: { path: '/proc/9/ns/pid' }, network: 'host' },
  });
  assert.deepEqual(
    shared.linux.namespaces.find((n) => n.type === 'pid'),
    { type: 'pid', path: '/proc/9/ns/pid' },
  );
  assert.equal(
    shared.linux.namespaces.find((n) => n.type === 'network'),
    undefined,
  );
  assert.throws(
    () => buildOciConfig({ ...base, hostname: 'x', namespaces: { uts: 'host' } }),
    /UTS/,
  );
});

test('mounts: defaults, sandbox files, volumes sorted parent-first, read-only rootfs', () => {
  const c = buildOciConfig({
    ...base,
    readOnlyRootFilesystem: true,
    noNewPrivileges: true,
    sandbox: {
      hostsPath: '/s/hosts',
      hostnamePath: '/s/hostname',
      resolvConfPath: '/s/resolv.conf',
      shmPath: '/s/shm',
    },
    mounts: [
      { destination: '/data/sub', source: '/v/b', readOnly: true },
      { destination: '/data', source: '/v/a', propagation: 'rslave' },
    ],
    tmpfs: [{ destination: '/tmp', mode: '1777' }],
  });
  assert.equal(c.root.readonly, true);
  assert.equal(c.process.noNewPrivileges, true);
  const byDest = new Map(c.mounts.map((m) => [m.destination, m]));
  assert.deepEqual(
    c.mounts.map((m) => m.destination),
    [
      '/proc',
      '/dev',
      '/dev/pts',
      '/dev/shm',
      '/dev/mqueue',
      '/sys',
      '/sys/fs/cgroup',
      '/tmp',
      '/data',
      '/etc/hosts',
      '/etc/hostname',
      '/etc/resolv.conf',
      '/data/sub',
    ],
  );
  assert.deepEqual(byDest.get('/dev/shm'), {
    destination: '/dev/shm',
    type: 'bind',
    source: '/s/shm',
    options: ['rbind', 'rprivate', 'rw'],
  });
  assert.deepEqual(byDest.get('/etc/hosts')?.options, ['rbind', 'rprivate', 'ro']);
  assert.deepEqual(byDest.get('/data')?.options, ['rbind', 'rslave', 'rw']);
  assert.deepEqual(byDest.get('/data/sub')?.options, ['rbind', 'rprivate', 'ro']);
  assert.deepEqual(byDest.get('/sys')?.options, ['nosuid', 'noexec', 'nodev', 'ro']);
  assert.deepEqual(byDest.get('/sys/fs/cgroup')?.options.at(-1), 'ro');
  assert.deepEqual(byDest.get('/tmp')?.options, ['nosuid', 'nodev', 'mode=1777']);
});

test('process: args, env, cwd, user, oomScoreAdj, terminal off; sysctls and seccomp', () => {
  const c = buildOciConfig({
    ...base,
    cwd: '/work',
    user: { uid: 65534, gid: 65534, additionalGids: [65534, 4] },
    oomScoreAdj: 1000,
    sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
    seccomp: { defaultAction: 'SCMP_ACT_ERRNO', architectures: [], syscalls: [] },
  });
  assert.equal(c.process.terminal, false);
  assert.deepEqual(c.process.args, ['/bin/sh', '-c', 'true']);
  assert.deepEqual(c.process.env, ['PATH=/bin']);
  assert.equal(c.process.cwd, '/work');
  assert.deepEqual(c.process.user, { uid: 65534, gid: 65534, additionalGids: [65534, 4] });
  assert.equal(c.process.oomScoreAdj, 1000);
  assert.deepEqual(c.linux.sysctl, { 'net.ipv4.ip_unprivileged_port_start': '0' });
  assert.equal(c.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(
    buildOciConfig({ ...base, privileged: true, seccomp: c.linux.seccomp }).linux.seccomp,
    undefined,
  );
  assert.equal(c.hostname, undefined);
});
