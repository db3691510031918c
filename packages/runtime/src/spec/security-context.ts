import { didYouMean } from './did-you-mean.js';
import { checkLocalDescendingPath } from './names.js';
import type { Fields } from './reader.js';
import type { PodSecurityContext, SeccompProfile, SecurityContext } from './types.js';

const ID_RANGE = { min: 0, max: 2147483647, range: 'must be 0-2147483647' };

// Linux capabilities (capability(7)), without the CAP_ prefix.
const CAPABILITIES = [
  'AUDIT_CONTROL',
  'AUDIT_READ',
  'AUDIT_WRITE',
  'BLOCK_SUSPEND',
  'BPF',
  'CHECKPOINT_RESTORE',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'IPC_LOCK',
  'IPC_OWNER',
  'KILL',
  'LEASE',
  'LINUX_IMMUTABLE',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'MKNOD',
  'NET_ADMIN',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_RAW',
  'PERFMON',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_CHROOT',
  'SYS_MODULE',
  'SYS_NICE',
  'SYS_PACCT',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'SYSLOG',
  'WAKE_ALARM',
];

const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
// Sysctls with a per-network/IPC-namespace value: setting them touches only the pod.
const NAMESPACED_SYSCTL = /^(net[./]|kernel[./]shm|kernel[./]msg|kernel[./]sem$|fs[./]mqueue[./])/;

function readSeccomp(f: Fields): SeccompProfile | undefined {
  const type = f.enumeration('type', ['RuntimeDefault', 'Unconfined', 'Localhost'], {
    required: true,
  });
  const localhostProfile = f.string('localhostProfile');
  if (type === 'Localhost') {
    if (localhostProfile === undefined || localhostProfile === '') {
      f.ctx.error(f.at('localhostProfile'), 'required when type is Localhost', 'required');
      return undefined;
    }
    const bad = checkLocalDescendingPath(localhostProfile);
    if (bad !== undefined) {
      f.ctx.error(f.at('localhostProfile'), bad);
      return undefined;
    }
    return { type, localhostProfile };
  }
  if (localhostProfile !== undefined) {
    f.ctx.error(
      f.at('localhostProfile'),
      'can only be set when type is Localhost',
      'forbidden',
      'key',
    );
  }
  return type === undefined ? undefined : { type };
}

function readCapabilityList(f: Fields, key: string): string[] {
  const list = f.stringList(key) ?? [];
  list.forEach((cap, i) => {
    const bare = cap.startsWith('CAP_') ? cap.slice(4) : cap;
    if (bare === 'ALL' || CAPABILITIES.includes(bare)) return;
    const suggestion = didYouMean(bare, [...CAPABILITIES, 'ALL']);
    const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
    f.ctx.error(`${f.at(key)}[${i}]`, `unknown Linux capability ${JSON.stringify(cap)}${hint}`);
  });
  return list;
}

function unsupportedCommon(f: Fields): void {
  f.unsupported('seLinuxOptions', 'no SELinux on podkit hosts');
  f.unsupported('appArmorProfile');
  f.ignored('windowsOptions', 'ignored on Linux');
}

/** Reads a container's `securityContext`. */
export function readSecurityContext(f: Fields): SecurityContext {
  unsupportedCommon(f);
  const out: SecurityContext = {};
  const procMount = f.enumeration('procMount', ['Default', 'Unmasked']);
  if (procMount === 'Unmasked') {
    f.ctx.error(
      f.at('procMount'),
      'not supported by podkit (Unmasked needs user namespaces)',
      'unsupported',
    );
  }
  const capabilities = f.object('capabilities', (c) => ({
    add: readCapabilityList(c, 'add'),
    drop: readCapabilityList(c, 'drop'),
  }));
  if (capabilities !== undefined) out.capabilities = capabilities;
  const privileged = f.boolean('privileged');
  if (privileged !== undefined) out.privileged = privileged;
  const runAsUser = f.integer('runAsUser', ID_RANGE);
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  const runAsGroup = f.integer('runAsGroup', ID_RANGE);
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  const runAsNonRoot = f.boolean('runAsNonRoot');
  if (runAsNonRoot !== undefined) out.runAsNonRoot = runAsNonRoot;
  const readOnlyRootFilesystem = f.boolean('readOnlyRootFilesystem');
  if (readOnlyRootFilesystem !== undefined) out.readOnlyRootFilesystem = readOnlyRootFilesystem;
  const allowPrivilegeEscalation = f.boolean('allowPrivilegeEscalation');
  if (allowPrivilegeEscalation !== undefined)
    out.allowPrivilegeEscalation = allowPrivilegeEscalation;
  const seccompProfile = f.object('seccompProfile', readSeccomp);
  if (seccompProfile !== undefined) out.seccompProfile = seccompProfile;
  // The API server's rule: no_new_privs cannot hold for a privileged/SYS_ADMIN process.
  if (allowPrivilegeEscalation === false) {
    if (privileged === true) {
      f.ctx.error(f.at('allowPrivilegeEscalation'), 'cannot be false when privileged is true');
    }
    if (capabilities?.add.some((c) => c === 'SYS_ADMIN' || c === 'CAP_SYS_ADMIN') === true) {
      f.ctx.error(
        f.at('allowPrivilegeEscalation'),
        'cannot be false when capabilities.add has SYS_ADMIN',
      );
    }
  }
  return out;
}

/** Reads the pod's `securityContext`. */
export function readPodSecurityContext(f: Fields): PodSecurityContext {
  unsupportedCommon(f);
  f.unsupported('seLinuxChangePolicy', 'no SELinux on podkit hosts');
  const policy = f.enumeration('supplementalGroupsPolicy', ['Merge', 'Strict']);
  if (policy === 'Strict') {
    f.ctx.error(
      f.at('supplementalGroupsPolicy'),
      'not supported by podkit (only Merge)',
      'unsupported',
    );
  }
  const out: PodSecurityContext = { supplementalGroups: [], sysctls: [] };
  const runAsUser = f.integer('runAsUser', ID_RANGE);
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  const runAsGroup = f.integer('runAsGroup', ID_RANGE);
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  const runAsNonRoot = f.boolean('runAsNonRoot');
  if (runAsNonRoot !== undefined) out.runAsNonRoot = runAsNonRoot;
  out.supplementalGroups =
    f.list('supplementalGroups', (item, path) => {
      if (typeof item === 'number' && Number.isInteger(item) && item >= 0 && item <= ID_RANGE.max) {
        return item;
      }
      f.ctx.error(path, `must be a group ID 0-2147483647, got ${JSON.stringify(item)}`);
      return undefined;
    }) ?? [];
  const fsGroup = f.integer('fsGroup', ID_RANGE);
  if (fsGroup !== undefined) out.fsGroup = fsGroup;
  const fsGroupChangePolicy = f.enumeration('fsGroupChangePolicy', ['OnRootMismatch', 'Always']);
  if (fsGroupChangePolicy !== undefined) out.fsGroupChangePolicy = fsGroupChangePolicy;
  const seccompProfile = f.object('seccompProfile', readSeccomp);
  if (seccompProfile !== undefined) out.seccompProfile = seccompProfile;
  const names = new Set<string>();
  out.sysctls =
    f.objectList('sysctls', (s) => {
      const name = s.string('name', { required: true });
      const value = s.string('value', { required: true });
      if (name === undefined || value === undefined) return undefined;
      if (name.length > 253 || !SYSCTL_NAME.test(name)) {
        s.ctx.error(
          s.at('name'),
          `must be a sysctl name such as net.ipv4.ip_local_port_range, got ${JSON.stringify(name)}`,
        );
        return undefined;
      }
      if (names.has(name)) {
        s.ctx.error(s.at('name'), `duplicate sysctl ${JSON.stringify(name)}`, 'duplicate');
        return undefined;
      }
      names.add(name);
      if (!NAMESPACED_SYSCTL.test(name)) {
        s.ctx.error(
          s.at('name'),
          `not a namespaced sysctl: setting ${JSON.stringify(name)} would change the host`,
          'unsupported',
        );
        return undefined;
      }
      return { name, value };
    }) ?? [];
  return out;
}
