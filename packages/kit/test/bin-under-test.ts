import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Whether the tests of this process run the shipped bundles (`PODKIT_TEST_BIN=bundle`). */
export const testsRunBundles = (): boolean => process.env['PODKIT_TEST_BIN'] === 'bundle';

/**
 * The node arguments that run a pattern container's bin in a test: its source through tsx
 * (`--conditions=podkit-source`) by default, or, with `PODKIT_TEST_BIN=bundle`, the shipped
 * bundle `packages/<pkg>/dist/bundle/<bin>.js` (scripts/bundle.ts; `npm run build` first),
 * which is what the package bins and the images run. Each package's `bundle.test.ts` sets
 * the variable and runs its bin tests again, so both are tested.
 *
 * @example
 *   spawn(process.execPath, [...binArgv('adapters', 'metrics-main', 'podkit-metrics-adapter'), '--source', 'redis']);
 */
export function binArgv(pkg: string, sourceMain: string, bin: string): string[] {
  if (testsRunBundles()) {
    const bundle = path.join(PACKAGES, pkg, 'dist', 'bundle', `${bin}.js`);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first`);
    return [bundle];
  }
  const source = path.join(PACKAGES, pkg, 'src', `${sourceMain}.ts`);
  return ['--conditions=podkit-source', '--import', 'tsx', source];
}

/**
 * Checks what a pattern container package ships: every `bin` of its package.json is a bundle
 * in `dist/bundle/`, and each runs (`--help`) from a copy of only that directory and the
 * package.json, far from any node_modules — as in the images, which hold nothing else.
 */
export async function checkShippedBundles(pkg: string): Promise<void> {
  const dir = path.join(PACKAGES, pkg);
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const alone = await mkdtemp(path.join(tmpdir(), `podkit-${pkg}-bundle-`));
  try {
    await copyFile(path.join(dir, 'package.json'), path.join(alone, 'package.json'));
    await cp(path.join(dir, 'dist', 'bundle'), path.join(alone, 'dist', 'bundle'), {
      recursive: true,
    });
    for (const [name, file] of Object.entries(manifest.bin)) {
      assert.equal(path.normalize(file), path.join('dist', 'bundle', `${name}.js`), name);
      const r = spawnSync(process.execPath, [path.join(alone, file), '--help'], {
        cwd: alone,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] },
        timeout: 60_000,
      });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.ok(r.stdout.startsWith(`Usage: ${name} `), `${name}: ${r.stdout}`);
    }
  } finally {
    await rm(alone, { recursive: true, force: true });
  }
}
