import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The rule of docs/errors.md, checked over the whole repository: every package declares its
// codes once, in `src/errors.ts`, as `export const <Name>ErrorCode = { CODE: 'CODE', … } as
// const`; its source throws only `<Name>ErrorCode.CODE`, never a code written as a string;
// every code has its row in docs/errors.md.

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const packagesDir = join(repo, 'packages');

/**
 * Directories not scanned for ad-hoc codes (none now: every package is held to the rule). A
 * directory being rewritten may be listed here for a while, and removed once it complies.
 */
const NOT_YET_SCANNED: string[] = [];

const packages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The `{ CODE: 'CODE' }` pairs of the `…ErrorCode` const object(s) in a catalogue file. */
function catalogue(file: string): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  const pairs = new Map<string, string>();
  for (const m of text.matchAll(/export const \w+ErrorCode = \{([\s\S]*?)\} as const;/g)) {
    for (const p of (m[1] ?? '').matchAll(/^\s*(\w+): '([^']*)',?$/gm)) {
      pairs.set(p[1] ?? '', p[2] ?? '');
    }
  }
  return pairs;
}

/** Source text without comments (whole-line `//` and block comments): examples there are fine. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/**
 * A code written as a string where an error is built: the first argument of `new XError(`,
 * `xError(` (factories), `super(`, or the second after an HTTP status (`HttpError(404, …`).
 */
const AD_HOC =
  /\b(?:new\s+\w*Error|\w*Error|super)\(\s*(?:\d+\s*,\s*)?'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g;

const catalogues = new Map(
  packages.map((p) => [p, catalogue(join(packagesDir, p, 'src', 'errors.ts'))] as const),
);
const documented = new Set(
  [...readFileSync(join(repo, 'docs', 'errors.md'), 'utf8').matchAll(/^\| `([A-Z0-9_]+)` /gm)].map(
    (m) => m[1],
  ),
);

test('every package has one catalogue: a const object whose keys are its code strings', () => {
  assert.ok(packages.length >= 6, String(packages));
  for (const [pkg, codes] of catalogues) {
    assert.ok(codes.size > 0, `packages/${pkg}/src/errors.ts declares no <Name>ErrorCode`);
    for (const [key, value] of codes) assert.equal(key, value, `packages/${pkg}: ${key}`);
  }
});

test('every catalogued code has its row in docs/errors.md, and no code is in two catalogues', () => {
  const owner = new Map<string, string>();
  for (const [pkg, codes] of catalogues) {
    for (const c of codes.keys()) {
      assert.ok(documented.has(c), `${c} (packages/${pkg}) has no row in docs/errors.md`);
      assert.equal(owner.get(c), undefined, `${c} is in both ${owner.get(c) ?? ''} and ${pkg}`);
      owner.set(c, pkg);
    }
  }
});

test('no package source throws a code written as a string (outside its catalogue file)', () => {
  const found: string[] = [];
  for (const pkg of packages) {
    for (const file of sourceFiles(join(packagesDir, pkg, 'src'))) {
      const rel = relative(repo, file);
      if (rel === `packages/${pkg}/src/errors.ts`) continue;
      if (NOT_YET_SCANNED.some((dir) => rel.startsWith(dir))) continue;
      for (const m of code(readFileSync(file, 'utf8')).matchAll(AD_HOC)) {
        const c = m[1] ?? '';
        const where = catalogues.get(pkg)?.has(c) === true ? 'use the catalogue' : 'not catalogued';
        found.push(`${rel}: '${c}' (${where})`);
      }
    }
  }
  assert.deepEqual(found, [], found.join('\n'));
});

test('the scan sees what it must refuse', () => {
  const sample = [
    "throw new PodkitError('SOME_CODE', 'm');",
    "return runtimeError(\n  'OTHER_CODE', 'm');",
    "super('THIRD_CODE', message);",
    "new HttpError(413, 'FOURTH_CODE', 'too big');",
    "// new PodkitError('IN_A_COMMENT', …)",
    "new PodkitError(KitErrorCode.KIT_USAGE, 'fine');",
  ].join('\n');
  assert.deepEqual(
    [...code(sample).matchAll(AD_HOC)].map((m) => m[1]),
    ['SOME_CODE', 'OTHER_CODE', 'THIRD_CODE', 'FOURTH_CODE'],
  );
});
