import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

/*
 * scripts/setup.sh installs every Debian package podkit and its tests run a program of
 * (with --no-install-recommends: a package only recommended by another, like git's
 * openssh-client, must be listed itself). Each program below is found on this machine and
 * `dpkg -S` says which package holds it; that package must be in setup.sh's list.
 */

const run = promisify(execFile);
const SETUP = fileURLToPath(new URL('../../../../scripts/setup.sh', import.meta.url));

/** Programs spawned by podkit or its tests, with who needs them. */
const PROGRAMS: Record<string, string> = {
  zstd: 'the OCI layout writer (zstd layers): unpack-layer.test.ts',
  ssh: 'image build-node --include /usr/bin/ssh; git-sync over ssh',
  git: 'git-sync and its tests',
  runc: 'every container',
  catatonit: "the pod sandbox's pause",
  skopeo: 'registry tests: pushes',
  umoci: 'OCI layout writer checks',
  htpasswd: "registry tests' basic auth",
  openssl: 'registry tests: certificates',
  setfattr: 'overlay opaque marks when unpacking layers',
  'docker-registry': 'image pull tests',
  'redis-cli': 'redis-ambassador tests',
  promtool: 'adapters: exposition checks',
};

/** The names in setup.sh's `packages=( … )` list (comments dropped). */
async function setupPackages(): Promise<Set<string>> {
  const text = await readFile(SETUP, 'utf8');
  const m = /^packages=\(\n([\s\S]*?)^\)/m.exec(text);
  assert.ok(m?.[1] !== undefined, `${SETUP}: no packages=( … ) list`);
  return new Set(m[1].split('\n').flatMap((l) => (l.split('#')[0] ?? '').trim().split(/\s+/)));
}

test("scripts/setup.sh lists the package of every program podkit and its tests run (zstd, ssh's openssh-client…)", async () => {
  const listed = await setupPackages();
  const missing: string[] = [];
  for (const [program, why] of Object.entries(PROGRAMS)) {
    const { stdout: where } = await run('sh', ['-c', `command -v ${program}`]);
    const { stdout } = await run('dpkg', ['-S', where.trim()]);
    const pkg = stdout.split(':')[0]?.trim() ?? '';
    if (!listed.has(pkg)) missing.push(`${pkg} (${program}: ${why})`);
  }
  assert.deepEqual(missing, [], `add to scripts/setup.sh: ${missing.join(', ')}`);
});
