import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dockerSeccompToOci,
  loadRuntimeDefaultSeccomp,
  type DockerSeccompProfile,
} from './seccomp.js';

const profile: DockerSeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'] },
    },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
    { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
  ],
};

test("Docker-format profile → OCI for the container's caps, arch and kernel", () => {
  const oci = dockerSeccompToOci(profile, {
    capabilities: ['CAP_CHOWN'],
    arch: 'x64',
    kernel: '6.1.0-18-amd64',
  });
  assert.deepEqual(oci.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.equal(oci.defaultErrnoRet, 38);
  assert.deepEqual(
    oci.syscalls.map((s) => s.names[0]),
    ['read', 'ptrace', 'clone', 'arch_prctl', 'bpf'],
  );
  assert.deepEqual(oci.syscalls.at(-1), { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
  const admin = dockerSeccompToOci(profile, {
    capabilities: ['CAP_SYS_ADMIN'],
    arch: 'arm64',
    kernel: '4.4',
  });
  assert.deepEqual(admin.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.deepEqual(
    admin.syscalls.map((s) => s.names[0]),
    ['read', 'mount', 'bpf'],
  );
});

test('a missing host profile is undefined, not an error', async () => {
  assert.equal(await loadRuntimeDefaultSeccomp('/nonexistent/seccomp.json'), undefined);
});
