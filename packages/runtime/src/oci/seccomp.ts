import { readFile } from 'node:fs/promises';

/** Where Debian's golang-github-containers-common (a podman dependency) puts its profile. */
export const RUNTIME_DEFAULT_SECCOMP_PATH = '/usr/share/containers/seccomp.json';

interface DockerSyscall {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: unknown[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[] };
}

/** The Docker/containers-common seccomp profile format. */
export interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: { architecture: string; subArchitectures?: string[] | null }[] | null;
  syscalls?: DockerSyscall[] | null;
}

/** An OCI runtime-spec `linux.seccomp` object. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: { names: string[]; action: string; errnoRet?: number; args?: unknown[] }[];
}

const SECCOMP_ARCH: Readonly<Record<string, string>> = {
  x64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
  ia32: 'SCMP_ARCH_X86',
  arm: 'SCMP_ARCH_ARM',
  ppc64: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
};
/** Go's GOARCH names, which the profile's includes/excludes use. */
const GO_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: '386',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

function kernelAtLeast(kernel: string, min: string): boolean {
  const a = kernel.split(/[.-]/).map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < b.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (Number.isNaN(x) || x !== y) return !Number.isNaN(x) && x > y;
  }
  return true;
}

/**
 * Converts a Docker-format profile to the OCI form for one container, the way moby and
 * podman do: native arch plus its sub-arches; a rule applies only when the container holds all
 * its `includes.caps`, none of its `excludes.caps`, and arch/kernel match.
 */
export function dockerSeccompToOci(
  profile: DockerSeccompProfile,
  options: { capabilities: readonly string[]; arch?: string; kernel?: string },
): OciSeccomp {
  const nodeArch = options.arch ?? process.arch;
  const scmpArch = SECCOMP_ARCH[nodeArch];
  const goArch = GO_ARCH[nodeArch] ?? nodeArch;
  const kernel = options.kernel ?? '0';
  const architectures: string[] = [];
  for (const m of profile.archMap ?? []) {
    if (m.architecture === scmpArch)
      architectures.push(m.architecture, ...(m.subArchitectures ?? []));
  }
  const syscalls: OciSeccomp['syscalls'] = [];
  for (const call of profile.syscalls ?? []) {
    const inc = call.includes ?? {};
    const exc = call.excludes ?? {};
    if (exc.caps?.some((c) => options.capabilities.includes(c)) === true) continue;
    if (exc.arches?.includes(goArch) === true) continue;
    if (inc.arches !== undefined && inc.arches.length > 0 && !inc.arches.includes(goArch)) continue;
    if (inc.caps !== undefined && !inc.caps.every((c) => options.capabilities.includes(c)))
      continue;
    if (inc.minKernel !== undefined && !kernelAtLeast(kernel, inc.minKernel)) continue;
    const names = call.names ?? (call.name === undefined ? [] : [call.name]);
    if (names.length === 0) continue;
    const rule: OciSeccomp['syscalls'][number] = { names, action: call.action };
    if (call.errnoRet !== undefined) rule.errnoRet = call.errnoRet;
    if (call.args !== undefined && call.args !== null && call.args.length > 0)
      rule.args = call.args;
    syscalls.push(rule);
  }
  const out: OciSeccomp = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  return out;
}

/**
 * The RuntimeDefault profile from the host, or undefined when the host has none (then
 * containers run unconfined, as `seccompProfile: Unconfined` would; see docs/runtime-oci.md).
 */
export async function loadRuntimeDefaultSeccomp(
  path: string = RUNTIME_DEFAULT_SECCOMP_PATH,
): Promise<DockerSeccompProfile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DockerSeccompProfile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
