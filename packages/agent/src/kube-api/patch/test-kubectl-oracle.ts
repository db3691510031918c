/**
 * Upstream as the oracle: `kubectl patch --local` applies a patch with the apimachinery code
 * compiled into kubectl (strategicpatch with the built-in types, evanphx json-patch) and
 * prints the result. The tests compare against it (kubectl is on the PATH: scripts/setup.sh installs it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type PatchKind = 'strategic' | 'merge' | 'json';

/** kubectl's result, or `{ error }` with its stderr. */
export function kubectlPatch(
  object: unknown,
  type: PatchKind,
  patch: unknown,
): { object?: unknown; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'podkit-patch-'));
  try {
    const file = join(dir, 'object.json');
    writeFileSync(file, JSON.stringify(object));
    const r = spawnSync(
      'kubectl',
      ['patch', '--local', '-f', file, '--type', type, '-p', JSON.stringify(patch), '-o', 'json'],
      { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } },
    );
    if (r.status !== 0) return { error: r.stderr };
    return { object: JSON.parse(r.stdout) as unknown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JSON with object keys sorted (kubectl prints typed objects in field order). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}
